//! The embeddable service against SSM's own service model: all 14
//! operations are driven (documents, an approval, a pause, a failing step,
//! a child execution, filters, pagination), every request and response is
//! serialised with serde_json and checked against the operation's input
//! and output shapes (member names, enum values, types, required members,
//! timestamps as numbers), and every error against the exceptions the
//! operation may raise. Runs when `../shared/spec` exists; says it was
//! skipped otherwise. Also holds the example of `docs/embedding.md`, which
//! runs whether or not the model is present.

use serde::Serialize;
use serde_json::{Value, json};
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::execution::{ActionRequest, FailureStage, FailureType, Outcome};
use ssm_runbook_engine::service::describe::*;
use ssm_runbook_engine::service::documents::*;
use ssm_runbook_engine::service::executions::*;
use ssm_runbook_engine::service::{Service, ServiceConfig, ServiceError};
use std::collections::BTreeMap;

mod common;
use common::conforms;

/// Records every call: its request and response checked against the
/// operation's shapes, its error against the operation's exceptions.
struct Checker<'m> {
    model: &'m Value,
    problems: Vec<String>,
    /// Operation name → number of calls checked.
    calls: BTreeMap<String, usize>,
}

impl<'m> Checker<'m> {
    fn new(model: &'m Value) -> Self {
        Checker {
            model,
            problems: Vec::new(),
            calls: BTreeMap::new(),
        }
    }

    fn shape_of(&self, op: &str, which: &str) -> String {
        self.model["operations"][op][which]["shape"]
            .as_str()
            .unwrap_or_else(|| panic!("operation {op} has no {which} shape"))
            .to_string()
    }

    fn request<R: Serialize>(&mut self, op: &str, request: &R) {
        let shape = self.shape_of(op, "input");
        let v = serde_json::to_value(request).expect("requests serialise");
        conforms(
            self.model,
            &shape,
            &v,
            &format!("{op} request"),
            &mut self.problems,
        );
    }

    /// Check a call's request and outcome; give the response back.
    fn call<R: Serialize, T: Serialize>(
        &mut self,
        op: &str,
        request: &R,
        outcome: Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        self.request(op, request);
        self.outcome(op, outcome)
    }

    /// Like [`Checker::call`] for a request that breaks the model on
    /// purpose (an enum value outside the model's): only the outcome is checked.
    fn call_malformed<T: Serialize>(
        &mut self,
        op: &str,
        outcome: Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        self.outcome(op, outcome)
    }

