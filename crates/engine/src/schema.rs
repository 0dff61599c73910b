//! A JSON Schema (draft-07) for schema 0.3 runbooks, for editors.
//!
//! This module owns the *shape* of a runbook as a JSON Schema: the keys of
//! the document, of parameters, variables, files, steps and step outputs;
//! the type names; the 23 actions and, per action, its inputs with their
//! literal types, built from [`ActionKind::inputs`] (so the schema and the
//! validator read the same catalogue); `aws:branch` conditions; `aws:loop`
//! bodies, which refer back to the step definition. Every typed input also
//! accepts a string that is one `{{ placeholder }}`, as the validator does.
//!
//! It does not own the rules that need the whole document (step targets,
//! `{{ }}` references, duplicate names, the step graph): only
//! `ssm-runbook validate` checks those. The schema is meant to accept every
//! runbook the validator finds no error in; where it is stricter or looser
//! than the validator, the difference is noted beside the definition.
//!
//! Pure: builds a [`serde_json::Value`], reads and writes nothing.
//!
//! ```
//! let schema = ssm_runbook_engine::schema::json_schema();
//! assert_eq!(schema["required"], serde_json::json!(["schemaVersion", "mainSteps"]));
//! assert!(schema["definitions"]["step"].is_object());
//! ```

use crate::document::{
    ActionKind, INTERNAL_ACTIONS, InputSpec, InputType, Operator, ParameterType, ResourceType,
};
use crate::value::ValueType;
use serde_json::{Map, Value, json};

/// The JSON Schema draft the generated schema is written in.
pub const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// A string that is exactly one `{{ }}` placeholder, blanks around it
/// allowed (what `document::is_placeholder` accepts).
const PLACEHOLDER: &str = r"^\s*\{\{\s*[A-Za-z0-9_:./-]+\s*\}\}\s*$";
/// A string that holds a `{{ }}` placeholder somewhere.
const HAS_PLACEHOLDER: &str = r"\{\{\s*[A-Za-z0-9_:./-]+\s*\}\}";
/// Step names.
const STEP_NAME: &str = "^[a-zA-Z0-9_]+$";
/// Parameter names.
const PARAMETER_NAME: &str = "^[a-zA-Z0-9]+$";
/// A whole number written as a string (`"3"`), as Integer inputs accept.
const INTEGER_TEXT: &str = r"^\s*[+-]?[0-9]+\s*$";
/// A number above 0 written as a string, as `timeoutSeconds` accepts.
const POSITIVE_INTEGER_TEXT: &str = r"^\s*\+?0*[1-9][0-9]*\s*$";
/// Any number Rust's `f64` parser reads, as numeric branch operands accept.
const NUMBER_TEXT: &str = r"^\s*[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])\s*$";

