//! Model-based property test of the embeddable service (in the style of
//! redb's and sled's): bounded random sequences of operations — documents
//! created, updated, deleted and listed; executions started (valid and
//! invalid parameters, reused client tokens), signalled by listed and
//! unlisted principals, stopped, advanced by virtual time, described and
//! fetched — are applied to one `Service`, and after every step:
//!
//! - nothing panics, and every error is an exception the operation may
//!   raise in SSM's model (or `ValidationException`);
//! - an unfiltered, paginated DescribeAutomationExecutions walk lists every
//!   execution started exactly once, and nothing else;
//! - a filtered walk lists exactly the executions whose
//!   GetAutomationExecution matches the filter;
//! - a terminal execution never changes again;
//! - a small reference model of the document bookkeeping (names, versions,
//!   default and latest version) predicts every document operation's
//!   outcome and agrees with ListDocuments, ListDocumentVersions and
//!   DescribeDocument.
//!
//! The model's exception lists come from `../shared/spec`; without it the
//! error check is weaker (says "SKIPPED: ...") and the rest still runs.

use indexmap::IndexMap;
use proptest::prelude::*;
use serde_json::Value;
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::execution::Status;
use ssm_runbook_engine::service::describe::*;
use ssm_runbook_engine::service::documents::*;
use ssm_runbook_engine::service::executions::*;
use ssm_runbook_engine::service::{Service, ServiceConfig, ServiceError};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const BOB: &str = "arn:aws:iam::123456789012:user/bob";
const PRINCIPALS: [&str; 2] = [ALICE, BOB];
const UNKNOWN_ID: &str = "00000000-0000-0000-0000-000000000000";
const LIMIT: usize = 6;
const NAMES: [&str; 3] = ["Alpha", "Beta", "Gamma"];
const TOKENS: [&str; 3] = [
    "0c1d7a52-6e3b-4f0e-9a41-5d2c8b7e9f10",
    "1c1d7a52-6e3b-4f0e-9a41-5d2c8b7e9f11",
    "2c1d7a52-6e3b-4f0e-9a41-5d2c8b7e9f12",
];
const SIGNALS: [&str; 5] = ["Approve", "Reject", "Resume", "StartStep", "StopStep"];
const STEP_NAMES: [&str; 4] = ["Approve", "Hold", "Wait", "Nope"];

/// Runbook contents: the first `VALID` are valid, the rest are not.
const CONTENTS: [&str; 7] = [
    // An approval by alice, an external action, a sleep.
    "schemaVersion: '0.3'
mainSteps:
  - name: Approve
    action: aws:approve
    inputs:
      Approvers: ['arn:aws:iam::123456789012:user/alice']
  - name: Call
    action: aws:executeAwsApi
    inputs: { Service: ec2, Api: DescribeInstances }
  - name: Wait
    action: aws:sleep
    inputs: { Duration: PT2S }
",
    // A pause, then a sleep.
    "schemaVersion: '0.3'
mainSteps:
  - name: Hold
    action: aws:pause
    inputs: {}
  - name: Wait
    action: aws:sleep
    inputs: { Duration: PT1S }
",
    // A sleep, then an external action.
    "schemaVersion: '0.3'
mainSteps:
  - name: Wait
    action: aws:sleep
    inputs: { Duration: PT3S }
  - name: Call
    action: aws:executeAwsApi
    inputs: { Service: ec2, Api: DescribeInstances }
",
    // A parameter with allowed values, an approval, a sleep.
    "schemaVersion: '0.3'
parameters:
  Env: { type: String, allowedValues: [dev, prod], default: dev }
mainSteps:
  - name: Approve
    action: aws:approve
    inputs:
      Approvers: ['arn:aws:iam::123456789012:user/alice']
      Message: 'Deploy to {{ Env }}?'
  - name: Wait
    action: aws:sleep
    inputs: { Duration: PT1S }
",
    // Invalid: mainSteps is not a list.
    "schemaVersion: '0.3'\nmainSteps: 7\n",
    // Invalid: an unknown action.
    "schemaVersion: '0.3'\nmainSteps:\n  - name: a\n    action: aws:nope\n    inputs: {}\n",
    // Invalid: not YAML at all.
    "{ [ not: yaml",
];
const VALID: usize = 4;

