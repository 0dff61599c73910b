//! What goes into and comes out of an [`super::Execution`]: the closed
//! input enum, action outcomes, refusals (with SSM's exception names),
//! events, and the step execution records the API shows.

use super::ids::Id;
pub use super::outputs::Outputs;
use super::status::{FailureStage, FailureType, Mode, SignalType, Status, StopType};
use crate::clock::SimTime;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Resolved step inputs, shared between a step record and its requests
/// (a step whose inputs have no placeholder shares one map for every run).
pub type Inputs = Arc<super::inputs::InputMap>;

/// SSM's `AutomationParameterMap`: name → list of strings.
pub type Payload = BTreeMap<String, Vec<String>>;

/// How an external action ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The action succeeded with this response (outputs are selected from it).
    Success {
        /// The action's response JSON.
        response: Value,
    },
    /// The action failed.
    Failure {
        /// `FailureType`.
        failure_type: FailureType,
        /// `FailureStage`.
        stage: FailureStage,
        /// The message shown as the step's FailureMessage.
        message: String,
    },
    /// The action did not finish in time.
    TimedOut,
}

/// Everything the environment can do to an execution.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Input {
    /// Start the execution.
    Start {
        /// Typed parameter values (see [`crate::start_parameters`]).
        parameters: BTreeMap<String, Value>,
        /// Auto or Interactive.
        mode: Mode,
    },
    /// SendAutomationSignal.
    Signal {
        /// The signal.
        signal: SignalType,
        /// Its payload (`Comment`, `StepName`, `StepExecutionId`).
        payload: Payload,
        /// The caller's principal ARN.
        principal: String,
    },
    /// StopAutomationExecution.
    Stop(StopType),
    /// An external action answered.
    ActionFinished {
        /// The request being answered.
        request_id: Id,
        /// How it ended.
        outcome: Outcome,
    },
    /// A child execution (`aws:executeAutomation`) ended.
    ChildFinished {
        /// The request being answered.
        request_id: Id,
        /// The child's execution id.
        execution_id: String,
        /// The child's final status.
        status: Status,
        /// The child's outputs, flattened (`Output` of the parent step).
        outputs: Vec<String>,
    },
    /// A child execution could not be started (unknown runbook, refused
    /// parameters): the parent step fails with this reason.
    ChildNotStarted {
        /// The request being answered.
        request_id: Id,
        /// Why, e.g. `AutomationDefinitionNotFoundException: ...`.
        reason: String,
    },
    /// Time passed: fire every timer due at or before `now`.
    Advance,
}

/// Why an input was refused. The execution is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{exception}: {message}")]
pub struct Refusal {
    /// The SSM exception this corresponds to.
    pub exception: Exception,
    /// A one-line message.
    pub message: String,
}

/// The SSM exceptions an execution itself can raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exception {
    /// The signal does not fit the execution's current state.
    InvalidAutomationSignalException,
    /// A step name or step execution id that does not exist.
    AutomationStepNotFoundException,
    /// A stop that does not fit the execution's current state.
    InvalidAutomationStatusUpdateException,
    /// Start parameters that do not fit the runbook.
    InvalidAutomationExecutionParametersException,
    /// Not an SSM exception: the driver answered a request the execution
    /// is not waiting for (a driver error, or a stale answer).
    UnknownRequest,
}

impl Exception {
    /// The exception name.
    pub fn name(self) -> &'static str {
        match self {
            Exception::InvalidAutomationSignalException => "InvalidAutomationSignalException",
            Exception::AutomationStepNotFoundException => "AutomationStepNotFoundException",
            Exception::InvalidAutomationStatusUpdateException => {
                "InvalidAutomationStatusUpdateException"
            }
            Exception::InvalidAutomationExecutionParametersException => {
                "InvalidAutomationExecutionParametersException"
            }
            Exception::UnknownRequest => "UnknownRequest",
        }
    }
}

impl std::fmt::Display for Exception {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Refusal {
    pub(crate) fn signal(message: impl Into<String>) -> Self {
        Refusal {
            exception: Exception::InvalidAutomationSignalException,
            message: message.into(),
        }
    }
    pub(crate) fn step_not_found(message: impl Into<String>) -> Self {
        Refusal {
            exception: Exception::AutomationStepNotFoundException,
            message: message.into(),
        }
    }
    pub(crate) fn status_update(message: impl Into<String>) -> Self {
        Refusal {
            exception: Exception::InvalidAutomationStatusUpdateException,
            message: message.into(),
        }
    }
}

/// A request for the driver to perform an external action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionRequest {
    /// Answer with [`Input::ActionFinished`] naming this id.
    pub request_id: Id,
    /// The step execution it belongs to.
    pub step_execution_id: Id,
    /// The step's name.
    pub step_name: Arc<str>,
    /// The action, e.g. `aws:executeAwsApi`.
    pub action: Arc<str>,
    /// Which request of this step execution (1-based): every attempt and
    /// every poll of `aws:waitForAwsResourceProperty` counts.
    pub attempt: u32,
    /// The inputs with every placeholder resolved.
    pub inputs: Inputs,
}

