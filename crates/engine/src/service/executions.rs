//! The execution operations: StartAutomationExecution,
//! GetAutomationExecution, SendAutomationSignal, StopAutomationExecution,
//! and [`Service::tick`], which fires due timers.
//!
//! This module owns the execution table (ids, client tokens, the
//! concurrency limit) and the driver loop that answers what executions ask
//! for: external actions go to the embedder's [`ActionHandler`], child
//! executions (`aws:executeAutomation`) are started in this same service.
//! It must not read a clock or perform actions itself: time comes in as
//! `now`, and actions are only ever answered by the handler.

use super::answers::{ActionCall, PendingAnswer, Reply};
use super::{Service, ServiceError};
use crate::clock::SimTime;
use crate::execution::{
    ActionRequest, Event, Exception, Execution, ExecutionConfig, Input, Mode, Outcome, Payload,
    Refusal, SignalType, StopType,
};
use crate::start_parameters;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::VecDeque;

/// Performs the external actions executions request (`aws:executeAwsApi`,
/// `aws:runCommand`, …). `Send`, so a [`Service`] can move between threads.
pub trait ActionHandler: Send {
    /// Answer `request` now, or return `None` to answer later with
    /// [`Service::finish_action`].
    fn handle(&mut self, request: &ActionRequest, now: SimTime) -> Option<Outcome>;

    /// Answer `call` (a request with the execution and document that make
    /// it): now, at a later instant (the service keeps the answer as a
    /// timer), or later through [`Service::finish_action`]. By default,
    /// [`ActionHandler::handle`] decides, now or later.
    fn answer(&mut self, call: &ActionCall<'_>, now: SimTime) -> Reply {
        match self.handle(call.request, now) {
            Some(outcome) => Reply::Now(outcome),
            None => Reply::Later,
        }
    }
}

/// The default handler: every action succeeds at once with an empty response `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefaultHandler;

impl ActionHandler for DefaultHandler {
    fn handle(&mut self, _request: &ActionRequest, _now: SimTime) -> Option<Outcome> {
        Some(Outcome::Success {
            response: json!({}),
        })
    }
}

/// One execution and what it was started with.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) execution: Execution,
    /// The start request without its client token, for idempotency checks.
    pub(crate) fingerprint: Option<Value>,
    /// The GetAutomationExecution response body, built on first request
    /// and dropped whenever the execution changes (clients poll it).
    view: std::sync::OnceLock<std::sync::Arc<str>>,
    /// The `AutomationExecutionMetadata` item, cached the same way.
    metadata: std::sync::OnceLock<Value>,
}

impl Record {
    /// Apply an input to the execution; a change drops the cached view.
    fn apply(
        &mut self,
        input: Input,
        now: SimTime,
    ) -> Result<Vec<Event>, crate::execution::Refusal> {
        let result = self.execution.apply(input, now);
        if result.is_ok() {
            self.view = std::sync::OnceLock::new();
            self.metadata = std::sync::OnceLock::new();
        }
        result
    }

    /// The execution's `AutomationExecutionMetadata` item (what
    /// DescribeAutomationExecutions lists and filters on).
    pub(crate) fn metadata(&self) -> &Value {
        self.metadata
            .get_or_init(|| super::describe::metadata_of(&self.execution.to_api()))
    }
}

