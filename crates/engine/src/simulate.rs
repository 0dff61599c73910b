//! The default driver: run one execution on a virtual clock, answering its
//! external actions from a [`Scenario`], applying the scenario's timed
//! events, and running child executions (`aws:executeAutomation`) through a
//! document resolver the caller supplies.
//!
//! The clock jumps to the next event, answer or deadline; when nothing else
//! is left it still advances to the next deadline, so an unanswered
//! approval times out exactly when SSM would time it out. Only a wait with
//! no deadline and no event left ends the run as Waiting. At equal times,
//! action answers come first (an answer given `after` nothing arrives the
//! moment it is requested), then scenario events, then timers.
//!
//! Answers are taken per step in request order: the nth request a step
//! makes in an execution (every attempt, poll and loop iteration counts)
//! gets the step's nth answer, the last one repeating; an answer with
//! `hang: true` never arrives.

use crate::clock::{DurationMs, SimTime};
use crate::execution::{
    ActionRequest, ChildRequest, Event, Execution, ExecutionConfig, Input, Outcome, Payload,
    SignalType, Status,
};
use crate::runbook::Runbook;
use crate::scenario::{EventAction, Scenario, ScenarioError};
use crate::start_parameters;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Finds the runbooks that `aws:executeAutomation` steps name.
pub trait DocumentResolver {
    /// The runbook of this name (and version, when given).
    fn resolve(&self, name: &str, version: Option<&str>) -> Option<Arc<Runbook>>;
}

/// A resolver that knows no documents.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDocuments;

impl DocumentResolver for NoDocuments {
    fn resolve(&self, _: &str, _: Option<&str>) -> Option<Arc<Runbook>> {
        None
    }
}

impl DocumentResolver for BTreeMap<String, Arc<Runbook>> {
    fn resolve(&self, name: &str, _version: Option<&str>) -> Option<Arc<Runbook>> {
        self.get(name).cloned()
    }
}

/// Options of a simulation.
#[derive(Debug, Clone)]
pub struct SimulationOptions {
    /// Make an external step without a scenario answer an error.
    pub strict: bool,
    /// The execution id (36 characters).
    pub execution_id: String,
    /// The seed for step execution ids.
    pub seed: u64,
    /// Most transitions before the driver gives up (default 1,000,000).
    pub max_transitions: u64,
}

impl Default for SimulationOptions {
    fn default() -> Self {
        SimulationOptions {
            strict: false,
            execution_id: "00000000-0000-4000-8000-000000000001".into(),
            seed: 1,
            max_transitions: 1_000_000,
        }
    }
}

/// One line of the run's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// When.
    pub at: SimTime,
    /// Which execution (the top-level one, or a child's id).
    pub execution_id: String,
    /// What happened.
    pub what: Happening,
}

/// What a timeline entry records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happening {
    /// The execution's status changed.
    Execution(Status),
    /// A step's status changed.
    Step {
        /// The step.
        step: String,
        /// Its new status.
        status: Status,
    },
    /// A signal was sent.
    Signal {
        /// The signal.
        signal: SignalType,
        /// Who sent it.
        principal: String,
        /// `None` when accepted; the SSM exception and message when refused.
        refused: Option<(String, String)>,
    },
    /// A stop was requested.
    Stop {
        /// Cancel or Complete.
        stop: String,
        /// `None` when accepted; the SSM exception and message when refused.
        refused: Option<(String, String)>,
    },
    /// An external action was answered.
    Answer {
        /// The step.
        step: String,
        /// The attempt.
        attempt: u32,
        /// A one-line summary of the outcome.
        outcome: String,
    },
    /// Something the reader should know (an unanswered step, an unknown child runbook).
    Note(String),
}

/// The result of a simulation.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The execution, in its final state.
    pub execution: Execution,
    /// Child executions, in start order.
    pub children: Vec<Execution>,
    /// What happened, in order.
    pub timeline: Vec<TimelineEntry>,
}

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulateError {
    /// The scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The start parameters do not fit the runbook (InvalidAutomationExecutionParametersException).
    #[error("InvalidAutomationExecutionParametersException: {0}")]
    Parameters(String),
    /// `--strict`: an external step had no answer.
    #[error("step {step} has no answer in the scenario (--strict)")]
    Unanswered {
        /// The step.
        step: String,
    },
    /// The driver's transition limit was reached.
    #[error("the simulation took more than {0} transitions (limit max_transitions)")]
    TooLong(u64),
}

struct Pending {
    at: SimTime,
    seq: u64,
    execution_id: String,
    input: Input,
    step: String,
    attempt: u32,
}

