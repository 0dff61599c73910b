//! Fuzz target `service`: a bounded [`Arbitrary`] sequence of service
//! operations (create, update and delete documents and versions, change the
//! default version, start, signal, stop, get, describe with filters and
//! pagination, list, tick time) against [`Service`], checked against a
//! naive reference model of its bookkeeping, in the style of redb and sled.
//!
//! The model knows which documents and versions exist, which version is
//! the default, how versions are numbered (1, then one past the highest
//! ever made) and which execution ids were started. After every operation:
//! the outcome (success or failure) of the document operations matches the
//! model, every started execution is still found by GetAutomationExecution,
//! and the execution table lists exactly the started ids.

#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::service::describe::{
    DescribeAutomationExecutionsRequest, DescribeAutomationStepExecutionsRequest, Filter,
};
use ssm_runbook_engine::service::documents::{
    CreateDocumentRequest, DeleteDocumentRequest, GetDocumentRequest, ListDocumentVersionsRequest,
    ListDocumentsRequest, UpdateDocumentDefaultVersionRequest, UpdateDocumentRequest,
};
use ssm_runbook_engine::service::executions::{
    GetAutomationExecutionRequest, SendAutomationSignalRequest, StartAutomationExecutionRequest,
    StopAutomationExecutionRequest,
};
use ssm_runbook_engine::service::{Service, ServiceConfig};
use std::collections::{BTreeMap, BTreeSet};

/// A number in `0..N`.
#[derive(Debug, Clone, Copy)]
struct Below<const N: u32>(u32);

impl<'a, const N: u32> Arbitrary<'a> for Below<N> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Below(u.int_in_range(0..=N - 1)?))
    }
}

const NAMES: [&str; 3] = ["Alpha", "Beta", "Gamma"];
const PRINCIPALS: [&str; 2] = [
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:iam::123456789012:user/bob",
];
/// Document contents; the last one is not a valid runbook.
const CONTENTS: [&str; 5] = [
    "schemaVersion: '0.3'\nmainSteps:\n  - name: Gate\n    action: aws:approve\n    inputs: {Approvers: ['arn:aws:iam::123456789012:user/alice']}\n",
    "schemaVersion: '0.3'\nmainSteps:\n  - name: Hold\n    action: aws:pause\n    inputs: {}\n  - name: Nap\n    action: aws:sleep\n    inputs: {Duration: PT2M}\n",
    "schemaVersion: '0.3'\nmainSteps:\n  - name: Call\n    action: aws:executeAwsApi\n    timeoutSeconds: 30\n    inputs: {Service: ec2, Api: DescribeInstances}\n  - name: Nap\n    action: aws:sleep\n    inputs: {Duration: PT30S}\n",
    "schemaVersion: '0.3'\nmainSteps:\n  - name: Repeat\n    action: aws:loop\n    inputs:\n      MaxIterations: 3\n      Iterators: [a, b, c]\n      Steps:\n        - {name: Tick, action: aws:sleep, inputs: {Duration: PT10S}}\n",
    "schemaVersion: '0.3'\nmainSteps: nope\n",
];
const VALID_CONTENTS: usize = CONTENTS.len() - 1;
const SIGNALS: [&str; 7] = [
    "Approve",
    "Reject",
    "Resume",
    "StartStep",
    "StopStep",
    "Revoke",
    "Bogus",
];
const STATUSES: [&str; 5] = ["Waiting", "InProgress", "Success", "Cancelled", "Failed"];
/// Small quotas, so the limits are reached.
const MAX_DOCUMENTS: usize = 2;
const MAX_VERSIONS: usize = 3;
const MAX_CONCURRENT: usize = 4;