/// `StartAutomationExecutionRequest` (the members this service uses).
///
/// `Targets`, `TargetMaps` and `TargetLocations` (rate control and
/// multi-account runs) are not supported and answered with `InvalidTarget`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartAutomationExecutionRequest {
    /// `DocumentName` (required): a name or document ARN.
    pub document_name: String,
    /// `DocumentVersion`: a number, `$LATEST` or `$DEFAULT` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    /// `Parameters`: each name with a list of strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<IndexMap<String, Vec<String>>>,
    /// `ClientToken`: a UUID; the same token and request give the same execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
    /// `Mode`: `Auto` (default) or `Interactive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// `TargetParameterName` (only meaningful with targets; unsupported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_parameter_name: Option<String>,
    /// `Targets` (unsupported when non-empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<Value>>,
    /// `TargetMaps` (unsupported when non-empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_maps: Option<Vec<Value>>,
    /// `TargetLocations` (unsupported when non-empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_locations: Option<Vec<Value>>,
    /// `Tags` (accepted and ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<super::documents::Tag>>,
    /// `MaxConcurrency` (accepted; not used by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<String>,
    /// `MaxErrors` (accepted; not used by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_errors: Option<String>,
    /// `AlarmConfiguration` (accepted; not used by this service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_configuration: Option<serde_json::Value>,
    /// `TargetLocationsURL` (accepted; not used by this service).
    #[serde(
        default,
        rename = "TargetLocationsURL",
        skip_serializing_if = "Option::is_none"
    )]
    pub target_locations_url: Option<String>,
}

/// `StartAutomationExecutionResult`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StartAutomationExecutionResult {
    /// `AutomationExecutionId` (36 characters).
    pub automation_execution_id: String,
}

/// `GetAutomationExecutionRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAutomationExecutionRequest {
    /// `AutomationExecutionId` (required).
    pub automation_execution_id: String,
}

/// `GetAutomationExecutionResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAutomationExecutionResult {
    /// `AutomationExecution`, as [`Execution::to_api`] renders it.
    pub automation_execution: Value,
}

/// `SendAutomationSignalRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendAutomationSignalRequest {
    /// `AutomationExecutionId` (required).
    pub automation_execution_id: String,
    /// `SignalType` (required): `Approve`, `Reject`, `StartStep`, `StopStep`,
    /// `Resume` or `Revoke`.
    pub signal_type: String,
    /// `Payload`: `Comment`, `StepName` or `StepExecutionId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Payload>,
}

/// `SendAutomationSignalResult` (empty: `{}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendAutomationSignalResult {}

/// `StopAutomationExecutionRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StopAutomationExecutionRequest {
    /// `AutomationExecutionId` (required).
    pub automation_execution_id: String,
    /// `Type`: `Cancel` (default) or `Complete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
}

/// `StopAutomationExecutionResult` (empty: `{}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopAutomationExecutionResult {}

const CLIENT_TOKEN_PATTERN: &str =
    "[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}";

fn check_client_token(token: &str) -> Result<(), ServiceError> {
    let groups: Vec<&str> = token.split('-').collect();
    let ok = token.len() == 36
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::pattern(
            token,
            "clientToken",
            CLIENT_TOKEN_PATTERN,
        ))
    }
}

fn check_execution_id(id: &str) -> Result<(), ServiceError> {
    if id.chars().count() == 36 {
        Ok(())
    } else {
        Err(ServiceError::validation(
            id,
            "automationExecutionId",
            "Member must have length equal to 36",
        ))
    }
}

/// The SSM exception for a refusal of the execution state machine.
fn refused(r: Refusal) -> ServiceError {
    match r.exception {
        Exception::InvalidAutomationSignalException => {
            ServiceError::InvalidAutomationSignalException(r.message)
        }
        Exception::AutomationStepNotFoundException => {
            ServiceError::AutomationStepNotFoundException(r.message)
        }
        Exception::InvalidAutomationStatusUpdateException => {
            ServiceError::InvalidAutomationStatusUpdateException(r.message)
        }
        Exception::InvalidAutomationExecutionParametersException => {
            ServiceError::InvalidAutomationExecutionParametersException(r.message)
        }
        Exception::UnknownRequest => ServiceError::InternalServerError(r.message),
    }
}

impl Service {
    fn not_found(id: &str) -> ServiceError {
        ServiceError::AutomationExecutionNotFoundException(format!(
            "Execution {id} does not exist."
        ))
    }

    fn in_flight(&self) -> usize {
        self.running
            .iter()
            .filter(|&&i| {
                self.executions
                    .get_index(i)
                    .is_some_and(|(_, r)| !r.execution.status().is_terminal())
            })
            .count()
    }

