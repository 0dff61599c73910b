//! Traces: a path through the model, replayed from its initial choice, and
//! its rendering as a scenario file that `ssm-runbook run` replays.
//!
//! The explorer keeps only move indices; this module turns them back into
//! inputs, times and states. The scenario keeps the same order of events
//! under the simulator's rules: answers are listed per step in request
//! order (an action that never answers on the path `hang`s), signals and
//! stops become timed events, and time-outs need nothing (the simulator
//! advances to each deadline itself).

use crate::model::{Model, Start};
use indexmap::IndexMap;
use ssm_runbook_engine::clock::{DurationMs, SimTime};
use ssm_runbook_engine::execution::{Execution, Input, Mode, Refusal};
use ssm_runbook_engine::scenario::{Answer, DEFAULT_PRINCIPAL, Scenario, ScenarioEvent};
use std::collections::BTreeMap;

/// One move of a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
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
    pub last: Execution,
    /// Its time.
    pub at: SimTime,
}

impl Trace {
    /// Replay `choices` (a move index per step) from initial choice `start`.
    /// `None` when the indices do not fit the model (a bug in the caller).
    pub fn replay(model: &Model, start: usize, choices: &[u32]) -> Option<Trace> {
        let start = model.starts().get(start)?.clone();
        let mut ex = model.initial(&start).ok()?;
        let mut now = model.start_time();
        let mut moves = Vec::with_capacity(choices.len());
        for &i in choices {
            let (input, at) = model.moves(&ex, now).into_iter().nth(i as usize)?;
            let mut next = ex.clone();
            let refused = next.apply(input.clone(), at).err();
            if refused.is_none() {
                ex = next;
                now = at;
            }
            moves.push(Move { input, at, refused });
        }
        Some(Trace {
            start,
            moves,
            last: ex,
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
        // Answers per step in request order; None until answered.
        let mut slots: IndexMap<String, Vec<Option<Answer>>> = IndexMap::new();
        // request id → (step, slot, requested at)
        let mut open: BTreeMap<String, (String, usize, SimTime)> = BTreeMap::new();
        let Ok(mut ex) = model.initial(&self.start) else {
            return scenario;
        };
        let mut note_requests = |ex: &Execution, at: SimTime, slots: &mut IndexMap<_, Vec<_>>| {
            for request in ex.pending_actions() {
                if !open.contains_key(&request.request_id) {
                    let list: &mut Vec<Option<Answer>> =
                        slots.entry(request.step_name.clone()).or_default();
                    list.push(None);
                    open.insert(
                        request.request_id.clone(),
                        (request.step_name.clone(), list.len() - 1, at),
                    );
                }
            }
            open.clone()
        };
        let mut known = note_requests(&ex, start_time, &mut slots);
        for m in &self.moves {
            let offset = DurationMs(m.at.0 - start_time.0).to_iso();
            match &m.input {
                Input::ActionFinished {
                    request_id,
                    outcome,
                } => {
                    if let Some((step, slot, asked)) = known.get(request_id) {
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
            if m.refused.is_none() && ex.apply(m.input.clone(), m.at).is_ok() {
                known = note_requests(&ex, m.at, &mut slots);
            }
        }
        // A request still open at the end of the trace needs no answer: the
        // replay has passed the state of interest by the time it is asked.
        let still_open: Vec<String> = ex
            .pending_actions()
            .into_iter()
            .map(|r| r.request_id)
            .collect();
        for id in still_open {
            if let Some((step, slot, _)) = known.get(&id) {
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