fn model() -> Option<&'static Value> {
    static MODEL: OnceLock<Option<Value>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/spec/ssm-automation-api-subset.json");
            match std::fs::read_to_string(&path) {
                Ok(text) => Some(serde_json::from_str(&text).expect("the service model is JSON")),
                Err(_) => {
                    eprintln!(
                        "SKIPPED: {} is absent; errors are checked against ServiceError::NAMES only",
                        path.display()
                    );
                    None
                }
            }
        })
        .as_ref()
}

/// One operation of a generated sequence. Indices pick from the constant
/// pools above or from the executions started so far.
#[derive(Debug, Clone)]
enum Op {
    Create {
        name: usize,
        content: usize,
    },
    Update {
        name: usize,
        content: usize,
        base: Option<u64>,
    },
    Delete {
        name: usize,
        version: Option<u64>,
    },
    SetDefault {
        name: usize,
        version: u64,
    },
    Start {
        name: usize,
        version: Option<u64>,
        params: usize,
        token: Option<usize>,
        interactive: bool,
    },
    Signal {
        exec: usize,
        signal: usize,
        principal: usize,
        step: Option<usize>,
    },
    Stop {
        exec: usize,
        complete: Option<bool>,
    },
    Tick {
        ms: i64,
    },
    Describe {
        filter: usize,
        max: Option<i64>,
    },
    Get {
        exec: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let name = 0..NAMES.len();
    prop_oneof![
        3 => (name.clone(), content()).prop_map(|(name, content)| Op::Create { name, content }),
        2 => (name.clone(), content(), proptest::option::of(1..4u64))
            .prop_map(|(name, content, base)| Op::Update { name, content, base }),
        1 => (name.clone(), proptest::option::weighted(0.7, 1..4u64))
            .prop_map(|(name, version)| Op::Delete { name, version }),
        1 => (name.clone(), 1..4u64).prop_map(|(name, version)| Op::SetDefault { name, version }),
        8 => (name, proptest::option::weighted(0.3, 1..3u64), prop_oneof![3 => Just(0usize), 1 => 1..4usize], proptest::option::of(0..TOKENS.len()), proptest::bool::weighted(0.2))
            .prop_map(|(name, version, params, token, interactive)| Op::Start { name, version, params, token, interactive }),
        4 => (0..64usize, 0..SIGNALS.len(), 0..2usize, proptest::option::of(0..STEP_NAMES.len()))
            .prop_map(|(exec, signal, principal, step)| Op::Signal { exec, signal, principal, step }),
        1 => (0..64usize, proptest::option::of(any::<bool>()))
            .prop_map(|(exec, complete)| Op::Stop { exec, complete }),
        3 => (0..4_000i64).prop_map(|ms| Op::Tick { ms }),
        2 => (0..6usize, proptest::option::of(prop_oneof![Just(0i64), 1..4i64, Just(51i64)]))
            .prop_map(|(filter, max)| Op::Describe { filter, max }),
        1 => (0..64usize).prop_map(|exec| Op::Get { exec }),
    ]
}

/// The reference model of one document.
#[derive(Debug, Clone)]
struct RefDoc {
    /// Version number → index into `CONTENTS`.
    versions: BTreeMap<u64, usize>,
    default: u64,
    next: u64,
}

impl RefDoc {
    fn latest(&self) -> u64 {
        self.versions.keys().next_back().copied().unwrap_or(0)
    }
}

/// What the test knows besides the service.
struct World {
    svc: Service,
    now: SimTime,
    docs: BTreeMap<String, RefDoc>,
    /// Execution ids in start order (each once).
    started: Vec<String>,
    /// Client token → (request without token, execution id).
    tokens: BTreeMap<String, (StartAutomationExecutionRequest, String)>,
    /// The GetAutomationExecution JSON of each execution once terminal.
    terminal: BTreeMap<String, Value>,
}

/// Execution `i` (0..64): one of those started, or 1 time in 8 an unknown id.
fn exec_id(w: &World, i: usize) -> String {
    if i >= 56 || w.started.is_empty() {
        return UNKNOWN_ID.to_string();
    }
    w.started[i % w.started.len()].clone()
}

/// Mostly valid contents.
fn content() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 0..VALID, 1 => VALID..CONTENTS.len()]
}

