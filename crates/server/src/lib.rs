//! The AWS JSON 1.1 wire layer of the SSM Automation emulator: the only
//! crate that knows how requests and answers look on the wire.
//!
//! This crate owns the mapping from one request — the operation named by
//! `X-Amz-Target: AmazonSSM.<Operation>` plus a JSON body with the model's
//! member names — to one answer: an HTTP status and a JSON body, either the
//! operation's output shape or SSM's error envelope
//! `{"__type": "<ExceptionName>", "Message": "…"}`. [`handle`] does no I/O,
//! reads no clock and draws no randomness: the caller passes the principal
//! and the instant in a [`Context`]. The [`http`] module is the transport (an
//! axum listener, the clock, principals from SigV4 access keys); it only
//! moves bytes to and from [`handle`]. Operation semantics belong to the
//! engine's [`Service`].
//!
//! ```
//! use serde_json::{Value, json};
//! use ssm_runbook_server::{Context, Service, ServiceConfig, SimTime, handle};
//!
//! let mut svc = Service::new(ServiceConfig::default());
//! let bob = Context {
//!     principal: "arn:aws:iam::123456789012:user/bob".into(),
//!     now: SimTime(1_700_000_000_000),
//! };
//! let content = r#"
//! schemaVersion: '0.3'
//! mainSteps:
//!   - name: Approve
//!     action: aws:approve
//!     inputs:
//!       Approvers: ['arn:aws:iam::123456789012:user/alice']
//! "#;
//! let create = json!({
//!     "Content": content, "Name": "Deploy",
//!     "DocumentType": "Automation", "DocumentFormat": "YAML",
//! });
//! let r = handle(&mut svc, "AmazonSSM.CreateDocument", create.to_string().as_bytes(), &bob);
//! assert_eq!(r.status, 200, "{}", r.body);
//!
//! let r = handle(&mut svc, "AmazonSSM.StartAutomationExecution",
//!     br#"{"DocumentName": "Deploy"}"#, &bob);
//! let out: Value = serde_json::from_str(&r.body).unwrap();
//! let id = out["AutomationExecutionId"].as_str().unwrap().to_string();
//!
//! // Bob is not an approver: SSM answers with its exception, HTTP 400.
//! let approve = json!({"AutomationExecutionId": id, "SignalType": "Approve"}).to_string();
//! let r = handle(&mut svc, "AmazonSSM.SendAutomationSignal", approve.as_bytes(), &bob);
//! assert_eq!((r.status, r.error_type), (400, Some("InvalidAutomationSignalException")));
//!
//! let alice = Context { principal: "arn:aws:iam::123456789012:user/alice".into(), ..bob };
//! let r = handle(&mut svc, "AmazonSSM.SendAutomationSignal", approve.as_bytes(), &alice);
//! assert_eq!((r.status, r.body.as_str()), (200, "{}"));
//!
//! let get = json!({"AutomationExecutionId": id}).to_string();
//! let r = handle(&mut svc, "AmazonSSM.GetAutomationExecution", get.as_bytes(), &alice);
//! let out: Value = serde_json::from_str(&r.body).unwrap();
//! assert_eq!(out["AutomationExecution"]["AutomationExecutionStatus"], "Success");
//!
//! let r = handle(&mut svc, "AmazonSSM.Frobnicate", b"{}", &alice);
//! assert_eq!(r.body, r#"{"__type":"UnknownOperationException","Message":"Unknown operation: AmazonSSM.Frobnicate"}"#);
//! ```

pub mod http;
pub mod journal;
pub mod runtime;
mod timer;

pub use http::{Clock, ServerConfig, ServerState, serve, serve_with_shutdown};
pub use runtime::RuntimeConfig;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use ssm_runbook_engine::service::{describe, documents, executions};

pub use ssm_runbook_engine::clock::SimTime;
pub use ssm_runbook_engine::service::{Service, ServiceConfig, ServiceError};

/// The `X-Amz-Target` prefix of every SSM operation (`targetPrefix` + `.`).
pub const TARGET_PREFIX: &str = "AmazonSSM.";

