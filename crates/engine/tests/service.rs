//! Tests of the embeddable service layer: every operation, every error it
//! raises, pagination across pages with inserts in between, and driving
//! executions (approvals, pauses, actions, child executions, timers).

use indexmap::IndexMap;
use serde_json::json;
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::execution::{ActionRequest, FailureStage, FailureType, Outcome};
use ssm_runbook_engine::service::describe::*;
use ssm_runbook_engine::service::documents::*;
use ssm_runbook_engine::service::executions::*;
use ssm_runbook_engine::service::{Service, ServiceConfig, ServiceError};
use std::collections::BTreeMap;

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
";

const API: &str = "schemaVersion: '0.3'
outputs: [Call.Id]
mainSteps:
  - name: Call
    action: aws:executeAwsApi
    inputs: { Service: ec2, Api: DescribeInstances }
    outputs:
      - { Name: Id, Selector: $.Id, Type: String }
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

fn svc() -> Service {
    Service::new(ServiceConfig::default())
}

fn create(
    svc: &mut Service,
    name: &str,
    content: &str,
) -> Result<CreateDocumentResult, ServiceError> {
    svc.create_document(
        CreateDocumentRequest {
            name: name.into(),
            content: content.into(),
            document_type: Some("Automation".into()),
            document_format: Some("YAML".into()),
            ..Default::default()
        },
        NOW,
    )
}

fn start(svc: &mut Service, name: &str) -> Result<String, ServiceError> {
    svc.start_automation_execution(
        StartAutomationExecutionRequest {
            document_name: name.into(),
            ..Default::default()
        },
        BOB,
        NOW,
    )
    .map(|r| r.automation_execution_id)
}

fn status(svc: &Service, id: &str) -> String {
    svc.get_automation_execution(GetAutomationExecutionRequest {
        automation_execution_id: id.into(),
    })
    .unwrap()
    .automation_execution["AutomationExecutionStatus"]
        .as_str()
        .unwrap()
        .to_string()
}

fn names(page: &ListDocumentsResult) -> Vec<String> {
    page.document_identifiers
        .iter()
        .map(|d| d.name.clone())
        .collect()
}

// ---------------------------------------------------------------- errors

#[test]
fn error_names_statuses_and_json() {
    assert_eq!(ServiceError::NAMES.len(), 29);
    let e = ServiceError::InternalServerError("boom".into());
    assert_eq!(e.http_status(), 500);
    assert_eq!(e.name(), "InternalServerError");
    let e = ServiceError::InvalidFilterKey("k".into());
    assert_eq!(e.http_status(), 400);
    assert_eq!(
        e.to_json(),
        json!({"__type": "InvalidFilterKey", "Message": "k"})
    );
    assert_eq!(e.to_string(), "InvalidFilterKey: k");
}

#[test]
fn error_names_cover_the_model() {
    let model: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/spec/ssm-automation-api-subset.json"),
        )
        .unwrap_or_else(|_| "{}".into()),
    )
    .unwrap();
    let Some(ops) = model.get("operations").and_then(|o| o.as_object()) else {
        return; // spec not present in this checkout
    };
    for op in ops.values() {
        for e in op["errors"].as_array().unwrap() {
            let name = e["shape"].as_str().unwrap();
            assert!(ServiceError::NAMES.contains(&name), "{name} missing");
        }
    }
}

#[test]
fn validation_helpers() {
    let e = ServiceError::enum_value("Bogus", "mode", &["Auto", "Interactive"]);
    assert_eq!(
        e.message(),
        "1 validation error detected: Value 'Bogus' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [Auto, Interactive]"
    );
    assert_eq!(e.name(), "ValidationException");
}

// ---------------------------------------------------------------- documents

