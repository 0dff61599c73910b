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

pub use http::{Clock, ServerConfig, ServerState, serve, serve_with_shutdown};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

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
    match dispatch(service, target, body, ctx) {
        Ok(body) => Response {
            status: 200,
            body,
            error_type: None,
        },
        Err(fault) => fault.into_response(),
    }
}

fn dispatch(
    service: &mut Service,
    target: &str,
    body: &[u8],
    ctx: &Context,
) -> Result<String, Fault> {
    let op = target
        .strip_prefix(TARGET_PREFIX)
        .filter(|op| OPERATIONS.contains(op))
        .ok_or_else(|| unknown_operation(target))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(ServiceError::ValidationException(format!(
            "1 validation error detected: the request body of {} bytes exceeds the maximum size of {MAX_BODY_BYTES} bytes",
            body.len()
        ))
        .into());
    }
    let input = parse_body(body)?;
    service.tick(ctx.now);
    let (principal, now) = (ctx.principal.as_str(), ctx.now);
    match op {
        "CreateDocument" => {
            reply(service.create_document(decode(input, &["Content", "Name"])?, now))
        }
        "GetDocument" => reply(service.get_document(decode(input, &["Name"])?)),
        "DescribeDocument" => reply(service.describe_document(decode(input, &["Name"])?)),
        "UpdateDocument" => {
            reply(service.update_document(decode(input, &["Content", "Name"])?, now))
        }
        "DeleteDocument" => reply(service.delete_document(decode(input, &["Name"])?)),
        "ListDocuments" => reply(service.list_documents(decode(input, &[])?)),
        "ListDocumentVersions" => reply(service.list_document_versions(decode(input, &["Name"])?)),
        "UpdateDocumentDefaultVersion" => reply(
            service.update_document_default_version(decode(input, &["Name", "DocumentVersion"])?),
        ),
        "StartAutomationExecution" => reply(service.start_automation_execution(
            decode(input, &["DocumentName"])?,
            principal,
            now,
        )),
        "StopAutomationExecution" => reply(
            service.stop_automation_execution(decode(input, &["AutomationExecutionId"])?, now),
        ),
        "SendAutomationSignal" => reply(service.send_automation_signal(
            decode(input, &["AutomationExecutionId", "SignalType"])?,
            principal,
            now,
        )),
        "GetAutomationExecution" => Ok(service
            .get_automation_execution_json(decode(input, &["AutomationExecutionId"])?)?
            .to_string()),
        "DescribeAutomationExecutions" => {
            reply(service.describe_automation_executions(decode(input, &[])?))
        }
        "DescribeAutomationStepExecutions" => reply(
            service.describe_automation_step_executions(decode(input, &["AutomationExecutionId"])?),
        ),
        _ => Err(unknown_operation(target)),
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
    let placeholders: Map<String, Value> = required
        .iter()
        .map(|m| ((*m).to_string(), Value::String(String::new())))
        .collect();
    let request = serde_json::from_value::<T>(Value::Object(input.clone()))
        .map_err(|e| wrong_type::<T>(&input, &placeholders, &e))?;
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
/// first top-level member that fails on its own when one does.
fn wrong_type<T: DeserializeOwned>(
    input: &Map<String, Value>,
    placeholders: &Map<String, Value>,
    error: &serde_json::Error,
) -> Fault {
    for (key, value) in input {
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
fn reply<T: Serialize>(result: Result<T, ServiceError>) -> Result<String, Fault> {
    let output = result?;
    serde_json::to_string(&output).map_err(|e| {
        Fault::from(ServiceError::InternalServerError(format!(
            "The response could not be serialised: {e}"
        )))
    })
}
