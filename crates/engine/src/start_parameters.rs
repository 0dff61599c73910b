//! StartAutomationExecution `Parameters`: from SSM's wire form (name → list
//! of strings) to one typed value per declared parameter, with the checks
//! SSM makes before a run starts.
//!
//! This module owns the typing of start parameters, the use of defaults and
//! the start-time constraint checks (through
//! [`crate::validate::value_problems`], shared with the validator). It must
//! not resolve placeholders (the execution does that later) nor read
//! Parameter Store, and it knows nothing about steps.
//!
//! Choices where SSM's documentation is silent:
//!
//! * Names supplied but not declared are checked first, in the order given;
//!   then each declared parameter in declaration order. The first problem
//!   wins, as SSM answers with one message.
//! * A default is used as written, without the constraint checks: published
//!   AWS runbooks default to `""` against patterns `""` fails, and run. A
//!   default holding `{{ }}` stays text: `{{ssm:/name}}` cannot be read
//!   without Parameter Store, and other placeholders (`{{ global:REGION }}`,
//!   other parameters) are left for the execution to substitute. A
//!   StringMap or MapList default written as JSON text is parsed; the items
//!   of a StringList default become strings.
//! * String and resource types take exactly one value.
//! * StringList: the values as given; a single value that is the JSON text
//!   of a list of scalars (`["a","b"]`) is read as that list.
//! * Integer: a whole number written in decimal, optional sign, no blanks.
//! * Boolean: `true` or `false` in any letter case.
//! * StringMap: one value, the JSON text of a map. MapList: one value that
//!   is the JSON text of a list of maps, or one value per map.
//! * A parameter whose type is missing or unknown (already reported by the
//!   validator) takes one value as a string, several as a list, unchecked.
//! * Supplied values are checked in full, the empty string included.
//! * An `allowedPattern` this crate's regex engine cannot read (Java-only
//!   syntax; the validator warns) is not checked.
//! * The wording for an undeclared name is this tool's own; SSM's is not
//!   recorded. The missing-parameter and allowedValues wordings are SSM's.

use crate::document::{Document, Parameter, ParameterType};
use crate::interpolate::wire_value;
use crate::template;
use crate::validate::value_problems;
use crate::value::ValueType;
use indexmap::IndexMap;
use serde_json::Value;

/// What kind of problem a [`ParameterError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterErrorKind {
    /// A name the runbook does not declare.
    Undeclared,
    /// A parameter with no default that was not supplied.
    Missing,
    /// The wrong number of values for the type (String takes one).
    ValueCount,
    /// A value the type cannot hold (`abc` for an Integer).
    InvalidValue,
    /// A typed value outside allowedValues, allowedPattern, a resource
    /// type's pattern, or min/max chars, items or value.
    Constraint,
}

/// A start parameter SSM would refuse. The API layer answers it with
/// `InvalidAutomationExecutionParametersException` and [`message`](Self::message).
///
/// ```
/// use ssm_runbook_engine::start_parameters::{parse, ParameterErrorKind};
/// use ssm_runbook_engine::document::{Document, Parameter, ParameterType};
/// use ssm_runbook_engine::value::ValueType;
/// use indexmap::IndexMap;
/// let mut doc = Document::default();
/// doc.parameters.insert("InstanceIds".into(), Parameter {
///     ty: Some(ParameterType::Value(ValueType::StringList)),
///     ..Parameter::default()
/// });
/// let err = parse(&doc, &IndexMap::new()).unwrap_err();
/// assert_eq!(err.kind, ParameterErrorKind::Missing);
/// assert_eq!(err.to_string(), "Missing required parameter: InstanceIds in user inputs.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParameterError {
    /// The offending parameter's name.
    pub parameter: String,
    /// What kind of problem it is.
    pub kind: ParameterErrorKind,
    /// The message, worded like SSM's.
    pub message: String,
}