/// A sequence: the three documents created (random valid contents), then
/// up to 40 operations.
fn ops() -> impl Strategy<Value = Vec<Op>> {
    (
        proptest::collection::vec(0..VALID, NAMES.len()),
        proptest::collection::vec(op(), 1..40),
    )
        .prop_map(|(contents, rest)| {
            let mut all: Vec<Op> = contents
                .into_iter()
                .enumerate()
                .map(|(name, content)| Op::Create { name, content })
                .collect();
            all.extend(rest);
            all
        })
}

/// Errors the service raises that the model does not list for the
/// operation (none: DeleteDocument of a missing version answers
/// `InvalidDocument`, which the model lists).
const OFF_MODEL: &[(&str, &str)] = &[];

/// The error must be one the operation may raise (or `ValidationException`).
fn check_error(op: &str, e: &ServiceError) -> Result<(), TestCaseError> {
    prop_assert!(ServiceError::NAMES.contains(&e.name()));
    prop_assert!(e.http_status() == 400 || e.name() == "InternalServerError");
    if e.name() == "ValidationException" {
        return Ok(());
    }
    if OFF_MODEL.contains(&(op, e.name())) {
        return Ok(());
    }
    if let Some(model) = model() {
        let listed = model["operations"][op]["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|x| x["shape"] == e.name());
        prop_assert!(listed, "{op} raised {e}, which the model does not list");
    }
    Ok(())
}

/// A document operation's outcome must be the reference model's prediction.
fn expect_doc(
    op: &str,
    got: Result<(), ServiceError>,
    predicted: Result<(), &str>,
) -> Result<(), TestCaseError> {
    if let Err(e) = &got {
        check_error(op, e)?;
    }
    match (got, predicted) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), Err(name)) => {
            prop_assert_eq!(e.name(), name, "{}: {}", op, e);
            Ok(())
        }
        (got, predicted) => {
            prop_assert!(
                false,
                "{op}: got {got:?}, the model predicted {predicted:?}"
            );
            Ok(())
        }
    }
}

