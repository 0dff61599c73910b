//! `handle` end to end: every operation with bodies as boto3 sends them,
//! the approval flow, error mapping, and property tests that no input
//! panics or escapes the error envelope.

use proptest::prelude::*;
use serde_json::{Value, json};
use ssm_runbook_server::{
    Context, MAX_BODY_BYTES, OPERATIONS, Response, Service, ServiceConfig, SimTime, handle,
};

const BOB: &str = "arn:aws:iam::123456789012:user/bob";
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const T0: i64 = 1_700_000_000_000;
const MISSING_ID: &str = "11111111-2222-3333-4444-555555555555";

const DEPLOY: &str = "\
schemaVersion: '0.3'
description: Deploy with approval
parameters:
  Env:
    type: String
    default: dev
    allowedValues: [dev, prod]
mainSteps:
  - name: Approve
    action: aws:approve
    inputs:
      Approvers: ['arn:aws:iam::123456789012:user/alice']
  - name: Wait
    action: aws:sleep
    inputs:
      Duration: PT1M
";

fn ctx(principal: &str, ms: i64) -> Context {
    Context {
        principal: principal.into(),
        now: SimTime(ms),
    }
}

fn raw(svc: &mut Service, op: &str, body: &[u8], ctx: &Context) -> Response {
    handle(svc, &format!("AmazonSSM.{op}"), body, ctx)
}

/// Call `op` with `body` as bob at `T0`; the status and parsed body.
fn call(svc: &mut Service, op: &str, body: Value) -> (u16, Value) {
    call_as(svc, op, body, &ctx(BOB, T0))
}

fn call_as(svc: &mut Service, op: &str, body: Value, ctx: &Context) -> (u16, Value) {
    let r = raw(svc, op, body.to_string().as_bytes(), ctx);
    let parsed: Value = serde_json::from_str(&r.body).expect("the body is JSON");
    check_envelope(&r);
    (r.status, parsed)
}

/// The invariants of every response.
fn check_envelope(r: &Response) {
    let parsed: Value = serde_json::from_str(&r.body).expect("the body is JSON");
    assert!(parsed.is_object(), "body is an object: {}", r.body);
    match r.status {
        200 => assert_eq!(r.error_type, None),
        400 | 500 => {
            let t = parsed["__type"].as_str().expect("__type is a string");
            assert_eq!(Some(t), r.error_type);
            assert!(parsed["Message"].is_string(), "{}", r.body);
            assert_eq!(r.status == 500, t == "InternalServerError");
        }
        s => panic!("unexpected status {s}"),
    }
}

fn assert_error(got: (u16, Value), name: &str) -> String {
    assert_eq!(got.0, 400, "{}", got.1);
    assert_eq!(got.1["__type"], name, "{}", got.1);
    got.1["Message"].as_str().unwrap_or_default().to_string()
}

fn service_with_deploy() -> Service {
    let mut svc = Service::new(ServiceConfig::default());
    let (s, out) = call(
        &mut svc,
        "CreateDocument",
        json!({
            "Content": DEPLOY,
            "Name": "Deploy",
            "DocumentType": "Automation",
            "DocumentFormat": "YAML",
            "Tags": [{"Key": "team", "Value": "ops"}],
        }),
    );
    assert_eq!(s, 200, "{out}");
    svc
}

fn start(svc: &mut Service, body: Value) -> String {
    let (s, out) = call(svc, "StartAutomationExecution", body);
    assert_eq!(s, 200, "{out}");
    out["AutomationExecutionId"]
        .as_str()
        .expect("an id")
        .to_string()
}

fn status_of(svc: &mut Service, id: &str, ms: i64) -> Value {
    let (s, out) = call_as(
        svc,
        "GetAutomationExecution",
        json!({"AutomationExecutionId": id}),
        &ctx(BOB, ms),
    );
    assert_eq!(s, 200, "{out}");
    out["AutomationExecution"]["AutomationExecutionStatus"].clone()
}

