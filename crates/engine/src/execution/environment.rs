//! The seam with the model checker: which inputs the environment may send
//! to an execution now, in a deterministic order.
//!
//! The environment is described by data (who may sign, how each external
//! step may end, which stops to try); the execution answers with the
//! enabled inputs. Time is one of them: `Advance` at the next deadline.

use super::machine::{Execution, Phase};
use super::status::{Mode, SignalType, Status, StopType};
use super::types::{Input, Outcome, Payload};
use crate::clock::SimTime;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What the outside world can do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// Principals who may send Approve and Reject.
    pub principals: Vec<String>,
    /// Also offer Approve and Reject from each approver the waiting
    /// approval step lists (after its resolution), before `principals`.
    pub listed_approvers: bool,
    /// Outcomes to try per external step, by step name. Steps not listed
    /// succeed with an empty response or fail with FailureType Action.
    pub outcomes: BTreeMap<String, Vec<Outcome>>,
    /// Stops to try while the execution runs.
    pub stops: Vec<StopType>,
}

/// What an external step no outcome is listed for may do: succeed with an
/// empty response, or fail with FailureType Action.
static DEFAULT_OUTCOMES: LazyLock<[Outcome; 2]> = LazyLock::new(|| {
    [
        Outcome::Success {
            response: serde_json::json!({}),
        },
        Outcome::Failure {
            failure_type: super::status::FailureType::Action,
            stage: super::status::FailureStage::Invocation,
            message: "the action failed".into(),
        },
    ]
});

impl Environment {
    fn outcomes_for(&self, step: &str) -> &[Outcome] {
        match self.outcomes.get(step) {
            Some(listed) => listed,
            None => &*DEFAULT_OUTCOMES,
        }
    }
}

impl Execution {
    /// Every input the environment may send now, with the time to send it
    /// at, in a fixed order: decisions, resumes, step starts and stops,
    /// action outcomes, stops, then the next timer.
    pub fn enabled_inputs(&self, env: &Environment, now: SimTime) -> Vec<(Input, SimTime)> {
        let mut out = Vec::new();
        self.each_enabled_input(env, now, |input, at| out.push((input, at)));
        out
    }

