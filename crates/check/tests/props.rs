//! Property tests with the crate's own strategies: on random valid
//! runbooks, random schedules keep the engine's invariants, every final
//! status a random schedule reaches is one the exhaustive checker reports
//! (with a witness that replays), and a violated property shrinks to a
//! short counter-example, while the checker finds the shortest. Two
//! walks from one initial state (sharing what its step starts remember)
//! end where fresh replays end.

use proptest::prelude::*;
use ssm_runbook_check::config::CheckConfig;
use ssm_runbook_check::explore::{Checker, Verdict};
use ssm_runbook_check::model::{Model, World};
use ssm_runbook_check::property::Property;
use ssm_runbook_check::strategies::{
    check_schedules, run_schedule, runbook, schedule, walk_schedule,
};
use ssm_runbook_check::trace::Trace;
use ssm_runbook_engine::execution::Status;
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::validate::validate_text;
use std::hash::Hash;
use std::sync::Arc;

fn model(text: &str) -> Model {
    let report = validate_text(text);
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| d.severity != ssm_runbook_engine::diagnostic::Severity::Error),
        "the strategy made an invalid runbook:\n{text}\n{:?}",
        report.diagnostics
    );
    let doc = report.document.expect("document");
    let rb = Arc::new(Runbook::compile(doc, "Random", "1").expect("compiles"));
    let config = CheckConfig::from_yaml("explore: {stop: [Cancel]}\n").expect("config");
    Model::new(rb, &config).expect("model")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_schedules_stay_within_the_checkers_outcomes(text in runbook(), choices in schedule(24), start in 0usize..2) {
        let model = model(&text);
        let report = Checker::new(model.clone()).run(None);
        prop_assert!(report.stats.complete, "{text}");
        prop_assert!(!report.violated(), "a built-in property fails on\n{text}");
        let (trace, ended) = run_schedule(&model, start % model.starts().len(), &choices).expect("runs");
        prop_assert!(trace.last.check_invariants().is_ok());
        if ended {
            let status = trace.last.status();
            prop_assert!(
                report.outcomes.iter().any(|(s, _)| *s == status),
                "{status} reached by a schedule but not by the checker:\n{text}"
            );
        }
    }
}

/// A state's fingerprint, as the checker takes it.
fn fingerprint(world: &ssm_runbook_check::model::World) -> u128 {
    let mut h = ssm_runbook_engine::execution::ChunkHasher::default();
    world.hash(&mut h);
    h.finish128()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// The checker applies moves keeping only the events about child
    /// executions; the execution ends as it does with every event made.
    #[test]
    fn moves_applied_without_events_end_as_with_them(text in runbook(), choices in schedule(24), start in 0usize..2) {
        let model = model(&text);
        let start = start % model.starts().len();
        let (fresh, _) = run_schedule(&model, start, &choices).expect("runs");
        let mut world = model.initial(&model.starts()[start]).expect("starts");
        for step in &fresh.moves {
            let m = step.to_model();
            let mut direct = world.root.clone();
            let with_events = direct.apply(m.input.clone(), m.at);
            let quiet = model.apply(&mut world, &m);
            prop_assert_eq!(with_events.is_ok(), quiet.is_ok());
            prop_assert!(direct == world.root, "the two applications differ on\n{}", text);
            if quiet.is_err() {
                break;
            }
        }
    }

    /// The hashes an execution remembers (each record's, each input map's,
    /// the fixed part's) never go stale: a state hashed after every move,
    /// as the checker does, and its clone hash as the same state replayed
    /// from scratch and hashed once.
    #[test]
    fn remembered_hashes_never_go_stale(text in runbook(), choices in schedule(24), start in 0usize..2) {
        let model = model(&text);
        let start = start % model.starts().len();
        let (fresh, _) = run_schedule(&model, start, &choices).expect("runs");
        let mut world = model.initial(&model.starts()[start]).expect("starts");
        for step in &fresh.moves {
            fingerprint(&world);
            let copy = world.clone();
            prop_assert_eq!(fingerprint(&copy), fingerprint(&world));
            if model.apply(&mut world, &step.to_model()).is_err() {
                break;
            }
        }
        prop_assert!(world == fresh.last, "the walk and the replay differ on\n{}", text);
        prop_assert_eq!(fingerprint(&world), fingerprint(&fresh.last));
    }
}

