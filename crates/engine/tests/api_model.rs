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

mod common;
use common::conforms;

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
    let Some(model) = common::model("API model tests") else {
        return;
    };
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
    let Some(model) = common::model("API model tests") else {
        return;
    };
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
