//! Typed `{{ }}` substitution in step inputs, and the string encodings the
//! API shows for step inputs and for outputs and parameters.
//!
//! This module owns the substitution rules: a string that is exactly one
//! placeholder takes the referenced value's own type; a list item that is
//! exactly one placeholder resolving to a list is spliced into its list; a
//! placeholder inside longer text is replaced by the value's text form. It
//! must not look values up itself (the caller's [`Scope`] does), must not
//! read Parameter Store (`{{ssm:...}}` is an error here), and knows nothing
//! of steps or executions. Placeholder syntax belongs to [`crate::template`].
//!
//! Choices where SSM's documentation is silent:
//!
//! * Inside longer text a list of scalars (a StringList) is joined with `,`
//!   and no brackets or blanks; a map, a MapList (or any list holding a map
//!   or list) and `null` become compact JSON text.
//! * A list item that is exactly one placeholder resolving to *any* list,
//!   MapList included, is spliced (one level).
//! * Map keys are never interpolated; SSM does not support it.
//! * Error paths point into the value as written (before splicing).

mod compiled;

pub use compiled::Template;

use crate::path::Path;
use crate::template::{self, Reference};
use indexmap::IndexMap;
use serde_json::Value;
use std::fmt;

/// Where placeholder values come from. The execution layer implements it
/// over its parameters, step outputs, variables and system values; every
/// method answers `None` for a name it has no value for.
pub trait Scope {
    /// The typed value of runbook parameter `name`.
    fn parameter(&self, name: &str) -> Option<Value>;
    /// The typed value of output `output` of step `step` (this includes
    /// loop context such as `CurrentIteratorValue`).
    fn step_output(&self, step: &str, output: &str) -> Option<Value>;
    /// The current value of runbook variable `name` (`{{ variable:NAME }}`).
    fn variable(&self, name: &str) -> Option<Value>;
    /// A system value: `prefix` is `automation` or `global`, `name` e.g.
    /// `EXECUTION_ID` or `REGION`.
    fn system(&self, prefix: &str, name: &str) -> Option<Value>;
}

/// A [`Scope`] backed by plain maps: handy for tests, scenarios and
/// examples.
///
/// ```
/// use ssm_runbook_engine::interpolate::{MapScope, Scope};
/// use serde_json::json;
/// let mut scope = MapScope::default();
/// scope.step_outputs.insert("Launch.InstanceIds".into(), json!(["i-1"]));
/// scope.system.insert("global:REGION".into(), json!("eu-west-1"));
/// assert_eq!(scope.step_output("Launch", "InstanceIds"), Some(json!(["i-1"])));
/// assert_eq!(scope.system("global", "REGION"), Some(json!("eu-west-1")));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapScope {
    /// Parameters by name.
    pub parameters: IndexMap<String, Value>,
    /// Step outputs keyed `step.Output`.
    pub step_outputs: IndexMap<String, Value>,
    /// Variables by name (without `variable:`).
    pub variables: IndexMap<String, Value>,
    /// System values keyed `prefix:NAME` (`global:REGION`).
    pub system: IndexMap<String, Value>,
}

impl Scope for MapScope {
    fn parameter(&self, name: &str) -> Option<Value> {
        self.parameters.get(name).cloned()
    }

    fn step_output(&self, step: &str, output: &str) -> Option<Value> {
        self.step_outputs.get(&format!("{step}.{output}")).cloned()
    }

    fn variable(&self, name: &str) -> Option<Value> {
        self.variables.get(name).cloned()
    }

    fn system(&self, prefix: &str, name: &str) -> Option<Value> {
        self.system.get(&format!("{prefix}:{name}")).cloned()
    }
}

/// Why a placeholder could not be substituted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The scope has no value for the reference (a step that has not run,
    /// an unknown name).
    NoValue,
    /// `{{ssm:...}}`: Parameter Store values are only read for parameter
    /// defaults, never in step inputs.
    ParameterStore,
    /// A placeholder written inside another (`{{ {{ x }} }}`), which SSM
    /// does not expand.
    Nested,
}

