//! The HTTP transport: an axum server that moves bytes between AWS SDK
//! clients and [`handle`].
//!
//! Use this module to run the emulator as a process that boto3, the AWS CLI
//! or aws-sdk-ssm can be pointed at (`endpoint_url`). It owns what [`handle`]
//! must not do: reading the system clock (only with [`Clock::Wall`]),
//! locking the shared [`Service`], reading bodies under a size limit and a
//! time limit, mapping the SigV4 access key id to a principal, and the
//! response headers (`Content-Type`, `x-amzn-RequestId`, `X-Amzn-ErrorType`).
//!
//! Routes:
//!
//! - `POST /`: one SSM operation, named by `X-Amz-Target`.
//! - `GET /_ssm-runbook/clock`: the server's time, `{"now": <epoch seconds>}`.
//! - `POST /_ssm-runbook/clock` with `{"advance": "PT1H"}` or
//!   `{"set": "2024-01-01T00:00:00Z"}`: move a [`Clock::Virtual`] forward
//!   (never backward) and fire every timer due by then.
//! - anything else: 404 with a JSON error envelope.
//!
//! Signatures are never verified. The access key id is read leniently from
//! `Authorization: AWS4-HMAC-SHA256 Credential=<AKID>/...`; an unsigned
//! request or an unmapped key acts as [`ServerConfig::default_principal`].
//!
//! The service lock is held only while the operation runs against the
//! service (synchronously), never across an `await`, so a slow client holds
//! only its own connection. Bodies are parsed and decoded before the lock is
//! taken, and a cached GetAutomationExecution body is sent without copying.
//!
//! With a [`Journal`] ([`ServerState::with_journal`]), every input that
//! changed the service (a successful mutating request, a clock move, timers
//! firing) is written to it under the service lock and made durable before
//! any answer that could reveal it is sent.

use crate::journal::{Entry, Journal, JournalError};
use crate::timer::ConnectionTimer;
use crate::{MAX_BODY_BYTES, Payload, Prepared, Service, SimTime, execute, is_mutating, prepare};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{get, post};
use http_body_util::BodyExt as _;
use serde_json::{Map, Value, json};
use ssm_runbook_engine::clock::DurationMs;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::Duration;

/// The path of the clock endpoint.
pub const CLOCK_PATH: &str = "/_ssm-runbook/clock";

/// The content type of every answer (AWS JSON 1.1).
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The principal of unsigned requests and unmapped access keys when none is
/// configured.
pub const DEFAULT_PRINCIPAL: &str = "arn:aws:iam::123456789012:user/ssm-runbook";

/// The largest clock request body, in bytes.
const MAX_CLOCK_BODY_BYTES: usize = 4096;

/// The longest wait between two ticks of the wall-clock ticker.
const MAX_TICK_WAIT_MS: i64 = 1000;

/// The shortest wait between two ticks, so a deadline that does not move
/// cannot make the ticker spin.
const MIN_TICK_WAIT_MS: i64 = 10;

/// Where the server's "now" comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock; a background task fires timers as they fall due.
    Wall,
    /// A virtual clock starting at this instant; it moves only through
    /// `POST /_ssm-runbook/clock`.
    Virtual(SimTime),
}

/// How the HTTP server is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The clock.
    pub clock: Clock,
    /// Access key id → principal ARN.
    pub principals: BTreeMap<String, String>,
    /// The principal of unsigned requests and unmapped access keys.
    pub default_principal: String,
    /// The longest time a request body may take to arrive, in milliseconds;
    /// slower requests are answered with 408.
    pub request_timeout_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            clock: Clock::Wall,
            principals: BTreeMap::new(),
            default_principal: DEFAULT_PRINCIPAL.into(),
            request_timeout_ms: 30_000,
        }
    }
}

/// The state every request shares; cheap to clone (one reference count).
#[derive(Debug, Clone)]
pub struct ServerState {
    shared: Arc<Shared>,
}

/// What [`ServerState`] points to.
#[derive(Debug)]
struct Shared {
    service: Arc<Mutex<Service>>,
    /// The virtual clock's instant, or with [`Clock::Wall`] the latest
    /// instant handed out (milliseconds since the epoch). Moved only under
    /// the service lock, except that the wall clock may move it forward
    /// from anywhere.
    now: AtomicI64,
    config: ServerConfig,
    requests: AtomicU64,
    journal: Option<Arc<Journal>>,
}