/// The largest request body [`handle`] reads, in bytes (1 MiB). Larger
/// bodies are answered with a `ValidationException` naming this limit.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The operations [`handle`] dispatches, without the [`TARGET_PREFIX`].
pub const OPERATIONS: [&str; 14] = [
    "CreateDocument",
    "GetDocument",
    "DescribeDocument",
    "UpdateDocument",
    "DeleteDocument",
    "ListDocuments",
    "ListDocumentVersions",
    "UpdateDocumentDefaultVersion",
    "StartAutomationExecution",
    "StopAutomationExecution",
    "SendAutomationSignal",
    "GetAutomationExecution",
    "DescribeAutomationExecutions",
    "DescribeAutomationStepExecutions",
];

/// The operations that can change the service's state (the rest only read
/// it, apart from firing due timers).
pub const MUTATING_OPERATIONS: [&str; 7] = [
    "CreateDocument",
    "UpdateDocument",
    "DeleteDocument",
    "UpdateDocumentDefaultVersion",
    "StartAutomationExecution",
    "StopAutomationExecution",
    "SendAutomationSignal",
];

/// Whether the operation `target` names can change the service's state.
///
/// ```
/// assert!(ssm_runbook_server::is_mutating("AmazonSSM.SendAutomationSignal"));
/// assert!(!ssm_runbook_server::is_mutating("AmazonSSM.GetAutomationExecution"));
/// assert!(!ssm_runbook_server::is_mutating("SendAutomationSignal"));
/// ```
pub fn is_mutating(target: &str) -> bool {
    target
        .strip_prefix(TARGET_PREFIX)
        .is_some_and(|op| MUTATING_OPERATIONS.contains(&op))
}

/// The `__type` for an `X-Amz-Target` that names no operation.
pub const UNKNOWN_OPERATION: &str = "UnknownOperationException";

/// The `__type` for a body that is not JSON or whose members have the wrong
/// JSON types.
pub const SERIALIZATION: &str = "SerializationException";

/// Who sends a request and when it is handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The caller's principal ARN (approvers and `global:` values use it).
    pub principal: String,
    /// The instant the request is handled at.
    pub now: SimTime,
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status: 200, 400 for client errors, 500 for `InternalServerError`.
    pub status: u16,
    /// The JSON body: the output shape (`{}` for void outputs) or the error
    /// envelope `{"__type": …, "Message": …}`.
    pub body: String,
    /// The error's `__type` when the status is not 200 (for an
    /// `X-Amzn-ErrorType` header or logs), `None` on success.
    pub error_type: Option<&'static str>,
}

/// An error answer before it is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fault {
    status: u16,
    name: &'static str,
    message: String,
}

impl From<ServiceError> for Fault {
    fn from(e: ServiceError) -> Fault {
        Fault {
            status: e.http_status(),
            name: e.name(),
            message: e.message().to_string(),
        }
    }
}

impl Fault {
    fn serialization(message: String) -> Fault {
        Fault {
            status: 400,
            name: SERIALIZATION,
            message,
        }
    }

    fn into_response(self) -> Response {
        let mut envelope = Map::new();
        envelope.insert("__type".into(), Value::String(self.name.into()));
        envelope.insert("Message".into(), Value::String(self.message));
        Response {
            status: self.status,
            body: Value::Object(envelope).to_string(),
            error_type: Some(self.name),
        }
    }
}

/// Answer one request: `target` is the `X-Amz-Target` header, `body` the
/// raw request body.
///
/// Before the operation runs, every timer due at `ctx.now` fires
/// ([`Service::tick`]), so answers reflect the state at that instant and the
/// answer depends only on the service's state, the request and `ctx`
/// (replaying the same requests gives the same answers).
///
/// Errors: a target without the `AmazonSSM.` prefix or naming no operation
/// → `UnknownOperationException`; a body over [`MAX_BODY_BYTES`] →
/// `ValidationException`; a body that is not a JSON object, or a member of
/// the wrong JSON type → `SerializationException`; a missing required
/// member → `ValidationException`; otherwise the service's own exception.
/// An empty body counts as `{}` and unknown members are ignored, as in SSM.
/// Never panics.
pub fn handle(service: &mut Service, target: &str, body: &[u8], ctx: &Context) -> Response {
    let call = prepare(target, body);
    execute(service, call, &ctx.principal, ctx.now).into_response()
}