proptest! {
    // More cases than above: a memo that gave a wrong map would show only
    // when two walks reach the same step with different values (an
    // approval approved on one, rejected on the other, both going on).
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// What one execution remembers of its steps' resolved inputs (and a
    /// branch's choice), shared by all its clones, changes no state: a
    /// schedule walked after another walk from the same initial state,
    /// as the checker walks them, ends where the same schedule replayed
    /// from scratch ends.
    #[test]
    fn remembered_inputs_change_no_state(text in runbook(), first in schedule(24), second in schedule(24), start in 0usize..2) {
        let model = model(&text);
        let start = start % model.starts().len();
        let (world, fresh) = second_walk(&model, start, &first, &second);
        prop_assert!(world == fresh, "the second walk and the replay differ on\n{}", text);
        prop_assert_eq!(fingerprint(&world), fingerprint(&fresh));
    }
}

/// Walk `first` from initial choice `start`, then `second` from a clone of
/// the same initial state, which shares what the first walk's step starts
/// remembered: the second walk's end, and the same schedule replayed from
/// a fresh start.
fn second_walk(model: &Model, start: usize, first: &[u32], second: &[u32]) -> (World, World) {
    let initial = Trace::replay(model, start, &[]).expect("starts");
    let (fresh, _) = run_schedule(model, start, second).expect("runs");
    walk_schedule(model, &mut initial.last.clone(), initial.at, first);
    let mut world = initial.last.clone();
    for step in &fresh.moves {
        if model.apply(&mut world, &step.to_model()).is_err() {
            break;
        }
    }
    (world, fresh.last)
}

#[test]
fn a_step_started_after_another_path_resolves_its_own_values() {
    // The first walk rejects the approval and goes on, so the action's
    // Note reads "Rejected"; the second approves, and must read "Approved".
    let text = "schemaVersion: '0.3'\nmainSteps:\n- name: Gate\n  onFailure: Continue\n  action: aws:approve\n  inputs:\n    Approvers: [arn:aws:iam::111122223333:user/alice]\n    MinRequiredApprovals: 1\n- name: Call\n  action: aws:executeAwsApi\n  inputs: {Service: ssm, Api: ListDocuments, Note: 'after {{ Gate.ApprovalStatus }}'}\n";
    let model = model(text);
    let initial = Trace::replay(&model, 0, &[]).expect("starts");
    let moves = model.moves(&initial.last, initial.at);
    let index_of = |signal: &str| {
        moves
            .iter()
            .position(|m| format!("{:?}", m.input).contains(signal))
            .expect("the signal is enabled") as u32
    };
    let (approve, reject) = (index_of("Approve"), index_of("Reject"));
    let (world, fresh) = second_walk(&model, 0, &[reject], &[approve]);
    assert!(world == fresh);
    let note = world
        .step_records()
        .find(|r| &*r.step_name == "Call")
        .map(|r| r.inputs["Note"].clone());
    assert_eq!(note, Some(serde_json::json!("after Approved")));
}

#[test]
fn shrinking_gives_a_short_counterexample_and_the_checker_the_shortest() {
    let text = "schemaVersion: '0.3'\nmainSteps:\n- name: Wait\n  action: aws:sleep\n  inputs: {Duration: PT1M}\n- name: Gate\n  action: aws:approve\n  timeoutSeconds: 60\n  inputs: {Approvers: ['arn:aws:iam::111122223333:user/alice', 'arn:aws:iam::111122223333:user/bob'], MinRequiredApprovals: 2}\n";
    let model = model(text);
    let never_fails = || Property::never("never fails", |ex| ex.status() == Status::Failed);
    let shrunk = check_schedules(&model, &never_fails(), 256).expect_err("a Reject fails it");
    let report = Checker::new(model.clone())
        .property(never_fails())
        .run(None);
    let p = report.properties.last().expect("the property");
    assert_eq!(p.verdict, Verdict::Violated);
    let shortest = p.trace.as_ref().expect("counter-example").moves.len();
    assert_eq!(shortest, 2, "the sleep's timer, then a Reject");
    // Shrinking is greedy: short, failing, but not always the shortest.
    assert!(shrunk.moves.len() <= shortest + 1, "{:?}", shrunk.moves);
    assert_eq!(shrunk.last.status(), Status::Failed);
}
