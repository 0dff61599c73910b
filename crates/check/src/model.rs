//! The model: a runbook plus what its environment may do.
//!
//! It owns the initial states (one per parameter assignment and mode, each
//! an execution started exactly as `ssm-runbook run` starts one, so
//! counter-examples replay), the moves in each state — the engine's enabled
//! inputs, except that time only passes to the earliest deadline of any
//! execution and a due timer fires before anything else — and applying a
//! move, which drives child executions (`aws:executeAutomation`) the way
//! the simulator does: started at once, cancelled with their parent, and
//! reported to the parent when they end. It explores nothing itself.

use crate::config::{CheckConfig, ConfigError};
use indexmap::IndexMap;
use serde_json::Value;
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::execution::{
    Environment, Event, Execution, ExecutionConfig, Input, Mode, Outcome, Refusal, StopType,
};
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::scenario::{Answer, DEFAULT_PRINCIPAL, DEFAULT_START_MS};
use ssm_runbook_engine::simulate::{SimulationOptions, child_execution};
use ssm_runbook_engine::start_parameters;
use std::collections::BTreeMap;
use std::ops::Deref;
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

/// A state of the model: the execution under check and the child
/// executions it started, in start order. It dereferences to the top-level
/// execution, which is what properties look at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct World {
    /// The execution under check.
    pub root: Execution,
    /// Child executions, in start order.
    pub children: Vec<Execution>,
}

impl Deref for World {
    type Target = Execution;
    fn deref(&self) -> &Execution {
        &self.root
    }
}

impl World {
    /// The execution at `index`: 0 is the root, then the children.
    pub fn execution(&self, index: usize) -> Option<&Execution> {
        match index {
            0 => Some(&self.root),
            i => self.children.get(i - 1),
        }
    }

    fn execution_mut(&mut self, index: usize) -> Option<&mut Execution> {
        match index {
            0 => Some(&mut self.root),
            i => self.children.get_mut(i - 1),
        }
    }

    /// Every execution, root first.
    pub fn executions(&self) -> impl Iterator<Item = &Execution> {
        std::iter::once(&self.root).chain(&self.children)
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        self.executions().position(|e| e.id() == id)
    }

    /// The engine's invariants, over every execution.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.executions().try_for_each(Execution::check_invariants)
    }
}

/// One move: an input for one execution of a [`World`] at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// Which execution: 0 is the root, then the children in start order.
    pub target: usize,
    /// The input.
    pub input: Input,
    /// When.
    pub at: SimTime,
}

thread_local! {
    /// The buffer [`Model::apply`] collects a move's events in.
    static EVENTS: std::cell::RefCell<Vec<Event>> = const { std::cell::RefCell::new(Vec::new()) };
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
    documents: BTreeMap<String, Arc<Runbook>>,
    env: Environment,
    starts: Vec<Start>,
    answers: BTreeMap<String, Vec<Answer>>,
}

impl Model {
    /// Build the model of `runbook` under `config`, with no child runbooks.
    pub fn new(runbook: Arc<Runbook>, config: &CheckConfig) -> Result<Model, ConfigError> {
        Model::with_documents(runbook, BTreeMap::new(), config)
    }

