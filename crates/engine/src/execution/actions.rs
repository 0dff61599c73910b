//! What each action does when its step starts, when its answer arrives,
//! and when a loop body completes.
//!
//! Control-flow actions (approve, pause, sleep, branch, loop,
//! updateVariable, executeAutomation) are carried out here; every other
//! action becomes an [`ActionRequest`] for the driver, and its
//! [`Outcome`] is turned into outputs (built-in and selected) or a failure.

use super::conditions;
use super::events::Events;
use super::ids::Id;
use super::machine::{Execution, LoopFrame, Phase, StepEnd};
use super::memo::Branched;
use super::status::{FailureStage, FailureType, Status};
use super::types::*;
use crate::clock::{DurationMs, SimTime};
use crate::document::{Action, ActionKind, Sleep};
use crate::interpolate::{self, Scope};
use crate::runbook::Successor;
use crate::selector;
use crate::value::ValueType;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How long `aws:waitForAwsResourceProperty` waits between polls.
pub const POLL_INTERVAL_MS: i64 = 30_000;
/// The default and largest `MaxIterations` of `aws:loop`.
pub const MAX_LOOP_ITERATIONS: u32 = 100;

/// Values a step can read: parameters, outputs, variables, system variables.
pub(crate) struct ExecScope<'a> {
    pub ex: &'a Execution,
    pub now: SimTime,
}

impl Scope for ExecScope<'_> {
    fn parameter(&self, name: &str) -> Option<Value> {
        self.ex.fixed.parameters.get(name).cloned()
    }

    fn step_output(&self, step: &str, output: &str) -> Option<Value> {
        if let Some(frame) = self
            .ex
            .loops
            .iter()
            .rev()
            .find(|f| *self.ex.steps[f.exec].step_name == *step)
        {
            match output {
                "CurrentIteration" => return Some(json!(frame.iteration)),
                "CurrentIteratorValue" => {
                    return frame
                        .items
                        .as_ref()
                        .and_then(|i| i.get(frame.iteration as usize - 1))
                        .map(|v| json!(v));
                }
                _ => {}
            }
        }
        self.ex
            .steps
            .iter()
            .rev()
            .filter(|s| *s.step_name == *step)
            .find_map(|s| s.outputs.get(output).cloned())
    }

    fn variable(&self, name: &str) -> Option<Value> {
        self.ex.variables.get(name).cloned()
    }

    fn system(&self, prefix: &str, name: &str) -> Option<Value> {
        let (y, mo, d, h, mi, s) = self.now.civil();
        let cfg = &self.ex.fixed.config;
        Some(Value::String(match (prefix, name) {
            ("automation", "EXECUTION_ID") => cfg.execution_id.clone(),
            ("global", "ACCOUNT_ID") => cfg.account_id.to_string(),
            ("global", "REGION") => cfg.region.to_string(),
            ("global", "AWS_PARTITION") => cfg.partition.to_string(),
            ("global", "DATE") => format!("{y:04}-{mo:02}-{d:02}"),
            ("global", "DATE_TIME") => format!("{y:04}-{mo:02}-{d:02}_{h:02}.{mi:02}.{s:02}"),
            _ => return None,
        }))
    }
}

/// The values the placeholders of a step's inputs reference, in
/// resolution order: what its resolved inputs are a function of. `None`
/// when they may depend on more (a Parameter Store reference, a nesting
/// `resolve` rejects) or a reference has no value (resolving then fails,
/// or falls back to the value as written): such a start resolves afresh.
fn referenced_values(
    templates: &[(String, interpolate::Template)],
    scope: &ExecScope<'_>,
) -> Option<Vec<Value>> {
    let mut values = Vec::new();
    let complete = templates.iter().all(|(_, template)| {
        template.each_reference(
            &mut |reference| match interpolate::lookup(reference, scope) {
                Some(value) => {
                    values.push(value);
                    true
                }
                None => false,
            },
        )
    });
    complete.then_some(values)
}

/// What a successful response of an external action means.
enum Verdict {
    /// The step succeeded with these outputs.
    Outputs(Vec<(String, Value)>),
    /// `aws:waitForAwsResourceProperty`: not yet; poll again.
    Poll,
    /// The attempt failed after all.
    Fail(StepEnd),
}