    /// Create an execution of `runbook` and start it; `Err` leaves no trace.
    fn create_execution(
        &mut self,
        request: &StartAutomationExecutionRequest,
        execution_id: String,
        parent: Option<(&str, u32)>,
        principal: &str,
        now: SimTime,
    ) -> Result<(Execution, Vec<Event>), ServiceError> {
        let runbook =
            self.resolve_runbook(&request.document_name, request.document_version.as_deref())?;
        let mode = match request.mode.as_deref() {
            None => Mode::Auto,
            Some(m) => Mode::parse(m)
                .ok_or_else(|| ServiceError::enum_value(m, "mode", &["Auto", "Interactive"]))?,
        };
        let empty = IndexMap::new();
        let typed = start_parameters::parse(
            &runbook.document,
            request.parameters.as_ref().unwrap_or(&empty),
        )
        .map_err(|e| ServiceError::InvalidAutomationExecutionParametersException(e.message))?;
        let mut config = ExecutionConfig::new(execution_id, principal);
        let [account, region, partition] = &self.placement;
        config.account_id = std::sync::Arc::clone(account);
        config.region = std::sync::Arc::clone(region);
        config.partition = std::sync::Arc::clone(partition);
        let seed = self.next_seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        // Every generator steps the same SplitMix64 sequence: an execution
        // seeded one step after the service's own ids would draw the ids of
        // later executions as its step ids. Scattered, its stream starts at
        // an unrelated point of the sequence.
        config.seed = scatter(seed);
        if let Some((parent_id, depth)) = parent {
            config.parent_execution_id = Some(parent_id.to_string());
            config.depth = depth;
        }
        let mut execution = Execution::new(runbook, config);
        let events = execution
            .apply(
                Input::Start {
                    parameters: typed.into_iter().collect(),
                    mode,
                },
                now,
            )
            .map_err(refused)?;
        // Only executions that exist consume a seed.
        self.next_seed = seed;
        Ok((execution, events))
    }

