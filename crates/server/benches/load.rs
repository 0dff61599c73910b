//! Server load: requests per second and latency percentiles of
//! `GetAutomationExecution`, `DescribeAutomationExecutions` and
//! `SendAutomationSignal` over keep-alive HTTP/1.1 connections on loopback,
//! at several numbers of connections, in two ways:
//!
//! - **closed loop** (`LOAD_RATE=closed`, the default): each connection
//!   keeps one request in flight, sending the next as soon as the answer
//!   arrives. This gives the throughput; its latency is mostly queueing
//!   (mean latency ≈ connections / throughput once the server is busy).
//! - **open loop** (`LOAD_RATE=30000`, requests per second in total): the
//!   requests are scheduled at a constant offered rate spread over the
//!   connections (request `k` is due at `k / rate` seconds and goes to
//!   connection `k mod connections`), as wrk2 does, and each request's
//!   latency is counted from when it was *due*, not from when it was sent:
//!   a request held back because its connection was still waiting for a
//!   late answer is charged for the wait (no coordinated omission). A
//!   pacer thread releases the due requests (it sleeps with the operating
//!   system's fine timer, not tokio's 1 ms wheel, at least `LOAD_TICK_US`
//!   microseconds at a time, default 200, and releases every request due by
//!   then); "send lag" is how late a request left after it was due while
//!   its connection was free — the load generator's own lateness, which
//!   the latency includes. "p99 from sent" is the same requests' p99
//!   counted from when each left, as a generator without that correction
//!   would report it.
//!
//! Run: `cargo bench -p ssm-runbook-server --bench load` (release profile).
//! `LOAD_SECONDS` (default 3) sets how long each operation is measured at
//! each load, after `LOAD_WARMUP_MS` (default 500) of the same load that is
//! not measured; `LOAD_CONNECTIONS` (default `8,16,32,64`) the numbers of
//! connections to try, `LOAD_RATE` (default `closed`) a comma-separated
//! list of `closed` and offered rates (requests per second), `LOAD_OPS`
//! (default all) a comma-separated list of the operations to drive (`get`,
//! `describe`, `refused`, `accepted`), `LOAD_CLIENT_THREADS` (default 1: a
//! current-thread runtime) the load generator's threads,
//! `LOAD_SERVER_RUNTIME` (`current` or `multi:N`) a server runtime other
//! than `ssm-runbook serve`'s, for comparison, and `LOAD_STATE_DIR=DIR`
//! journals changes to `DIR` as `--state-dir` does. The server runs
//! in-process on the runtime `ssm-runbook serve` builds
//! ([`RuntimeConfig::SERVE`]); the client is a minimal HTTP/1.1 writer and
//! reader on a second runtime whose requests are built before the clock
//! starts, so both share the machine's cores; the process allocates with
//! mimalloc, as `ssm-runbook serve` does. "waited for a CPU" is how
//! long this process's threads were runnable but not running (Linux
//! `schedstat`), per second of the run. "CPU probe max ×" is how much
//! slower the virtual CPU itself ran at its slowest moment of the run (see
//! [`SpeedProbe`]): a figure well above 1 marks a run whose tail the
//! machine, not the server, made. This is a measurement, not a test: it
//! asserts nothing about time.

use ssm_runbook_server::journal::Journal;
use ssm_runbook_server::{
    Clock, RuntimeConfig, ServerConfig, ServerState, Service, ServiceConfig, SimTime, serve,
};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// The allocator of `ssm-runbook serve` (the binary's global allocator),
/// so the server measured here allocates as the one users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";

/// Approve (refused for the default principal), and an Interactive
/// step that may be started again and again.
const RUNBOOK: &str = "\
schemaVersion: '0.3'
mainSteps:
  - name: Approve
    action: aws:approve
    inputs:
      Approvers: ['arn:aws:iam::123456789012:user/alice']
  - name: Nap
    action: aws:sleep
    inputs:
      Duration: PT0S