/// The JSON Schema of schema 0.3 Automation runbooks, as a JSON value.
///
/// Generated from the action catalogue ([`ActionKind::ALL`],
/// [`ActionKind::inputs`], [`ActionKind::accepts_api_parameters`]) and the
/// model's tables (value, parameter and resource types, branch operators).
/// Print it with `ssm-runbook schema` and point an editor at it (see
/// `docs/editors.md`).
///
/// ```
/// use serde_json::json;
/// let schema = ssm_runbook_engine::schema::json_schema();
/// assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
///
/// // The step definition lists the 23 actions ...
/// let step = &schema["definitions"]["step"];
/// assert_eq!(step["properties"]["action"]["anyOf"][0]["enum"].as_array().unwrap().len(), 23);
///
/// // ... and says, per action, which inputs it takes.
/// let approve = step["allOf"].as_array().unwrap().iter()
///     .find(|rule| rule["if"]["properties"]["action"]["const"] == "aws:approve")
///     .unwrap();
/// let inputs = &approve["then"]["properties"]["inputs"];
/// assert_eq!(inputs["additionalProperties"], json!(false));
/// assert!(inputs["properties"]["MinRequiredApprovals"].is_object());
/// ```
pub fn json_schema() -> Value {
    let mut definitions = Map::new();
    definitions.insert("placeholder".into(), placeholder());
    definitions.insert("parameter".into(), parameter());
    definitions.insert("variable".into(), variable());
    definitions.insert("file".into(), file());
    definitions.insert("step".into(), step());
    definitions.insert("stepOutput".into(), step_output());
    definitions.insert("condition".into(), condition(false));
    definitions.insert("choice".into(), condition(true));

    let mut properties = Map::new();
    properties.insert(
        "schemaVersion".into(),
        json!({
            "description": "The schema version: '0.3' for Automation runbooks.",
            "anyOf": [{"const": "0.3"}, {"const": 0.3}],
        }),
    );
    properties.insert(
        "description".into(),
        json!({"type": "string", "description": "What the runbook does (Markdown)."}),
    );
    properties.insert(
        "assumeRole".into(),
        json!({
            "type": "string",
            "description": "The ARN of the IAM role the automation assumes, or a {{ }} reference to a parameter holding it.",
        }),
    );
    properties.insert(
        "parameters".into(),
        json!({
            "type": "object",
            "description": "The parameters the runbook takes, by name (letters and digits only).",
            "propertyNames": {"pattern": PARAMETER_NAME},
            "additionalProperties": {"$ref": "#/definitions/parameter"},
        }),
    );
    properties.insert(
        "variables".into(),
        json!({
            "type": "object",
            "description": "Variables that aws:updateVariable steps change, by name.",
            "additionalProperties": {"$ref": "#/definitions/variable"},
        }),
    );
    properties.insert(
        "mainSteps".into(),
        json!({
            "type": "array",
            "description": "The steps, run in order unless a step says otherwise.",
            "minItems": 1,
            "items": {"$ref": "#/definitions/step"},
        }),
    );
    properties.insert(
        "outputs".into(),
        json!({
            "type": "array",
            "description": "Step outputs the execution reports, written step.Output.",
            "items": {"type": "string", "pattern": r"^[^.]+\..+$"},
        }),
    );
    properties.insert(
        "files".into(),
        json!({
            "type": "object",
            "description": "Attachments for aws:executeScript, by file name.",
            "additionalProperties": {"$ref": "#/definitions/file"},
        }),
    );
    // Change Manager template keys. The validator keeps them verbatim
    // without checking them; the types here are those Change Manager
    // documents.
    properties.insert(
        "templateInformation".into(),
        json!({"type": "string", "description": "Change Manager: text shown to people who create a change request from this template."}),
    );
    properties.insert(
        "emergencyChange".into(),
        json!({"type": "boolean", "description": "Change Manager: whether change requests from this template are emergency changes."}),
    );
    properties.insert(
        "autoApprovable".into(),
        json!({"type": "boolean", "description": "Change Manager: whether change requests from this template may run without review."}),
    );
    properties.insert(
        "executableRunBooks".into(),
        json!({
            "type": "array",
            "description": "Change Manager: the runbooks a change request from this template may run.",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                },
            },
        }),
    );

    json!({
        "$schema": DRAFT,
        "title": "AWS Systems Manager Automation runbook (schemaVersion 0.3)",
        "description": "Generated by ssm-runbook from its action catalogue. It checks the shape of a runbook; `ssm-runbook validate` also checks step targets, {{ }} references and the step graph.",
        "type": "object",
        "required": ["schemaVersion", "mainSteps"],
        "properties": properties,
        "additionalProperties": false,
        "definitions": definitions,
    })
}

fn placeholder() -> Value {
    json!({
        "type": "string",
        "description": "A {{ }} reference to a parameter, variable, step output or system variable, resolved when the step runs.",
        "pattern": PLACEHOLDER,
    })
}

fn placeholder_ref() -> Value {
    json!({"$ref": "#/definitions/placeholder"})
}