/// A placeholder that could not be substituted. The execution layer turns
/// it into a step failure at input validation.
///
/// ```
/// use ssm_runbook_engine::interpolate::{resolve, MapScope};
/// use serde_json::json;
/// let err = resolve(&json!({"Ids": ["{{ Launch.InstanceIds }}"]}), &MapScope::default()).unwrap_err();
/// assert_eq!(err.path.to_string(), "Ids[0]");
/// assert_eq!(err.to_string(), "Ids[0]: {{ Launch.InstanceIds }} has no value");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Unresolved {
    /// The reference that could not be substituted.
    pub reference: Reference,
    /// Where the string holding it is, relative to the resolved value's root.
    pub path: Path,
    /// Why.
    pub reason: Reason,
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.reference;
        write!(f, "{}: ", self.path)?;
        match self.reason {
            Reason::NoValue => write!(f, "{{{{ {r} }}}} has no value"),
            Reason::ParameterStore => write!(
                f,
                "{{{{ {r} }}}} cannot be used here: Parameter Store values are only read in parameter defaults"
            ),
            Reason::Nested => write!(
                f,
                "{{{{ {r} }}}} is written inside another placeholder, which is not expanded"
            ),
        }
    }
}

/// The value `reference` has in `scope`; `None` for `{{ssm:...}}` and for
/// anything the scope does not know.
///
/// ```
/// use ssm_runbook_engine::interpolate::{lookup, MapScope};
/// use ssm_runbook_engine::template::Reference;
/// use serde_json::json;
/// let mut scope = MapScope::default();
/// scope.variables.insert("count".into(), json!(2));
/// assert_eq!(lookup(&Reference::Variable("count".into()), &scope), Some(json!(2)));
/// ```
pub fn lookup(reference: &Reference, scope: &dyn Scope) -> Option<Value> {
    match reference {
        Reference::Parameter(name) => scope.parameter(name),
        Reference::StepOutput { step, output } => scope.step_output(step, output),
        Reference::Variable(name) => scope.variable(name),
        Reference::Automation(name) => scope.system("automation", name),
        Reference::Global(name) => scope.system("global", name),
        Reference::Ssm(_) => None,
    }
}

/// Substitute every placeholder in a value tree (a step's inputs, or one
/// input), keeping types where the placeholder is the whole string.
///
/// * A string that is exactly one placeholder (blanks around it allowed)
///   becomes the referenced value, with its own type.
/// * In a list, an item that is exactly one placeholder resolving to a list
///   is replaced by that list's items; any other result is one item.
/// * A placeholder inside longer text is replaced by [`text_of`] the value.
/// * Map keys are left as written; text between `{{` and `}}` that is not a
///   reference name stays literal.
///
/// ```
/// use ssm_runbook_engine::interpolate::{resolve, MapScope};
/// use serde_json::json;
/// let mut scope = MapScope::default();
/// scope.parameters.insert("Count".into(), json!(2));
/// scope.parameters.insert("Ids".into(), json!(["i-1", "i-2"]));
/// let inputs = json!({
///     "MaxCount": "{{ Count }}",
///     "InstanceIds": ["{{ Ids }}", "i-3"],
///     "Comment": "ids={{Ids}} n={{ Count }} {{x + 1}}",
/// });
/// assert_eq!(resolve(&inputs, &scope).unwrap(), json!({
///     "MaxCount": 2,
///     "InstanceIds": ["i-1", "i-2", "i-3"],
///     "Comment": "ids=i-1,i-2 n=2 {{x + 1}}",
/// }));
/// ```
pub fn resolve(value: &Value, scope: &dyn Scope) -> Result<Value, Unresolved> {
    resolve_at(value, scope, &Path::root())
}