impl ServerState {
    /// State serving `service` as `config` says.
    pub fn new(service: Service, config: ServerConfig) -> ServerState {
        let start = match config.clock {
            Clock::Wall => SimTime(0),
            Clock::Virtual(t) => t,
        };
        ServerState {
            shared: Arc::new(Shared {
                service: Arc::new(Mutex::new(service)),
                now: AtomicI64::new(start.0),
                config,
                requests: AtomicU64::new(0),
                journal: None,
            }),
        }
    }

    /// The same state, journalling every input that changes the service to
    /// `journal`. `last_now` is the instant of the last replayed entry: the
    /// clock resumes from there (the virtual clock) or never goes below it
    /// (the wall clock). The service is shared with `self`; the clock and
    /// the request counter are copied.
    pub fn with_journal(self, journal: Journal, last_now: Option<SimTime>) -> ServerState {
        let now = self.shared.now.load(Ordering::SeqCst);
        let now = last_now.map_or(now, |t| now.max(t.0));
        ServerState {
            shared: Arc::new(Shared {
                service: Arc::clone(&self.shared.service),
                now: AtomicI64::new(now),
                config: self.shared.config.clone(),
                requests: AtomicU64::new(self.shared.requests.load(Ordering::Relaxed)),
                journal: Some(Arc::new(journal)),
            }),
        }
    }

    /// Handle one request as `POST /` does — journalled and durable, when
    /// there is a journal, before this returns — from synchronous code
    /// (preloading documents). Blocks on `fsync`; do not call it from an
    /// async task.
    pub fn submit(&self, target: &str, body: &[u8], principal: &str) -> crate::Response {
        let (answer, seq) = self.apply(target, body, prepare(target, body), principal);
        let answer = match (seq, &self.shared.journal) {
            (Some(seq), Some(journal)) => match journal.sync(seq) {
                Ok(()) => answer,
                Err(e) => journal_failure(&e),
            },
            _ => answer,
        };
        let (status, body, error_type) = answer;
        crate::Response {
            status,
            body: body.into_string(),
            error_type,
        }
    }

    /// Run a prepared request (`call`, from `target` and `body`) under the
    /// service lock and journal what changed; gives the answer and the
    /// journal sequence number to wait for (if any).
    fn apply(
        &self,
        target: &str,
        body: &[u8],
        call: Prepared,
        principal: &str,
    ) -> (Answer, Option<u64>) {
        // The time is read under the service lock, so requests reach the
        // service in time order.
        let mut service = lock(&self.shared.service);
        let now = self.now();
        let Some(journal) = &self.shared.journal else {
            return (
                execute(&mut service, call, principal, now).into_parts(),
                None,
            );
        };
        let mut seq = None;
        if service.is_due(now) {
            // Fire due timers here rather than in `execute`, which would not
            // for a request it refuses early: the journal must say exactly
            // when they fired.
            service.tick(now);
            match journal.append(&Entry::Tick { now }) {
                Ok(n) => seq = Some(n),
                Err(e) => return (journal_failure(&e), None),
            }
        }
        let outcome = execute(&mut service, call, principal, now);
        // Only successful mutating requests change the service (refusals
        // change nothing), and a body the service accepted was JSON, so UTF-8.
        if outcome.is_ok()
            && is_mutating(target)
            && let Ok(text) = std::str::from_utf8(body)
        {
            let entry = Entry::Request {
                now,
                principal: principal.to_owned(),
                target: target.to_owned(),
                body: text.to_owned(),
            };
            match journal.append(&entry) {
                Ok(n) => seq = Some(n),
                Err(e) => return (journal_failure(&e), None),
            }
        }
        drop(service);
        // Reads wait for every line written before them, so they never
        // reveal a change that is not durable yet.
        let seq = seq.unwrap_or_else(|| journal.written());
        (outcome.into_parts(), Some(seq))
    }

    /// The shared service (for inspection). Changes made through it
    /// bypass the journal; make them with [`ServerState::submit`].
    pub fn service(&self) -> Arc<Mutex<Service>> {
        Arc::clone(&self.shared.service)
    }