fn apply(w: &mut World, op: &Op) -> Result<(), TestCaseError> {
    match op {
        Op::Create { name, content } => {
            let name = NAMES[*name];
            let got = w
                .svc
                .create_document(
                    CreateDocumentRequest {
                        name: name.into(),
                        content: CONTENTS[*content].into(),
                        document_type: Some("Automation".into()),
                        document_format: Some("YAML".into()),
                        ..Default::default()
                    },
                    w.now,
                )
                .map(|_| ());
            let predicted = if w.docs.contains_key(name) {
                Err("DocumentAlreadyExists")
            } else if *content >= VALID {
                Err("InvalidDocumentContent")
            } else {
                Ok(())
            };
            expect_doc("CreateDocument", got, predicted)?;
            if predicted.is_ok() {
                w.docs.insert(
                    name.into(),
                    RefDoc {
                        versions: BTreeMap::from([(1, *content)]),
                        default: 1,
                        next: 2,
                    },
                );
            }
        }
        Op::Update {
            name,
            content,
            base,
        } => {
            let name = NAMES[*name];
            let got = w
                .svc
                .update_document(
                    UpdateDocumentRequest {
                        name: name.into(),
                        content: CONTENTS[*content].into(),
                        document_format: Some("YAML".into()),
                        document_version: base.map(|b| b.to_string()),
                        ..Default::default()
                    },
                    w.now,
                )
                .map(|_| ());
            let predicted = match w.docs.get(name) {
                None => Err("InvalidDocument"),
                Some(d) if base.is_some_and(|b| b != d.latest()) => Err("InvalidDocumentVersion"),
                Some(d) if d.versions.get(&d.latest()) == Some(content) => {
                    Err("DuplicateDocumentContent")
                }
                Some(_) if *content >= VALID => Err("InvalidDocumentContent"),
                Some(_) => Ok(()),
            };
            expect_doc("UpdateDocument", got, predicted)?;
            if predicted.is_ok()
                && let Some(d) = w.docs.get_mut(name)
            {
                d.versions.insert(d.next, *content);
                d.next += 1;
            }
        }
        Op::Delete { name, version } => {
            let name = NAMES[*name];
            let got = w
                .svc
                .delete_document(DeleteDocumentRequest {
                    name: name.into(),
                    document_version: version.map(|v| v.to_string()),
                    ..Default::default()
                })
                .map(|_| ());
            let predicted = match (w.docs.get(name), version) {
                (None, _) => Err("InvalidDocument"),
                (Some(_), None) => Ok(()),
                (Some(d), Some(v)) if !d.versions.contains_key(v) => Err("InvalidDocument"),
                (Some(d), Some(v)) if *v == d.default => Err("InvalidDocumentOperation"),
                (Some(_), Some(_)) => Ok(()),
            };
            expect_doc("DeleteDocument", got, predicted)?;
            if predicted.is_ok() {
                match version {
                    None => {
                        w.docs.remove(name);
                    }
                    Some(v) => {
                        if let Some(d) = w.docs.get_mut(name) {
                            d.versions.remove(v);
                        }
                    }
                }
            }
        }
        Op::SetDefault { name, version } => {
            let name = NAMES[*name];
            let got = w
                .svc
                .update_document_default_version(UpdateDocumentDefaultVersionRequest {
                    name: name.into(),
                    document_version: version.to_string(),
                })
                .map(|_| ());
            let predicted = match w.docs.get(name) {
                None => Err("InvalidDocument"),
                Some(d) if !d.versions.contains_key(version) => Err("InvalidDocumentVersion"),
                Some(_) => Ok(()),
            };
            expect_doc("UpdateDocumentDefaultVersion", got, predicted)?;
            if predicted.is_ok()
                && let Some(d) = w.docs.get_mut(name)
            {
                d.default = *version;
            }
        }
        Op::Start {
            name,
            version,
            params,
            token,
            interactive,
        } => {
            let parameters: Option<IndexMap<String, Vec<String>>> = match params {
                0 => None,
                1 => Some([("Env".to_string(), vec!["prod".to_string()])].into()),
                2 => Some([("Env".to_string(), vec!["staging".to_string()])].into()),
                _ => Some([("Nope".to_string(), vec!["x".to_string()])].into()),
            };
            let request = StartAutomationExecutionRequest {
                document_name: NAMES[*name].into(),
                document_version: version.map(|v| v.to_string()),
                parameters,
                mode: interactive.then(|| "Interactive".to_string()),
                ..Default::default()
            };
            let token = token.map(|t| TOKENS[t].to_string());
            let in_flight = w.svc.executions_in_flight();
            let got = w.svc.start_automation_execution(
                StartAutomationExecutionRequest {
                    client_token: token.clone(),
                    ..request.clone()
                },
                BOB,
                w.now,
            );
            let reused = token.as_ref().and_then(|t| w.tokens.get(t));
            match (&got, reused) {
                (Ok(out), Some((earlier, id))) => {
                    prop_assert_eq!(earlier, &request, "a reused token with other parameters");
                    prop_assert_eq!(&out.automation_execution_id, id);
                }
                (Err(e), Some((earlier, _))) => {
                    prop_assert_eq!(e.name(), "IdempotentParameterMismatch");
                    prop_assert_ne!(earlier, &request);
                }
                (Ok(out), None) => {
                    prop_assert!(in_flight < LIMIT, "started beyond the limit");
                    prop_assert!(!w.started.contains(&out.automation_execution_id));
                    w.started.push(out.automation_execution_id.clone());
                    if let Some(t) = token {
                        w.tokens
                            .insert(t, (request, out.automation_execution_id.clone()));
                    }
                }
                (Err(e), None) => {
                    check_error("StartAutomationExecution", e)?;
                    if e.name() == "AutomationExecutionLimitExceededException" {
                        prop_assert!(in_flight >= LIMIT);
                    }
                    if !w.docs.contains_key(NAMES[*name]) {
                        prop_assert_eq!(e.name(), "AutomationDefinitionNotFoundException");
                    }
                }
            }
        }
        Op::Signal {
            exec,
            signal,
            principal,
            step,
        } => {
            let id = exec_id(w, *exec);
            let payload = step.map(|s| {
                BTreeMap::from([("StepName".to_string(), vec![STEP_NAMES[s].to_string()])])
            });
            let got = w.svc.send_automation_signal(
                SendAutomationSignalRequest {
                    automation_execution_id: id.clone(),
                    signal_type: SIGNALS[*signal].into(),
                    payload,
                },
                PRINCIPALS[*principal],
                w.now,
            );
            if let Err(e) = &got {
                check_error("SendAutomationSignal", e)?;
            }
            if id == UNKNOWN_ID {
                prop_assert!(got.is_err());
            }
            if w.terminal.contains_key(&id) {
                prop_assert!(
                    got.is_err(),
                    "a signal to a finished execution was accepted"
                );
            }
        }
        Op::Stop { exec, complete } => {
            let id = exec_id(w, *exec);
            let got = w.svc.stop_automation_execution(
                StopAutomationExecutionRequest {
                    automation_execution_id: id.clone(),
                    r#type: complete.map(|c| if c { "Complete" } else { "Cancel" }.to_string()),
                },
                w.now,
            );
            if let Err(e) = &got {
                check_error("StopAutomationExecution", e)?;
            }
            if id == UNKNOWN_ID {
                prop_assert!(got.is_err());
            }
        }
        Op::Tick { ms } => {
            w.now = SimTime(w.now.0 + ms);
            w.svc.tick(w.now);
        }
        Op::Describe { filter, max } => {
            let (filters, wanted): (Vec<Filter>, Predicate) = match filter {
                0 => (
                    vec![f("ExecutionStatus", &["Waiting"])],
                    Box::new(|e: &Value| e["AutomationExecutionStatus"] == "Waiting"),
                ),
                1 => (
                    vec![f("ExecutionStatus", &["Success", "Failed", "Cancelled"])],
                    Box::new(|e: &Value| {
                        ["Success", "Failed", "Cancelled"]
                            .iter()
                            .any(|s| e["AutomationExecutionStatus"] == *s)
                    }),
                ),
                2 => (
                    vec![f("DocumentNamePrefix", &["Al", "Ga"])],
                    Box::new(|e: &Value| {
                        let n = e["DocumentName"].as_str().unwrap_or_default();
                        n.starts_with("Al") || n.starts_with("Ga")
                    }),
                ),
                3 => {
                    let first = exec_id(w, 0);
                    (
                        vec![f("ExecutionId", &[first.as_str()])],
                        Box::new(move |e: &Value| e["AutomationExecutionId"] == first.as_str()),
                    )
                }
                4 => (
                    vec![
                        f("ExecutionStatus", &["InProgress", "Waiting"]),
                        f("DocumentNamePrefix", &["Beta"]),
                    ],
                    Box::new(|e: &Value| {
                        (e["AutomationExecutionStatus"] == "InProgress"
                            || e["AutomationExecutionStatus"] == "Waiting")
                            && e["DocumentName"] == "Beta"
                    }),
                ),
                _ => (vec![f("Colour", &["red"])], Box::new(|_: &Value| false)),
            };
            let got = walk(&w.svc, Some(filters), *max);
            match got {
                Err(e) => {
                    check_error("DescribeAutomationExecutions", &e)?;
                    prop_assert!(
                        *filter == 5 || max.is_some_and(|m| !(1..=50).contains(&m)),
                        "a valid describe failed: {e}"
                    );
                }
                Ok(ids) => {
                    let expected: Vec<String> = w
                        .started
                        .iter()
                        .rev()
                        .filter(|id| wanted(&get(&w.svc, id)))
                        .cloned()
                        .collect();
                    prop_assert_eq!(ids, expected);
                }
            }
        }
        Op::Get { exec } => {
            let id = exec_id(w, *exec);
            let got = w
                .svc
                .get_automation_execution(GetAutomationExecutionRequest {
                    automation_execution_id: id.clone(),
                });
            match got {
                Ok(out) => {
                    prop_assert_eq!(
                        out.automation_execution["AutomationExecutionId"].as_str(),
                        Some(id.as_str())
                    );
                }
                Err(e) => {
                    check_error("GetAutomationExecution", &e)?;
                    prop_assert_eq!(id, UNKNOWN_ID);
                }
            }
        }
    }
    Ok(())
}