";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The server's runtime: `ssm-runbook serve`'s unless `LOAD_SERVER_RUNTIME`
/// says `current` (one thread) or `multi:N` (N worker threads).
fn server_runtime() -> RuntimeConfig {
    match std::env::var("LOAD_SERVER_RUNTIME").ok().as_deref() {
        Some("current") => RuntimeConfig::CurrentThread,
        Some(other) => other
            .strip_prefix("multi:")
            .and_then(|n| n.parse().ok())
            .map_or(RuntimeConfig::SERVE, |worker_threads| {
                RuntimeConfig::MultiThread { worker_threads }
            }),
        None => RuntimeConfig::SERVE,
    }
}

/// Start the server on its own runtime; gives its address.
fn start_server() -> SocketAddr {
    let config = ServerConfig {
        clock: Clock::Virtual(SimTime(1_704_067_200_000)),
        principals: BTreeMap::from([("AKIAALICE".to_string(), ALICE.to_string())]),
        ..ServerConfig::default()
    };
    let mut service = Service::new(ServiceConfig::default());
    let state = match std::env::var_os("LOAD_STATE_DIR") {
        None => ServerState::new(service, config),
        Some(dir) => {
            let _ = std::fs::remove_dir_all(&dir);
            let (journal, _) = Journal::open(std::path::Path::new(&dir), &mut service)
                .unwrap_or_else(|e| panic!("{e}"));
            ServerState::new(service, config).with_journal(journal, None)
        }
    };
    let (tx, rx) = std::sync::mpsc::channel();
    // Named like the runtime's workers: a current-thread runtime runs on
    // this thread.
    let host = std::thread::Builder::new().name(SERVER_THREAD.into());
    let _ = host.spawn(move || {
        let runtime = server_runtime()
            .build(SERVER_THREAD)
            .expect("server runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("address"))
                .expect("send address");
            let _ = serve(listener, state).await;
        });
    });
    rx.recv().expect("the server starts")
}

