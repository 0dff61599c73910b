//! Fuzz target `request`: a target header and body bytes →
//! [`ssm_runbook_server::handle`], the pure wire function.
//!
//! The service is seeded with one Automation document and one execution so
//! operations reach past "not found". Every answer must be a JSON object
//! with a status of 200, 400 or 500; an error answer must carry `__type`
//! and `Message` and name the same `__type` in `error_type`.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use ssm_runbook_server::{
    Context, OPERATIONS, Service, ServiceConfig, SimTime, TARGET_PREFIX, handle,
};

const RUNBOOK: &str = "schemaVersion: '0.3'\nparameters:\n  Who: {type: String, default: alice}\nmainSteps:\n  - name: Gate\n    action: aws:approve\n    inputs: {Approvers: ['{{ Who }}']}\n  - name: Nap\n    action: aws:sleep\n    inputs: {Duration: PT1M}\n";

#[derive(Debug, Arbitrary)]
struct Request<'a> {
    /// An index into the operations, or (when out of range) `raw_target`.
    operation: u8,
    raw_target: &'a str,
    /// Seconds since the previous request.
    later_s: u16,
    body: &'a [u8],
}

fn context(now: SimTime) -> Context {
    Context {
        principal: "arn:aws:iam::123456789012:user/alice".into(),
        now,
    }
}

fn seeded(now: SimTime) -> Service {
    let mut svc = Service::new(ServiceConfig::default());
    let create = serde_json::json!({
        "Content": RUNBOOK, "Name": "Gate", "DocumentType": "Automation", "DocumentFormat": "YAML",
    });
    let ctx = context(now);
    let r = handle(
        &mut svc,
        "AmazonSSM.CreateDocument",
        create.to_string().as_bytes(),
        &ctx,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = handle(
        &mut svc,
        "AmazonSSM.StartAutomationExecution",
        br#"{"DocumentName":"Gate","ClientToken":"00000000-0000-4000-8000-000000000000"}"#,
        &ctx,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    svc
}

fuzz_target!(|requests: Vec<Request<'_>>| {
    let mut now = SimTime(1_700_000_000_000);
    let mut svc = seeded(now);
    for request in requests.iter().take(16) {
        now = SimTime(now.0 + i64::from(request.later_s) * 1_000);
        let target = match OPERATIONS.get(usize::from(request.operation)) {
            Some(op) => format!("{TARGET_PREFIX}{op}"),
            None => request.raw_target.to_owned(),
        };
        let r = handle(&mut svc, &target, request.body, &context(now));
        let body: Value = serde_json::from_str(&r.body)
            .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {}", r.body));
        let Value::Object(body) = body else {
            panic!("answer is not a JSON object: {}", r.body)
        };
        match r.status {
            200 => assert_eq!(r.error_type, None),
            400 | 500 => {
                let ty = body.get("__type").and_then(Value::as_str);
                assert!(ty.is_some(), "error without __type: {}", r.body);
                assert_eq!(ty, r.error_type, "{}", r.body);
                assert!(
                    body.get("Message").is_some_and(Value::is_string),
                    "{}",
                    r.body
                );
            }
            other => panic!("status {other}: {}", r.body),
        }
        assert_ne!(r.status, 500, "internal error: {}", r.body);
    }
});
