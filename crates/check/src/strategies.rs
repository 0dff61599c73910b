//! proptest support: strategies for event schedules of a runbook and for
//! random valid runbooks, and [`check_schedules`], which runs a runbook
//! under random schedules against a property and shrinks a failure to a
//! minimal schedule.
//!
//! A *schedule* is a list of choices; at each state the next choice picks
//! one of the model's moves (modulo their number), and when the list runs
//! out the first move is taken until the execution ends. Shrinking makes
//! the list shorter and its choices smaller, so a minimal failing schedule
//! reads as "mostly the first thing that can happen". Random testing
//! complements the exhaustive checker for state spaces too big to explore.

use crate::model::{Model, World};
use crate::property::{Pattern, Property};
use crate::trace::Trace;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use ssm_runbook_engine::clock::SimTime;

/// Most moves a schedule run takes before it stops.
pub const MAX_SCHEDULE_MOVES: usize = 1_000;

/// A strategy for schedules of up to `max_len` choices.
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// let mut runner = TestRunner::deterministic();
/// let schedule = ssm_runbook_check::strategies::schedule(8).new_tree(&mut runner).unwrap().current();
/// assert!(schedule.len() <= 8);
/// ```
pub fn schedule(max_len: usize) -> impl Strategy<Value = Vec<u32>> {
    proptest::collection::vec(0u32..16, 0..=max_len)
}

/// Run `model` under `schedule` from initial choice `start`: the trace, and
/// whether it ended (a final status, or nothing left to do).
pub fn run_schedule(model: &Model, start: usize, schedule: &[u32]) -> Option<(Trace, bool)> {
    let first = Trace::replay(model, start, &[])?;
    let (mut ex, now) = (first.last, first.at);
    let (choices, ended) = walk_schedule(model, &mut ex, now, schedule);
    Trace::replay(model, start, &choices).map(|t| (t, ended))
}

/// Take `world`, at time `now`, through `schedule`'s moves (the first move
/// once the schedule runs out): the choices made, each below the number of
/// moves it chose from, and whether the execution ended. A refused move
/// (an internal error) ends the walk. [`run_schedule`] is this walk from an
/// initial state, replayed as a trace; walking a clone of a state instead
/// keeps what the execution shares with its clones.
///
/// ```
/// use std::sync::Arc;
/// use ssm_runbook_check::config::CheckConfig;
/// use ssm_runbook_check::model::Model;
/// use ssm_runbook_check::strategies::walk_schedule;
/// use ssm_runbook_check::trace::Trace;
/// use ssm_runbook_engine::execution::Status;
/// use ssm_runbook_engine::runbook::Runbook;
/// let doc = ssm_runbook_engine::validate::validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: Nap\n  action: aws:sleep\n  inputs: {Duration: PT1M}\n").document.unwrap();
/// let model = Model::new(Arc::new(Runbook::compile(doc, "Demo", "1").unwrap()), &CheckConfig::default()).unwrap();
/// let start = Trace::replay(&model, 0, &[]).unwrap();
/// let mut world = start.last.clone();
/// let (choices, ended) = walk_schedule(&model, &mut world, start.at, &[]);
/// assert!(ended);
/// assert_eq!(choices, [0], "the timer, the only move");
/// assert_eq!(world.status(), Status::Success);
/// ```
pub fn walk_schedule(
    model: &Model,
    world: &mut World,
    mut now: SimTime,
    schedule: &[u32],
) -> (Vec<u32>, bool) {
    let mut choices = Vec::new();
    let mut next = schedule.iter();
    for _ in 0..MAX_SCHEDULE_MOVES {
        let mut moves = model.moves(world, now);
        if moves.is_empty() {
            return (choices, true);
        }
        let c = next.next().copied().unwrap_or(0) % moves.len() as u32;
        choices.push(c);
        let m = moves.swap_remove(c as usize);
        if model.apply(world, &m).is_err() {
            // An internal error: the walk ends with the refused move.
            break;
        }
        now = m.at;
    }
    (choices, false)
}

/// Whether `property` fails on `trace`: state patterns on any state of it,
/// path patterns when the trace `ended`. `sometimes` never fails a single
/// path.
pub fn fails_on(property: &Property, model: &Model, trace: &Trace, ended: bool) -> bool {
    let Some(mut world) = model.initial(&trace.start).ok() else {
        return false;
    };
    let mut states = vec![world.root.clone()];
    for m in &trace.moves {
        if m.refused.is_none() && model.apply(&mut world, &m.to_model()).is_ok() {
            states.push(world.root.clone());
        }
    }
    match &property.pattern {
        Pattern::Never(c) => states.iter().any(|s| c(s)),
        Pattern::Always(c) => states.iter().any(|s| !c(s)),
        Pattern::Sometimes(_) => false,
        Pattern::Eventually(c) => ended && !states.iter().any(|s| c(s)),
        Pattern::Before { first, then } => {
            let mut seen = false;
            states.iter().any(|s| {
                seen |= first(s);
                !seen && then(s)
            })
        }
        Pattern::After { trigger, then } => {
            let mut owed = false;
            for s in &states {
                owed = (owed || trigger(s)) && !then(s);
            }
            ended && owed
        }
    }
}

