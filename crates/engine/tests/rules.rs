//! Golden tests for every validation rule, driven by the fixtures under
//! `tests/rules/`.
//!
//! Each rule has a directory named `<ID>-<name>` (`SSM401-unknown-step-target`)
//! holding a failing runbook (`fail.yaml` or `fail.json`, sometimes with more
//! `fail-*.yaml` variants) and its corrected form (`pass.yaml` or
//! `pass.json`). A few inputs are generated here instead of committed (a
//! document over 64 KB, inputs past this tool's limits, bytes that are not
//! UTF-8); their snapshots still live in the rule's directory.
//!
//! Every input is validated with [`validate_bytes`] and its diagnostics are
//! rendered one per line as `LINE:COL SEVERITY ID name path: message`, then
//! compared with the snapshot next to it (`fail.expected`, `pass.expected`).
//! Run with `UPDATE_EXPECT=1` to rewrite the snapshots instead of comparing,
//! then read the diff.
//!
//! Beyond the snapshots, the tests check that every [`Code`] has a fixture
//! directory, that each failing input raises its own rule, that each passing
//! input is clean, and that `docs/rules.md` has an anchor for every rule.

use ssm_runbook_engine::diagnostic::{Code, Diagnostic};
use ssm_runbook_engine::validate::validate_bytes;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules");
const RULES_DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");

/// One input to validate: a fixture file or a generated document.
struct Case {
    code: Code,
    /// `fail`, `pass` or `fail-<what>`: the snapshot is `<variant>.expected`.
    variant: String,
    dir: PathBuf,
    input: Vec<u8>,
    /// Where the input comes from, for messages.
    origin: String,
}

impl Case {
    fn fails(&self) -> bool {
        self.variant == "fail" || self.variant.starts_with("fail-")
    }

    fn expected_path(&self) -> PathBuf {
        self.dir.join(format!("{}.expected", self.variant))
    }
}

fn code_of_dir(dir_name: &str) -> Option<Code> {
    let (id, name) = dir_name.split_once('-')?;
    Code::ALL
        .iter()
        .copied()
        .find(|c| c.id() == id && c.name() == name)
}

fn dir_of(code: Code) -> PathBuf {
    Path::new(FIXTURES).join(format!("{}-{}", code.id(), code.name()))
}

/// A runbook of about `bytes` bytes whose only problem is its size: a long
/// block-scalar description in front of one clean step.
fn big_runbook(bytes: usize) -> Vec<u8> {
    let mut text = String::from("schemaVersion: '0.3'\ndescription: |\n");
    let line = "  Restart the fleet one instance at a time, then report.\n";
    while text.len() < bytes {
        text.push_str(line);
    }
    text.push_str(
        "mainSteps:\n  - name: Wait\n    action: aws:sleep\n    inputs:\n      Duration: PT1M\n",
    );
    text.into_bytes()
}

/// A runbook whose parameter default nests lists `depth` deep.
fn deep_default(depth: usize) -> Vec<u8> {
    format!(
        "schemaVersion: '0.3'\nparameters:\n  Matrix:\n    type: StringList\n    default: {}{}\nmainSteps:\n  - name: Wait\n    action: aws:sleep\n    inputs:\n      Duration: PT1M\n",
        "[".repeat(depth),
        "]".repeat(depth)
    )
    .into_bytes()
}

