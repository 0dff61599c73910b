//! An embeddable, in-memory SSM Automation service: documents (runbooks)
//! and their executions behind the API's own operations, request and
//! response shapes.
//!
//! This module owns [`Service`], its configuration and the helpers the
//! operations share (pagination tokens, `MaxResults`). It must not do I/O,
//! read a clock, or draw randomness: every instant is passed in as a
//! [`SimTime`], and every id comes from the configured seed. Wire concerns
//! (HTTP, JSON envelopes, signatures) belong to the embedder; the request
//! and response types here serialise with the model's member names, so an
//! embedder can (de)serialise them directly.
//!
//! ```
//! use ssm_runbook_engine::clock::SimTime;
//! use ssm_runbook_engine::service::{Service, ServiceConfig};
//! use ssm_runbook_engine::service::documents::CreateDocumentRequest;
//! use ssm_runbook_engine::service::executions::{
//!     GetAutomationExecutionRequest, SendAutomationSignalRequest, StartAutomationExecutionRequest,
//! };
//!
//! let mut svc = Service::new(ServiceConfig::default());
//! let now = SimTime(1_700_000_000_000);
//! let content = r#"
//! schemaVersion: '0.3'
//! mainSteps:
//!   - name: Approve
//!     action: aws:approve
//!     inputs:
//!       Approvers: ['arn:aws:iam::123456789012:user/alice']
//!   - name: Done
//!     action: aws:sleep
//!     inputs: { Duration: PT0S }
//! "#;
//! svc.create_document(CreateDocumentRequest {
//!     name: "Deploy".into(),
//!     content: content.into(),
//!     document_type: Some("Automation".into()),
//!     document_format: Some("YAML".into()),
//!     ..Default::default()
//! }, now).unwrap();
//!
//! let started = svc.start_automation_execution(StartAutomationExecutionRequest {
//!     document_name: "Deploy".into(),
//!     ..Default::default()
//! }, "arn:aws:iam::123456789012:user/bob", now).unwrap();
//! let id = started.automation_execution_id;
//! let get = |svc: &Service| svc.get_automation_execution(GetAutomationExecutionRequest {
//!     automation_execution_id: id.clone(),
//! }).unwrap().automation_execution["AutomationExecutionStatus"].clone();
//! assert_eq!(get(&svc), "Waiting");
//!
//! svc.send_automation_signal(SendAutomationSignalRequest {
//!     automation_execution_id: id.clone(),
//!     signal_type: "Approve".into(),
//!     payload: None,
//! }, "arn:aws:iam::123456789012:user/alice", now).unwrap();
//! svc.tick(SimTime(now.0 + 1_000));
//! assert_eq!(get(&svc), "Success");
//! ```

pub mod answers;
pub mod describe;
pub mod documents;
pub mod error;
pub mod executions;

pub use error::ServiceError;

use crate::clock::SimTime;
use crate::execution::{Execution, IdGen};
use executions::{ActionHandler, DefaultHandler};
use std::collections::BTreeMap;

/// How a [`Service`] is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Seed of every id the service draws (execution ids, step ids).
    pub seed: u64,
    /// The account id (document `Owner`, `global:ACCOUNT_ID`).
    pub account_id: String,
    /// The region (`global:REGION`).
    pub region: String,
    /// The partition (`global:AWS_PARTITION`).
    pub partition: String,
    /// Most executions in flight at once (default 100).
    pub max_concurrent_executions: usize,
    /// Most documents (default 500, the model's quoted quota).
    pub max_documents: usize,
    /// Most versions per document (default 1000).
    pub max_document_versions: usize,
    /// Most executions the service holds, finished ones included (default
    /// 100,000): executions are kept for Get and Describe and never
    /// removed, so this bounds the service's memory. A start beyond it is
    /// an `AutomationExecutionLimitExceededException` naming the limit.
    /// Child executions count once started but are never refused by it
    /// (their number is bounded by the parent's `max_steps_executed`).
    pub max_executions: usize,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            seed: 0,
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            partition: "aws".into(),
            max_concurrent_executions: 100,
            max_documents: 500,
            max_document_versions: 1000,
            max_executions: 100_000,
        }
    }
}