    /// Build the model of `runbook` under `config`; `aws:executeAutomation`
    /// steps start the runbooks of `documents` (by document name). A child
    /// runbook that is not there makes its step fail, as in `run`.
    pub fn with_documents(
        runbook: Arc<Runbook>,
        documents: BTreeMap<String, Arc<Runbook>>,
        config: &CheckConfig,
    ) -> Result<Model, ConfigError> {
        let mut answers = BTreeMap::new();
        let mut outcomes = BTreeMap::new();
        for (step, list) in &config.actions {
            let known = runbook.index_of(step).is_some()
                || documents.values().any(|d| d.index_of(step).is_some());
            if !known {
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
                let outcome = answer
                    .outcome()
                    .map_err(|e| ConfigError::new(format!("actions.{step}[{i}]: {e}")))?
                    .ok_or_else(|| {
                        ConfigError::new(format!(
                            "actions.{step}[{i}]: `hang` is for scenarios; check always explores the step's time-out and a Cancel where they are possible"
                        ))
                    })?;
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
            documents,
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

    /// The started state for one initial choice: the execution built
    /// exactly as the simulator builds one from a scenario, and any child it
    /// starts at once.
    pub fn initial(&self, start: &Start) -> Result<World, ConfigError> {
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
        let mut world = World {
            root: Execution::new(self.runbook.clone(), config),
            children: Vec::new(),
        };
        self.apply(
            &mut world,
            &Move {
                target: 0,
                input: Input::Start {
                    parameters: parameters.into_iter().collect(),
                    mode: start.mode,
                },
                at: self.start_time(),
            },
        )
        .map_err(|r| ConfigError::new(format!("the execution does not start: {r}")))?;
        Ok(world)
    }

    /// The moves in a state at time `now`, in a fixed order: the root's
    /// enabled inputs, then each child's action outcomes, then time passing
    /// to the earliest deadline of any execution. A due deadline is the only
    /// move. (Signals and stops reach only the root, as in a scenario; a
    /// child ends by its actions, its time-outs, or its parent's cancel.)
    pub fn moves(&self, world: &World, now: SimTime) -> Vec<Move> {
        let mut out = Vec::new();
        self.moves_into(world, now, &mut out);
        out
    }

    /// [`Self::moves`], appended to `out`: a checker that keeps one buffer
    /// for every state makes no new list per state.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ssm_runbook_check::{config::CheckConfig, model::Model};
    /// use ssm_runbook_engine::{runbook::Runbook, validate::validate_text};
    /// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- {name: Gate, action: aws:pause, inputs: {}}\n").document.unwrap();
    /// let model = Model::new(Arc::new(Runbook::compile(doc, "Demo", "1").unwrap()), &CheckConfig::default()).unwrap();
    /// let world = model.initial(&model.starts()[0]).unwrap();
    /// let mut buffer = Vec::new();
    /// model.moves_into(&world, model.start_time(), &mut buffer);
    /// assert_eq!(buffer, model.moves(&world, model.start_time()));
    /// ```
    pub fn moves_into(&self, world: &World, now: SimTime, out: &mut Vec<Move>) {
        let deadline = world
            .executions()
            .enumerate()
            .filter_map(|(i, e)| e.next_deadline().map(|t| (t, i)))
            .min();
        if let Some((due, target)) = deadline.filter(|(t, _)| *t <= now) {
            out.push(Move {
                target,
                input: Input::Advance,
                at: due.max(now),
            });
            return;
        }
        for (target, e) in world.executions().enumerate() {
            e.each_enabled_input(&self.env, now, |input, at| {
                let keep = match input {
                    Input::Advance => false,
                    Input::ActionFinished { .. } => true,
                    _ => target == 0,
                };
                if keep {
                    out.push(Move { target, input, at });
                }
            });
        }
        if let Some((t, target)) = deadline {
            out.push(Move {
                target,
                input: Input::Advance,
                at: t.max(now),
            });
        }
    }

    /// Apply a move, then drive its consequences as the simulator does:
    /// start requested children, cancel children whose parent is
    /// cancelled, and report ended children to their parents. A refused
    /// move changes nothing.
    pub fn apply(&self, world: &mut World, m: &Move) -> Result<(), Refusal> {
        self.apply_owned(world, m.clone())
    }

    /// [`Self::apply`], taking the move: its input goes to the execution
    /// without a copy (what the explorer does with each move it generated).
    pub fn apply_owned(&self, world: &mut World, m: Move) -> Result<(), Refusal> {
        let Some(ex) = world.execution_mut(m.target) else {
            return Err(Refusal {
                exception: ssm_runbook_engine::execution::Exception::UnknownRequest,
                message: format!("no execution {}", m.target),
            });
        };
        // One event buffer per thread, reused by every move.
        let mut events = EVENTS.with(|buffer| std::mem::take(&mut *buffer.borrow_mut()));
        // Only child requests need the world; everything else an event
        // would say is read from the execution, so no other is made.
        let applied = ex.apply_for_children(m.input, m.at, &mut events);
        if applied.is_ok() {
            if !events.is_empty() {
                self.handle(world, m.target, events.drain(..), m.at);
            }
            self.child_done(world, m.target, m.at);
        }
        events.clear();
        EVENTS.with(|buffer| *buffer.borrow_mut() = events);
        applied
    }

    fn apply_quiet(&self, world: &mut World, target: usize, input: Input, at: SimTime) {
        let Some(ex) = world.execution_mut(target) else {
            return;
        };
        if let Ok(events) = ex.apply(input, at) {
            self.handle(world, target, events.into_iter(), at);
            self.child_done(world, target, at);
        }
    }

    /// Start or cancel the child executions that `events` ask for.
    fn handle(
        &self,
        world: &mut World,
        ex: usize,
        events: impl Iterator<Item = Event>,
        at: SimTime,
    ) {
        for event in events {
            match event {
                Event::ChildRequested(request) => self.start_child(world, ex, *request, at),
                Event::ChildCancelRequested { execution_id } => {
                    if let Some(child) = world.index_of(&execution_id) {
                        self.apply_quiet(world, child, Input::Stop(StopType::Cancel), at);
                    }
                }
                _ => {}
            }
        }
    }

    fn start_child(
        &self,
        world: &mut World,
        parent: usize,
        request: ssm_runbook_engine::execution::ChildRequest,
        at: SimTime,
    ) {
        let Some(parent_ex) = world.execution(parent) else {
            return;
        };
        // Built as the simulator builds it, so counter-examples replay.
        let started = 1 + world.children.len();
        let (mut child, start) =
            match child_execution(&self.documents, parent_ex, &request, started) {
                Ok(child) => child,
                Err(reason) => {
                    let input = Input::ChildNotStarted {
                        request_id: request.request_id,
                        reason,
                    };
                    return self.apply_quiet(world, parent, input, at);
                }
            };
        let Ok(events) = child.apply(start, at) else {
            return;
        };
        world.children.push(child);
        let ix = world.children.len();
        self.handle(world, ix, events.into_iter(), at);
        self.child_done(world, ix, at);
    }

    /// If execution `ix` has ended and its parent waits for it, tell the parent.
    fn child_done(&self, world: &mut World, ix: usize, at: SimTime) {
        let Some(child) = world.execution(ix) else {
            return;
        };
        if !child.status().is_terminal() {
            return;
        }
        let Some(parent) = child
            .config()
            .parent_execution_id
            .as_deref()
            .and_then(|p| world.index_of(p))
        else {
            return;
        };
        let Some((request_id, execution_id)) =
            world.execution(parent).and_then(|p| p.pending_child())
        else {
            return;
        };
        if execution_id != child.id() {
            return;
        }
        let input = Input::ChildFinished {
            request_id,
            execution_id: execution_id.to_string(),
            status: child.status(),
            outputs: child.output_values(),
        };
        self.apply_quiet(world, parent, input, at);
    }

    /// The scenario answer that gives `outcome` for `step`.
    pub fn answer_for(&self, step: &str, outcome: &Outcome) -> Answer {
        if let Some(a) = self
            .answers(step)
            .iter()
            .find(|a| a.outcome().ok().flatten().as_ref() == Some(outcome))
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
        assert_eq!(
            m.moves(&ex, later),
            vec![Move {
                target: 0,
                input: Input::Advance,
                at: later
            }]
        );
    }
}