    /// StartAutomationExecution: start a run of an Automation runbook.
    ///
    /// `principal` is the caller's ARN (`ExecutedBy`). Actions the runbook
    /// requests are answered by the handler at once; timers due at or
    /// before `now` fire before this returns.
    ///
    /// ```
    /// use ssm_runbook_engine::clock::SimTime;
    /// use ssm_runbook_engine::service::{Service, ServiceConfig};
    /// use ssm_runbook_engine::service::documents::CreateDocumentRequest;
    /// use ssm_runbook_engine::service::executions::StartAutomationExecutionRequest;
    /// let mut svc = Service::new(ServiceConfig::default());
    /// svc.create_document(CreateDocumentRequest {
    ///     name: "Hold".into(),
    ///     content: r#"{"schemaVersion":"0.3","mainSteps":[{"name":"p","action":"aws:pause","inputs":{}}]}"#.into(),
    ///     document_type: Some("Automation".into()),
    ///     ..Default::default()
    /// }, SimTime(0)).unwrap();
    /// let request = StartAutomationExecutionRequest {
    ///     document_name: "Hold".into(),
    ///     client_token: Some("0c1d7a52-6e3b-4f0e-9a41-5d2c8b7e9f10".into()),
    ///     ..Default::default()
    /// };
    /// let principal = "arn:aws:iam::123456789012:user/bob";
    /// let first = svc.start_automation_execution(request.clone(), principal, SimTime(0)).unwrap();
    /// let again = svc.start_automation_execution(request, principal, SimTime(0)).unwrap();
    /// assert_eq!(first, again);
    /// assert_eq!(first.automation_execution_id.len(), 36);
    /// ```
    pub fn start_automation_execution(
        &mut self,
        request: StartAutomationExecutionRequest,
        principal: &str,
        now: SimTime,
    ) -> Result<StartAutomationExecutionResult, ServiceError> {
        if let Some(parameters) = &request.parameters {
            check_parameter_map(parameters, "parameters")?;
        }
        let fingerprint = {
            let mut r = request.clone();
            r.client_token = None;
            serde_json::to_value(&r)
                .map_err(|e| ServiceError::InternalServerError(e.to_string()))?
        };
        if let Some(token) = &request.client_token {
            check_client_token(token)?;
            if let Some(id) = self.client_tokens.get(token) {
                let same = self
                    .executions
                    .get(id)
                    .is_some_and(|r| r.fingerprint.as_ref() == Some(&fingerprint));
                return if same {
                    Ok(StartAutomationExecutionResult {
                        automation_execution_id: id.clone(),
                    })
                } else {
                    Err(ServiceError::IdempotentParameterMismatch(
                        "The client token was already used with different parameters.".into(),
                    ))
                };
            }
        }
        let unsupported = [
            &request.targets,
            &request.target_maps,
            &request.target_locations,
        ]
        .iter()
        .any(|t| t.as_ref().is_some_and(|v| !v.is_empty()));
        if unsupported {
            return Err(ServiceError::InvalidTarget(
                "Targets, TargetMaps and TargetLocations are not supported by this service.".into(),
            ));
        }
        // Resolve the runbook first so a missing one is reported as such
        // even at the limit.
        self.resolve_runbook(&request.document_name, request.document_version.as_deref())?;
        // `running` holds every execution in flight (and maybe some that
        // ended): below the limit, no need to count.
        if self.running.len() >= self.config.max_concurrent_executions
            && self.in_flight() >= self.config.max_concurrent_executions
        {
            return Err(ServiceError::AutomationExecutionLimitExceededException(
                format!(
                    "The number of concurrent executions ({}) has reached the limit.",
                    self.config.max_concurrent_executions
                ),
            ));
        }
        if self.executions.len() >= self.config.max_executions {
            return Err(ServiceError::AutomationExecutionLimitExceededException(
                format!(
                    "The service holds {} executions, its limit (max_executions = {}); no more can be started.",
                    self.executions.len(),
                    self.config.max_executions
                ),
            ));
        }
        let mut ids = self.ids.clone();
        let id = ids.next_id().to_string();
        let (execution, events) =
            self.create_execution(&request, id.clone(), None, principal, now)?;
        self.ids = ids;
        // Only a start with a client token can be asked for again.
        let fingerprint = request.client_token.is_some().then_some(fingerprint);
        self.insert(execution, fingerprint);
        if let Some(token) = request.client_token {
            self.client_tokens.insert(token, id.clone());
        }
        self.drive(&id, events, now);
        self.fire_due(now);
        Ok(StartAutomationExecutionResult {
            automation_execution_id: id,
        })
    }

    fn insert(&mut self, execution: Execution, fingerprint: Option<Value>) {
        let id = execution.id().to_string();
        lower_floor(&mut self.deadline_floor, &execution);
        self.execution_order.push(id.clone());
        let (index, _) = self.executions.insert_full(
            id,
            Record {
                execution,
                fingerprint,
                view: std::sync::OnceLock::new(),
                metadata: std::sync::OnceLock::new(),
            },
        );
        self.running.push(index);
    }

    /// GetAutomationExecution: `{"AutomationExecution": …}`.
    pub fn get_automation_execution(
        &self,
        request: GetAutomationExecutionRequest,
    ) -> Result<GetAutomationExecutionResult, ServiceError> {
        check_execution_id(&request.automation_execution_id)?;
        let record = self
            .executions
            .get(&request.automation_execution_id)
            .ok_or_else(|| Self::not_found(&request.automation_execution_id))?;
        Ok(GetAutomationExecutionResult {
            automation_execution: record.execution.to_api(),
        })
    }