/// The service: documents, executions, and the handler that performs
/// external actions.
pub struct Service {
    pub(crate) config: ServiceConfig,
    /// `config`'s account, region and partition, shared by every execution.
    pub(crate) placement: [std::sync::Arc<str>; 3],
    pub(crate) documents: BTreeMap<String, documents::StoredDocument>,
    /// Executions by id, in start order (never removed, so an index stays valid).
    pub(crate) executions: indexmap::IndexMap<String, executions::Record>,
    /// Execution ids in start order.
    pub(crate) execution_order: Vec<String>,
    /// Indices (into `executions`) of executions that may still be running,
    /// in start order: a superset of the running ones, pruned on every
    /// mutating call, so timers and the concurrency limit cost O(running)
    /// with O(1) lookups.
    pub(crate) running: Vec<usize>,
    /// No running execution has a deadline before this instant; `None`
    /// when unknown. Each change to an execution lowers it to that
    /// execution's next deadline. Lets a tick with nothing due, and every
    /// start, skip the scan of running executions.
    pub(crate) deadline_floor: Option<SimTime>,
    /// ClientToken → execution id.
    pub(crate) client_tokens: BTreeMap<String, String>,
    pub(crate) ids: IdGen,
    pub(crate) next_seed: u64,
    pub(crate) handler: Box<dyn ActionHandler>,
    /// Answers the handler gave for a later instant ([`answers::Reply::At`]),
    /// by (instant, arrival order).
    pub(crate) pending_answers: BTreeMap<(SimTime, u64), answers::PendingAnswer>,
    /// The arrival number of the next pending answer.
    pub(crate) next_pending_answer: u64,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("config", &self.config)
            .field("documents", &self.documents.len())
            .field("executions", &self.executions.len())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// An empty service whose external actions all succeed with `{}`.
    pub fn new(config: ServiceConfig) -> Service {
        Service::with_handler(config, Box::new(DefaultHandler))
    }

    /// An empty service whose external actions are answered by `handler`.
    pub fn with_handler(config: ServiceConfig, handler: Box<dyn ActionHandler>) -> Service {
        let ids = IdGen::new(config.seed);
        let next_seed = config.seed;
        Service {
            placement: [
                config.account_id.as_str().into(),
                config.region.as_str().into(),
                config.partition.as_str().into(),
            ],
            config,
            documents: BTreeMap::new(),
            executions: indexmap::IndexMap::new(),
            execution_order: Vec::new(),
            running: Vec::new(),
            deadline_floor: None,
            client_tokens: BTreeMap::new(),
            ids,
            next_seed,
            handler,
            pending_answers: BTreeMap::new(),
            next_pending_answer: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// The execution with this id, for inspection.
    pub fn execution(&self, id: &str) -> Option<&Execution> {
        self.executions.get(id).map(|r| &r.execution)
    }
}

/// The page size when `MaxResults` is absent.
pub const DEFAULT_PAGE_SIZE: usize = 50;

/// Check `MaxResults` (1..50) and give the page size.
pub(crate) fn page_size(max_results: Option<i64>) -> Result<usize, ServiceError> {
    match max_results {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 1 => Err(ServiceError::validation(
            &n.to_string(),
            "maxResults",
            "Member must have value greater than or equal to 1",
        )),
        Some(n) if n > 50 => Err(ServiceError::validation(
            &n.to_string(),
            "maxResults",
            "Member must have value less than or equal to 50",
        )),
        Some(n) => usize::try_from(n).map_err(|_| ServiceError::InternalServerError(n.to_string())),
    }
}

/// An opaque token for "continue after `key`" in listing `kind`.
///
/// Tokens name the last key returned, not a position, so items added
/// between pages neither repeat nor push others off.
pub(crate) fn encode_token(kind: &str, key: &str) -> String {
    let mut out = format!("{kind}.");
    for b in key.as_bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The error for a pagination token this service did not issue.
pub(crate) fn invalid_token() -> ServiceError {
    ServiceError::InvalidNextToken("The specified token is not valid.".into())
}

/// Read a token from [`encode_token`]; anything else is `InvalidNextToken`.
pub(crate) fn decode_token(kind: &str, token: &str) -> Result<String, ServiceError> {
    let bad = invalid_token;
    let hex = token
        .strip_prefix(kind)
        .and_then(|t| t.strip_prefix('.'))
        .ok_or_else(bad)?;
    if hex.len() % 2 != 0 || hex.is_empty() {
        return Err(bad());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(bad)
        })
        .collect::<Result<Vec<u8>, _>>()?;
    String::from_utf8(bytes).map_err(|_| bad())
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Epoch seconds of an instant, as the API's timestamps are sent.
pub(crate) fn epoch_seconds(t: SimTime) -> f64 {
    t.epoch_seconds()
}