/// Run `model` under random schedules (and random initial choices) and
/// check `property` on each; on failure, return the trace of a minimal
/// (shrunk) failing schedule. The random source has a fixed seed, so
/// results are reproducible.
///
/// ```
/// use std::sync::Arc;
/// use ssm_runbook_check::{config::CheckConfig, model::Model, property::Property, strategies::check_schedules};
/// use ssm_runbook_engine::{runbook::Runbook, validate::validate_text, execution::Status};
/// let doc = validate_text("schemaVersion: '0.3'\nmainSteps:\n- name: Gate\n  action: aws:approve\n  inputs: {Approvers: ['arn:aws:iam::111122223333:user/alice']}\n").document.unwrap();
/// let model = Model::new(Arc::new(Runbook::compile(doc, "Demo", "1").unwrap()), &CheckConfig::default()).unwrap();
/// let never_fails = Property::never("never fails", |ex| ex.status() == Status::Failed);
/// let trace = check_schedules(&model, &never_fails, 64).unwrap_err();
/// assert_eq!(trace.moves.len(), 1); // shrunk to the single Reject
/// ```
pub fn check_schedules(model: &Model, property: &Property, cases: u32) -> Result<(), Box<Trace>> {
    // A fixed seed: the same model and property give the same answer.
    let rng = proptest::test_runner::TestRng::deterministic_rng(
        proptest::test_runner::RngAlgorithm::ChaCha,
    );
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng);
    let starts = model.starts().len().max(1);
    let strategy = (0..starts, schedule(64));
    let result = runner.run(&strategy, |(start, choices)| {
        let Some((trace, ended)) = run_schedule(model, start, &choices) else {
            return Ok(());
        };
        if fails_on(property, model, &trace, ended) {
            return Err(TestCaseError::fail(property.name.clone()));
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(_, (start, choices))) => match run_schedule(model, start, &choices) {
            Some((trace, _)) => Err(Box::new(trace)),
            None => Ok(()),
        },
        Err(TestError::Abort(_)) => Ok(()),
    }
}

/// A strategy for small valid runbooks (YAML text) with approval gates,
/// pauses, sleeps, external actions and a branch, each with a random
/// `onFailure` — for tests that need many shapes of runbook. An external
/// action after an approval reads the approval's `ApprovalStatus` in one
/// of its inputs, so its inputs differ from path to path.
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// let mut runner = TestRunner::deterministic();
/// let text = ssm_runbook_check::strategies::runbook().new_tree(&mut runner).unwrap().current();
/// let report = ssm_runbook_engine::validate::validate_text(&text);
/// assert!(report.document.is_some());
/// ```
pub fn runbook() -> impl Strategy<Value = String> {
    let step = (0u8..5, 0u8..3, 1u8..3);
    proptest::collection::vec(step, 1..6).prop_map(|steps| {
        let n = steps.len();
        let mut text = String::from(
            "schemaVersion: '0.3'\nparameters:\n  Go: {type: String, allowedValues: ['yes', 'no'], default: 'yes'}\nmainSteps:\n",
        );
        let mut last_approval = None;
        for (i, (kind, on_failure, approvers)) in steps.into_iter().enumerate() {
            let name = format!("S{i}");
            text.push_str(&format!("- name: {name}\n"));
            let on_failure = match on_failure {
                1 => "Continue".to_owned(),
                2 if i + 1 < n => format!("step:S{}", i + 1),
                _ => "Abort".to_owned(),
            };
            let branch = kind == 3 && i + 1 < n;
            if !branch {
                text.push_str(&format!("  onFailure: {on_failure}\n"));
            }
            match kind {
                0 => {
                    text.push_str("  action: aws:approve\n  timeoutSeconds: 600\n  inputs:\n    Approvers:\n");
                    for a in 0..approvers {
                        text.push_str(&format!(
                            "    - arn:aws:iam::111122223333:user/approver{a}\n"
                        ));
                    }
                    text.push_str(&format!("    MinRequiredApprovals: {approvers}\n"));
                    last_approval = Some(i);
                }
                1 => text.push_str("  action: aws:pause\n  timeoutSeconds: 300\n  inputs: {}\n"),
                3 if branch => text.push_str(&format!(
                    "  action: aws:branch\n  inputs:\n    Choices:\n    - {{NextStep: S{}, Variable: '{{{{ Go }}}}', StringEquals: 'yes'}}\n    Default: End\n",
                    i + 1
                )),
                2 | 3 => text.push_str("  action: aws:sleep\n  inputs: {Duration: PT1M}\n"),
                _ => match last_approval {
                    Some(a) => text.push_str(&format!(
                        "  action: aws:executeAwsApi\n  timeoutSeconds: 120\n  inputs: {{Service: ssm, Api: ListDocuments, Note: 'after {{{{ S{a}.ApprovalStatus }}}}'}}\n"
                    )),
                    None => text.push_str(
                        "  action: aws:executeAwsApi\n  timeoutSeconds: 120\n  inputs: {Service: ssm, Api: ListDocuments}\n",
                    ),
                },
            }
        }
        if text.contains("Default: End") {
            text.push_str("- name: End\n  action: aws:sleep\n  isEnd: true\n  inputs: {Duration: PT1S}\n");
        }
        text
    })
}