/// What a literal of a value type looks like in a step input (the
/// validator's `check_literal`), or one placeholder standing for it.
fn input_value(ty: ValueType) -> Value {
    match ty {
        // Scalars are passed as their text; a placeholder is a string.
        ValueType::String => json!({"type": ["string", "number", "boolean"]}),
        ValueType::Integer => json!({"anyOf": [
            {"type": "integer"},
            {"type": "string", "pattern": INTEGER_TEXT},
            placeholder_ref(),
        ]}),
        ValueType::Boolean => json!({"anyOf": [
            {"type": "boolean"},
            {"enum": ["true", "false"]},
            placeholder_ref(),
        ]}),
        ValueType::StringList => json!({"anyOf": [
            {"type": "array", "items": {"not": {"type": "array"}}},
            placeholder_ref(),
        ]}),
        ValueType::MapList => json!({"anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "object"}, placeholder_ref()]}},
            placeholder_ref(),
        ]}),
        ValueType::StringMap => json!({"anyOf": [{"type": "object"}, placeholder_ref()]}),
    }
}

/// What a literal of a value type looks like as a default (no placeholder).
fn literal_value(ty: ValueType) -> Value {
    match ty {
        ValueType::String => json!({"type": "string"}),
        ValueType::Integer => json!({"type": "integer"}),
        ValueType::Boolean => json!({"type": "boolean"}),
        ValueType::StringList => json!({
            "type": "array",
            "items": {"type": ["string", "number", "boolean"]},
        }),
        ValueType::MapList => json!({"type": "array", "items": {"type": "object"}}),
        ValueType::StringMap => json!({"type": "object"}),
    }
}

fn value_type_names() -> Vec<&'static str> {
    ValueType::ALL.iter().map(|t| t.name()).collect()
}

fn parameter_types() -> Vec<ParameterType> {
    let mut all: Vec<ParameterType> = ValueType::ALL
        .iter()
        .map(|t| ParameterType::Value(*t))
        .collect();
    all.extend(
        ResourceType::ALL
            .iter()
            .map(|r| ParameterType::Resource(*r)),
    );
    all.extend(
        ResourceType::ALL
            .iter()
            .map(|r| ParameterType::ResourceList(*r)),
    );
    all
}

/// A parameter definition; its `default` is checked against its `type`
/// (a string holding a placeholder is taken as it is: it is resolved at start).
fn parameter() -> Value {
    let types = parameter_types();
    let names: Vec<String> = types.iter().map(|t| t.name()).collect();
    let count = json!({"type": "integer", "minimum": 0});
    let by_type: Vec<Value> = types
        .iter()
        .map(|t| {
            let vt = t.value_type();
            let mut default = vec![
                literal_value(vt),
                json!({"type": "string", "pattern": HAS_PLACEHOLDER}),
            ];
            // Map types may also default to their JSON text (or "").
            if matches!(vt, ValueType::StringMap | ValueType::MapList) {
                default.push(json!({"type": "string"}));
            }
            json!({
                "if": {"properties": {"type": {"const": t.name()}}, "required": ["type"]},
                "then": {"properties": {"default": {"anyOf": default}}},
            })
        })
        .collect();
    json!({
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {
                "description": "The parameter's type: a value type, an AWS resource type (a String matching the resource's pattern) or a List<> of one.",
                "enum": names,
            },
            "description": {"type": "string", "description": "Shown to whoever starts the runbook."},
            "default": {"description": "The value used when none is given; must fit the type."},
            "allowedValues": {"type": "array", "description": "The only values the parameter accepts."},
            "allowedPattern": {"type": "string", "description": "A regular expression values must match."},
            "displayType": {"enum": ["textfield", "textarea"], "description": "How the console shows a String parameter."},
            "minItems": count.clone(),
            "maxItems": count.clone(),
            "minChars": count.clone(),
            "maxChars": count,
            "minValue": {"type": "integer", "description": "The smallest value of an Integer parameter."},
            "maxValue": {"type": "integer", "description": "The largest value of an Integer parameter."},
        },
        "additionalProperties": false,
        "allOf": by_type,
    })
}

