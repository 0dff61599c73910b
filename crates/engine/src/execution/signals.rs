//! SendAutomationSignal and StopAutomationExecution: which signals fit the
//! execution's state, what they do, and SSM's exception when they do not.
//!
//! A refused signal or stop changes nothing; the caller gets a
//! [`Refusal`] naming the SSM exception.

use super::events::Events;
use super::machine::{Decision, Execution, Phase, StepEnd};
use super::status::{FailureStage, FailureType, Mode, SignalType, Status, StopType};
use super::types::*;
use crate::clock::{DurationMs, SimTime};
use crate::runbook::Successor;
use serde_json::json;
use std::sync::Arc;

/// Whether a caller counts as a listed approver: the same ARN; a user name
/// matching the last part of a user ARN; or an assumed-role session of a
/// listed role.
///
/// ```
/// use ssm_runbook_engine::execution::principal_matches;
/// assert!(principal_matches("alice", "arn:aws:iam::111122223333:user/alice"));
/// assert!(principal_matches("arn:aws:iam::111122223333:role/Ops",
///     "arn:aws:sts::111122223333:assumed-role/Ops/session-1"));
/// assert!(!principal_matches("arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/bob"));
/// ```
pub fn principal_matches(approver: &str, principal: &str) -> bool {
    if approver == principal {
        return true;
    }
    if !approver.starts_with("arn:") {
        return principal.rsplit(['/', ':']).next() == Some(approver)
            && principal.contains(":user/")
            || principal == approver;
    }
    // arn:aws:iam::ACCOUNT:role/NAME  ~  arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION
    // (a quick look first: most callers are users, not role sessions).
    if !principal.contains(":assumed-role/") {
        return false;
    }
    let role = approver
        .split_once(":role/")
        .map(|(prefix, name)| (prefix.rsplit(':').nth(1), name));
    let assumed = principal
        .split_once(":assumed-role/")
        .map(|(prefix, rest)| (prefix.rsplit(':').nth(1), rest.split('/').next()));
    match (role, assumed) {
        (Some((acct_a, name_a)), Some((acct_b, Some(name_b)))) => {
            acct_a == acct_b && name_a.rsplit('/').next() == Some(name_b)
        }
        _ => false,
    }
}

fn payload_value<'p>(payload: &'p Payload, key: &str) -> Option<&'p str> {
    payload.get(key).and_then(|v| v.first()).map(String::as_str)
}

impl Execution {
    pub(crate) fn signal(
        &mut self,
        signal: SignalType,
        payload: &Payload,
        principal: &str,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        if self.status.is_terminal() || self.status == Status::Pending {
            return Err(Refusal::signal(format!(
                "execution {} is {}; it accepts no signal",
                self.fixed.config.execution_id, self.status
            )));
        }
        if self.signals >= self.fixed.config.limits.max_signals {
            return Err(Refusal::signal(format!(
                "execution {} has received {} signals (limit max_signals)",
                self.fixed.config.execution_id, self.fixed.config.limits.max_signals
            )));
        }
        match signal {
            SignalType::Approve | SignalType::Reject => {
                self.decide(signal == SignalType::Approve, payload, principal, now, ev)?
            }
            SignalType::Resume => self.resume(payload, now, ev)?,
            SignalType::StartStep => self.start_step(payload, now, ev)?,
            SignalType::StopStep => self.stop_step(payload, now, ev)?,
            SignalType::Revoke => {
                return Err(Refusal::signal(
                    "Revoke applies to just-in-time access requests, not to runbook executions",
                ));
            }
        }
        self.signals += 1;
        if ev.reports() {
            ev.push_first(Event::SignalAccepted {
                signal,
                principal: principal.to_owned(),
            });
        }
        Ok(())
    }