    /// GetAutomationExecution, as the JSON body of the response: the same
    /// text as serializing [`Service::get_automation_execution`]'s result,
    /// built once per change of the execution and shared between calls.
    ///
    /// ```
    /// use ssm_runbook_engine::service::{Service, ServiceConfig, executions::GetAutomationExecutionRequest};
    /// let svc = Service::new(ServiceConfig::default());
    /// let missing = GetAutomationExecutionRequest { automation_execution_id: "00000000-0000-4000-8000-000000000000".into() };
    /// assert!(svc.get_automation_execution_json(missing).is_err());
    /// ```
    pub fn get_automation_execution_json(
        &self,
        request: GetAutomationExecutionRequest,
    ) -> Result<std::sync::Arc<str>, ServiceError> {
        check_execution_id(&request.automation_execution_id)?;
        let record = self
            .executions
            .get(&request.automation_execution_id)
            .ok_or_else(|| Self::not_found(&request.automation_execution_id))?;
        if let Some(view) = record.view.get() {
            return Ok(view.clone());
        }
        let result = GetAutomationExecutionResult {
            automation_execution: record.execution.to_api(),
        };
        let text = serde_json::to_string(&result).map_err(|e| {
            ServiceError::InternalServerError(format!("The response could not be serialised: {e}"))
        })?;
        Ok(record.view.get_or_init(|| text.into()).clone())
    }

    /// SendAutomationSignal: deliver a signal sent by `principal`.
    pub fn send_automation_signal(
        &mut self,
        request: SendAutomationSignalRequest,
        principal: &str,
        now: SimTime,
    ) -> Result<SendAutomationSignalResult, ServiceError> {
        check_execution_id(&request.automation_execution_id)?;
        if let Some(payload) = &request.payload {
            check_parameter_map(payload, "payload")?;
        }
        let signal = SignalType::parse(&request.signal_type).ok_or_else(|| {
            let all: Vec<&str> = SignalType::ALL.iter().map(|s| s.as_str()).collect();
            ServiceError::enum_value(&request.signal_type, "signalType", &all)
        })?;
        let input = Input::Signal {
            signal,
            payload: request.payload.unwrap_or_default(),
            principal: principal.to_string(),
        };
        self.apply_external(&request.automation_execution_id, input, now)?;
        Ok(SendAutomationSignalResult {})
    }

