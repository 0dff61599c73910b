//! Scripted answers for external actions: what `aws:executeAwsApi`,
//! `aws:runCommand` and the other outside actions of a runbook return when
//! the service runs it, per document and step.
//!
//! Use [`ScriptedAnswers`] as the [`ActionHandler`] of a [`Service`] (the
//! server's `--answers FILE`) to make a served runbook see throttling,
//! failures, time-outs or slow actions instead of the default instant
//! success with `{}`. The per-answer shape is the scenario file's
//! [`Answer`] (`outputs`, `fail`, `timeout`, `hang`, `after`), so one
//! vocabulary serves `ssm-runbook run` and the server:
//!
//! ```yaml
//! Deploy:                # document name
//!   CallApi:             # step name: one answer per request, the last repeating
//!     - fail: {type: Throttling, message: Rate exceeded}
//!     - after: PT2M
//!       outputs: {Status: ok}
//! ```
//!
//! The n-th request a step makes in one execution (every attempt, poll and
//! loop iteration counts) gets the n-th answer. An answer with `after` is
//! kept by the service as a timer and delivered at that instant (it fires
//! on [`Service::tick`] like any other timer). This module reads no clock and
//! does no I/O: the embedder reads the file and passes its text.
//!
//! [`Service`]: super::Service
//! [`Service::tick`]: super::Service::tick

use super::executions::ActionHandler;
use crate::clock::SimTime;
use crate::execution::{ActionRequest, Outcome};
use crate::scenario::{Answer, ScenarioError};
use indexmap::IndexMap;
use std::collections::BTreeMap;

/// Who asks for an action: the execution and its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionCall<'a> {
    /// The `AutomationExecutionId` of the execution that asks.
    pub execution_id: &'a str,
    /// The name of the document it runs.
    pub document_name: &'a str,
    /// The request itself.
    pub request: &'a ActionRequest,
}

/// How a handler answers one action request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The action ends now with this outcome.
    Now(Outcome),
    /// The action ends at this instant with this outcome; the service keeps
    /// it as a timer.
    At(SimTime, Outcome),
    /// The handler answers later through `Service::finish_action`, or never.
    Later,
}

/// An answer the service holds until its instant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingAnswer {
    pub(crate) execution_id: String,
    pub(crate) request_id: crate::execution::Id,
    pub(crate) outcome: Outcome,
}

/// Answers by document name, then step name, one per request.
pub type AnswerTable = IndexMap<String, IndexMap<String, Vec<Answer>>>;

/// An [`ActionHandler`] that answers from an [`AnswerTable`]; actions it has
/// no answer for succeed at once with `{}`.
///
/// ```
/// use ssm_runbook_engine::service::answers::ScriptedAnswers;
/// let answers = ScriptedAnswers::from_yaml(
///     "Deploy:\n  CallApi:\n    - fail: {type: Throttling, message: slow down}\n    - outputs: {Id: i-1}\n",
/// )
/// .unwrap();
/// assert_eq!(answers.table()["Deploy"]["CallApi"].len(), 2);
/// assert!(ScriptedAnswers::from_yaml("Deploy:\n  CallApi:\n    - fail: {type: Nope}\n").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptedAnswers {
    table: AnswerTable,
    /// Requests seen per (execution id, step name).
    requests: BTreeMap<(String, String), usize>,
}

impl ScriptedAnswers {
    /// Answers from a table; every answer is checked first (an answer is
    /// one of `outputs`, `fail`, `timeout`, `hang`; `fail.type` and
    /// `fail.stage` are SSM's names; `after` is a non-negative ISO-8601
    /// duration).
    pub fn new(table: AnswerTable) -> Result<ScriptedAnswers, ScenarioError> {
        for (document, steps) in &table {
            for (step, answers) in steps {
                for (n, answer) in answers.iter().enumerate() {
                    let at = |e: ScenarioError| ScenarioError {
                        message: format!("{document}.{step}[{n}]: {}", e.message),
                    };
                    answer.delay().map_err(at)?;
                    answer.outcome().map_err(at)?;
                }
            }
        }
        Ok(ScriptedAnswers {
            table,
            requests: BTreeMap::new(),
        })
    }

    /// Answers from YAML text (`Document: {Step: [answer, …]}`).
    pub fn from_yaml(text: &str) -> Result<ScriptedAnswers, ScenarioError> {
        if text.trim().is_empty() {
            return ScriptedAnswers::new(AnswerTable::new());
        }
        let table: AnswerTable =
            crate::scenario::read_small_yaml(text).map_err(|message| ScenarioError {
                message: format!(
                    "invalid answers (expected Document: {{Step: [answer, …]}}): {message}"
                ),
            })?;
        ScriptedAnswers::new(table)
    }

    /// The answers.
    pub fn table(&self) -> &AnswerTable {
        &self.table
    }
}

impl ActionHandler for ScriptedAnswers {
    fn handle(&mut self, _request: &ActionRequest, _now: SimTime) -> Option<Outcome> {
        Some(Outcome::Success {
            response: serde_json::json!({}),
        })
    }

