//! Golden tests of the `ssm-runbook` binary: run it (with `NO_COLOR=1`, from
//! the workspace root so paths in its output are stable) on the bundled
//! examples and on fixtures under `crates/cli/tests/fixtures/`, and compare
//! stdout with the snapshots under `crates/cli/tests/snapshots/`.
//!
//! After an intended change of output, rewrite the snapshots with
//! `UPDATE_EXPECT=1 cargo test -p ssm-runbook --test cli` and review the diff.
//!
//! Also checked: exit codes (0 clean, 1 errors or `--deny-warnings`
//! warnings, 2 usage or I/O errors), `--ignore`, directory arguments, SARIF
//! output against the SARIF 2.1.0 JSON Schema (the copy shipped in the
//! `serde-sarif` crate) and member by member, and that `schema` prints JSON.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BROKEN: &str = "examples/broken.yaml";
const CLEAN: &str = "examples/deploy-with-approval.yaml";
const WARNING_ONLY: &str = "crates/cli/tests/fixtures/warning-only.yaml";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run the binary from the workspace root with `NO_COLOR=1`.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ssm-runbook"))
        .args(args)
        .current_dir(workspace_root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the ssm-runbook binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("the binary exited, not killed")
}

/// Run and check the exit status; returns stdout.
fn run_expecting(args: &[&str], status: i32) -> String {
    let out = run(args);
    assert_eq!(
        code(&out),
        status,
        "ssm-runbook {}\nstdout:\n{}\nstderr:\n{}",
        args.join(" "),
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// Compare `actual` with the snapshot `name`, or rewrite it when
/// `UPDATE_EXPECT=1`.
fn expect_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("the snapshot is writable");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read snapshot {} ({e}); create it with UPDATE_EXPECT=1",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "output differs from snapshot {} from line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             --- actual output ---\n{actual}\n\
             (rewrite the snapshots with UPDATE_EXPECT=1 if the change is intended)",
            path.display(),
            first + 1,
            expected.lines().nth(first).unwrap_or("<end of snapshot>"),
            actual.lines().nth(first).unwrap_or("<end of output>"),
        );
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

// ---- validate: snapshots and exit codes of the two examples ----

#[test]
fn broken_example_human() {
    let out = run_expecting(&["validate", BROKEN, "--format", "human"], 1);
    expect_snapshot("validate-broken.human.txt", &out);
}

#[test]
fn broken_example_json() {
    let out = run_expecting(&["validate", BROKEN, "--format", "json"], 1);
    expect_snapshot("validate-broken.json", &out);
}

#[test]
fn broken_example_sarif() {
    let out = run_expecting(&["validate", BROKEN, "--format", "sarif"], 1);
    expect_snapshot("validate-broken.sarif", &out);
}

#[test]
fn clean_example_human() {
    let out = run_expecting(&["validate", CLEAN, "--format", "human"], 0);
    expect_snapshot("validate-clean.human.txt", &out);
}

#[test]
fn clean_example_json() {
    let out = run_expecting(&["validate", CLEAN, "--format", "json"], 0);
    expect_snapshot("validate-clean.json", &out);
}

#[test]
fn clean_example_sarif() {
    let out = run_expecting(&["validate", CLEAN, "--format", "sarif"], 0);
    expect_snapshot("validate-clean.sarif", &out);
}

#[test]
fn human_is_the_default_format_and_never_coloured_with_no_color() {
    let default = run_expecting(&["validate", BROKEN], 1);
    let human = run_expecting(&["validate", BROKEN, "--format", "human"], 1);
    assert_eq!(default, human);
    assert!(!default.contains('\x1b'), "escape codes under NO_COLOR");
}

// ---- exit codes and options ----

#[test]
fn a_missing_file_exits_2() {
    let out = run(&["validate", "examples/no-such-runbook.yaml"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("examples/no-such-runbook.yaml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_rule_to_ignore_exits_2() {
    let out = run(&["validate", CLEAN, "--ignore", "NOSUCHRULE"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("NOSUCHRULE"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "nothing is checked after a usage error");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&run(&["validate"])), 2);
    assert_eq!(code(&run(&["validate", CLEAN, "--format", "xml"])), 2);
    assert_eq!(code(&run(&["no-such-command"])), 2);
}

#[test]
fn deny_warnings_fails_a_warning_only_file() {
    let out = run_expecting(&["validate", WARNING_ONLY], 0);
    assert!(out.contains("warning[SSM501]"), "{out}");
    assert!(!out.contains("error["), "{out}");
    run_expecting(&["validate", "--deny-warnings", WARNING_ONLY], 1);
    // Ignoring the only warning makes the file clean again.
    let out = run_expecting(
        &[
            "validate",
            "--deny-warnings",
            "--ignore",
            "unreachable-step",
            WARNING_ONLY,
        ],
        0,
    );
    assert!(out.contains("1 clean"), "{out}");
}

#[test]
fn ignore_removes_a_finding_by_code_or_name() {
    let all = run_expecting(&["validate", BROKEN, "--format", "json"], 1);
    assert!(all.contains("\"SSM401\""));
    for rule in ["SSM401", "unknown-step-target", "ssm401"] {
        let out = run_expecting(
            &["validate", BROKEN, "--format", "json", "--ignore", rule],
            1,
        );
        let doc = json(&out);
        let codes: Vec<&str> = doc["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert!(!codes.contains(&"SSM401"), "--ignore {rule}: {codes:?}");
        assert!(codes.contains(&"SSM402"), "--ignore {rule} kept the others");
        assert_eq!(doc["summary"]["errors"], 3, "--ignore {rule}");
    }
}

#[test]
fn a_directory_is_searched_recursively() {
    let root = workspace_root();
    let mut expected: BTreeSet<String> = BTreeSet::new();
    let mut stack = vec![root.join("examples")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            ) && !path.to_string_lossy().contains(".scenario.")
                && !path.to_string_lossy().contains(".check.")
            {
                // Scenario and check files (`*.scenario.yaml`, `*.check.yaml`)
                // are skipped by directory search.
                let rel = path.strip_prefix(&root).unwrap();
                expected.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    assert!(expected.contains(BROKEN) && expected.contains(CLEAN));
    let out = run_expecting(&["validate", "examples", "--format", "json"], 1);
    let doc = json(&out);
    let found: BTreeSet<String> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found, expected);
    assert_eq!(doc["summary"]["files"], expected.len());
    let paths: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted, "files are reported in sorted order");
    // The human summary counts the files too.
    let human = run_expecting(&["validate", "examples"], 1);
    assert!(
        human.contains(&format!("{} files checked", expected.len())),
        "{human}"
    );
}

#[test]
fn an_unreadable_path_among_good_ones_still_reports_the_good_ones() {
    let missing = "examples/no-such-runbook.yaml";
    let out = run(&["validate", CLEAN, missing, WARNING_ONLY, "--format", "json"]);
    assert_eq!(code(&out), 2, "I/O errors win over findings");
    assert!(stderr(&out).contains(missing), "{}", stderr(&out));
    let doc = json(&stdout(&out));
    let paths: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, [CLEAN, WARNING_ONLY]);
    assert_eq!(doc["summary"]["warnings"], 1);
    let out = run(&["validate", missing, BROKEN]);
    assert_eq!(code(&out), 2, "I/O errors win over errors in other files");
    assert!(stdout(&out).contains("error[SSM401]"), "{}", stdout(&out));
}

// ---- SARIF structure ----

/// The SARIF 2.1.0 schema, from the `serde-sarif` crate's sources (a
/// dev-dependency), found through `cargo metadata`.
fn sarif_schema() -> Value {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let manifest = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("serde-sarif is a dev-dependency");
    let path = Path::new(manifest).with_file_name("src/schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut schema = json(&text);
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    // The published schema's pattern for `language` (of `run` and of
    // `toolComponent`) has a stray `]`: `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`,
    // which the jsonschema crate's meta-schema check rejects as a regex.
    // Replace it with what it means (a language tag such as en or en-US);
    // ssm-runbook does not write `language`.
    let fixed = replace_pattern(
        &mut schema,
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    assert!(
        fixed >= 1,
        "the SARIF schema changed: review the patch above"
    );
    schema
}

/// Replace every `pattern` equal to `from`; returns how many were replaced.
fn replace_pattern(schema: &mut Value, from: &str, to: &str) -> usize {
    match schema {
        Value::Object(map) => {
            let mut n = 0;
            for (key, value) in map.iter_mut() {
                if key == "pattern" && value == from {
                    *value = Value::from(to);
                    n += 1;
                } else {
                    n += replace_pattern(value, from, to);
                }
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(|v| replace_pattern(v, from, to)).sum(),
        _ => 0,
    }
}

/// The members GitHub code scanning and the SARIF spec require, one by one.
fn assert_sarif_members(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(run["tool"]["driver"]["name"], "ssm-runbook");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("every rule has an id"))
        .collect();
    assert!(ids.iter().all(|id| id.starts_with("SSM")), "{ids:?}");
    let unique: BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "rule ids are unique");
    for result in run["results"].as_array().expect("results") {
        let id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(ids[index], id, "ruleIndex points at the rule");
        assert!(
            ["error", "warning", "note"].contains(&result["level"].as_str().unwrap()),
            "{result}"
        );
        assert!(result["message"]["text"].is_string());
        let physical = &result["locations"][0]["physicalLocation"];
        assert!(physical["artifactLocation"]["uri"].is_string(), "{result}");
        assert!(
            physical["region"]["startLine"].as_u64().unwrap() >= 1,
            "{result}"
        );
        assert!(
            physical["region"]["startColumn"].as_u64().unwrap() >= 1,
            "{result}"
        );
    }
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let validator = jsonschema::draft7::new(&sarif_schema()).expect("the SARIF schema compiles");
    for (args, status) in [
        (vec!["validate", BROKEN, "--format", "sarif"], 1),
        (vec!["validate", CLEAN, "--format", "sarif"], 0),
        (vec!["validate", WARNING_ONLY, "--format", "sarif"], 0),
        (vec!["validate", "examples", "--format", "sarif"], 1),
    ] {
        let log = json(&run_expecting(&args, status));
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("at {}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", args.join(" "));
        assert_sarif_members(&log);
        let typed: Result<serde_sarif::sarif::Sarif, _> = serde_json::from_value(log.clone());
        assert!(typed.is_ok(), "serde-sarif cannot read it: {typed:?}");
    }
    let log = json(&run_expecting(
        &["validate", BROKEN, "--format", "sarif"],
        1,
    ));
    // The schema is live: a level SARIF does not define is caught.
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&bad), "the SARIF schema checks levels");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        BROKEN
    );
    let levels: BTreeSet<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, BTreeSet::from(["error", "warning"]));
}

// ---- graph and schema ----

#[test]
fn graph_mermaid() {
    let out = run_expecting(&["graph", CLEAN], 0);
    assert_eq!(
        out,
        run_expecting(&["graph", CLEAN, "--format", "mermaid"], 0)
    );
    expect_snapshot("graph-deploy.mermaid", &out);
}

#[test]
fn graph_dot() {
    let out = run_expecting(&["graph", CLEAN, "--format", "dot"], 0);
    expect_snapshot("graph-deploy.dot", &out);
}

#[test]
fn graph_of_a_missing_file_exits_2() {
    assert_eq!(code(&run(&["graph", "examples/no-such-runbook.yaml"])), 2);
}

#[test]
fn schema_prints_the_engine_schema_as_json() {
    let out = run_expecting(&["schema"], 0);
    let printed = json(&out);
    assert_eq!(printed, ssm_runbook_engine::schema::json_schema());
    assert_eq!(
        printed["$schema"],
        "http://json-schema.org/draft-07/schema#"
    );
    assert!(out.ends_with("}\n"), "one newline-terminated document");
    assert!(
        jsonschema::draft7::meta::is_valid(&printed),
        "a valid draft-07 schema"
    );
}