/// A request read and checked as far as it can be without the service:
/// the operation and its decoded input shape, or the error to answer.
///
/// [`prepare`] builds it (no lock needed), [`execute`] runs it against the
/// service; together they are [`handle`]. The HTTP transport prepares
/// outside the service lock, so parsing and decoding bodies never holds
/// other requests back.
#[derive(Debug)]
pub(crate) struct Prepared(Result<Call, Refusal>);

/// A request refused before it reached the service.
#[derive(Debug)]
struct Refusal {
    fault: Fault,
    /// Whether [`handle`] fires due timers before refusing it (the body was
    /// a JSON object, so it got as far as the service's instant).
    ticks: bool,
}

/// One operation with its decoded input.
#[derive(Debug)]
enum Call {
    CreateDocument(documents::CreateDocumentRequest),
    GetDocument(documents::GetDocumentRequest),
    DescribeDocument(documents::DescribeDocumentRequest),
    UpdateDocument(documents::UpdateDocumentRequest),
    DeleteDocument(documents::DeleteDocumentRequest),
    ListDocuments(documents::ListDocumentsRequest),
    ListDocumentVersions(documents::ListDocumentVersionsRequest),
    UpdateDocumentDefaultVersion(documents::UpdateDocumentDefaultVersionRequest),
    StartAutomationExecution(executions::StartAutomationExecutionRequest),
    StopAutomationExecution(executions::StopAutomationExecutionRequest),
    SendAutomationSignal(executions::SendAutomationSignalRequest),
    GetAutomationExecution(executions::GetAutomationExecutionRequest),
    DescribeAutomationExecutions(describe::DescribeAutomationExecutionsRequest),
    DescribeAutomationStepExecutions(describe::DescribeAutomationStepExecutionsRequest),
}

/// Check the target and the body and decode the operation's input shape.
pub(crate) fn prepare(target: &str, body: &[u8]) -> Prepared {
    let refuse = |fault: Fault, ticks: bool| Prepared(Err(Refusal { fault, ticks }));
    let Some(op) = target
        .strip_prefix(TARGET_PREFIX)
        .filter(|op| OPERATIONS.contains(op))
    else {
        return refuse(unknown_operation(target), false);
    };
    if body.len() > MAX_BODY_BYTES {
        let fault = ServiceError::ValidationException(format!(
            "1 validation error detected: the request body of {} bytes exceeds the maximum size of {MAX_BODY_BYTES} bytes",
            body.len()
        ));
        return refuse(fault.into(), false);
    }
    if let Some(call) = decode_direct(op, body) {
        return Prepared(Ok(call));
    }
    let input = match parse_body(body) {
        Ok(input) => input,
        Err(fault) => return refuse(fault, false),
    };
    match decode_call(op, input) {
        Ok(call) => Prepared(Ok(call)),
        Err(fault) => refuse(fault, true),
    }
}

/// The input of the most frequent operations read straight from the body,
/// without a JSON tree: `None` unless that succeeds, and then the same
/// input [`decode_call`] gives. The body must be an object (a struct would
/// also read from an array); every required member of these shapes is a
/// `String` without a default, so reading fails when one is absent or
/// `null`; duplicate members fail too (the tree would keep the last). Any
/// failure takes the slow path, which words the error.
fn decode_direct(op: &str, body: &[u8]) -> Option<Call> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    match op {
        "GetAutomationExecution" => serde_json::from_slice(body)
            .ok()
            .map(Call::GetAutomationExecution),
        "SendAutomationSignal" => serde_json::from_slice(body)
            .ok()
            .map(Call::SendAutomationSignal),
        "DescribeAutomationExecutions" => serde_json::from_slice(body)
            .ok()
            .map(Call::DescribeAutomationExecutions),
        _ => None,
    }
}