#[derive(Debug, Arbitrary)]
enum Op {
    Create {
        name: Below<3>,
        content: Below<5>,
    },
    Update {
        name: Below<3>,
        content: Below<5>,
        base: Option<Below<6>>,
    },
    Delete {
        name: Below<3>,
        version: Option<Below<6>>,
    },
    SetDefault {
        name: Below<3>,
        version: Below<6>,
    },
    GetDocument {
        name: Below<3>,
        version: Option<Below<6>>,
    },
    ListDocuments {
        page: Below<3>,
    },
    ListVersions {
        name: Below<3>,
        page: Below<3>,
    },
    Start {
        name: Below<3>,
        version: Option<Below<6>>,
        token: Option<Below<3>>,
    },
    Signal {
        execution: Below<16>,
        signal: Below<7>,
        principal: Below<2>,
        step: Option<Below<4>>,
    },
    Stop {
        execution: Below<16>,
        complete: bool,
    },
    Get {
        execution: Below<16>,
    },
    Describe {
        filter: Option<(bool, Below<5>)>,
        page: Below<4>,
    },
    DescribeSteps {
        execution: Below<16>,
        page: Below<4>,
        reverse: bool,
    },
    Tick {
        seconds: Below<600>,
    },
}

/// The reference: what must exist.
#[derive(Debug, Default)]
struct Model {
    /// Name → version → content index.
    versions: BTreeMap<&'static str, BTreeMap<u32, usize>>,
    default_version: BTreeMap<&'static str, u32>,
    next_version: BTreeMap<&'static str, u32>,
    executions: Vec<String>,
    /// Token → (document, version asked for, id).
    tokens: BTreeMap<u32, (u32, Option<String>, String)>,
}

fn token(t: Below<3>) -> String {
    format!("00000000-0000-4000-8000-00000000000{}", t.0)
}

fn version_text(v: Below<6>) -> String {
    v.0.to_string()
}

struct Run {
    svc: Service,
    model: Model,
    now: SimTime,
}

