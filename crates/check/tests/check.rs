//! The checker on fixture runbooks: pinned state counts, final statuses and
//! verdicts (`tests/fixtures/<case>/expected.json`, refreshed with
//! `UPDATE_EXPECT=1`), deterministic reruns, and every counter-example and
//! witness replayed through the simulator — print, parse, `run` — to the
//! very state the checker reported.

use serde_json::{Value, json};
use ssm_runbook_check::config::CheckConfig;
use ssm_runbook_check::explore::{Report, Verdict};
use ssm_runbook_check::model::Model;
use ssm_runbook_check::trace::Trace;
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::scenario::Scenario;
use ssm_runbook_engine::simulate::{Flow, SimulationOptions, simulate_observed};
use ssm_runbook_engine::validate::validate_text;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// The child runbooks of a fixture (`documents/NAME.yaml`), by name.
fn documents(case: &Path) -> BTreeMap<String, Arc<Runbook>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(case.join("documents")) else {
        return out;
    };
    for entry in entries {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("name")
            .to_owned();
        let text = std::fs::read_to_string(&path).expect("child runbook");
        let doc = validate_text(&text).document.expect("child parses");
        out.insert(
            name.clone(),
            Arc::new(Runbook::compile(doc, name, "1").expect("compiles")),
        );
    }
    out
}

fn check(runbook: &str, config: &str) -> (Report, Model) {
    check_with(runbook, config, BTreeMap::new())
}

fn check_with(
    runbook: &str,
    config: &str,
    documents: BTreeMap<String, Arc<Runbook>>,
) -> (Report, Model) {
    let doc = validate_text(runbook).document.expect("runbook parses");
    let rb = Arc::new(Runbook::compile(doc, "Runbook", "1").expect("compiles"));
    let config = CheckConfig::from_yaml(config).expect("config");
    let checker =
        ssm_runbook_check::checker_with_documents(rb, documents, &config).expect("checker");
    let report = checker.run(None);
    (report, checker.model().clone())
}

fn summary(report: &Report) -> Value {
    let verdict = |v: Verdict| match v {
        Verdict::Holds => "holds",
        Verdict::Violated => "violated",
        Verdict::Unknown => "unknown",
    };
    json!({
        "states": report.stats.states,
        "transitions": report.stats.transitions,
        "max_depth": report.stats.max_depth,
        "complete": report.stats.complete,
        "outcomes": report.outcomes.iter().map(|(s, t)| json!([s.as_str(), t.moves.len()])).collect::<Vec<_>>(),
        "dead_steps": report.dead_steps,
        "properties": report.properties.iter().map(|p| json!({
            "name": p.name,
            "verdict": verdict(p.verdict),
            "moves": p.trace.as_ref().map(|t| t.moves.len()),
        })).collect::<Vec<_>>(),
    })
}

/// Print the trace as a scenario, read it back, and run it: the simulator
/// must pass through the trace's last state at the trace's last time.
fn replays(
    runbook: &str,
    documents: &BTreeMap<String, Arc<Runbook>>,
    model: &Model,
    trace: &Trace,
    what: &str,
) {
    let text = trace.to_scenario(model).to_yaml();
    let scenario = Scenario::from_yaml(&text)
        .unwrap_or_else(|e| panic!("{what}: the scenario does not parse: {e}\n{text}"));
    let doc = validate_text(runbook).document.expect("runbook");
    let rb = Arc::new(Runbook::compile(doc, "Runbook", "1").expect("compiles"));
    let mut reached = false;
    let mut observe = |ex: &ssm_runbook_engine::execution::Execution, at| {
        if at == trace.at
            && ex.to_api() == trace.last.to_api()
            && ex.status() == trace.last.status()
        {
            reached = true;
            return Flow::Stop;
        }
        Flow::Continue
    };
    // The checker explores with the simulator's default ids, so the states
    // compare exactly.
    let sim = simulate_observed(
        rb,
        &scenario,
        documents,
        &SimulationOptions::default(),
        &mut observe,
    )
    .unwrap_or_else(|e| panic!("{what}: the scenario does not run: {e}\n{text}"));
    assert!(
        reached,
        "{what}: replaying the scenario never reached the reported state\n{text}\nended as {:?}",
        sim.execution.status()
    );
}