/// A variable definition; its `default` must fit its `type` (list and map
/// types may also be written as JSON text).
fn variable() -> Value {
    let by_type: Vec<Value> = ValueType::ALL
        .iter()
        .map(|t| {
            let mut default = vec![literal_value(*t)];
            if matches!(
                t,
                ValueType::StringMap | ValueType::MapList | ValueType::StringList
            ) {
                default.push(json!({"type": "string"}));
            }
            json!({
                "if": {"properties": {"type": {"const": t.name()}}, "required": ["type"]},
                "then": {"properties": {"default": {"anyOf": default}}},
            })
        })
        .collect();
    json!({
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"enum": value_type_names(), "description": "The variable's type."},
            "default": {"description": "The value before any aws:updateVariable step runs."},
            "description": {"type": "string"},
        },
        "additionalProperties": false,
        "allOf": by_type,
    })
}

fn file() -> Value {
    json!({
        "type": "object",
        "properties": {
            "checksums": {
                "type": "object",
                "description": "The attachment's checksum: sha256.",
                "propertyNames": {"pattern": "^[sS][hH][aA]256$"},
                "additionalProperties": {"type": "string"},
            },
            "size": {"type": "integer", "minimum": 0, "description": "The attachment's size in bytes."},
        },
        "additionalProperties": false,
    })
}

fn step_output() -> Value {
    json!({
        "type": "object",
        "required": ["Name", "Selector"],
        "properties": {
            "Name": {"type": "string", "minLength": 1, "description": "The output's name, read as {{ step.Name }}."},
            "Selector": {"type": "string", "minLength": 1, "description": "A JSONPath into the action's response, such as $.Payload.id."},
            "Type": {"enum": value_type_names(), "description": "The output's type (String when left out)."},
        },
        "additionalProperties": false,
    })
}

/// The values a boolean step property may take: `true`/`false`, or the
/// same written as strings.
fn truthy() -> Value {
    json!([true, false, "true", "false"])
}

/// A step of `mainSteps` or of an `aws:loop` body.
fn step() -> Value {
    let actions: Vec<&str> = ActionKind::ALL.iter().map(|a| a.name()).collect();
    let mut rules = vec![
        // `isEnd: true` and `nextStep` exclude each other.
        json!({
            "if": {"properties": {"isEnd": {"enum": [true, "true"]}}, "required": ["isEnd"]},
            "then": {"not": {"required": ["nextStep"]}},
        }),
        // Every step but an aws:pause needs `inputs` (as lowering requires).
        json!({
            "if": {
                "properties": {"action": {"const": ActionKind::Pause.name()}},
                "required": ["action"],
            },
            "else": {"required": ["inputs"]},
        }),
    ];
    rules.extend(ActionKind::ALL.iter().map(|a| action_rule(*a)));
    json!({
        "type": "object",
        "required": ["name", "action"],
        "properties": {
            "name": {
                "type": "string",
                "pattern": STEP_NAME,
                "description": "The step's name: letters, digits and _; unique in the runbook.",
            },
            "action": {
                "description": "The Automation action the step runs.",
                "anyOf": [
                    {"enum": actions},
                    {
                        "enum": INTERNAL_ACTIONS,
                        "description": "An AWS-internal action: it works only in AWS-owned runbooks (ssm-runbook warns).",
                    },
                ],
            },
            "inputs": {"type": "object", "description": "The action's inputs."},
            "description": {"type": "string", "description": "What the step does (Markdown)."},
            "maxAttempts": {
                "description": "How many times the step is tried before it fails (default 1).",
                "anyOf": [{"type": "integer", "minimum": 1}, placeholder_ref()],
            },
            "timeoutSeconds": {
                "description": "How long the step may run, in seconds.",
                "anyOf": [
                    {"type": "integer", "minimum": 1},
                    {"type": "string", "pattern": POSITIVE_INTEGER_TEXT},
                    placeholder_ref(),
                ],
            },
            "onFailure": {
                "type": "string",
                "pattern": r"^(Abort|Continue|step:\s*[a-zA-Z0-9_]+\s*)$",
                "description": "What happens when the step fails: Abort (default), Continue or step:<name>.",
            },
            "onCancel": {
                "type": "string",
                "pattern": r"^(Abort|step:\s*[a-zA-Z0-9_]+\s*)$",
                "description": "What happens when the execution is cancelled during the step: Abort (default) or step:<name>.",
            },
            "isEnd": {
                "description": "Whether the execution stops after this step.",
                "enum": truthy(),
            },
            "nextStep": {
                "type": "string",
                "pattern": STEP_NAME,
                "description": "The step to run next, by name.",
            },
            "isCritical": {
                "description": "Whether the step's failure fails the execution.",
                "enum": truthy(),
            },
            "outputs": {
                "type": "array",
                "description": "Values picked out of the action's response.",
                "items": {"$ref": "#/definitions/stepOutput"},
            },
        },
        "additionalProperties": false,
        "allOf": rules,
    })
}

