//! Fuzz target `run`: a small structured runbook (an [`Arbitrary`] tree of
//! bounded newtypes: at most six top-level steps, loops of at most three
//! steps and five iterations, timeouts under five minutes) is rendered to
//! YAML text together with a scenario (answers for `aws:executeAwsApi`
//! steps and timed signals and stops), validated, compiled and simulated to
//! the end, twice.
//!
//! Checked: nothing panics (the engine asserts its own invariants after
//! every transition in debug builds, and fuzz builds keep debug
//! assertions), every run ends within the driver's transition bound, and
//! the second run is identical to the first: timeline, final execution and
//! children compare equal.
//!
//! `SSM_FUZZ_DUMP=1` prints the rendered runbook and scenario of each
//! input, for turning an artifact into a regression test
//! (`crates/engine/tests/fuzz-regressions/run/<name>/`).

#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::scenario::Scenario;
use ssm_runbook_engine::simulate::{NoDocuments, SimulateError, SimulationOptions, simulate};
use ssm_runbook_engine::validate::validate_text;
use std::fmt::Write;
use std::sync::Arc;

/// At most `N` items.
#[derive(Debug)]
struct Few<T, const N: usize>(Vec<T>);

impl<'a, T: Arbitrary<'a>, const N: usize> Arbitrary<'a> for Few<T, N> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let n = u.int_in_range(0..=N)?;
        (0..n)
            .map(|_| T::arbitrary(u))
            .collect::<Result<_>>()
            .map(Few)
    }
}

/// A number in `0..N`.
#[derive(Debug, Clone, Copy)]
struct Below<const N: u32>(u32);

impl<'a, const N: u32> Arbitrary<'a> for Below<N> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Below(u.int_in_range(0..=N - 1)?))
    }
}

const PRINCIPALS: [&str; 3] = [
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:iam::123456789012:user/bob",
    "arn:aws:iam::123456789012:user/mallory",
];

#[derive(Debug, Arbitrary)]
struct Case {
    interactive: bool,
    steps: Few<Top, 6>,
    answers: Few<AnswerSpec, 4>,
    events: Few<EventSpec, 8>,
}

#[derive(Debug, Arbitrary)]
struct Top {
    common: Common,
    action: TopAction,
}

#[derive(Debug, Arbitrary)]
enum TopAction {
    Plain(Act),
    Loop {
        max_iterations: Below<5>,
        condition: Option<Below<4>>,
        iterators: Option<Below<4>>,
        body: Few<Inner, 3>,
    },
}

#[derive(Debug, Arbitrary)]
struct Inner {
    common: Common,
    action: Act,
}

#[derive(Debug, Arbitrary)]
struct Common {
    next_step: Option<Below<16>>,
    is_end: bool,
    on_failure: Option<Jump>,
    on_cancel: Option<Jump>,
    max_attempts: Option<Below<3>>,
    timeout_seconds: Option<Below<300>>,
    is_critical: Option<bool>,
}

#[derive(Debug, Arbitrary)]
enum Jump {
    Abort,
    Continue,
    Step(Below<16>),
}

#[derive(Debug, Arbitrary)]
enum Act {
    Approve {
        approvers: Below<3>,
        min: Option<Below<3>>,
    },
    Pause,
    Sleep(Below<600>),
    Branch {
        choices: Few<(Below<16>, Below<4>), 2>,
        default: Option<Below<16>>,
    },
    ExecuteAwsApi {
        output: bool,
    },
    UpdateVariable(Below<4>),
}

#[derive(Debug, Arbitrary)]
struct AnswerSpec {
    step: Below<16>,
    attempts: Few<Reply, 3>,
}

#[derive(Debug, Arbitrary)]
enum Reply {
    Success {
        after_s: Below<120>,
        count: Below<4>,
    },
    Fail {
        after_s: Below<120>,
    },
    Timeout,
    Hang,
}

#[derive(Debug, Arbitrary)]
struct EventSpec {
    at_s: Below<900>,
    what: EventKind,
    principal: Below<3>,
    step: Option<Below<16>>,
}

#[derive(Debug, Arbitrary)]
enum EventKind {
    Approve,
    Reject,
    Resume,
    StartStep,
    StopStep,
    Revoke,
    Cancel,
    Complete,
}

/// Every step name, top-level and inner, in document order.
fn names(case: &Case) -> Vec<String> {
    let mut out = Vec::new();
    for (i, top) in case.steps.0.iter().enumerate() {
        out.push(format!("s{i}"));
        if let TopAction::Loop { body, .. } = &top.action {
            out.extend((0..body.0.len()).map(|j| format!("s{i}l{j}")));
        }
    }
    out
}

fn name_at(names: &[String], ix: Below<16>) -> &str {
    names
        .get(ix.0 as usize % names.len().max(1))
        .map_or("nowhere", String::as_str)
}

