//! Scenario files: what the outside world does during a simulated run.
//!
//! One YAML format serves `ssm-runbook run`, the test suite and the
//! counter-examples of the model checker: start time, mode, parameters, the
//! default principal, answers for external actions (one per attempt, the
//! last repeating), and timed events (signals and stops). This module reads
//! and writes the format and turns its parts into engine values; it runs
//! nothing.

use crate::clock::{DurationMs, SimTime};
use crate::execution::{FailureStage, FailureType, Mode, Outcome, Payload, SignalType, StopType};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The default start time of a scenario: 2017-07-31T00:00:00Z.
pub const DEFAULT_START_MS: i64 = 1_501_459_200_000;
/// The default principal that sends signals.
pub const DEFAULT_PRINCIPAL: &str = "arn:aws:iam::123456789012:user/ssm-runbook";

/// A scenario.
///
/// ```
/// use ssm_runbook_engine::scenario::Scenario;
/// let s = Scenario::from_yaml("parameters: {Environment: prod}\nevents:\n  - at: PT10M\n    signal: Approve\n").unwrap();
/// assert_eq!(s.events.len(), 1);
/// let again = Scenario::from_yaml(&s.to_yaml()).unwrap();
/// assert_eq!(again, s);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// RFC 3339 start time (default 2017-07-31T00:00:00Z).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// `Auto` (default) or `Interactive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Parameter values: a scalar or a list each.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<String, Value>,
    /// Who sends signals by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// Answers for external actions, by step name, one per attempt.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub actions: IndexMap<String, Vec<Answer>>,
    /// What happens, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<ScenarioEvent>,
}

/// An answer to one attempt of an external action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// How long the attempt takes (ISO-8601 duration, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Success with this response JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Value>,
    /// Failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<Failure>,
    /// The attempt times out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<bool>,
    /// The attempt never answers: it ends only by the step's time-out, a
    /// cancel or a StopStep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hang: Option<bool>,
}

/// A failure answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    /// `FailureType` (default Action).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub failure_type: Option<String>,
    /// `FailureStage` (default Invocation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// The failure message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A timed event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioEvent {
    /// When, as an ISO-8601 offset from the start (`PT10M`).
    pub at: String,
    /// A signal: Approve, Reject, Resume, StartStep, StopStep, Revoke.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// A stop: Cancel or Complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
    /// Who sends the signal (default: the scenario's principal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The signal's payload, in SSM's wire form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<IndexMap<String, Vec<String>>>,
    /// Shorthand: the step the signal is about (fills StepName, or finds the StepExecutionId).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Shorthand for the payload `Comment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A scenario that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScenarioError {
    /// What is wrong, and where.
    pub message: String,
}

fn err(message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        message: message.into(),
    }
}

/// What an event does, once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventAction {
    /// Send a signal.
    Signal {
        /// The signal.
        signal: SignalType,
        /// Its payload (StepExecutionId resolved later from `step`).
        payload: Payload,
        /// The sender.
        principal: String,
        /// The `step` shorthand, if given.
        step: Option<String>,
    },
    /// Stop the execution.
    Stop(StopType),
}

/// Read a small YAML (or JSON) file of the tool's own — a scenario, a check
/// configuration, an answers file — within fixed budgets (depth 64, 200,000
/// nodes, 1,000 aliases); the error is the parser's first line.
///
/// ```
/// let v: Vec<u32> = ssm_runbook_engine::scenario::read_small_yaml("[1, 2]").unwrap();
/// assert_eq!(v, [1, 2]);
/// assert!(ssm_runbook_engine::scenario::read_small_yaml::<Vec<u32>>("[a").is_err());
/// ```
pub fn read_small_yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! { max_depth: 64, max_nodes: 200_000, max_aliases: 1_000 },
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let mut message = e.to_string();
        if let Some(cut) = message.find('\n') {
            message.truncate(cut);
        }
        message
    })
}

impl Scenario {
    /// Read a scenario from YAML (or JSON) text.
    pub fn from_yaml(text: &str) -> Result<Scenario, ScenarioError> {
        if text.trim().is_empty() {
            return Ok(Scenario::default());
        }
        let scenario: Scenario =
            read_small_yaml(text).map_err(|m| err(format!("invalid scenario: {m}")))?;
        scenario.check()?;
        Ok(scenario)
    }

    /// Write the scenario as YAML.
    pub fn to_yaml(&self) -> String {
        // JSON is valid YAML; a block layout is friendlier to read.
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        let mut out = String::new();
        crate::scenario::emit_yaml(&value, 0, &mut out);
        out
    }