    /// StopAutomationExecution: cancel (default) or complete an execution.
    pub fn stop_automation_execution(
        &mut self,
        request: StopAutomationExecutionRequest,
        now: SimTime,
    ) -> Result<StopAutomationExecutionResult, ServiceError> {
        check_execution_id(&request.automation_execution_id)?;
        let stop = match request.r#type.as_deref() {
            None => StopType::Cancel,
            Some(t) => StopType::parse(t)
                .ok_or_else(|| ServiceError::enum_value(t, "type", &["Complete", "Cancel"]))?,
        };
        self.apply_external(&request.automation_execution_id, Input::Stop(stop), now)?;
        Ok(StopAutomationExecutionResult {})
    }

    /// Answer an action the handler deferred (returned `None` for).
    pub fn finish_action(
        &mut self,
        execution_id: &str,
        request_id: &str,
        outcome: Outcome,
        now: SimTime,
    ) -> Result<(), ServiceError> {
        let Some(request_id) = crate::execution::Id::parse(request_id) else {
            return Err(ServiceError::InternalServerError(format!(
                "no pending request has id {request_id}"
            )));
        };
        let input = Input::ActionFinished {
            request_id,
            outcome,
        };
        self.apply_external(execution_id, input, now)
    }

    /// Fire every timer (sleeps, polls, timeouts) due at or before `now`,
    /// in every execution, and everything that follows from them.
    pub fn tick(&mut self, now: SimTime) {
        self.fire_due(now);
    }

    /// The earliest instant at which [`Service::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<SimTime> {
        let answer = self.pending_answers.keys().next().map(|(t, _)| *t);
        self.running
            .iter()
            .filter_map(|&i| self.executions.get_index(i))
            .filter_map(|(_, r)| r.execution.next_deadline())
            .chain(answer)
            .min()
    }

    /// Whether [`Service::tick`] at `now` has something to do: `next_deadline()
    /// <= now`, without a scan while `now` is below the floor the service
    /// keeps under every deadline.
    ///
    /// ```
    /// use ssm_runbook_engine::clock::SimTime;
    /// use ssm_runbook_engine::service::{Service, ServiceConfig};
    /// let svc = Service::new(ServiceConfig::default());
    /// assert!(!svc.is_due(SimTime(0)));
    /// ```
    pub fn is_due(&self, now: SimTime) -> bool {
        if self
            .pending_answers
            .keys()
            .next()
            .is_some_and(|(t, _)| *t <= now)
        {
            return true;
        }
        if self.deadline_floor.is_some_and(|floor| now < floor) {
            return false;
        }
        self.next_deadline().is_some_and(|d| d <= now)
    }

    /// Deliver the answers held for later ([`Reply::At`]) that are due by
    /// `now`, earliest first, each at its own instant, with the timers due
    /// before it fired first.
    fn deliver_answers(&mut self, now: SimTime) {
        while let Some(entry) = self.pending_answers.first_entry() {
            let at = entry.key().0;
            if at > now {
                return;
            }
            let answer = entry.remove();
            self.fire_timers(at);
            let events = self.apply_quiet(
                &answer.execution_id,
                Input::ActionFinished {
                    request_id: answer.request_id,
                    outcome: answer.outcome,
                },
                at,
            );
            let id = answer.execution_id;
            let events = events.into_iter().map(|(_, e)| e).collect();
            self.drive(&id, events, at);
        }
    }

    fn apply_external(&mut self, id: &str, input: Input, now: SimTime) -> Result<(), ServiceError> {
        let record = self
            .executions
            .get_mut(id)
            .ok_or_else(|| Self::not_found(id))?;
        let events = record.apply(input, now).map_err(refused)?;
        lower_floor(&mut self.deadline_floor, &record.execution);
        self.drive(id, events, now);
        self.fire_due(now);
        Ok(())
    }

    fn fire_due(&mut self, now: SimTime) {
        if !self.pending_answers.is_empty() {
            self.deliver_answers(now);
        }
        self.fire_timers(now);
    }

    fn fire_timers(&mut self, now: SimTime) {
        if self.deadline_floor.is_some_and(|floor| now < floor) {
            return;
        }
        // Each round fires every due timer once; a timer that is due again
        // after firing (a zero-length sleep) fires in the next round.
        let executions = &self.executions;
        self.running.retain(|&i| {
            executions
                .get_index(i)
                .is_some_and(|(_, r)| !r.execution.status().is_terminal())
        });
        for _ in 0..10_000 {
            let due: Vec<String> = self
                .running
                .iter()
                .filter_map(|&i| self.executions.get_index(i))
                .filter(|(_, r)| {
                    !r.execution.status().is_terminal()
                        && r.execution.next_deadline().is_some_and(|d| d <= now)
                })
                .map(|(id, _)| id.clone())
                .collect();
            if due.is_empty() {
                let floor = self
                    .running
                    .iter()
                    .filter_map(|&i| self.executions.get_index(i))
                    .filter_map(|(_, r)| r.execution.next_deadline())
                    .min();
                self.deadline_floor = Some(floor.unwrap_or(SimTime(i64::MAX)));
                return;
            }
            for id in due {
                if let Some(record) = self.executions.get_mut(&id)
                    && let Ok(events) = record.apply(Input::Advance, now)
                {
                    lower_floor(&mut self.deadline_floor, &record.execution);
                    self.drive(&id, events, now);
                }
            }
        }
    }

    /// Work through events until nothing more happens at `now`.
    ///
    /// (Every change to an execution lowers the deadline floor to that
    /// execution's next deadline, so the floor stays below every deadline
    /// without a scan of all executions per change.)
    fn drive(&mut self, id: &str, events: Vec<Event>, now: SimTime) {
        let mut queue: VecDeque<(String, Event)> =
            events.into_iter().map(|e| (id.to_string(), e)).collect();
        let mut touched = vec![id.to_string()];
        loop {
            while let Some((ex, event)) = queue.pop_front() {
                let next = match event {
                    Event::ActionRequested(request) => {
                        let document_name = self
                            .executions
                            .get(&ex)
                            .map(|r| r.execution.runbook().name.clone())
                            .unwrap_or_default();
                        let call = ActionCall {
                            execution_id: &ex,
                            document_name: &document_name,
                            request: &request,
                        };
                        match self.handler.answer(&call, now) {
                            Reply::Now(outcome) => self.apply_quiet(
                                &ex,
                                Input::ActionFinished {
                                    request_id: request.request_id,
                                    outcome,
                                },
                                now,
                            ),
                            Reply::At(at, outcome) => {
                                let seq = self.next_pending_answer;
                                self.next_pending_answer += 1;
                                self.pending_answers.insert(
                                    (at.max(now), seq),
                                    PendingAnswer {
                                        execution_id: ex.clone(),
                                        request_id: request.request_id,
                                        outcome,
                                    },
                                );
                                Vec::new()
                            }
                            Reply::Later => Vec::new(),
                        }
                    }
                    Event::ChildRequested(request) => {
                        let child = StartAutomationExecutionRequest {
                            document_name: request.document_name,
                            document_version: request.document_version,
                            parameters: Some(request.parameters.into_iter().collect()),
                            ..Default::default()
                        };
                        let depth = self
                            .executions
                            .get(&ex)
                            .map_or(1, |r| r.execution.config().depth.saturating_add(1));
                        let principal = self
                            .executions
                            .get(&ex)
                            .map(|r| r.execution.config().executed_by.clone())
                            .unwrap_or_default();
                        match self.create_execution(
                            &child,
                            request.execution_id.to_string(),
                            Some((&ex, depth)),
                            &principal,
                            now,
                        ) {
                            Ok((execution, events)) => {
                                self.insert(execution, None);
                                touched.push(request.execution_id.to_string());
                                events
                                    .into_iter()
                                    .map(|e| (request.execution_id.to_string(), e))
                                    .collect()
                            }
                            Err(e) => self.apply_quiet(
                                &ex,
                                Input::ChildNotStarted {
                                    request_id: request.request_id,
                                    reason: format!("{}: {}", e.name(), e.message()),
                                },
                                now,
                            ),
                        }
                    }
                    Event::ChildCancelRequested { execution_id } => {
                        touched.push(execution_id.to_string());
                        self.apply_quiet(&execution_id, Input::Stop(StopType::Cancel), now)
                    }
                    _ => Vec::new(),
                };
                queue.extend(next);
            }
            // Children that ended tell their parents.
            let mut more = Vec::new();
            for child in std::mem::take(&mut touched) {
                more.extend(self.child_done(&child, now));
            }
            if more.is_empty() {
                return;
            }
            for (ex, _) in &more {
                touched.push(ex.clone());
            }
            queue.extend(more);
        }
    }

    /// Apply an input the driver itself produced; a refusal (a stale
    /// answer) changes nothing. Gives the events tagged with `id`.
    fn apply_quiet(&mut self, id: &str, input: Input, now: SimTime) -> Vec<(String, Event)> {
        match self.executions.get_mut(id) {
            Some(record) => match record.apply(input, now) {
                Ok(events) => {
                    lower_floor(&mut self.deadline_floor, &record.execution);
                    events.into_iter().map(|e| (id.to_string(), e)).collect()
                }
                Err(_) => Vec::new(),
            },
            None => Vec::new(),
        }
    }

    /// If execution `id` has ended and its parent waits for it, tell the parent.
    fn child_done(&mut self, id: &str, now: SimTime) -> Vec<(String, Event)> {
        let Some(child) = self.executions.get(id).map(|r| &r.execution) else {
            return Vec::new();
        };
        if !child.status().is_terminal() {
            return Vec::new();
        }
        let Some(parent_id) = child.config().parent_execution_id.clone() else {
            return Vec::new();
        };
        let Some((request_id, execution_id)) = self
            .executions
            .get(&parent_id)
            .and_then(|p| p.execution.pending_child())
        else {
            return Vec::new();
        };
        if execution_id != id {
            return Vec::new();
        }
        let outputs = child.output_values();
        let status = child.status();
        self.apply_quiet(
            &parent_id,
            Input::ChildFinished {
                request_id,
                execution_id: execution_id.to_string(),
                status,
                outputs,
            },
            now,
        )
    }
}

