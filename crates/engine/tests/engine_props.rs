//! Property tests of the execution engine: generated valid runbooks under
//! generated event schedules. The engine's invariants (checked after every
//! transition in debug builds) hold, every run ends within its limits, and
//! two runs of the same input give byte-identical JSON.

use proptest::prelude::*;
use ssm_runbook_engine::execution::Status;
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::scenario::{Answer, Failure, Scenario, ScenarioEvent};
use ssm_runbook_engine::simulate::{NoDocuments, SimulationOptions, simulate};
use ssm_runbook_engine::validate::validate_text;
use std::sync::Arc;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const BOB: &str = "arn:aws:iam::111122223333:user/bob";

#[derive(Debug, Clone)]
enum Kind {
    Approve,
    Pause,
    Sleep,
    Api,
    Branch,
    Update,
    Loop,
}

#[derive(Debug, Clone)]
struct GenStep {
    kind: Kind,
    on_failure: u8,
    jump: usize,
    is_end: bool,
    timeout: Option<u32>,
    max_attempts: u8,
}

fn step_strategy() -> impl Strategy<Value = GenStep> {
    (
        prop_oneof![
            Just(Kind::Approve),
            Just(Kind::Pause),
            Just(Kind::Sleep),
            Just(Kind::Api),
            Just(Kind::Api),
            Just(Kind::Branch),
            Just(Kind::Update),
            Just(Kind::Loop)
        ],
        0u8..4,
        0usize..8,
        prop::bool::weighted(0.15),
        prop::option::weighted(0.3, 60u32..4000),
        1u8..4,
    )
        .prop_map(
            |(kind, on_failure, jump, is_end, timeout, max_attempts)| GenStep {
                kind,
                on_failure,
                jump,
                is_end,
                timeout,
                max_attempts,
            },
        )
}

/// A valid runbook: forward jumps only, so the graph has no cycle.
fn render(steps: &[GenStep]) -> String {
    let n = steps.len();
    let name = |i: usize| format!("S{i}");
    let mut out = String::from(
        "schemaVersion: '0.3'\nparameters:\n  Env: {type: String, default: dev}\nvariables:\n  Count: {type: Integer, default: 0}\nmainSteps:\n",
    );
    for (i, s) in steps.iter().enumerate() {
        let later = |k: usize| name(i + 1 + k % (n - i - 1).max(1));
        let has_later = i + 1 < n;
        out.push_str(&format!("  - name: {}\n", name(i)));
        match s.kind {
            Kind::Approve => out.push_str(&format!("    action: aws:approve\n    inputs: {{Approvers: ['{ALICE}', '{BOB}'], MinRequiredApprovals: {}}}\n", 1 + s.jump % 2)),
            Kind::Pause => out.push_str("    action: aws:pause\n    inputs: {}\n"),
            Kind::Sleep => out.push_str(&format!("    action: aws:sleep\n    inputs: {{Duration: PT{}M}}\n", 1 + s.jump)),
            Kind::Api => out.push_str(&format!(
                "    action: aws:executeAwsApi\n    inputs: {{Service: ec2, Api: DescribeInstances, Env: '{{{{ Env }}}}'}}\n    outputs:\n      - {{Name: Id, Selector: $.Id, Type: String}}\n    maxAttempts: {}\n",
                s.max_attempts
            )),
            Kind::Branch if has_later => out.push_str(&format!(
                "    action: aws:branch\n    inputs:\n      Choices:\n        - {{NextStep: {}, Variable: '{{{{ Env }}}}', StringEquals: dev}}\n      Default: {}\n",
                later(s.jump),
                later(s.jump + 1)
            )),
            Kind::Branch => out.push_str("    action: aws:branch\n    inputs:\n      Choices:\n        - {NextStep: S0, Variable: '{{ Env }}', StringEquals: never}\n    isEnd: true\n"),
            Kind::Update => out.push_str("    action: aws:updateVariable\n    inputs: {Name: 'variable:Count', Value: 1}\n"),
            Kind::Loop => out.push_str(&format!(
                "    action: aws:loop\n    inputs:\n      Iterators: [a, b, c]\n      Steps:\n        - name: L{i}a\n          action: aws:executeAwsApi\n          inputs: {{Service: s3, Api: ListBuckets, Item: '{{{{ S{i}.CurrentIteratorValue }}}}'}}\n        - name: L{i}b\n          action: aws:sleep\n          inputs: {{Duration: PT{}S}}\n",
                1 + s.jump
            )),
        }
        if let Some(t) = s.timeout {
            if !matches!(s.kind, Kind::Branch | Kind::Update) {
                out.push_str(&format!("    timeoutSeconds: {t}\n"));
            }
        }
        match (s.on_failure, has_later) {
            (1, _) => out.push_str("    onFailure: Continue\n"),
            (2, true) => out.push_str(&format!("    onFailure: step:{}\n", later(s.jump))),
            _ => {}
        }
        if s.is_end && !matches!(s.kind, Kind::Branch) {
            out.push_str("    isEnd: true\n");
        } else if has_later && s.jump % 3 == 0 && !matches!(s.kind, Kind::Branch) {
            out.push_str(&format!("    nextStep: {}\n", later(s.jump)));
        }
    }
    out
}