fn input_failure(message: impl std::fmt::Display) -> StepEnd {
    StepEnd::Failed {
        stage: FailureStage::InputValidation,
        failure_type: FailureType::Action,
        message: format!(
            "Step fails when it is validating and resolving the step inputs. {message}"
        ),
    }
}

impl Execution {
    fn scope(&self, now: SimTime) -> ExecScope<'_> {
        ExecScope { ex: self, now }
    }

    /// The inputs of the steps whose inputs read only what is fixed once
    /// the execution has started (`start_fixed`), resolved now; `None` for
    /// the other steps, and for one whose inputs do not resolve (its run
    /// will resolve them again, and fail as it would have).
    pub(crate) fn resolve_fixed_inputs(&self, now: SimTime) -> Arc<[Option<Inputs>]> {
        let steps = self.fixed.runbook.steps();
        if !steps.iter().any(|flat| flat.start_fixed) {
            return Arc::from([]);
        }
        let scope = self.scope(now);
        steps
            .iter()
            .map(|flat| {
                if !flat.start_fixed {
                    return None;
                }
                let resolved: Result<BTreeMap<String, Value>, _> = flat
                    .input_templates
                    .iter()
                    .map(|(key, template)| Ok((key.clone(), template.resolve(&scope)?)))
                    .collect::<Result<_, interpolate::Unresolved>>();
                resolved.ok().map(|map| Arc::new(map.into()))
            })
            .collect()
    }

    /// Resolve the step's inputs and record them on the step. The parts
    /// evaluated lazily (branch choices, loop conditions) are resolved
    /// only for the record, where they can be, and never fail the step.
    fn resolve_inputs(&mut self, exec: usize, now: SimTime) -> Result<Inputs, StepEnd> {
        let ix = self.steps[exec].step;
        if self.shared_inputs(ix).is_some() {
            // The record was made with them (`begin_step`).
            return Ok(Arc::clone(&self.steps[exec].inputs));
        }
        let flat = self.fixed.runbook.step(ix);
        let scope = self.scope(now);
        let read = referenced_values(&flat.input_templates, &scope);
        if let Some(read) = &read {
            if let Some(known) = self.fixed.memo.get(ix, read) {
                self.steps[exec].inputs = Arc::clone(&known);
                return Ok(known);
            }
        }
        let lazy = matches!(flat.step.action, Action::Branch(_) | Action::Loop(_));
        let mut resolved = BTreeMap::new();
        for (key, template) in flat.input_templates.iter() {
            let value = if lazy && matches!(key.as_str(), "Choices" | "LoopCondition") {
                // Shown resolved where possible; evaluated later, one
                // choice (or one iteration) at a time, from the template.
                template
                    .resolve(&scope)
                    .unwrap_or_else(|_| template.raw().clone())
            } else {
                template
                    .resolve(&scope)
                    .map_err(|e| input_failure(within_input(key, e)))?
            };
            resolved.insert(key.clone(), value);
        }
        // One map for the record and the action: a branch reads nothing
        // of it, a loop only `Iterators` and `MaxIterations`.
        let resolved: Inputs = Arc::new(resolved.into());
        if let Some(read) = read {
            self.fixed.memo.put(ix, read, &resolved);
        }
        self.steps[exec].inputs = Arc::clone(&resolved);
        Ok(resolved)
    }

    /// Start the action of the step on top of the active stack.
    pub(crate) fn start_action(
        &mut self,
        exec: usize,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Option<Successor> {
        let inputs = match self.resolve_inputs(exec, now) {
            Ok(i) => i,
            Err(end) => return self.finish_step(end, now, ev),
        };
        let ix = self.steps[exec].step;
        if matches!(
            self.fixed.runbook.step(ix).step.action,
            Action::Api(..) | Action::External(..) | Action::Internal { .. }
        ) {
            // The common case, which needs nothing of the action's inputs.
            self.request_action_with(exec, Some(inputs), ev);
            return None;
        }
        let runbook = std::sync::Arc::clone(&self.fixed.runbook);
        match &runbook.step(ix).step.action {
            Action::Approve(_) => self.start_approval(exec, &inputs, now, ev),
            Action::Pause { .. } => {
                self.set_phase(Phase::Paused);
                self.wait(exec, ev);
                None
            }
            Action::Sleep(sleep) => self.start_sleep(sleep, &inputs, now, ev),
            Action::Branch(b) => {
                let branched = match self.fixed.memo.branched(ix, &inputs) {
                    Some(known) => known,
                    None => {
                        let branched = self.branch(b, now);
                        self.fixed.memo.put_branched(ix, &inputs, &branched);
                        branched
                    }
                };
                let chosen = match branched {
                    Branched::Failed(e) => return self.finish_step(input_failure(e), now, ev),
                    Branched::Chose(chosen, outputs) => {
                        if chosen.is_some() {
                            // A branch's record has no other output.
                            self.steps[exec].outputs = outputs;
                        }
                        chosen
                    }
                };
                let next = chosen.and_then(|n| self.fixed.runbook.index_of(&n));
                self.finish_step(StepEnd::Success { next }, now, ev)
            }
            Action::Loop(_) => self.start_loop(exec, ix, &inputs, now, ev),
            Action::UpdateVariable(u) => {
                let value = inputs.get("Value").cloned().unwrap_or(Value::Null);
                let declared = self
                    .fixed
                    .runbook
                    .document
                    .variables
                    .get(&u.name)
                    .and_then(|v| v.ty);
                match declared {
                    Some(ty) if ty.admits(&value) => {
                        self.variables.insert(u.name.clone(), value);
                        self.finish_step(StepEnd::Success { next: None }, now, ev)
                    }
                    Some(ty) => self.finish_step(
                        input_failure(format!(
                            "variable {} is {ty}; the value {value} is not",
                            u.name
                        )),
                        now,
                        ev,
                    ),
                    None => self.finish_step(
                        input_failure(format!("variable {} is not declared", u.name)),
                        now,
                        ev,
                    ),
                }
            }
            Action::ExecuteAutomation(_) => self.start_child(exec, &inputs, now, ev),
            Action::Api(..) | Action::External(..) | Action::Internal { .. } => {
                self.request_action_with(exec, Some(inputs), ev);
                None
            }
            Action::Invalid { .. } => {
                self.finish_step(input_failure("the step has no valid action"), now, ev)
            }
        }
    }

    /// Evaluate a branch's choices in order: the first that holds, else
    /// the default, with the outputs the choice gives the step.
    fn branch(&self, b: &crate::document::Branch, now: SimTime) -> Branched {
        let scope = self.scope(now);
        let mut chosen = None;
        for choice in &b.choices {
            match conditions::evaluate(&choice.condition, &scope) {
                Ok(true) => {
                    chosen = Some(choice.next_step.clone());
                    break;
                }
                Ok(false) => {}
                Err(e) => return Branched::Failed(e),
            }
        }
        let chosen = chosen.or(b.default.clone());
        let mut outputs = Outputs::default();
        if let Some(name) = &chosen {
            outputs.insert("NextStep", json!(name));
            outputs.insert(
                "OutputPayload",
                json!(json!({"NextStep": name}).to_string()),
            );
        }
        Branched::Chose(chosen, outputs)
    }

    /// Ask the driver to perform the step's external action (once more).
    fn request_action(&mut self, exec: usize, ev: &mut Events<'_>) {
        self.request_action_with(exec, None, ev);
    }

    /// [`Self::request_action`], moving the just-resolved `inputs` into the
    /// request instead of copying the step record's.
    fn request_action_with(&mut self, exec: usize, inputs: Option<Inputs>, ev: &mut Events<'_>) {
        let request_id = self.ids.next_id();
        self.set_phase(Phase::Action { request_id });
        self.steps[exec].requests += 1;
        if ev.reports() {
            let request = match inputs {
                Some(inputs) => self.request_without_inputs(exec, request_id, inputs),
                None => self.request_for(exec, request_id),
            };
            ev.push(Event::ActionRequested(request));
        }
    }

    /// Start another attempt (or poll) of an external action.
    pub(crate) fn retry_action(
        &mut self,
        exec: usize,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Option<Successor> {
        match &self.fixed.runbook.step(self.steps[exec].step).step.action {
            Action::Api(..) | Action::External(..) | Action::Internal { .. } => {
                self.request_action(exec, ev);
                None
            }
            _ => self.start_action(exec, now, ev),
        }
    }

    fn set_phase(&mut self, phase: Phase) {
        if let Some(a) = self.active.last_mut() {
            a.phase = phase;
        }
    }

    fn wait(&mut self, exec: usize, ev: &mut Events<'_>) {
        self.set_step_status(exec, Status::Waiting, ev);
        if self.status == Status::InProgress {
            self.set_status(Status::Waiting, ev);
        }
    }

    fn start_approval(
        &mut self,
        exec: usize,
        inputs: &BTreeMap<String, Value>,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Option<Successor> {
        let approvers: Arc<[String]> = match inputs.get("Approvers") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect(),
            Some(Value::String(s)) => Arc::from([s.clone()]),
            _ if inputs.contains_key("EnhancedApprovals") => Arc::from([]),
            _ => {
                return self.finish_step(
                    input_failure("Approvers must list at least one approver"),
                    now,
                    ev,
                );
            }
        };
        let min = match inputs.get("MinRequiredApprovals") {
            None => 1,
            Some(v) => match v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            {
                Some(n) if n >= 1 => u32::try_from(n).unwrap_or(u32::MAX),
                _ => {
                    return self.finish_step(
                        input_failure(format!(
                            "MinRequiredApprovals {v} is not a whole number of at least 1"
                        )),
                        now,
                        ev,
                    );
                }
            },
        };
        if approvers.len() > 10 || (min as usize) > approvers.len().max(1) {
            return self.finish_step(
                input_failure(format!("{} approvers with MinRequiredApprovals {min}: at most 10 approvers, and no more required than listed", approvers.len())),
                now,
                ev,
            );
        }
        self.set_phase(Phase::Approval {
            approvers,
            min,
            decisions: Arc::from([]),
        });
        self.steps[exec]
            .outputs
            .insert("ApprovalStatus", json!("Waiting"));
        self.wait(exec, ev);
        None
    }

    fn start_sleep(
        &mut self,
        sleep: &Sleep,
        inputs: &BTreeMap<String, Value>,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Option<Successor> {
        let wake = match sleep {
            Sleep::Duration(_) => {
                let text = inputs
                    .get("Duration")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                match DurationMs::parse(text) {
                    Ok(d) if d.0 >= 0 => now.plus(d),
                    Ok(_) => {
                        return self.finish_step(
                            input_failure(format!("Duration {text} is negative")),
                            now,
                            ev,
                        );
                    }
                    Err(e) => return self.finish_step(input_failure(e), now, ev),
                }
            }
            Sleep::Timestamp(_) => {
                let text = inputs
                    .get("Timestamp")
                    .or(inputs.get("TimeStamp"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                match SimTime::parse_rfc3339(text) {
                    Ok(t) => t,
                    Err(e) => return self.finish_step(input_failure(e), now, ev),
                }
            }
            Sleep::Missing => {
                return self.finish_step(
                    input_failure("aws:sleep needs a Duration or a Timestamp"),
                    now,
                    ev,
                );
            }
        };
        if wake <= now {
            return self.finish_step(StepEnd::Success { next: None }, now, ev);
        }
        self.set_phase(Phase::Sleeping { wake });
        None
    }

    fn start_loop(
        &mut self,
        exec: usize,
        ix: usize,
        inputs: &BTreeMap<String, Value>,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Option<Successor> {
        let max = match inputs.get("MaxIterations") {
            None => MAX_LOOP_ITERATIONS,
            Some(v) => match v
                .as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            {
                Some(n) if (1..=u64::from(MAX_LOOP_ITERATIONS)).contains(&n) => n as u32,
                _ => {
                    return self.finish_step(
                        input_failure(format!("MaxIterations {v} is not between 1 and 100")),
                        now,
                        ev,
                    );
                }
            },
        };
        let items = match inputs.get("Iterators") {
            None => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect::<Arc<[String]>>(),
            ),
            Some(other) => {
                return self.finish_step(
                    input_failure(format!("Iterators must be a list, not {other}")),
                    now,
                    ev,
                );
            }
        };
        let body = self.fixed.runbook.step(ix).body.clone();
        if items.as_ref().is_some_and(|i| i.is_empty()) || body.is_empty() {
            return self.finish_step(StepEnd::Success { next: None }, now, ev);
        }
        self.set_phase(Phase::LoopBody);
        self.loops.push(LoopFrame {
            exec,
            step: ix,
            iteration: 1,
            items,
            max,
        });
        self.record_loop_outputs(exec);
        Some(Successor::Step(body[0]))
    }

    fn record_loop_outputs(&mut self, exec: usize) {
        let Some(frame) = self.loops.last() else {
            return;
        };
        let value = frame
            .items
            .as_ref()
            .and_then(|i| i.get(frame.iteration as usize - 1))
            .cloned();
        let iteration = frame.iteration;
        let outputs = &mut self.steps[exec].outputs;
        outputs.insert("CurrentIteration", json!(iteration));
        if let Some(v) = value {
            outputs.insert("CurrentIteratorValue", json!(v));
        }
    }

    /// The body of loop `loop_ix` ran to its end: iterate again or finish.
    pub(crate) fn loop_body_done(
        &mut self,
        loop_ix: usize,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Option<Successor> {
        let frame = self.loops.last()?;
        if frame.step != loop_ix {
            return None;
        }
        let (iteration, max, exec) = (frame.iteration, frame.max, frame.exec);
        let again = match frame.items.as_ref().map(|i| i.len()) {
            Some(count) => (iteration as usize) < count,
            None => {
                let Action::Loop(l) = &self.fixed.runbook.step(loop_ix).step.action else {
                    return None;
                };
                match l
                    .loop_condition
                    .as_ref()
                    .map(|c| conditions::evaluate(c, &self.scope(now)))
                {
                    Some(Ok(b)) => b,
                    Some(Err(e)) => {
                        self.loops.pop();
                        return self.finish_step(input_failure(e), now, ev);
                    }
                    None => false,
                }
            }
        };
        if again && iteration < max {
            if let Some(f) = self.loops.last_mut() {
                f.iteration += 1;
            }
            self.record_loop_outputs(exec);
            return self
                .fixed
                .runbook
                .step(loop_ix)
                .body
                .first()
                .map(|b| Successor::Step(*b));
        }
        self.loops.pop();
        self.finish_step(StepEnd::Success { next: None }, now, ev)
    }

    fn start_child(
        &mut self,
        exec: usize,
        inputs: &BTreeMap<String, Value>,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Option<Successor> {
        if self.fixed.config.depth + 1 > self.fixed.config.limits.max_child_depth {
            let limit = self.fixed.config.limits.max_child_depth;
            ev.push(Event::LimitExceeded {
                limit: "max_child_depth",
                value: u64::from(limit),
            });
            return self.finish_step(
                StepEnd::Failed {
                    stage: FailureStage::PreVerification,
                    failure_type: FailureType::Internal,
                    message: format!(
                        "child executions nest deeper than {limit} (limit max_child_depth)"
                    ),
                },
                now,
                ev,
            );
        }
        let Some(document_name) = inputs
            .get("DocumentName")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return self.finish_step(input_failure("DocumentName must be a string"), now, ev);
        };
        let mut parameters = Payload::new();
        if let Some(Value::Object(map)) = inputs.get("RuntimeParameters") {
            for (k, v) in map {
                let values = match v {
                    Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                        .collect(),
                    Value::String(s) => vec![s.clone()],
                    other => vec![other.to_string()],
                };
                parameters.insert(k.clone(), values);
            }
        }
        let request_id = self.ids.next_id();
        let execution_id = self.ids.next_id();
        self.set_phase(Phase::Child {
            request_id,
            execution_id,
        });
        ev.push(Event::ChildRequested(Box::new(ChildRequest {
            request_id,
            execution_id,
            step_name: self.steps[exec].step_name.to_string(),
            document_name,
            document_version: inputs
                .get("DocumentVersion")
                .and_then(Value::as_str)
                .map(str::to_owned),
            parameters,
        })));
        None
    }

    pub(crate) fn action_finished(
        &mut self,
        request_id: Id,
        outcome: Outcome,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        let exec = match self.active.last() {
            Some(active) if matches!(&active.phase, Phase::Action { request_id: r } if *r == request_id) => {
                active.exec
            }
            _ => return Err(Refusal::unknown_request(request_id)),
        };
        match outcome {
            Outcome::Success { response } => self.action_succeeded(exec, response, now, ev),
            Outcome::Failure {
                failure_type,
                stage,
                message,
            } => self.attempt_failed(
                StepEnd::Failed {
                    stage,
                    failure_type,
                    message,
                },
                now,
                ev,
            ),
            Outcome::TimedOut => self.attempt_failed(
                StepEnd::TimedOut {
                    message: "Step timed out while step is waiting for the action to complete."
                        .into(),
                },
                now,
                ev,
            ),
        }
        Ok(())
    }

    fn action_succeeded(
        &mut self,
        exec: usize,
        response: Value,
        now: SimTime,
        ev: &mut Events<'_>,
    ) {
        match self.read_response(exec, &response) {
            Verdict::Poll => self.set_phase(Phase::PollWait {
                wake: now.plus(DurationMs(POLL_INTERVAL_MS)),
            }),
            Verdict::Fail(end) => self.attempt_failed(end, now, ev),
            Verdict::Outputs(outputs) => {
                if !outputs.is_empty() {
                    self.steps[exec].outputs.extend(outputs);
                }
                if let Some(next) = self.finish_step(StepEnd::Success { next: None }, now, ev) {
                    self.goto(next, now, ev);
                }
            }
        }
    }

    /// What a successful response means for step execution `exec`: its
    /// outputs, another poll, or a failure (a property not as desired, a
    /// Lambda function error, an output of the wrong type).
    fn read_response(&self, exec: usize, response: &Value) -> Verdict {
        let step = &self.fixed.runbook.step(self.steps[exec].step).step;
        let kind = step.action.kind();
        if let (
            Some(
                k
                @ (ActionKind::AssertAwsResourceProperty | ActionKind::WaitForAwsResourceProperty),
            ),
            Action::Api(_, call),
        ) = (kind, &step.action)
        {
            let selector_text = call
                .property_selector
                .as_ref()
                .and_then(Value::as_str)
                .unwrap_or("$");
            let desired = self.steps[exec]
                .inputs
                .get("DesiredValues")
                .cloned()
                .unwrap_or(Value::Null);
            let actual = selector::select(response, selector_text).ok().flatten();
            if !matches_desired(actual.as_ref(), &desired) {
                if k == ActionKind::WaitForAwsResourceProperty {
                    return Verdict::Poll;
                }
                let shown = actual.map_or_else(|| "nothing".to_owned(), |v| v.to_string());
                return Verdict::Fail(StepEnd::Failed {
                    stage: FailureStage::PostVerification,
                    failure_type: FailureType::Verification,
                    message: format!(
                        "Step fails when it is verifying the property. {selector_text} is {shown}, not one of the desired values {desired}."
                    ),
                });
            }
        }
        if kind == Some(ActionKind::InvokeLambdaFunction) {
            if let Some(error) = response
                .get("FunctionError")
                .and_then(Value::as_str)
                .filter(|e| !e.is_empty())
            {
                return Verdict::Fail(StepEnd::Failed {
                    stage: FailureStage::Invocation,
                    failure_type: FailureType::Action,
                    message: format!(
                        "Step fails when it is invoking the function. The function returned FunctionError {error}."
                    ),
                });
            }
        }
        // Most responses give no output: nothing is allocated for them.
        let mut outputs = Vec::new();
        if let Some(k) = kind {
            for (name, ty) in k.builtin_outputs() {
                if let Some(v) = response.get(*name) {
                    if let Ok(v) = selector::convert(v, *ty) {
                        outputs.push(((*name).to_owned(), v));
                    }
                }
            }
        }
        if let Some(v) = response.get("OutputPayload") {
            outputs.push((
                "OutputPayload".to_owned(),
                selector::convert(v, ValueType::String).unwrap_or(Value::Null),
            ));
        }
        for out in &step.outputs {
            let selected = match selector::select(response, &out.selector) {
                Ok(v) => v,
                Err(e) => return Verdict::Fail(output_failure(&out.name, e)),
            };
            let Some(value) = selected else { continue };
            match selector::convert(&value, out.ty.unwrap_or(ValueType::String)) {
                Ok(v) => outputs.push((out.name.clone(), v)),
                Err(e) => return Verdict::Fail(output_failure(&out.name, e)),
            }
        }
        Verdict::Outputs(outputs)
    }

    pub(crate) fn child_not_started(
        &mut self,
        request_id: Id,
        reason: &str,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        if !matches!(self.active.last().map(|a| &a.phase), Some(Phase::Child { request_id: r, .. }) if *r == request_id)
        {
            return Err(Refusal::unknown_request(request_id));
        }
        let end = StepEnd::Failed {
            stage: FailureStage::PreVerification,
            failure_type: FailureType::Action,
            message: format!("Step fails when it is starting the child automation. {reason}"),
        };
        if let Some(next) = self.finish_step(end, now, ev) {
            self.goto(next, now, ev);
        }
        Ok(())
    }

    pub(crate) fn child_finished(
        &mut self,
        request_id: Id,
        execution_id: &str,
        status: Status,
        output: Vec<String>,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        let exec = match self.active.last() {
            Some(active) if matches!(&active.phase, Phase::Child { request_id: r, .. } if *r == request_id) => {
                active.exec
            }
            _ => return Err(Refusal::unknown_request(request_id)),
        };
        let outputs = &mut self.steps[exec].outputs;
        outputs.insert("Output", json!(output));
        outputs.insert("ExecutionId", json!(execution_id));
        outputs.insert("Status", json!(status.as_str()));
        let end = if status == Status::Success {
            StepEnd::Success { next: None }
        } else {
            StepEnd::Failed {
                stage: FailureStage::Invocation,
                failure_type: FailureType::Action,
                message: format!(
                    "Step fails when it is running the child automation. Child execution {execution_id} ended {status}."
                ),
            }
        };
        match end {
            StepEnd::Success { .. } => {
                if let Some(next) = self.finish_step(end, now, ev) {
                    self.goto(next, now, ev);
                }
            }
            other => self.attempt_failed(other, now, ev),
        }
        Ok(())
    }
}

/// The error with its path starting at the input's name (`InstanceIds[0]`, not `[0]`).
fn within_input(key: &str, mut error: interpolate::Unresolved) -> interpolate::Unresolved {
    let mut path = crate::path::Path::root().key(key);
    for segment in error.path.segments() {
        path = match segment {
            crate::path::Segment::Key(k) => path.key(k.clone()),
            crate::path::Segment::Index(i) => path.index(*i),
        };
    }
    error.path = path;
    error
}

fn output_failure(name: &str, error: impl std::fmt::Display) -> StepEnd {
    StepEnd::Failed {
        stage: FailureStage::PostVerification,
        failure_type: FailureType::Action,
        message: format!("Step fails when it is reading output {name}. {error}"),
    }
}

/// Whether a selected value is among the desired values (compared as text;
/// booleans also as `True`/`False`).
fn matches_desired(actual: Option<&Value>, desired: &Value) -> bool {
    let Some(actual) = actual else { return false };
    let texts: Vec<String> = match actual {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        other => vec![scalar_text(other)],
    };
    let wanted: Vec<String> = match desired {
        Value::Array(items) => items.iter().map(scalar_text).collect(),
        other => vec![scalar_text(other)],
    };
    texts.iter().any(|t| {
        wanted.iter().any(|w| {
            w == t || (w.eq_ignore_ascii_case(t) && matches!(t.as_str(), "true" | "false"))
        })
    })
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Refusal {
    pub(crate) fn unknown_request(request_id: Id) -> Self {
        Refusal {
            exception: Exception::UnknownRequest,
            message: format!("no pending request has id {request_id}"),
        }
    }
}