fn render_common(out: &mut String, c: &Common, names: &[String], indent: &str) {
    if let Some(n) = c.next_step {
        let _ = writeln!(out, "{indent}nextStep: {}", name_at(names, n));
    }
    if c.is_end {
        let _ = writeln!(out, "{indent}isEnd: true");
    }
    let jump = |j: &Jump| match j {
        Jump::Abort => "Abort".to_owned(),
        Jump::Continue => "Continue".to_owned(),
        Jump::Step(n) => format!("step:{}", name_at(names, *n)),
    };
    if let Some(j) = &c.on_failure {
        let _ = writeln!(out, "{indent}onFailure: {}", jump(j));
    }
    if let Some(j) = &c.on_cancel {
        let _ = writeln!(out, "{indent}onCancel: {}", jump(j));
    }
    if let Some(n) = c.max_attempts {
        let _ = writeln!(out, "{indent}maxAttempts: {}", n.0 + 1);
    }
    if let Some(n) = c.timeout_seconds {
        let _ = writeln!(out, "{indent}timeoutSeconds: {}", n.0 + 1);
    }
    if let Some(b) = c.is_critical {
        let _ = writeln!(out, "{indent}isCritical: {b}");
    }
}

fn render_act(out: &mut String, act: &Act, names: &[String], indent: &str, counter: &str) {
    match act {
        Act::Approve { approvers, min } => {
            let list: Vec<String> = PRINCIPALS[..=approvers.0 as usize]
                .iter()
                .map(|p| format!("'{p}'"))
                .collect();
            let _ = writeln!(out, "{indent}action: aws:approve");
            let _ = writeln!(out, "{indent}inputs:");
            let _ = writeln!(out, "{indent}  Approvers: [{}]", list.join(", "));
            if let Some(m) = min {
                let _ = writeln!(out, "{indent}  MinRequiredApprovals: {}", m.0 + 1);
            }
        }
        Act::Pause => {
            let _ = writeln!(out, "{indent}action: aws:pause\n{indent}inputs: {{}}");
        }
        Act::Sleep(s) => {
            let _ = writeln!(
                out,
                "{indent}action: aws:sleep\n{indent}inputs: {{Duration: PT{}S}}",
                s.0
            );
        }
        Act::Branch { choices, default } => {
            let _ = writeln!(
                out,
                "{indent}action: aws:branch\n{indent}inputs:\n{indent}  Choices:"
            );
            if choices.0.is_empty() {
                let _ = writeln!(
                    out,
                    "{indent}    - {{NextStep: {}, Variable: '{{{{ variable:Counter }}}}', NumericEquals: 0}}",
                    name_at(names, Below(0))
                );
            }
            for (target, value) in &choices.0 {
                let _ = writeln!(
                    out,
                    "{indent}    - {{NextStep: {}, Variable: '{{{{ variable:Counter }}}}', NumericGreater: {}}}",
                    name_at(names, *target),
                    value.0
                );
            }
            if let Some(d) = default {
                let _ = writeln!(out, "{indent}  Default: {}", name_at(names, *d));
            }
        }
        Act::ExecuteAwsApi { output } => {
            let _ = writeln!(
                out,
                "{indent}action: aws:executeAwsApi\n{indent}inputs: {{Service: ec2, Api: DescribeInstances}}"
            );
            if *output {
                let _ = writeln!(
                    out,
                    "{indent}outputs:\n{indent}  - {{Name: Count, Selector: $.Count, Type: Integer}}"
                );
            }
        }
        Act::UpdateVariable(v) => {
            let value = if counter.is_empty() {
                v.0.to_string()
            } else {
                format!("'{{{{ {counter}.CurrentIteration }}}}'")
            };
            let _ = writeln!(
                out,
                "{indent}action: aws:updateVariable\n{indent}inputs: {{Name: 'variable:Counter', Value: {value}}}"
            );
        }
    }
}

fn render_runbook(case: &Case, names: &[String]) -> String {
    let mut out = String::from(
        "schemaVersion: '0.3'\nvariables:\n  Counter: {type: Integer, default: 0}\nmainSteps:\n",
    );
    for (i, top) in case.steps.0.iter().enumerate() {
        let name = format!("s{i}");
        let _ = writeln!(out, "  - name: {name}");
        render_common(&mut out, &top.common, names, "    ");
        match &top.action {
            TopAction::Plain(act) => render_act(&mut out, act, names, "    ", ""),
            TopAction::Loop {
                max_iterations,
                condition,
                iterators,
                body,
            } => {
                let _ = writeln!(out, "    action: aws:loop\n    inputs:");
                let _ = writeln!(out, "      MaxIterations: {}", max_iterations.0 + 1);
                if let Some(n) = iterators {
                    let items: Vec<String> = (0..=n.0).map(|k| format!("i{k}")).collect();
                    let _ = writeln!(out, "      Iterators: [{}]", items.join(", "));
                }
                if let Some(c) = condition {
                    let _ = writeln!(
                        out,
                        "      LoopCondition: {{Variable: '{{{{ variable:Counter }}}}', NumericLesser: {}}}",
                        c.0
                    );
                }
                let _ = writeln!(out, "      Steps:");
                if body.0.is_empty() {
                    let _ = writeln!(
                        out,
                        "        - {{name: {name}l0, action: aws:sleep, inputs: {{Duration: PT1S}}}}"
                    );
                }
                for (j, inner) in body.0.iter().enumerate() {
                    let _ = writeln!(out, "        - name: {name}l{j}");
                    render_common(&mut out, &inner.common, names, "          ");
                    render_act(&mut out, &inner.action, names, "          ", &name);
                }
            }
        }
    }
    out
}

