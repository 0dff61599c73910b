//! Model-checker throughput: distinct states per second on the shared
//! approval-gates runbook (`../shared/bench`), on generated runbooks with
//! more gates and approvers (how cost grows with the state space), and side
//! by side with a hand-written stateright model of the same runbook
//! exploring the same states (equal state counts are asserted).
//!
//! `cargo bench -p ssm-runbook-check --bench check`
#![allow(missing_docs)] // criterion's macros generate undocumented functions

use criterion::{Criterion, criterion_group, criterion_main};
use ssm_runbook_check::config::CheckConfig;
use ssm_runbook_check::model::{Model, Move, World};
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::validate::validate_text;
use stateright::Checker as _;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The allocator the `ssm-runbook` binary uses, so that these figures are
/// what `ssm-runbook check` does (both checkers run with it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn compile(text: &str) -> Arc<Runbook> {
    let doc = validate_text(text).document.expect("runbook parses");
    Arc::new(Runbook::compile(doc, "Bench", "1").expect("compiles"))
}

/// `gates` approval gates of `approvers` approvers (two required), each
/// followed by an external step, Cancel explored.
fn generated(gates: usize, approvers: usize) -> String {
    let mut text = String::from("schemaVersion: '0.3'\nmainSteps:\n");
    for g in 0..gates {
        text.push_str(&format!(
            "  - name: Gate{g}\n    action: aws:approve\n    timeoutSeconds: 3600\n    onFailure: step:Undo\n    inputs:\n      MinRequiredApprovals: 2\n      Approvers:\n"
        ));
        for a in 0..approvers {
            text.push_str(&format!("        - arn:aws:iam::111122223333:user/a{a}\n"));
        }
        text.push_str(&format!(
            "  - name: Work{g}\n    action: aws:executeAwsApi\n    onFailure: step:Undo\n    inputs: {{Service: ssm, Api: ListDocuments}}\n"
        ));
    }
    text.push_str(
        "  - name: Done\n    action: aws:sleep\n    isEnd: true\n    inputs: {Duration: PT1M}\n",
    );
    text.push_str("  - name: Undo\n    action: aws:executeAwsApi\n    inputs: {Service: ssm, Api: ListDocuments}\n");
    text
}

/// The same runbook and environment as a stateright model.
struct Stateright(Model);

impl stateright::Model for Stateright {
    type State = (World, SimTime);
    type Action = Move;

    fn init_states(&self) -> Vec<Self::State> {
        let t = self.0.start_time();
        self.0
            .starts()
            .iter()
            .filter_map(|s| self.0.initial(s).ok().map(|ex| (ex, t)))
            .collect()
    }

    fn actions(&self, state: &Self::State, actions: &mut Vec<Self::Action>) {
        self.0.moves_into(&state.0, state.1, actions);
    }

    fn next_state(&self, last: &Self::State, action: Self::Action) -> Option<Self::State> {
        let mut world = last.0.clone();
        let at = action.at;
        self.0.apply_owned(&mut world, action).ok()?;
        Some((world, at))
    }

    // Stateright stops once every property is decided; an `always` that
    // holds keeps it exploring the whole space, as the checker does.
    fn properties(&self) -> Vec<stateright::Property<Self>> {
        vec![stateright::Property::always(
            "invariants",
            |_, s: &Self::State| s.0.check_invariants().is_ok(),
        )]
    }
}

fn ours(model: &Model) -> u64 {
    let checker = ssm_runbook_check::explore::Checker::new(model.clone());
    checker.run(None).stats.states
}

fn theirs(model: &Model) -> u64 {
    use stateright::Model as _;
    let checker = Stateright(model.clone()).checker().spawn_bfs().join();
    checker.unique_state_count() as u64
}

fn report_rate(name: &str, states: u64, f: impl Fn() -> u64) {
    let start = Instant::now();
    let mut runs = 0u32;
    while start.elapsed().as_secs_f64() < 2.0 || runs < 3 {
        black_box(f());
        runs += 1;
    }
    let per = start.elapsed().as_secs_f64() / f64::from(runs);
    eprintln!(
        "{name}: {states} states in {:.2} ms: {:.0} states/s",
        per * 1e3,
        states as f64 / per
    );
}

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench");
    let mut cases: Vec<(String, Arc<Runbook>, CheckConfig)> = Vec::new();
    match (
        std::fs::read_to_string(dir.join("approval-gates.yaml")),
        std::fs::read_to_string(dir.join("approval-gates.check.yaml")),
    ) {
        (Ok(rb), Ok(cfg)) => {
            let mut config = CheckConfig::from_yaml(&cfg).expect("bench config");
            // Path properties add memory to states; compare plain states.
            config.properties.clear();
            cases.push(("approval-gates".into(), compile(&rb), config));
        }
        _ => eprintln!("SKIPPED approval-gates: ../shared/bench is absent"),
    }
    let cancel = CheckConfig::from_yaml("explore: {stop: [Cancel]}\n").expect("config");
    for (g, a) in [(2, 3), (3, 3), (3, 4)] {
        cases.push((
            format!("generated-{g}x{a}"),
            compile(&generated(g, a)),
            cancel.clone(),
        ));
    }
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    for (name, runbook, config) in &cases {
        let model = Model::new(runbook.clone(), config).expect("model");
        let (a, b) = (ours(&model), theirs(&model));
        assert_eq!(
            a, b,
            "{name}: the checker and stateright explore the same states ({a} vs {b})"
        );
        let t0 = Instant::now();
        ours(&model);
        let us = t0.elapsed();
        let t0 = Instant::now();
        theirs(&model);
        let them = t0.elapsed();
        eprintln!(
            "{name}: {a} states; ssm-runbook-check {:.1} ms, stateright {:.1} ms, ratio {:.2}x",
            us.as_secs_f64() * 1e3,
            them.as_secs_f64() * 1e3,
            them.as_secs_f64() / us.as_secs_f64()
        );
        report_rate(&format!("{name} (ssm-runbook-check)"), a, || ours(&model));
        report_rate(&format!("{name} (stateright)"), b, || theirs(&model));
        group.bench_function(format!("{name}/ssm-runbook-check"), |bench| {
            bench.iter(|| ours(&model))
        });
        group.bench_function(format!("{name}/stateright"), |bench| {
            bench.iter(|| theirs(&model))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