impl Run {
    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Create { name, content } => self.create(name, content),
            Op::Update {
                name,
                content,
                base,
            } => self.update(name, content, base),
            Op::Delete { name, version } => self.delete(name, version),
            Op::SetDefault { name, version } => self.set_default(name, version),
            Op::GetDocument { name, version } => {
                let n = NAMES[name.0 as usize];
                let r = self.svc.get_document(GetDocumentRequest {
                    name: n.into(),
                    document_version: version.map(version_text),
                    ..Default::default()
                });
                let expected = self.model.versions.get(n).and_then(|vs| match version {
                    None => self.model.default_version.get(n).copied(),
                    Some(v) => vs.contains_key(&v.0).then_some(v.0),
                });
                match (r, expected) {
                    (Ok(got), Some(v)) => {
                        assert_eq!(got.document_version, v.to_string());
                        assert_eq!(got.content, CONTENTS[self.model.versions[n][&v]]);
                    }
                    (Err(_), None) => {}
                    (r, e) => panic!("GetDocument {n} {version:?}: {r:?}, model {e:?}"),
                }
            }
            Op::ListDocuments { page } => {
                let mut seen = Vec::new();
                let mut next_token = None;
                loop {
                    let r = self
                        .svc
                        .list_documents(ListDocumentsRequest {
                            max_results: Some(i64::from(page.0) + 1),
                            next_token: next_token.take(),
                            ..Default::default()
                        })
                        .unwrap_or_else(|e| panic!("ListDocuments: {e:?}"));
                    seen.extend(r.document_identifiers.into_iter().map(|d| d.name));
                    match r.next_token {
                        Some(t) => next_token = Some(t),
                        None => break,
                    }
                    assert!(seen.len() <= NAMES.len(), "pagination does not end");
                }
                let expected: Vec<String> = self
                    .model
                    .versions
                    .keys()
                    .map(|n| (*n).to_owned())
                    .collect();
                assert_eq!(seen, expected);
            }
            Op::ListVersions { name, page } => {
                let n = NAMES[name.0 as usize];
                let mut seen = Vec::new();
                let mut next_token = None;
                loop {
                    let r = self
                        .svc
                        .list_document_versions(ListDocumentVersionsRequest {
                            name: n.into(),
                            max_results: Some(i64::from(page.0) + 1),
                            next_token: next_token.take(),
                        });
                    let Ok(r) = r else {
                        assert!(!self.model.versions.contains_key(n), "{r:?}");
                        return;
                    };
                    for v in r.document_versions {
                        let number: u32 = v.document_version.parse().unwrap_or(0);
                        let is_default = self.model.default_version.get(n) == Some(&number);
                        assert_eq!(v.is_default_version, is_default, "{n} {number}");
                        seen.push(number);
                    }
                    match r.next_token {
                        Some(t) => next_token = Some(t),
                        None => break,
                    }
                    assert!(seen.len() <= 2 * MAX_VERSIONS, "pagination does not end");
                }
                let expected: Vec<u32> = self.model.versions[n].keys().copied().collect();
                assert_eq!(seen, expected, "versions of {n}");
            }
            Op::Start {
                name,
                version,
                token: t,
            } => self.start(name, version, t),
            Op::Signal {
                execution,
                signal,
                principal,
                step,
            } => {
                let Some(id) = self.execution(execution) else {
                    return;
                };
                let payload = step.map(|s| {
                    BTreeMap::from([(
                        "StepName".to_owned(),
                        vec![["Gate", "Hold", "Call", "Tick"][s.0 as usize].to_owned()],
                    )])
                });
                let _ = self.svc.send_automation_signal(
                    SendAutomationSignalRequest {
                        automation_execution_id: id,
                        signal_type: SIGNALS[signal.0 as usize].into(),
                        payload,
                    },
                    PRINCIPALS[principal.0 as usize],
                    self.now,
                );
            }
            Op::Stop {
                execution,
                complete,
            } => {
                let Some(id) = self.execution(execution) else {
                    return;
                };
                let _ = self.svc.stop_automation_execution(
                    StopAutomationExecutionRequest {
                        automation_execution_id: id,
                        r#type: complete.then(|| "Complete".into()),
                    },
                    self.now,
                );
            }
            Op::Get { execution } => {
                let id = self
                    .execution(execution)
                    .unwrap_or_else(|| "00000000-0000-4000-8000-0000000000ff".into());
                let r = self
                    .svc
                    .get_automation_execution(GetAutomationExecutionRequest {
                        automation_execution_id: id.clone(),
                    });
                assert_eq!(
                    r.is_ok(),
                    self.model.executions.contains(&id),
                    "{id}: {r:?}"
                );
            }
            Op::Describe { filter, page } => self.describe(filter, page),
            Op::DescribeSteps {
                execution,
                page,
                reverse,
            } => {
                let Some(id) = self.execution(execution) else {
                    return;
                };
                let mut next_token = None;
                let mut pages = 0;
                loop {
                    let r = self
                        .svc
                        .describe_automation_step_executions(
                            DescribeAutomationStepExecutionsRequest {
                                automation_execution_id: id.clone(),
                                max_results: Some(i64::from(page.0) + 1),
                                next_token: next_token.take(),
                                reverse_order: Some(reverse),
                                ..Default::default()
                            },
                        )
                        .unwrap_or_else(|e| panic!("DescribeAutomationStepExecutions {id}: {e:?}"));
                    pages += 1;
                    assert!(pages <= 10_000, "pagination does not end");
                    match r.next_token {
                        Some(t) => next_token = Some(t),
                        None => break,
                    }
                }
            }
            Op::Tick { seconds } => {
                self.now = SimTime(self.now.0 + i64::from(seconds.0) * 1_000);
                self.svc.tick(self.now);
            }
        }
    }

    fn execution(&self, ix: Below<16>) -> Option<String> {
        let n = self.model.executions.len();
        (n > 0).then(|| self.model.executions[ix.0 as usize % n].clone())
    }

    fn create(&mut self, name: Below<3>, content: Below<5>) {
        let n = NAMES[name.0 as usize];
        let c = content.0 as usize;
        let r = self.svc.create_document(
            CreateDocumentRequest {
                name: n.into(),
                content: CONTENTS[c].into(),
                document_type: Some("Automation".into()),
                document_format: Some("YAML".into()),
                ..Default::default()
            },
            self.now,
        );
        let ok = !self.model.versions.contains_key(n)
            && self.model.versions.len() < MAX_DOCUMENTS
            && c < VALID_CONTENTS;
        assert_eq!(r.is_ok(), ok, "CreateDocument {n} {c}: {r:?}");
        if let Ok(r) = r {
            assert_eq!(r.document_description.document_version, "1");
            assert_eq!(r.document_description.default_version, "1");
            self.model.versions.insert(n, BTreeMap::from([(1, c)]));
            self.model.default_version.insert(n, 1);
            self.model.next_version.insert(n, 2);
        }
    }

    fn update(&mut self, name: Below<3>, content: Below<5>, base: Option<Below<6>>) {
        let n = NAMES[name.0 as usize];
        let c = content.0 as usize;
        let r = self.svc.update_document(
            UpdateDocumentRequest {
                name: n.into(),
                content: CONTENTS[c].into(),
                document_version: base.map(|b| {
                    if b.0 == 0 {
                        "$LATEST".into()
                    } else {
                        version_text(b)
                    }
                }),
                document_format: Some("YAML".into()),
                ..Default::default()
            },
            self.now,
        );
        let ok = self.model.versions.get(n).is_some_and(|vs| {
            let (latest, latest_content) = vs.last_key_value().map_or((0, 0), |(k, v)| (*k, *v));
            let base_ok = base.is_none_or(|b| b.0 == 0 || b.0 == latest);
            base_ok && latest_content != c && vs.len() < MAX_VERSIONS && c < VALID_CONTENTS
        });
        assert_eq!(r.is_ok(), ok, "UpdateDocument {n} {c} {base:?}: {r:?}");
        if let Ok(r) = r {
            let next = self.model.next_version[n];
            assert_eq!(r.document_description.document_version, next.to_string());
            assert_eq!(
                r.document_description.default_version,
                self.model.default_version[n].to_string()
            );
            self.model.versions.entry(n).or_default().insert(next, c);
            self.model.next_version.insert(n, next + 1);
        }
    }

    fn delete(&mut self, name: Below<3>, version: Option<Below<6>>) {
        let n = NAMES[name.0 as usize];
        let r = self.svc.delete_document(DeleteDocumentRequest {
            name: n.into(),
            document_version: version.map(version_text),
            ..Default::default()
        });
        let exists = self.model.versions.contains_key(n);
        match version {
            None => {
                assert_eq!(r.is_ok(), exists, "DeleteDocument {n}: {r:?}");
                self.model.versions.remove(n);
                self.model.default_version.remove(n);
                self.model.next_version.remove(n);
            }
            Some(v) => {
                let ok = exists
                    && self.model.versions[n].contains_key(&v.0)
                    && self.model.default_version[n] != v.0;
                assert_eq!(r.is_ok(), ok, "DeleteDocument {n} version {}: {r:?}", v.0);
                if ok {
                    self.model.versions.entry(n).or_default().remove(&v.0);
                }
            }
        }
    }

    fn set_default(&mut self, name: Below<3>, version: Below<6>) {
        let n = NAMES[name.0 as usize];
        let r = self
            .svc
            .update_document_default_version(UpdateDocumentDefaultVersionRequest {
                name: n.into(),
                document_version: version_text(version),
            });
        let ok = self
            .model
            .versions
            .get(n)
            .is_some_and(|vs| vs.contains_key(&version.0));
        assert_eq!(
            r.is_ok(),
            ok,
            "UpdateDocumentDefaultVersion {n} {}: {r:?}",
            version.0
        );
        if ok {
            self.model.default_version.insert(n, version.0);
        }
    }

    fn start(&mut self, name: Below<3>, version: Option<Below<6>>, t: Option<Below<3>>) {
        let n = NAMES[name.0 as usize];
        let version = version.map(|v| {
            if v.0 == 0 {
                "$LATEST".to_owned()
            } else {
                version_text(v)
            }
        });
        let in_flight = self.svc.executions_in_flight();
        let r = self.svc.start_automation_execution(
            StartAutomationExecutionRequest {
                document_name: n.into(),
                document_version: version.clone(),
                client_token: t.map(token),
                ..Default::default()
            },
            PRINCIPALS[0],
            self.now,
        );
        let known = t.and_then(|t| self.model.tokens.get(&t.0)).cloned();
        if let Some((doc, v, id)) = known {
            let same = doc == name.0 && v == version;
            match r {
                Ok(r) if same => assert_eq!(r.automation_execution_id, id),
                Err(_) if !same => {}
                r => panic!("StartAutomationExecution with a used token: {r:?}"),
            }
            return;
        }
        let runnable = self.model.versions.get(n).is_some_and(|vs| match &version {
            None => true,
            Some(v) if v == "$LATEST" => true,
            Some(v) => v.parse().is_ok_and(|v: u32| vs.contains_key(&v)),
        });
        let ok = runnable && in_flight < MAX_CONCURRENT;
        assert_eq!(
            r.is_ok(),
            ok,
            "StartAutomationExecution {n} {version:?}: {r:?}"
        );
        if let Ok(r) = r {
            let id = r.automation_execution_id;
            assert!(!self.model.executions.contains(&id), "id {id} reused");
            self.model.executions.push(id.clone());
            if let Some(t) = t {
                self.model.tokens.insert(t.0, (name.0, version, id));
            }
        }
    }

    fn describe(&mut self, filter: Option<(bool, Below<5>)>, page: Below<4>) {
        let filters = filter.map(|(by_status, v)| {
            vec![if by_status {
                Filter {
                    key: "ExecutionStatus".into(),
                    values: vec![STATUSES[v.0 as usize].into()],
                }
            } else {
                Filter {
                    key: "DocumentNamePrefix".into(),
                    values: vec![NAMES[v.0 as usize % NAMES.len()][..2].into()],
                }
            }]
        });
        let mut seen = Vec::new();
        let mut next_token = None;
        loop {
            let r = self
                .svc
                .describe_automation_executions(DescribeAutomationExecutionsRequest {
                    filters: filters.clone(),
                    max_results: Some(i64::from(page.0) + 1),
                    next_token: next_token.take(),
                })
                .unwrap_or_else(|e| panic!("DescribeAutomationExecutions {filters:?}: {e:?}"));
            for m in r.automation_execution_metadata_list {
                let id = m["AutomationExecutionId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(self.model.executions.contains(&id), "unknown id {id}");
                seen.push(id);
            }
            match r.next_token {
                Some(t) => next_token = Some(t),
                None => break,
            }
            assert!(
                seen.len() <= self.model.executions.len(),
                "pagination does not end"
            );
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "an execution listed twice: {seen:?}"
        );
        if filters.is_none() {
            let all: BTreeSet<&String> = self.model.executions.iter().collect();
            assert_eq!(unique, all);
        }
    }

    /// Checked after every operation.
    fn check(&self) {
        assert_eq!(self.svc.execution_ids(), self.model.executions);
        for id in &self.model.executions {
            let r = self
                .svc
                .get_automation_execution(GetAutomationExecutionRequest {
                    automation_execution_id: id.clone(),
                });
            assert!(r.is_ok(), "{id} is lost: {r:?}");
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let config = ServiceConfig {
        max_documents: MAX_DOCUMENTS,
        max_document_versions: MAX_VERSIONS,
        max_concurrent_executions: MAX_CONCURRENT,
        ..ServiceConfig::default()
    };
    let mut run = Run {
        svc: Service::new(config),
        model: Model::default(),
        now: SimTime(1_700_000_000_000),
    };
    for op in ops.iter().take(64) {
        run.apply(op);
        run.check();
    }
});