    fn decide(
        &mut self,
        approve: bool,
        _payload: &Payload,
        principal: &str,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        let Some(active) = self.active.last() else {
            return Err(Refusal::signal(
                "no aws:approve step is waiting for a decision",
            ));
        };
        let exec = active.exec;
        let Phase::Approval {
            approvers,
            min,
            decisions,
        } = &active.phase
        else {
            return Err(Refusal::signal(
                "no aws:approve step is waiting for a decision",
            ));
        };
        let step_name = || Arc::clone(&self.steps[exec].step_name);
        let Some(index) = approvers
            .iter()
            .position(|a| principal_matches(a, principal))
        else {
            return Err(Refusal::signal(format!(
                "{principal} is not an approver of step {}",
                step_name()
            )));
        };
        if decisions.iter().any(|d| d.approver == index) {
            return Err(Refusal::signal(format!(
                "{principal} has already decided on step {}",
                step_name()
            )));
        }
        let min = *min;
        // Named only in a rejection's message.
        let approver = if approve {
            String::new()
        } else {
            approvers[index].clone()
        };
        let approvals = decisions.iter().filter(|d| d.approve).count() + usize::from(approve);
        // The decisions stay data in the phase; `ApproverDecisions` is
        // rendered from them when the step ends or is shown.
        if let Some(Phase::Approval { decisions, .. }) =
            self.active.last_mut().map(|a| &mut a.phase)
        {
            let decision = Decision {
                approver: index,
                approve,
                at: now,
            };
            *decisions = decisions.iter().copied().chain([decision]).collect();
        }
        if !approve || approvals >= min as usize {
            self.steps[exec].outputs.insert(
                "ApprovalStatus",
                json!(if approve { "Approved" } else { "Rejected" }),
            );
            self.set_step_status(exec, Status::InProgress, ev);
            if self.status == Status::Waiting {
                self.set_status(Status::InProgress, ev);
            }
            let end = if approve {
                StepEnd::Success { next: None }
            } else {
                StepEnd::Failed {
                    stage: FailureStage::Invocation,
                    failure_type: FailureType::Action,
                    message: format!(
                        "Step fails when it is waiting for approval. The request was rejected by {approver}."
                    ),
                }
            };
            if let Some(next) = self.finish_step(end, now, ev) {
                self.goto(next, now, ev);
            }
        }
        Ok(())
    }

    fn resume(
        &mut self,
        payload: &Payload,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        let Some(name) = payload_value(payload, "StepName") else {
            return Err(Refusal::signal("Resume needs the payload StepName"));
        };
        if self.fixed.runbook.index_of(name).is_none() {
            return Err(Refusal::step_not_found(format!("no step is named {name}")));
        }
        let Some(active) = self.active.last() else {
            return Err(Refusal::signal(format!(
                "step {name} is not a paused aws:pause step"
            )));
        };
        if !(matches!(active.phase, Phase::Paused) && *self.steps[active.exec].step_name == *name) {
            return Err(Refusal::signal(format!(
                "step {name} is not a paused aws:pause step"
            )));
        }
        let exec = active.exec;
        self.set_step_status(exec, Status::InProgress, ev);
        if self.status == Status::Waiting {
            self.set_status(Status::InProgress, ev);
        }
        if let Some(next) = self.finish_step(StepEnd::Success { next: None }, now, ev) {
            self.goto(next, now, ev);
        }
        Ok(())
    }

    fn start_step(
        &mut self,
        payload: &Payload,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        if self.mode != Mode::Interactive {
            return Err(Refusal::signal(
                "StartStep is only accepted by Interactive executions",
            ));
        }
        let Some(name) = payload_value(payload, "StepName") else {
            return Err(Refusal::signal("StartStep needs the payload StepName"));
        };
        let Some(ix) = self.fixed.runbook.index_of(name) else {
            return Err(Refusal::step_not_found(format!("no step is named {name}")));
        };
        if self.fixed.runbook.step(ix).parent.is_some() {
            return Err(Refusal::signal(format!(
                "step {name} is inside a loop; start the loop step instead"
            )));
        }
        if !self.active.is_empty() || self.status != Status::Waiting {
            return Err(Refusal::signal("a step is already running"));
        }
        self.set_status(Status::InProgress, ev);
        self.goto(Successor::Step(ix), now, ev);
        Ok(())
    }

    fn stop_step(
        &mut self,
        payload: &Payload,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        let Some(id) = payload_value(payload, "StepExecutionId") else {
            return Err(Refusal::signal(
                "StopStep needs the payload StepExecutionId",
            ));
        };
        let Some(exec) = self.slot_of_id(id) else {
            return Err(Refusal::step_not_found(format!(
                "no step execution has id {id}"
            )));
        };
        let Some(pos) = self.active.iter().position(|a| a.exec == exec) else {
            return Err(Refusal::signal(format!(
                "step execution {id} is not running"
            )));
        };
        while self.active.len() > pos + 1 {
            if let Some(inner) = self.active.pop() {
                self.cancel_popped(&inner, now, ev);
            }
            self.loops.pop();
        }
        if let Some(Phase::Child { execution_id, .. }) = self.active.last().map(|a| a.phase.clone())
        {
            ev.push(Event::ChildCancelRequested { execution_id });
        }
        if matches!(self.active.last().map(|a| &a.phase), Some(Phase::LoopBody)) {
            self.loops.pop();
        }
        if self.status == Status::Waiting {
            self.set_status(Status::InProgress, ev);
        }
        if let Some(next) = self.finish_step(StepEnd::Cancelled, now, ev) {
            self.goto(next, now, ev);
        }
        Ok(())
    }