/// A JSON runbook whose parameter default nests lists `depth` deep.
fn deep_json(depth: usize) -> Vec<u8> {
    format!(
        "{{\n  \"schemaVersion\": \"0.3\",\n  \"parameters\": {{\n    \"Matrix\": {{\"type\": \"StringList\", \"default\": {}{}}}\n  }},\n  \"mainSteps\": [{{\"name\": \"Wait\", \"action\": \"aws:sleep\", \"inputs\": {{\"Duration\": \"PT1M\"}}}}]\n}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    )
    .into_bytes()
}

/// A runbook with `depth` `aws:loop` steps, each nested in the one before.
fn nested_loops(depth: usize) -> Vec<u8> {
    let mut text = String::from("schemaVersion: '0.3'\nmainSteps:\n");
    for level in 0..depth {
        let pad = "  ".repeat(level * 3);
        let _ = write!(
            text,
            "{pad}  - name: Loop{level}\n{pad}    action: aws:loop\n{pad}    inputs:\n{pad}      Iterators: [a, b]\n{pad}      Steps:\n"
        );
    }
    let pad = "  ".repeat(depth * 3);
    let _ = write!(
        text,
        "{pad}  - name: Wait\n{pad}    action: aws:sleep\n{pad}    inputs:\n{pad}      Duration: PT1M\n"
    );
    text.into_bytes()
}

/// Inputs built here rather than committed: `(code, variant, bytes)`.
fn generated() -> Vec<(Code, &'static str, Vec<u8>)> {
    vec![
        // A Latin-1 é where UTF-8 is expected.
        (
            Code::ParseError,
            "fail-utf8",
            b"schemaVersion: '0.3'\ndescription: Caf\xe9 opening checklist\nmainSteps: []\n"
                .to_vec(),
        ),
        (Code::DocumentTooLarge, "fail", big_runbook(70 * 1024)),
        (Code::DocumentTooLarge, "pass", big_runbook(60 * 1024)),
        (Code::LimitExceeded, "fail", deep_default(200)),
        (Code::LimitExceeded, "fail-json", deep_json(200)),
        (Code::LimitExceeded, "fail-loops", nested_loops(10)),
        (Code::LimitExceeded, "pass", nested_loops(3)),
    ]
}

/// Every case: the fixture files, then the generated inputs.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .expect("tests/rules is readable")
        .map(|e| e.expect("fixture entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let dir_name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let code = code_of_dir(&dir_name).unwrap_or_else(|| {
            panic!("tests/rules/{dir_name}: the name is not <ID>-<name> of any rule")
        });
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("fixture directory is readable")
            .map(|e| e.expect("fixture entry").path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
            })
            .collect();
        files.sort();
        for file in files {
            let variant = file.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(
                variant == "pass" || variant == "fail" || variant.starts_with("fail-"),
                "tests/rules/{dir_name}/{}: name it pass, fail or fail-<what>",
                file.display()
            );
            out.push(Case {
                code,
                variant,
                input: std::fs::read(&file).expect("fixture is readable"),
                origin: format!(
                    "tests/rules/{dir_name}/{}",
                    file.file_name().unwrap().to_string_lossy()
                ),
                dir: dir.clone(),
            });
        }
    }
    for (code, variant, input) in generated() {
        out.push(Case {
            code,
            variant: variant.to_owned(),
            dir: dir_of(code),
            input,
            origin: format!(
                "{variant} input generated in tests/rules.rs for {}",
                code.id()
            ),
        });
    }
    // Two inputs for one snapshot would overwrite each other.
    let mut seen = BTreeMap::new();
    for case in &out {
        if let Some(other) = seen.insert(case.expected_path(), case.origin.clone()) {
            panic!(
                "{} and {} share the snapshot {}",
                other,
                case.origin,
                case.expected_path().display()
            );
        }
    }
    out
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let at = d
            .position
            .map_or_else(|| "-:-".to_owned(), |p| p.to_string());
        let _ = writeln!(
            out,
            "{at} {} {} {} {}: {}",
            d.severity,
            d.code.id(),
            d.code.name(),
            d.path,
            d.message
        );
    }
    out
}

/// Validate on a thread with a large stack. The SSM008 input nests 200
/// deep; in a debug build the recursive YAML reader needs more than the
/// 2 MiB a test thread gets before the depth limit (128) stops it. Release
/// builds, and the CLI's main thread, are fine.
fn check(input: &[u8]) -> Vec<Diagnostic> {
    let input = input.to_vec();
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || validate_bytes(&input).diagnostics)
        .expect("validation thread starts")
        .join()
        .expect("validation does not panic")
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.id()).collect()
}