struct Driver<'a, 'o, 'f> {
    scenario: &'a Scenario,
    resolver: &'a dyn DocumentResolver,
    options: &'a SimulationOptions,
    timeline: Vec<TimelineEntry>,
    executions: Vec<Execution>,
    pending: Vec<Pending>,
    seq: u64,
    transitions: u64,
    /// Requests made so far, per execution and step.
    requests: BTreeMap<(usize, String), usize>,
    observer: Option<&'o mut Observer<'f>>,
    stopped: bool,
}

/// What [`simulate_observed`] shows each state of the top-level execution.
pub type Observer<'a> = dyn FnMut(&Execution, SimTime) -> Flow + 'a;

/// Whether a simulation goes on after an observer has seen a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep running.
    Continue,
    /// Stop here: the simulation returns the state just observed.
    Stop,
}

/// Run `runbook` under `scenario`.
///
/// ```
/// use std::sync::Arc;
/// use ssm_runbook_engine::runbook::Runbook;
/// use ssm_runbook_engine::scenario::Scenario;
/// use ssm_runbook_engine::simulate::{simulate, NoDocuments, SimulationOptions};
/// use ssm_runbook_engine::validate::validate_text;
/// use ssm_runbook_engine::execution::Status;
/// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: Gate\n  action: aws:approve\n  inputs: {Approvers: [alice]}\n").document.unwrap();
/// let rb = Arc::new(Runbook::compile(doc, "Demo", "1").unwrap());
/// let scenario = Scenario::from_yaml("events:\n- at: PT5M\n  signal: Approve\n  principal: arn:aws:iam::111122223333:user/alice\n").unwrap();
/// let sim = simulate(rb.clone(), &scenario, &NoDocuments, &SimulationOptions::default()).unwrap();
/// assert_eq!(sim.execution.status(), Status::Success);
/// // Without the approval, the approval times out after 7 days.
/// let sim = simulate(rb, &Scenario::default(), &NoDocuments, &SimulationOptions::default()).unwrap();
/// assert_eq!(sim.execution.status(), Status::TimedOut);
/// ```
pub fn simulate(
    runbook: Arc<Runbook>,
    scenario: &Scenario,
    resolver: &dyn DocumentResolver,
    options: &SimulationOptions,
) -> Result<Simulation, SimulateError> {
    run_simulation(runbook, scenario, resolver, options, None)
}

/// Run `runbook` under `scenario`, showing `observer` the top-level
/// execution after every transition it makes (and once after the start),
/// with the time of the transition; the observer may stop the run there.
///
/// This is how a model checker's counter-example is replayed up to its
/// violating state.
///
/// ```
/// use std::sync::Arc;
/// use ssm_runbook_engine::runbook::Runbook;
/// use ssm_runbook_engine::scenario::Scenario;
/// use ssm_runbook_engine::simulate::{simulate_observed, Flow, NoDocuments, SimulationOptions};
/// use ssm_runbook_engine::validate::validate_text;
/// use ssm_runbook_engine::execution::Status;
/// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: Nap\n  action: aws:sleep\n  inputs: {Duration: PT1M}\n").document.unwrap();
/// let rb = Arc::new(Runbook::compile(doc, "Demo", "1").unwrap());
/// let mut seen = Vec::new();
/// let mut observe = |ex: &ssm_runbook_engine::execution::Execution, _at| {
///     seen.push(ex.status());
///     Flow::Continue
/// };
/// simulate_observed(rb, &Scenario::default(), &NoDocuments, &SimulationOptions::default(), &mut observe).unwrap();
/// assert_eq!(seen, [Status::InProgress, Status::Success]);
/// ```
pub fn simulate_observed(
    runbook: Arc<Runbook>,
    scenario: &Scenario,
    resolver: &dyn DocumentResolver,
    options: &SimulationOptions,
    observer: &mut dyn FnMut(&Execution, SimTime) -> Flow,
) -> Result<Simulation, SimulateError> {
    run_simulation(runbook, scenario, resolver, options, Some(observer))
}

