//! Executing runbooks: a pure, deterministic state machine per execution.
//!
//! An [`Execution`] is created `Pending` from a compiled
//! [`crate::runbook::Runbook`], started with [`Input::Start`], and then
//! driven only by the inputs of [`Input`]: signals, stops, answers to the
//! external actions it requested, child results, and the passing of time
//! (`Advance`). Each input is applied at a `now` the caller supplies. The
//! machine never reads a clock, performs I/O or draws randomness (ids come
//! from a seeded generator); it asks for outside work through [`Event`]s and
//! [`Execution::pending_actions`]. It is `Clone + Hash + Eq`, sharing the
//! runbook through an `Arc`, so a model checker can explore and deduplicate
//! its states.

mod actions;
mod api;
mod conditions;
mod environment;
mod events;
mod hashing;
mod ids;
mod inputs;
mod machine;
mod memo;
mod outputs;
mod signals;
mod status;
#[cfg(test)]
mod test_support;
mod types;

pub use actions::{MAX_LOOP_ITERATIONS, POLL_INTERVAL_MS};
pub use api::NO_OUTPUT_YET;
pub use environment::Environment;
pub use hashing::ChunkHasher;
pub use ids::{Id, IdGen};
pub use inputs::InputMap;
pub use machine::{CANCEL_WORKFLOW_MS, Execution, ExecutionConfig, ExecutionLimits};
pub use signals::principal_matches;
pub use status::{FailureStage, FailureType, Mode, SignalType, Status, StopType};
pub use types::{
    ActionRequest, ChildRequest, Event, Exception, FailureDetails, Input, Inputs, Outcome, Outputs,
    ParentStepDetails, Payload, Refusal, StepExecution,
};