fn event_strategy() -> impl Strategy<Value = ScenarioEvent> {
    (
        0u32..600,
        prop_oneof![
            Just(("Approve", ALICE)),
            Just(("Approve", BOB)),
            Just(("Reject", BOB)),
            Just(("Approve", "arn:aws:iam::111122223333:user/mallory")),
            Just(("Resume", ALICE)),
            Just(("StopStep", ALICE)),
            Just(("StartStep", ALICE)),
            Just(("Cancel", ALICE)),
        ],
        0usize..8,
    )
        .prop_map(|(minute, (what, principal), step)| {
            let mut e = ScenarioEvent {
                at: format!("PT{minute}M"),
                principal: Some(principal.to_owned()),
                ..ScenarioEvent::default()
            };
            if what == "Cancel" {
                e.stop = Some("Cancel".into());
                e.principal = None;
            } else {
                e.signal = Some(what.into());
                e.step = Some(format!("S{step}"));
            }
            e
        })
}

fn answer_strategy() -> impl Strategy<Value = Answer> {
    prop_oneof![
        (0u32..30).prop_map(|m| Answer {
            after: Some(format!("PT{m}M")),
            outputs: Some(serde_json::json!({"Id": "i-1"})),
            ..Answer::default()
        }),
        Just(Answer {
            fail: Some(Failure {
                failure_type: Some("Throttling".into()),
                ..Failure::default()
            }),
            ..Answer::default()
        }),
        Just(Answer {
            timeout: Some(true),
            ..Answer::default()
        }),
    ]
}

fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(event_strategy(), 0..8),
        prop::collection::vec(answer_strategy(), 1..4),
        prop::bool::weighted(0.2),
        prop_oneof![Just("dev"), Just("prod")],
    )
        .prop_map(|(events, answers, interactive, env)| {
            let mut s = Scenario {
                events,
                ..Scenario::default()
            };
            s.parameters.insert("Env".into(), serde_json::json!(env));
            if interactive {
                s.mode = Some("Interactive".into());
            }
            for i in 0..8 {
                s.actions.insert(format!("S{i}"), answers.clone());
            }
            s
        })
}

fn run(text: &str, scenario: &Scenario) -> (Status, String) {
    let report = validate_text(text);
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == ssm_runbook_engine::diagnostic::Severity::Error)
        .collect();
    assert!(
        errors.is_empty(),
        "generated runbook is invalid: {errors:#?}\n{text}"
    );
    let doc = report.document.expect("a document");
    let rb = Arc::new(Runbook::compile(doc, "Generated", "1").expect("compiles"));
    let sim =
        simulate(rb, scenario, &NoDocuments, &SimulationOptions::default()).expect("simulates");
    let json = serde_json::to_string(&sim.execution.to_api()).expect("serialises");
    (sim.execution.status(), json)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn runs_end_and_are_deterministic(steps in prop::collection::vec(step_strategy(), 2..8), scenario in scenario_strategy()) {
        let text = render(&steps);
        let (status, first) = run(&text, &scenario);
        let (_, second) = run(&text, &scenario);
        prop_assert_eq!(&first, &second);
        // Auto executions always end: every wait has a deadline.
        if scenario.mode.is_none() {
            prop_assert!(status.is_terminal(), "ended {status}:\n{text}\n{scenario:?}");
        } else {
            prop_assert!(status.is_terminal() || status == Status::Waiting || status == Status::InProgress);
        }
    }
}