fn run_simulation(
    runbook: Arc<Runbook>,
    scenario: &Scenario,
    resolver: &dyn DocumentResolver,
    options: &SimulationOptions,
    observer: Option<&mut Observer<'_>>,
) -> Result<Simulation, SimulateError> {
    let start = scenario.start_time()?;
    let mode = scenario.mode()?;
    let parameters = start_parameters::parse_values(&runbook.document, &scenario.parameters)
        .map_err(|e| SimulateError::Parameters(e.to_string()))?;
    let mut config = ExecutionConfig::new(options.execution_id.clone(), scenario.principal());
    config.seed = options.seed;
    let mut driver = Driver {
        scenario,
        resolver,
        options,
        timeline: Vec::new(),
        executions: Vec::new(),
        pending: Vec::new(),
        seq: 0,
        transitions: 0,
        requests: BTreeMap::new(),
        observer,
        stopped: false,
    };
    let mut root = Execution::new(runbook, config);
    let events = root
        .apply(
            Input::Start {
                parameters: parameters.into_iter().collect(),
                mode,
            },
            start,
        )
        .map_err(|r| SimulateError::Parameters(r.message))?;
    driver.executions.push(root);
    driver.observe(0, start);
    driver.handle(0, events, start)?;
    if !driver.stopped {
        driver.run(start)?;
    }
    let mut executions = driver.executions.into_iter();
    let execution = executions.next().ok_or(SimulateError::TooLong(0))?;
    Ok(Simulation {
        execution,
        children: executions.collect(),
        timeline: driver.timeline,
    })
}

/// The child execution that a parent's `aws:executeAutomation` request
/// asks for, not started yet, with the input that starts it. Every driver
/// (this simulator, the model checker) builds children here, so their runs
/// agree id for id. `started` is how many executions the driver has
/// started so far, the root included: it seeds the child's ids. `Err` is
/// the reason the child cannot start, for [`Input::ChildNotStarted`].
pub fn child_execution(
    resolver: &dyn DocumentResolver,
    parent: &Execution,
    request: &ChildRequest,
    started: usize,
) -> Result<(Execution, Input), String> {
    let Some(runbook) =
        resolver.resolve(&request.document_name, request.document_version.as_deref())
    else {
        return Err(format!(
            "AutomationDefinitionNotFoundException: runbook {} for step {} is not known (give it with --documents)",
            request.document_name, request.step_name
        ));
    };
    let wire: indexmap::IndexMap<String, Vec<String>> =
        request.parameters.clone().into_iter().collect();
    let parameters = start_parameters::parse(&runbook.document, &wire).map_err(|e| {
        format!(
            "InvalidAutomationExecutionParametersException: child runbook {} refused its parameters: {e}",
            request.document_name
        )
    })?;
    let parent_cfg = parent.config();
    let mut config = ExecutionConfig::new(request.execution_id, parent_cfg.executed_by.clone());
    config.parent_execution_id = Some(parent.id().to_owned());
    config.depth = parent_cfg.depth + 1;
    config.seed = parent_cfg
        .seed
        .wrapping_add(started as u64)
        .wrapping_mul(0x9e37_79b9);
    config.limits = parent_cfg.limits.clone();
    let start = Input::Start {
        parameters: parameters.into_iter().collect(),
        mode: crate::execution::Mode::Auto,
    };
    Ok((Execution::new(runbook, config), start))
}