    pub(crate) fn stop(
        &mut self,
        stop: StopType,
        now: SimTime,
        ev: &mut Events<'_>,
    ) -> Result<(), Refusal> {
        if self.status.is_terminal() || self.status == Status::Pending {
            return Err(Refusal::status_update(format!(
                "execution {} is {}; it cannot be stopped",
                self.fixed.config.execution_id, self.status
            )));
        }
        if self.status == Status::Cancelling {
            return Err(Refusal::status_update(format!(
                "execution {} is already being cancelled",
                self.fixed.config.execution_id
            )));
        }
        match stop {
            StopType::Complete => {
                if self.mode != Mode::Interactive {
                    return Err(Refusal::status_update(
                        "Complete ends Interactive executions; cancel an Auto execution instead",
                    ));
                }
                if !self.active.is_empty() {
                    return Err(Refusal::status_update(
                        "a step is running; wait for it or stop it first",
                    ));
                }
                self.end_run(None, now, ev);
            }
            StopType::Cancel => self.cancel(now, ev),
        }
        Ok(())
    }

    fn cancel(&mut self, now: SimTime, ev: &mut Events<'_>) {
        self.set_status(Status::Cancelling, ev);
        let innermost = self.active.last().map(|a| a.exec);
        let workflow = innermost.and_then(|e| self.on_cancel_target(e));
        while let Some(a) = self.active.pop() {
            if let Phase::Child { execution_id, .. } = &a.phase {
                ev.push(Event::ChildCancelRequested {
                    execution_id: *execution_id,
                });
            }
            self.cancel_popped(&a, now, ev);
        }
        self.loops.clear();
        match workflow {
            Some(target) => {
                self.cancel_deadline =
                    Some(now.plus(DurationMs(super::machine::CANCEL_WORKFLOW_MS)));
                self.goto(Successor::Step(target), now, ev);
            }
            None => self.end_run(None, now, ev),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::SimTime;
    use crate::execution::test_support::{ALICE, started};
    use crate::execution::{Execution, Input, SignalType, Status};

    const BOB: &str = "arn:aws:iam::111122223333:user/bob";

    fn approve(ex: &mut Execution, who: &str, at: i64) {
        ex.apply(
            Input::Signal {
                signal: SignalType::Approve,
                payload: Default::default(),
                principal: who.into(),
            },
            SimTime(at),
        )
        .expect("accepted");
    }

    #[test]
    fn a_waiting_approval_shows_its_decisions_so_far() {
        let mut ex = started(&format!(
            "schemaVersion: '0.3'\nmainSteps:\n- name: A\n  action: aws:approve\n  inputs: {{Approvers: ['{ALICE}', '{BOB}'], MinRequiredApprovals: 2}}\n"
        ));
        approve(&mut ex, ALICE, 1000);
        assert_eq!(ex.status(), Status::Waiting);
        let shown = ex.step_executions().next().expect("step A");
        let decisions = shown.outputs.get("ApproverDecisions").expect("shown");
        assert_eq!(decisions.as_array().map(Vec::len), Some(1));
        assert_eq!(decisions[0]["Approver"], ALICE);
        assert_eq!(decisions[0]["ApprovalDecisionTime"], "1970-01-01T00:00:01Z");
        // The record itself holds no rendered decisions while it waits.
        let record = ex.step_records().next().expect("step A");
        assert!(!record.outputs.contains_key("ApproverDecisions"));

        approve(&mut ex, BOB, 2000);
        assert_eq!(ex.status(), Status::Success);
        let record = ex.step_records().next().expect("step A");
        let decisions = record.outputs.get("ApproverDecisions").expect("kept");
        assert_eq!(decisions.as_array().map(Vec::len), Some(2));
        assert_eq!(decisions[1]["Approver"], BOB);
    }
}
