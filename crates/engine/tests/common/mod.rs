//! Shared by the tests that check output against SSM's service model
//! (`../shared/spec/ssm-automation-api-subset.json`): loading the model, and
//! checking a JSON value against one of its shapes.

#![allow(dead_code)] // each test binary uses part of this module

use serde_json::Value;
use std::path::Path;

/// The service model, or `None` (with a loud "SKIPPED" line naming `what`)
/// when `../shared/spec` is absent.
pub fn model(what: &str) -> Option<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/ssm-automation-api-subset.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("the service model is JSON")),
        Err(_) => {
            eprintln!("SKIPPED: {} is absent; {what} did not run", path.display());
            None
        }
    }
}

/// Check `value` against shape `name` of the model, recursively: member
/// names, required members, enum values and JSON types.
pub fn conforms(model: &Value, name: &str, value: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(shape) = model["shapes"].get(name) else {
        problems.push(format!("{at}: shape {name} is not in the model"));
        return;
    };
    let kind = shape["type"].as_str().unwrap_or_default();
    match (kind, value) {
        ("structure", Value::Object(map)) => {
            for required in shape["required"].as_array().into_iter().flatten() {
                let r = required.as_str().unwrap_or_default();
                if !map.contains_key(r) {
                    problems.push(format!("{at}: required member {r} of {name} is missing"));
                }
            }
            for (member, v) in map {
                match shape["members"].get(member) {
                    Some(m) => conforms(
                        model,
                        m["shape"].as_str().unwrap_or_default(),
                        v,
                        &format!("{at}.{member}"),
                        problems,
                    ),
                    None => problems.push(format!("{at}: member {member} is not in shape {name}")),
                }
            }
        }
        ("list", Value::Array(items)) => {
            let member = shape["member"]["shape"].as_str().unwrap_or_default();
            for (i, item) in items.iter().enumerate() {
                conforms(model, member, item, &format!("{at}[{i}]"), problems);
            }
        }
        ("map", Value::Object(map)) => {
            let value_shape = shape["value"]["shape"].as_str().unwrap_or_default();
            for (k, v) in map {
                conforms(model, value_shape, v, &format!("{at}.{k}"), problems);
            }
        }
        ("string", Value::String(s)) => {
            if let Some(allowed) = shape["enum"].as_array()
                && !allowed.iter().any(|a| a == s)
            {
                problems.push(format!("{at}: '{s}' is not a value of enum {name}"));
            }
        }
        ("timestamp", Value::Number(_))
        | ("boolean", Value::Bool(_))
        | ("integer" | "long", Value::Number(_)) => {}
        (kind, v) => problems.push(format!("{at}: shape {name} is {kind}, the value is {v}")),
    }
}