    fn answer(&mut self, call: &ActionCall<'_>, now: SimTime) -> Reply {
        let step = &call.request.step_name;
        let Some(answers) = self
            .table
            .get(call.document_name)
            .and_then(|steps| steps.get(&**step))
        else {
            return Reply::Now(Outcome::Success {
                response: serde_json::json!({}),
            });
        };
        let nth = self
            .requests
            .entry((call.execution_id.to_string(), step.to_string()))
            .or_default();
        *nth += 1;
        let Some(answer) = answers.get(*nth - 1).or(answers.last()) else {
            return Reply::Now(Outcome::Success {
                response: serde_json::json!({}),
            });
        };
        // Both were checked in `new`; a failure here would be a bug, and
        // answering with an internal failure keeps the run going.
        let outcome = match answer.outcome() {
            Ok(None) => return Reply::Later,
            Ok(Some(outcome)) => outcome,
            Err(e) => Outcome::Failure {
                failure_type: crate::execution::FailureType::Internal,
                stage: crate::execution::FailureStage::Invocation,
                message: e.message,
            },
        };
        match answer.delay() {
            Ok(d) if d.0 > 0 => Reply::At(now.plus(d), outcome),
            _ => Reply::Now(outcome),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::documents::CreateDocumentRequest;
    use crate::service::executions::{
        GetAutomationExecutionRequest, StartAutomationExecutionRequest,
    };
    use crate::service::{Service, ServiceConfig};
    use serde_json::Value;

    const T0: SimTime = SimTime(1_704_067_200_000);

    /// A service running `Poll` (an API call retried up to 4 times) under `answers`.
    fn service(answers: &str) -> (Service, String) {
        let handler = ScriptedAnswers::from_yaml(answers).expect("answers");
        let mut svc = Service::with_handler(ServiceConfig::default(), Box::new(handler));
        let content = "schemaVersion: '0.3'\nmainSteps:\n  - name: Call\n    action: aws:executeAwsApi\n    maxAttempts: 4\n    inputs: {Service: ec2, Api: DescribeInstances}\n";
        svc.create_document(
            CreateDocumentRequest {
                name: "Poll".into(),
                content: content.into(),
                document_type: Some("Automation".into()),
                document_format: Some("YAML".into()),
                ..Default::default()
            },
            T0,
        )
        .expect("create");
        let id = svc
            .start_automation_execution(
                StartAutomationExecutionRequest {
                    document_name: "Poll".into(),
                    ..Default::default()
                },
                "arn:aws:iam::123456789012:user/a",
                T0,
            )
            .expect("start")
            .automation_execution_id;
        (svc, id)
    }

    fn step(svc: &Service, id: &str) -> Value {
        let out = svc
            .get_automation_execution(GetAutomationExecutionRequest {
                automation_execution_id: id.into(),
            })
            .expect("get");
        out.automation_execution["StepExecutions"][0].clone()
    }

    #[test]
    fn the_nth_request_gets_the_nth_answer_and_the_last_repeats() {
        let (svc, id) = service("Poll:\n  Call:\n    - fail: {type: Throttling}\n");
        let s = step(&svc, &id);
        assert_eq!(s["StepStatus"], "Failed", "{s}");
        assert_eq!(s["FailureDetails"]["FailureType"], "Throttling", "{s}");

        let (svc, id) = service(
            "Poll:\n  Call:\n    - fail: {type: Throttling}\n    - timeout: true\n    - outputs: {A: 1}\n",
        );
        assert_eq!(step(&svc, &id)["StepStatus"], "Success");
        // Other documents and steps succeed with {}.
        let (svc, id) = service("Other:\n  Call:\n    - fail: {}\n");
        assert_eq!(step(&svc, &id)["StepStatus"], "Success");
    }

    #[test]
    fn delayed_answers_are_timers_and_hanging_ones_never_come() {
        let (mut svc, id) = service("Poll:\n  Call:\n    - after: PT2M\n      outputs: {}\n");
        assert_eq!(svc.next_deadline(), Some(SimTime(T0.0 + 120_000)));
        svc.tick(SimTime(T0.0 + 119_999));
        assert_eq!(step(&svc, &id)["StepStatus"], "InProgress");
        svc.tick(SimTime(T0.0 + 600_000));
        let s = step(&svc, &id);
        assert_eq!(s["StepStatus"], "Success");
        assert_eq!(s["ExecutionEndTime"], (T0.0 + 120_000) as f64 / 1000.0);
        assert_eq!(svc.next_deadline(), None);

        let (mut svc, id) = service("Poll:\n  Call:\n    - hang: true\n");
        svc.tick(SimTime(T0.0 + 86_400_000));
        assert_eq!(step(&svc, &id)["StepStatus"], "InProgress");
    }

    #[test]
    fn bad_answers_are_refused_naming_where() {
        for (text, expected) in [
            ("D:\n  S:\n    - after: -PT1M\n", "D.S[0]: after"),
            ("D:\n  S:\n    - {outputs: {}, timeout: true}\n", "D.S[0]"),
            ("D:\n  S:\n    - {hang: true, outputs: {}}\n", "D.S[0]"),
            ("D:\n  S:\n    - {later: true}\n", "invalid answers"),
            ("- just a list\n", "invalid answers"),
        ] {
            let e = ScriptedAnswers::from_yaml(text).expect_err(text);
            assert!(e.message.contains(expected), "{text}: {}", e.message);
        }
        assert!(ScriptedAnswers::from_yaml("").is_ok());
    }
}
