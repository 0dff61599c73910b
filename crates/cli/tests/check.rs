//! `ssm-runbook check` end to end: the bundled example proves its
//! properties (exit 0, output snapshot with the timing masked), a violating
//! runbook exits 1 and writes a counter-example that `ssm-runbook run`
//! replays into the violation, JSON output has the documented members, a
//! limit gives exit 3 and a bad configuration exit 2.
//!
//! Refresh the snapshot with `UPDATE_EXPECT=1 cargo test -p ssm-runbook --test check`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXAMPLE: &str = "examples/deploy-with-approval.yaml";
const VIOLATING: &str = "crates/check/tests/fixtures/approval-continue/runbook.yaml";
const VIOLATING_CONFIG: &str = "crates/check/tests/fixtures/approval-continue/check.yaml";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ssm-runbook"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the ssm-runbook binary runs")
}

fn expect(args: &[&str], status: i32) -> String {
    let out = run(args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(status),
        "ssm-runbook {}\nstdout:\n{stdout}\nstderr:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Mask the one line that carries wall-clock timing.
fn masked(text: &str) -> String {
    text.lines()
        .map(|l| match l.find(" in ") {
            Some(i) if l.starts_with("checked ") => format!("{} in <elapsed>", &l[..i]),
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn snapshot(name: &str, got: &str) {
    let path = root().join("crates/cli/tests/snapshots").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, got).expect("write snapshot");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        want, got,
        "snapshot {name} differs (UPDATE_EXPECT=1 refreshes it)"
    );
}

#[test]
fn the_bundled_example_proves_its_properties() {
    let out = expect(&["check", EXAMPLE], 0);
    snapshot("check-example.human.txt", &masked(&out));
}

#[test]
fn a_violation_exits_1_and_its_counterexample_replays() {
    let dir = std::env::temp_dir().join(format!("ssm-runbook-check-{}", std::process::id()));
    let dir_s = dir.to_string_lossy().into_owned();
    let out = expect(
        &[
            "check",
            VIOLATING,
            "--config",
            VIOLATING_CONFIG,
            "--counterexample-out",
            &dir_s,
        ],
        1,
    );
    snapshot("check-violation.human.txt", &masked(&out));
    let file = dir.join("deploy-only-after-approval.scenario.yaml");
    let scenario = std::fs::read_to_string(&file).expect("counter-example written");
    assert!(scenario.contains("signal: Reject"), "{scenario}");
    // `run` replays it: the approval fails, and Deploy runs anyway.
    let file_s = file.to_string_lossy().into_owned();
    let timeline = expect(&["run", VIOLATING, "--scenario", &file_s], 0);
    let reject = timeline.find("Reject").expect("the Reject is replayed");
    let deploy = timeline.find("Deploy").expect("Deploy runs");
    assert!(reject < deploy, "{timeline}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn json_output_has_the_documented_members() {
    let out = expect(
        &[
            "check",
            VIOLATING,
            "--config",
            VIOLATING_CONFIG,
            "--format",
            "json",
        ],
        1,
    );
    let v: Value = serde_json::from_str(&out).expect("JSON");
    for key in [
        "states",
        "transitions",
        "max_depth",
        "complete",
        "elapsed_ms",
        "outcomes",
        "dead_steps",
        "properties",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["complete"], true);
    assert!(v["outcomes"]["Success"].is_object());
    let p = v["properties"]
        .as_array()
        .and_then(|ps| {
            ps.iter()
                .find(|p| p["name"] == "deploy only after approval")
        })
        .expect("property");
    assert_eq!(p["holds"], false);
    assert_eq!(p["counterexample"]["events"][0]["signal"], "Reject");
}

#[test]
fn a_limit_exits_3_and_says_which() {
    let out = run(&["check", EXAMPLE, "--max-depth", "2"]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("max_depth"), "{text}");
}

#[test]
fn input_errors_exit_2() {
    let bad =
        std::env::temp_dir().join(format!("ssm-runbook-bad-{}.check.yaml", std::process::id()));
    std::fs::write(
        &bad,
        "properties:\n  - name: p\n    never: {step: Nope, status: Success}\n",
    )
    .expect("write");
    let bad_s = bad.to_string_lossy().into_owned();
    let out = run(&["check", EXAMPLE, "--config", &bad_s]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no step named 'Nope'"), "{err}");
    let _ = std::fs::remove_file(&bad);
    let out = run(&["check", "examples/broken.yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn child_runbooks_come_from_documents() {
    let case = "crates/check/tests/fixtures/child-runbook";
    let runbook = format!("{case}/runbook.yaml");
    let config = format!("{case}/check.yaml");
    let documents = format!("{case}/documents");
    let out = expect(
        &[
            "check",
            &runbook,
            "--config",
            &config,
            "--documents",
            &documents,
            "--format",
            "json",
        ],
        1,
    );
    let v: Value = serde_json::from_str(&out).expect("JSON");
    let child = v["properties"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "child can succeed"))
        .expect("property");
    assert_eq!(child["holds"], true);
    // Without the child runbook, the configuration names an unknown step.
    let out = run(&["check", &runbook, "--config", &config]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no step named 'Resize'"), "{err}");
}