impl ParameterError {
    fn new(parameter: &str, kind: ParameterErrorKind, message: String) -> Self {
        ParameterError {
            parameter: parameter.to_owned(),
            kind,
            message,
        }
    }
}

/// Type StartAutomationExecution `Parameters` (SSM's wire form: each name
/// with a list of strings) against the runbook's declarations.
///
/// Gives a value for every declared parameter, in declaration order:
/// supplied ones typed and checked, the rest from their defaults. See the
/// module documentation for the rules.
///
/// ```
/// use ssm_runbook_engine::start_parameters::parse;
/// use ssm_runbook_engine::document::{Document, Parameter, ParameterType};
/// use ssm_runbook_engine::value::ValueType;
/// use indexmap::IndexMap;
/// use serde_json::json;
/// let mut doc = Document::default();
/// doc.parameters.insert("Action".into(), Parameter {
///     ty: Some(ParameterType::Value(ValueType::String)),
///     allowed_values: Some(vec![json!("Install"), json!("Uninstall")]),
///     ..Parameter::default()
/// });
/// doc.parameters.insert("Count".into(), Parameter {
///     ty: Some(ParameterType::Value(ValueType::Integer)),
///     default: Some(json!(1)),
///     ..Parameter::default()
/// });
/// let mut wire = IndexMap::new();
/// wire.insert("Action".to_string(), vec!["Install".to_string()]);
/// let typed = parse(&doc, &wire).unwrap();
/// assert_eq!(typed["Action"], json!("Install"));
/// assert_eq!(typed["Count"], json!(1));
///
/// wire.insert("Action".to_string(), vec!["install".to_string()]);
/// assert_eq!(parse(&doc, &wire).unwrap_err().message,
///            "Parameter \"Action\" has value \"install\" not found in [Install, Uninstall].");
/// ```
pub fn parse(
    doc: &Document,
    wire: &IndexMap<String, Vec<String>>,
) -> Result<IndexMap<String, Value>, ParameterError> {
    if let Some(name) = wire.keys().find(|n| !doc.parameters.contains_key(*n)) {
        return Err(ParameterError::new(
            name,
            ParameterErrorKind::Undeclared,
            format!("Parameter \"{name}\" is not declared in the document."),
        ));
    }
    let mut out = IndexMap::with_capacity(doc.parameters.len());
    for (name, p) in &doc.parameters {
        let value = match (wire.get(name), &p.default) {
            (Some(values), _) => {
                let value = typed(name, p, values)?;
                check(name, p, &value)?;
                value
            }
            (None, Some(default)) => typed_default(p, default),
            (None, None) => {
                return Err(ParameterError::new(
                    name,
                    ParameterErrorKind::Missing,
                    format!("Missing required parameter: {name} in user inputs."),
                ));
            }
        };
        out.insert(name.clone(), value);
    }
    Ok(out)
}

/// [`parse`] for values already written as JSON (a scenario file's
/// `parameters: { Environment: prod, Ids: [a, b], Count: 3 }`).
///
/// Each value is first put in wire form: a scalar becomes one string (its
/// text), a list one string per item (maps and lists in it as JSON text), a
/// map one string of JSON text; `null` is refused. Then [`parse`] applies,
/// so a scenario is held to exactly the rules the API applies.
///
/// ```
/// use ssm_runbook_engine::start_parameters::parse_values;
/// use ssm_runbook_engine::document::{Document, Parameter, ParameterType};
/// use ssm_runbook_engine::value::ValueType;
/// use indexmap::IndexMap;
/// use serde_json::json;
/// let mut doc = Document::default();
/// for (name, ty) in [("Ids", ValueType::StringList), ("Count", ValueType::Integer),
///                    ("Tags", ValueType::StringMap)] {
///     doc.parameters.insert(name.into(), Parameter {
///         ty: Some(ParameterType::Value(ty)),
///         ..Parameter::default()
///     });
/// }
/// let mut given = IndexMap::new();
/// given.insert("Ids".to_string(), json!(["a", "b"]));
/// given.insert("Count".to_string(), json!(3));
/// given.insert("Tags".to_string(), json!({"env": "prod"}));
/// let typed = parse_values(&doc, &given).unwrap();
/// assert_eq!(typed["Ids"], json!(["a", "b"]));
/// assert_eq!(typed["Count"], json!(3));
/// assert_eq!(typed["Tags"], json!({"env": "prod"}));
/// ```
pub fn parse_values(
    doc: &Document,
    values: &IndexMap<String, Value>,
) -> Result<IndexMap<String, Value>, ParameterError> {
    let mut wire = IndexMap::with_capacity(values.len());
    for (name, value) in values {
        if value.is_null() {
            return Err(ParameterError::new(
                name,
                ParameterErrorKind::InvalidValue,
                format!("Parameter \"{name}\" has no value."),
            ));
        }
        wire.insert(name.clone(), wire_value(value));
    }
    parse(doc, &wire)
}