#[test]
fn document_operations() {
    let mut svc = service_with_deploy();

    let (s, out) = call(&mut svc, "GetDocument", json!({"Name": "Deploy"}));
    assert_eq!(s, 200, "{out}");
    assert_eq!(out["Name"], "Deploy");
    assert_eq!(out["DocumentVersion"], "1");
    assert_eq!(out["DocumentType"], "Automation");
    assert_eq!(out["DocumentFormat"], "YAML");
    assert_eq!(out["Content"], DEPLOY);
    assert!(
        out["CreatedDate"].is_number(),
        "timestamps are epoch seconds"
    );

    let (s, out) = call(&mut svc, "DescribeDocument", json!({"Name": "Deploy"}));
    assert_eq!(s, 200, "{out}");
    let doc = &out["Document"];
    assert_eq!(doc["Name"], "Deploy");
    assert_eq!(doc["CreatedDate"], json!(1_700_000_000.0));
    assert_eq!(doc["LatestVersion"], "1");
    assert_eq!(doc["Tags"], json!([{"Key": "team", "Value": "ops"}]));

    let updated = DEPLOY.replace("Deploy with approval", "Deploy, v2");
    let (s, out) = call(
        &mut svc,
        "UpdateDocument",
        json!({"Content": updated, "Name": "Deploy", "DocumentVersion": "$LATEST",
               "DocumentFormat": "YAML"}),
    );
    assert_eq!(s, 200, "{out}");
    assert_eq!(out["DocumentDescription"]["DocumentVersion"], "2");
    assert_eq!(out["DocumentDescription"]["DefaultVersion"], "1");

    let (s, out) = call(&mut svc, "ListDocumentVersions", json!({"Name": "Deploy"}));
    assert_eq!(s, 200, "{out}");
    let versions = out["DocumentVersions"].as_array().expect("a list");
    assert_eq!(versions.len(), 2);
    assert!(out.get("NextToken").is_none(), "last page omits NextToken");

    let (s, out) = call(
        &mut svc,
        "UpdateDocumentDefaultVersion",
        json!({"Name": "Deploy", "DocumentVersion": "2"}),
    );
    assert_eq!(s, 200, "{out}");
    assert_eq!(out["Description"]["DefaultVersion"], "2");

    let (s, out) = call(
        &mut svc,
        "ListDocuments",
        json!({"Filters": [{"Key": "DocumentType", "Values": ["Automation"]}], "MaxResults": 10}),
    );
    assert_eq!(s, 200, "{out}");
    let names: Vec<&Value> = out["DocumentIdentifiers"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| &d["Name"])
        .collect();
    assert_eq!(names, [&json!("Deploy")]);

    let r = raw(
        &mut svc,
        "DeleteDocument",
        br#"{"Name": "Deploy"}"#,
        &ctx(BOB, T0),
    );
    assert_eq!((r.status, r.body.as_str(), r.error_type), (200, "{}", None));

    let msg = assert_error(
        call(&mut svc, "GetDocument", json!({"Name": "Deploy"})),
        "InvalidDocument",
    );
    assert!(msg.contains("Deploy"), "{msg}");
}

#[test]
fn create_document_errors() {
    let mut svc = service_with_deploy();
    assert_error(
        call(
            &mut svc,
            "CreateDocument",
            json!({"Content": DEPLOY, "Name": "Deploy", "DocumentType": "Automation",
                   "DocumentFormat": "YAML"}),
        ),
        "DocumentAlreadyExists",
    );
    assert_error(
        call(
            &mut svc,
            "CreateDocument",
            json!({"Content": "schemaVersion: '0.3'\nmainSteps: 7\n", "Name": "Broken",
                   "DocumentType": "Automation", "DocumentFormat": "YAML"}),
        ),
        "InvalidDocumentContent",
    );
    let msg = assert_error(
        call(
            &mut svc,
            "CreateDocument",
            json!({"Content": DEPLOY, "Name": "bad name!", "DocumentType": "Automation"}),
        ),
        "ValidationException",
    );
    assert!(msg.contains("'name'"), "{msg}");
    assert_error(
        call(
            &mut svc,
            "UpdateDocumentDefaultVersion",
            json!({"Name": "Deploy", "DocumentVersion": "9"}),
        ),
        "InvalidDocumentVersion",
    );
}