/// One keep-alive connection with a reusable read buffer.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> Connection {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Connection {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        }
    }

    /// Send one request; gives the status and the body.
    async fn call(&mut self, request: &[u8]) -> (u16, Vec<u8>) {
        let (status, body) = self.exchange(request).await;
        (status, self.buffer[body].to_vec())
    }

    /// Send one request; gives the status and where the body is in the
    /// buffer.
    async fn exchange(&mut self, request: &[u8]) -> (u16, std::ops::Range<usize>) {
        self.stream.write_all(request).await.expect("write");
        self.buffer.clear();
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buffer[..end]).expect("an ASCII head");
                let status: u16 = head
                    .get(9..12)
                    .and_then(|s| s.parse().ok())
                    .expect("a status");
                let length: usize = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse().ok())
                    .expect("a content-length");
                let total = end + 4 + length;
                while self.buffer.len() < total {
                    self.read().await;
                }
                return (status, end + 4..total);
            }
            self.read().await;
        }
    }

    async fn read(&mut self) {
        self.buffer.reserve(16 * 1024);
        let n = self.stream.read_buf(&mut self.buffer).await.expect("read");
        assert!(n > 0, "the server closed the connection");
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn request(addr: SocketAddr, op: &str, body: &str, access_key: Option<&str>) -> Vec<u8> {
    let auth = access_key.map_or_else(String::new, |k| {
        format!("Authorization: AWS4-HMAC-SHA256 Credential={k}/20240101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=00\r\n")
    });
    format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AmazonSSM.{op}\r\n\
         Content-Type: application/x-amz-json-1.1\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The requests of one operation: connection `c` sends
/// `requests[(c + n) % len]` as its `n`-th.
type Requests = Arc<Vec<Vec<u8>>>;

/// What one run measured.
struct Measured {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies_us: Vec<u64>,
    /// Open loop: how late each request left after it was due while its
    /// connection was free (sorted, microseconds).
    lags_us: Vec<u64>,
    /// Open loop: each request's latency from when it was sent rather
    /// than due (sorted, microseconds): what a generator that does not
    /// correct for coordinated omission would report.
    services_us: Vec<u64>,
    /// Open loop: requests due before the end that were never sent (their
    /// connection was still waiting for an earlier answer).
    unsent: usize,
    /// What the CPU did during the run (Linux only).
    usage: Usage,
}

/// What the CPU did during a run.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    /// The share of the machine's CPU time that other processes used.
    others: Option<f64>,
    /// The server threads' CPU time, in clock ticks.
    server_ticks: Option<u64>,
    /// The load generator's CPU time (this process's other threads), in
    /// clock ticks.
    generator_ticks: Option<u64>,
    /// How long this process's threads (server, load generator, pacer)
    /// were runnable but waiting for a CPU, in nanoseconds.
    waited_ns: Option<u64>,
}

/// CPU time so far, in clock ticks: the whole machine's busy and total
/// time (`/proc/stat`), this process's (`/proc/self/stat`) and the server
/// runtime's threads' (named [`SERVER_THREAD`]).
#[derive(Debug, Clone, Copy)]
struct CpuTicks {
    busy: u64,
    total: u64,
    own: u64,
    server: u64,
    /// How long this process's threads were runnable but waiting for a
    /// CPU, in nanoseconds (`/proc/self/task/*/schedstat`).
    waited_ns: u64,
}

/// The name of the server runtime's threads, to tell their CPU time.
const SERVER_THREAD: &str = "load-server";

/// Microseconds of CPU time per clock tick (Linux's `USER_HZ` is 100).
const TICK_US: u64 = 10_000;

/// User and system time of a `/proc/.../stat` line, with its command name.
fn stat_times(stat: &str) -> Option<(&str, u64)> {
    let (head, rest) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1;
    // The fields after the command name (which may hold spaces).
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let time = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((name, time))
}

/// How long this process's threads have waited for a CPU while runnable,
/// in nanoseconds (the second field of each thread's `schedstat`).
fn threads_waited_ns() -> Option<u64> {
    let mut sum = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(stat) = std::fs::read_to_string(task.ok()?.path().join("schedstat")) else {
            continue;
        };
        sum += stat
            .split_whitespace()
            .nth(1)
            .and_then(|w| w.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Some(sum)
}

/// The CPU time of this process's threads named `name`.
fn threads_time(name: &str) -> Option<u64> {
    let mut sum = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(stat) = std::fs::read_to_string(task.ok()?.path().join("stat")) else {
            continue;
        };
        if let Some((n, t)) = stat_times(&stat)
            && n == name
        {
            sum += t;
        }
    }
    Some(sum)
}

impl CpuTicks {
    fn read() -> Option<CpuTicks> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let cpu: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal
        let total: u64 = cpu.iter().take(8).sum();
        let idle = cpu.get(3)? + cpu.get(4)?;
        let own = stat_times(&std::fs::read_to_string("/proc/self/stat").ok()?)?.1;
        Some(CpuTicks {
            busy: total - idle,
            total,
            own,
            server: threads_time(SERVER_THREAD)?,
            waited_ns: threads_waited_ns()?,
        })
    }

    /// The share of CPU time others used between `self` and `later`.
    fn others_until(self, later: CpuTicks) -> Option<f64> {
        let total = later.total.checked_sub(self.total)?;
        let busy = later.busy.checked_sub(self.busy)?;
        let own = later.own.checked_sub(self.own)?;
        (total > 0).then(|| busy.saturating_sub(own) as f64 / total as f64)
    }

    /// The server threads' CPU time between `self` and `later`.
    fn server_until(self, later: CpuTicks) -> Option<u64> {
        later.server.checked_sub(self.server)
    }
}

/// What the CPU did since `before`.
fn usage(before: Option<CpuTicks>) -> Usage {
    match before.zip(CpuTicks::read()) {
        Some((before, after)) => Usage {
            others: before.others_until(after),
            server_ticks: before.server_until(after),
            generator_ticks: (after.own.checked_sub(before.own))
                .zip(before.server_until(after))
                .map(|(own, server)| own.saturating_sub(server)),
            waited_ns: after.waited_ns.checked_sub(before.waited_ns),
        },
        None => Usage::default(),
    }
}