fn typed(name: &str, p: &Parameter, values: &[String]) -> Result<Value, ParameterError> {
    let Some(ty) = p.ty else {
        return Ok(match values {
            [one] => Value::String(one.clone()),
            many => strings(many),
        });
    };
    let invalid = |value: &str| {
        let mut shown: String = value.chars().take(100).collect();
        if value.chars().count() > 100 {
            shown.push('…');
        }
        ParameterError::new(
            name,
            ParameterErrorKind::InvalidValue,
            format!(
                "Parameter \"{name}\" has value \"{shown}\" that is not a valid {}.",
                ty.name()
            ),
        )
    };
    let one = || match values {
        [one] => Ok(one.as_str()),
        many => Err(ParameterError::new(
            name,
            ParameterErrorKind::ValueCount,
            format!(
                "Parameter \"{name}\" of type {} takes exactly one value, but {} were given.",
                ty.name(),
                many.len()
            ),
        )),
    };
    match ty.value_type() {
        ValueType::String => Ok(Value::String(one()?.to_owned())),
        ValueType::StringList => {
            if let [one] = values {
                if let Some(list) = json_string_list(one) {
                    return Ok(list);
                }
            }
            Ok(strings(values))
        }
        ValueType::Integer => {
            let text = one()?;
            text.parse::<i64>()
                .map(Value::from)
                .map_err(|_| invalid(text))
        }
        ValueType::Boolean => {
            let text = one()?;
            if text.eq_ignore_ascii_case("true") {
                Ok(Value::Bool(true))
            } else if text.eq_ignore_ascii_case("false") {
                Ok(Value::Bool(false))
            } else {
                Err(invalid(text))
            }
        }
        ValueType::StringMap => {
            let text = one()?;
            match serde_json::from_str::<Value>(text) {
                Ok(map @ Value::Object(_)) => Ok(map),
                _ => Err(invalid(text)),
            }
        }
        ValueType::MapList => {
            if let [one] = values {
                if let Ok(list @ Value::Array(_)) = serde_json::from_str::<Value>(one) {
                    return if ValueType::MapList.admits(&list) {
                        Ok(list)
                    } else {
                        Err(invalid(one))
                    };
                }
            }
            values
                .iter()
                .map(|text| match serde_json::from_str::<Value>(text) {
                    Ok(map @ Value::Object(_)) => Ok(map),
                    _ => Err(invalid(text)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
    }
}

fn strings(values: &[String]) -> Value {
    Value::Array(values.iter().cloned().map(Value::String).collect())
}

/// `["a","b"]` as one value: the list of its items as strings.
fn json_string_list(text: &str) -> Option<Value> {
    if !text.trim_start().starts_with('[') {
        return None;
    }
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Some(Value::String(s.clone())),
            Value::Number(_) | Value::Bool(_) => Some(Value::String(item.to_string())),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(Value::Array)
}

fn check(name: &str, p: &Parameter, value: &Value) -> Result<(), ParameterError> {
    let Some(ty) = p.ty else {
        return Ok(());
    };
    let pattern = p
        .allowed_pattern
        .as_deref()
        .and_then(crate::validate::patterns::compile);
    match value_problems(name, p, ty, pattern.as_ref(), value)
        .into_iter()
        .next()
    {
        Some(problem) => Err(ParameterError::new(
            name,
            ParameterErrorKind::Constraint,
            problem,
        )),
        None => Ok(()),
    }
}

/// A default as the run sees it; see the module documentation.
fn typed_default(p: &Parameter, default: &Value) -> Value {
    let Some(ty) = p.ty.map(ParameterType::value_type) else {
        return default.clone();
    };
    if let Some(text) = default.as_str() {
        let has_placeholder = template::has_placeholder(text);
        if has_placeholder {
            return default.clone();
        }
        if matches!(ty, ValueType::StringMap | ValueType::MapList) {
            if let Ok(parsed) = serde_json::from_str::<Value>(text) {
                if ty.admits(&parsed) {
                    return parsed;
                }
            }
        }
    }
    match (ty, default) {
        (ValueType::StringList, Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|item| match item {
                    Value::Number(_) | Value::Bool(_) => Value::String(item.to_string()),
                    other => other.clone(),
                })
                .collect(),
        ),
        _ => default.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::ResourceType;
    use serde_json::json;

    fn param(ty: ParameterType) -> Parameter {
        Parameter {
            ty: Some(ty),
            ..Parameter::default()
        }
    }

    fn v(t: ValueType) -> ParameterType {
        ParameterType::Value(t)
    }

    fn doc(params: Vec<(&str, Parameter)>) -> Document {
        let mut d = Document::default();
        for (n, p) in params {
            d.parameters.insert(n.to_owned(), p);
        }
        d
    }

    fn wire(pairs: &[(&str, &[&str])]) -> IndexMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, vs)| {
                (
                    (*k).to_owned(),
                    vs.iter().map(|s| (*s).to_owned()).collect(),
                )
            })
            .collect()
    }

    fn one(ty: ParameterType, values: &[&str]) -> Result<Value, ParameterError> {
        let d = doc(vec![("P", param(ty))]);
        parse(&d, &wire(&[("P", values)])).map(|m| m["P"].clone())
    }

    #[test]
    fn undeclared_names_are_refused_first() {
        let d = doc(vec![("A", param(v(ValueType::String)))]);
        let err = parse(&d, &wire(&[("Zed", &["1"])])).unwrap_err();
        assert_eq!(err.kind, ParameterErrorKind::Undeclared);
        assert_eq!(err.parameter, "Zed");
        assert_eq!(
            err.message,
            "Parameter \"Zed\" is not declared in the document."
        );
    }

    #[test]
    fn missing_without_default() {
        let d = doc(vec![
            ("A", param(v(ValueType::String))),
            ("B", param(v(ValueType::String))),
        ]);
        let err = parse(&d, &wire(&[("A", &["x"])])).unwrap_err();
        assert_eq!(err.kind, ParameterErrorKind::Missing);
        assert_eq!(err.parameter, "B");
        assert_eq!(err.message, "Missing required parameter: B in user inputs.");
    }

    #[test]
    fn declaration_order_and_defaults() {
        let mut role = param(v(ValueType::String));
        role.default = Some(json!(""));
        role.allowed_pattern = Some("^arn:.*$".into());
        let mut ami = param(v(ValueType::String));
        ami.default = Some(json!("{{ssm:/aws/service/ami}}"));
        let mut name = param(v(ValueType::String));
        name.default = Some(json!("copy_of_{{ Ami }}_{{global:DATE}}"));
        let mut tags = param(v(ValueType::StringMap));
        tags.default = Some(json!("{\"a\":\"b\"}"));
        let mut maps = param(v(ValueType::MapList));
        maps.default = Some(json!("[]"));
        let mut list = param(v(ValueType::StringList));
        list.default = Some(json!(["x", 2, true]));
        let mut n = param(v(ValueType::Integer));
        n.default = Some(json!(5));
        let d = doc(vec![
            ("Role", role),
            ("Ami", ami),
            ("Name", name),
            ("Tags", tags),
            ("Maps", maps),
            ("List", list),
            ("N", n),
            ("Given", param(v(ValueType::String))),
        ]);
        let out = parse(&d, &wire(&[("Given", &["g"])])).unwrap();
        assert_eq!(
            out.keys().collect::<Vec<_>>(),
            ["Role", "Ami", "Name", "Tags", "Maps", "List", "N", "Given"]
        );
        assert_eq!(out["Role"], json!(""));
        assert_eq!(out["Ami"], json!("{{ssm:/aws/service/ami}}"));
        assert_eq!(out["Name"], json!("copy_of_{{ Ami }}_{{global:DATE}}"));
        assert_eq!(out["Tags"], json!({"a": "b"}));
        assert_eq!(out["Maps"], json!([]));
        assert_eq!(out["List"], json!(["x", "2", "true"]));
        assert_eq!(out["N"], json!(5));
        assert_eq!(out["Given"], json!("g"));
    }

    #[test]
    fn supplied_value_overrides_default_and_is_checked() {
        let mut role = param(v(ValueType::String));
        role.default = Some(json!(""));
        role.allowed_pattern = Some("^arn:.*$".into());
        let d = doc(vec![("Role", role)]);
        assert_eq!(
            parse(&d, &wire(&[("Role", &["arn:x"])])).unwrap()["Role"],
            json!("arn:x")
        );
        let err = parse(&d, &wire(&[("Role", &[""])])).unwrap_err();
        assert_eq!(err.kind, ParameterErrorKind::Constraint);
        assert_eq!(
            err.message,
            "Parameter \"Role\" value \"\" does not match the pattern ^arn:.*$"
        );
    }

    #[test]
    fn strings_take_one_value() {
        assert_eq!(one(v(ValueType::String), &["a"]).unwrap(), json!("a"));
        let err = one(v(ValueType::String), &["a", "b"]).unwrap_err();
        assert_eq!(err.kind, ParameterErrorKind::ValueCount);
        assert_eq!(
            err.message,
            "Parameter \"P\" of type String takes exactly one value, but 2 were given."
        );
        let err = one(v(ValueType::String), &[]).unwrap_err();
        assert_eq!(err.kind, ParameterErrorKind::ValueCount);
        let r = ParameterType::Resource(ResourceType::Ec2InstanceId);
        assert_eq!(
            one(r, &["i-0123456789abcdef0"]).unwrap(),
            json!("i-0123456789abcdef0")
        );
        assert_eq!(
            one(r, &["a", "b"]).unwrap_err().kind,
            ParameterErrorKind::ValueCount
        );
    }

    #[test]
    fn resource_patterns_are_checked() {
        let r = ParameterType::Resource(ResourceType::Ec2InstanceId);
        let err = one(r, &["web-1"]).unwrap_err();
        assert_eq!(err.kind, ParameterErrorKind::Constraint);
        assert!(
            err.message
                .starts_with("Parameter \"P\" value \"web-1\" does not match")
        );
        let l = ParameterType::ResourceList(ResourceType::Ec2InstanceId);
        assert_eq!(
            one(l, &["i-12345678", "i-0123456789abcdef0"]).unwrap(),
            json!(["i-12345678", "i-0123456789abcdef0"])
        );
        assert_eq!(
            one(l, &["i-12345678", "nope"]).unwrap_err().kind,
            ParameterErrorKind::Constraint
        );
    }

    #[test]
    fn string_lists() {
        let t = v(ValueType::StringList);
        assert_eq!(one(t, &["a", "b"]).unwrap(), json!(["a", "b"]));
        assert_eq!(one(t, &[]).unwrap(), json!([]));
        assert_eq!(one(t, &["a,b"]).unwrap(), json!(["a,b"]));
        assert_eq!(
            one(t, &["[\"a\", \"b\", 3]"]).unwrap(),
            json!(["a", "b", "3"])
        );
        // Not a list of scalars: kept as one item.
        assert_eq!(one(t, &["[{\"a\":1}]"]).unwrap(), json!(["[{\"a\":1}]"]));
        assert_eq!(one(t, &["[not json"]).unwrap(), json!(["[not json"]));
        // Two values are never JSON-read.
        assert_eq!(one(t, &["[\"a\"]", "b"]).unwrap(), json!(["[\"a\"]", "b"]));
    }

    #[test]
    fn integers() {
        let t = v(ValueType::Integer);
        assert_eq!(one(t, &["42"]).unwrap(), json!(42));
        assert_eq!(one(t, &["-3"]).unwrap(), json!(-3));
        for bad in ["3.0", "", " 3", "x", "99999999999999999999"] {
            let err = one(t, &[bad]).unwrap_err();
            assert_eq!(err.kind, ParameterErrorKind::InvalidValue, "{bad:?}");
        }
        assert_eq!(
            one(t, &["3.5"]).unwrap_err().message,
            "Parameter \"P\" has value \"3.5\" that is not a valid Integer."
        );
        assert_eq!(
            one(t, &["1", "2"]).unwrap_err().kind,
            ParameterErrorKind::ValueCount
        );
    }

    #[test]
    fn integer_bounds() {
        let mut p = param(v(ValueType::Integer));
        p.min_value = Some(1);
        p.max_value = Some(10);
        let d = doc(vec![("P", p)]);
        assert!(parse(&d, &wire(&[("P", &["10"])])).is_ok());
        let err = parse(&d, &wire(&[("P", &["11"])])).unwrap_err();
        assert_eq!(err.kind, ParameterErrorKind::Constraint);
        assert_eq!(
            err.message,
            "Parameter \"P\" value 11 is outside minValue/maxValue"
        );
    }

    #[test]
    fn booleans() {
        let t = v(ValueType::Boolean);
        assert_eq!(one(t, &["true"]).unwrap(), json!(true));
        assert_eq!(one(t, &["FALSE"]).unwrap(), json!(false));
        assert_eq!(one(t, &["True"]).unwrap(), json!(true));
        assert_eq!(
            one(t, &["yes"]).unwrap_err().message,
            "Parameter \"P\" has value \"yes\" that is not a valid Boolean."
        );
        assert_eq!(
            one(t, &["1"]).unwrap_err().kind,
            ParameterErrorKind::InvalidValue
        );
    }

    #[test]
    fn maps() {
        let t = v(ValueType::StringMap);
        assert_eq!(one(t, &["{\"a\": \"b\"}"]).unwrap(), json!({"a": "b"}));
        assert_eq!(
            one(t, &["[]"]).unwrap_err().kind,
            ParameterErrorKind::InvalidValue
        );
        assert_eq!(
            one(t, &["{"]).unwrap_err().kind,
            ParameterErrorKind::InvalidValue
        );
        assert_eq!(
            one(t, &["{}", "{}"]).unwrap_err().kind,
            ParameterErrorKind::ValueCount
        );
        let t = v(ValueType::MapList);
        assert_eq!(
            one(t, &["[{\"a\":1},{\"b\":2}]"]).unwrap(),
            json!([{"a": 1}, {"b": 2}])
        );
        assert_eq!(
            one(t, &["{\"a\":1}", "{\"b\":2}"]).unwrap(),
            json!([{"a": 1}, {"b": 2}])
        );
        assert_eq!(one(t, &["{\"a\":1}"]).unwrap(), json!([{"a": 1}]));
        assert_eq!(one(t, &[]).unwrap(), json!([]));
        assert_eq!(
            one(t, &["[1]"]).unwrap_err().kind,
            ParameterErrorKind::InvalidValue
        );
        assert_eq!(
            one(t, &["{}", "x"]).unwrap_err().kind,
            ParameterErrorKind::InvalidValue
        );
    }

    #[test]
    fn allowed_values_wording() {
        let mut p = param(v(ValueType::String));
        p.allowed_values = Some(vec![json!("Install"), json!("Uninstall")]);
        let d = doc(vec![("Action", p)]);
        let err = parse(&d, &wire(&[("Action", &["install"])])).unwrap_err();
        assert_eq!(
            err.message,
            "Parameter \"Action\" has value \"install\" not found in [Install, Uninstall]."
        );
        assert_eq!(err.to_string(), err.message);
    }

    #[test]
    fn list_limits_and_item_values() {
        let mut p = param(v(ValueType::StringList));
        p.max_items = Some(2);
        p.allowed_values = Some(vec![json!("a"), json!("b"), json!("c")]);
        let d = doc(vec![("L", p)]);
        assert!(parse(&d, &wire(&[("L", &["a", "b"])])).is_ok());
        let err = parse(&d, &wire(&[("L", &["a", "b", "c"])])).unwrap_err();
        assert_eq!(
            err.message,
            "Parameter \"L\" value has 3 items, outside minItems/maxItems"
        );
        let err = parse(&d, &wire(&[("L", &["a", "z"])])).unwrap_err();
        assert_eq!(
            err.message,
            "Parameter \"L\" has value \"z\" not found in [a, b, c]."
        );
    }

    #[test]
    fn untyped_parameters_are_taken_as_given() {
        let d = doc(vec![("X", Parameter::default())]);
        assert_eq!(parse(&d, &wire(&[("X", &["a"])])).unwrap()["X"], json!("a"));
        assert_eq!(
            parse(&d, &wire(&[("X", &["a", "b"])])).unwrap()["X"],
            json!(["a", "b"])
        );
    }

    #[test]
    fn unreadable_pattern_is_not_checked() {
        let mut p = param(v(ValueType::String));
        p.allowed_pattern = Some("^(?<=x)a$".into());
        let d = doc(vec![("P", p)]);
        assert_eq!(
            parse(&d, &wire(&[("P", &["zzz"])])).unwrap()["P"],
            json!("zzz")
        );
    }

    #[test]
    fn parse_values_goes_through_wire_form() {
        let d = doc(vec![
            ("S", param(v(ValueType::String))),
            ("I", param(v(ValueType::Integer))),
            ("B", param(v(ValueType::Boolean))),
            ("L", param(v(ValueType::StringList))),
            ("M", param(v(ValueType::StringMap))),
            ("ML", param(v(ValueType::MapList))),
        ]);
        let given: IndexMap<String, Value> = [
            ("S", json!("prod")),
            ("I", json!(3)),
            ("B", json!(true)),
            ("L", json!(["a", 2])),
            ("M", json!({"k": ["v"]})),
            ("ML", json!([{"a": 1}, {"b": 2}])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let out = parse_values(&d, &given).unwrap();
        assert_eq!(out["S"], json!("prod"));
        assert_eq!(out["I"], json!(3));
        assert_eq!(out["B"], json!(true));
        assert_eq!(out["L"], json!(["a", "2"]));
        assert_eq!(out["M"], json!({"k": ["v"]}));
        assert_eq!(out["ML"], json!([{"a": 1}, {"b": 2}]));

        // The same rules as the API: a list for a String is refused...
        let mut bad = given.clone();
        bad.insert("S".into(), json!(["a", "b"]));
        assert_eq!(
            parse_values(&d, &bad).unwrap_err().kind,
            ParameterErrorKind::ValueCount
        );
        // ...a decimal for an Integer too...
        let mut bad = given.clone();
        bad.insert("I".into(), json!(2.5));
        assert_eq!(
            parse_values(&d, &bad).unwrap_err().kind,
            ParameterErrorKind::InvalidValue
        );
        // ...and null.
        let mut bad = given;
        bad.insert("S".into(), Value::Null);
        let err = parse_values(&d, &bad).unwrap_err();
        assert_eq!(err.message, "Parameter \"S\" has no value.");
    }
}