    fn outcome<T: Serialize>(
        &mut self,
        op: &str,
        outcome: Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        *self.calls.entry(op.to_string()).or_default() += 1;
        match &outcome {
            Ok(out) => {
                let shape = self.shape_of(op, "output");
                let v = serde_json::to_value(out).expect("responses serialise");
                conforms(
                    self.model,
                    &shape,
                    &v,
                    &format!("{op} response"),
                    &mut self.problems,
                );
            }
            Err(e) => {
                let listed = self.model["operations"][op]["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|x| x["shape"] == e.name());
                if !listed && e.name() != "ValidationException" {
                    self.problems.push(format!(
                        "{op}: error {} is not one of the operation's exceptions",
                        e.name()
                    ));
                }
                let body = e.to_json();
                if body["__type"] != e.name() || body["Message"] != e.message() {
                    self.problems
                        .push(format!("{op}: error body {body} does not match"));
                }
            }
        }
        outcome
    }
}

const NOW: SimTime = SimTime(1_700_000_000_000);
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const BOB: &str = "arn:aws:iam::123456789012:user/bob";

const APPROVE: &str = "schemaVersion: '0.3'
description: Needs an approval.
parameters:
  Env:
    type: String
    description: Where to deploy.
    allowedValues: [dev, prod]
    default: dev
  Count:
    type: Integer
    default: 2
mainSteps:
  - name: Approve
    action: aws:approve
    inputs:
      Approvers: ['arn:aws:iam::123456789012:user/alice']
  - name: Done
    action: aws:sleep
    inputs: { Duration: PT1S }
";

const PAUSE: &str = "schemaVersion: '0.3'
mainSteps:
  - name: Hold
    action: aws:pause
    inputs: {}
  - name: After
    action: aws:sleep
    inputs: { Duration: PT0S }
";

const BOOM: &str = "schemaVersion: '0.3'
outputs: [Call.Id]
mainSteps:
  - name: Call
    action: aws:executeAwsApi
    inputs: { Service: ec2, Api: DescribeInstances }
    outputs:
      - { Name: Id, Selector: $.Id, Type: String }
  - name: Boom
    action: aws:executeAwsApi
    inputs: { Service: ec2, Api: TerminateInstances }
";

const CHILD: &str = "schemaVersion: '0.3'
parameters:
  Target: { type: String }
mainSteps:
  - name: Work
    action: aws:sleep
    inputs: { Duration: PT0S }
";

const PARENT: &str = "schemaVersion: '0.3'
mainSteps:
  - name: RunChild
    action: aws:executeAutomation
    inputs:
      DocumentName: Child
      RuntimeParameters: { Target: web-1 }
";

/// Succeeds with `{"Id": "i-1"}`, except that step `Boom` fails.
struct Handler;

impl ActionHandler for Handler {
    fn handle(&mut self, request: &ActionRequest, _now: SimTime) -> Option<Outcome> {
        Some(if &*request.step_name == "Boom" {
            Outcome::Failure {
                failure_type: FailureType::Verification,
                stage: FailureStage::Invocation,
                message: "instance is protected".into(),
            }
        } else {
            Outcome::Success {
                response: json!({"Id": "i-1"}),
            }
        })
    }
}

fn create_request(name: &str, content: &str) -> CreateDocumentRequest {
    CreateDocumentRequest {
        name: name.into(),
        content: content.into(),
        document_type: Some("Automation".into()),
        document_format: Some("YAML".into()),
        version_name: Some("v1".into()),
        display_name: Some(format!("{name} runbook")),
        tags: Some(vec![Tag {
            key: "team".into(),
            value: "ops".into(),
        }]),
        ..Default::default()
    }
}

fn status(svc: &Service, id: &str) -> String {
    svc.get_automation_execution(GetAutomationExecutionRequest {
        automation_execution_id: id.into(),
    })
    .expect("execution exists")
    .automation_execution["AutomationExecutionStatus"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn every_operation_conforms_to_the_model() {
    let Some(model) = common::model("service model tests") else {
        return;
    };
    let mut c = Checker::new(&model);
    let mut s = Service::with_handler(ServiceConfig::default(), Box::new(Handler));

    // ------------------------------------------------------------ documents
    for (name, content) in [
        ("Deploy", APPROVE),
        ("Hold", PAUSE),
        ("Boom", BOOM),
        ("Child", CHILD),
        ("Parent", PARENT),
    ] {
        let r = create_request(name, content);
        c.call("CreateDocument", &r, s.create_document(r.clone(), NOW))
            .expect("created");
    }
    let plain = CreateDocumentRequest {
        name: "Notes".into(),
        content: "{\"schemaVersion\":\"2.2\",\"mainSteps\":[]}".into(),
        ..Default::default()
    };
    c.call(
        "CreateDocument",
        &plain,
        s.create_document(plain.clone(), NOW),
    )
    .expect("a Command document");
    for bad in [
        create_request("Deploy", APPROVE),
        create_request("Broken", "schemaVersion: '0.3'\nmainSteps: 7\n"),
        create_request("Old", "schemaVersion: '0.1'\nmainSteps: []\n"),
        create_request("x", APPROVE),
        create_request("awsReserved", APPROVE),
    ] {
        c.call("CreateDocument", &bad, s.create_document(bad.clone(), NOW))
            .expect_err("refused");
    }

    let later = SimTime(NOW.0 + 60_000);
    let up = UpdateDocumentRequest {
        name: "Hold".into(),
        content: PAUSE.replace("PT0S", "PT1S"),
        document_format: Some("YAML".into()),
        version_name: Some("v2".into()),
        document_version: Some("$LATEST".into()),
        ..Default::default()
    };
    let v2 = c
        .call("UpdateDocument", &up, s.update_document(up.clone(), later))
        .expect("version 2");
    assert_eq!(v2.document_description.latest_version, "2");
    c.call("UpdateDocument", &up, s.update_document(up.clone(), later))
        .expect_err("duplicate content");
    let up3 = UpdateDocumentRequest {
        name: "Hold".into(),
        content: PAUSE.replace("PT0S", "PT2S"),
        document_format: Some("YAML".into()),
        ..Default::default()
    };
    c.call(
        "UpdateDocument",
        &up3,
        s.update_document(up3.clone(), later),
    )
    .expect("version 3");
    let stale = UpdateDocumentRequest {
        document_version: Some("1".into()),
        content: PAUSE.replace("PT0S", "PT3S"),
        ..up3.clone()
    };
    c.call(
        "UpdateDocument",
        &stale,
        s.update_document(stale.clone(), later),
    )
    .expect_err("not the latest");

    for r in [
        GetDocumentRequest {
            name: "Hold".into(),
            ..Default::default()
        },
        GetDocumentRequest {
            name: "Hold".into(),
            version_name: Some("v2".into()),
            ..Default::default()
        },
        GetDocumentRequest {
            name: "arn:aws:ssm:us-east-1:123456789012:document/Hold".into(),
            document_version: Some("$LATEST".into()),
            document_format: Some("YAML".into()),
            ..Default::default()
        },
    ] {
        c.call("GetDocument", &r, s.get_document(r.clone()))
            .expect("got");
    }
    let missing = GetDocumentRequest {
        name: "Nope".into(),
        ..Default::default()
    };
    c.call("GetDocument", &missing, s.get_document(missing.clone()))
        .expect_err("missing");

    for r in [
        DescribeDocumentRequest {
            name: "Deploy".into(),
            ..Default::default()
        },
        DescribeDocumentRequest {
            name: "Hold".into(),
            document_version: Some("3".into()),
            ..Default::default()
        },
        DescribeDocumentRequest {
            name: "Notes".into(),
            ..Default::default()
        },
    ] {
        c.call("DescribeDocument", &r, s.describe_document(r.clone()))
            .expect("described");
    }
    let no_version = DescribeDocumentRequest {
        name: "Hold".into(),
        document_version: Some("9".into()),
        ..Default::default()
    };
    c.call(
        "DescribeDocument",
        &no_version,
        s.describe_document(no_version.clone()),
    )
    .expect_err("no version 9");

    let dv = UpdateDocumentDefaultVersionRequest {
        name: "Hold".into(),
        document_version: "2".into(),
    };
    let out = c
        .call(
            "UpdateDocumentDefaultVersion",
            &dv,
            s.update_document_default_version(dv.clone()),
        )
        .expect("default is 2");
    assert_eq!(out.description.default_version_name.as_deref(), Some("v2"));
    let dv_bad = UpdateDocumentDefaultVersionRequest {
        name: "Hold".into(),
        document_version: "7".into(),
    };
    c.call(
        "UpdateDocumentDefaultVersion",
        &dv_bad,
        s.update_document_default_version(dv_bad.clone()),
    )
    .expect_err("no version 7");

    // Versions, one per page.
    let mut token = None;
    let mut versions = Vec::new();
    loop {
        let r = ListDocumentVersionsRequest {
            name: "Hold".into(),
            max_results: Some(1),
            next_token: token.clone(),
        };
        let page = c
            .call(
                "ListDocumentVersions",
                &r,
                s.list_document_versions(r.clone()),
            )
            .expect("listed");
        versions.extend(
            page.document_versions
                .iter()
                .map(|v| v.document_version.clone()),
        );
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(versions, ["1", "2", "3"]);
    let bad_token = ListDocumentVersionsRequest {
        name: "Hold".into(),
        next_token: Some("garbage".into()),
        ..Default::default()
    };
    c.call(
        "ListDocumentVersions",
        &bad_token,
        s.list_document_versions(bad_token.clone()),
    )
    .expect_err("bad token");

    // Documents, two per page, then with filters.
    let mut token = None;
    let mut names = Vec::new();
    loop {
        let r = ListDocumentsRequest {
            max_results: Some(2),
            next_token: token.clone(),
            ..Default::default()
        };
        let page = c
            .call("ListDocuments", &r, s.list_documents(r.clone()))
            .expect("listed");
        names.extend(page.document_identifiers.iter().map(|d| d.name.clone()));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(
        names,
        ["Boom", "Child", "Deploy", "Hold", "Notes", "Parent"]
    );
    let filtered = ListDocumentsRequest {
        filters: Some(vec![
            DocumentKeyValuesFilter {
                key: Some("DocumentType".into()),
                values: Some(vec!["Automation".into()]),
            },
            DocumentKeyValuesFilter {
                key: Some("tag:team".into()),
                values: Some(vec!["ops".into()]),
            },
            DocumentKeyValuesFilter {
                key: Some("Owner".into()),
                values: Some(vec!["Self".into()]),
            },
        ]),
        document_filter_list: Some(vec![DocumentFilter {
            key: "Name".into(),
            value: "D".into(),
        }]),
        ..Default::default()
    };
    let out = c
        .call(
            "ListDocuments",
            &filtered,
            s.list_documents(filtered.clone()),
        )
        .expect("filtered");
    assert_eq!(out.document_identifiers.len(), 1);
    let bad_key = ListDocumentsRequest {
        filters: Some(vec![DocumentKeyValuesFilter {
            key: Some("Colour".into()),
            values: Some(vec!["red".into()]),
        }]),
        ..Default::default()
    };
    c.call("ListDocuments", &bad_key, s.list_documents(bad_key.clone()))
        .expect_err("bad key");
    let too_many = ListDocumentsRequest {
        max_results: Some(51),
        ..Default::default()
    };
    c.call(
        "ListDocuments",
        &too_many,
        s.list_documents(too_many.clone()),
    )
    .expect_err("MaxResults over 50");

    // ----------------------------------------------------------- executions
    let start = |c: &mut Checker, s: &mut Service, r: StartAutomationExecutionRequest| {
        c.call(
            "StartAutomationExecution",
            &r,
            s.start_automation_execution(r.clone(), BOB, NOW),
        )
    };
    let approval = start(
        &mut c,
        &mut s,
        StartAutomationExecutionRequest {
            document_name: "Deploy".into(),
            parameters: Some(
                [
                    ("Env".to_string(), vec!["prod".to_string()]),
                    ("Count".to_string(), vec!["3".to_string()]),
                ]
                .into_iter()
                .collect(),
            ),
            client_token: Some("0c1d7a52-6e3b-4f0e-9a41-5d2c8b7e9f10".into()),
            mode: Some("Auto".into()),
            tags: Some(vec![Tag {
                key: "k".into(),
                value: "v".into(),
            }]),
            ..Default::default()
        },
    )
    .expect("started")
    .automation_execution_id;
    let hold = start(
        &mut c,
        &mut s,
        StartAutomationExecutionRequest {
            document_name: "Hold".into(),
            document_version: Some("$DEFAULT".into()),
            ..Default::default()
        },
    )
    .expect("started")
    .automation_execution_id;
    let boom = start(
        &mut c,
        &mut s,
        StartAutomationExecutionRequest {
            document_name: "Boom".into(),
            ..Default::default()
        },
    )
    .expect("started")
    .automation_execution_id;
    let parent = start(
        &mut c,
        &mut s,
        StartAutomationExecutionRequest {
            document_name: "Parent".into(),
            ..Default::default()
        },
    )
    .expect("started")
    .automation_execution_id;
    let interactive = start(
        &mut c,
        &mut s,
        StartAutomationExecutionRequest {
            document_name: "Hold".into(),
            document_version: Some("1".into()),
            mode: Some("Interactive".into()),
            ..Default::default()
        },
    )
    .expect("started")
    .automation_execution_id;
    assert_eq!(status(&s, &boom), "Failed");
    assert_eq!(status(&s, &hold), "Waiting");
    assert_eq!(status(&s, &approval), "Waiting");
    for bad in [
        StartAutomationExecutionRequest {
            document_name: "Nope".into(),
            ..Default::default()
        },
        StartAutomationExecutionRequest {
            document_name: "Hold".into(),
            document_version: Some("9".into()),
            ..Default::default()
        },
        StartAutomationExecutionRequest {
            document_name: "Deploy".into(),
            parameters: Some(
                [("Env".to_string(), vec!["staging".to_string()])]
                    .into_iter()
                    .collect(),
            ),
            ..Default::default()
        },
        StartAutomationExecutionRequest {
            document_name: "Hold".into(),
            client_token: Some("0c1d7a52-6e3b-4f0e-9a41-5d2c8b7e9f10".into()),
            ..Default::default()
        },
        StartAutomationExecutionRequest {
            document_name: "Hold".into(),
            targets: Some(vec![json!({"Key": "InstanceIds", "Values": ["i-1"]})]),
            target_parameter_name: Some("InstanceId".into()),
            ..Default::default()
        },
        StartAutomationExecutionRequest {
            document_name: "Notes".into(),
            ..Default::default()
        },
    ] {
        start(&mut c, &mut s, bad).expect_err("refused");
    }

    let signal = |c: &mut Checker,
                  s: &mut Service,
                  id: &str,
                  ty: &str,
                  payload: Option<(&str, &str)>,
                  who: &str| {
        let r = SendAutomationSignalRequest {
            automation_execution_id: id.into(),
            signal_type: ty.into(),
            payload: payload.map(|(k, v)| BTreeMap::from([(k.to_string(), vec![v.to_string()])])),
        };
        c.call(
            "SendAutomationSignal",
            &r,
            s.send_automation_signal(r.clone(), who, NOW),
        )
    };
    signal(&mut c, &mut s, &approval, "Approve", None, BOB).expect_err("Bob cannot approve");
    signal(
        &mut c,
        &mut s,
        &approval,
        "Approve",
        Some(("Comment", "ship it")),
        ALICE,
    )
    .expect("approved");
    signal(
        &mut c,
        &mut s,
        &hold,
        "Resume",
        Some(("StepName", "Nope")),
        BOB,
    )
    .expect_err("no such step");
    signal(
        &mut c,
        &mut s,
        &hold,
        "Resume",
        Some(("StepName", "Hold")),
        BOB,
    )
    .expect("resumed");
    let wave = SendAutomationSignalRequest {
        automation_execution_id: hold.clone(),
        signal_type: "Wave".into(),
        payload: None,
    };
    c.call_malformed(
        "SendAutomationSignal",
        s.send_automation_signal(wave, BOB, NOW),
    )
    .expect_err("not a signal");
    signal(
        &mut c,
        &mut s,
        "00000000-0000-0000-0000-000000000000",
        "Approve",
        None,
        ALICE,
    )
    .expect_err("no such execution");
    // Interactive mode: start a step by name, then stop the run.
    let _ = signal(
        &mut c,
        &mut s,
        &interactive,
        "StartStep",
        Some(("StepName", "Hold")),
        BOB,
    );

    let tick = SimTime(NOW.0 + 5_000);
    s.tick(tick);
    assert_eq!(status(&s, &approval), "Success");
    assert_eq!(status(&s, &hold), "Success");

    // A second Hold to stop (Cancel), and a bad stop type.
    let to_stop = start(
        &mut c,
        &mut s,
        StartAutomationExecutionRequest {
            document_name: "Hold".into(),
            ..Default::default()
        },
    )
    .expect("started")
    .automation_execution_id;
    for (id, ty, ok) in [
        (to_stop.as_str(), Some("Explode"), false),
        (to_stop.as_str(), None, true),
        (to_stop.as_str(), Some("Cancel"), false),
        (interactive.as_str(), Some("Cancel"), true),
        ("00000000-0000-0000-0000-000000000000", None, false),
    ] {
        let r = StopAutomationExecutionRequest {
            automation_execution_id: id.into(),
            r#type: ty.map(str::to_string),
        };
        let out = if ty == Some("Explode") {
            c.call_malformed(
                "StopAutomationExecution",
                s.stop_automation_execution(r.clone(), tick),
            )
        } else {
            c.call(
                "StopAutomationExecution",
                &r,
                s.stop_automation_execution(r.clone(), tick),
            )
        };
        assert_eq!(out.is_ok(), ok, "stop {ty:?}: {out:?}");
    }
    assert_eq!(status(&s, &to_stop), "Cancelled");

    let all_ids = s.execution_ids();
    assert_eq!(all_ids.len(), 7, "six starts and one child");
    for id in all_ids.iter().chain([&"short".to_string()]) {
        let r = GetAutomationExecutionRequest {
            automation_execution_id: id.clone(),
        };
        let _ = c.call(
            "GetAutomationExecution",
            &r,
            s.get_automation_execution(r.clone()),
        );
    }

    // Every execution, two per page.
    let mut token = None;
    let mut seen = Vec::new();
    loop {
        let r = DescribeAutomationExecutionsRequest {
            max_results: Some(2),
            next_token: token.clone(),
            ..Default::default()
        };
        let page = c
            .call(
                "DescribeAutomationExecutions",
                &r,
                s.describe_automation_executions(r.clone()),
            )
            .expect("described");
        seen.extend(page.automation_execution_metadata_list.iter().map(|m| {
            m["AutomationExecutionId"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    let mut newest_first = all_ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    let filter = |key: &str, values: &[&str]| Filter {
        key: key.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    };
    for (filters, ok) in [
        (
            vec![filter("ExecutionStatus", &["Success", "Failed"])],
            true,
        ),
        (vec![filter("DocumentNamePrefix", &["Ho"])], true),
        (vec![filter("ParentExecutionId", &[parent.as_str()])], true),
        (vec![filter("ExecutionId", &[boom.as_str()])], true),
        (
            vec![
                filter("StartTimeAfter", &["2023-11-14T00:00:00Z"]),
                filter("StartTimeBefore", &["2030-01-01T00:00:00Z"]),
                filter("AutomationType", &["Local"]),
            ],
            true,
        ),
        (vec![filter("Colour", &["red"])], false),
        (vec![filter("ExecutionStatus", &["Sleepy"])], false),
        (vec![filter("StartTimeAfter", &["yesterday"])], false),
    ] {
        let r = DescribeAutomationExecutionsRequest {
            filters: Some(filters),
            ..Default::default()
        };
        let malformed = r.filters.iter().flatten().any(|f| f.key == "Colour");
        let out = if malformed {
            c.call_malformed(
                "DescribeAutomationExecutions",
                s.describe_automation_executions(r.clone()),
            )
        } else {
            c.call(
                "DescribeAutomationExecutions",
                &r,
                s.describe_automation_executions(r.clone()),
            )
        };
        assert_eq!(out.is_ok(), ok, "{out:?}");
    }
    let bad = DescribeAutomationExecutionsRequest {
        next_token: Some("executions.zz".into()),
        ..Default::default()
    };
    c.call(
        "DescribeAutomationExecutions",
        &bad,
        s.describe_automation_executions(bad.clone()),
    )
    .expect_err("bad token");

    // Step executions of each, one per page, forwards and backwards.
    for id in &all_ids {
        for reverse in [None, Some(true)] {
            let mut token = None;
            loop {
                let r = DescribeAutomationStepExecutionsRequest {
                    automation_execution_id: id.clone(),
                    max_results: Some(1),
                    next_token: token.clone(),
                    reverse_order: reverse,
                    ..Default::default()
                };
                let page = c
                    .call(
                        "DescribeAutomationStepExecutions",
                        &r,
                        s.describe_automation_step_executions(r.clone()),
                    )
                    .expect("described");
                token = page.next_token;
                if token.is_none() {
                    break;
                }
            }
        }
    }
    for (filters, ok) in [
        (vec![filter("StepExecutionStatus", &["Failed"])], true),
        (vec![filter("StepName", &["Boom", "Call"])], true),
        (vec![filter("Action", &["aws:executeAwsApi"])], true),
        (
            vec![filter("StartTimeBefore", &["2030-01-01T00:00:00Z"])],
            true,
        ),
        (vec![filter("Colour", &["red"])], false),
        (vec![filter("StepName", &[])], false),
    ] {
        let r = DescribeAutomationStepExecutionsRequest {
            automation_execution_id: boom.clone(),
            filters: Some(filters),
            ..Default::default()
        };
        let malformed = r.filters.iter().flatten().any(|f| f.key == "Colour");
        let out = if malformed {
            c.call_malformed(
                "DescribeAutomationStepExecutions",
                s.describe_automation_step_executions(r.clone()),
            )
        } else {
            c.call(
                "DescribeAutomationStepExecutions",
                &r,
                s.describe_automation_step_executions(r.clone()),
            )
        };
        assert_eq!(out.is_ok(), ok, "{out:?}");
    }
    let unknown = DescribeAutomationStepExecutionsRequest {
        automation_execution_id: "00000000-0000-0000-0000-000000000000".into(),
        ..Default::default()
    };
    c.call(
        "DescribeAutomationStepExecutions",
        &unknown,
        s.describe_automation_step_executions(unknown.clone()),
    )
    .expect_err("no such execution");

    // ------------------------------------------------------------ deletion
    for (r, ok) in [
        (
            DeleteDocumentRequest {
                name: "Hold".into(),
                document_version: Some("2".into()),
                ..Default::default()
            },
            false,
        ),
        (
            DeleteDocumentRequest {
                name: "Hold".into(),
                version_name: Some("v1".into()),
                ..Default::default()
            },
            true,
        ),
        (
            DeleteDocumentRequest {
                name: "Boom".into(),
                force: Some(true),
                ..Default::default()
            },
            true,
        ),
        (
            DeleteDocumentRequest {
                name: "Boom".into(),
                ..Default::default()
            },
            false,
        ),
    ] {
        let out = c.call("DeleteDocument", &r, s.delete_document(r.clone()));
        assert_eq!(out.is_ok(), ok, "{r:?}: {out:?}");
    }

    // Every one of the 14 operations was called, and all conformed.
    let ops: Vec<&String> = model["operations"]
        .as_object()
        .expect("operations")
        .keys()
        .collect();
    assert_eq!(ops.len(), 14);
    for op in ops {
        assert!(c.calls.contains_key(op), "{op} was not exercised");
    }
    let problems: Vec<&String> = c
        .problems
        .iter()
        .filter(|p| !KNOWN_DEVIATIONS.iter().any(|k| p.contains(k)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Deviations from the model that are known and reported, not yet decided:
/// `DocumentParameter.Type` is the runbook's own type name (`Integer`,
/// `Boolean`, `MapList`, ...), while the model's `DocumentParameterType`
/// enum has only `String` and `StringList` (documents.rs,
/// `parameter_type_name`).
const KNOWN_DEVIATIONS: &[&str] = &["is not a value of enum DocumentParameterType"];

#[test]
fn error_names_are_the_models_exceptions() {
    let Some(model) = common::model("service model tests") else {
        return;
    };
    for name in ServiceError::NAMES {
        if *name == "ValidationException" {
            // Not in the model: the constraint violations clients do not check.
            assert!(model["shapes"].get(*name).is_none());
            continue;
        }
        let shape = &model["shapes"][*name];
        assert_eq!(shape["type"], "structure", "{name} is not a shape");
        assert_eq!(shape["exception"], true, "{name} is not an exception");
    }
    // And every exception the 14 operations list is one of ours.
    for (op, o) in model["operations"].as_object().expect("operations") {
        for e in o["errors"].as_array().into_iter().flatten() {
            let e = e["shape"].as_str().unwrap_or_default();
            assert!(ServiceError::NAMES.contains(&e), "{op}: {e} is missing");
        }
    }
}

/// The complete example of `docs/embedding.md`, kept here so it stays true.
#[test]
fn embedding_guide_example() {
    use serde_json::json;
    use ssm_runbook_engine::clock::SimTime;
    use ssm_runbook_engine::service::documents::CreateDocumentRequest;
    use ssm_runbook_engine::service::executions::{
        GetAutomationExecutionRequest, SendAutomationSignalRequest, StartAutomationExecutionRequest,
    };
    use ssm_runbook_engine::service::{Service, ServiceConfig};

    // One service per emulated account and region; ids come from the seed.
    let mut svc = Service::new(ServiceConfig {
        seed: 42,
        ..ServiceConfig::default()
    });
    let t0 = SimTime::parse_rfc3339("2026-01-01T00:00:00Z").expect("a valid instant");

    // 1. CreateDocument: an approval, then a 30-second sleep.
    let content = r#"
schemaVersion: '0.3'
parameters:
  Env: { type: String, allowedValues: [dev, prod], default: dev }
mainSteps:
  - name: Approve
    action: aws:approve
    inputs:
      Approvers: ['arn:aws:iam::123456789012:user/alice']
  - name: Settle
    action: aws:sleep
    inputs: { Duration: PT30S }
"#;
    svc.create_document(
        CreateDocumentRequest {
            name: "Deploy".into(),
            content: content.into(),
            document_type: Some("Automation".into()),
            document_format: Some("YAML".into()),
            ..Default::default()
        },
        t0,
    )
    .expect("the runbook is valid");

    // 2. StartAutomationExecution, as bob.
    let bob = "arn:aws:iam::123456789012:user/bob";
    let id = svc
        .start_automation_execution(
            StartAutomationExecutionRequest {
                document_name: "Deploy".into(),
                parameters: Some([("Env".to_string(), vec!["prod".to_string()])].into()),
                ..Default::default()
            },
            bob,
            t0,
        )
        .expect("started")
        .automation_execution_id;

    let status = |svc: &Service| {
        let out = svc
            .get_automation_execution(GetAutomationExecutionRequest {
                automation_execution_id: id.clone(),
            })
            .expect("exists");
        out.automation_execution["AutomationExecutionStatus"].clone()
    };
    assert_eq!(status(&svc), "Waiting");

    // 3. SendAutomationSignal: bob is not an approver; alice is.
    let approve = SendAutomationSignalRequest {
        automation_execution_id: id.clone(),
        signal_type: "Approve".into(),
        payload: None,
    };
    let refused = svc
        .send_automation_signal(approve.clone(), bob, t0)
        .expect_err("bob may not approve");
    assert_eq!(refused.name(), "InvalidAutomationSignalException");
    assert_eq!(refused.http_status(), 400);
    assert_eq!(
        refused.to_json()["__type"],
        "InvalidAutomationSignalException"
    );
    let alice = "arn:aws:iam::123456789012:user/alice";
    svc.send_automation_signal(approve, alice, t0)
        .expect("alice approves");
    assert_eq!(status(&svc), "InProgress");

    // 4. Time passes only when the embedder says so.
    let due = svc.next_deadline().expect("the sleep is pending");
    assert_eq!(due, SimTime(t0.0 + 30_000));
    svc.tick(due);

    // 5. GetAutomationExecution: the API's JSON, ready to send.
    let out = svc
        .get_automation_execution(GetAutomationExecutionRequest {
            automation_execution_id: id.clone(),
        })
        .expect("exists");
    let body = serde_json::to_string(&out).expect("serialises");
    assert!(body.starts_with("{\"AutomationExecution\":{"));
    assert_eq!(
        out.automation_execution["AutomationExecutionStatus"],
        "Success"
    );
    assert_eq!(
        out.automation_execution["Parameters"]["Env"],
        json!(["prod"])
    );
    assert_eq!(svc.executions_in_flight(), 0);
}

/// Records every action and answers none of them (the guide's deferred handler).
struct Later(std::sync::Arc<std::sync::Mutex<Vec<ActionRequest>>>);

impl ActionHandler for Later {
    fn handle(&mut self, request: &ActionRequest, _now: SimTime) -> Option<Outcome> {
        if let Ok(mut seen) = self.0.lock() {
            seen.push(request.clone());
        }
        None
    }
}

/// The claims of `docs/embedding.md` about deferred actions, timeouts,
/// retries and child executions.
#[test]
fn embedding_guide_claims() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut s = Service::with_handler(ServiceConfig::default(), Box::new(Later(seen.clone())));
    let api = "schemaVersion: '0.3'
mainSteps:
  - name: Call
    action: aws:executeAwsApi
    timeoutSeconds: 10
    maxAttempts: 2
    inputs: { Service: ec2, Api: DescribeInstances }
";
    s.create_document(create_request("Api", api), NOW)
        .expect("valid");
    let start = |s: &mut Service, name: &str| {
        s.start_automation_execution(
            StartAutomationExecutionRequest {
                document_name: name.into(),
                ..Default::default()
            },
            BOB,
            NOW,
        )
        .expect("started")
        .automation_execution_id
    };
    // Answered later with finish_action; a second answer is an error.
    let a = start(&mut s, "Api");
    assert_eq!(status(&s, &a), "InProgress");
    let pending = s.execution(&a).expect("exists").pending_actions();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempt, 1);
    s.finish_action(
        &a,
        &pending[0].request_id,
        Outcome::Success {
            response: json!({}),
        },
        NOW,
    )
    .expect("answered");
    assert_eq!(status(&s, &a), "Success");
    assert!(
        s.finish_action(&a, &pending[0].request_id, Outcome::TimedOut, NOW)
            .is_err()
    );

    // Never answered: times out after timeoutSeconds, retried with attempt 2.
    let b = start(&mut s, "Api");
    let deadline = s.next_deadline().expect("a timeout is pending");
    assert_eq!(deadline, SimTime(NOW.0 + 10_000));
    s.tick(deadline);
    let again = s.execution(&b).expect("exists").pending_actions();
    assert_eq!(again.len(), 1, "retried");
    assert_eq!(again[0].attempt, 2);
    s.tick(SimTime(NOW.0 + 60_000));
    assert_eq!(status(&s, &b), "TimedOut");
    assert!(seen.lock().map(|v| v.len()).unwrap_or(0) >= 3);

    // Children: the limit does not refuse them; cancelling the parent cancels the child.
    let mut s = Service::new(ServiceConfig {
        max_concurrent_executions: 1,
        ..ServiceConfig::default()
    });
    s.create_document(create_request("Child", PAUSE), NOW)
        .expect("valid");
    s.create_document(
        create_request(
            "Parent",
            PARENT
                .replace(
                    "RuntimeParameters: { Target: web-1 }",
                    "RuntimeParameters: {}",
                )
                .as_str(),
        ),
        NOW,
    )
    .expect("valid");
    let parent = start(&mut s, "Parent");
    let ids = s.execution_ids();
    assert_eq!(ids.len(), 2, "the child started despite the limit of 1");
    let child = ids.iter().find(|i| **i != parent).expect("a child").clone();
    assert_eq!(status(&s, &child), "Waiting");
    assert_eq!(s.executions_in_flight(), 2);
    s.stop_automation_execution(
        StopAutomationExecutionRequest {
            automation_execution_id: parent.clone(),
            r#type: None,
        },
        NOW,
    )
    .expect("stopped");
    assert_eq!(status(&s, &parent), "Cancelled");
    assert_eq!(status(&s, &child), "Cancelled");
}

/// A filtered DescribeAutomationExecutions walk whose last returned
/// execution stops matching the filter between pages.
///
/// Known service problem: `describe.rs`, `paginate` looks the token's
/// execution up in the *filtered* list, so when it no longer matches (here:
/// Waiting → Cancelled) the next page answers `InvalidNextToken` instead of
/// continuing after it. The same holds for DescribeAutomationStepExecutions
/// with a `StepExecutionStatus` filter.
#[test]
fn filtered_pages_survive_status_changes() {
    let mut s = Service::new(ServiceConfig::default());
    s.create_document(create_request("Hold", PAUSE), NOW)
        .expect("valid");
    let ids: Vec<String> = (0..3)
        .map(|_| {
            s.start_automation_execution(
                StartAutomationExecutionRequest {
                    document_name: "Hold".into(),
                    ..Default::default()
                },
                BOB,
                NOW,
            )
            .expect("started")
            .automation_execution_id
        })
        .collect();
    let waiting = || DescribeAutomationExecutionsRequest {
        filters: Some(vec![Filter {
            key: "ExecutionStatus".into(),
            values: vec!["Waiting".into()],
        }]),
        max_results: Some(1),
        next_token: None,
    };
    let first = s.describe_automation_executions(waiting()).expect("page 1");
    let newest = first.automation_execution_metadata_list[0]["AutomationExecutionId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(newest, ids[2]);
    // The execution the token names finishes before the next page.
    s.stop_automation_execution(
        StopAutomationExecutionRequest {
            automation_execution_id: newest,
            r#type: None,
        },
        NOW,
    )
    .expect("stopped");
    let second = s.describe_automation_executions(DescribeAutomationExecutionsRequest {
        next_token: first.next_token,
        ..waiting()
    });
    assert!(second.is_ok(), "{second:?}");
}

/// DescribeDocument shows a resource parameter type as the runbook spells it.
#[test]
fn resource_parameter_types_are_spelled_as_in_the_runbook() {
    let mut s = Service::new(ServiceConfig::default());
    let doc = "schemaVersion: '0.3'
parameters:
  Instance: { type: 'AWS::EC2::Instance::Id' }
  Roles: { type: 'List<AWS::IAM::Role::Arn>' }
mainSteps:
  - name: Hold
    action: aws:pause
    inputs: {}
";
    let out = s
        .create_document(create_request("Res", doc), NOW)
        .expect("valid");
    let types: Vec<Option<String>> = out
        .document_description
        .parameters
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.r#type)
        .collect();
    assert_eq!(
        types,
        [
            Some("AWS::EC2::Instance::Id".to_string()),
            Some("List<AWS::IAM::Role::Arn>".to_string())
        ]
    );
}