fn decode_call(op: &str, input: Map<String, Value>) -> Result<Call, Fault> {
    Ok(match op {
        "CreateDocument" => Call::CreateDocument(decode(input, &["Content", "Name"])?),
        "GetDocument" => Call::GetDocument(decode(input, &["Name"])?),
        "DescribeDocument" => Call::DescribeDocument(decode(input, &["Name"])?),
        "UpdateDocument" => Call::UpdateDocument(decode(input, &["Content", "Name"])?),
        "DeleteDocument" => Call::DeleteDocument(decode(input, &["Name"])?),
        "ListDocuments" => Call::ListDocuments(decode(input, &[])?),
        "ListDocumentVersions" => Call::ListDocumentVersions(decode(input, &["Name"])?),
        "UpdateDocumentDefaultVersion" => {
            Call::UpdateDocumentDefaultVersion(decode(input, &["Name", "DocumentVersion"])?)
        }
        "StartAutomationExecution" => {
            Call::StartAutomationExecution(decode(input, &["DocumentName"])?)
        }
        "StopAutomationExecution" => {
            Call::StopAutomationExecution(decode(input, &["AutomationExecutionId"])?)
        }
        "SendAutomationSignal" => {
            Call::SendAutomationSignal(decode(input, &["AutomationExecutionId", "SignalType"])?)
        }
        "GetAutomationExecution" => {
            Call::GetAutomationExecution(decode(input, &["AutomationExecutionId"])?)
        }
        "DescribeAutomationExecutions" => Call::DescribeAutomationExecutions(decode(input, &[])?),
        "DescribeAutomationStepExecutions" => {
            Call::DescribeAutomationStepExecutions(decode(input, &["AutomationExecutionId"])?)
        }
        // `prepare` only passes the names in OPERATIONS.
        _ => return Err(unknown_operation(&format!("{TARGET_PREFIX}{op}"))),
    })
}

/// A response body: text built for this answer, or text the service
/// caches and shares between answers (sent without copying).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Payload {
    /// Built for this answer.
    Owned(String),
    /// Shared with the service's cache (GetAutomationExecution).
    Shared(std::sync::Arc<str>),
}

impl Payload {
    fn into_string(self) -> String {
        match self {
            Payload::Owned(text) => text,
            Payload::Shared(text) => text.as_ref().to_owned(),
        }
    }
}

/// The outcome of [`execute`]: the body of a successful answer or the fault.
#[derive(Debug)]
pub(crate) struct Outcome(Result<Payload, Fault>);

impl Outcome {
    /// Whether the operation succeeded (HTTP 200).
    pub(crate) fn is_ok(&self) -> bool {
        self.0.is_ok()
    }

    /// The HTTP status, the body and the error's `__type` (not on success).
    pub(crate) fn into_parts(self) -> (u16, Payload, Option<&'static str>) {
        match self.0 {
            Ok(body) => (200, body, None),
            Err(fault) => {
                let (status, name) = (fault.status, fault.name);
                let Response { body, .. } = fault.into_response();
                (status, Payload::Owned(body), Some(name))
            }
        }
    }

    /// The answer as a [`Response`].
    pub(crate) fn into_response(self) -> Response {
        let (status, body, error_type) = self.into_parts();
        Response {
            status,
            body: body.into_string(),
            error_type,
        }
    }
}

/// Run a prepared request against the service at `now`, as `principal`:
/// fire the timers due at `now` first (unless the request was refused before
/// its body was read), then the operation.
pub(crate) fn execute(
    service: &mut Service,
    call: Prepared,
    principal: &str,
    now: SimTime,
) -> Outcome {
    let call = match call.0 {
        Ok(call) => call,
        Err(refusal) => {
            if refusal.ticks {
                service.tick(now);
            }
            return Outcome(Err(refusal.fault));
        }
    };
    service.tick(now);
    Outcome(run(service, call, principal, now))
}