/// [`resolve`] over a step's `inputs` map, giving the resolved inputs in
/// their written order; error paths start at the input name.
///
/// ```
/// use ssm_runbook_engine::interpolate::{resolve_inputs, wire_inputs, MapScope};
/// use serde_json::json;
/// let mut scope = MapScope::default();
/// scope.parameters.insert("Type".into(), json!("t3.micro"));
/// let inputs = json!({"InstanceType": "{{ Type }}", "MaxInstanceCount": 1});
/// let resolved = resolve_inputs(inputs.as_object().unwrap(), &scope).unwrap();
/// let wire = wire_inputs(&resolved);
/// assert_eq!(wire["InstanceType"], "\"t3.micro\"");
/// assert_eq!(wire["MaxInstanceCount"], "1");
/// ```
pub fn resolve_inputs(
    inputs: &serde_json::Map<String, Value>,
    scope: &dyn Scope,
) -> Result<IndexMap<String, Value>, Unresolved> {
    inputs
        .iter()
        .map(|(k, v)| Ok((k.clone(), resolve_at(v, scope, &Path::root().key(k))?)))
        .collect()
}

/// Where in the value being resolved: a path made only when an error
/// needs it, so that resolving allocates nothing for the places it passes.
#[derive(Clone, Copy)]
enum Trail<'a> {
    Root(&'a Path),
    Key(&'a Trail<'a>, &'a str),
    Index(&'a Trail<'a>, usize),
}

impl Trail<'_> {
    fn path(&self) -> Path {
        match self {
            Trail::Root(base) => (*base).clone(),
            Trail::Key(up, key) => up.path().key(*key),
            Trail::Index(up, i) => up.path().index(*i),
        }
    }
}

fn resolve_at(value: &Value, scope: &dyn Scope, at: &Path) -> Result<Value, Unresolved> {
    resolve_in(value, scope, &Trail::Root(at))
}

fn resolve_in(value: &Value, scope: &dyn Scope, at: &Trail<'_>) -> Result<Value, Unresolved> {
    match value {
        Value::String(text) => resolve_string(text, scope, at),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let here = Trail::Index(at, i);
                match item
                    .as_str()
                    .filter(|t| t.contains("{{"))
                    .and_then(template::whole)
                {
                    Some(reference) => match fetch(&reference, scope, &here)? {
                        Value::Array(spliced) => out.extend(spliced),
                        other => out.push(other),
                    },
                    None => out.push(resolve_in(item, scope, &here)?),
                }
            }
            Ok(Value::Array(out))
        }
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), resolve_in(v, scope, &Trail::Key(at, k))?);
            }
            Ok(Value::Object(out))
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(value.clone()),
    }
}

