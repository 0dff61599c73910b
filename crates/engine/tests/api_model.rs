//! The execution's API view against SSM's own service model: every member
//! name emitted by `Execution::to_api` exists in the model's shape, every
//! enum value is one of the model's, and every shape's types match (strings,
//! numbers, booleans, lists, maps). Runs when `../shared/spec` exists; says
//! it was skipped otherwise.

use serde_json::Value;
use ssm_runbook_engine::execution::{
    FailureStage, FailureType, Mode, SignalType, Status, StopType,
};
use std::path::Path;

fn model() -> Option<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/spec/ssm-automation-api-subset.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("the service model is JSON")),
        Err(_) => {
            eprintln!(
                "SKIPPED: {} is absent; API model tests did not run",
                path.display()
            );
            None
        }
    }
}

/// Check `value` against shape `name` of the model, recursively.
fn conforms(model: &Value, name: &str, value: &Value, at: &str, problems: &mut Vec<String>) {
    let shapes = &model["shapes"];
    let Some(shape) = shapes.get(name) else {
        problems.push(format!("{at}: shape {name} is not in the model"));
        return;
    };
    let kind = shape["type"].as_str().unwrap_or_default();
    match (kind, value) {
        ("structure", Value::Object(map)) => {
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
            if let Some(allowed) = shape["enum"].as_array() {
                if !allowed.iter().any(|a| a == s) {
                    problems.push(format!("{at}: '{s}' is not a value of enum {name}"));
                }
            }
        }
        ("timestamp", Value::Number(_))
        | ("boolean", Value::Bool(_))
        | ("integer" | "long", Value::Number(_)) => {}
        (kind, v) => problems.push(format!("{at}: shape {name} is {kind}, the value is {v}")),
    }
}

fn enum_values(model: &Value, name: &str) -> Vec<String> {
    model["shapes"][name]["enum"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn enums_are_the_models() {
    let Some(model) = model() else { return };
    let ours = |all: Vec<&str>| all.into_iter().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        ours(Status::ALL.iter().map(|s| s.as_str()).collect()),
        enum_values(&model, "AutomationExecutionStatus")
    );
    assert_eq!(
        ours(Mode::ALL.iter().map(|s| s.as_str()).collect()),
        enum_values(&model, "ExecutionMode")
    );
    assert_eq!(
        ours(SignalType::ALL.iter().map(|s| s.as_str()).collect()),
        enum_values(&model, "SignalType")
    );
    let mut stops = ours(StopType::ALL.iter().map(|s| s.as_str()).collect());
    let mut model_stops = enum_values(&model, "StopType");
    stops.sort();
    model_stops.sort();
    assert_eq!(stops, model_stops);
    // FailureStage and FailureType are plain strings in the model; ours are the documented values.
    assert_eq!(FailureStage::ALL.len(), 4);
    assert_eq!(FailureType::ALL.len(), 5);
}

#[test]
fn every_golden_execution_conforms_to_the_model() {
    let Some(model) = model() else { return };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/run");
    let mut checked = 0;
    let mut problems = Vec::new();
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/run exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    cases.sort();
    for case in cases {
        for entry in std::fs::read_dir(&case)
            .expect("case dir")
            .filter_map(|e| e.ok())
        {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("snapshot"))
                .expect("snapshot is JSON");
            conforms(
                &model,
                "GetAutomationExecutionResult",
                &v,
                &path.display().to_string(),
                &mut problems,
            );
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} snapshots found");
    assert!(problems.is_empty(), "{problems:#?}");
}