#[test]
fn create_document_describes_version_one() {
    let mut s = svc();
    let d = create(&mut s, "Deploy", APPROVE)
        .unwrap()
        .document_description;
    assert_eq!(d.name, "Deploy");
    assert_eq!(d.document_version, "1");
    assert_eq!(d.latest_version, "1");
    assert_eq!(d.default_version, "1");
    assert_eq!(d.status, "Active");
    assert_eq!(d.hash_type, "Sha256");
    assert_eq!(d.hash.len(), 64);
    assert_eq!(d.owner, "123456789012");
    assert_eq!(d.document_format, "YAML");
    assert_eq!(d.document_type, "Automation");
    assert_eq!(d.schema_version.as_deref(), Some("0.3"));
    assert_eq!(d.description.as_deref(), Some("Needs an approval."));
    assert_eq!(d.created_date, 1_700_000_000.0);
    let params = d.parameters.unwrap();
    assert_eq!(params.len(), 2);
    assert_eq!(params[0].name, "Env");
    assert_eq!(params[0].r#type.as_deref(), Some("String"));
    assert_eq!(params[0].description.as_deref(), Some("Where to deploy."));
    assert_eq!(params[0].default_value.as_deref(), Some("dev"));
    assert_eq!(params[1].default_value.as_deref(), Some("2"));
}

#[test]
fn document_hash_is_sha256_of_content() {
    let mut s = svc();
    let d = s
        .create_document(
            CreateDocumentRequest {
                name: "Text".into(),
                content: "abc".into(),
                document_format: Some("TEXT".into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap()
        .document_description;
    assert_eq!(
        d.hash,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(d.document_type, "Command");
}

#[test]
fn description_serialises_with_model_names() {
    let mut s = svc();
    let d = create(&mut s, "Deploy", PAUSE).unwrap();
    let v = serde_json::to_value(&d).unwrap();
    let desc = &v["DocumentDescription"];
    assert_eq!(desc["Name"], "Deploy");
    assert_eq!(desc["HashType"], "Sha256");
    assert_eq!(desc["DocumentVersion"], "1");
    assert!(
        desc.get("Parameters").is_none(),
        "absent members are omitted"
    );
    assert!(desc.get("VersionName").is_none());
    let req: CreateDocumentRequest =
        serde_json::from_value(json!({"Name": "X", "Content": "c", "DocumentType": "Automation"}))
            .unwrap();
    assert_eq!(req.document_type.as_deref(), Some("Automation"));
}

#[test]
fn create_document_errors() {
    let mut s = svc();
    create(&mut s, "Deploy", PAUSE).unwrap();
    let err = |r: Result<CreateDocumentResult, ServiceError>| r.unwrap_err().name();
    assert_eq!(
        err(create(&mut s, "Deploy", PAUSE)),
        "DocumentAlreadyExists"
    );
    assert_eq!(err(create(&mut s, "ab", PAUSE)), "ValidationException");
    assert_eq!(
        err(create(&mut s, "bad name", PAUSE)),
        "ValidationException"
    );
    for reserved in ["AWS-Foo", "amazonThing", "AMZN.x", "AWSSupport-Y"] {
        assert_eq!(err(create(&mut s, reserved, PAUSE)), "ValidationException");
    }
    assert_eq!(
        err(create(
            &mut s,
            "Schema",
            "schemaVersion: '2.2'\nmainSteps: []\n"
        )),
        "InvalidDocumentSchemaVersion"
    );
    let e = create(
        &mut s,
        "Bad",
        "schemaVersion: '0.3'\nmainSteps:\n- {name: a, action: aws:nope, inputs: {}}\n",
    )
    .unwrap_err();
    assert_eq!(e.name(), "InvalidDocumentContent");
    assert!(!e.message().is_empty());
    let big = format!("schemaVersion: '0.3'\n#{}\n", "x".repeat(70_000));
    assert_eq!(err(create(&mut s, "Big", &big)), "MaxDocumentSizeExceeded");
    // YAML content declared as JSON.
    let e = s
        .create_document(
            CreateDocumentRequest {
                name: "Fmt".into(),
                content: PAUSE.into(),
                document_type: Some("Automation".into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.name(), "InvalidDocumentContent");
    let e = s
        .create_document(
            CreateDocumentRequest {
                name: "Typ".into(),
                content: PAUSE.into(),
                document_type: Some("Nope".into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.name(), "ValidationException");
    let e = s
        .create_document(
            CreateDocumentRequest {
                name: "Fmt2".into(),
                content: PAUSE.into(),
                document_format: Some("XML".into()),
                ..Default::default()
            },
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.name(), "ValidationException");
}

#[test]
fn document_limit() {
    let mut s = Service::new(ServiceConfig {
        max_documents: 1,
        ..ServiceConfig::default()
    });
    create(&mut s, "One", PAUSE).unwrap();
    assert_eq!(
        create(&mut s, "Two", PAUSE).unwrap_err().name(),
        "DocumentLimitExceeded"
    );
}

fn update(
    s: &mut Service,
    name: &str,
    content: &str,
) -> Result<UpdateDocumentResult, ServiceError> {
    s.update_document(
        UpdateDocumentRequest {
            name: name.into(),
            content: content.into(),
            document_format: Some("YAML".into()),
            ..Default::default()
        },
        SimTime(NOW.0 + 5_000),
    )
}

#[test]
fn update_get_describe_versions() {
    let mut s = svc();
    create(&mut s, "Deploy", PAUSE).unwrap();
    let d = update(&mut s, "Deploy", APPROVE)
        .unwrap()
        .document_description;
    assert_eq!(d.document_version, "2");
    assert_eq!(d.latest_version, "2");
    assert_eq!(d.default_version, "1", "update keeps the default");

    let get = |s: &Service, v: Option<&str>| {
        s.get_document(GetDocumentRequest {
            name: "Deploy".into(),
            document_version: v.map(String::from),
            ..Default::default()
        })
    };
    assert_eq!(get(&s, None).unwrap().content, PAUSE);
    assert_eq!(get(&s, Some("$DEFAULT")).unwrap().document_version, "1");
    let latest = get(&s, Some("$LATEST")).unwrap();
    assert_eq!(latest.content, APPROVE);
    assert_eq!(latest.created_date, 1_700_000_005.0);
    assert_eq!(latest.document_format, "YAML");
    assert_eq!(latest.status, "Active");
    assert_eq!(
        get(&s, Some("3")).unwrap_err().name(),
        "InvalidDocumentVersion"
    );
    assert_eq!(
        get(&s, Some("01")).unwrap_err().name(),
        "ValidationException"
    );

    // By ARN.
    let by_arn = s
        .describe_document(DescribeDocumentRequest {
            name: "arn:aws:ssm:us-east-1:123456789012:document/Deploy".into(),
            document_version: Some("2".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_arn.document.document_version, "2");
    assert_eq!(by_arn.document.parameters.unwrap().len(), 2);

    let missing = s.describe_document(DescribeDocumentRequest {
        name: "Nope".into(),
        ..Default::default()
    });
    assert_eq!(missing.unwrap_err().name(), "InvalidDocument");
    let missing = s.get_document(GetDocumentRequest {
        name: "Nope".into(),
        ..Default::default()
    });
    assert_eq!(missing.unwrap_err().name(), "InvalidDocument");

    // Default version.
    let out = s
        .update_document_default_version(UpdateDocumentDefaultVersionRequest {
            name: "Deploy".into(),
            document_version: "2".into(),
        })
        .unwrap();
    assert_eq!(out.description.default_version, "2");
    assert_eq!(get(&s, None).unwrap().content, APPROVE);
    let bad = |s: &mut Service, n: &str, v: &str| {
        s.update_document_default_version(UpdateDocumentDefaultVersionRequest {
            name: n.into(),
            document_version: v.into(),
        })
        .unwrap_err()
        .name()
    };
    assert_eq!(bad(&mut s, "Deploy", "9"), "InvalidDocumentVersion");
    assert_eq!(bad(&mut s, "Deploy", "$LATEST"), "ValidationException");
    assert_eq!(bad(&mut s, "Nope", "1"), "InvalidDocument");
}

#[test]
fn version_names() {
    let mut s = svc();
    s.create_document(
        CreateDocumentRequest {
            name: "Deploy".into(),
            content: PAUSE.into(),
            document_type: Some("Automation".into()),
            document_format: Some("YAML".into()),
            version_name: Some("first".into()),
            ..Default::default()
        },
        NOW,
    )
    .unwrap();
    let dup = s.update_document(
        UpdateDocumentRequest {
            name: "Deploy".into(),
            content: APPROVE.into(),
            document_format: Some("YAML".into()),
            version_name: Some("first".into()),
            ..Default::default()
        },
        NOW,
    );
    assert_eq!(dup.unwrap_err().name(), "DuplicateDocumentVersionName");
    let got = s
        .get_document(GetDocumentRequest {
            name: "Deploy".into(),
            version_name: Some("first".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(got.document_version, "1");
    assert_eq!(got.version_name.as_deref(), Some("first"));
    let none = s.get_document(GetDocumentRequest {
        name: "Deploy".into(),
        version_name: Some("second".into()),
        ..Default::default()
    });
    assert_eq!(none.unwrap_err().name(), "InvalidDocumentVersion");
}

#[test]
fn update_document_errors() {
    let mut s = Service::new(ServiceConfig {
        max_document_versions: 2,
        ..ServiceConfig::default()
    });
    create(&mut s, "Deploy", PAUSE).unwrap();
    assert_eq!(
        update(&mut s, "Deploy", PAUSE).unwrap_err().name(),
        "DuplicateDocumentContent"
    );
    assert_eq!(
        update(&mut s, "Nope", PAUSE).unwrap_err().name(),
        "InvalidDocument"
    );
    assert_eq!(
        update(&mut s, "Deploy", "schemaVersion: '0.3'\nmainSteps: 7\n")
            .unwrap_err()
            .name(),
        "InvalidDocumentContent"
    );
    update(&mut s, "Deploy", APPROVE).unwrap();
    assert_eq!(
        update(&mut s, "Deploy", API).unwrap_err().name(),
        "DocumentVersionLimitExceeded"
    );
    let stale = s.update_document(
        UpdateDocumentRequest {
            name: "Deploy".into(),
            content: API.into(),
            document_version: Some("1".into()),
            document_format: Some("YAML".into()),
            ..Default::default()
        },
        NOW,
    );
    assert_eq!(stale.unwrap_err().name(), "InvalidDocumentVersion");
}

#[test]
fn delete_document_and_versions() {
    let mut s = svc();
    create(&mut s, "Deploy", PAUSE).unwrap();
    update(&mut s, "Deploy", APPROVE).unwrap();
    let del = |s: &mut Service, v: Option<&str>| {
        s.delete_document(DeleteDocumentRequest {
            name: "Deploy".into(),
            document_version: v.map(String::from),
            ..Default::default()
        })
    };
    assert_eq!(
        del(&mut s, Some("1")).unwrap_err().name(),
        "InvalidDocumentOperation"
    );
    del(&mut s, Some("2")).unwrap();
    let versions = s
        .list_document_versions(ListDocumentVersionsRequest {
            name: "Deploy".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(versions.document_versions.len(), 1);
    // Version numbers are not reused.
    let d = update(&mut s, "Deploy", API).unwrap().document_description;
    assert_eq!(d.document_version, "3");
    del(&mut s, None).unwrap();
    assert_eq!(del(&mut s, None).unwrap_err().name(), "InvalidDocument");
    assert_eq!(
        serde_json::to_value(DeleteDocumentResult {}).unwrap(),
        json!({})
    );
}

#[test]
fn list_documents_pages_stay_correct_with_inserts() {
    let mut s = svc();
    for n in ["Doc-b", "Doc-d", "Doc-f", "Doc-h"] {
        create(&mut s, n, PAUSE).unwrap();
    }
    let list = |s: &Service, token: Option<String>| {
        s.list_documents(ListDocumentsRequest {
            max_results: Some(2),
            next_token: token,
            ..Default::default()
        })
        .unwrap()
    };
    let p1 = list(&s, None);
    assert_eq!(names(&p1), ["Doc-b", "Doc-d"]);
    // Inserted before and after the cursor between pages.
    create(&mut s, "Doc-a", PAUSE).unwrap();
    create(&mut s, "Doc-e", PAUSE).unwrap();
    let p2 = list(&s, p1.next_token.clone());
    assert_eq!(names(&p2), ["Doc-e", "Doc-f"]);
    let p3 = list(&s, p2.next_token.clone());
    assert_eq!(names(&p3), ["Doc-h"]);
    assert_eq!(p3.next_token, None);
    assert_ne!(p1.next_token, p2.next_token);
    // Exactly a full last page: no token.
    let all = s
        .list_documents(ListDocumentsRequest {
            max_results: Some(6),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.document_identifiers.len(), 6);
    assert_eq!(all.next_token, None);
    let v = serde_json::to_value(&all).unwrap();
    assert!(v.get("NextToken").is_none());
    assert_eq!(v["DocumentIdentifiers"][0]["DocumentVersion"], "1");
}

#[test]
fn list_documents_errors() {
    let s = svc();
    for bad in ["garbage", "docs.zz", "versions.41", ""] {
        let e = s.list_documents(ListDocumentsRequest {
            next_token: Some(bad.into()),
            ..Default::default()
        });
        assert_eq!(e.unwrap_err().name(), "InvalidNextToken", "{bad}");
    }
    for n in [0, 51, -1] {
        let e = s.list_documents(ListDocumentsRequest {
            max_results: Some(n),
            ..Default::default()
        });
        assert_eq!(e.unwrap_err().name(), "ValidationException");
    }
    let e = s.list_documents(ListDocumentsRequest {
        filters: Some(vec![DocumentKeyValuesFilter {
            key: Some("NotAKey".into()),
            values: Some(vec!["x".into()]),
        }]),
        ..Default::default()
    });
    assert_eq!(e.unwrap_err().name(), "InvalidFilterKey");
}

#[test]
fn list_documents_filters() {
    let mut s = svc();
    create(&mut s, "DeployWeb", PAUSE).unwrap();
    create(&mut s, "DeployDb", PAUSE).unwrap();
    s.create_document(
        CreateDocumentRequest {
            name: "RunShell".into(),
            content: "{}".into(),
            tags: Some(vec![Tag {
                key: "team".into(),
                value: "ops".into(),
            }]),
            ..Default::default()
        },
        NOW,
    )
    .unwrap();
    let filtered = |key: &str, values: &[&str]| {
        names(
            &s.list_documents(ListDocumentsRequest {
                filters: Some(vec![DocumentKeyValuesFilter {
                    key: Some(key.into()),
                    values: Some(values.iter().map(|v| v.to_string()).collect()),
                }]),
                ..Default::default()
            })
            .unwrap(),
        )
    };
    assert_eq!(filtered("Name", &["Deploy"]), ["DeployDb", "DeployWeb"]);
    assert_eq!(filtered("DocumentType", &["Command"]), ["RunShell"]);
    assert_eq!(
        filtered("DocumentType", &["Command", "Automation"]).len(),
        3
    );
    assert_eq!(filtered("SearchKeyword", &["web"]), ["DeployWeb"]);
    assert_eq!(filtered("Owner", &["Self"]).len(), 3);
    assert!(filtered("Owner", &["Amazon"]).is_empty());
    assert_eq!(filtered("tag:team", &["ops"]), ["RunShell"]);
    let legacy = s
        .list_documents(ListDocumentsRequest {
            document_filter_list: Some(vec![DocumentFilter {
                key: "DocumentType".into(),
                value: "Automation".into(),
            }]),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(names(&legacy), ["DeployDb", "DeployWeb"]);
}

#[test]
fn list_document_versions_pages() {
    let mut s = svc();
    create(&mut s, "Deploy", PAUSE).unwrap();
    update(&mut s, "Deploy", APPROVE).unwrap();
    update(&mut s, "Deploy", API).unwrap();
    let page = |s: &Service, t: Option<String>| {
        s.list_document_versions(ListDocumentVersionsRequest {
            name: "Deploy".into(),
            max_results: Some(2),
            next_token: t,
        })
    };
    let p1 = page(&s, None).unwrap();
    let versions: Vec<_> = p1
        .document_versions
        .iter()
        .map(|v| v.document_version.as_str())
        .collect();
    assert_eq!(versions, ["1", "2"]);
    assert!(p1.document_versions[0].is_default_version);
    assert!(!p1.document_versions[1].is_default_version);
    update(&mut s, "Deploy", CHILD).unwrap();
    let p2 = page(&s, p1.next_token).unwrap();
    let versions: Vec<_> = p2
        .document_versions
        .iter()
        .map(|v| v.document_version.as_str())
        .collect();
    assert_eq!(versions, ["3", "4"]);
    assert_eq!(p2.next_token, None);
    assert_eq!(
        page(&s, Some("nope".into())).unwrap_err().name(),
        "InvalidNextToken"
    );
    let missing = s.list_document_versions(ListDocumentVersionsRequest {
        name: "Nope".into(),
        ..Default::default()
    });
    assert_eq!(missing.unwrap_err().name(), "InvalidDocument");
}

// ---------------------------------------------------------------- executions

#[test]
fn approval_waits_then_succeeds() {
    let mut s = svc();
    create(&mut s, "Deploy", APPROVE).unwrap();
    let id = start(&mut s, "Deploy").unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(status(&s, &id), "Waiting");
    let exec = s
        .get_automation_execution(GetAutomationExecutionRequest {
            automation_execution_id: id.clone(),
        })
        .unwrap()
        .automation_execution;
    assert_eq!(exec["DocumentName"], "Deploy");
    assert_eq!(exec["DocumentVersion"], "1");
    assert_eq!(exec["ExecutedBy"], BOB);
    assert_eq!(exec["Parameters"]["Env"], json!(["dev"]));

    // Bob is not an approver.
    let e = s
        .send_automation_signal(
            SendAutomationSignalRequest {
                automation_execution_id: id.clone(),
                signal_type: "Approve".into(),
                payload: None,
            },
            BOB,
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.name(), "InvalidAutomationSignalException");
    s.send_automation_signal(
        SendAutomationSignalRequest {
            automation_execution_id: id.clone(),
            signal_type: "Approve".into(),
            payload: Some(BTreeMap::from([("Comment".into(), vec!["ok".into()])])),
        },
        ALICE,
        NOW,
    )
    .unwrap();
    assert_eq!(status(&s, &id), "InProgress");
    assert_eq!(s.next_deadline(), Some(SimTime(NOW.0 + 1_000)));
    s.tick(SimTime(NOW.0 + 999));
    assert_eq!(status(&s, &id), "InProgress");
    s.tick(SimTime(NOW.0 + 1_000));
    assert_eq!(status(&s, &id), "Success");
    assert_eq!(s.executions_in_flight(), 0);
}

#[test]
fn start_with_parameters_and_versions() {
    let mut s = svc();
    create(&mut s, "Deploy", PAUSE).unwrap();
    update(&mut s, "Deploy", APPROVE).unwrap();
    let mut params = IndexMap::new();
    params.insert("Env".to_string(), vec!["prod".to_string()]);
    let req = |version: Option<&str>, params: Option<IndexMap<String, Vec<String>>>| {
        StartAutomationExecutionRequest {
            document_name: "Deploy".into(),
            document_version: version.map(String::from),
            parameters: params,
            ..Default::default()
        }
    };
    let id = s
        .start_automation_execution(req(Some("2"), Some(params.clone())), BOB, NOW)
        .unwrap()
        .automation_execution_id;
    let exec = s
        .get_automation_execution(GetAutomationExecutionRequest {
            automation_execution_id: id,
        })
        .unwrap()
        .automation_execution;
    assert_eq!(exec["Parameters"]["Env"], json!(["prod"]));
    assert_eq!(exec["DocumentVersion"], "2");

    let e = s.start_automation_execution(req(Some("$DEFAULT"), Some(params.clone())), BOB, NOW);
    assert_eq!(
        e.unwrap_err().name(),
        "InvalidAutomationExecutionParametersException"
    );
    params.insert("Env".to_string(), vec!["qa".to_string()]);
    let e = s.start_automation_execution(req(Some("$LATEST"), Some(params)), BOB, NOW);
    assert_eq!(
        e.unwrap_err().name(),
        "InvalidAutomationExecutionParametersException"
    );
    let e = s.start_automation_execution(req(Some("7"), None), BOB, NOW);
    assert_eq!(
        e.unwrap_err().name(),
        "AutomationDefinitionVersionNotFoundException"
    );
    let e = s.start_automation_execution(req(Some("x"), None), BOB, NOW);
    assert_eq!(e.unwrap_err().name(), "ValidationException");
    assert_eq!(
        start(&mut s, "Nope").unwrap_err().name(),
        "AutomationDefinitionNotFoundException"
    );
    let e = s.start_automation_execution(
        StartAutomationExecutionRequest {
            document_name: "Deploy".into(),
            mode: Some("Bogus".into()),
            ..Default::default()
        },
        BOB,
        NOW,
    );
    assert_eq!(e.unwrap_err().name(), "ValidationException");
    let e = s.start_automation_execution(
        StartAutomationExecutionRequest {
            document_name: "Deploy".into(),
            targets: Some(vec![json!({"Key": "ParameterValues", "Values": ["i-1"]})]),
            ..Default::default()
        },
        BOB,
        NOW,
    );
    assert_eq!(e.unwrap_err().name(), "InvalidTarget");
}

#[test]
fn non_automation_documents_do_not_run() {
    let mut s = svc();
    s.create_document(
        CreateDocumentRequest {
            name: "Shell".into(),
            content: "{}".into(),
            ..Default::default()
        },
        NOW,
    )
    .unwrap();
    assert_eq!(
        start(&mut s, "Shell").unwrap_err().name(),
        "AutomationDefinitionNotFoundException"
    );
}

#[test]
fn client_token_idempotency() {
    let mut s = svc();
    create(&mut s, "Deploy", PAUSE).unwrap();
    let token = "0c1d7a52-6e3b-4f0e-9a41-5d2c8b7e9f10";
    let req = |mode: Option<&str>| StartAutomationExecutionRequest {
        document_name: "Deploy".into(),
        client_token: Some(token.into()),
        mode: mode.map(String::from),
        ..Default::default()
    };
    let a = s.start_automation_execution(req(None), BOB, NOW).unwrap();
    let b = s.start_automation_execution(req(None), BOB, NOW).unwrap();
    assert_eq!(a, b);
    assert_eq!(s.execution_ids().len(), 1);
    let e = s.start_automation_execution(req(Some("Interactive")), BOB, NOW);
    assert_eq!(e.unwrap_err().name(), "IdempotentParameterMismatch");
    let e = s.start_automation_execution(
        StartAutomationExecutionRequest {
            document_name: "Deploy".into(),
            client_token: Some("not-a-uuid".into()),
            ..Default::default()
        },
        BOB,
        NOW,
    );
    assert_eq!(e.unwrap_err().name(), "ValidationException");
}

#[test]
fn concurrent_execution_limit() {
    let mut s = Service::new(ServiceConfig {
        max_concurrent_executions: 2,
        ..ServiceConfig::default()
    });
    create(&mut s, "Deploy", PAUSE).unwrap();
    let a = start(&mut s, "Deploy").unwrap();
    start(&mut s, "Deploy").unwrap();
    assert_eq!(
        start(&mut s, "Deploy").unwrap_err().name(),
        "AutomationExecutionLimitExceededException"
    );
    s.stop_automation_execution(
        StopAutomationExecutionRequest {
            automation_execution_id: a,
            r#type: None,
        },
        NOW,
    )
    .unwrap();
    start(&mut s, "Deploy").unwrap();
}

#[test]
fn ids_are_reproducible_from_the_seed() {
    let run = |seed| {
        let mut s = Service::new(ServiceConfig {
            seed,
            ..ServiceConfig::default()
        });
        create(&mut s, "Deploy", PAUSE).unwrap();
        (
            start(&mut s, "Deploy").unwrap(),
            start(&mut s, "Deploy").unwrap(),
        )
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
    let (a, b) = run(1);
    assert_ne!(a, b);
}

#[test]
fn execution_and_step_ids_never_repeat() {
    // Execution ids come from the service's generator, step ids and child
    // execution ids from each execution's: no stream may run into another.
    let mut s = svc();
    create(&mut s, "Deploy", APPROVE).unwrap();
    create(&mut s, "Child", CHILD).unwrap();
    create(&mut s, "Parent", PARENT).unwrap();
    for _ in 0..30 {
        start(&mut s, "Deploy").unwrap();
        start(&mut s, "Parent").unwrap();
    }
    let executions = s.execution_ids();
    assert_eq!(
        executions.len(),
        90,
        "30 approvals, 30 parents, 30 children"
    );
    let mut seen = std::collections::BTreeSet::new();
    for id in &executions {
        assert!(seen.insert(id.clone()), "execution id {id} repeats");
        let got = s
            .get_automation_execution(GetAutomationExecutionRequest {
                automation_execution_id: id.clone(),
            })
            .unwrap();
        let steps = got.automation_execution["StepExecutions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!steps.is_empty());
        for step in steps {
            let step_id = step["StepExecutionId"].as_str().unwrap().to_string();
            assert!(seen.insert(step_id.clone()), "id {step_id} repeats");
        }
    }
}

#[test]
fn pause_resume_and_signal_errors() {
    let mut s = svc();
    create(&mut s, "Hold", PAUSE).unwrap();
    let id = start(&mut s, "Hold").unwrap();
    assert_eq!(status(&s, &id), "Waiting");
    let signal = |s: &mut Service, ty: &str, payload: Option<(&str, &str)>| {
        s.send_automation_signal(
            SendAutomationSignalRequest {
                automation_execution_id: id.clone(),
                signal_type: ty.into(),
                payload: payload
                    .map(|(k, v)| BTreeMap::from([(k.to_string(), vec![v.to_string()])])),
            },
            BOB,
            NOW,
        )
    };
    assert_eq!(
        signal(&mut s, "Resume", Some(("StepName", "Missing")))
            .unwrap_err()
            .name(),
        "AutomationStepNotFoundException"
    );
    assert_eq!(
        signal(&mut s, "Resume", None).unwrap_err().name(),
        "InvalidAutomationSignalException"
    );
    assert_eq!(
        signal(&mut s, "Wave", None).unwrap_err().name(),
        "ValidationException"
    );
    signal(&mut s, "Resume", Some(("StepName", "Hold"))).unwrap();
    assert_eq!(status(&s, &id), "Success");
    assert_eq!(
        signal(&mut s, "Resume", Some(("StepName", "Hold")))
            .unwrap_err()
            .name(),
        "InvalidAutomationSignalException"
    );
}

#[test]
fn unknown_executions() {
    let mut s = svc();
    let missing = "00000000-0000-4000-8000-000000000000".to_string();
    let e = s.get_automation_execution(GetAutomationExecutionRequest {
        automation_execution_id: missing.clone(),
    });
    assert_eq!(
        e.unwrap_err().name(),
        "AutomationExecutionNotFoundException"
    );
    let e = s.send_automation_signal(
        SendAutomationSignalRequest {
            automation_execution_id: missing.clone(),
            signal_type: "Approve".into(),
            payload: None,
        },
        BOB,
        NOW,
    );
    assert_eq!(
        e.unwrap_err().name(),
        "AutomationExecutionNotFoundException"
    );
    let e = s.stop_automation_execution(
        StopAutomationExecutionRequest {
            automation_execution_id: missing,
            r#type: None,
        },
        NOW,
    );
    assert_eq!(
        e.unwrap_err().name(),
        "AutomationExecutionNotFoundException"
    );
    let e = s.get_automation_execution(GetAutomationExecutionRequest {
        automation_execution_id: "short".into(),
    });
    assert_eq!(e.unwrap_err().name(), "ValidationException");
}

#[test]
fn stop_cancels_and_refuses_finished() {
    let mut s = svc();
    create(&mut s, "Hold", PAUSE).unwrap();
    let id = start(&mut s, "Hold").unwrap();
    let stop = |s: &mut Service, ty: Option<&str>| {
        s.stop_automation_execution(
            StopAutomationExecutionRequest {
                automation_execution_id: id.clone(),
                r#type: ty.map(String::from),
            },
            NOW,
        )
    };
    assert_eq!(
        stop(&mut s, Some("Halt")).unwrap_err().name(),
        "ValidationException"
    );
    assert_eq!(
        stop(&mut s, None).unwrap(),
        StopAutomationExecutionResult {}
    );
    // Cancelling may pass through Cancelling; let time pass.
    s.tick(SimTime(NOW.0 + 200_000));
    assert_eq!(status(&s, &id), "Cancelled");
    assert_eq!(
        stop(&mut s, None).unwrap_err().name(),
        "InvalidAutomationStatusUpdateException"
    );
}

#[test]
fn default_handler_answers_actions() {
    let mut s = svc();
    create(&mut s, "Api", API).unwrap();
    let id = start(&mut s, "Api").unwrap();
    assert_eq!(status(&s, &id), "Success");
}

struct Answers(Vec<String>);

impl ActionHandler for Answers {
    fn handle(&mut self, request: &ActionRequest, _now: SimTime) -> Option<Outcome> {
        self.0.push(request.action.to_string());
        match &*request.step_name {
            "Call" if self.0.len() == 1 => Some(Outcome::Success {
                response: json!({"Id": "i-123"}),
            }),
            "Call" => None,
            _ => Some(Outcome::Failure {
                failure_type: FailureType::Verification,
                stage: FailureStage::Invocation,
                message: "no".into(),
            }),
        }
    }
}

#[test]
fn custom_handler_and_deferred_answers() {
    let mut s = Service::with_handler(ServiceConfig::default(), Box::new(Answers(Vec::new())));
    create(&mut s, "Api", API).unwrap();
    let first = start(&mut s, "Api").unwrap();
    assert_eq!(status(&s, &first), "Success");
    let exec = s
        .get_automation_execution(GetAutomationExecutionRequest {
            automation_execution_id: first,
        })
        .unwrap()
        .automation_execution;
    assert_eq!(exec["Outputs"]["Call.Id"], json!(["i-123"]));

    // The second call is deferred: the execution waits for finish_action.
    let second = start(&mut s, "Api").unwrap();
    assert_eq!(status(&s, &second), "InProgress");
    let pending = s.execution(&second).unwrap().pending_actions();
    assert_eq!(pending.len(), 1);
    s.finish_action(
        &second,
        &pending[0].request_id,
        Outcome::Success {
            response: json!({"Id": "i-9"}),
        },
        NOW,
    )
    .unwrap();
    assert_eq!(status(&s, &second), "Success");
    let stale = s.finish_action(&second, &pending[0].request_id, Outcome::TimedOut, NOW);
    assert!(stale.is_err());
}

#[test]
fn child_executions_run_in_the_service() {
    let mut s = svc();
    create(&mut s, "Child", CHILD).unwrap();
    create(&mut s, "Parent", PARENT).unwrap();
    let id = start(&mut s, "Parent").unwrap();
    let ids = s.execution_ids();
    assert_eq!(ids.len(), 2);
    let child = ids.iter().find(|c| **c != id).unwrap().clone();
    s.tick(NOW);
    assert_eq!(status(&s, &child), "Success");
    assert_eq!(status(&s, &id), "Success");
    let c = s
        .get_automation_execution(GetAutomationExecutionRequest {
            automation_execution_id: child,
        })
        .unwrap()
        .automation_execution;
    assert_eq!(c["ParentAutomationExecutionId"], json!(id));
    assert_eq!(c["Parameters"]["Target"], json!(["web-1"]));
}

#[test]
fn missing_child_runbook_fails_the_parent_step() {
    let mut s = svc();
    create(&mut s, "Parent", PARENT).unwrap();
    let id = start(&mut s, "Parent").unwrap();
    assert_eq!(status(&s, &id), "Failed");
    assert_eq!(s.execution_ids().len(), 1);
}

// ---------------------------------------------------------------- describe

fn filter(key: &str, values: &[&str]) -> Filter {
    Filter {
        key: key.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn exec_ids(out: &DescribeAutomationExecutionsResult) -> Vec<String> {
    out.automation_execution_metadata_list
        .iter()
        .map(|m| m["AutomationExecutionId"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn describe_executions_newest_first_with_pages_and_inserts() {
    let mut s = svc();
    create(&mut s, "Hold", PAUSE).unwrap();
    create(&mut s, "Api", API).unwrap();
    let a = start(&mut s, "Hold").unwrap();
    let b = start(&mut s, "Api").unwrap();
    let c = start(&mut s, "Hold").unwrap();
    let page = |s: &Service, token: Option<String>| {
        s.describe_automation_executions(DescribeAutomationExecutionsRequest {
            max_results: Some(2),
            next_token: token,
            ..Default::default()
        })
        .unwrap()
    };
    let p1 = page(&s, None);
    assert_eq!(exec_ids(&p1), [c.clone(), b.clone()]);
    let m = &p1.automation_execution_metadata_list[1];
    assert_eq!(m["DocumentName"], "Api");
    assert_eq!(m["AutomationExecutionStatus"], "Success");
    assert_eq!(m["AutomationType"], "Local");
    assert_eq!(m["ExecutedBy"], BOB);
    assert!(m.get("StepExecutions").is_none());
    // A newer execution between pages does not shift the next page.
    start(&mut s, "Hold").unwrap();
    let p2 = page(&s, p1.next_token);
    assert_eq!(exec_ids(&p2), [a.as_str()]);
    assert_eq!(p2.next_token, None);

    let filtered = |s: &Service, f: Vec<Filter>| {
        s.describe_automation_executions(DescribeAutomationExecutionsRequest {
            filters: Some(f),
            ..Default::default()
        })
    };
    assert_eq!(
        exec_ids(&filtered(&s, vec![filter("ExecutionStatus", &["Success"])]).unwrap()),
        [b.as_str()]
    );
    assert_eq!(
        exec_ids(&filtered(&s, vec![filter("DocumentNamePrefix", &["Ap"])]).unwrap()),
        [b.as_str()]
    );
    assert_eq!(
        exec_ids(&filtered(&s, vec![filter("ExecutionId", &[&a, &c])]).unwrap()),
        [c.clone(), a.clone()]
    );
    assert_eq!(
        filtered(
            &s,
            vec![filter("StartTimeAfter", &["2030-01-01T00:00:00Z"])]
        )
        .unwrap()
        .automation_execution_metadata_list
        .len(),
        0
    );
    assert_eq!(
        filtered(
            &s,
            vec![filter("StartTimeBefore", &["2030-01-01T00:00:00Z"])]
        )
        .unwrap()
        .automation_execution_metadata_list
        .len(),
        4
    );
    assert_eq!(
        filtered(
            &s,
            vec![
                filter("ExecutionStatus", &["Waiting"]),
                filter("DocumentNamePrefix", &["Hold"])
            ]
        )
        .unwrap()
        .automation_execution_metadata_list
        .len(),
        3
    );
    let err = |r: Result<DescribeAutomationExecutionsResult, ServiceError>| r.unwrap_err().name();
    assert_eq!(
        err(filtered(&s, vec![filter("Color", &["x"])])),
        "InvalidFilterKey"
    );
    assert_eq!(
        err(filtered(&s, vec![filter("ExecutionStatus", &["Sleepy"])])),
        "InvalidFilterValue"
    );
    assert_eq!(
        err(filtered(&s, vec![filter("StartTimeAfter", &["yesterday"])])),
        "InvalidFilterValue"
    );
    assert_eq!(
        err(filtered(&s, vec![filter("ExecutionId", &[])])),
        "InvalidFilterValue"
    );
    assert_eq!(
        err(filtered(&s, vec![filter("AutomationType", &["Remote"])])),
        "InvalidFilterValue"
    );
    let bad = s.describe_automation_executions(DescribeAutomationExecutionsRequest {
        next_token: Some("junk".into()),
        ..Default::default()
    });
    assert_eq!(err(bad), "InvalidNextToken");
    let bad = s.describe_automation_executions(DescribeAutomationExecutionsRequest {
        max_results: Some(51),
        ..Default::default()
    });
    assert_eq!(err(bad), "ValidationException");
}

const THREE: &str = "schemaVersion: '0.3'
mainSteps:
  - { name: One, action: aws:sleep, inputs: { Duration: PT0S } }
  - { name: Two, action: aws:executeAwsApi, inputs: { Service: ec2, Api: DescribeInstances } }
  - { name: Three, action: aws:sleep, inputs: { Duration: PT0S } }
";

#[test]
fn describe_step_executions() {
    let mut s = svc();
    create(&mut s, "Three", THREE).unwrap();
    let id = start(&mut s, "Three").unwrap();
    assert_eq!(status(&s, &id), "Success");
    let steps = |s: &Service, req: DescribeAutomationStepExecutionsRequest| {
        s.describe_automation_step_executions(req).map(|r| {
            let names: Vec<String> = r
                .step_executions
                .iter()
                .map(|x| x["StepName"].as_str().unwrap().to_string())
                .collect();
            (names, r.next_token)
        })
    };
    let base = DescribeAutomationStepExecutionsRequest {
        automation_execution_id: id.clone(),
        ..Default::default()
    };
    let (all, token) = steps(&s, base.clone()).unwrap();
    assert_eq!(all, ["One", "Two", "Three"]);
    assert_eq!(token, None);
    let (first, token) = steps(
        &s,
        DescribeAutomationStepExecutionsRequest {
            max_results: Some(2),
            reverse_order: Some(true),
            ..base.clone()
        },
    )
    .unwrap();
    assert_eq!(first, ["Three", "Two"]);
    let (rest, token) = steps(
        &s,
        DescribeAutomationStepExecutionsRequest {
            max_results: Some(2),
            reverse_order: Some(true),
            next_token: token,
            ..base.clone()
        },
    )
    .unwrap();
    assert_eq!(rest, ["One"]);
    assert_eq!(token, None);
    let (only, _) = steps(
        &s,
        DescribeAutomationStepExecutionsRequest {
            filters: Some(vec![filter("Action", &["aws:executeAwsApi"])]),
            ..base.clone()
        },
    )
    .unwrap();
    assert_eq!(only, ["Two"]);
    let (named, _) = steps(
        &s,
        DescribeAutomationStepExecutionsRequest {
            filters: Some(vec![
                filter("StepName", &["One", "Three"]),
                filter("StepExecutionStatus", &["Success"]),
            ]),
            ..base.clone()
        },
    )
    .unwrap();
    assert_eq!(named, ["One", "Three"]);
    let err = |r: Result<(Vec<String>, Option<String>), ServiceError>| r.unwrap_err().name();
    assert_eq!(
        err(steps(
            &s,
            DescribeAutomationStepExecutionsRequest {
                filters: Some(vec![filter("Bogus", &["x"])]),
                ..base.clone()
            }
        )),
        "InvalidFilterKey"
    );
    assert_eq!(
        err(steps(
            &s,
            DescribeAutomationStepExecutionsRequest {
                filters: Some(vec![filter("StepExecutionStatus", &["Nope"])]),
                ..base.clone()
            }
        )),
        "InvalidFilterValue"
    );
    assert_eq!(
        err(steps(
            &s,
            DescribeAutomationStepExecutionsRequest {
                next_token: Some("steps.00".into()),
                ..base.clone()
            }
        )),
        "InvalidNextToken"
    );
    assert_eq!(
        err(steps(
            &s,
            DescribeAutomationStepExecutionsRequest {
                automation_execution_id: "00000000-0000-4000-8000-000000000000".into(),
                ..Default::default()
            }
        )),
        "AutomationExecutionNotFoundException"
    );
}

#[test]
fn service_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Service>();
}

#[test]
fn the_json_view_is_the_typed_view_and_follows_every_change() {
    let mut s = svc();
    create(&mut s, "Approve", APPROVE).unwrap();
    let id = start(&mut s, "Approve").unwrap();
    let get = || GetAutomationExecutionRequest {
        automation_execution_id: id.clone(),
    };
    let same = |s: &Service| {
        let typed = serde_json::to_string(&s.get_automation_execution(get()).unwrap()).unwrap();
        let json = s.get_automation_execution_json(get()).unwrap();
        assert_eq!(&*json, typed);
        // A second call shares the cached text.
        let again = s.get_automation_execution_json(get()).unwrap();
        assert!(std::sync::Arc::ptr_eq(&json, &again));
        json
    };
    let waiting = same(&s);
    assert!(waiting.contains("\"Waiting\""));
    s.send_automation_signal(
        SendAutomationSignalRequest {
            automation_execution_id: id.clone(),
            signal_type: "Approve".into(),
            payload: None,
        },
        ALICE,
        NOW,
    )
    .unwrap();
    let after = same(&s);
    assert_ne!(after, waiting, "the view follows the signal");
    s.tick(SimTime(NOW.0 + 3_600_000));
    let later = same(&s);
    assert_eq!(status(&s, &id), "Success");
    assert!(later.contains("\"Success\""));
    let missing = s.get_automation_execution_json(GetAutomationExecutionRequest {
        automation_execution_id: "00000000-0000-4000-8000-00000000dead".into(),
    });
    assert_eq!(
        missing.unwrap_err().name(),
        "AutomationExecutionNotFoundException"
    );
}