    fn check(&self) -> Result<(), ScenarioError> {
        self.start_time()?;
        self.mode()?;
        for (step, answers) in &self.actions {
            for (i, a) in answers.iter().enumerate() {
                a.outcome()
                    .map_err(|e| err(format!("actions.{step}[{i}]: {e}")))?;
                a.delay()
                    .map_err(|e| err(format!("actions.{step}[{i}]: {e}")))?;
            }
        }
        for (i, e) in self.events.iter().enumerate() {
            e.offset().map_err(|m| err(format!("events[{i}]: {m}")))?;
            e.action(self.principal())
                .map_err(|m| err(format!("events[{i}]: {m}")))?;
        }
        Ok(())
    }

    /// The start time.
    pub fn start_time(&self) -> Result<SimTime, ScenarioError> {
        match &self.start {
            None => Ok(SimTime(DEFAULT_START_MS)),
            Some(s) => SimTime::parse_rfc3339(s).map_err(|e| err(format!("start: {e}"))),
        }
    }

    /// The mode.
    pub fn mode(&self) -> Result<Mode, ScenarioError> {
        match self.mode.as_deref() {
            None => Ok(Mode::Auto),
            Some(m) => {
                Mode::parse(m).ok_or_else(|| err(format!("mode: '{m}' is not Auto or Interactive")))
            }
        }
    }

    /// The default principal.
    pub fn principal(&self) -> &str {
        self.principal.as_deref().unwrap_or(DEFAULT_PRINCIPAL)
    }

    /// The answer to the `nth` request (1-based) that `step` makes in one
    /// execution — every attempt, poll and loop iteration counts — the last
    /// answer repeating.
    pub fn answer(&self, step: &str, nth: usize) -> Option<&Answer> {
        let answers = self.actions.get(step)?;
        answers.get(nth.saturating_sub(1)).or(answers.last())
    }
}

impl Answer {
    /// The engine outcome of this answer; `None` for an answer that never
    /// arrives (`hang: true`).
    pub fn outcome(&self) -> Result<Option<Outcome>, ScenarioError> {
        let given = usize::from(self.outputs.is_some())
            + usize::from(self.fail.is_some())
            + usize::from(self.timeout == Some(true))
            + usize::from(self.hangs());
        if given > 1 {
            return Err(err(
                "an answer is outputs, fail, timeout or hang, not several",
            ));
        }
        if self.hangs() {
            return Ok(None);
        }
        if self.timeout == Some(true) {
            return Ok(Some(Outcome::TimedOut));
        }
        if let Some(f) = &self.fail {
            let failure_type = match f.failure_type.as_deref() {
                None => FailureType::Action,
                Some(t) => FailureType::parse(t).ok_or_else(|| err(format!("fail.type '{t}' is not one of Action, Permission, Throttling, Verification, Internal")))?,
            };
            let stage = match f.stage.as_deref() {
                None => FailureStage::Invocation,
                Some(s) => FailureStage::parse(s).ok_or_else(|| err(format!("fail.stage '{s}' is not one of InputValidation, PreVerification, Invocation, PostVerification")))?,
            };
            let message = f
                .message
                .clone()
                .unwrap_or_else(|| format!("the action failed ({})", failure_type));
            return Ok(Some(Outcome::Failure {
                failure_type,
                stage,
                message,
            }));
        }
        Ok(Some(Outcome::Success {
            response: self
                .outputs
                .clone()
                .unwrap_or_else(|| serde_json::json!({})),
        }))
    }

    /// Whether the attempt never answers (`hang: true`).
    pub fn hangs(&self) -> bool {
        self.hang == Some(true)
    }

    /// How long the attempt takes.
    pub fn delay(&self) -> Result<DurationMs, ScenarioError> {
        match &self.after {
            None => Ok(DurationMs(0)),
            Some(a) => match DurationMs::parse(a) {
                Ok(d) if d.0 >= 0 => Ok(d),
                Ok(_) => Err(err(format!("after: '{a}' is negative"))),
                Err(e) => Err(err(format!("after: {e}"))),
            },
        }
    }
}

impl ScenarioEvent {
    /// The offset from the start.
    pub fn offset(&self) -> Result<DurationMs, String> {
        match DurationMs::parse(&self.at) {
            Ok(d) if d.0 >= 0 => Ok(d),
            Ok(_) => Err(format!("at: '{}' is negative", self.at)),
            Err(e) => Err(format!("at: {e}")),
        }
    }

