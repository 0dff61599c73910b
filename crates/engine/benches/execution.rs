//! Benchmarks of the execution engine, driven directly (no simulator):
//! a 10-step approval runbook from start to Success, a 1,000-step linear
//! runbook (step transitions per second), and a 100-iteration loop.
//!
//! The benchmark runs with mimalloc, the allocator of the `ssm-runbook`
//! binary (`ssm-runbook run` drives this engine); `docs/benchmarks.md` gives
//! the system allocator's figures beside these.
#![allow(missing_docs)] // criterion's macros generate undocumented functions

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::execution::{
    Event, Execution, ExecutionConfig, Input, Mode, Outcome, SignalType,
};
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::validate::validate_text;
use std::hint::black_box;
use std::sync::Arc;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

fn compile(text: &str) -> Arc<Runbook> {
    let doc = validate_text(text)
        .document
        .expect("benchmark runbook parses");
    Arc::new(Runbook::compile(doc, "Bench", "1").expect("benchmark runbook compiles"))
}

fn approval_runbook() -> String {
    let mut s = format!(
        "schemaVersion: '0.3'\nmainSteps:\n  - name: Approve\n    action: aws:approve\n    inputs: {{Approvers: ['{ALICE}']}}\n"
    );
    for i in 1..10 {
        s.push_str(&format!("  - name: S{i}\n    action: aws:executeAwsApi\n    inputs: {{Service: ec2, Api: DescribeInstances}}\n"));
    }
    s
}

fn linear_runbook(n: usize) -> String {
    let mut s = String::from("schemaVersion: '0.3'\nmainSteps:\n");
    for i in 0..n {
        s.push_str(&format!("  - name: S{i}\n    action: aws:executeAwsApi\n    inputs: {{Service: ec2, Api: DescribeInstances}}\n"));
    }
    s
}

fn loop_runbook() -> String {
    let items: Vec<String> = (0..100).map(|i| format!("i{i}")).collect();
    format!(
        "schemaVersion: '0.3'\nmainSteps:\n  - name: Each\n    action: aws:loop\n    inputs:\n      Iterators: [{}]\n      Steps:\n        - name: Work\n          action: aws:executeAwsApi\n          inputs: {{Service: s3, Api: GetObject, Key: '{{{{ Each.CurrentIteratorValue }}}}'}}\n",
        items.join(", ")
    )
}

/// Answer every action request at once with an empty success, until none
/// is left. One event buffer serves the whole run, as a driver keeps it.
fn drive(ex: &mut Execution, events: &mut Vec<Event>, now: SimTime) {
    loop {
        let request = events.iter().find_map(|e| match e {
            Event::ActionRequested(r) => Some(r.request_id),
            _ => None,
        });
        let Some(request_id) = request else { return };
        events.clear();
        ex.apply_into(
            Input::ActionFinished {
                request_id,
                outcome: Outcome::Success {
                    response: serde_json::json!({}),
                },
            },
            now,
            events,
        )
        .expect("answer accepted");
    }
}

fn start(rb: &Arc<Runbook>, events: &mut Vec<Event>) -> Execution {
    let mut ex = Execution::new(
        rb.clone(),
        ExecutionConfig::new("00000000-0000-4000-8000-000000000001", ALICE),
    );
    ex.apply_into(
        Input::Start {
            parameters: Default::default(),
            mode: Mode::Auto,
        },
        SimTime(0),
        events,
    )
    .expect("starts");
    ex
}

fn benches(c: &mut Criterion) {
    let approval = compile(&approval_runbook());
    c.bench_function("execution/approval_10_steps_start_approve_success", |b| {
        b.iter(|| {
            let mut events = Vec::new();
            let mut ex = start(&approval, &mut events);
            drive(&mut ex, &mut events, SimTime(0));
            events.clear();
            ex.apply_into(
                Input::Signal {
                    signal: SignalType::Approve,
                    payload: Default::default(),
                    principal: ALICE.into(),
                },
                SimTime(1000),
                &mut events,
            )
            .expect("approved");
            drive(&mut ex, &mut events, SimTime(1000));
            black_box(ex.status())
        })
    });

    let mut group = c.benchmark_group("execution/linear");
    for n in [100usize, 1000] {
        let rb = compile(&linear_runbook(n));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &rb, |b, rb| {
            b.iter(|| {
                let mut events = Vec::new();
                let mut ex = start(rb, &mut events);
                drive(&mut ex, &mut events, SimTime(0));
                black_box(ex.status())
            })
        });
    }
    group.finish();

    let looped = compile(&loop_runbook());
    let mut group = c.benchmark_group("execution/loop");
    group.throughput(Throughput::Elements(100));
    group.bench_function("100_iterations", |b| {
        b.iter(|| {
            let mut events = Vec::new();
            let mut ex = start(&looped, &mut events);
            drive(&mut ex, &mut events, SimTime(0));
            black_box(ex.status())
        })
    });
    group.finish();
}

criterion_group! {
    name = execution;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4)).warm_up_time(std::time::Duration::from_secs(1));
    targets = benches
}
criterion_main!(execution);
