//! The execution as SSM's API shows it: the `AutomationExecution` object of
//! GetAutomationExecution, with SSM's member names and enum values.
//!
//! Only the shapes are decided here (which members appear when, how values
//! are encoded); see docs/semantics.md for the evidence behind each choice.

use super::machine::Execution;
use super::status::Status;
use super::types::StepExecution;
use crate::document::OnFailure;
use crate::interpolate;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

/// The placeholder SSM reports for an output whose step has not succeeded.
pub const NO_OUTPUT_YET: &str =
    "No output available yet because the step is not successfully executed";

fn epoch(t: crate::clock::SimTime) -> Value {
    json!(t.epoch_seconds())
}

fn wire_map(values: impl IntoIterator<Item = (String, Value)>) -> Value {
    let typed: IndexMap<String, Value> = values.into_iter().collect();
    let wire = interpolate::wire_outputs(&typed);
    Value::Object(wire.into_iter().map(|(k, v)| (k, json!(v))).collect())
}

impl Execution {
    /// The `AutomationExecution` object, as GetAutomationExecution returns it.
    pub fn to_api(&self) -> Value {
        let doc = &self.fixed.runbook.document;
        let mut m = Map::new();
        m.insert(
            "AutomationExecutionId".into(),
            json!(self.fixed.config.execution_id),
        );
        m.insert("DocumentName".into(), json!(self.fixed.runbook.name));
        m.insert("DocumentVersion".into(), json!(self.fixed.runbook.version));
        if let Some(t) = self.start_time {
            m.insert("ExecutionStartTime".into(), epoch(t));
        }
        if let Some(t) = self.end_time {
            m.insert("ExecutionEndTime".into(), epoch(t));
        }
        m.insert(
            "AutomationExecutionStatus".into(),
            json!(self.status.as_str()),
        );
        m.insert(
            "StepExecutions".into(),
            Value::Array(
                self.step_executions()
                    .map(|s| self.step_to_api(&s))
                    .collect(),
            ),
        );
        m.insert("StepExecutionsTruncated".into(), json!(false));
        let parameters = doc
            .parameters
            .keys()
            .filter_map(|k| self.fixed.parameters.get(k).map(|v| (k.clone(), v.clone())));
        m.insert("Parameters".into(), wire_map(parameters));
        m.insert("Outputs".into(), self.outputs_to_api());
        if let Some(msg) = &self.failure_message {
            if matches!(self.status, Status::Failed | Status::TimedOut) {
                m.insert("FailureMessage".into(), json!(msg));
            }
        }
        m.insert("Mode".into(), json!(self.mode.as_str()));
        if let Some(parent) = &self.fixed.config.parent_execution_id {
            m.insert("ParentAutomationExecutionId".into(), json!(parent));
        }
        m.insert("ExecutedBy".into(), json!(self.fixed.config.executed_by));
        if let Some(current) = self.current_step() {
            m.insert("CurrentStepName".into(), json!(current.step_name));
            m.insert("CurrentAction".into(), json!(current.action));
        }
        m.insert("Targets".into(), json!([]));
        m.insert(
            "ResolvedTargets".into(),
            json!({"ParameterValues": [], "Truncated": false}),
        );
        if !doc.variables.is_empty() {
            let vars = doc
                .variables
                .keys()
                .filter_map(|k| self.variables.get(k).map(|v| (k.clone(), v.clone())));
            m.insert("Variables".into(), wire_map(vars));
        }
        Value::Object(m)
    }

    /// Every value of the execution's `Outputs`, flat, in declaration order:
    /// what a parent's `aws:executeAutomation` step reports as `Output`.
    pub fn output_values(&self) -> Vec<String> {
        match self.outputs_to_api() {
            Value::Object(map) => map
                .into_iter()
                .flat_map(|(_, v)| match v {
                    Value::Array(items) => items,
                    _ => Vec::new(),
                })
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The execution's `Outputs`: every declared top-level output.
    fn outputs_to_api(&self) -> Value {
        let mut out = Map::new();
        for name in &self.fixed.runbook.document.outputs {
            let Some((step, output)) = name.split_once('.') else {
                continue;
            };
            let produced = self
                .steps
                .iter()
                .rev()
                .find(|s| *s.step_name == *step && s.status == Status::Success)
                .and_then(|s| s.outputs.get(output));
            let values = match produced {
                Some(v) => {
                    interpolate::wire_outputs(&IndexMap::from([(output.to_owned(), v.clone())]))
                        .into_values()
                        .next()
                        .unwrap_or_default()
                }
                None => vec![NO_OUTPUT_YET.to_owned()],
            };
            out.insert(name.clone(), json!(values));
        }
        Value::Object(out)
    }

    /// One `StepExecution` object.
    pub fn step_to_api(&self, se: &StepExecution) -> Value {
        let step = &self.fixed.runbook.step(se.step).step;
        let mut m = Map::new();
        m.insert("StepName".into(), json!(se.step_name));
        m.insert("Action".into(), json!(se.action));
        if let Some(t) = step.timeout_seconds {
            m.insert("TimeoutSeconds".into(), json!(t));
        }
        if let Some(f) = &step.on_failure {
            m.insert("OnFailure".into(), json!(f.as_written()));
        }
        if let Some(n) = step.max_attempts {
            m.insert("MaxAttempts".into(), json!(n));
        }
        if let Some(t) = se.start_time {
            m.insert("ExecutionStartTime".into(), epoch(t));
        }
        if let Some(t) = se.end_time {
            m.insert("ExecutionEndTime".into(), epoch(t));
        }
        m.insert("StepStatus".into(), json!(se.status.as_str()));
        let typed: IndexMap<String, Value> = se
            .inputs
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        m.insert("Inputs".into(), json!(interpolate::wire_inputs(&typed)));
        if se.status != Status::Pending {
            m.insert("Outputs".into(), wire_map(se.outputs.clone()));
        }
        if let Some(r) = &se.response {
            m.insert("Response".into(), json!(r));
        }
        if let Some(msg) = &se.failure_message {
            m.insert("FailureMessage".into(), json!(msg));
        }
        if let Some(d) = &se.failure_details {
            m.insert(
                "FailureDetails".into(),
                json!({"FailureStage": d.stage.as_str(), "FailureType": d.failure_type.as_str(), "Details": d.details}),
            );
        }
        m.insert("StepExecutionId".into(), json!(se.id));
        m.insert("OverriddenParameters".into(), json!({}));
        if let Some(e) = step.is_end {
            m.insert("IsEnd".into(), json!(e));
        }
        if let Some(n) = &step.next_step {
            m.insert("NextStep".into(), json!(n));
        }
        if let Some(c) = step.is_critical {
            m.insert("IsCritical".into(), json!(c));
        }
        if let Some(v) = &se.valid_next_steps {
            m.insert("ValidNextSteps".into(), json!(v));
        }
        if let Some(p) = &se.parent {
            let mut pm = json!({"StepExecutionId": p.step_execution_id, "StepName": p.step_name, "Action": p.action, "Iteration": p.iteration});
            if let Some(v) = &p.iterator_value {
                pm["IteratorValue"] = json!(v);
            }
            m.insert("ParentStepDetails".into(), pm);
        }
        let _ = OnFailure::Abort;
        Value::Object(m)
    }
}
