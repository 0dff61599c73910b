//! Model checking for AWS SSM Automation runbooks.
//!
//! `ssm-runbook-check` explores *every* interleaving of what the outside
//! world can do to an execution — each approver's Approve and Reject,
//! Resume, StartStep and StopStep, Cancel, each outcome of each external
//! action, each time-out in deadline order, each parameter assignment at
//! the start — breadth-first, deduplicating states by fingerprint. It
//! either proves the properties over the whole (bounded) state space or
//! returns the shortest counter-example, as a scenario that
//! `ssm-runbook run` replays.
//!
//! - [`config`]: the YAML check configuration;
//! - [`model`]: a runbook and its environment — initial states and moves;
//! - [`property`]: properties (`never`, `always`, `sometimes`,
//!   `eventually`, `before`, `after`) over state predicates, from YAML or
//!   Rust closures;
//! - [`explore`]: the breadth-first checker and its report;
//! - [`trace`]: counter-examples, replayed and written as scenarios;
//! - [`strategies`]: proptest strategies for schedules and runbooks, and a
//!   helper that checks a property under random schedules with shrinking.
//!
//! ```
//! use std::sync::Arc;
//! use ssm_runbook_check::{check_text, explore::Verdict};
//! let runbook = "schemaVersion: '0.3'\nmainSteps:\n- name: Gate\n  action: aws:approve\n  onFailure: Continue\n  inputs: {Approvers: ['arn:aws:iam::111122223333:user/alice']}\n- name: Deploy\n  action: aws:executeAwsApi\n  inputs: {Service: ssm, Api: ListDocuments}\n";
//! let config = "properties:\n  - name: deploy only after approval\n    before:\n      first: {step: Gate, status: Success}\n      then: {step: Deploy, status: [InProgress, Success, Failed]}\n";
//! let report = check_text(runbook, config).unwrap();
//! let p = report.properties.iter().find(|p| p.name == "deploy only after approval").unwrap();
//! assert_eq!(p.verdict, Verdict::Violated); // a Reject continues to Deploy
//! let scenario = p.trace.as_ref().unwrap();
//! assert_eq!(scenario.moves.len(), 1);     // the shortest: one Reject
//! ```

pub mod config;
pub mod explore;
pub mod model;
pub mod property;
pub mod strategies;
pub mod trace;

use config::{CheckConfig, ConfigError};
use explore::{Builtins, Checker, Limits, Report};
use model::Model;
use property::Property;
use ssm_runbook_engine::runbook::Runbook;
use std::sync::Arc;
use std::time::Duration;

/// Build a checker for `runbook` from a configuration: the model, the
/// properties (checked against the runbook), the limits and built-ins.
pub fn checker(runbook: Arc<Runbook>, config: &CheckConfig) -> Result<Checker, ConfigError> {
    checker_with_documents(runbook, std::collections::BTreeMap::new(), config)
}

/// [`checker`], with the runbooks `aws:executeAutomation` steps may start
/// (by document name).
pub fn checker_with_documents(
    runbook: Arc<Runbook>,
    documents: std::collections::BTreeMap<String, Arc<Runbook>>,
    config: &CheckConfig,
) -> Result<Checker, ConfigError> {
    let mut properties = Vec::with_capacity(config.properties.len());
    for (i, value) in config.properties.iter().enumerate() {
        let p = Property::from_value(value, &runbook)
            .map_err(|e| ConfigError::new(format!("properties[{i}]: {e}")))?;
        if properties.iter().any(|q: &Property| q.name == p.name) {
            return Err(ConfigError::new(format!(
                "properties[{i}]: the name '{}' is used twice",
                p.name
            )));
        }
        properties.push(p);
    }
    let model = Model::with_documents(runbook, documents, config)?;
    let defaults = Limits::default();
    let l = &config.limits;
    let limits = Limits {
        max_depth: l.max_depth.or(defaults.max_depth),
        max_states: l.max_states.or(defaults.max_states),
        max_time: l.max_seconds.map(Duration::from_secs).or(defaults.max_time),
    };
    let b = &config.builtins;
    let mut checker = Checker::new(model).limits(limits).builtins(Builtins {
        terminates: b.terminates,
        no_internal_error: b.no_internal_error,
        invariants: b.invariants,
    });
    for p in properties {
        checker = checker.property(p);
    }
    Ok(checker)
}

/// Why a runbook could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// The runbook has errors (run `validate` for the details).
    #[error("the runbook is invalid: {0}")]
    Runbook(String),
    /// The configuration cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Check runbook text under configuration text (both YAML or JSON).
pub fn check_text(runbook: &str, config: &str) -> Result<Report, CheckError> {
    let outcome = ssm_runbook_engine::validate::validate_text(runbook);
    let first_error = outcome
        .diagnostics
        .iter()
        .find(|d| d.severity == ssm_runbook_engine::diagnostic::Severity::Error)
        .map(|d| format!("{} at {}: {}", d.code, d.path, d.message));
    let document = match (outcome.document, first_error) {
        (Some(doc), None) => doc,
        (_, Some(e)) => return Err(CheckError::Runbook(e)),
        (None, None) => return Err(CheckError::Runbook("no document".into())),
    };
    let runbook = Runbook::compile(document, "Runbook", "1")
        .map_err(|e| CheckError::Runbook(e.to_string()))?;
    let config = CheckConfig::from_yaml(config)?;
    Ok(checker(Arc::new(runbook), &config)?.run(None))
}
