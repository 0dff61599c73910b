//! Every limit of the tool, one test each: an overrun gives a typed error
//! (a `LimitExceeded` diagnostic, an `Event::LimitExceeded`, a refusal or a
//! service exception) whose message names the limit and its value, and a
//! run just inside the limit is unaffected.
//!
//! Parse limits with hostile inputs (alias bombs, 100,000-deep nesting,
//! 50 MB, invalid UTF-8) are in `hostile.rs`; this file covers each limit
//! at a small explicit value, so the tests stay fast.

use serde_json::json;
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::diagnostic::Code;
use ssm_runbook_engine::execution::{
    Event, Execution, ExecutionConfig, ExecutionLimits, Input, Mode, SignalType, Status,
};
use ssm_runbook_engine::limits::Limits;
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::service::documents::CreateDocumentRequest;
use ssm_runbook_engine::service::executions::{
    MAX_PARAMETER_ENTRIES, MAX_PARAMETER_NAME_CHARS, MAX_PARAMETER_VALUE_CHARS,
    MAX_PARAMETER_VALUES, SendAutomationSignalRequest, StartAutomationExecutionRequest,
};
use ssm_runbook_engine::service::{Service, ServiceConfig, ServiceError};
use ssm_runbook_engine::validate::{Report, oversized, validate_text, validate_text_with};
use std::collections::BTreeMap;
use std::sync::Arc;

const NOW: SimTime = SimTime(1_700_000_000_000);
const ALICE: &str = "arn:aws:iam::123456789012:user/alice";

/// The single `LimitExceeded` diagnostic of `report`, whose message names
/// `limit` and `value`.
fn assert_limit(report: &Report, limit: &str, value: usize) {
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == Code::LimitExceeded)
        .unwrap_or_else(|| panic!("no LimitExceeded: {:#?}", report.diagnostics));
    assert!(d.message.contains(limit), "{}", d.message);
    assert!(d.message.contains(&value.to_string()), "{}", d.message);
}

fn sleeps(n: usize) -> String {
    let mut text = String::from("schemaVersion: '0.3'\nmainSteps:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  - {{name: s{i}, action: aws:sleep, inputs: {{Duration: PT1S}}}}\n"
        ));
    }
    text
}

// ----- parse and validate ----------------------------------------------

#[test]
fn max_document_bytes() {
    let limits = Limits {
        max_document_bytes: 100,
        ..Limits::default()
    };
    let text = sleeps(3);
    assert!(text.len() > 100);
    assert_limit(
        &validate_text_with(&text, &limits),
        "max_document_bytes",
        100,
    );
    // The size alone decides, before anything is read.
    let report = oversized(101, &limits).expect("101 bytes are over 100");
    assert_limit(&report, "max_document_bytes", 100);
    assert!(report.diagnostics[0].message.contains("101 bytes"));
    assert!(oversized(100, &limits).is_none());
}

#[test]
fn max_nesting_depth() {
    let limits = Limits {
        max_nesting_depth: 6,
        ..Limits::default()
    };
    // Root, mainSteps, the step, inputs and three lists: 7 levels.
    let yaml = "schemaVersion: '0.3'\nmainSteps:\n  - {name: a, action: aws:sleep, inputs: {Duration: PT1S, X: [[[1]]]}}\n";
    let json = json!({"schemaVersion": "0.3", "mainSteps": [{"name": "a", "action": "aws:sleep",
        "inputs": {"Duration": "PT1S", "X": [[[1]]]}}]})
    .to_string();
    for text in [yaml.to_owned(), json] {
        let report = validate_text_with(&text, &limits);
        assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
        assert_limit(&report, "max_nesting_depth", 6);
    }
}

#[test]
fn max_yaml_nodes() {
    let limits = Limits {
        max_yaml_nodes: 20,
        ..Limits::default()
    };
    assert_limit(
        &validate_text_with(&sleeps(5), &limits),
        "max_yaml_nodes",
        20,
    );
}

#[test]
fn max_yaml_aliases() {
    let limits = Limits {
        max_yaml_aliases: 2,
        ..Limits::default()
    };
    let text = "schemaVersion: '0.3'\nx: &d {Duration: PT1S}\nmainSteps:\n\
        \x20 - {name: a, action: aws:sleep, inputs: *d}\n\
        \x20 - {name: b, action: aws:sleep, inputs: *d}\n\
        \x20 - {name: c, action: aws:sleep, inputs: *d}\n";
    assert_limit(&validate_text_with(text, &limits), "max_yaml_aliases", 2);
    let report = validate_text(text);
    assert!(report.document.is_some(), "{:#?}", report.diagnostics);
}