fn run(service: &mut Service, call: Call, principal: &str, now: SimTime) -> Result<Payload, Fault> {
    match call {
        Call::CreateDocument(r) => reply(service.create_document(r, now)),
        Call::GetDocument(r) => reply(service.get_document(r)),
        Call::DescribeDocument(r) => reply(service.describe_document(r)),
        Call::UpdateDocument(r) => reply(service.update_document(r, now)),
        Call::DeleteDocument(r) => reply(service.delete_document(r)),
        Call::ListDocuments(r) => reply(service.list_documents(r)),
        Call::ListDocumentVersions(r) => reply(service.list_document_versions(r)),
        Call::UpdateDocumentDefaultVersion(r) => reply(service.update_document_default_version(r)),
        Call::StartAutomationExecution(r) => {
            reply(service.start_automation_execution(r, principal, now))
        }
        Call::StopAutomationExecution(r) => reply(service.stop_automation_execution(r, now)),
        Call::SendAutomationSignal(r) => reply(service.send_automation_signal(r, principal, now)),
        Call::GetAutomationExecution(r) => {
            Ok(Payload::Shared(service.get_automation_execution_json(r)?))
        }
        Call::DescribeAutomationExecutions(r) => Ok(Payload::Owned(
            service.describe_automation_executions_json(r)?,
        )),
        Call::DescribeAutomationStepExecutions(r) => {
            reply(service.describe_automation_step_executions(r))
        }
    }
}

fn unknown_operation(target: &str) -> Fault {
    const SHOWN: usize = 200;
    let shown: String = target.chars().take(SHOWN).collect();
    let ellipsis = if target.chars().nth(SHOWN).is_some() {
        "…"
    } else {
        ""
    };
    Fault {
        status: 400,
        name: UNKNOWN_OPERATION,
        message: format!("Unknown operation: {shown}{ellipsis}"),
    }
}

/// The body as a JSON object; empty (or all-whitespace) counts as `{}`.
fn parse_body(body: &[u8]) -> Result<Map<String, Value>, Fault> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Fault::serialization(format!("The request body is not valid JSON: {e}")))?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(Fault::serialization(format!(
            "The request body must be a JSON object, not {}",
            kind(&other)
        ))),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Deserialise the request shape from `input`.
///
/// `required` lists the shape's required members (all strings in these 14
/// operations). Types are checked first, as SSM does: a wrong type is a
/// `SerializationException` naming the member; then absent (or `null`)
/// required members give one `ValidationException` listing them all.
fn decode<T: DeserializeOwned>(
    mut input: Map<String, Value>,
    required: &[&str],
) -> Result<T, Fault> {
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|m| matches!(input.get(*m), None | Some(Value::Null)))
        .collect();
    for m in &missing {
        input.insert((*m).to_string(), Value::String(String::new()));
    }
    let input = Value::Object(input);
    let request = T::deserialize(&input).map_err(|e| wrong_type::<T>(&input, required, &e))?;
    if missing.is_empty() {
        return Ok(request);
    }
    let errors: Vec<String> = missing
        .iter()
        .map(|m| {
            format!(
                "Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_camel(m)
            )
        })
        .collect();
    let count = match errors.len() {
        1 => "1 validation error".to_string(),
        n => format!("{n} validation errors"),
    };
    Err(
        ServiceError::ValidationException(format!("{count} detected: {}", errors.join("; ")))
            .into(),
    )
}

/// A `SerializationException` for a failed deserialisation, naming the
/// first top-level member that fails on its own (with placeholders for the
/// required members) when one does.
fn wrong_type<T: DeserializeOwned>(
    input: &Value,
    required: &[&str],
    error: &serde_json::Error,
) -> Fault {
    let placeholders: Map<String, Value> = required
        .iter()
        .map(|m| ((*m).to_string(), Value::String(String::new())))
        .collect();
    for (key, value) in input.as_object().into_iter().flatten() {
        let mut alone = placeholders.clone();
        alone.insert(key.clone(), value.clone());
        if let Err(e) = serde_json::from_value::<T>(Value::Object(alone)) {
            return Fault::serialization(format!("Member '{key}' could not be read: {e}"));
        }
    }
    Fault::serialization(format!("The request body could not be read: {error}"))
}