/// `if action is X then inputs are X's`, from the catalogue.
fn action_rule(kind: ActionKind) -> Value {
    let specs = kind.inputs();
    let mut properties = Map::new();
    for spec in specs {
        properties.insert(spec.name.to_owned(), input(kind, spec));
    }
    let required: Vec<&str> = specs
        .iter()
        .filter(|s| s.required)
        .map(|s| s.name)
        .collect();
    let mut inputs = Map::new();
    inputs.insert("type".into(), json!("object"));
    if !required.is_empty() {
        if kind == ActionKind::Approve {
            // The validator waives the required inputs of an approval that
            // sets EnhancedApprovals.
            inputs.insert("if".into(), json!({"required": ["EnhancedApprovals"]}));
            inputs.insert("else".into(), json!({"required": required}));
        } else {
            inputs.insert("required".into(), json!(required));
        }
    }
    inputs.insert("properties".into(), Value::Object(properties));
    inputs.insert(
        "additionalProperties".into(),
        json!(kind.accepts_api_parameters()),
    );
    let mut then = Map::new();
    let mut step_properties = Map::new();
    step_properties.insert("inputs".into(), Value::Object(inputs));
    // Over the maximum is an error for the actions the engine runs itself,
    // a warning (so allowed here) for the others.
    if let Some(max) = kind
        .max_timeout_seconds()
        .filter(|_| kind.is_control_flow())
    {
        step_properties.insert("timeoutSeconds".into(), json!({"maximum": max}));
    }
    then.insert("properties".into(), Value::Object(step_properties));
    json!({
        "if": {"properties": {"action": {"const": kind.name()}}, "required": ["action"]},
        "then": then,
    })
}

/// One input's schema: the catalogue's literal type, or the structure of
/// the inputs that hold steps and conditions.
fn input(kind: ActionKind, spec: &InputSpec) -> Value {
    let what = match spec.ty {
        InputType::Typed(t) => t.name().to_owned(),
        InputType::OneOf(allowed) => format!("one of {}", allowed.join(", ")),
        InputType::Any => "any value".to_owned(),
    };
    let description = format!(
        "{} input {} ({what}, {}).",
        kind.name(),
        spec.name,
        if spec.required {
            "required"
        } else {
            "optional"
        }
    );
    let mut schema = match (kind, spec.name) {
        (ActionKind::Loop, "Steps") => json!({
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/definitions/step"},
        }),
        (ActionKind::Loop, "LoopCondition") => {
            json!({"allOf": [{"$ref": "#/definitions/condition"}]})
        }
        (ActionKind::Branch, "Choices") => json!({
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/definitions/choice"},
        }),
        (ActionKind::Branch, "Default") => json!({"type": "string", "pattern": STEP_NAME}),
        _ => literal(spec.ty),
    };
    if let Value::Object(map) = &mut schema {
        map.insert("description".into(), json!(description));
    }
    schema
}