#[test]
fn pagination_follows_next_token_to_the_end() {
    let mut svc = Service::new(ServiceConfig::default());
    for name in ["Alpha", "Bravo", "Charlie"] {
        let (s, out) = call(
            &mut svc,
            "CreateDocument",
            json!({"Content": DEPLOY, "Name": name, "DocumentType": "Automation",
                   "DocumentFormat": "YAML"}),
        );
        assert_eq!(s, 200, "{out}");
    }
    let mut seen = Vec::new();
    let mut token: Option<Value> = None;
    loop {
        let mut body = json!({"MaxResults": 1});
        if let Some(t) = &token {
            body["NextToken"] = t.clone();
        }
        let (s, out) = call(&mut svc, "ListDocuments", body);
        assert_eq!(s, 200, "{out}");
        for d in out["DocumentIdentifiers"].as_array().expect("a list") {
            seen.push(d["Name"].as_str().unwrap_or_default().to_string());
        }
        match out.get("NextToken") {
            Some(t) => token = Some(t.clone()),
            None => break,
        }
        assert!(seen.len() <= 3, "pagination ends");
    }
    assert_eq!(seen, ["Alpha", "Bravo", "Charlie"]);
    assert_error(
        call(&mut svc, "ListDocuments", json!({"NextToken": "garbage"})),
        "InvalidNextToken",
    );
    let msg = assert_error(
        call(&mut svc, "ListDocuments", json!({"MaxResults": 500})),
        "ValidationException",
    );
    assert!(msg.contains("maxResults"), "{msg}");
}