    /// The server's current time.
    ///
    /// With [`Clock::Wall`] it never goes backward, even if the system
    /// clock does.
    pub fn now(&self) -> SimTime {
        match self.shared.config.clock {
            Clock::Wall => {
                let wall = wall_now().0;
                SimTime(self.shared.now.fetch_max(wall, Ordering::SeqCst).max(wall))
            }
            Clock::Virtual(_) => SimTime(self.shared.now.load(Ordering::SeqCst)),
        }
    }

    /// The principal for an `Authorization` header value (or its absence).
    pub fn principal(&self, authorization: Option<&str>) -> String {
        self.principal_of(authorization).to_owned()
    }

    fn principal_of(&self, authorization: Option<&str>) -> &str {
        authorization
            .and_then(access_key_id)
            .and_then(|akid| self.shared.config.principals.get(akid))
            .unwrap_or(&self.shared.config.default_principal)
    }

    /// Wait until journal line `seq` is durable (at once when it is).
    async fn durable(&self, seq: Option<u64>) -> Result<(), JournalError> {
        let (Some(seq), Some(journal)) = (seq, &self.shared.journal) else {
            return Ok(());
        };
        if journal.is_synced(seq) {
            return Ok(());
        }
        let journal = Arc::clone(journal);
        match tokio::task::spawn_blocking(move || journal.sync(seq)).await {
            Ok(result) => result,
            // The blocking pool is shutting down: sync on this thread.
            Err(_) => self.shared.journal.as_ref().map_or(Ok(()), |j| j.sync(seq)),
        }
    }

    /// The next `x-amzn-RequestId`: `00000000-0000-4000-8000-` and the
    /// request number in 12 hex digits.
    fn next_request_id(&self) -> HeaderValue {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = self.shared.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let mut id = *b"00000000-0000-4000-8000-000000000000";
        for (i, byte) in id[24..].iter_mut().enumerate() {
            let shift = 4 * (11 - i);
            *byte = HEX[usize::try_from((n >> shift) & 0xf).unwrap_or(0)];
        }
        HeaderValue::from_bytes(&id).unwrap_or_else(|_| HeaderValue::from_static("0"))
    }
}

/// A status, a body and the error's `__type` (not on success).
type Answer = (u16, Payload, Option<&'static str>);

/// The answer when the journal cannot take an input: the change was made in
/// memory but cannot be made durable, so it is not acknowledged.
fn journal_failure(e: &JournalError) -> Answer {
    let name = "InternalServerError";
    let body =
        json!({"__type": name, "Message": format!("The change could not be made durable: {e}")});
    (500, Payload::Owned(body.to_string()), Some(name))
}

/// The system clock as a [`SimTime`] (milliseconds since the epoch; 0 if the
/// system clock is before 1970).
pub fn wall_now() -> SimTime {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    SimTime(ms)
}

/// Lock a mutex, recovering from poisoning (the data stays consistent:
/// [`handle`] never panics, and nothing else mutates under the lock).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The access key id of a SigV4 `Authorization` header, read leniently:
/// the text after `Credential=` up to the first `/`, `,` or space.
///
/// ```
/// use ssm_runbook_server::http::access_key_id;
/// let h = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=00";
/// assert_eq!(access_key_id(h), Some("AKIDEXAMPLE"));
/// assert_eq!(access_key_id("Bearer x"), None);
/// ```
pub fn access_key_id(authorization: &str) -> Option<&str> {
    let (_, rest) = authorization.split_once("Credential=")?;
    let end = rest.find(['/', ',', ' ']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|akid| !akid.is_empty())
}

/// The router of the server, without the wall-clock ticker (for embedding).
pub fn router(state: ServerState) -> Router {
    Router::new()
        .route("/", post(operation).fallback(not_found))
        .route(
            CLOCK_PATH,
            get(clock_get).post(clock_post).fallback(not_found),
        )
        .fallback(not_found)
        .with_state(state)
}

/// Serve on `listener` forever (see [`serve_with_shutdown`]).
pub async fn serve(listener: tokio::net::TcpListener, state: ServerState) -> std::io::Result<()> {
    serve_with_shutdown(listener, state, std::future::pending()).await
}

/// Serve on `listener` until `shutdown` completes, then finish the requests
/// in flight (waiting at most [`ServerConfig::request_timeout_ms`]). With
/// [`Clock::Wall`], a background task fires timers as they fall due (at the
/// latest every second) while the server runs.
///
/// Each connection must send a request's headers within the request
/// timeout too, so an idle or slow client holds only its own connection,
/// and only for that long.
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    state: ServerState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timeout = Duration::from_millis(state.shared.config.request_timeout_ms);
    let _ticker = AbortOnDrop(match state.shared.config.clock {
        Clock::Wall => Some(tokio::spawn(tick_wall_clock(state.clone()))),
        Clock::Virtual(_) => None,
    });
    let app = router(state.clone());
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1.header_read_timeout(timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Small answers go out at once.
                    let _ = stream.set_nodelay(true);
                    stream
                }
                // Out of file descriptors or a connection reset before
                // accept: wait a little and go on, as axum::serve does.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let service = Connection {
            state: state.clone(),
            router: hyper_util::service::TowerToHyperService::new(app.clone()),
        };
        // Each connection its own header-read timer, reused for every head.
        let connection = http1
            .timer(ConnectionTimer::default())
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection's own failure (a reset, a timeout) concerns
            // only that connection.
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(timeout, graceful.shutdown()).await;
    Ok(())
}