#[test]
fn max_steps() {
    let limits = Limits {
        max_steps: 3,
        ..Limits::default()
    };
    assert_limit(&validate_text_with(&sleeps(4), &limits), "max_steps", 3);
    let report = validate_text_with(&sleeps(3), &limits);
    assert!(!report.has_errors(), "{:#?}", report.diagnostics);
}

#[test]
fn max_diagnostics() {
    let limits = Limits {
        max_diagnostics: 5,
        ..Limits::default()
    };
    // Twenty steps, each with an unknown field.
    let mut text = String::from("schemaVersion: '0.3'\nmainSteps:\n");
    for i in 0..20 {
        text.push_str(&format!(
            "  - {{name: s{i}, action: aws:sleep, bogus: 1, inputs: {{Duration: PT1S}}}}\n"
        ));
    }
    assert!(validate_text(&text).diagnostics.len() >= 20);
    assert_eq!(validate_text_with(&text, &limits).diagnostics.len(), 5);
}

// ----- execution -------------------------------------------------------

fn execution(text: &str, limits: ExecutionLimits, depth: u32) -> Execution {
    let report = validate_text(text);
    let doc = report.document.expect("the runbook is lowered");
    let runbook = Runbook::compile(doc, "Limits", "1").expect("the runbook compiles");
    let mut config = ExecutionConfig::new("00000000-0000-4000-8000-000000000001", ALICE);
    config.limits = limits;
    config.depth = depth;
    Execution::new(Arc::new(runbook), config)
}

/// Start, then fire every timer until the execution stops moving.
fn run(ex: &mut Execution) -> Vec<Event> {
    let mut events = ex
        .apply(
            Input::Start {
                parameters: BTreeMap::new(),
                mode: Mode::Auto,
            },
            NOW,
        )
        .expect("the execution starts");
    while let Some(at) = ex.next_deadline() {
        events.extend(ex.apply(Input::Advance, at).expect("timers fire"));
    }
    events
}

fn limit_events(events: &[Event]) -> Vec<(&'static str, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::LimitExceeded { limit, value } => Some((*limit, *value)),
            _ => None,
        })
        .collect()
}

#[test]
fn max_steps_executed() {
    let limits = ExecutionLimits {
        max_steps_executed: 3,
        ..ExecutionLimits::default()
    };
    let mut ex = execution(&sleeps(4), limits.clone(), 0);
    let events = run(&mut ex);
    assert_eq!(limit_events(&events), vec![("max_steps_executed", 3)]);
    assert_eq!(ex.status(), Status::Failed);
    let message = ex.failure_message().expect("a failure message");
    assert!(
        message.contains("max_steps_executed") && message.contains('3'),
        "{message}"
    );

    let mut ex = execution(&sleeps(3), limits, 0);
    assert!(limit_events(&run(&mut ex)).is_empty());
    assert_eq!(ex.status(), Status::Success);
}

#[test]
fn max_signals() {
    let text =
        "schemaVersion: '0.3'\nmainSteps:\n  - {name: Hold, action: aws:pause, inputs: {}}\n";
    let limits = ExecutionLimits {
        max_signals: 0,
        ..ExecutionLimits::default()
    };
    let mut ex = execution(text, limits, 0);
    ex.apply(
        Input::Start {
            parameters: BTreeMap::new(),
            mode: Mode::Auto,
        },
        NOW,
    )
    .expect("the execution starts");
    assert_eq!(ex.status(), Status::Waiting);
    let refusal = ex
        .apply(
            Input::Signal {
                signal: SignalType::Resume,
                payload: BTreeMap::new(),
                principal: ALICE.into(),
            },
            NOW,
        )
        .expect_err("the signal is over the limit");
    assert!(
        refusal.message.contains("max_signals"),
        "{}",
        refusal.message
    );
    assert!(refusal.message.contains("0 signals"), "{}", refusal.message);
    assert_eq!(ex.status(), Status::Waiting, "a refusal changes nothing");
}

#[test]
fn max_child_depth() {
    let text = "schemaVersion: '0.3'\nmainSteps:\n  - {name: Child, action: aws:executeAutomation, inputs: {DocumentName: Other}}\n";
    let limits = ExecutionLimits::default();
    let depth = limits.max_child_depth;
    let mut ex = execution(text, limits, depth);
    let events = run(&mut ex);
    assert_eq!(
        limit_events(&events),
        vec![("max_child_depth", u64::from(depth))]
    );
    assert_eq!(ex.status(), Status::Failed);
}

// ----- service ---------------------------------------------------------

fn service(config: ServiceConfig) -> Service {
    let mut svc = Service::new(config);
    svc.create_document(
        CreateDocumentRequest {
            name: "Hold".into(),
            content: "schemaVersion: '0.3'\nparameters:\n  P: {type: StringList, default: [a]}\nmainSteps:\n  - {name: Hold, action: aws:pause, inputs: {}}\n".into(),
            document_type: Some("Automation".into()),
            document_format: Some("YAML".into()),
            ..Default::default()
        },
        NOW,
    )
    .expect("the document is valid");
    svc
}