impl Measured {
    fn percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }

    fn others(&self) -> String {
        self.usage
            .others
            .map_or_else(|| "n/a".to_string(), |o| format!("{:.0} %", 100.0 * o))
    }

    /// The server threads' CPU time per request, in microseconds.
    fn server_us(&self) -> String {
        self.per_request_us(self.usage.server_ticks)
    }

    /// The load generator's CPU time per request, in microseconds.
    fn generator_us(&self) -> String {
        self.per_request_us(self.usage.generator_ticks)
    }

    /// CPU time in clock ticks per request, in microseconds.
    fn per_request_us(&self, ticks: Option<u64>) -> String {
        ticks.filter(|_| self.requests > 0).map_or_else(
            || "n/a".to_string(),
            |t| format!("{:.1}", (t * TICK_US) as f64 / self.requests as f64),
        )
    }

    /// How long this process's threads waited for a CPU, in milliseconds
    /// per second of the run.
    fn waited(&self) -> String {
        self.usage.waited_ns.map_or_else(
            || "n/a".to_string(),
            |ns| format!("{:.0}", ns as f64 / 1e6 / self.elapsed.as_secs_f64()),
        )
    }

    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// The `p` quantile of sorted microseconds, in milliseconds.
fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((sorted_us.len() as f64) * p).ceil() as usize;
    let i = rank.clamp(1, sorted_us.len()) - 1;
    sorted_us[i] as f64 / 1000.0
}

/// How long each run drives its load before it starts measuring
/// (`LOAD_WARMUP_MS`, default 500): the first requests on fresh connections
/// and fresh memory are not the steady state the percentiles describe.
fn warmup() -> Duration {
    Duration::from_millis(env_or("LOAD_WARMUP_MS", 500))
}

/// The CPU times at `when`, read on a thread of its own so that reading
/// `/proc` does not delay the load generator.
fn cpu_ticks_at(when: Instant) -> std::thread::JoinHandle<Option<CpuTicks>> {
    std::thread::spawn(move || {
        std::thread::sleep(when.saturating_duration_since(Instant::now()));
        CpuTicks::read()
    })
}

/// A probe of the virtual CPU's own speed. Every 10 ms a thread of its own
/// runs a fixed chain of integer multiplications (about 30 µs, nothing
/// read from memory, so neither caches nor other threads change its cost)
/// and times it in *its own CPU time* (`CLOCK_THREAD_CPUTIME_ID`), which
/// does not count the time the thread waits for a CPU. On a real core the
/// figure is constant; when it grows, the virtual CPU ran slower than it
/// did (its host took the core, or slowed it) while the guest still
/// charged the time to the running thread. A run's figure is its slowest
/// unit over the median unit of the whole process (1.0 = no slowdown).
/// It costs about 0.3 % of one core.
struct SpeedProbe {
    /// When each unit ended, and its CPU time in nanoseconds.
    samples: Mutex<Vec<(Instant, u64)>>,
}

impl SpeedProbe {
    /// Start the probe's thread; it stops when the probe is dropped (it
    /// holds only a weak reference).
    fn start() -> Arc<SpeedProbe> {
        let probe = Arc::new(SpeedProbe {
            samples: Mutex::new(Vec::new()),
        });
        let weak = Arc::downgrade(&probe);
        let _ = std::thread::Builder::new()
            .name("load-probe".into())
            .spawn(move || {
                loop {
                    let before = thread_cpu_ns();
                    std::hint::black_box(probe_unit());
                    let spent = thread_cpu_ns().saturating_sub(before);
                    let Some(running) = weak.upgrade() else {
                        return;
                    };
                    if let Ok(mut samples) = running.samples.lock() {
                        samples.push((Instant::now(), spent));
                    }
                    drop(running);
                    std::thread::sleep(Duration::from_millis(10));
                }
            });
        probe
    }