impl Service {
    /// Ids of every execution, in start order (children included).
    pub fn execution_ids(&self) -> Vec<String> {
        self.execution_order.clone()
    }

    /// How many executions are in flight (not in a terminal status).
    pub fn executions_in_flight(&self) -> usize {
        self.in_flight()
    }
}

/// Most entries of an `AutomationParameterMap` (`Parameters`, `Payload`).
pub const MAX_PARAMETER_ENTRIES: usize = 200;
/// Longest parameter name, in characters (`AutomationParameterKey`).
pub const MAX_PARAMETER_NAME_CHARS: usize = 50;
/// Most values of one parameter (`AutomationParameterValueList`).
pub const MAX_PARAMETER_VALUES: usize = 50;
/// Longest parameter value, in characters (`AutomationParameterValue`).
pub const MAX_PARAMETER_VALUE_CHARS: usize = 512;

/// Hold an `AutomationParameterMap` to the service model's bounds
/// ([`MAX_PARAMETER_ENTRIES`], [`MAX_PARAMETER_NAME_CHARS`],
/// [`MAX_PARAMETER_VALUES`], [`MAX_PARAMETER_VALUE_CHARS`]): a
/// `ValidationException` naming the member, the bound and (shortened) the
/// value, as SSM reports it.
fn check_parameter_map<'a, M>(map: &'a M, member: &str) -> Result<(), ServiceError>
where
    &'a M: IntoIterator<Item = (&'a String, &'a Vec<String>)>,
{
    let entries: Vec<(&String, &Vec<String>)> = map.into_iter().collect();
    if entries.len() > MAX_PARAMETER_ENTRIES {
        return Err(ServiceError::validation(
            &format!("a map of {} entries", entries.len()),
            member,
            &format!("Member must have length less than or equal to {MAX_PARAMETER_ENTRIES}"),
        ));
    }
    for (name, values) in entries {
        if name.chars().count() > MAX_PARAMETER_NAME_CHARS {
            return Err(ServiceError::validation(
                &shorten(name),
                &format!("{member}.key"),
                &format!(
                    "Member must have length less than or equal to {MAX_PARAMETER_NAME_CHARS}"
                ),
            ));
        }
        if values.len() > MAX_PARAMETER_VALUES {
            return Err(ServiceError::validation(
                &format!("a list of {} values", values.len()),
                &format!("{member}.{name}"),
                &format!("Member must have length less than or equal to {MAX_PARAMETER_VALUES}"),
            ));
        }
        if let Some(long) = values
            .iter()
            .find(|v| v.chars().count() > MAX_PARAMETER_VALUE_CHARS)
        {
            return Err(ServiceError::validation(
                &shorten(long),
                &format!("{member}.{name}.member"),
                &format!(
                    "Member must have length less than or equal to {MAX_PARAMETER_VALUE_CHARS}"
                ),
            ));
        }
    }
    Ok(())
}

/// The first 64 characters of `text`, with `…` when cut.
fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(64).collect();
    if text.chars().nth(64).is_some() {
        out.push('…');
    }
    out
}

/// An execution changed (or was added): keep `floor` a lower bound of
/// every running execution's next deadline. A deadline that moved later
/// leaves the floor low, which only costs one scan when time reaches it.
fn lower_floor(floor: &mut Option<SimTime>, execution: &Execution) {
    if let (Some(f), Some(d)) = (floor.as_mut(), execution.next_deadline()) {
        *f = (*f).min(d);
    }
}

/// SplitMix64's output function: a bijection of `u64` that sends
/// consecutive values far apart.
fn scatter(x: u64) -> u64 {
    let z = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