/// The service of one connection: `POST /` goes straight to the operation
/// handler, everything else through the [`router`] (the same answers, without
/// routing and tower layers on the path every SDK request takes).
#[derive(Clone)]
struct Connection {
    state: ServerState,
    router: hyper_util::service::TowerToHyperService<Router>,
}

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for Connection {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<Response, std::convert::Infallible>> + Send>>;

    fn call(&self, request: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        if request.method() == Method::POST && request.uri().path() == "/" {
            let state = self.state.clone();
            Box::pin(async move { Ok(answer_operation(&state, request).await) })
        } else {
            Box::pin(self.router.call(request))
        }
    }
}

/// Stops a background task when the server stops, or its future is dropped.
struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// Fire timers at the service's next deadline, waiting at most a second.
async fn tick_wall_clock(state: ServerState) {
    loop {
        let (wait_ms, seq) = {
            let mut service = lock(&state.shared.service);
            let now = state.now();
            let due = service.is_due(now);
            service.tick(now);
            let seq = match &state.shared.journal {
                Some(journal) if due => journal.append(&Entry::Tick { now }).ok(),
                _ => None,
            };
            let wait_ms = service.next_deadline().map_or(MAX_TICK_WAIT_MS, |d| {
                d.0.saturating_sub(now.0)
                    .clamp(MIN_TICK_WAIT_MS, MAX_TICK_WAIT_MS)
            });
            (wait_ms, seq)
        };
        // A failed journal makes every later request fail; nothing to do here.
        let _ = state.durable(seq).await;
        tokio::time::sleep(Duration::from_millis(wait_ms.unsigned_abs())).await;
    }
}

/// Why a body could not be read.
enum BodyError {
    TooLarge,
    TimedOut,
    Broken(String),
}

/// Read a body of at most `limit` bytes within the configured timeout.
async fn read_body<B>(state: &ServerState, body: B, limit: usize) -> Result<Bytes, BodyError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let mut collect = std::pin::pin!(collect_limited(body, limit));
    // A body that has arrived is read without making a timer.
    let first = std::future::poll_fn(|cx| Poll::Ready(collect.as_mut().poll(cx))).await;
    if let Poll::Ready(read) = first {
        return read;
    }
    let timeout = Duration::from_millis(state.shared.config.request_timeout_ms);
    tokio::time::timeout(timeout, collect)
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

