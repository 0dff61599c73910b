//! The model: a runbook plus what its environment may do.
//!
//! It owns the initial states (one per parameter assignment and mode, each
//! an execution started exactly as `ssm-runbook run` starts one, so
//! counter-examples replay) and the moves in each state: the engine's
//! enabled inputs, except that a timer already due fires before anything
//! else (a later deadline never fires before an earlier one, and nothing
//! overtakes a due one). It explores nothing itself.

use crate::config::{CheckConfig, ConfigError};
use indexmap::IndexMap;
use serde_json::Value;
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::execution::{
    Environment, Execution, ExecutionConfig, Input, Mode, Outcome, StopType,
};
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::scenario::{Answer, DEFAULT_PRINCIPAL, DEFAULT_START_MS};
use ssm_runbook_engine::simulate::SimulationOptions;
use ssm_runbook_engine::start_parameters;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Most parameter assignments × modes explored.
pub const MAX_INITIAL_STATES: usize = 4096;

/// One initial state's choices.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    /// Parameter values chosen by the checker (defaults are left out).
    pub parameters: IndexMap<String, Value>,
    /// The mode.
    pub mode: Mode,
}

/// A runbook and its environment.
///
/// ```
/// use std::sync::Arc;
/// use ssm_runbook_check::{config::CheckConfig, model::Model};
/// use ssm_runbook_engine::{runbook::Runbook, validate::validate_text};
/// let doc = validate_text("schemaVersion: '0.3'\nparameters:\n  Env: {type: String, allowedValues: [dev, prod]}\nmainSteps:\n- {name: Gate, action: aws:pause, inputs: {}}\n").document.unwrap();
/// let rb = Arc::new(Runbook::compile(doc, "Demo", "1").unwrap());
/// let model = Model::new(rb, &CheckConfig::default()).unwrap();
/// assert_eq!(model.starts().len(), 2); // one per allowed value
/// ```
#[derive(Debug, Clone)]
pub struct Model {
    runbook: Arc<Runbook>,
    env: Environment,
    starts: Vec<Start>,
    answers: BTreeMap<String, Vec<Answer>>,
}