fn start(
    svc: &mut Service,
    parameters: Option<indexmap::IndexMap<String, Vec<String>>>,
) -> Result<String, ServiceError> {
    svc.start_automation_execution(
        StartAutomationExecutionRequest {
            document_name: "Hold".into(),
            parameters,
            ..Default::default()
        },
        ALICE,
        NOW,
    )
    .map(|r| r.automation_execution_id)
}

#[test]
fn max_concurrent_executions() {
    let mut svc = service(ServiceConfig {
        max_concurrent_executions: 2,
        ..ServiceConfig::default()
    });
    start(&mut svc, None).expect("first");
    start(&mut svc, None).expect("second");
    let e = start(&mut svc, None).expect_err("third is over the limit");
    assert_eq!(e.name(), "AutomationExecutionLimitExceededException");
    assert!(e.message().contains('2'), "{}", e.message());
}

#[test]
fn max_executions() {
    let mut svc = service(ServiceConfig {
        max_executions: 3,
        ..ServiceConfig::default()
    });
    for _ in 0..3 {
        let id = start(&mut svc, None).expect("within the limit");
        // Finished executions count too.
        svc.stop_automation_execution(
            ssm_runbook_engine::service::executions::StopAutomationExecutionRequest {
                automation_execution_id: id,
                r#type: None,
            },
            NOW,
        )
        .expect("cancel");
    }
    svc.tick(SimTime(NOW.0 + 3_600_000));
    assert_eq!(svc.executions_in_flight(), 0);
    let e = start(&mut svc, None).expect_err("over max_executions");
    assert_eq!(e.name(), "AutomationExecutionLimitExceededException");
    assert!(
        e.message().contains("max_executions = 3"),
        "{}",
        e.message()
    );
    assert_eq!(svc.execution_ids().len(), 3);
}

#[test]
fn start_parameter_sizes() {
    let mut svc = service(ServiceConfig::default());
    let map = |entries: Vec<(String, Vec<String>)>| Some(entries.into_iter().collect());
    let cases = [
        (
            map((0..=MAX_PARAMETER_ENTRIES)
                .map(|i| (format!("P{i}"), vec!["a".into()]))
                .collect()),
            "parameters",
            MAX_PARAMETER_ENTRIES,
        ),
        (
            map(vec![(
                "P".repeat(MAX_PARAMETER_NAME_CHARS + 1),
                vec!["a".into()],
            )]),
            "parameters.key",
            MAX_PARAMETER_NAME_CHARS,
        ),
        (
            map(vec![(
                "P".into(),
                vec!["a".into(); MAX_PARAMETER_VALUES + 1],
            )]),
            "parameters.P",
            MAX_PARAMETER_VALUES,
        ),
        (
            map(vec![(
                "P".into(),
                vec!["a".repeat(MAX_PARAMETER_VALUE_CHARS + 1)],
            )]),
            "parameters.P.member",
            MAX_PARAMETER_VALUE_CHARS,
        ),
    ];
    for (parameters, member, limit) in cases {
        let e = start(&mut svc, parameters).expect_err(member);
        assert_eq!(e.name(), "ValidationException", "{member}");
        assert!(
            e.message().contains(&format!("at '{member}'")),
            "{}",
            e.message()
        );
        assert!(
            e.message()
                .contains(&format!("less than or equal to {limit}")),
            "{}",
            e.message()
        );
        // The echoed value is shortened.
        assert!(e.message().len() < 300, "{}", e.message());
    }
    // At the limits, the start goes through.
    let fine = map(vec![(
        "P".into(),
        vec!["a".repeat(MAX_PARAMETER_VALUE_CHARS); MAX_PARAMETER_VALUES],
    )]);
    start(&mut svc, fine).expect("values at the limits are accepted");
}

#[test]
fn signal_payload_sizes() {
    let mut svc = service(ServiceConfig::default());
    let id = start(&mut svc, None).expect("start");
    let payload = BTreeMap::from([(
        "Comment".to_owned(),
        vec!["c".repeat(MAX_PARAMETER_VALUE_CHARS + 1)],
    )]);
    let e = svc
        .send_automation_signal(
            SendAutomationSignalRequest {
                automation_execution_id: id,
                signal_type: "Resume".into(),
                payload: Some(payload),
            },
            ALICE,
            NOW,
        )
        .expect_err("an oversized payload");
    assert_eq!(e.name(), "ValidationException");
    assert!(
        e.message().contains("at 'payload.Comment.member'"),
        "{}",
        e.message()
    );
}
