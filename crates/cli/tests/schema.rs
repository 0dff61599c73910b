//! The generated JSON Schema (`ssm_runbook_engine::schema`) against real
//! and broken runbooks, with the `jsonschema` crate: it is a valid draft-07
//! schema; every corpus runbook the validator finds no error in passes it
//! (the validator is the reference); broken documents fail it. Corpus tests
//! are skipped, loudly, when `../shared/corpus` is absent.

use serde_json::{Value, json};
use ssm_runbook_engine::diagnostic::Severity;
use ssm_runbook_engine::limits::Limits;
use ssm_runbook_engine::schema::json_schema;
use ssm_runbook_engine::source::{self, Format};
use ssm_runbook_engine::validate::{validate_bytes, validate_text};
use std::path::{Path, PathBuf};

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::new(&json_schema()).expect("the generated schema compiles")
}

/// Parse a runbook's text the way the validator does.
fn tree(text: &str) -> Value {
    source::parse(text, Format::detect(text), &Limits::default()).expect("the document parses")
}

/// Every schema violation, one line each (empty when the document passes).
fn violations(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect()
}

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: ../shared/corpus is absent; corpus schema tests did not run");
        None
    }
}

fn runbook_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("corpus directory is readable") {
            let path = entry.expect("corpus entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Check every runbook under `dir` that validates with no error against
/// the schema; returns the paths checked.
fn clean_runbooks_pass(dir: &Path) -> Vec<PathBuf> {
    let validator = validator();
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for path in runbook_files(dir) {
        let bytes = std::fs::read(&path).expect("corpus file is readable");
        let report = validate_bytes(&bytes);
        if report.document.is_none() || report.has_errors() {
            continue;
        }
        let text = std::str::from_utf8(&bytes).expect("a clean runbook is UTF-8");
        let found = violations(&validator, &tree(text));
        if !found.is_empty() {
            failures.push(format!("{}:\n  {}", path.display(), found.join("\n  ")));
        }
        checked.push(path);
    }
    assert!(
        failures.is_empty(),
        "{} of {} runbooks with no validation error fail the schema:\n{}",
        failures.len(),
        checked.len(),
        failures.join("\n")
    );
    checked
}

#[test]
fn the_schema_is_valid_draft_07() {
    let schema = json_schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    if let Err(e) = jsonschema::draft7::meta::validate(&schema) {
        panic!("the generated schema breaks the draft-07 meta-schema: {e}");
    }
}

/// One walk over the whole corpus (validation is the slow part), counted
/// separately for the published AWS runbooks.
#[test]
fn every_clean_corpus_runbook_passes_the_schema() {
    let Some(dir) = corpus() else { return };
    let checked = clean_runbooks_pass(&dir.join("runbooks"));
    let public = checked
        .iter()
        .filter(|p| {
            p.components()
                .any(|c| c.as_os_str() == "ssm-public-documents")
        })
        .count();
    eprintln!(
        "{} corpus runbooks pass the schema, {public} of them under ssm-public-documents",
        checked.len()
    );
    assert!(
        public >= 150,
        "only {public} public AWS runbooks were checked"
    );
    assert!(
        checked.len() >= 300,
        "only {} runbooks were checked",
        checked.len()
    );
}

#[test]
fn the_bundled_examples_agree_with_the_validator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let validator = validator();
    let clean = std::fs::read_to_string(root.join("examples/deploy-with-approval.yaml")).unwrap();
    assert!(!validate_text(&clean).has_errors());
    assert_eq!(violations(&validator, &tree(&clean)), Vec::<String>::new());
}

const BASE: &str = r#"
schemaVersion: '0.3'
parameters:
  Approver: {type: String, default: 'arn:aws:iam::111122223333:user/a'}
  Ids: {type: 'List<AWS::EC2::Instance::Id>', default: [i-0123456789abcdef0]}
  Wait: {type: Integer, default: 2}
mainSteps:
  - name: Approve
    action: aws:approve
    inputs:
      Approvers: ['{{ Approver }}']
      MinRequiredApprovals: '{{ Wait }}'
  - name: Choose
    action: aws:branch
    inputs:
      Choices:
        - NextStep: Loop
          And:
            - {Variable: '{{ Wait }}', NumericGreater: 1}
            - Not: {Variable: '{{ Approver }}', StringEquals: nobody}
      Default: Nap
  - name: Loop
    action: aws:loop
    inputs:
      Iterators: '{{ Ids }}'
      Steps:
        - name: Stop
          action: aws:changeInstanceState
          inputs:
            InstanceIds: ['{{ Loop.CurrentIteratorValue }}']
            DesiredState: stopped
            Force: 'true'
  - name: Nap
    action: aws:sleep
    timeoutSeconds: '60'
    inputs: {Duration: PT1S}
    isEnd: true
"#;

/// The base document with one change made to its tree.
fn broken(change: impl FnOnce(&mut Value)) -> Value {
    let mut doc = tree(BASE);
    change(&mut doc);
    doc
}

#[test]
fn the_base_document_is_clean_for_both() {
    let report = validate_text(BASE);
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{} {} {}", d.code.id(), d.path, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(violations(&validator(), &tree(BASE)), Vec::<String>::new());
}

#[test]
fn broken_documents_fail_the_schema_and_the_validator() {
    let validator = validator();
    let cases: Vec<(&str, Value)> = vec![
        (
            "unknown action",
            broken(|d| d["mainSteps"][3]["action"] = json!("aws:nap")),
        ),
        (
            "unknown top-level key",
            broken(|d| d["colour"] = json!("blue")),
        ),
        (
            "aws:approve without its required Approvers",
            broken(|d| {
                d["mainSteps"][0]["inputs"]
                    .as_object_mut()
                    .unwrap()
                    .remove("Approvers");
            }),
        ),
        (
            "unknown input on aws:sleep",
            broken(|d| d["mainSteps"][3]["inputs"]["Seconds"] = json!(5)),
        ),
        (
            "unknown input inside a loop body",
            broken(|d| d["mainSteps"][2]["inputs"]["Steps"][0]["inputs"]["Colour"] = json!(1)),
        ),
        (
            "a value outside an input's fixed set",
            broken(|d| {
                d["mainSteps"][2]["inputs"]["Steps"][0]["inputs"]["DesiredState"] = json!("asleep")
            }),
        ),
        (
            "a list where an Integer input goes",
            broken(|d| d["mainSteps"][0]["inputs"]["MinRequiredApprovals"] = json!([1])),
        ),
        (
            "a step name with a dash",
            broken(|d| d["mainSteps"][3]["name"] = json!("Nap-Time")),
        ),
        (
            "onFailure that is not Abort, Continue or step:X",
            broken(|d| d["mainSteps"][3]["onFailure"] = json!("Retry")),
        ),
        (
            "a choice with two operators",
            broken(|d| {
                d["mainSteps"][1]["inputs"]["Choices"][0]["And"][0]["StringEquals"] = json!("2")
            }),
        ),
        (
            "a choice without NextStep",
            broken(|d| {
                d["mainSteps"][1]["inputs"]["Choices"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("NextStep");
            }),
        ),
        (
            "an unknown parameter type",
            broken(|d| d["parameters"]["Wait"]["type"] = json!("Number")),
        ),
        (
            "a parameter default of the wrong type",
            broken(|d| d["parameters"]["Wait"]["default"] = json!("two")),
        ),
        (
            "isEnd with nextStep",
            broken(|d| d["mainSteps"][3]["nextStep"] = json!("Approve")),
        ),
        (
            "a step without inputs",
            broken(|d| {
                d["mainSteps"][3].as_object_mut().unwrap().remove("inputs");
            }),
        ),
        (
            "no mainSteps",
            broken(|d| {
                d.as_object_mut().unwrap().remove("mainSteps");
            }),
        ),
    ];
    for (what, doc) in cases {
        assert!(
            !violations(&validator, &doc).is_empty(),
            "the schema accepts a document with {what}"
        );
        let text = serde_json::to_string(&doc).unwrap();
        assert!(
            validate_text(&text).has_errors(),
            "the validator accepts a document with {what}"
        );
    }
}

#[test]
fn placeholders_stand_in_for_typed_inputs() {
    let validator = validator();
    let doc = broken(|d| {
        let stop = &mut d["mainSteps"][2]["inputs"]["Steps"][0]["inputs"];
        stop["InstanceIds"] = json!("{{ Ids }}");
        stop["DesiredState"] = json!("{{ Approver }}");
        stop["Force"] = json!(" {{ Approver }} ");
        d["mainSteps"][3]["maxAttempts"] = json!("{{ Wait }}");
    });
    assert_eq!(violations(&validator, &doc), Vec::<String>::new());
}

#[test]
fn api_actions_take_the_apis_own_parameters() {
    let validator = validator();
    let doc = broken(|d| {
        d["mainSteps"][3] = json!({
            "name": "Nap", "action": "aws:executeAwsApi", "isEnd": true,
            "inputs": {"Service": "ec2", "Api": "DescribeInstances", "InstanceIds": ["i-1"]},
        });
    });
    assert_eq!(violations(&validator, &doc), Vec::<String>::new());
    let doc = broken(|d| {
        d["mainSteps"][3] = json!({
            "name": "Nap", "action": "aws:executeAwsApi", "isEnd": true,
            "inputs": {"Api": "DescribeInstances"},
        });
    });
    assert!(
        !violations(&validator, &doc).is_empty(),
        "Service is required"
    );
}