/// The body's bytes; a body that arrives in one piece is not copied.
async fn collect_limited<B>(mut body: B, limit: usize) -> Result<Bytes, BodyError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let mut first = Bytes::new();
    let mut more: Vec<u8> = Vec::new();
    let mut length = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Broken(e.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        length = length.saturating_add(data.len());
        if length > limit {
            return Err(BodyError::TooLarge);
        }
        if first.is_empty() && more.is_empty() {
            first = data;
        } else {
            if more.is_empty() {
                more.extend_from_slice(&first);
            }
            more.extend_from_slice(&data);
        }
    }
    Ok(if more.is_empty() {
        first
    } else {
        Bytes::from(more)
    })
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn body_error(state: &ServerState, e: BodyError, limit: usize) -> Response {
    match e {
        BodyError::TooLarge => error(
            state,
            400,
            "ValidationException",
            &format!(
                "1 validation error detected: the request body exceeds the maximum size of {limit} bytes"
            ),
        ),
        BodyError::TimedOut => error(
            state,
            408,
            "RequestTimeoutException",
            &format!(
                "The request body did not arrive within {} ms",
                state.shared.config.request_timeout_ms
            ),
        ),
        BodyError::Broken(why) => error(
            state,
            400,
            crate::SERIALIZATION,
            &format!("The request body could not be read: {why}"),
        ),
    }
}

/// `POST /`: one SSM operation.
async fn operation(State(state): State<ServerState>, request: Request) -> Response {
    answer_operation(&state, request).await
}

/// One SSM operation, whatever the body type (axum's, or hyper's own on
/// the direct path).
async fn answer_operation<B>(state: &ServerState, request: hyper::Request<B>) -> Response
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    if declared_length(headers).is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return body_error(state, BodyError::TooLarge, MAX_BODY_BYTES);
    }
    let bytes = match read_body(state, body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => return body_error(state, e, MAX_BODY_BYTES),
    };
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let target = text("x-amz-target").unwrap_or_default();
    let principal = state.principal_of(text("authorization"));
    // Parsing and decoding need no lock.
    let call = prepare(target, &bytes);
    let (mut answer, seq) = state.apply(target, &bytes, call, principal);
    if let Err(e) = state.durable(seq).await {
        answer = journal_failure(&e);
    }
    let (status, body, error_type) = answer;
    respond(state, status, error_type, body)
}

/// `GET /_ssm-runbook/clock`.
async fn clock_get(State(state): State<ServerState>) -> Response {
    clock_answer(&state)
}

/// `POST /_ssm-runbook/clock`: `{"advance": DURATION}` or `{"set": TIME}`.
async fn clock_post(State(state): State<ServerState>, headers: HeaderMap, body: Body) -> Response {
    if state.shared.config.clock == Clock::Wall {
        return error(
            &state,
            400,
            "ValidationException",
            "The server follows the wall clock; start it with --clock virtual to move time",
        );
    }
    if declared_length(&headers).is_some_and(|n| n > MAX_CLOCK_BODY_BYTES as u64) {
        return body_error(&state, BodyError::TooLarge, MAX_CLOCK_BODY_BYTES);
    }
    let bytes = match read_body(&state, body, MAX_CLOCK_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => return body_error(&state, e, MAX_CLOCK_BODY_BYTES),
    };
    let moved = {
        // Lock order everywhere: service, then clock; so a request never
        // sees the new time before its timers fired.
        let mut service = lock(&state.shared.service);
        let now = SimTime(state.shared.now.load(Ordering::SeqCst));
        clock_target(&bytes, now).map(|t| {
            state.shared.now.store(t.0, Ordering::SeqCst);
            service.tick(t);
            state
                .shared
                .journal
                .as_ref()
                .map(|journal| journal.append(&Entry::Tick { now: t }))
        })
    };
    let seq = match moved {
        Err(message) => return error(&state, 400, "ValidationException", &message),
        Ok(None) => None,
        Ok(Some(Ok(seq))) => Some(seq),
        Ok(Some(Err(e))) => return journal_error(&state, &e),
    };
    if let Err(e) = state.durable(seq).await {
        return journal_error(&state, &e);
    }
    clock_answer(&state)
}

fn journal_error(state: &ServerState, e: &JournalError) -> Response {
    let (status, body, error_type) = journal_failure(e);
    respond(state, status, error_type, body)
}