impl Driver<'_, '_, '_> {
    /// Show the observer the top-level execution after a transition.
    fn observe(&mut self, ex: usize, at: SimTime) {
        if ex != 0 {
            return;
        }
        if let (Some(observer), Some(root)) = (self.observer.as_mut(), self.executions.first()) {
            if observer(root, at) == Flow::Stop {
                self.stopped = true;
            }
        }
    }

    fn note(&mut self, at: SimTime, execution: usize, what: Happening) {
        let execution_id = self.executions[execution].id().to_owned();
        self.timeline.push(TimelineEntry {
            at,
            execution_id,
            what,
        });
    }

    fn index_of(&self, execution_id: &str) -> Option<usize> {
        self.executions.iter().position(|e| e.id() == execution_id)
    }

    fn handle(&mut self, ex: usize, events: Vec<Event>, now: SimTime) -> Result<(), SimulateError> {
        for event in events {
            match event {
                Event::ExecutionStatus { status } => {
                    self.note(now, ex, Happening::Execution(status))
                }
                Event::StepStatus { step, status, .. } => {
                    let step = self.executions[ex].runbook().step(step).name.to_string();
                    self.note(now, ex, Happening::Step { step, status })
                }
                Event::ActionRequested(request) => self.answer(ex, request, now)?,
                Event::ChildRequested(request) => self.start_child(ex, *request, now)?,
                Event::ChildCancelRequested { execution_id } => {
                    if let Some(child) = self.index_of(&execution_id) {
                        self.apply(child, Input::Stop(crate::execution::StopType::Cancel), now)?;
                    }
                }
                Event::SignalAccepted { .. } => {}
                Event::LimitExceeded { limit, value } => self.note(
                    now,
                    ex,
                    Happening::Note(format!("limit {limit} ({value}) reached")),
                ),
            }
        }
        Ok(())
    }

    fn answer(
        &mut self,
        ex: usize,
        request: ActionRequest,
        now: SimTime,
    ) -> Result<(), SimulateError> {
        let nth = self
            .requests
            .entry((ex, request.step_name.to_string()))
            .or_default();
        *nth += 1;
        let answer = match self.scenario.answer(&request.step_name, *nth) {
            Some(a) => Some((a.outcome()?, a.delay()?)),
            None => None,
        };
        let (outcome, delay) = match answer {
            Some((None, _)) => {
                self.note(
                    now,
                    ex,
                    Happening::Note(format!(
                        "step {} hangs: it never answers (hang: true)",
                        request.step_name
                    )),
                );
                return Ok(());
            }
            Some((Some(outcome), delay)) => (outcome, delay),
            None if self.options.strict => {
                return Err(SimulateError::Unanswered {
                    step: request.step_name.to_string(),
                });
            }
            None => {
                self.note(
                    now,
                    ex,
                    Happening::Note(format!(
                        "step {} has no answer in the scenario: it succeeds with an empty response",
                        request.step_name
                    )),
                );
                (
                    Outcome::Success {
                        response: serde_json::json!({}),
                    },
                    DurationMs(0),
                )
            }
        };
        self.seq += 1;
        self.pending.push(Pending {
            at: now.plus(delay),
            seq: self.seq,
            execution_id: self.executions[ex].id().to_owned(),
            step: request.step_name.to_string(),
            attempt: request.attempt,
            input: Input::ActionFinished {
                request_id: request.request_id,
                outcome,
            },
        });
        Ok(())
    }

    fn start_child(
        &mut self,
        parent: usize,
        request: ChildRequest,
        now: SimTime,
    ) -> Result<(), SimulateError> {
        let started = self.executions.len();
        let (mut child, start) =
            match child_execution(self.resolver, &self.executions[parent], &request, started) {
                Ok(child) => child,
                Err(why) => {
                    self.note(now, parent, Happening::Note(why.clone()));
                    self.seq += 1;
                    self.pending.push(Pending {
                        at: now,
                        seq: self.seq,
                        execution_id: self.executions[parent].id().to_owned(),
                        step: request.step_name,
                        attempt: 1,
                        input: Input::ChildNotStarted {
                            request_id: request.request_id,
                            reason: why,
                        },
                    });
                    return Ok(());
                }
            };
        let events = child
            .apply(start, now)
            .map_err(|r| SimulateError::Parameters(r.message))?;
        self.executions.push(child);
        let ix = self.executions.len() - 1;
        self.handle(ix, events, now)?;
        self.child_done(ix, now)
    }

    /// If child `ix` has ended, tell its parent.
    fn child_done(&mut self, ix: usize, now: SimTime) -> Result<(), SimulateError> {
        let child = &self.executions[ix];
        if !child.status().is_terminal() {
            return Ok(());
        }
        let Some(parent_id) = child.config().parent_execution_id.clone() else {
            return Ok(());
        };
        let Some(parent) = self.index_of(&parent_id) else {
            return Ok(());
        };
        let Some((request_id, execution_id)) = self.executions[parent].pending_child() else {
            return Ok(());
        };
        if execution_id != child.id() {
            return Ok(());
        }
        let outputs = child.output_values();
        let status = child.status();
        self.apply(
            parent,
            Input::ChildFinished {
                request_id,
                execution_id: execution_id.to_string(),
                status,
                outputs,
            },
            now,
        )
    }

    fn apply(&mut self, ex: usize, input: Input, now: SimTime) -> Result<(), SimulateError> {
        self.transitions += 1;
        if self.transitions > self.options.max_transitions {
            return Err(SimulateError::TooLong(self.options.max_transitions));
        }
        if self.stopped {
            return Ok(());
        }
        match self.executions[ex].apply(input, now) {
            Ok(events) => {
                self.observe(ex, now);
                self.handle(ex, events, now)?;
                self.child_done(ex, now)
            }
            Err(refusal) => {
                self.note(
                    now,
                    ex,
                    Happening::Note(format!("{}: {}", refusal.exception, refusal.message)),
                );
                Ok(())
            }
        }
    }

    fn run(&mut self, start: SimTime) -> Result<(), SimulateError> {
        let mut events: Vec<(SimTime, usize)> = Vec::new();
        for (i, e) in self.scenario.events.iter().enumerate() {
            let offset = e.offset().map_err(|m| ScenarioError {
                message: format!("events[{i}]: {m}"),
            })?;
            events.push((start.plus(offset), i));
        }
        events.sort();
        let mut next_event = 0;
        while !self.stopped {
            self.transitions += 1;
            if self.transitions > self.options.max_transitions {
                return Err(SimulateError::TooLong(self.options.max_transitions));
            }
            let event_at = events.get(next_event).map(|(t, _)| *t);
            let answer = self
                .pending
                .iter()
                .enumerate()
                .min_by_key(|(_, p)| (p.at, p.seq))
                .map(|(i, p)| (p.at, i));
            let deadline = self
                .executions
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.next_deadline().map(|t| (t, i)))
                .min();
            let candidates = [
                answer.map(|(t, _)| (t, 0u8)),
                event_at.map(|t| (t, 1u8)),
                deadline.map(|(t, _)| (t, 2u8)),
            ];
            let Some((_, kind)) = candidates.into_iter().flatten().min() else {
                return Ok(());
            };
            match kind {
                1 => {
                    let (at, i) = events[next_event];
                    next_event += 1;
                    self.event(i, at)?;
                }
                0 => {
                    let Some((_, i)) = answer else { continue };
                    let p = self.pending.remove(i);
                    let Some(ex) = self.index_of(&p.execution_id) else {
                        continue;
                    };
                    if let Input::ActionFinished { outcome, .. } = &p.input {
                        let summary = match outcome {
                            Outcome::Success { response } => {
                                format!("success {}", compact(response))
                            }
                            Outcome::Failure {
                                failure_type,
                                message,
                                ..
                            } => format!("failure {failure_type}: {message}"),
                            Outcome::TimedOut => "timed out".to_owned(),
                        };
                        self.note(
                            p.at,
                            ex,
                            Happening::Answer {
                                step: p.step.clone(),
                                attempt: p.attempt,
                                outcome: summary,
                            },
                        );
                    }
                    self.apply(ex, p.input, p.at)?;
                }
                _ => {
                    let Some((at, ex)) = deadline else { continue };
                    self.apply(ex, Input::Advance, at)?;
                }
            }
        }
        Ok(())
    }

    fn event(&mut self, i: usize, at: SimTime) -> Result<(), SimulateError> {
        let event = &self.scenario.events[i];
        let action = event
            .action(self.scenario.principal())
            .map_err(|m| ScenarioError {
                message: format!("events[{i}]: {m}"),
            })?;
        // Time passes up to the event first.
        self.apply(0, Input::Advance, at)?;
        match action {
            EventAction::Stop(stop) => {
                if self.stopped {
                    return Ok(());
                }
                let result = self.executions[0].apply(Input::Stop(stop), at);
                if result.is_ok() {
                    self.observe(0, at);
                }
                let refused = result
                    .as_ref()
                    .err()
                    .map(|r| (r.exception.name().to_owned(), r.message.clone()));
                self.note(
                    at,
                    0,
                    Happening::Stop {
                        stop: stop.as_str().to_owned(),
                        refused,
                    },
                );
                if let Ok(events) = result {
                    self.handle(0, events, at)?;
                }
            }
            EventAction::Signal {
                signal,
                mut payload,
                principal,
                step,
            } => {
                if let (SignalType::StopStep, Some(step)) = (signal, &step) {
                    if !payload.contains_key("StepExecutionId") {
                        let id = self.executions[0]
                            .step_executions()
                            .rev()
                            .find(|s| *s.step_name == **step)
                            .map(|s| s.id.to_string());
                        payload.insert(
                            "StepExecutionId".into(),
                            vec![id.unwrap_or_else(|| format!("unknown-step-{step}"))],
                        );
                    }
                }
                if self.stopped {
                    return Ok(());
                }
                let result = self.executions[0].apply(
                    Input::Signal {
                        signal,
                        payload: payload.clone(),
                        principal: principal.clone(),
                    },
                    at,
                );
                if result.is_ok() {
                    self.observe(0, at);
                }
                let refused = result
                    .as_ref()
                    .err()
                    .map(|r| (r.exception.name().to_owned(), r.message.clone()));
                self.note(
                    at,
                    0,
                    Happening::Signal {
                        signal,
                        principal,
                        refused,
                    },
                );
                if let Ok(events) = result {
                    self.handle(0, events, at)?;
                    self.child_done(0, at)?;
                }
                let _: &Payload = &payload;
            }
        }
        Ok(())
    }
}

fn compact(v: &serde_json::Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}