fn resolve_string(text: &str, scope: &dyn Scope, at: &Trail<'_>) -> Result<Value, Unresolved> {
    if !text.contains("{{") {
        return Ok(Value::String(text.to_owned()));
    }
    if let Some(reference) = template::whole(text) {
        return fetch(&reference, scope, at);
    }
    let found = template::placeholders(text).map_err(|_| Unresolved {
        reference: nested_reference(text),
        path: at.path(),
        reason: Reason::Nested,
    })?;
    if found.is_empty() {
        return Ok(Value::String(text.to_owned()));
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for p in found {
        let value = fetch(&p.reference, scope, at)?;
        out.push_str(text.get(last..p.range.start).unwrap_or_default());
        out.push_str(&text_of(&value));
        last = p.range.end;
    }
    out.push_str(text.get(last..).unwrap_or_default());
    Ok(Value::String(out))
}

fn fetch(reference: &Reference, scope: &dyn Scope, at: &Trail<'_>) -> Result<Value, Unresolved> {
    let reason = match reference {
        Reference::Ssm(_) => Reason::ParameterStore,
        _ => match lookup(reference, scope) {
            Some(v) => return Ok(v),
            None => Reason::NoValue,
        },
    };
    Err(Unresolved {
        reference: reference.clone(),
        path: at.path(),
        reason,
    })
}

/// The inner reference of the first `{{ {{ x }} }}`-style nesting in
/// `text`, found the way [`template::placeholders`] finds it.
fn nested_reference(text: &str) -> Reference {
    let mut from = 0;
    while let Some(open) = text
        .get(from..)
        .and_then(|t| t.find("{{"))
        .map(|i| i + from)
    {
        from = open + 2;
        let Some(inner) = text.get(open + 2..) else {
            break;
        };
        let Some(inner) = inner.find("}}").and_then(|close| inner.get(..close)) else {
            break;
        };
        if let Some(nested) = inner.trim().strip_prefix("{{") {
            if let Some(r) = template::whole(&format!("{{{{{nested}}}}}")) {
                return r;
            }
        }
    }
    // Not reachable for texts `placeholders` rejects; keep the text itself.
    Reference::Parameter(text.trim().to_owned())
}

/// The text a value takes inside a longer string: a string as is; a number
/// or boolean as its JSON text; a list of scalars joined with `,` (no
/// brackets, no blanks); anything else (a map, a list holding maps or
/// lists, `null`) as compact JSON.
///
/// ```
/// use ssm_runbook_engine::interpolate::text_of;
/// use serde_json::json;
/// assert_eq!(text_of(&json!("a b")), "a b");
/// assert_eq!(text_of(&json!(["i-1", "i-2"])), "i-1,i-2");
/// assert_eq!(text_of(&json!([{"k": "v"}])), "[{\"k\":\"v\"}]");
/// assert_eq!(text_of(&json!(true)), "true");
/// ```
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => {
            let texts: Option<Vec<String>> = items.iter().map(scalar_text).collect();
            match texts {
                Some(texts) => texts.join(","),
                None => value.to_string(),
            }
        }
        Value::Null | Value::Object(_) => value.to_string(),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `StepExecution.Inputs` as the API shows it: each resolved input as its
/// compact JSON text (strings quoted, numbers and booleans bare, lists and
/// maps as JSON). Order is the inputs' order; SSM itself may reorder keys.
///
/// ```
/// use ssm_runbook_engine::interpolate::wire_inputs;
/// use indexmap::IndexMap;
/// use serde_json::json;
/// let mut inputs = IndexMap::new();
/// inputs.insert("ImageId".to_string(), json!("ami-1"));
/// inputs.insert("MaxInstanceCount".to_string(), json!(1));
/// inputs.insert("InstanceIds".to_string(), json!(["i-1", "i-2"]));
/// inputs.insert("Parameters".to_string(), json!({"commands": ["ls"]}));
/// let wire = wire_inputs(&inputs);
/// assert_eq!(wire["ImageId"], r#""ami-1""#);
/// assert_eq!(wire["MaxInstanceCount"], "1");
/// assert_eq!(wire["InstanceIds"], r#"["i-1","i-2"]"#);
/// assert_eq!(wire["Parameters"], r#"{"commands":["ls"]}"#);
/// ```
pub fn wire_inputs(resolved: &IndexMap<String, Value>) -> IndexMap<String, String> {
    resolved
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect()
}

/// One typed value in `AutomationParameterMap` form (a list of strings),
/// as outputs and parameters are shown:
///
/// * a string → `[s]`; an integer or boolean → `[text]`;
/// * a StringList → its items, each as text;
/// * a StringMap → `[compact JSON]`;
/// * a MapList → each map as compact JSON;
/// * `null` → `["null"]`.
///
/// The list encoding follows the value's shape, so an empty list is `[]`
/// whatever its declared type. SSM's own JSON of map values escapes `=`,
/// `<`, `>`, `&` and `'` as `\u003d` and so on (seen in real output); this
/// encoding does not.
///
/// ```
/// use ssm_runbook_engine::interpolate::wire_value;
/// use serde_json::json;
/// assert_eq!(wire_value(&json!(0)), vec!["0"]);
/// assert_eq!(wire_value(&json!(["a", "b"])), vec!["a", "b"]);
/// assert_eq!(wire_value(&json!({"k": "v"})), vec![r#"{"k":"v"}"#]);
/// assert_eq!(wire_value(&json!([{"k": 1}, {"k": 2}])), vec![r#"{"k":1}"#, r#"{"k":2}"#]);
/// ```
pub fn wire_value(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().map(text_of_item).collect(),
        other => vec![text_of_item(other)],
    }
}

