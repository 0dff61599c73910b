//! Traces: a path through the model, replayed from its initial choice, and
//! its rendering as a scenario file that `ssm-runbook run` replays.
//!
//! The explorer keeps only move indices; this module turns them back into
//! inputs, times and states. The scenario keeps the same order of events
//! under the simulator's rules: answers are listed per step in request
//! order (an action that never answers on the path `hang`s), signals and
//! stops become timed events, and time-outs need nothing (the simulator
//! advances to each deadline itself).

use crate::model::{Model, Move as ModelMove, Start, World};
use indexmap::IndexMap;
use ssm_runbook_engine::clock::{DurationMs, SimTime};
use ssm_runbook_engine::execution::{Id, Input, Mode, Refusal};
use ssm_runbook_engine::scenario::{Answer, DEFAULT_PRINCIPAL, Scenario, ScenarioEvent};
use std::collections::BTreeMap;

/// One move of a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// Which execution it went to: 0 is the root, then its children.
    pub target: usize,
    /// What the environment did.
    pub input: Input,
    /// When.
    pub at: SimTime,
    /// Whether the engine refused it (only an internal error does that).
    pub refused: Option<Refusal>,
}

/// A path from an initial state.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The initial choice.
    pub start: Start,
    /// The moves, in order.
    pub moves: Vec<Move>,
    /// The last state.
    pub last: World,
    /// Its time.
    pub at: SimTime,
}

impl Move {
    /// The move as the model applies it.
    pub fn to_model(&self) -> ModelMove {
        ModelMove {
            target: self.target,
            input: self.input.clone(),
            at: self.at,
        }
    }
}

impl Trace {
    /// Replay `choices` (a move index per step) from initial choice `start`.
    /// `None` when the indices do not fit the model (a bug in the caller).
    pub fn replay(model: &Model, start: usize, choices: &[u32]) -> Option<Trace> {
        let start = model.starts().get(start)?.clone();
        let mut world = model.initial(&start).ok()?;
        let mut now = model.start_time();
        let mut moves = Vec::with_capacity(choices.len());
        for &i in choices {
            let m = model.moves(&world, now).into_iter().nth(i as usize)?;
            let mut next = world.clone();
            let refused = model.apply(&mut next, &m).err();
            if refused.is_none() {
                world = next;
                now = m.at;
            }
            moves.push(Move {
                target: m.target,
                input: m.input,
                at: m.at,
                refused,
            });
        }
        Some(Trace {
            start,
            moves,
            last: world,
            at: now,
        })
    }

    /// The trace as a scenario: `ssm-runbook run` with it passes through the
    /// same states (see the module docs for how).
    pub fn to_scenario(&self, model: &Model) -> Scenario {
        let start_time = model.start_time();
        let mut scenario = Scenario {
            parameters: self.start.parameters.clone(),
            mode: (self.start.mode == Mode::Interactive).then(|| "Interactive".to_owned()),
            ..Scenario::default()
        };
        // Answers per step in request order; None until answered. Each
        // execution counts its own requests, and the scenario keys answers
        // by step name alone, as the simulator reads them.
        let mut slots: IndexMap<String, Vec<Option<Answer>>> = IndexMap::new();
        // request id → (step, slot, requested at)
        let mut open: BTreeMap<Id, (String, usize, SimTime)> = BTreeMap::new();
        let Ok(mut world) = model.initial(&self.start) else {
            return scenario;
        };
        note_requests(&world, start_time, &mut slots, &mut open);
        for m in &self.moves {
            let offset = DurationMs(m.at.0 - start_time.0).to_iso();
            match &m.input {
                Input::ActionFinished {
                    request_id,
                    outcome,
                } => {
                    if let Some((step, slot, asked)) = open.get(request_id) {
                        let mut answer = model.answer_for(step, outcome);
                        if m.at > *asked {
                            answer.after = Some(DurationMs(m.at.0 - asked.0).to_iso());
                        }
                        if let Some(s) = slots.get_mut(step).and_then(|l| l.get_mut(*slot)) {
                            *s = Some(answer);
                        }
                    }
                }
                Input::Signal {
                    signal,
                    payload,
                    principal,
                } => {
                    let mut event = ScenarioEvent {
                        at: offset,
                        signal: Some(signal.as_str().to_owned()),
                        principal: (principal != DEFAULT_PRINCIPAL).then(|| principal.clone()),
                        ..ScenarioEvent::default()
                    };
                    let mut rest = IndexMap::new();
                    for (k, v) in payload {
                        match (k.as_str(), v.as_slice()) {
                            ("StepName", [step]) => event.step = Some(step.clone()),
                            ("Comment", [c]) => event.comment = Some(c.clone()),
                            _ => {
                                rest.insert(k.clone(), v.clone());
                            }
                        }
                    }
                    if !rest.is_empty() {
                        event.payload = Some(rest);
                    }
                    scenario.events.push(event);
                }
                Input::Stop(stop) => scenario.events.push(ScenarioEvent {
                    at: offset,
                    stop: Some(stop.as_str().to_owned()),
                    ..ScenarioEvent::default()
                }),
                Input::Advance
                | Input::Start { .. }
                | Input::ChildFinished { .. }
                | Input::ChildNotStarted { .. } => {}
            }
            if m.refused.is_none() && model.apply(&mut world, &m.to_model()).is_ok() {
                note_requests(&world, m.at, &mut slots, &mut open);
            }
        }
        // A request still open at the end of the trace needs no answer: the
        // replay has passed the state of interest by the time it is asked.
        let still_open: Vec<Id> = world
            .executions()
            .flat_map(|e| e.pending_actions())
            .map(|r| r.request_id)
            .collect();
        for id in still_open {
            if let Some((step, slot, _)) = open.get(&id) {
                if let Some(list) = slots.get_mut(step) {
                    if list.len() == slot + 1 && list[*slot].is_none() {
                        list.pop();
                    }
                }
            }
        }
        for (step, list) in slots {
            if list.is_empty() {
                continue;
            }
            let answers = list
                .into_iter()
                .map(|a| {
                    a.unwrap_or(Answer {
                        hang: Some(true),
                        ..Answer::default()
                    })
                })
                .collect();
            scenario.actions.insert(step, answers);
        }
        scenario
    }
}

/// Give every action request of `world` not seen yet its slot among its
/// step's answers, remembering when it was made.
fn note_requests(
    world: &World,
    at: SimTime,
    slots: &mut IndexMap<String, Vec<Option<Answer>>>,
    open: &mut BTreeMap<Id, (String, usize, SimTime)>,
) {
    for ex in world.executions() {
        for request in ex.pending_actions() {
            if open.contains_key(&request.request_id) {
                continue;
            }
            let list = slots.entry(request.step_name.to_string()).or_default();
            let nth = request_index(ex, &request.step_name);
            while list.len() < nth {
                list.push(None);
            }
            open.insert(
                request.request_id,
                (request.step_name.to_string(), nth - 1, at),
            );
        }
    }
}

/// Which request (1-based) of its step the pending request of `step` in
/// `ex` is: the requests every execution of the step has made so far.
fn request_index(ex: &ssm_runbook_engine::execution::Execution, step: &str) -> usize {
    ex.step_records()
        .filter(|s| *s.step_name == *step)
        .map(|s| s.requests as usize)
        .sum::<usize>()
        .max(1)
}
