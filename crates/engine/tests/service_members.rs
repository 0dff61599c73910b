//! Every member of every request and response shape of the 14 operations
//! exists in the service's Rust types: a request or response filled with
//! every member the model defines survives a deserialise → serialise round
//! trip with all its top-level members. (The other direction — no member
//! that the model lacks — is checked by `service_model.rs`.) Runs when
//! `../shared/spec` exists; says it was skipped otherwise.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use ssm_runbook_engine::service::describe::*;
use ssm_runbook_engine::service::documents::*;
use ssm_runbook_engine::service::executions::*;

mod common;

/// A value of `shape` with every member filled, nested `depth` levels.
fn sample(model: &Value, shape: &str, depth: usize) -> Value {
    let s = &model["shapes"][shape];
    match s["type"].as_str().unwrap_or_default() {
        "structure" => {
            let mut m = Map::new();
            if depth < 6 {
                if let Some(members) = s["members"].as_object() {
                    for (name, member) in members {
                        m.insert(
                            name.clone(),
                            sample(
                                model,
                                member["shape"].as_str().unwrap_or_default(),
                                depth + 1,
                            ),
                        );
                    }
                }
            }
            Value::Object(m)
        }
        "list" => json!([sample(
            model,
            s["member"]["shape"].as_str().unwrap_or_default(),
            depth + 1
        )]),
        "map" => {
            json!({"Key": sample(model, s["value"]["shape"].as_str().unwrap_or_default(), depth + 1)})
        }
        "integer" | "long" => json!(1),
        "boolean" => json!(true),
        "timestamp" => json!(1.5),
        _ => match s["enum"].as_array().and_then(|e| e.first()) {
            Some(first) => first.clone(),
            None => json!("x"),
        },
    }
}

fn missing<T: DeserializeOwned + Serialize>(model: &Value, shape: &str) -> Vec<String> {
    let full = sample(model, shape, 0);
    let typed: T = match serde_json::from_value(full.clone()) {
        Ok(t) => t,
        Err(e) => return vec![format!("{shape}: a full sample does not deserialise: {e}")],
    };
    let back = serde_json::to_value(&typed).unwrap_or(Value::Null);
    full.as_object()
        .map(|m| {
            m.keys()
                .filter(|k| back.get(k.as_str()).is_none())
                .map(|k| format!("{shape}.{k}"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_model_member_has_a_field() {
    let Some(model) = common::model("member completeness checks") else {
        return;
    };
    let mut gaps = Vec::new();
    macro_rules! check {
        ($($ty:ty),* $(,)?) => { $( gaps.extend(missing::<$ty>(&model, stringify!($ty))); )* };
    }
    check!(
        CreateDocumentRequest,
        CreateDocumentResult,
        GetDocumentRequest,
        GetDocumentResult,
        DescribeDocumentRequest,
        DescribeDocumentResult,
        UpdateDocumentRequest,
        UpdateDocumentResult,
        DeleteDocumentRequest,
        DeleteDocumentResult,
        ListDocumentsRequest,
        ListDocumentsResult,
        ListDocumentVersionsRequest,
        ListDocumentVersionsResult,
        UpdateDocumentDefaultVersionRequest,
        UpdateDocumentDefaultVersionResult,
        StartAutomationExecutionRequest,
        StartAutomationExecutionResult,
        StopAutomationExecutionRequest,
        StopAutomationExecutionResult,
        SendAutomationSignalRequest,
        SendAutomationSignalResult,
        GetAutomationExecutionRequest,
        GetAutomationExecutionResult,
        DescribeAutomationExecutionsRequest,
        DescribeAutomationExecutionsResult,
        DescribeAutomationStepExecutionsRequest,
        DescribeAutomationStepExecutionsResult,
    );
    assert!(gaps.is_empty(), "{gaps:#?}");
    // The check itself finds gaps: a request type lacks the result's members.
    assert!(!missing::<GetDocumentRequest>(&model, "GetDocumentResult").is_empty());
}