impl Model {
    /// Build the model of `runbook` under `config`.
    pub fn new(runbook: Arc<Runbook>, config: &CheckConfig) -> Result<Model, ConfigError> {
        for flat in runbook.steps() {
            if flat.step.action.name() == "aws:executeAutomation" {
                return Err(ConfigError::new(format!(
                    "step {} runs a child runbook (aws:executeAutomation): check does not explore child executions yet; check the child runbook on its own",
                    flat.step.name
                )));
            }
        }
        let mut answers = BTreeMap::new();
        let mut outcomes = BTreeMap::new();
        for (step, list) in &config.actions {
            if runbook.index_of(step).is_none() {
                return Err(ConfigError::new(format!(
                    "actions.{step}: the runbook has no step named '{step}'"
                )));
            }
            if list.is_empty() {
                return Err(ConfigError::new(format!(
                    "actions.{step}: list at least one outcome"
                )));
            }
            let mut step_outcomes = Vec::new();
            for (i, answer) in list.iter().enumerate() {
                if answer.after.is_some() {
                    return Err(ConfigError::new(format!(
                        "actions.{step}[{i}]: `after` is for scenarios; check explores each outcome at the moment the action is requested, and time-outs through the step's timeoutSeconds"
                    )));
                }
                if answer.hangs() {
                    return Err(ConfigError::new(format!(
                        "actions.{step}[{i}]: `hang` is for scenarios; check always explores the step's time-out and a Cancel where they are possible"
                    )));
                }
                let outcome = answer
                    .outcome()
                    .map_err(|e| ConfigError::new(format!("actions.{step}[{i}]: {e}")))?;
                step_outcomes.push(outcome);
            }
            outcomes.insert(step.clone(), step_outcomes);
            answers.insert(step.clone(), list.clone());
        }
        let mut stops = Vec::new();
        for s in &config.explore.stop {
            match StopType::parse(s) {
                Some(StopType::Cancel) => stops.push(StopType::Cancel),
                Some(StopType::Complete) => {
                    return Err(ConfigError::new(
                        "explore.stop: Complete only applies to Interactive executions, which check explores with mode: Interactive",
                    ));
                }
                None => {
                    return Err(ConfigError::new(format!(
                        "explore.stop: '{s}' is not Cancel"
                    )));
                }
            }
        }
        let env = Environment {
            principals: config.principals.clone().unwrap_or_default(),
            listed_approvers: config.principals.is_none(),
            outcomes,
            stops,
        };
        let modes = match &config.explore.mode {
            None => vec![Mode::Auto],
            Some(m) => m
                .to_vec()
                .iter()
                .map(|m| {
                    Mode::parse(m).ok_or_else(|| {
                        ConfigError::new(format!("explore.mode: '{m}' is not Auto or Interactive"))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let starts = assignments(&runbook, config, &modes)?;
        let model = Model {
            runbook,
            env,
            starts,
            answers,
        };
        for start in &model.starts {
            model.initial(start)?;
        }
        Ok(model)
    }

    /// The runbook.
    pub fn runbook(&self) -> &Arc<Runbook> {
        &self.runbook
    }

    /// The environment the moves come from.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The initial choices, in exploration order.
    pub fn starts(&self) -> &[Start] {
        &self.starts
    }

    /// The configured answers of a step, if any.
    pub fn answers(&self, step: &str) -> &[Answer] {
        self.answers
            .get(step)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The time every execution starts at (the scenario default).
    pub fn start_time(&self) -> SimTime {
        SimTime(DEFAULT_START_MS)
    }

    /// The started execution for one initial choice, built exactly as the
    /// simulator builds one from a scenario.
    pub fn initial(&self, start: &Start) -> Result<Execution, ConfigError> {
        let options = SimulationOptions::default();
        let parameters = start_parameters::parse_values(&self.runbook.document, &start.parameters)
            .map_err(|e| {
                ConfigError::new(format!(
                    "parameters {}: InvalidAutomationExecutionParametersException: {e}",
                    serde_json::to_string(&start.parameters).unwrap_or_default()
                ))
            })?;
        let mut config = ExecutionConfig::new(options.execution_id, DEFAULT_PRINCIPAL);
        config.seed = options.seed;
        let mut ex = Execution::new(self.runbook.clone(), config);
        ex.apply(
            Input::Start {
                parameters: parameters.into_iter().collect(),
                mode: start.mode,
            },
            self.start_time(),
        )
        .map_err(|r| ConfigError::new(format!("the execution does not start: {r}")))?;
        Ok(ex)
    }

    /// The moves in a state at time `now`, in a fixed order.
    pub fn moves(&self, ex: &Execution, now: SimTime) -> Vec<(Input, SimTime)> {
        if let Some(due) = ex.next_deadline().filter(|d| *d <= now) {
            return vec![(Input::Advance, due.max(now))];
        }
        ex.enabled_inputs(&self.env, now)
    }

    /// The scenario answer that gives `outcome` for `step`.
    pub fn answer_for(&self, step: &str, outcome: &Outcome) -> Answer {
        if let Some(a) = self
            .answers(step)
            .iter()
            .find(|a| a.outcome().ok().as_ref() == Some(outcome))
        {
            return a.clone();
        }
        answer_from(outcome)
    }
}

/// A scenario answer that gives exactly `outcome`.
pub fn answer_from(outcome: &Outcome) -> Answer {
    use ssm_runbook_engine::scenario::Failure;
    match outcome {
        Outcome::Success { response } => Answer {
            outputs: Some(response.clone()),
            ..Answer::default()
        },
        Outcome::Failure {
            failure_type,
            stage,
            message,
        } => Answer {
            fail: Some(Failure {
                failure_type: Some(failure_type.as_str().to_owned()),
                stage: Some(stage.as_str().to_owned()),
                message: Some(message.clone()),
            }),
            ..Answer::default()
        },
        Outcome::TimedOut => Answer {
            timeout: Some(true),
            ..Answer::default()
        },
    }
}

/// Every parameter assignment × mode, in declaration order.
fn assignments(
    runbook: &Runbook,
    config: &CheckConfig,
    modes: &[Mode],
) -> Result<Vec<Start>, ConfigError> {
    let doc = &runbook.document;
    for name in config.parameters.keys() {
        if !doc.parameters.contains_key(name) {
            return Err(ConfigError::new(format!(
                "parameters.{name}: the runbook declares no parameter '{name}'"
            )));
        }
    }
    let mut choices: Vec<(String, Vec<Value>)> = Vec::new();
    for (name, p) in &doc.parameters {
        let values = match config.parameters.get(name) {
            Some(v) if v.is_empty() => {
                return Err(ConfigError::new(format!(
                    "parameters.{name}: list at least one value"
                )));
            }
            Some(v) => v.clone(),
            None if p.default.is_some() => continue,
            None => match &p.allowed_values {
                Some(allowed) if !allowed.is_empty() => allowed.clone(),
                _ => {
                    return Err(ConfigError::new(format!(
                        "parameter {name} has no default and no allowedValues: give the values to try under `parameters: {{{name}: [...]}}` in the check configuration"
                    )));
                }
            },
        };
        choices.push((name.clone(), values));
    }
    let mut out = vec![IndexMap::new()];
    for (name, values) in choices {
        let mut next = Vec::with_capacity(out.len() * values.len());
        for partial in &out {
            for v in &values {
                let mut a: IndexMap<String, Value> = partial.clone();
                a.insert(name.clone(), v.clone());
                next.push(a);
            }
        }
        if next.len() * modes.len() > MAX_INITIAL_STATES {
            return Err(ConfigError::new(format!(
                "the parameter values give more than {MAX_INITIAL_STATES} start assignments; list fewer values"
            )));
        }
        out = next;
    }
    let mut starts = Vec::new();
    for mode in modes {
        for parameters in &out {
            starts.push(Start {
                parameters: parameters.clone(),
                mode: *mode,
            });
        }
    }
    Ok(starts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssm_runbook_engine::validate::validate_text;

    fn model(doc: &str, config: &str) -> Result<Model, ConfigError> {
        let doc = validate_text(doc).document.expect("document");
        let rb = Arc::new(Runbook::compile(doc, "T", "1").expect("compiles"));
        Model::new(rb, &CheckConfig::from_yaml(config)?)
    }

    const TWO_PARAMS: &str = "schemaVersion: '0.3'\nparameters:\n  A: {type: String, allowedValues: [x, y, z]}\n  B: {type: Boolean, default: true}\n  C: {type: String}\nmainSteps:\n- {name: Gate, action: aws:pause, inputs: {}}\n";

    #[test]
    fn assignments_are_the_product_of_listed_values() {
        let m = model(
            TWO_PARAMS,
            "parameters: {C: [c1, c2]}\nexplore: {mode: [Auto, Interactive]}\n",
        )
        .expect("model");
        assert_eq!(m.starts().len(), 12);
        assert_eq!(m.starts()[0].parameters["A"], "x");
        assert_eq!(m.starts()[1].parameters["C"], "c2");
        assert!(!m.starts()[0].parameters.contains_key("B"));
        assert_eq!(m.starts()[11].mode, Mode::Interactive);
    }

    #[test]
    fn configuration_mistakes_are_named() {
        for (config, says) in [
            ("", "parameter C has no default"),
            ("parameters: {C: [c], D: [d]}\n", "no parameter 'D'"),
            ("parameters: {C: []}\n", "at least one value"),
            (
                "parameters: {C: [c]}\nactions: {Nope: [{outputs: {}}]}\n",
                "no step named 'Nope'",
            ),
            (
                "parameters: {C: [c]}\nactions: {Gate: [{after: PT1M, outputs: {}}]}\n",
                "`after` is for scenarios",
            ),
            (
                "parameters: {C: [c]}\nexplore: {stop: [Halt]}\n",
                "'Halt' is not Cancel",
            ),
            (
                "parameters: {C: [c]}\nexplore: {mode: Manual}\n",
                "'Manual' is not Auto",
            ),
            (
                "parameters: {A: [w], C: [c]}\n",
                "InvalidAutomationExecutionParametersException",
            ),
        ] {
            let e = model(TWO_PARAMS, config)
                .err()
                .map(|e| e.message)
                .unwrap_or_default();
            assert!(e.contains(says), "{config}: {e}");
        }
    }

    #[test]
    fn a_due_timer_preempts_every_other_move() {
        let m = model(
            "schemaVersion: '0.3'\nmainSteps:\n- {name: Nap, action: aws:sleep, inputs: {Duration: PT1M}}\n",
            "explore: {stop: [Cancel]}\n",
        )
        .expect("model");
        let ex = m.initial(&m.starts()[0]).expect("starts");
        let t0 = m.start_time();
        assert_eq!(m.moves(&ex, t0).len(), 2, "Cancel and the timer");
        let later = SimTime(t0.0 + 60_000);
        assert_eq!(m.moves(&ex, later), vec![(Input::Advance, later)]);
    }
}