#[test]
fn fixtures_match_their_pinned_results_and_every_trace_replays() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for case in fixtures() {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        let runbook = std::fs::read_to_string(case.join("runbook.yaml")).expect("runbook.yaml");
        let config = std::fs::read_to_string(case.join("check.yaml")).unwrap_or_default();
        let docs = documents(&case);
        let (report, model) = check_with(&runbook, &config, docs.clone());
        let got = serde_json::to_string_pretty(&summary(&report)).expect("json") + "\n";
        let expected_path = case.join("expected.json");
        if update {
            std::fs::write(&expected_path, &got).expect("write expected");
        } else {
            let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if want != got {
                failures.push(format!("{name}: expected\n{want}\ngot\n{got}"));
            }
        }
        for (status, trace) in &report.outcomes {
            replays(
                &runbook,
                &docs,
                &model,
                trace,
                &format!("{name}: witness of {status}"),
            );
        }
        for p in &report.properties {
            if let Some(t) = &p.trace {
                if t.moves.iter().all(|m| m.refused.is_none()) {
                    replays(&runbook, &docs, &model, t, &format!("{name}: {}", p.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn exploration_is_deterministic() {
    for case in fixtures() {
        let runbook = std::fs::read_to_string(case.join("runbook.yaml")).expect("runbook.yaml");
        let config = std::fs::read_to_string(case.join("check.yaml")).unwrap_or_default();
        let (a, model) = check_with(&runbook, &config, documents(&case));
        let (b, _) = check_with(&runbook, &config, documents(&case));
        assert_eq!(summary(&a), summary(&b), "{}", case.display());
        let scenarios = |r: &Report| {
            r.properties
                .iter()
                .filter_map(|p| p.trace.as_ref().map(|t| t.to_scenario(&model).to_yaml()))
                .collect::<Vec<_>>()
        };
        assert_eq!(scenarios(&a), scenarios(&b));
    }
}

#[test]
fn the_violating_gate_yields_the_one_reject_counterexample() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/approval-continue");
    let runbook = std::fs::read_to_string(case.join("runbook.yaml")).expect("runbook");
    let config = std::fs::read_to_string(case.join("check.yaml")).expect("config");
    let (report, model) = check(&runbook, &config);
    let p = report
        .properties
        .iter()
        .find(|p| p.name == "deploy only after approval")
        .expect("property");
    assert_eq!(p.verdict, Verdict::Violated);
    let scenario = p
        .trace
        .as_ref()
        .expect("counter-example")
        .to_scenario(&model);
    assert_eq!(scenario.events.len(), 1);
    assert_eq!(scenario.events[0].signal.as_deref(), Some("Reject"));
    assert_eq!(scenario.events[0].at, "PT0S");
    // The fixed gate proves it.
    let fixed = std::fs::read_to_string(case.with_file_name("approval-abort").join("runbook.yaml"))
        .expect("fixed runbook");
    let (report, _) = check(&fixed, &config);
    assert!(
        report
            .properties
            .iter()
            .all(|p| p.verdict == Verdict::Holds),
        "{:?}",
        summary(&report)
    );
}

#[test]
fn the_shared_benchmark_runbook_checks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench");
    let (Ok(runbook), Ok(config)) = (
        std::fs::read_to_string(dir.join("approval-gates.yaml")),
        std::fs::read_to_string(dir.join("approval-gates.check.yaml")),
    ) else {
        eprintln!("SKIPPED: ../shared/bench is absent");
        return;
    };
    let (report, model) = check(&runbook, &config);
    assert!(report.stats.complete);
    for p in &report.properties {
        assert_ne!(p.verdict, Verdict::Unknown, "{}", p.name);
        if let Some(t) = &p.trace {
            replays(&runbook, &BTreeMap::new(), &model, t, &p.name);
        }
    }
    eprintln!("{}", summary(&report));
}