    /// The slowest unit that ended between `from` and `to`, over the
    /// median unit so far; `None` before any unit ended in the window.
    fn max_slowdown(&self, from: Instant, to: Instant) -> Option<f64> {
        let samples = self.samples.lock().ok()?;
        let mut all: Vec<u64> = samples.iter().map(|&(_, ns)| ns).collect();
        all.sort_unstable();
        let median = *all.get(all.len() / 2)?;
        let slowest = samples
            .iter()
            .filter(|&&(at, _)| at >= from && at <= to)
            .map(|&(_, ns)| ns)
            .max()?;
        Some(slowest as f64 / median.max(1) as f64)
    }
}

/// This thread's CPU time, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(t.tv_nsec).unwrap_or(0)
}

/// The probe's fixed work: a dependent chain of multiply-adds.
fn probe_unit() -> u64 {
    let mut x = 1u64;
    for i in 0..20_000u64 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(std::hint::black_box(i));
    }
    x
}

/// A slowdown figure for the tables.
fn slowdown(figure: Option<f64>) -> String {
    figure.map_or_else(|| "n/a".to_string(), |x| format!("{x:.1}"))
}

/// `connections` keep-alive connections to `addr`, opened one after another.
async fn open_connections(addr: SocketAddr, connections: usize) -> Vec<Connection> {
    let mut open = Vec::with_capacity(connections);
    for _ in 0..connections {
        open.push(Connection::open(addr).await);
    }
    open
}