/// A request for the driver to start a child execution (`aws:executeAutomation`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChildRequest {
    /// Answer with [`Input::ChildFinished`] naming this id.
    pub request_id: Id,
    /// The id the child execution must have (drawn from the parent's seed).
    pub execution_id: Id,
    /// The parent step's name.
    pub step_name: String,
    /// The runbook to run.
    pub document_name: String,
    /// Its version, if given.
    pub document_version: Option<String>,
    /// Runtime parameters in wire form.
    pub parameters: Payload,
}

/// Something that happened during a transition, in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Event {
    /// The execution's status changed.
    ExecutionStatus {
        /// The new status.
        status: Status,
    },
    /// A step execution's status changed.
    StepStatus {
        /// The step: its flat index in the compiled runbook
        /// (`runbook.step(step).name` is its name). An index, not the
        /// name, so that an event costs no reference count.
        step: usize,
        /// Its step execution id.
        step_execution_id: Id,
        /// The new status.
        status: Status,
    },
    /// An external action is to be performed.
    ActionRequested(ActionRequest),
    /// A child execution is to be started (boxed: rare, and the largest
    /// request, it would make every event bigger).
    ChildRequested(Box<ChildRequest>),
    /// A child execution is to be cancelled.
    ChildCancelRequested {
        /// The child's execution id.
        execution_id: Id,
    },
    /// A signal was accepted.
    SignalAccepted {
        /// The signal.
        signal: SignalType,
        /// Who sent it.
        principal: String,
    },
    /// A limit of the engine stopped the execution.
    LimitExceeded {
        /// The limit's name.
        limit: &'static str,
        /// Its value.
        value: u64,
    },
}

impl Event {
    /// Whether the event asks the driver to start or cancel a child
    /// execution: the only events [`super::Execution::apply_for_children`]
    /// keeps.
    ///
    /// ```
    /// use ssm_runbook_engine::execution::{Event, Status};
    /// assert!(!Event::ExecutionStatus { status: Status::Success }.concerns_children());
    /// ```
    pub fn concerns_children(&self) -> bool {
        matches!(
            self,
            Event::ChildRequested(_) | Event::ChildCancelRequested { .. }
        )
    }
}

/// `FailureDetails` of a step execution.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FailureDetails {
    /// `FailureStage`.
    pub stage: FailureStage,
    /// `FailureType`.
    pub failure_type: FailureType,
    /// `Details`.
    pub details: Payload,
}

/// `ParentStepDetails` of a step inside an `aws:loop`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParentStepDetails {
    /// The loop step's execution id.
    pub step_execution_id: Id,
    /// The loop step's name.
    pub step_name: Arc<str>,
    /// Always `aws:loop`.
    pub action: &'static str,
    /// The iteration, from 1.
    pub iteration: u32,
    /// The iterator value (for-each loops).
    pub iterator_value: Option<String>,
}

/// One step execution, as `StepExecution` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StepExecution {
    /// `StepExecutionId`.
    pub id: Id,
    /// Index of the step in the compiled runbook.
    pub step: usize,
    /// `StepName`.
    pub step_name: Arc<str>,
    /// `Action`.
    pub action: Arc<str>,
    /// `StepStatus`.
    pub status: Status,
    /// `ExecutionStartTime`.
    pub start_time: Option<SimTime>,
    /// `ExecutionEndTime`.
    pub end_time: Option<SimTime>,
    /// `Inputs`: the resolved values (JSON-encoded only when shown).
    pub inputs: Inputs,
    /// Typed outputs.
    pub outputs: Outputs,
    /// `Response`.
    pub response: Option<String>,
    /// `FailureMessage`.
    pub failure_message: Option<String>,
    /// `FailureDetails`.
    pub failure_details: Option<Box<FailureDetails>>,
    /// `ValidNextSteps`.
    pub valid_next_steps: Option<Arc<[Arc<str>]>>,
    /// `ParentStepDetails`.
    pub parent: Option<Box<ParentStepDetails>>,
    /// Attempts made so far (`maxAttempts` counts these).
    pub attempts: u32,
    /// Action requests sent so far: every attempt and every poll of
    /// `aws:waitForAwsResourceProperty` (each takes the next scenario answer).
    pub requests: u32,
}
