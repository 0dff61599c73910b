//! Golden tests of execution, driven by the fixtures under `tests/run/`.
//!
//! Each case is a directory `tests/run/<case>/` holding:
//!
//! * `runbook.yaml`: the runbook; its `description` says what the case
//!   shows. It is validated (errors fail the test, warnings are allowed) and
//!   compiled with the case directory's name as document name, version `1`.
//! * `scenario.yaml` (optional): the scenario the simulator runs (start,
//!   mode, parameters, principal, answers, timed signals and stops).
//! * `documents/<Name>.yaml` (optional): runbooks that
//!   `aws:executeAutomation` steps may start, by document name.
//! * `waiting.txt` (optional): the case deliberately ends with the execution
//!   still `Waiting`; the file says why. Every other case must end in a
//!   final status.
//!
//! The case is simulated with [`simulate`] and the default
//! [`SimulationOptions`], and compared with its snapshots:
//!
//! * `expected.json`: `{"AutomationExecution": ...}` as
//!   [`Execution::to_api`] gives it, pretty-printed;
//! * `child-<n>.json`: the same for each child execution, in start order;
//! * `timeline.txt`: the simulation timeline, one line per entry with the
//!   virtual time since the start as an ISO-8601 duration, then the final
//!   status.
//!
//! Run with `UPDATE_EXPECT=1` to rewrite the snapshots instead of comparing,
//! then read the diff. Every case is also simulated a second time and must
//! give byte-identical snapshots (the engine is deterministic).

use ssm_runbook_engine::clock::{DurationMs, SimTime};
use ssm_runbook_engine::diagnostic::Severity;
use ssm_runbook_engine::execution::{Execution, Status};
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::scenario::Scenario;
use ssm_runbook_engine::simulate::{Happening, Simulation, SimulationOptions, simulate};
use ssm_runbook_engine::validate::validate_bytes;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/run");

/// Read, validate and compile one runbook file.
fn load_runbook(path: &Path, name: &str) -> Result<Runbook, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let report = validate_bytes(&bytes);
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            format!(
                "{} {} {}: {}",
                d.code.id(),
                d.code.name(),
                d.path,
                d.message
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "{} does not validate:\n  {}",
            path.display(),
            errors.join("\n  ")
        ));
    }
    let doc = report
        .document
        .ok_or_else(|| format!("{} is not a runbook", path.display()))?;
    Runbook::compile(doc, name, "1").map_err(|e| format!("{}: {e}", path.display()))
}

/// The child runbooks of a case, by document name.
fn load_documents(dir: &Path) -> Result<BTreeMap<String, Arc<Runbook>>, String> {
    let mut out = BTreeMap::new();
    let dir = dir.join("documents");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Some(name) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
            continue;
        };
        out.insert(name.clone(), Arc::new(load_runbook(&path, &name)?));
    }
    Ok(out)
}

fn pretty(execution: &Execution) -> String {
    let body = serde_json::json!({ "AutomationExecution": execution.to_api() });
    let mut text = serde_json::to_string_pretty(&body).expect("JSON of an execution");
    text.push('\n');
    text
}

fn status_line(execution: &Execution, start: SimTime) -> String {
    let end = execution.times().1.map_or_else(
        || "still running or waiting".to_owned(),
        |t| format!("at {}", DurationMs(t.0 - start.0).to_iso()),
    );
    let mut line = format!("final status: {} {end}", execution.status());
    if let Some(message) = execution.failure_message() {
        if matches!(execution.status(), Status::Failed | Status::TimedOut) {
            let _ = write!(line, "\nfailure: {message}");
        }
    }
    line
}

/// The timeline as plain text: one line per entry, then the final status.
fn render_timeline(sim: &Simulation) -> String {
    let start = sim.execution.times().0.unwrap_or_default();
    let root = sim.execution.id();
    let child_number: BTreeMap<&str, usize> = sim
        .children
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id(), i + 1))
        .collect();
    let mut out = String::new();
    for entry in &sim.timeline {
        let offset = DurationMs(entry.at.0 - start.0).to_iso();
        let who = match child_number.get(entry.execution_id.as_str()) {
            _ if entry.execution_id == root => String::new(),
            Some(n) => format!("[child {n}] "),
            None => format!("[{}] ", entry.execution_id),
        };
        let what = match &entry.what {
            Happening::Execution(status) => format!("execution {status}"),
            Happening::Step { step, status } => format!("step {step} {status}"),
            Happening::Signal {
                signal,
                principal,
                refused: None,
            } => format!("signal {signal} from {principal} accepted"),
            Happening::Signal {
                signal,
                principal,
                refused: Some((exception, message)),
            } => {
                format!("signal {signal} from {principal} refused: {exception}: {message}")
            }
            Happening::Stop {
                stop,
                refused: None,
            } => format!("stop {stop} accepted"),
            Happening::Stop {
                stop,
                refused: Some((exception, message)),
            } => format!("stop {stop} refused: {exception}: {message}"),
            Happening::Answer {
                step,
                attempt,
                outcome,
            } => format!("answer {step} attempt {attempt}: {outcome}"),
            Happening::Note(note) => format!("note: {note}"),
        };
        let _ = writeln!(out, "{offset:>12}  {who}{what}");
    }
    for (i, child) in sim.children.iter().enumerate() {
        let _ = writeln!(out, "child {}: {}", i + 1, status_line(child, start));
    }
    let _ = writeln!(out, "{}", status_line(&sim.execution, start));
    out
}