fn literal(ty: InputType) -> Value {
    match ty {
        InputType::Typed(t) => input_value(t),
        InputType::OneOf(allowed) => json!({"anyOf": [
            {"enum": allowed},
            {"type": "string", "pattern": HAS_PLACEHOLDER},
        ]}),
        InputType::Any => json!({}),
    }
}

/// A branch operand: numbers (or their text) for the numeric operators,
/// booleans for BooleanEquals, any scalar for the string operators.
fn operand(op: Operator) -> Value {
    match op.operand_type() {
        ValueType::Integer => json!({"anyOf": [
            {"type": "number"},
            {"type": "string", "pattern": NUMBER_TEXT},
            placeholder_ref(),
        ]}),
        ValueType::Boolean => json!({"anyOf": [{"type": "boolean"}, placeholder_ref()]}),
        _ => json!({"type": ["string", "number", "boolean"]}),
    }
}

/// A condition (`choice == false`) or an `aws:branch` choice, which is a
/// condition with a `NextStep` beside it: `Variable` and one operator, or
/// `And`/`Or` (two or more conditions), or `Not` (one condition).
fn condition(choice: bool) -> Value {
    let with_next = |mut props: Map<String, Value>| {
        if choice {
            props.insert(
                "NextStep".into(),
                json!({
                    "type": "string",
                    "description": "The step to run when the condition holds.",
                }),
            );
        }
        Value::Object(props)
    };
    let mut compare = Map::new();
    compare.insert(
        "Variable".into(),
        json!({"description": "The value compared, usually one {{ }} reference."}),
    );
    for op in Operator::ALL {
        compare.insert(op.name().into(), operand(*op));
    }
    let mut forms = vec![json!({
        "required": ["Variable"],
        "properties": with_next(compare),
        "additionalProperties": false,
        "oneOf": Operator::ALL.iter().map(|op| json!({"required": [op.name()]})).collect::<Vec<_>>(),
    })];
    for combinator in ["And", "Or"] {
        let mut props = Map::new();
        props.insert(
            combinator.into(),
            json!({
                "type": "array",
                "minItems": 2,
                "items": {"$ref": "#/definitions/condition"},
            }),
        );
        forms.push(json!({
            "required": [combinator],
            "properties": with_next(props),
            "additionalProperties": false,
        }));
    }
    let mut not = Map::new();
    not.insert("Not".into(), json!({"$ref": "#/definitions/condition"}));
    forms.push(json!({
        "required": ["Not"],
        "properties": with_next(not),
        "additionalProperties": false,
    }));
    let description = if choice {
        "A choice: NextStep and a condition (Variable with one operator, or And, Or, Not)."
    } else {
        "A condition: Variable with one operator, or And, Or (two or more conditions), or Not."
    };
    let mut schema = json!({
        "type": "object",
        "description": description,
        "anyOf": forms,
    });
    if choice {
        schema["required"] = json!(["NextStep"]);
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::document::lower;
    use crate::limits::Limits;

    /// The key list lowering prints when it meets an unknown key.
    fn known_keys(doc: Value, owner: &str) -> Vec<String> {
        let lowered = lower(&doc, &Limits::default());
        let d = lowered
            .diagnostics
            .iter()
            .find(|d| d.code == Code::UnknownField && d.message.contains("zzUnknown"))
            .unwrap_or_else(|| panic!("no unknown-key finding for {owner}"));
        assert!(d.message.contains(owner), "{}", d.message);
        let list = d
            .message
            .rsplit_once("(known: ")
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .expect("the message lists the known keys");
        list.split(", ").map(str::to_owned).collect()
    }

    fn keys(schema: &Value) -> Vec<String> {
        schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    fn step(extra: Value) -> Value {
        let mut s = json!({"name": "s", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}});
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        json!({"schemaVersion": "0.3", "mainSteps": [s]})
    }

    #[test]
    fn keys_match_what_lowering_accepts() {
        let schema = json_schema();
        let defs = &schema["definitions"];
        let change = [
            "templateInformation",
            "emergencyChange",
            "autoApprovable",
            "executableRunBooks",
        ];
        let top: Vec<String> = keys(&schema)
            .into_iter()
            .filter(|k| !change.contains(&k.as_str()))
            .collect();
        let doc = json!({"schemaVersion": "0.3", "zzUnknown": 1, "mainSteps": []});
        assert_eq!(sorted(top), sorted(known_keys(doc, "the document")));
        for key in change {
            let mut doc = step(json!({}));
            doc[key] = json!(true);
            let lowered = lower(&doc, &Limits::default());
            assert!(
                lowered
                    .diagnostics
                    .iter()
                    .all(|d| d.code != Code::UnknownField),
                "{key}"
            );
        }
        let doc = json!({"schemaVersion": "0.3", "parameters": {"P": {"type": "String", "zzUnknown": 1}}});
        assert_eq!(
            sorted(keys(&defs["parameter"])),
            sorted(known_keys(doc, "a parameter definition"))
        );
        let doc =
            json!({"schemaVersion": "0.3", "variables": {"v": {"type": "String", "zzUnknown": 1}}});
        assert_eq!(
            sorted(keys(&defs["variable"])),
            sorted(known_keys(doc, "a variable definition"))
        );
        let doc = json!({"schemaVersion": "0.3", "files": {"a.zip": {"zzUnknown": 1}}});
        assert_eq!(
            sorted(keys(&defs["file"])),
            sorted(known_keys(doc, "a file entry"))
        );
        assert_eq!(
            sorted(keys(&defs["step"])),
            sorted(known_keys(step(json!({"zzUnknown": 1})), "a step"))
        );
        let out = json!({"outputs": [{"Name": "a", "Selector": "$.a", "zzUnknown": 1}]});
        assert_eq!(
            sorted(keys(&defs["stepOutput"])),
            sorted(known_keys(step(out), "a step output"))
        );
    }

    #[test]
    fn every_action_has_one_rule_with_its_catalogue_inputs() {
        let schema = json_schema();
        let rules = schema["definitions"]["step"]["allOf"].as_array().unwrap();
        for kind in ActionKind::ALL {
            let matching: Vec<&Value> = rules
                .iter()
                .filter(|r| r["if"]["properties"]["action"]["const"] == kind.name())
                .filter(|r| r["then"]["properties"]["inputs"].is_object())
                .collect();
            assert_eq!(matching.len(), 1, "{}", kind.name());
            let inputs = &matching[0]["then"]["properties"]["inputs"];
            let names: Vec<&str> = kind.inputs().iter().map(|s| s.name).collect();
            assert_eq!(keys(inputs), names, "{}", kind.name());
            assert_eq!(
                inputs["additionalProperties"],
                json!(kind.accepts_api_parameters())
            );
        }
    }

    #[test]
    fn every_operator_and_type_is_listed() {
        let schema = json_schema();
        let compare = &schema["definitions"]["condition"]["anyOf"][0]["properties"];
        for op in Operator::ALL {
            assert!(compare[op.name()].is_object(), "{}", op.name());
        }
        let types = schema["definitions"]["parameter"]["properties"]["type"]["enum"].clone();
        for name in [
            "String",
            "MapList",
            "AWS::EC2::Instance::Id",
            "List<AWS::IAM::Role::Arn>",
        ] {
            assert!(types.as_array().unwrap().contains(&json!(name)), "{name}");
        }
        for name in types.as_array().unwrap() {
            assert!(ParameterType::from_name(name.as_str().unwrap()).is_some());
        }
    }

    #[test]
    fn placeholder_pattern_agrees_with_the_engine() {
        let re = regex::Regex::new(PLACEHOLDER).unwrap();
        for text in [
            "{{ Id }}",
            " {{global:REGION}} ",
            "{{ a.b }}",
            "{{ ssm:/x/y-z }}",
            "x{{ a }}",
            "{{ a }}{{ b }}",
            "{{}}",
            "{{ a b }}",
        ] {
            assert_eq!(
                re.is_match(text),
                crate::document::is_placeholder(&json!(text)),
                "{text}"
            );
        }
    }
}