    /// Call `f` with each input [`Self::enabled_inputs`] lists, in the
    /// same order, without collecting them: a driver that keeps its own
    /// buffer (the model checker) makes no list per call.
    ///
    /// ```
    /// use ssm_runbook_engine::clock::SimTime;
    /// use ssm_runbook_engine::execution::{Environment, Execution, ExecutionConfig, Input, Mode};
    /// use ssm_runbook_engine::{runbook::Runbook, validate::validate_text};
    /// use std::sync::Arc;
    /// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- {name: Gate, action: aws:pause, inputs: {}}\n").document.unwrap();
    /// let rb = Arc::new(Runbook::compile(doc, "Demo", "1").unwrap());
    /// let mut ex = Execution::new(rb, ExecutionConfig::new("0123456789abcdef0123456789abcdef0123", "arn:aws:iam::111122223333:user/me"));
    /// ex.apply(Input::Start { parameters: Default::default(), mode: Mode::Auto }, SimTime(0)).unwrap();
    /// let env = Environment::default();
    /// let mut seen = Vec::new();
    /// ex.each_enabled_input(&env, SimTime(0), |input, at| seen.push((input, at)));
    /// assert_eq!(seen, ex.enabled_inputs(&env, SimTime(0)));
    /// ```
    pub fn each_enabled_input(
        &self,
        env: &Environment,
        now: SimTime,
        mut f: impl FnMut(Input, SimTime),
    ) {
        if self.status.is_terminal() || self.status == Status::Pending {
            return;
        }
        let signal = |signal, payload: Payload, principal: &str| Input::Signal {
            signal,
            payload,
            principal: principal.to_owned(),
        };
        if let Some(active) = self.active.last() {
            let step_name: &str = &self.steps[active.exec].step_name;
            match &active.phase {
                Phase::Approval {
                    approvers,
                    decisions,
                    ..
                } => {
                    let mut senders: Vec<&String> = Vec::new();
                    if env.listed_approvers {
                        senders.extend(approvers.iter());
                    }
                    for p in &env.principals {
                        if !senders.contains(&p) {
                            senders.push(p);
                        }
                    }
                    for p in senders {
                        let listed = approvers.iter().any(|a| super::principal_matches(a, p));
                        let decided = decisions
                            .iter()
                            .filter_map(|d| approvers.get(d.approver))
                            .any(|a| super::principal_matches(a, p));
                        if listed && !decided {
                            f(signal(SignalType::Approve, Payload::new(), p), now);
                            f(signal(SignalType::Reject, Payload::new(), p), now);
                        }
                    }
                }
                Phase::Paused => {
                    let payload =
                        Payload::from([("StepName".to_owned(), vec![step_name.to_string()])]);
                    f(
                        signal(SignalType::Resume, payload, &self.fixed.config.executed_by),
                        now,
                    );
                }
                Phase::Action { request_id } => {
                    for outcome in env.outcomes_for(step_name) {
                        f(
                            Input::ActionFinished {
                                request_id: *request_id,
                                outcome: outcome.clone(),
                            },
                            now,
                        );
                    }
                }
                _ => {}
            }
            if self.mode == Mode::Interactive {
                let payload = Payload::from([(
                    "StepExecutionId".to_owned(),
                    vec![self.steps[active.exec].id.to_string()],
                )]);
                f(
                    signal(
                        SignalType::StopStep,
                        payload,
                        &self.fixed.config.executed_by,
                    ),
                    now,
                );
            }
        } else if self.mode == Mode::Interactive && self.status == Status::Waiting {
            for ix in self.fixed.runbook.main_steps() {
                let payload = Payload::from([(
                    "StepName".to_owned(),
                    vec![self.fixed.runbook.step(ix).step.name.clone()],
                )]);
                f(
                    signal(
                        SignalType::StartStep,
                        payload,
                        &self.fixed.config.executed_by,
                    ),
                    now,
                );
            }
            f(Input::Stop(StopType::Complete), now);
        }
        if self.status != Status::Cancelling {
            for stop in &env.stops {
                if *stop == StopType::Cancel {
                    f(Input::Stop(*stop), now);
                }
            }
        }
        if let Some(t) = self.next_deadline() {
            f(Input::Advance, t.max(now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execution::Input;
    use crate::execution::test_support::{ALICE, started};

    const BOB: &str = "arn:aws:iam::111122223333:user/bob";

    #[test]
    fn approvals_offer_each_undecided_approver_and_the_timeout() {
        let mut ex = started(&format!(
            "schemaVersion: '0.3'\nmainSteps:\n- name: A\n  action: aws:approve\n  timeoutSeconds: 60\n  inputs: {{Approvers: ['{ALICE}', '{BOB}'], MinRequiredApprovals: 2}}\n"
        ));
        let env = Environment {
            principals: vec![
                ALICE.into(),
                BOB.into(),
                "arn:aws:iam::111122223333:user/eve".into(),
            ],
            stops: vec![StopType::Cancel],
            ..Environment::default()
        };
        let moves = ex.enabled_inputs(&env, SimTime(0));
        // Approve and Reject for each listed approver, Cancel, then the time-out.
        assert_eq!(moves.len(), 6);
        assert_eq!(moves.last(), Some(&(Input::Advance, SimTime(60_000))));
        ex.apply(moves[0].0.clone(), SimTime(0))
            .expect("alice approves");
        let moves = ex.enabled_inputs(&env, SimTime(0));
        assert_eq!(moves.len(), 4, "alice has decided: {moves:?}");
        for (input, at) in moves {
            let mut copy = ex.clone();
            copy.apply(input, at)
                .expect("every enabled input is accepted");
        }
    }

    #[test]
    fn external_steps_offer_each_outcome() {
        let ex = started(
            "schemaVersion: '0.3'\nmainSteps:\n- name: Call\n  action: aws:executeAwsApi\n  inputs: {Service: ec2, Api: DescribeInstances}\n",
        );
        let moves = ex.enabled_inputs(&Environment::default(), SimTime(0));
        assert_eq!(moves.len(), 2);
        assert!(
            moves
                .iter()
                .all(|(i, _)| matches!(i, Input::ActionFinished { .. }))
        );
    }
}