fn text_of_item(value: &Value) -> String {
    scalar_text(value).unwrap_or_else(|| value.to_string())
}

/// Step (or execution) `Outputs` as the API shows them: each typed output
/// in [`wire_value`] form, in the given order.
///
/// ```
/// use ssm_runbook_engine::interpolate::wire_outputs;
/// use indexmap::IndexMap;
/// use serde_json::json;
/// let mut outputs = IndexMap::new();
/// outputs.insert("ResponseCode".to_string(), json!(0));
/// outputs.insert("InstanceStates".to_string(), json!(["running"]));
/// let wire = wire_outputs(&outputs);
/// assert_eq!(wire["ResponseCode"], vec!["0"]);
/// assert_eq!(wire["InstanceStates"], vec!["running"]);
/// ```
pub fn wire_outputs(outputs: &IndexMap<String, Value>) -> IndexMap<String, Vec<String>> {
    outputs
        .iter()
        .map(|(k, v)| (k.clone(), wire_value(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> MapScope {
        let mut s = MapScope::default();
        s.parameters.insert("Name".into(), json!("web"));
        s.parameters.insert("Count".into(), json!(3));
        s.parameters.insert("Flag".into(), json!(false));
        s.parameters.insert("Ids".into(), json!(["i-1", "i-2"]));
        s.parameters.insert("Empty".into(), json!([]));
        s.parameters
            .insert("Tags".into(), json!({"env": "prod", "team": "a"}));
        s.parameters
            .insert("Maps".into(), json!([{"k": "a"}, {"k": "b"}]));
        s.step_outputs
            .insert("Launch.InstanceIds".into(), json!(["i-9"]));
        s.step_outputs
            .insert("Script.Payload.x".into(), json!("deep"));
        s.variables.insert("n".into(), json!(7));
        s.system
            .insert("automation:EXECUTION_ID".into(), json!("abc-123"));
        s.system.insert("global:REGION".into(), json!("us-east-2"));
        s
    }

    fn r(v: Value) -> Value {
        resolve(&v, &scope()).unwrap()
    }

    fn err(v: Value) -> Unresolved {
        resolve(&v, &scope()).unwrap_err()
    }

    #[test]
    fn whole_placeholder_keeps_type() {
        assert_eq!(r(json!("{{ Count }}")), json!(3));
        assert_eq!(r(json!("  {{Flag}} ")), json!(false));
        assert_eq!(r(json!("{{ Ids }}")), json!(["i-1", "i-2"]));
        assert_eq!(r(json!("{{ Tags }}")), json!({"env": "prod", "team": "a"}));
        assert_eq!(r(json!("{{ Name }}")), json!("web"));
        assert_eq!(r(json!("{{ variable:n }}")), json!(7));
        assert_eq!(r(json!("{{automation:EXECUTION_ID}}")), json!("abc-123"));
        assert_eq!(r(json!("{{ Script.Payload.x }}")), json!("deep"));
    }

    #[test]
    fn list_items_splice_one_level() {
        assert_eq!(r(json!(["{{ Ids }}"])), json!(["i-1", "i-2"]));
        assert_eq!(
            r(json!(["a", "{{ Ids }}", "{{ Launch.InstanceIds }}", "b"])),
            json!(["a", "i-1", "i-2", "i-9", "b"])
        );
        assert_eq!(r(json!(["{{ Empty }}", "x"])), json!(["x"]));
        assert_eq!(r(json!(["{{ Count }}", "{{ Name }}"])), json!([3, "web"]));
        assert_eq!(
            r(json!(["{{ Tags }}"])),
            json!([{"env": "prod", "team": "a"}])
        );
        assert_eq!(r(json!(["{{ Maps }}"])), json!([{"k": "a"}, {"k": "b"}]));
        // Only one level: a list inside the spliced list stays a list.
        let mut s = scope();
        s.parameters.insert("Nested".into(), json!([["a"], "b"]));
        assert_eq!(
            resolve(&json!(["{{ Nested }}"]), &s).unwrap(),
            json!([["a"], "b"])
        );
        // An item that is a list holding a placeholder is not spliced upward.
        assert_eq!(r(json!([["{{ Ids }}"]])), json!([["i-1", "i-2"]]));
        // Text around the placeholder: no splice, textual join.
        assert_eq!(r(json!(["x{{ Ids }}"])), json!(["xi-1,i-2"]));
    }

    #[test]
    fn text_substitution() {
        assert_eq!(
            r(json!("{{Name}}-{{ Count }}-{{ Flag }}")),
            json!("web-3-false")
        );
        assert_eq!(r(json!("ids: {{ Ids }}.")), json!("ids: i-1,i-2."));
        assert_eq!(r(json!("[{{ Empty }}]")), json!("[]"));
        assert_eq!(
            r(json!("tags={{ Tags }}")),
            json!("tags={\"env\":\"prod\",\"team\":\"a\"}")
        );
        assert_eq!(
            r(json!("m={{ Maps }}")),
            json!("m=[{\"k\":\"a\"},{\"k\":\"b\"}]")
        );
        assert_eq!(
            r(json!("arn:aws:s3:::{{global:REGION}}/x")),
            json!("arn:aws:s3:::us-east-2/x")
        );
        // Not reference names: literal.
        assert_eq!(
            r(json!("print(f'{{x + 1}}') {{ Name }}")),
            json!("print(f'{{x + 1}}') web")
        );
        assert_eq!(r(json!("{{ unclosed")), json!("{{ unclosed"));
        assert_eq!(r(json!("é{{Name}}ü")), json!("éwebü"));
    }

    #[test]
    fn nested_structures_and_keys() {
        let v = json!({
            "{{ Name }}": "{{ Name }}",
            "Outer": {"Inner": ["{{ Ids }}", {"K": "{{ Count }}"}]},
            "N": 1, "B": true, "Z": null
        });
        assert_eq!(
            r(v),
            json!({
                "{{ Name }}": "web",
                "Outer": {"Inner": ["i-1", "i-2", {"K": 3}]},
                "N": 1, "B": true, "Z": null
            })
        );
    }

    #[test]
    fn unresolved_references_name_reference_and_path() {
        let e = err(json!({"A": {"B": [1, "x {{ Missing }}"]}}));
        assert_eq!(e.reference, Reference::Parameter("Missing".into()));
        assert_eq!(e.reason, Reason::NoValue);
        assert_eq!(e.path.to_string(), "A.B[1]");

        let e = err(json!({"Ids": ["{{ Other.Out }}"]}));
        assert_eq!(
            e.reference,
            Reference::StepOutput {
                step: "Other".into(),
                output: "Out".into()
            }
        );
        assert_eq!(e.path.to_string(), "Ids[0]");

        let e = err(json!("{{ global:DATE }}"));
        assert_eq!(e.reference, Reference::Global("DATE".into()));
        assert!(e.path.is_root());
        assert_eq!(e.to_string(), "$: {{ global:DATE }} has no value");

        let e = err(json!({"a b": "{{ variable:nope }}"}));
        assert_eq!(e.path.to_string(), "[\"a b\"]");
    }

    #[test]
    fn ssm_references_are_never_resolved() {
        let e = err(json!({"Role": "{{ssm:/my/role}}"}));
        assert_eq!(e.reference, Reference::Ssm("/my/role".into()));
        assert_eq!(e.reason, Reason::ParameterStore);
        assert_eq!(
            e.to_string(),
            "Role: {{ ssm:/my/role }} cannot be used here: Parameter Store values are only read in parameter defaults"
        );
        let e = err(json!(["x-{{ssm:/a}}"]));
        assert_eq!(e.reason, Reason::ParameterStore);
        assert_eq!(e.path.to_string(), "[0]");
    }

    #[test]
    fn nested_placeholders_are_errors() {
        let e = err(json!({"A": "{{ {{ Name }} }}"}));
        assert_eq!(e.reason, Reason::Nested);
        assert_eq!(e.reference, Reference::Parameter("Name".into()));
        assert_eq!(e.path.to_string(), "A");
        let e = err(json!("x {{{{global:REGION}} }}"));
        assert_eq!(e.reference, Reference::Global("REGION".into()));
    }

    #[test]
    fn first_unresolved_in_order_is_reported() {
        let e = err(json!({"A": "{{ Name }}", "B": "{{ X }} {{ Y }}", "C": "{{ Z }}"}));
        assert_eq!(e.reference, Reference::Parameter("X".into()));
    }

    #[test]
    fn resolve_inputs_keeps_order_and_paths() {
        let inputs = json!({"Z": "{{ Count }}", "A": ["{{ Ids }}"]});
        let out = resolve_inputs(inputs.as_object().unwrap(), &scope()).unwrap();
        assert_eq!(out.keys().collect::<Vec<_>>(), ["Z", "A"]);
        assert_eq!(out["A"], json!(["i-1", "i-2"]));
        let inputs = json!({"Z": {"Q": "{{ Nope }}"}});
        let e = resolve_inputs(inputs.as_object().unwrap(), &scope()).unwrap_err();
        assert_eq!(e.path.to_string(), "Z.Q");
    }

    #[test]
    fn wire_inputs_encoding() {
        let mut m = IndexMap::new();
        m.insert("S".to_string(), json!("a\"b"));
        m.insert("I".to_string(), json!(1));
        m.insert("F".to_string(), json!(1.5));
        m.insert("B".to_string(), json!(true));
        m.insert("L".to_string(), json!(["x", "y"]));
        m.insert("M".to_string(), json!({"b": 1, "a": [2]}));
        m.insert("N".to_string(), Value::Null);
        let w = wire_inputs(&m);
        assert_eq!(w["S"], r#""a\"b""#);
        assert_eq!(w["I"], "1");
        assert_eq!(w["F"], "1.5");
        assert_eq!(w["B"], "true");
        assert_eq!(w["L"], r#"["x","y"]"#);
        assert_eq!(w["M"], r#"{"b":1,"a":[2]}"#);
        assert_eq!(w["N"], "null");
        assert_eq!(
            w.keys().collect::<Vec<_>>(),
            ["S", "I", "F", "B", "L", "M", "N"]
        );
    }

    #[test]
    fn wire_outputs_encoding() {
        let mut m = IndexMap::new();
        m.insert("S".to_string(), json!("text"));
        m.insert("I".to_string(), json!(-2));
        m.insert("B".to_string(), json!(false));
        m.insert("L".to_string(), json!(["x", "y"]));
        m.insert("E".to_string(), json!([]));
        m.insert("M".to_string(), json!({"k": "v=1"}));
        m.insert("ML".to_string(), json!([{"a": 1}, {"b": [2]}]));
        let w = wire_outputs(&m);
        assert_eq!(w["S"], ["text"]);
        assert_eq!(w["I"], ["-2"]);
        assert_eq!(w["B"], ["false"]);
        assert_eq!(w["L"], ["x", "y"]);
        assert!(w["E"].is_empty());
        assert_eq!(w["M"], [r#"{"k":"v=1"}"#]);
        assert_eq!(w["ML"], [r#"{"a":1}"#, r#"{"b":[2]}"#]);
    }

    #[test]
    fn text_of_forms() {
        assert_eq!(text_of(&json!([1, true, "x"])), "1,true,x");
        assert_eq!(text_of(&json!([])), "");
        assert_eq!(text_of(&json!([["a"]])), "[[\"a\"]]");
        assert_eq!(text_of(&Value::Null), "null");
        assert_eq!(text_of(&json!(2.5)), "2.5");
    }
}
