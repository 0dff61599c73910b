//! Replays every input the fuzzers (`fuzz/`, see `docs/fuzzing.md`) ever
//! found a crash, hang or out-of-memory with, so stable `cargo test` keeps
//! them fixed. Inputs live in `tests/fuzz-regressions/<target>/`:
//!
//! - `document/<name>`: raw bytes, run as the `document` target does:
//!   validate, build the step graph and render it, compile;
//! - `run/<name>/runbook.yaml` and `scenario.yaml`: the runbook and
//!   scenario the `run` target rendered from its input, simulated twice: the
//!   run must end within the driver's bound and both runs must be equal.
//!
//! Each input runs on a thread with a spawned thread's default 2 MiB
//! stack. A new crash input is added by copying the artifact (for `run`,
//! the rendered text that `SSM_FUZZ_DUMP=1 cargo +nightly fuzz run run
//! ARTIFACT` prints) into the directory; no code changes.

use ssm_runbook_engine::runbook::{Runbook, StepGraph};
use ssm_runbook_engine::scenario::Scenario;
use ssm_runbook_engine::simulate::{NoDocuments, SimulationOptions, simulate};
use ssm_runbook_engine::validate::{validate_bytes, validate_text};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const STACK: usize = 2 << 20;

fn dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target)
}

fn entries(target: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir(target))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.file_name().is_some_and(|n| n != "README.md"));
    out.sort();
    out
}

fn on_small_stack<T: Send + 'static>(what: String, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn")
        .join()
        .unwrap_or_else(|_| panic!("{what} panicked"))
}

/// What the `document` target does with one input.
fn document(bytes: Vec<u8>) {
    let report = validate_bytes(&bytes);
    for d in &report.diagnostics {
        assert!(!d.message.is_empty(), "{d:?}");
    }
    let Some(doc) = report.document else { return };
    let graph = StepGraph::build(&doc);
    assert!(!graph.to_mermaid().is_empty());
    assert!(!graph.to_dot().is_empty());
    if let Ok(rb) = Runbook::compile(doc, "Fuzz", "1") {
        for ix in 0..rb.steps().len() {
            let _ = rb.successor(ix);
        }
    }
}

#[test]
fn document_inputs_are_handled() {
    for path in entries("document") {
        let bytes = std::fs::read(&path).expect("read the input");
        on_small_stack(path.display().to_string(), move || document(bytes));
    }
}

/// What the `run` target does with one rendered case.
fn run(runbook: &str, scenario: &str) {
    let report = validate_text(runbook);
    assert!(!report.has_errors(), "{:#?}", report.diagnostics);
    let doc = report.document.expect("lowered");
    let rb = Arc::new(Runbook::compile(doc, "Fuzz", "1").expect("compiles"));
    let scenario = Scenario::from_yaml(scenario).expect("the scenario is valid");
    let options = SimulationOptions {
        max_transitions: 200_000,
        ..SimulationOptions::default()
    };
    let first = simulate(rb.clone(), &scenario, &NoDocuments, &options).expect("the run ends");
    let second = simulate(rb, &scenario, &NoDocuments, &options).expect("the run ends");
    assert!(first.timeline == second.timeline, "timelines differ");
    assert!(first.execution == second.execution, "executions differ");
    assert!(first.children == second.children, "children differ");
}

#[test]
fn run_inputs_end_and_replay() {
    let cases = entries("run");
    assert!(!cases.is_empty(), "no run regressions found");
    // The cases run side by side: some take seconds in a debug build.
    let threads: Vec<_> = cases
        .into_iter()
        .map(|case| {
            let read = |f: &str| std::fs::read_to_string(case.join(f)).unwrap_or_default();
            let (runbook, scenario) = (read("runbook.yaml"), read("scenario.yaml"));
            let name = case.display().to_string();
            let thread = std::thread::Builder::new()
                .stack_size(STACK)
                .spawn(move || run(&runbook, &scenario))
                .expect("spawn");
            (name, thread)
        })
        .collect();
    for (name, thread) in threads {
        assert!(thread.join().is_ok(), "{name} panicked");
    }
}
