//! Benchmarks of the embeddable service: how long StartAutomationExecution
//! takes, and how much memory a Waiting execution holds, with 100,000
//! executions of a 10-step runbook (an `aws:approve` first, so each stays
//! Waiting) in one `Service`.
//!
//! Memory is read from `/proc/self/status` (`VmRSS`) before and after the
//! starts, in a fresh child process of this same benchmark binary per
//! measurement so that earlier allocations do not blur the figure (the
//! workspace forbids `unsafe`, which a counting global allocator needs).
//! Criterion then times batches of 1,000 starts into an empty service.
//!
//! `SSM_SERVICE_BENCH_STEPS=10 target/release/deps/service-<hash>` runs
//! the measurement alone; `SSM_SERVICE_BENCH_SKIP_100K=1` skips it.
#![allow(missing_docs)] // criterion's macros generate undocumented functions

use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use ssm_runbook_engine::clock::SimTime;
use ssm_runbook_engine::execution::{Execution, StepExecution};
use ssm_runbook_engine::service::documents::CreateDocumentRequest;
use ssm_runbook_engine::service::executions::StartAutomationExecutionRequest;
use ssm_runbook_engine::service::{Service, ServiceConfig};
use std::hint::black_box;
use std::time::Instant;

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const BOB: &str = "arn:aws:iam::123456789012:user/bob";
const NOW: SimTime = SimTime(1_700_000_000_000);
const EXECUTIONS: usize = 100_000;
/// Overrides [`EXECUTIONS`] in a measurement child (for a quicker estimate).
const COUNT_ENV: &str = "SSM_SERVICE_BENCH_COUNT";
/// Set in the child processes that take one memory measurement.
const CHILD_ENV: &str = "SSM_SERVICE_BENCH_STEPS";
/// Set to skip the 100,000-execution measurement (under a second of starts,
/// in a child process) and run only criterion's
/// small batches.
const SKIP_ENV: &str = "SSM_SERVICE_BENCH_SKIP_100K";

/// An approval, then `steps - 1` API calls.
fn runbook(steps: usize) -> String {
    let mut s = format!(
        "schemaVersion: '0.3'\nmainSteps:\n  - name: Approve\n    action: aws:approve\n    inputs: {{Approvers: ['{ALICE}']}}\n"
    );
    for i in 1..steps {
        s.push_str(&format!("  - name: Step{i}\n    action: aws:executeAwsApi\n    inputs: {{Service: ec2, Api: DescribeInstances}}\n"));
    }
    s
}

fn service(steps: usize, limit: usize) -> Service {
    let mut svc = Service::new(ServiceConfig {
        max_concurrent_executions: limit,
        ..ServiceConfig::default()
    });
    svc.create_document(
        CreateDocumentRequest {
            name: "Deploy".into(),
            content: runbook(steps),
            document_type: Some("Automation".into()),
            document_format: Some("YAML".into()),
            ..Default::default()
        },
        NOW,
    )
    .expect("the benchmark runbook is valid");
    svc
}

fn start(svc: &mut Service) -> String {
    svc.start_automation_execution(
        StartAutomationExecutionRequest {
            document_name: "Deploy".into(),
            ..Default::default()
        },
        BOB,
        NOW,
    )
    .expect("started")
    .automation_execution_id
}

/// A line of `/proc/self/status` in bytes (`VmRSS`, `VmHWM`), if readable.
fn status_kib(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// In a child process: start `EXECUTIONS` executions (or
/// `SSM_SERVICE_BENCH_COUNT`) of a `steps`-step runbook and print `RESULT
/// steps bytes_per_execution ns_first_1000 ns_last_1000 total_seconds
/// peak_bytes count`.
fn measure(steps: usize) {
    let n = std::env::var(COUNT_ENV)
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|c| *c > 2000)
        .unwrap_or(EXECUTIONS);
    let mut svc = service(steps, n + 1);
    start(&mut svc); // Warm up: the first start allocates the tables.
    let before = status_kib("VmRSS:").unwrap_or(0);
    let t0 = Instant::now();
    let mut first = 0.0;
    let mut last_mark = t0;
    for i in 1..n {
        black_box(start(&mut svc));
        if i == 1000 {
            first = t0.elapsed().as_nanos() as f64 / 999.0;
        }
        if i == n - 1000 {
            last_mark = Instant::now();
        }
    }
    let last = last_mark.elapsed().as_nanos() as f64 / 1000.0;
    let total = t0.elapsed().as_secs_f64();
    let after = status_kib("VmRSS:").unwrap_or(0);
    let peak = status_kib("VmHWM:").unwrap_or(0);
    assert_eq!(svc.executions_in_flight(), n);
    let per = after.saturating_sub(before) as f64 / (n - 1) as f64;
    println!("RESULT {steps} {per:.0} {first:.0} {last:.0} {total:.3} {peak} {n}");
}

/// Run [`measure`] in a fresh process and show its figures.
fn report(steps: usize) {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            println!("SKIPPED: memory measurement ({e})");
            return;
        }
    };
    let out = std::process::Command::new(exe)
        .env(CHILD_ENV, steps.to_string())
        .output();
    let text = match out {
        Ok(o) => String::from_utf8_lossy(&o.stdout).into_owned(),
        Err(e) => {
            println!("SKIPPED: memory measurement ({e})");
            return;
        }
    };
    let Some(line) = text.lines().find(|l| l.starts_with("RESULT ")) else {
        println!("SKIPPED: memory measurement gave no result:\n{text}");
        return;
    };
    let f: Vec<&str> = line.split_whitespace().collect();
    println!(
        "service/{} executions of a {}-step runbook, all Waiting: {} bytes each (VmRSS delta); \
         start {} ns each for the first 1,000, {} ns each for the last 1,000; {} s in all; \
         peak RSS {} MiB",
        f.get(7).copied().unwrap_or("?"),
        f[1],
        f[2],
        f[3],
        f[4],
        f[5],
        f[6].parse::<u64>().unwrap_or(0) / (1024 * 1024)
    );
}

fn bench_start(c: &mut Criterion) {
    let mut group = c.benchmark_group("service");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1000));
    group.bench_function("start 1,000 Waiting executions of a 10-step runbook", |b| {
        b.iter_batched(
            || service(10, 2000),
            |mut svc| {
                for _ in 0..1000 {
                    black_box(start(&mut svc));
                }
                svc
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_start);

fn main() {
    if let Ok(steps) = std::env::var(CHILD_ENV) {
        measure(steps.parse().unwrap_or(10));
        return;
    }
    // `cargo test --benches` runs this binary without `--bench`: stay quick.
    if std::env::args().any(|a| a == "--bench") {
        println!(
            "size_of::<Execution>() = {} bytes, size_of::<StepExecution>() = {} bytes",
            std::mem::size_of::<Execution>(),
            std::mem::size_of::<StepExecution>()
        );
        if std::env::var_os(SKIP_ENV).is_some() {
            println!("SKIPPED: the 100,000-execution measurement ({SKIP_ENV} is set)");
        } else {
            report(10);
        }
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