/// Every snapshot of one simulation: file name → content.
fn snapshots(sim: &Simulation) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert("expected.json".to_owned(), pretty(&sim.execution));
    for (i, child) in sim.children.iter().enumerate() {
        out.insert(format!("child-{}.json", i + 1), pretty(child));
    }
    out.insert("timeline.txt".to_owned(), render_timeline(sim));
    out
}

/// Simulate one case and give its snapshots, or why it could not run.
fn run_case(dir: &Path) -> Result<(BTreeMap<String, String>, Simulation), String> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("case directory name is not UTF-8")?;
    let runbook = Arc::new(load_runbook(&dir.join("runbook.yaml"), name)?);
    let scenario = match std::fs::read_to_string(dir.join("scenario.yaml")) {
        Ok(text) => Scenario::from_yaml(&text).map_err(|e| format!("scenario.yaml: {e}"))?,
        Err(_) => Scenario::default(),
    };
    let documents = load_documents(dir)?;
    let options = SimulationOptions::default();
    let sim = simulate(runbook.clone(), &scenario, &documents, &options)
        .map_err(|e| format!("simulate: {e}"))?;
    let again = simulate(runbook, &scenario, &documents, &options)
        .map_err(|e| format!("simulate (second run): {e}"))?;
    let first = snapshots(&sim);
    if first != snapshots(&again) {
        return Err(
            "two simulations of the same case differ (the engine is not deterministic)".into(),
        );
    }
    Ok((first, sim))
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .expect("tests/run exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn golden_runs() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    let dirs = case_dirs();
    assert!(
        dirs.len() >= 60,
        "expected the full set of run fixtures, found {}",
        dirs.len()
    );
    for dir in &dirs {
        let case = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        let (snaps, sim) = match run_case(dir) {
            Ok(done) => done,
            Err(why) => {
                failures.push(format!("{case}: {why}"));
                continue;
            }
        };
        let waiting = dir.join("waiting.txt").exists();
        let status = sim.execution.status();
        if waiting && status != Status::Waiting {
            failures.push(format!(
                "{case}: waiting.txt says the run stays Waiting, but it ended {status}"
            ));
        }
        if !waiting && !status.is_terminal() {
            failures.push(format!(
                "{case}: the run did not end (status {status}); add waiting.txt if that is intended"
            ));
        }
        for child in &sim.children {
            if !child.status().is_terminal() {
                failures.push(format!(
                    "{case}: child {} did not end (status {})",
                    child.id(),
                    child.status()
                ));
            }
        }
        if update {
            for stale in std::fs::read_dir(dir)
                .expect("case directory")
                .filter_map(|e| e.ok().map(|e| e.path()))
            {
                let file = stale
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                if file.starts_with("child-")
                    && file.ends_with(".json")
                    && !snaps.contains_key(&file)
                {
                    std::fs::remove_file(&stale).expect("remove stale snapshot");
                }
            }
            for (file, text) in &snaps {
                std::fs::write(dir.join(file), text).expect("write snapshot");
            }
            continue;
        }
        for (file, text) in &snaps {
            let path = dir.join(file);
            match std::fs::read_to_string(&path) {
                Ok(expected) if &expected == text => {}
                Ok(expected) => failures.push(format!(
                    "{case}/{file} differs:\n{}",
                    first_difference(&expected, text)
                )),
                Err(_) => failures.push(format!(
                    "{case}/{file} is missing (run with UPDATE_EXPECT=1)"
                )),
            }
        }
        for extra in std::fs::read_dir(dir)
            .expect("case directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
        {
            let file = extra
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if file.starts_with("child-") && file.ends_with(".json") && !snaps.contains_key(&file) {
                failures.push(format!(
                    "{case}/{file} is a snapshot of a child the run no longer starts"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} run fixture problem(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The first differing line of two texts, with its number.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (
            e.get(i).copied().unwrap_or("<end>"),
            a.get(i).copied().unwrap_or("<end>"),
        );
        if x != y {
            return format!("  line {}:\n  expected: {x}\n  actual:   {y}", i + 1);
        }
    }
    "  (only line endings differ)".into()
}

#[test]
fn every_case_has_its_files() {
    for dir in case_dirs() {
        let case = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        assert!(
            dir.join("runbook.yaml").is_file(),
            "{case}: runbook.yaml is missing"
        );
        for entry in std::fs::read_dir(&dir)
            .expect("case directory")
            .filter_map(|e| e.ok())
        {
            let file = entry.file_name().to_string_lossy().into_owned();
            let known = matches!(
                file.as_str(),
                "runbook.yaml"
                    | "scenario.yaml"
                    | "expected.json"
                    | "timeline.txt"
                    | "waiting.txt"
                    | "documents"
            ) || (file.starts_with("child-") && file.ends_with(".json"));
            assert!(known, "{case}: unexpected file {file}");
        }
    }
}