/// Drive `connections` connections for `seconds`, each sending its
/// `requests` one at a time.
async fn drive(
    addr: SocketAddr,
    connections: usize,
    seconds: u64,
    expected_status: u16,
    requests: Requests,
) -> Measured {
    // Connect first, so the clock measures only requests.
    let open = open_connections(addr, connections).await;
    let measured = Instant::now() + warmup();
    let ticks = cpu_ticks_at(measured);
    let deadline = measured + Duration::from_secs(seconds);
    let tasks: Vec<_> = open
        .into_iter()
        .enumerate()
        .map(|(c, mut conn)| {
            let requests = Arc::clone(&requests);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(1 << 16);
                let mut errors = 0;
                let mut n = 0;
                while Instant::now() < deadline {
                    let req = &requests[(c + n) % requests.len()];
                    let t = Instant::now();
                    let (status, _) = conn.exchange(req).await;
                    n += 1;
                    if t < measured {
                        continue;
                    }
                    latencies.push(t.elapsed().as_micros() as u64);
                    if status != expected_status {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("a connection task");
        all.extend(l);
        errors += e;
    }
    let elapsed = measured.elapsed();
    let usage = usage(ticks.join().ok().flatten());
    all.sort_unstable();
    Measured {
        requests: all.len(),
        errors,
        elapsed,
        latencies_us: all,
        lags_us: Vec::new(),
        services_us: Vec::new(),
        unsent: 0,
        usage,
    }
}

/// When the requests of an open-loop run are due: request `k` (of all
/// connections) at `start + k * interval`, sent on connection
/// `k mod connections`.
struct Schedule {
    start: Instant,
    interval: Duration,
    connections: usize,
    end: Instant,
    /// The pacer's shortest sleep: it releases every request due by the
    /// time it wakes up.
    tick: Duration,
    /// Per connection: how many of its requests are due (released by the
    /// pacer), and the signal that more are.
    released: Vec<(AtomicU64, Notify)>,
}

impl Schedule {
    /// When request `j` of connection `c` is due.
    fn due(&self, c: usize, j: u64) -> Instant {
        let k = j * self.connections as u64 + c as u64;
        self.start + self.interval.mul_f64(k as f64)
    }

    /// How many of connection `c`'s requests are due once `due` requests
    /// of all connections are.
    fn due_of(&self, c: usize, due: u64) -> u64 {
        let (c, n) = (c as u64, self.connections as u64);
        if due <= c { 0 } else { (due - c).div_ceil(n) }
    }

    /// The pacer: until the end, release each request when it falls due
    /// (to the operating system's timer resolution), waking its
    /// connection; then release everything so the connections see the end.
    fn pace(&self) {
        let mut released = 0u64;
        loop {
            let now = Instant::now();
            if now >= self.end {
                break;
            }
            let elapsed = now.duration_since(self.start);
            let due = (elapsed.as_nanos() / self.interval.as_nanos().max(1)) as u64 + 1;
            if due > released {
                let n = self.connections as u64;
                let touched = (due - released).min(n);
                for i in 0..touched {
                    let c = ((released + i) % n) as usize;
                    let (count, notify) = &self.released[c];
                    count.store(self.due_of(c, due), Ordering::Release);
                    notify.notify_one();
                }
                released = due;
            }
            let next = self.start + self.interval.mul_f64(released as f64);
            let next = next.max(now + self.tick);
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        }
        for (count, notify) in &self.released {
            count.store(u64::MAX, Ordering::Release);
            notify.notify_one();
        }
    }
}

/// Drive `connections` connections for `seconds` at `rate` requests per
/// second in total (open loop; see the module comment).
async fn drive_open(
    addr: SocketAddr,
    connections: usize,
    seconds: u64,
    rate: u64,
    expected_status: u16,
    requests: Requests,
) -> Measured {
    let open = open_connections(addr, connections).await;
    let start = Instant::now();
    let measured = start + warmup();
    let ticks = cpu_ticks_at(measured);
    let schedule = Arc::new(Schedule {
        start,
        interval: Duration::from_secs(1) / u32::try_from(rate.max(1)).unwrap_or(u32::MAX),
        connections,
        end: measured + Duration::from_secs(seconds),
        tick: Duration::from_micros(env_or("LOAD_TICK_US", 200)),
        released: (0..connections)
            .map(|_| (AtomicU64::new(0), Notify::new()))
            .collect(),
    });
    // The pacer stays alive until the CPU times are read, so that its
    // time waiting for a CPU is counted.
    let (read, wait_for_read) = std::sync::mpsc::channel::<()>();
    let pacer = {
        let schedule = Arc::clone(&schedule);
        std::thread::spawn(move || {
            schedule.pace();
            let _ = wait_for_read.recv();
        })
    };
    let tasks: Vec<_> = open
        .into_iter()
        .enumerate()
        .map(|(c, mut conn)| {
            let requests = Arc::clone(&requests);
            let schedule = Arc::clone(&schedule);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(1 << 16);
                let mut lags = Vec::with_capacity(1 << 16);
                let mut services = Vec::with_capacity(1 << 16);
                let mut errors = 0;
                let mut answered = start;
                let mut j = 0u64;
                let (count, notify) = &schedule.released[c];
                loop {
                    while count.load(Ordering::Acquire) <= j {
                        notify.notified().await;
                    }
                    let due = schedule.due(c, j);
                    if due >= schedule.end {
                        break;
                    }
                    let sent = Instant::now();
                    let counted = due >= measured;
                    if answered <= due && counted {
                        lags.push(sent.duration_since(due).as_micros() as u64);
                    }
                    let req = &requests[(c + j as usize) % requests.len()];
                    let (status, _) = conn.exchange(req).await;
                    answered = Instant::now();
                    j += 1;
                    if !counted {
                        continue;
                    }
                    latencies.push(answered.duration_since(due).as_micros() as u64);
                    services.push(answered.duration_since(sent).as_micros() as u64);
                    if status != expected_status {
                        errors += 1;
                    }
                    if answered >= schedule.end {
                        break;
                    }
                }
                let unsent = schedule.due_of(c, due_before(&schedule)) - j;
                (latencies, lags, services, errors, unsent)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut all_lags = Vec::new();
    let mut all_services = Vec::new();
    let mut errors = 0;
    let mut unsent = 0;
    for t in tasks {
        let (l, g, v, e, u) = t.await.expect("a connection task");
        all.extend(l);
        all_lags.extend(g);
        all_services.extend(v);
        errors += e;
        unsent += u;
    }
    let elapsed = measured.elapsed();
    let usage = usage(ticks.join().ok().flatten());
    drop(read);
    let _ = pacer.join();
    all.sort_unstable();
    all_lags.sort_unstable();
    all_services.sort_unstable();
    Measured {
        requests: all.len(),
        errors,
        elapsed,
        latencies_us: all,
        lags_us: all_lags,
        services_us: all_services,
        unsent: usize::try_from(unsent).unwrap_or(usize::MAX),
        usage,
    }
}

/// How many requests of all connections fall due before the end.
fn due_before(schedule: &Schedule) -> u64 {
    let span = schedule.end.duration_since(schedule.start);
    span.as_nanos()
        .div_ceil(schedule.interval.as_nanos().max(1)) as u64
}

/// Start `count` executions of `Deploy` in `mode`; gives their ids.
async fn start_ids(
    setup: &mut Connection,
    addr: SocketAddr,
    mode: &str,
    count: usize,
) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..count {
        let body = format!(r#"{{"DocumentName":"Deploy","Mode":"{mode}"}}"#);
        let (status, out) = setup
            .call(&request(addr, "StartAutomationExecution", &body, None))
            .await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&out));
        let out: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        ids.push(
            out["AutomationExecutionId"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    ids
}

/// A comma-separated list of numbers from `name`, or `default`.
fn list_or(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect::<Vec<usize>>()
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the arguments.
    let seconds = env_or("LOAD_SECONDS", 3);
    let loads = list_or("LOAD_CONNECTIONS", &[8, 16, 32, 64]);
    let ops = std::env::var("LOAD_OPS").unwrap_or_else(|_| "get,describe,refused,accepted".into());
    let ops: Vec<String> = ops
        .split(',')
        .map(|o| o.trim().to_ascii_lowercase())
        .collect();
    // `None`: the closed loop; a number: the open loop at that rate.
    let rates: Vec<Option<u64>> = std::env::var("LOAD_RATE")
        .unwrap_or_else(|_| "closed".into())
        .split(',')
        .filter_map(|r| match r.trim() {
            "closed" => Some(None),
            r => r.parse().ok().filter(|&r| r > 0).map(Some),
        })
        .collect();
    let server = server_runtime();
    let client_threads = env_or("LOAD_CLIENT_THREADS", 1);
    let addr = start_server();
    let probe = SpeedProbe::start();
    let runtime = match client_threads {
        1 => RuntimeConfig::CurrentThread,
        n => RuntimeConfig::MultiThread {
            worker_threads: n as usize,
        },
    }
    .build("load-client")
    .expect("client runtime");
    runtime.block_on(async move {
        // Setup: the document, 64 Auto executions waiting for approval and
        // 32 Interactive ones.
        let mut setup = Connection::open(addr).await;
        let create = serde_json::json!({
            "Content": RUNBOOK, "Name": "Deploy",
            "DocumentType": "Automation", "DocumentFormat": "YAML",
        })
        .to_string();
        let (status, body) = setup.call(&request(addr, "CreateDocument", &create, None)).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let auto = start_ids(&mut setup, addr, "Auto", 64).await;
        let mut interactive = start_ids(&mut setup, addr, "Interactive", 32).await;
        let each = |ids: &[String], op: &str, body: &dyn Fn(&str) -> String, key: Option<&str>| -> Requests {
            Arc::new(ids.iter().map(|id| request(addr, op, &body(id), key)).collect())
        };
        let start_step = |id: &str| {
            format!(r#"{{"AutomationExecutionId":"{id}","SignalType":"StartStep","Payload":{{"StepName":["Nap"]}}}}"#)
        };

        let runs: Vec<(&str, &str, u16, Requests)> = vec![
            ("get", "GetAutomationExecution", 200,
                each(&auto, "GetAutomationExecution", &|id| format!(r#"{{"AutomationExecutionId":"{id}"}}"#), None)),
            ("describe", "DescribeAutomationExecutions (MaxResults 10)", 200,
                Arc::new(vec![request(addr, "DescribeAutomationExecutions", r#"{"MaxResults":10}"#, None)])),
            ("refused", "SendAutomationSignal (refused: not an approver)", 400,
                each(&auto, "SendAutomationSignal", &|id| format!(r#"{{"AutomationExecutionId":"{id}","SignalType":"Approve"}}"#), None)),
            ("accepted", "SendAutomationSignal (accepted: Interactive StartStep)", 200,
                each(&interactive, "SendAutomationSignal", &start_step, Some("AKIAALICE"))),
        ];
        println!(
            "{seconds} s per operation and load; server runtime {server:?}, load generator {client_threads} threads"
        );
        // "other CPU": the share of the machine's CPU time that other
        // processes took during the run; the load generator and the server
        // are this process.
        let mut accepted_runs = 0;
        for rate in &rates {
            match rate {
                None => {
                    println!("\nClosed loop (one request in flight per connection):\n");
                    println!("| operation | connections | requests | req/s | p50 ms | p99 ms | unexpected status | server CPU µs/req | generator CPU µs/req | waited for a CPU ms/s | other CPU | CPU probe max × |");
                    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                }
                Some(rate) => {
                    println!("\nOpen loop, {rate} req/s offered (latency from when each request was due):\n");
                    println!("| operation | connections | req/s | p50 ms | p99 ms | p99.9 ms | max ms | send lag p99 ms | p99 from sent ms | unsent | unexpected status | server CPU µs/req | generator CPU µs/req | waited for a CPU ms/s | other CPU | CPU probe max × |");
                    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                }
            }
            for (key, name, expected, requests) in &runs {
                if !ops.iter().any(|o| o == key) {
                    continue;
                }
                for &connections in &loads {
                    let mut requests = Arc::clone(requests);
                    if *key == "accepted" {
                        accepted_runs += 1;
                    }
                    if *key == "accepted" && accepted_runs > 1 {
                        // An execution starts at most 10,000 steps: each run
                        // gets 32 fresh Interactive executions. (A new
                        // connection: the server closes one idle for 30 s.)
                        let mut setup = Connection::open(addr).await;
                        for id in &interactive {
                            let stop = format!(r#"{{"AutomationExecutionId":"{id}"}}"#);
                            let (status, out) = setup
                                .call(&request(addr, "StopAutomationExecution", &stop, None))
                                .await;
                            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&out));
                        }
                        interactive = start_ids(&mut setup, addr, "Interactive", 32).await;
                        requests = each(&interactive, "SendAutomationSignal", &start_step, Some("AKIAALICE"));
                    }
                    // The measured window: after the warm-up, to the end.
                    let from = Instant::now() + warmup();
                    match rate {
                        None => {
                            let m = drive(addr, connections, seconds, *expected, requests).await;
                            println!(
                                "| {name} | {connections} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {} | {} | {} |",
                                m.requests,
                                m.rate(),
                                m.percentile_ms(0.50),
                                m.percentile_ms(0.99),
                                m.errors,
                                m.server_us(),
                                m.generator_us(),
                                m.waited(),
                                m.others(),
                                slowdown(probe.max_slowdown(from, Instant::now())),
                            );
                        }
                        Some(rate) => {
                            let m = drive_open(addr, connections, seconds, *rate, *expected, requests)
                                .await;
                            println!(
                                "| {name} | {connections} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {} | {} | {} | {} |",
                                m.rate(),
                                m.percentile_ms(0.50),
                                m.percentile_ms(0.99),
                                m.percentile_ms(0.999),
                                m.percentile_ms(1.0),
                                percentile_ms(&m.lags_us, 0.99),
                                percentile_ms(&m.services_us, 0.99),
                                m.unsent,
                                m.errors,
                                m.server_us(),
                                m.generator_us(),
                                m.waited(),
                                m.others(),
                                slowdown(probe.max_slowdown(from, Instant::now())),
                            );
                        }
                    }
                }
            }
        }
    });
}