/// The instant a clock request asks for, from `now`.
fn clock_target(body: &[u8], now: SimTime) -> Result<SimTime, String> {
    let usage = "The body must be {\"advance\": \"PT1H\"} or {\"set\": \"2024-01-01T00:00:00Z\"}";
    let input: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => map,
        _ => return Err(usage.into()),
    };
    match (input.get("advance"), input.get("set"), input.len()) {
        (Some(Value::String(d)), None, 1) => {
            let d = DurationMs::parse(d).map_err(|e| e.to_string())?;
            if d.0 < 0 {
                return Err(format!("The clock cannot move backward by {}", d.to_iso()));
            }
            Ok(now.plus(d))
        }
        (None, Some(Value::String(t)), 1) => {
            let t = SimTime::parse_rfc3339(t).map_err(|e| e.to_string())?;
            if t < now {
                return Err(format!("The clock cannot move backward from {now} to {t}"));
            }
            Ok(t)
        }
        _ => Err(usage.into()),
    }
}

fn clock_answer(state: &ServerState) -> Response {
    let now = state.now();
    let body = json!({"now": now.epoch_seconds(), "time": now.to_rfc3339()});
    respond(state, 200, None, Payload::Owned(body.to_string()))
}

/// Any other path or method.
async fn not_found(State(state): State<ServerState>, method: Method, uri: Uri) -> Response {
    let path: String = uri.path().chars().take(200).collect();
    error(
        &state,
        404,
        "NotFoundException",
        &format!("No route for {method} {path}: SSM operations are POST / with X-Amz-Target"),
    )
}

fn error(state: &ServerState, status: u16, name: &'static str, message: &str) -> Response {
    let body = json!({"__type": name, "Message": message});
    respond(state, status, Some(name), Payload::Owned(body.to_string()))
}

/// Text shared with the service's cache, as the bytes of a body.
struct SharedText(Arc<str>);

impl AsRef<[u8]> for SharedText {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

fn respond(state: &ServerState, status: u16, error_type: Option<&str>, body: Payload) -> Response {
    let body = match body {
        Payload::Owned(text) => Body::from(text),
        Payload::Shared(text) => Body::from(Bytes::from_owner(SharedText(text))),
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    headers.insert("x-amzn-requestid", state.next_request_id());
    if let Some(value) = error_type.and_then(|t| HeaderValue::from_str(t).ok()) {
        headers.insert("x-amzn-errortype", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_are_read_up_to_the_limit() {
        let read = |n: usize| collect_limited(Body::from(vec![b' '; n]), 10);
        assert!(matches!(read(10).await, Ok(b) if b.len() == 10));
        assert!(matches!(read(11).await, Err(BodyError::TooLarge)));
        assert!(matches!(read(0).await, Ok(b) if b.is_empty()));
        let pieces = |left: usize| collect_limited(Body::new(Pieces { left, letter: b'a' }), 10);
        assert!(matches!(pieces(1).await, Ok(b) if b == "aaa"));
        assert!(matches!(pieces(3).await, Ok(b) if b == "aaabbbccc"));
        assert!(matches!(pieces(4).await, Err(BodyError::TooLarge)));
    }

    /// A body of `n` frames: `aaa`, `bbb`, ….
    struct Pieces {
        left: usize,
        letter: u8,
    }

    impl hyper::body::Body for Pieces {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
            if self.left == 0 {
                return std::task::Poll::Ready(None);
            }
            self.left -= 1;
            let data = Bytes::from(vec![self.letter; 3]);
            self.letter += 1;
            std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(data))))
        }
    }

    #[test]
    fn clock_requests() {
        let t0 = SimTime(1_000);
        assert_eq!(
            clock_target(br#"{"advance":"PT1S"}"#, t0),
            Ok(SimTime(2_000))
        );
        assert_eq!(
            clock_target(br#"{"set":"1970-01-01T00:00:01Z"}"#, t0),
            Ok(SimTime(1_000))
        );
        for bad in [
            &b""[..],
            b"{}",
            b"null",
            br#"{"advance": 3600}"#,
            br#"{"advance":"-PT1S"}"#,
            br#"{"set":"1970-01-01T00:00:00Z"}"#,
            br#"{"advance":"PT1S","extra":1}"#,
        ] {
            assert!(
                clock_target(bad, t0).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn access_keys_are_read_leniently() {
        assert_eq!(access_key_id("Credential=AKID"), Some("AKID"));
        assert_eq!(access_key_id("AWS4-HMAC-SHA256 Credential=/x"), None);
        assert_eq!(access_key_id("AWS4-HMAC-SHA256 Credential=é/x"), Some("é"));
        assert_eq!(access_key_id(""), None);
    }
}