fn render_scenario(case: &Case, names: &[String]) -> String {
    let mut out = String::new();
    if case.interactive {
        out.push_str("mode: Interactive\n");
    }
    let mut seen = Vec::new();
    if !case.answers.0.is_empty() {
        out.push_str("actions:\n");
    }
    for answer in &case.answers.0 {
        let step = name_at(names, answer.step);
        if seen.contains(&step) || answer.attempts.0.is_empty() {
            continue;
        }
        seen.push(step);
        let _ = writeln!(out, "  {step}:");
        for reply in &answer.attempts.0 {
            let _ = match reply {
                Reply::Success { after_s, count } => writeln!(
                    out,
                    "    - {{after: PT{}S, outputs: {{Count: {}}}}}",
                    after_s.0, count.0
                ),
                Reply::Fail { after_s } => writeln!(
                    out,
                    "    - {{after: PT{}S, fail: {{message: boom}}}}",
                    after_s.0
                ),
                Reply::Timeout => writeln!(out, "    - {{timeout: true}}"),
                Reply::Hang => writeln!(out, "    - {{hang: true}}"),
            };
        }
    }
    if seen.is_empty() {
        out = out.replace("actions:\n", "");
    }
    if !case.events.0.is_empty() {
        out.push_str("events:\n");
    }
    for e in &case.events.0 {
        let what = match e.what {
            EventKind::Approve => "signal: Approve",
            EventKind::Reject => "signal: Reject",
            EventKind::Resume => "signal: Resume",
            EventKind::StartStep => "signal: StartStep",
            EventKind::StopStep => "signal: StopStep",
            EventKind::Revoke => "signal: Revoke",
            EventKind::Cancel => "stop: Cancel",
            EventKind::Complete => "stop: Complete",
        };
        let _ = write!(out, "  - {{at: PT{}S, {what}", e.at_s.0);
        if what.starts_with("signal") {
            let _ = write!(out, ", principal: '{}'", PRINCIPALS[e.principal.0 as usize]);
            if let Some(s) = e.step {
                let _ = write!(out, ", step: {}", name_at(names, s));
            }
        }
        out.push_str("}\n");
    }
    out
}

fuzz_target!(|case: Case| {
    if case.steps.0.is_empty() {
        return;
    }
    let names = names(&case);
    let text = render_runbook(&case, &names);
    let scenario_text = render_scenario(&case, &names);
    if std::env::var_os("SSM_FUZZ_DUMP").is_some() {
        eprintln!("--- runbook.yaml\n{text}--- scenario.yaml\n{scenario_text}---");
    }
    let report = validate_text(&text);
    if report.has_errors() {
        return;
    }
    let Some(doc) = report.document else {
        return;
    };
    let Ok(runbook) = Runbook::compile(doc, "Fuzz", "1") else {
        return;
    };
    let runbook = Arc::new(runbook);
    let scenario = match Scenario::from_yaml(&scenario_text) {
        Ok(s) => s,
        Err(e) => panic!("the generated scenario is refused: {e}\n{scenario_text}"),
    };
    let options = SimulationOptions {
        max_transitions: 200_000,
        ..SimulationOptions::default()
    };
    let first = simulate(runbook.clone(), &scenario, &NoDocuments, &options);
    let second = simulate(runbook, &scenario, &NoDocuments, &options);
    match (first, second) {
        (Ok(a), Ok(b)) => {
            assert!(
                a.timeline == b.timeline,
                "timelines differ\n{text}\n{scenario_text}"
            );
            assert!(
                a.execution == b.execution,
                "executions differ\n{text}\n{scenario_text}"
            );
            assert!(
                a.children == b.children,
                "children differ\n{text}\n{scenario_text}"
            );
        }
        (Err(SimulateError::TooLong(n)), _) => {
            panic!("no end after {n} transitions\n{text}\n{scenario_text}")
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!(
            "runs differ: {:?} vs {:?}\n{text}\n{scenario_text}",
            a.map(|s| s.execution.status()),
            b.map(|s| s.execution.status())
        ),
    }
});