/// Which GetAutomationExecution JSON a filter should select.
type Predicate = Box<dyn Fn(&Value) -> bool>;

fn f(key: &str, values: &[&str]) -> Filter {
    Filter {
        key: key.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn get(svc: &Service, id: &str) -> Value {
    svc.get_automation_execution(GetAutomationExecutionRequest {
        automation_execution_id: id.into(),
    })
    .map(|r| r.automation_execution)
    .unwrap_or(Value::Null)
}

/// Every execution id of a full paginated DescribeAutomationExecutions walk.
fn walk(
    svc: &Service,
    filters: Option<Vec<Filter>>,
    max: Option<i64>,
) -> Result<Vec<String>, ServiceError> {
    let mut ids = Vec::new();
    let mut token = None;
    for _ in 0..1000 {
        let page = svc.describe_automation_executions(DescribeAutomationExecutionsRequest {
            filters: filters.clone(),
            max_results: max,
            next_token: token,
        })?;
        if let Some(m) = max {
            assert!(page.automation_execution_metadata_list.len() <= m as usize);
        }
        ids.extend(page.automation_execution_metadata_list.iter().map(|m| {
            m["AutomationExecutionId"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }));
        token = page.next_token;
        if token.is_none() {
            return Ok(ids);
        }
    }
    panic!("pagination did not end");
}

/// The invariants that hold after every operation.
fn check_invariants(w: &mut World, step: usize) -> Result<(), TestCaseError> {
    // Every execution exactly once, newest first, in a full walk.
    let max = Some((step % 7) as i64 + 1);
    let ids = walk(&w.svc, None, max).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let unique: BTreeSet<&String> = ids.iter().collect();
    prop_assert_eq!(unique.len(), ids.len(), "an execution listed twice");
    let mut expected = w.started.clone();
    expected.reverse();
    prop_assert_eq!(&ids, &expected);
    prop_assert_eq!(w.svc.execution_ids().len(), w.started.len());

    // Terminal executions never change.
    let mut in_flight = 0;
    for id in &w.started {
        let now = get(&w.svc, id);
        let status = now["AutomationExecutionStatus"]
            .as_str()
            .unwrap_or_default();
        let terminal = Status::parse(status).is_some_and(|s| s.is_terminal());
        match w.terminal.get(id) {
            Some(snapshot) => prop_assert_eq!(snapshot, &now, "terminal execution {} changed", id),
            None if terminal => {
                w.terminal.insert(id.clone(), now);
            }
            None => in_flight += 1,
        }
    }
    prop_assert_eq!(w.svc.executions_in_flight(), in_flight);

    // The document bookkeeping agrees with the reference model.
    let mut listed = Vec::new();
    let mut token = None;
    loop {
        let page = w
            .svc
            .list_documents(ListDocumentsRequest {
                max_results: Some(2),
                next_token: token,
                ..Default::default()
            })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        listed.extend(
            page.document_identifiers
                .iter()
                .map(|d| (d.name.clone(), d.document_version.clone())),
        );
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    let expected: Vec<(String, String)> = w
        .docs
        .iter()
        .map(|(n, d)| (n.clone(), d.default.to_string()))
        .collect();
    prop_assert_eq!(listed, expected);
    for (name, d) in &w.docs {
        let versions = w
            .svc
            .list_document_versions(ListDocumentVersionsRequest {
                name: name.clone(),
                ..Default::default()
            })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let got: Vec<(String, bool)> = versions
            .document_versions
            .iter()
            .map(|v| (v.document_version.clone(), v.is_default_version))
            .collect();
        let want: Vec<(String, bool)> = d
            .versions
            .keys()
            .map(|n| (n.to_string(), *n == d.default))
            .collect();
        prop_assert_eq!(got, want);
        let described = w
            .svc
            .describe_document(DescribeDocumentRequest {
                name: name.clone(),
                ..Default::default()
            })
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .document;
        prop_assert_eq!(described.document_version, d.default.to_string());
        prop_assert_eq!(described.default_version, d.default.to_string());
        prop_assert_eq!(described.latest_version, d.latest().to_string());
        let content = w
            .svc
            .get_document(GetDocumentRequest {
                name: name.clone(),
                document_version: Some("$LATEST".into()),
                ..Default::default()
            })
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .content;
        prop_assert_eq!(
            Some(content.as_str()),
            d.versions.get(&d.latest()).map(|c| CONTENTS[*c])
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn service_agrees_with_its_model(ops in ops()) {
        let mut w = World {
            svc: Service::new(ServiceConfig {
                max_concurrent_executions: LIMIT,
                ..ServiceConfig::default()
            }),
            now: SimTime(1_700_000_000_000),
            docs: BTreeMap::new(),
            started: Vec::new(),
            tokens: BTreeMap::new(),
            terminal: BTreeMap::new(),
        };
        for (step, op) in ops.iter().enumerate() {
            apply(&mut w, op)?;
            check_invariants(&mut w, step)?;
        }
    }
}