#[test]
fn approval_flow_end_to_end() {
    let mut svc = service_with_deploy();
    let id = start(
        &mut svc,
        json!({"DocumentName": "Deploy", "Parameters": {"Env": ["prod"]}}),
    );
    assert_eq!(id.len(), 36);
    assert_eq!(status_of(&mut svc, &id, T0), "Waiting");

    let (s, out) = call(
        &mut svc,
        "DescribeAutomationExecutions",
        json!({"Filters": [{"Key": "ExecutionStatus", "Values": ["Waiting"]}]}),
    );
    assert_eq!(s, 200, "{out}");
    let list = out["AutomationExecutionMetadataList"]
        .as_array()
        .expect("a list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["AutomationExecutionId"], id.as_str());
    assert!(list[0]["ExecutionStartTime"].is_number());

    // Bob may not approve.
    let approve = json!({"AutomationExecutionId": id, "SignalType": "Approve",
                         "Payload": {"Comment": ["ship it"]}});
    assert_error(
        call(&mut svc, "SendAutomationSignal", approve.clone()),
        "InvalidAutomationSignalException",
    );
    let (s, out) = call_as(&mut svc, "SendAutomationSignal", approve, &ctx(ALICE, T0));
    assert_eq!((s, out), (200, json!({})));

    // The sleep runs on: the execution finishes once a request arrives
    // after its minute is up.
    assert_eq!(status_of(&mut svc, &id, T0 + 30_000), "InProgress");
    assert_eq!(status_of(&mut svc, &id, T0 + 61_000), "Success");

    let (s, out) = call(
        &mut svc,
        "DescribeAutomationStepExecutions",
        json!({"AutomationExecutionId": id, "ReverseOrder": false}),
    );
    assert_eq!(s, 200, "{out}");
    let steps: Vec<(&Value, &Value)> = out["StepExecutions"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| (&s["StepName"], &s["StepStatus"]))
        .collect();
    assert_eq!(
        steps,
        [
            (&json!("Approve"), &json!("Success")),
            (&json!("Wait"), &json!("Success"))
        ]
    );
}

#[test]
fn reject_and_stop() {
    let mut svc = service_with_deploy();
    let id = start(&mut svc, json!({"DocumentName": "Deploy"}));
    let (s, _) = call_as(
        &mut svc,
        "SendAutomationSignal",
        json!({"AutomationExecutionId": id, "SignalType": "Reject"}),
        &ctx(ALICE, T0),
    );
    assert_eq!(s, 200);
    // A rejected approval fails the step, and with it the run (Rejected is
    // a Change Manager status).
    assert_eq!(status_of(&mut svc, &id, T0), "Failed");

    let id = start(&mut svc, json!({"DocumentName": "Deploy", "Mode": "Auto"}));
    let r = raw(
        &mut svc,
        "StopAutomationExecution",
        json!({"AutomationExecutionId": id}).to_string().as_bytes(),
        &ctx(BOB, T0),
    );
    assert_eq!((r.status, r.body.as_str()), (200, "{}"));
    let status = status_of(&mut svc, &id, T0 + 1);
    assert!(status == "Cancelled" || status == "Cancelling", "{status}");
    assert_eq!(status_of(&mut svc, &id, T0 + 600_000), "Cancelled");
    assert_error(
        call(
            &mut svc,
            "StopAutomationExecution",
            json!({"AutomationExecutionId": id, "Type": "Cancel"}),
        ),
        "InvalidAutomationStatusUpdateException",
    );
    assert_error(
        call_as(
            &mut svc,
            "SendAutomationSignal",
            json!({"AutomationExecutionId": id, "SignalType": "Approve"}),
            &ctx(ALICE, T0 + 600_000),
        ),
        "InvalidAutomationSignalException",
    );
}

#[test]
fn execution_errors() {
    let mut svc = service_with_deploy();
    for (op, body) in [
        (
            "GetAutomationExecution",
            json!({"AutomationExecutionId": MISSING_ID}),
        ),
        (
            "StopAutomationExecution",
            json!({"AutomationExecutionId": MISSING_ID}),
        ),
        (
            "SendAutomationSignal",
            json!({"AutomationExecutionId": MISSING_ID, "SignalType": "Approve"}),
        ),
        (
            "DescribeAutomationStepExecutions",
            json!({"AutomationExecutionId": MISSING_ID}),
        ),
    ] {
        let msg = assert_error(
            call(&mut svc, op, body),
            "AutomationExecutionNotFoundException",
        );
        assert!(msg.contains(MISSING_ID), "{op}: {msg}");
    }
    assert_error(
        call(
            &mut svc,
            "StartAutomationExecution",
            json!({"DocumentName": "Nope"}),
        ),
        "AutomationDefinitionNotFoundException",
    );
    assert_error(
        call(
            &mut svc,
            "StartAutomationExecution",
            json!({"DocumentName": "Deploy", "Parameters": {"Env": ["staging"]}}),
        ),
        "InvalidAutomationExecutionParametersException",
    );
    assert_error(
        call(
            &mut svc,
            "StartAutomationExecution",
            json!({"DocumentName": "Deploy", "Parameters": {"Unknown": ["x"]}}),
        ),
        "InvalidAutomationExecutionParametersException",
    );
    let id = start(&mut svc, json!({"DocumentName": "Deploy"}));
    let msg = assert_error(
        call(
            &mut svc,
            "SendAutomationSignal",
            json!({"AutomationExecutionId": id, "SignalType": "Bogus"}),
        ),
        "ValidationException",
    );
    assert!(msg.contains("signalType"), "{msg}");
    assert_error(
        call(
            &mut svc,
            "DescribeAutomationExecutions",
            json!({"Filters": [{"Key": "Color", "Values": ["red"]}]}),
        ),
        "InvalidFilterKey",
    );
}

#[test]
fn unknown_targets() {
    let mut svc = service_with_deploy();
    for target in [
        "AmazonSSM.Frobnicate",
        "CreateDocument",
        "amazonssm.CreateDocument",
        "AmazonSSM.createDocument",
        "AmazonSSM.",
        "AmazonEC2.CreateDocument",
        "",
        "AmazonSSM.CreateDocument ",
    ] {
        let r = handle(&mut svc, target, b"{}", &ctx(BOB, T0));
        check_envelope(&r);
        assert_eq!(r.status, 400, "{target:?}");
        assert_eq!(
            r.error_type,
            Some("UnknownOperationException"),
            "{target:?}"
        );
    }
    let long = format!("AmazonSSM.{}", "x".repeat(10_000));
    let r = handle(&mut svc, &long, b"{}", &ctx(BOB, T0));
    assert_eq!(r.error_type, Some("UnknownOperationException"));
    assert!(r.body.len() < 1_000, "the echoed target is capped");
}

#[test]
fn malformed_bodies() {
    let mut svc = service_with_deploy();
    for body in [
        &b"{\"Name\":"[..],
        b"not json",
        b"{\"Name\": \"Deploy\"} trailing",
        b"\xff\xfe{}",
        b"[1, 2]",
        b"\"Deploy\"",
        b"null",
        b"42",
    ] {
        let r = raw(&mut svc, "GetDocument", body, &ctx(BOB, T0));
        check_envelope(&r);
        assert_eq!(
            r.error_type,
            Some("SerializationException"),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn wrong_member_types_name_the_member() {
    let mut svc = service_with_deploy();
    for (op, body, member) in [
        ("GetDocument", json!({"Name": 5}), "Name"),
        (
            "StartAutomationExecution",
            json!({"DocumentName": "Deploy", "Parameters": {"Env": "prod"}}),
            "Parameters",
        ),
        ("ListDocuments", json!({"MaxResults": "10"}), "MaxResults"),
        ("ListDocuments", json!({"MaxResults": 1.5}), "MaxResults"),
        (
            "DeleteDocument",
            json!({"Name": "Deploy", "Force": "yes"}),
            "Force",
        ),
        (
            "DescribeAutomationExecutions",
            json!({"Filters": {"Key": "ExecutionStatus"}}),
            "Filters",
        ),
        (
            "SendAutomationSignal",
            json!({"AutomationExecutionId": MISSING_ID, "SignalType": "Approve",
                   "Payload": {"Comment": "not a list"}}),
            "Payload",
        ),
    ] {
        let msg = assert_error(call(&mut svc, op, body), "SerializationException");
        assert!(msg.contains(&format!("'{member}'")), "{op}: {msg}");
    }
}

#[test]
fn empty_bodies_and_missing_required_members() {
    let mut svc = service_with_deploy();
    // Operations without required members accept an empty body as `{}`.
    for op in ["ListDocuments", "DescribeAutomationExecutions"] {
        for body in [&b""[..], b"{}", b"  \n"] {
            let r = raw(&mut svc, op, body, &ctx(BOB, T0));
            check_envelope(&r);
            assert_eq!(r.status, 200, "{op}: {}", r.body);
        }
    }
    let r = raw(&mut svc, "GetDocument", b"", &ctx(BOB, T0));
    let out: Value = serde_json::from_str(&r.body).expect("JSON");
    assert_eq!(out["__type"], "ValidationException");
    assert_eq!(
        out["Message"],
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: \
         Member must not be null"
    );
    let msg = assert_error(
        call(
            &mut svc,
            "SendAutomationSignal",
            json!({"SignalType": null}),
        ),
        "ValidationException",
    );
    assert!(msg.starts_with("2 validation errors detected"), "{msg}");
    assert!(msg.contains("'automationExecutionId'") && msg.contains("'signalType'"));
    // A wrong type wins over a missing member, as SSM deserialises first.
    assert_error(
        call(&mut svc, "CreateDocument", json!({"Content": 1})),
        "SerializationException",
    );
}

#[test]
fn unknown_members_and_nulls_are_ignored() {
    let mut svc = service_with_deploy();
    let (s, out) = call(
        &mut svc,
        "GetDocument",
        json!({"Name": "Deploy", "SomethingNew": {"deep": [1, 2]}, "VersionName": null}),
    );
    assert_eq!(s, 200, "{out}");
    assert_eq!(out["Name"], "Deploy");
}

#[test]
fn oversized_body_is_rejected_naming_the_limit() {
    let mut svc = service_with_deploy();
    let body = format!(
        r#"{{"Name": "Deploy", "Pad": "{}"}}"#,
        " ".repeat(MAX_BODY_BYTES)
    );
    let msg = assert_error(
        {
            let r = raw(&mut svc, "GetDocument", body.as_bytes(), &ctx(BOB, T0));
            check_envelope(&r);
            (
                r.status,
                serde_json::from_str(&r.body).expect("the body is JSON"),
            )
        },
        "ValidationException",
    );
    assert!(msg.contains(&MAX_BODY_BYTES.to_string()), "{msg}");
    // Just under the limit is read.
    let pad = MAX_BODY_BYTES - r#"{"Name": "Deploy", "Pad": ""}"#.len();
    let body = format!(r#"{{"Name": "Deploy", "Pad": "{}"}}"#, " ".repeat(pad));
    assert_eq!(body.len(), MAX_BODY_BYTES);
    let r = raw(&mut svc, "GetDocument", body.as_bytes(), &ctx(BOB, T0));
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let mut svc = service_with_deploy();
    let body = format!(
        r#"{{"Name": "Deploy", "X": {}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let r = raw(&mut svc, "GetDocument", body.as_bytes(), &ctx(BOB, T0));
    check_envelope(&r);
    assert_eq!(r.error_type, Some("SerializationException"));
}

#[test]
fn same_requests_give_same_answers() {
    let run = || {
        let mut svc = service_with_deploy();
        let id = start(&mut svc, json!({"DocumentName": "Deploy"}));
        let (_, out) = call(
            &mut svc,
            "DescribeAutomationStepExecutions",
            json!({"AutomationExecutionId": id}),
        );
        (id, out)
    };
    assert_eq!(run(), run());
}

// ---- property tests ----

/// A service with the Deploy document and one waiting execution.
fn fixture() -> (Service, String) {
    let mut svc = service_with_deploy();
    let id = start(&mut svc, json!({"DocumentName": "Deploy"}));
    (svc, id)
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("Deploy"),
            Just("Approve"),
            Just("$LATEST"),
            Just("2"),
            Just("ExecutionStatus"),
            Just(MISSING_ID),
            Just(ALICE),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const MEMBERS: &[&str] = &[
    "Name",
    "Content",
    "DocumentName",
    "DocumentType",
    "DocumentFormat",
    "DocumentVersion",
    "VersionName",
    "AutomationExecutionId",
    "SignalType",
    "Payload",
    "Parameters",
    "MaxResults",
    "NextToken",
    "Filters",
    "DocumentFilterList",
    "Type",
    "Mode",
    "ClientToken",
    "Force",
    "ReverseOrder",
    "Tags",
    "Targets",
];

/// Objects whose members are the operations' own, with arbitrary values.
fn arb_request() -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(MEMBERS), arb_json()), 0..6).prop_map(|pairs| {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    })
}

fn arb_target() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(&OPERATIONS[..]).prop_map(|op| format!("AmazonSSM.{op}")),
        1 => ".{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(target in arb_target(), body in prop::collection::vec(any::<u8>(), 0..64)) {
        let (mut svc, _) = fixture();
        let r = handle(&mut svc, &target, &body, &ctx(BOB, T0));
        check_envelope(&r);
        prop_assert!(r.status == 400 || r.status == 200 && body.iter().all(u8::is_ascii_whitespace));
    }

    #[test]
    fn arbitrary_json_never_panics(target in arb_target(), body in arb_json()) {
        let (mut svc, _) = fixture();
        let r = handle(&mut svc, &target, body.to_string().as_bytes(), &ctx(ALICE, T0));
        check_envelope(&r);
    }

    #[test]
    fn arbitrary_requests_never_panic(
        target in arb_target(),
        mut body in arb_request(),
        use_id in any::<bool>(),
        later in 0i64..200_000,
    ) {
        let (mut svc, id) = fixture();
        if use_id {
            if let Some(obj) = body.as_object_mut() {
                obj.insert("AutomationExecutionId".into(), Value::String(id));
            }
        }
        for principal in [ALICE, BOB] {
            let r = handle(&mut svc, &target, body.to_string().as_bytes(), &ctx(principal, T0 + later));
            check_envelope(&r);
        }
    }
}