    /// What the event does.
    pub fn action(&self, default_principal: &str) -> Result<EventAction, String> {
        match (&self.signal, &self.stop) {
            (Some(_), Some(_)) => Err("an event is a signal or a stop, not both".into()),
            (None, None) => Err("an event needs a signal or a stop".into()),
            (None, Some(s)) => StopType::parse(s)
                .map(EventAction::Stop)
                .ok_or_else(|| format!("stop: '{s}' is not Cancel or Complete")),
            (Some(s), None) => {
                let signal = SignalType::parse(s).ok_or_else(|| format!("signal: '{s}' is not Approve, Reject, Resume, StartStep, StopStep or Revoke"))?;
                let mut payload: Payload = self
                    .payload
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                if let Some(c) = &self.comment {
                    payload.insert("Comment".into(), vec![c.clone()]);
                }
                if let (Some(step), SignalType::Resume | SignalType::StartStep) =
                    (&self.step, signal)
                {
                    payload
                        .entry("StepName".into())
                        .or_insert_with(|| vec![step.clone()]);
                }
                Ok(EventAction::Signal {
                    signal,
                    payload,
                    principal: self
                        .principal
                        .clone()
                        .unwrap_or_else(|| default_principal.to_owned()),
                    step: self.step.clone(),
                })
            }
        }
    }
}

/// Write a JSON value as block YAML.
pub(crate) fn emit_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                out.push_str(&format!("{pad}{}:", scalar(&Value::String(k.clone()))));
                emit_child(v, indent, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&format!("{pad}-"));
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        let mut inner = String::new();
                        emit_yaml(item, indent + 2, &mut inner);
                        out.push(' ');
                        out.push_str(inner.trim_start());
                    }
                    _ => emit_child(item, indent, out),
                }
            }
        }
        other => {
            out.push_str(&format!("{pad}{}\n", scalar(other)));
        }
    }
}

fn emit_child(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            emit_yaml(v, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            emit_yaml(v, indent + 2, out);
        }
        other => out.push_str(&format!(" {}\n", scalar(other))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        Value::String(s) if plain(s) => s.clone(),
        // JSON string syntax is valid YAML double-quoted syntax.
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// Whether a string reads back as the same string when written unquoted:
/// word characters and `/.:@+-`, starting with a letter, and not a word
/// YAML reads as a boolean or null.
fn plain(s: &str) -> bool {
    let starts_well = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let word = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_/.:@+-".contains(c));
    let special = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "y" | "n" | "on" | "off" | "null"
    );
    starts_well && word && !special && !s.ends_with(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_stay_strings() {
        for s in [
            "Reject",
            "PT0S",
            "arn:aws:iam::111122223333:user/alice",
            "v1.2.3",
            "yes",
            "No",
            "null",
            "1e3",
            "a: b",
            "x:",
            "-x",
            "",
        ] {
            let mut out = String::new();
            emit_yaml(&serde_json::json!({"k": s}), 0, &mut out);
            let back: serde_json::Value = serde_saphyr::from_str(&out).expect("reads back");
            assert_eq!(back["k"], s, "{out}");
        }
    }

    #[test]
    fn full_round_trip() {
        let text = r#"
start: 2020-01-01T00:00:00Z
mode: Auto
parameters: { Environment: prod, Ids: [a, b] }
principal: arn:aws:iam::111122223333:user/alice
actions:
  deploy:
    - fail: { type: Throttling, message: Rate exceeded }
    - after: PT2M
      outputs: { Status: ok, Nested: { List: [1, 2] } }
    - timeout: true
events:
  - at: PT10M
    signal: Approve
    principal: arn:aws:iam::111122223333:user/bob
    comment: looks good
  - at: PT3H
    stop: Cancel
"#;
        let s = Scenario::from_yaml(text).unwrap();
        let again = Scenario::from_yaml(&s.to_yaml()).unwrap();
        assert_eq!(s, again);
        assert_eq!(s.answer("deploy", 9).and_then(|a| a.timeout), Some(true));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(Scenario::from_yaml("colour: red").is_err());
        assert!(Scenario::from_yaml("events: [{at: soon, signal: Approve}]").is_err());
        assert!(
            Scenario::from_yaml("events: [{at: PT1M, signal: Approve, stop: Cancel}]").is_err()
        );
        assert!(Scenario::from_yaml("actions: {a: [{fail: {type: Oops}}]}").is_err());
    }
}