/// `AutomationExecutionId` → `automationExecutionId`, as SSM names members
/// in validation messages.
fn lower_camel(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The output shape as the JSON body, or the service's exception.
fn reply<T: Serialize>(result: Result<T, ServiceError>) -> Result<Payload, Fault> {
    let output = result?;
    serde_json::to_string(&output)
        .map(Payload::Owned)
        .map_err(|e| {
            Fault::from(ServiceError::InternalServerError(format!(
                "The response could not be serialised: {e}"
            )))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A member value of every JSON kind, including the shapes these
    /// operations expect.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(r#""0123abcd-0000-4000-8000-000000000001""#.to_string()),
            Just(r#""Approve""#.to_string()),
            Just(r#""a\"b\u00e9""#.to_string()),
            Just("null".to_string()),
            Just("10".to_string()),
            Just("10.0".to_string()),
            Just("-1".to_string()),
            Just("true".to_string()),
            Just("[]".to_string()),
            Just(r#"{"StepName":["Nap"]}"#.to_string()),
            Just(r#"{"Comment":["a","b"],"Comment":["c"]}"#.to_string()),
            Just(r#"[{"Key":"ExecutionStatus","Values":["Waiting"]}]"#.to_string()),
            Just(r#"[["ExecutionStatus",["Waiting"]]]"#.to_string()),
            Just(
                r#"[{"Key":"ExecutionStatus","Key":"DocumentNamePrefix","Values":[]}]"#.to_string()
            ),
            Just("{}".to_string()),
        ]
    }

    /// A body: members (possibly repeated) of these shapes and others, as
    /// an object, or something that is not one.
    fn body() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("AutomationExecutionId"),
            Just("SignalType"),
            Just("Payload"),
            Just("MaxResults"),
            Just("Filters"),
            Just("NextToken"),
            Just("Other"),
        ];
        let members = prop::collection::vec((key, value()), 0..5);
        (members, 0..6u8).prop_map(|(members, form)| {
            let inner: Vec<String> = members
                .iter()
                .map(|(k, v)| format!(r#""{k}":{v}"#))
                .collect();
            let values: Vec<&str> = members.iter().map(|(_, v)| v.as_str()).collect();
            match form {
                0 => format!("[{}]", values.join(",")),
                1 => format!(" \n{{{}}} ", inner.join(",")),
                2 => format!("{{{}}} x", inner.join(",")),
                3 => format!("{{{}", inner.join(",")),
                _ => format!("{{{}}}", inner.join(",")),
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn direct_decoding_agrees_with_the_tree(body in body()) {
            for op in ["GetAutomationExecution", "SendAutomationSignal", "DescribeAutomationExecutions"] {
                let slow = parse_body(body.as_bytes()).and_then(|input| decode_call(op, input));
                if let Some(fast) = decode_direct(op, body.as_bytes()) {
                    let slow = slow.map(|call| format!("{call:?}")).map_err(|f| f.name);
                    prop_assert_eq!(slow, Ok(format!("{fast:?}")), "{} {}", op, body);
                }
            }
        }
    }

    #[test]
    fn the_usual_requests_are_decoded_directly() {
        let id = r#"{"AutomationExecutionId":"0123abcd-0000-4000-8000-000000000001"}"#;
        assert!(decode_direct("GetAutomationExecution", id.as_bytes()).is_some());
        let signal = r#"{"AutomationExecutionId":"x","SignalType":"StartStep","Payload":{"StepName":["Nap"]}}"#;
        assert!(decode_direct("SendAutomationSignal", signal.as_bytes()).is_some());
        assert!(decode_direct("DescribeAutomationExecutions", br#"{"MaxResults":10}"#).is_some());
        // Left to the slow path, which words the error.
        assert!(decode_direct("GetAutomationExecution", b"{}").is_none());
        assert!(decode_direct("GetAutomationExecution", br#"["x"]"#).is_none());
        assert!(decode_direct("StartAutomationExecution", b"{}").is_none());
    }
}