#[test]
fn snapshots_match() {
    let update = std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1");
    let mut mismatches = Vec::new();
    let all = cases();
    // A snapshot whose input is gone would never be checked again.
    let wanted: Vec<PathBuf> = all.iter().map(Case::expected_path).collect();
    for code in Code::ALL {
        let Ok(entries) = std::fs::read_dir(dir_of(*code)) else {
            continue;
        };
        for path in entries.map(|e| e.expect("fixture entry").path()) {
            if path.extension().is_some_and(|e| e == "expected") && !wanted.contains(&path) {
                if update {
                    std::fs::remove_file(&path).expect("stale snapshot is removable");
                    eprintln!("removed {}", path.display());
                } else {
                    mismatches.push(format!("{}: no input has this snapshot\n", path.display()));
                }
            }
        }
    }
    for case in all {
        let actual = render(&check(&case.input));
        let path = case.expected_path();
        let expected = std::fs::read_to_string(&path).ok();
        if expected.as_deref() == Some(actual.as_str()) {
            continue;
        }
        if update {
            std::fs::write(&path, &actual).expect("snapshot is writable");
            eprintln!("updated {}", path.display());
        } else {
            mismatches.push(format!(
                "{} ({}):\n--- expected\n{}--- actual\n{}",
                path.display(),
                case.origin,
                expected.as_deref().unwrap_or("(no snapshot file)\n"),
                actual
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} snapshot(s) differ; rerun with UPDATE_EXPECT=1 to accept the new output, then review the diff\n\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn every_rule_has_a_failing_and_a_passing_input() {
    let all = cases();
    for &code in Code::ALL {
        assert!(
            dir_of(code).is_dir(),
            "rule {} ({}) has no fixture directory {}",
            code.id(),
            code.name(),
            dir_of(code).display()
        );
        let mine: Vec<&Case> = all.iter().filter(|c| c.code == code).collect();
        assert!(
            mine.iter().any(|c| c.fails()),
            "rule {} has no fail input",
            code.id()
        );
        assert!(
            mine.iter().any(|c| c.variant == "pass"),
            "rule {} has no pass input",
            code.id()
        );
    }
}

#[test]
fn failing_inputs_raise_their_own_rule() {
    for case in cases().iter().filter(|c| c.fails()) {
        let diagnostics = check(&case.input);
        assert!(
            diagnostics.iter().any(|d| d.code == case.code),
            "{} does not raise {} ({}); it raises {:?}",
            case.origin,
            case.code.id(),
            case.code.name(),
            codes(&diagnostics)
        );
    }
}

#[test]
fn passing_inputs_are_clean() {
    for case in cases().iter().filter(|c| c.variant == "pass") {
        let diagnostics = check(&case.input);
        assert!(
            diagnostics.is_empty(),
            "{} should validate with no diagnostic at all, but raises:\n{}",
            case.origin,
            render(&diagnostics)
        );
    }
}

#[test]
fn rules_doc_has_an_anchor_per_rule_in_id_order() {
    let doc = std::fs::read_to_string(RULES_DOC).expect("docs/rules.md is readable");
    let mut by_id: Vec<Code> = Code::ALL.to_vec();
    by_id.sort_by_key(|c| c.id());
    let mut previous: Option<(usize, Code)> = None;
    for code in by_id {
        let anchor = format!("<a id=\"{}\"></a>", code.id().to_lowercase());
        let at = doc
            .find(&anchor)
            .unwrap_or_else(|| panic!("docs/rules.md has no {anchor} for {}", code.name()));
        let section = &doc[at..];
        let section = section[anchor.len()..]
            .find("<a id=")
            .map_or(section, |end| &section[..anchor.len() + end]);
        assert!(
            section.contains(&format!("`{}`", code.name())),
            "the docs/rules.md section after {anchor} does not name `{}`",
            code.name()
        );
        if let Some((before, other)) = previous {
            assert!(
                before < at,
                "docs/rules.md: {} comes before {}; keep the sections in id order",
                code.id(),
                other.id()
            );
        }
        previous = Some((at, code));
    }
}
