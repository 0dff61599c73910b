//! The HTTP server end to end: a server on 127.0.0.1, port 0, inside the
//! test, and raw HTTP/1.1 requests as an AWS SDK sends them.

use serde_json::{Value, json};
use ssm_runbook_server::http::{CLOCK_PATH, CONTENT_TYPE, DEFAULT_PRINCIPAL};
use ssm_runbook_server::journal::Journal;
use ssm_runbook_server::{
    Clock, Context, MAX_BODY_BYTES, ServerConfig, ServerState, Service, ServiceConfig, SimTime,
    handle, serve,
};
use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::time::Duration;

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";
const ALICE_KEY: &str = "AKIAALICE";
/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200_000;

const DEPLOY: &str = "\
schemaVersion: '0.3'
mainSteps:
  - name: Approve
    action: aws:approve
    timeoutSeconds: 3600
    inputs:
      Approvers: ['arn:aws:iam::123456789012:user/alice']
  - name: Wait
    action: aws:sleep
    inputs:
      Duration: PT1M
";

/// One answer: status, headers (names lowercase), body.
struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// A server on a free port with a virtual clock at `T0` and alice's key mapped.
async fn start() -> SocketAddr {
    start_with(ServerConfig {
        clock: Clock::Virtual(SimTime(T0)),
        principals: BTreeMap::from([(ALICE_KEY.to_string(), ALICE.to_string())]),
        ..ServerConfig::default()
    })
    .await
}

async fn start_with(config: ServerConfig) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let state = ServerState::new(Service::new(ServiceConfig::default()), config);
    tokio::spawn(serve(listener, state));
    addr
}

/// Send one raw request (`Connection: close`) and read the whole answer.
async fn send(addr: SocketAddr, head: String, body: Vec<u8>) -> Reply {
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.write_all(head.as_bytes()).expect("write head");
        stream.write_all(&body).expect("write body");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read");
        parse(&raw)
    })
    .await
    .expect("client task")
}

fn parse(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete answer");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// `POST /` for `AmazonSSM.<op>`, signed with `access_key` if given.
async fn call(addr: SocketAddr, op: &str, body: Value, access_key: Option<&str>) -> Reply {
    let body = body.to_string().into_bytes();
    let auth = access_key.map_or_else(String::new, |k| {
        format!(
            "Authorization: AWS4-HMAC-SHA256 Credential={k}/20240101/us-east-1/ssm/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={}\r\n",
            "0".repeat(64)
        )
    });
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AmazonSSM.{op}\r\n\
         Content-Type: application/x-amz-json-1.1\r\n{auth}Content-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let reply = send(addr, head, body).await;
    assert_eq!(reply.header("content-type"), Some(CONTENT_TYPE));
    assert!(
        reply
            .header("x-amzn-requestid")
            .is_some_and(|id| id.len() == 36)
    );
    let parsed = reply.json();
    assert_eq!(
        reply.header("x-amzn-errortype"),
        parsed["__type"].as_str(),
        "the error type header equals __type"
    );
    reply
}

async fn clock(addr: SocketAddr, body: Option<Value>) -> Reply {
    let body = body.map_or_else(Vec::new, |b| b.to_string().into_bytes());
    let method = if body.is_empty() { "GET" } else { "POST" };
    let head = format!(
        "{method} {CLOCK_PATH} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    send(addr, head, body).await
}

async fn create_and_start(addr: SocketAddr) -> String {
    let create = json!({
        "Content": DEPLOY, "Name": "Deploy",
        "DocumentType": "Automation", "DocumentFormat": "YAML",
    });
    let r = call(addr, "CreateDocument", create, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["DocumentDescription"]["Name"], "Deploy");
    let r = call(
        addr,
        "StartAutomationExecution",
        json!({"DocumentName": "Deploy"}),
        Some("AKIAUNMAPPED"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["AutomationExecutionId"]
        .as_str()
        .expect("an id")
        .to_string()
}

async fn execution(addr: SocketAddr, id: &str) -> Value {
    let r = call(
        addr,
        "GetAutomationExecution",
        json!({"AutomationExecutionId": id}),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["AutomationExecution"].clone()
}

#[tokio::test]
async fn approval_by_a_mapped_access_key_then_success() {
    let addr = start().await;
    let id = create_and_start(addr).await;
    let exec = execution(addr, &id).await;
    assert_eq!(exec["AutomationExecutionStatus"], "Waiting");
    // An unmapped key acts as the default principal.
    assert_eq!(exec["ExecutedBy"], DEFAULT_PRINCIPAL);

    let approve = json!({"AutomationExecutionId": id, "SignalType": "Approve"});
    let r = call(addr, "SendAutomationSignal", approve.clone(), None).await;
    assert_eq!(r.status, 400, "the default principal is no approver");
    assert_eq!(r.json()["__type"], "InvalidAutomationSignalException");

    let r = call(addr, "SendAutomationSignal", approve, Some(ALICE_KEY)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "{}"));
    assert_eq!(
        execution(addr, &id).await["AutomationExecutionStatus"],
        "InProgress"
    );

    let r = clock(addr, Some(json!({"advance": "PT1M"}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["now"], json!((T0 + 60_000) as f64 / 1000.0));
    assert_eq!(
        execution(addr, &id).await["AutomationExecutionStatus"],
        "Success"
    );
}

#[tokio::test]
async fn the_virtual_clock_times_an_approval_out() {
    let addr = start().await;
    let id = create_and_start(addr).await;
    let r = clock(addr, None).await;
    assert_eq!(
        (r.status, r.json()["now"].clone()),
        (200, json!(1_704_067_200.0))
    );

    let r = clock(addr, Some(json!({"advance": "PT59M"}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        execution(addr, &id).await["AutomationExecutionStatus"],
        "Waiting"
    );
    let r = clock(addr, Some(json!({"set": "2024-01-01T01:00:00Z"}))).await;
    assert_eq!(r.json()["time"], "2024-01-01T01:00:00Z");
    let exec = execution(addr, &id).await;
    assert_eq!(exec["AutomationExecutionStatus"], "TimedOut", "{exec}");

    // Time never moves backward, and bad bodies are refused.
    for body in [
        json!({"set": "2024-01-01T00:00:00Z"}),
        json!({"advance": "-PT1S"}),
        json!({"advance": "soon"}),
        json!({"advance": "PT1S", "set": "2024-01-02T00:00:00Z"}),
        json!([]),
    ] {
        let r = clock(addr, Some(body.clone())).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.json()["__type"], "ValidationException");
    }
    assert_eq!(
        clock(addr, None).await.json()["time"],
        "2024-01-01T01:00:00Z"
    );
}

#[tokio::test]
async fn unknown_targets_and_unsigned_requests() {
    let addr = start().await;
    let r = call(addr, "Frobnicate", json!({}), None).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["__type"], "UnknownOperationException");
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("UnknownOperationException")
    );

    let r = call(addr, "ListDocuments", json!({}), None).await;
    assert_eq!(
        (r.status, r.json()["DocumentIdentifiers"].clone()),
        (200, json!([]))
    );
    assert_eq!(r.header("x-amzn-errortype"), None);

    // No X-Amz-Target at all.
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
    );
    let r = send(addr, head, b"{}".to_vec()).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["__type"], "UnknownOperationException");
}

#[tokio::test]
async fn request_ids_differ() {
    let addr = start().await;
    let a = call(addr, "ListDocuments", json!({}), None).await;
    let b = call(addr, "ListDocuments", json!({}), None).await;
    assert_ne!(a.header("x-amzn-requestid"), b.header("x-amzn-requestid"));
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let addr = start().await;
    // Declared too large: answered from the headers, before any body byte.
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AmazonSSM.ListDocuments\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        MAX_BODY_BYTES + 1
    );
    let r = send(addr, head, Vec::new()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json()["__type"], "ValidationException");
    assert_eq!(r.header("x-amzn-errortype"), Some("ValidationException"));
    assert!(
        r.json()["Message"]
            .as_str()
            .is_some_and(|m| m.contains("1048576"))
    );

    // Exactly at the limit is read (and then is not JSON).
    let mut body = vec![b' '; MAX_BODY_BYTES];
    body[0] = b'x';
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AmazonSSM.ListDocuments\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let r = send(addr, head, body).await;
    assert_eq!(
        (r.status, r.json()["__type"].clone()),
        (400, json!("SerializationException"))
    );
}

#[tokio::test]
async fn other_paths_and_methods_are_404() {
    let addr = start().await;
    for (method, path) in [
        ("GET", "/"),
        ("POST", "/other"),
        ("GET", "/favicon.ico"),
        ("PUT", CLOCK_PATH),
    ] {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let r = send(addr, head, Vec::new()).await;
        assert_eq!(r.status, 404, "{method} {path}");
        assert_eq!(r.header("content-type"), Some(CONTENT_TYPE));
        assert_eq!(r.json()["__type"], "NotFoundException");
    }
}

#[tokio::test]
async fn the_wall_clock_cannot_be_moved() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let state = ServerState::new(
        Service::new(ServiceConfig::default()),
        ServerConfig::default(),
    );
    tokio::spawn(serve(listener, state));
    let r = clock(addr, None).await;
    assert!(
        r.json()["now"]
            .as_f64()
            .is_some_and(|s| s > 1_704_067_200.0)
    );
    let r = clock(addr, Some(json!({"advance": "PT1H"}))).await;
    assert_eq!(
        (r.status, r.json()["__type"].clone()),
        (400, json!("ValidationException"))
    );
}

#[tokio::test]
async fn the_wall_clock_fires_timers_without_requests() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let state = ServerState::new(
        Service::new(ServiceConfig::default()),
        ServerConfig::default(),
    );
    let service = state.service();
    tokio::spawn(serve(listener, state));
    let doc = "schemaVersion: '0.3'\nmainSteps:\n  - name: Nap\n    action: aws:sleep\n    inputs: { Duration: PT1S }\n";
    let create = json!({"Content": doc, "Name": "Nap", "DocumentFormat": "YAML", "DocumentType": "Automation"});
    assert_eq!(call(addr, "CreateDocument", create, None).await.status, 200);
    let r = call(
        addr,
        "StartAutomationExecution",
        json!({"DocumentName": "Nap"}),
        None,
    )
    .await;
    let id = r.json()["AutomationExecutionId"]
        .as_str()
        .expect("id")
        .to_string();
    // No request is made while waiting: only the ticker can finish it.
    let mut status = String::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let guard = service.lock().expect("lock");
        status = guard
            .execution(&id)
            .map(|e| e.status().as_str().to_string())
            .unwrap_or_default();
        if status == "Success" {
            break;
        }
    }
    assert_eq!(status, "Success");
}

#[tokio::test]
async fn slow_bodies_time_out() {
    let addr = start_with(ServerConfig {
        clock: Clock::Virtual(SimTime(T0)),
        request_timeout_ms: 200,
        ..ServerConfig::default()
    })
    .await;
    // Ten bytes declared, two sent, and the connection kept open.
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AmazonSSM.ListDocuments\r\n\
         Content-Length: 10\r\nConnection: close\r\n\r\n"
    );
    let r = send(addr, head, b"{}".to_vec()).await;
    assert_eq!(r.status, 408, "{}", r.body);
    assert_eq!(r.json()["__type"], "RequestTimeoutException");
    // The server still answers others.
    assert_eq!(
        call(addr, "ListDocuments", json!({}), None).await.status,
        200
    );
}

#[tokio::test]
async fn slow_headers_lose_their_connection() {
    let addr = start_with(ServerConfig {
        clock: Clock::Virtual(SimTime(T0)),
        request_timeout_ms: 200,
        ..ServerConfig::default()
    })
    .await;
    let started = std::time::Instant::now();
    let raw = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        // Half a request head, never finished.
        stream
            .write_all(b"POST / HTTP/1.1\r\nHost: x\r\n")
            .expect("write");
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        raw
    })
    .await
    .expect("client task");
    assert!(started.elapsed() < Duration::from_secs(5), "{raw:?}");
    assert_eq!(
        call(addr, "ListDocuments", json!({}), None).await.status,
        200
    );
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let state = ServerState::new(
        Service::new(ServiceConfig::default()),
        ServerConfig::default(),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ssm_runbook_server::serve_with_shutdown(
        listener,
        state,
        async move {
            let _ = stopped.await;
        },
    ));
    assert_eq!(
        call(addr, "ListDocuments", json!({}), None).await.status,
        200
    );
    stop.send(()).expect("the server waits");
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops within 5 s")
        .expect("the server task does not panic");
    assert!(result.is_ok());
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "nothing listens"
    );
}

/// A fresh directory for one test's journal.
fn temp_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ssm-runbook-http-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A server with a virtual clock at `T0`, `principals`, and a journal in `dir`.
async fn start_journalled(
    dir: &std::path::Path,
    principals: BTreeMap<String, String>,
) -> SocketAddr {
    let mut service = Service::new(ServiceConfig::default());
    let (journal, replay) = Journal::open(dir, &mut service).expect("journal");
    assert_eq!(replay.entries, 0);
    let config = ServerConfig {
        clock: Clock::Virtual(SimTime(T0)),
        principals,
        ..ServerConfig::default()
    };
    let state = ServerState::new(service, config).with_journal(journal, None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(serve(listener, state));
    addr
}

/// The approver `n`'s principal.
fn approver(n: usize) -> String {
    format!("arn:aws:iam::123456789012:user/approver-{n}")
}

/// 64 clients approve and reject the same executions at once: every
/// approver's decision counts exactly once, nothing answers 5xx, no execution
/// is lost, and the journal replays to the very same answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_approvers_count_once() {
    const CLIENTS: usize = 64;
    const EXECUTIONS: usize = 8;
    // Nine of the ten approvers take part, so approvals stay Waiting.
    const DECIDING: usize = 9;
    let dir = temp_dir("concurrent");
    let principals = (0..10).map(|n| (format!("AKIA{n}"), approver(n))).collect();
    let addr = start_journalled(&dir, principals).await;
    let approvers: Vec<String> = (0..10).map(approver).collect();
    let content = format!(
        "schemaVersion: '0.3'\nmainSteps:\n  - name: Approve\n    action: aws:approve\n    inputs:\n      Approvers: {approvers:?}\n      MinRequiredApprovals: 10\n"
    );
    let create = json!({"Content": content, "Name": "Quorum", "DocumentType": "Automation", "DocumentFormat": "YAML"});
    assert_eq!(call(addr, "CreateDocument", create, None).await.status, 200);
    let mut ids = Vec::new();
    for _ in 0..EXECUTIONS {
        let r = call(
            addr,
            "StartAutomationExecution",
            json!({"DocumentName": "Quorum"}),
            None,
        )
        .await;
        ids.push(
            r.json()["AutomationExecutionId"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }

    // Client k decides as approver k % 9 on every execution: Reject on the
    // last two, Approve on the others.
    let clients: Vec<_> = (0..CLIENTS)
        .map(|k| {
            let ids = ids.clone();
            tokio::spawn(async move {
                let key = format!("AKIA{}", k % DECIDING);
                let mut accepted = Vec::new();
                for (e, id) in ids.iter().enumerate() {
                    let signal = if e >= EXECUTIONS - 2 {
                        "Reject"
                    } else {
                        "Approve"
                    };
                    let body = json!({"AutomationExecutionId": id, "SignalType": signal});
                    let r = call(addr, "SendAutomationSignal", body, Some(&key)).await;
                    match r.status {
                        200 => accepted.push((e, k % DECIDING)),
                        400 => assert_eq!(
                            r.json()["__type"],
                            "InvalidAutomationSignalException",
                            "{}",
                            r.body
                        ),
                        _ => panic!("client {k}: {} {}", r.status, r.body),
                    }
                }
                accepted
            })
        })
        .collect();
    let mut accepted = std::collections::BTreeMap::<(usize, usize), usize>::new();
    for client in clients {
        for decision in client.await.expect("a client") {
            *accepted.entry(decision).or_default() += 1;
        }
    }

    for (e, id) in ids.iter().enumerate() {
        let exec = execution(addr, id).await;
        let step = &exec["StepExecutions"][0];
        let decisions = step["Outputs"]["ApproverDecisions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut who: Vec<String> = decisions
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|d| serde_json::from_str::<Value>(d).ok())
            .map(|d| d["Approver"].as_str().unwrap_or("?").to_string())
            .collect();
        who.sort();
        if e >= EXECUTIONS - 2 {
            // The first Reject ends the step; every later signal is refused.
            assert_eq!(exec["AutomationExecutionStatus"], "Failed", "{exec}");
            assert_eq!(who.len(), 1, "{exec}");
            assert_eq!(
                (0..DECIDING)
                    .filter(|a| accepted.contains_key(&(e, *a)))
                    .count(),
                1
            );
        } else {
            assert_eq!(exec["AutomationExecutionStatus"], "Waiting", "{exec}");
            let mut expected: Vec<String> = (0..DECIDING).map(approver).collect();
            expected.sort();
            assert_eq!(who, expected, "each approver once");
            for a in 0..DECIDING {
                assert_eq!(
                    accepted.get(&(e, a)),
                    Some(&1),
                    "execution {e}, approver {a}"
                );
            }
        }
    }
    let r = call(addr, "DescribeAutomationExecutions", json!({}), None).await;
    assert_eq!(
        r.json()["AutomationExecutionMetadataList"]
            .as_array()
            .map(Vec::len),
        Some(EXECUTIONS)
    );

    // The journal rebuilds the same state, decision order included.
    let mut replayed = Service::new(ServiceConfig::default());
    let (_, replay) = Journal::open(&dir, &mut replayed).expect("replay");
    assert!(replay.warnings.is_empty(), "{:?}", replay.warnings);
    assert_eq!(replay.entries, 1 + EXECUTIONS + accepted.len());
    for id in &ids {
        let get = json!({"AutomationExecutionId": id}).to_string();
        let ctx = Context {
            principal: DEFAULT_PRINCIPAL.into(),
            now: SimTime(T0),
        };
        let again = handle(
            &mut replayed,
            "AmazonSSM.GetAutomationExecution",
            get.as_bytes(),
            &ctx,
        );
        assert_eq!(
            serde_json::from_str::<Value>(&again.body).expect("JSON")["AutomationExecution"],
            execution(addr, id).await
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Requests a client gets wrong: each a 4xx with the modelled `__type`, and
/// none of them reaches the journal.
#[tokio::test]
async fn bad_requests_get_modelled_errors_and_are_not_journalled() {
    let dir = temp_dir("bad");
    let addr = start_journalled(&dir, BTreeMap::new()).await;
    let journal = dir.join(ssm_runbook_server::journal::FILE_NAME);
    let lines = || {
        std::fs::read_to_string(&journal)
            .expect("journal")
            .lines()
            .count()
    };
    let _id = create_and_start(addr).await;
    let before = lines();

    let raw = |target: Option<&str>, body: &[u8]| {
        let target = target.map_or_else(String::new, |t| format!("X-Amz-Target: {t}\r\n"));
        format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\n{target}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
    };
    let cases: Vec<(Option<&str>, Vec<u8>, &str)> = vec![
        (
            Some("AmazonSSM.StartAutomationExecution"),
            b"{\"DocumentName\":".to_vec(),
            "SerializationException",
        ),
        (
            Some("AmazonSSM.StartAutomationExecution"),
            b"[1,2]".to_vec(),
            "SerializationException",
        ),
        (
            Some("AmazonSSM.StartAutomationExecution"),
            b"\xff\xfe".to_vec(),
            "SerializationException",
        ),
        (
            Some("AmazonSSM.StartAutomationExecution"),
            br#"{"DocumentName":5}"#.to_vec(),
            "SerializationException",
        ),
        (
            Some("AmazonSSM.StartAutomationExecution"),
            br#"{"DocumentName":"Deploy","Parameters":{"x":["y"]}}"#.to_vec(),
            "InvalidAutomationExecutionParametersException",
        ),
        (
            Some("AmazonSSM.SendAutomationSignal"),
            br#"{"AutomationExecutionId":["a"],"SignalType":"Approve"}"#.to_vec(),
            "SerializationException",
        ),
        (
            Some("AmazonSSM.SendAutomationSignal"),
            br#"{"SignalType":"Approve"}"#.to_vec(),
            "ValidationException",
        ),
        (
            Some("AmazonSSM.StopAutomationExecution"),
            br#"{"AutomationExecutionId":"00000000-0000-4000-8000-000000000000"}"#.to_vec(),
            "AutomationExecutionNotFoundException",
        ),
        (
            Some("AmazonSSM.CreateDocument"),
            br#"{"Name":"x","Content":{}}"#.to_vec(),
            "SerializationException",
        ),
        (
            Some("AmazonSSM.DeleteDocument"),
            br#"{"Name":"Nope"}"#.to_vec(),
            "InvalidDocument",
        ),
        (
            Some("AmazonSSMv2.StartAutomationExecution"),
            b"{}".to_vec(),
            "UnknownOperationException",
        ),
        (Some(""), b"{}".to_vec(), "UnknownOperationException"),
        (
            None,
            br#"{"DocumentName":"Deploy"}"#.to_vec(),
            "UnknownOperationException",
        ),
    ];
    for (target, body, expected) in cases {
        let r = send(addr, raw(target, &body), body.clone()).await;
        let shown = String::from_utf8_lossy(&body);
        assert_eq!(r.status, 400, "{target:?} {shown}: {}", r.body);
        assert_eq!(
            r.json()["__type"],
            expected,
            "{target:?} {shown}: {}",
            r.body
        );
        assert_eq!(r.header("x-amzn-errortype"), Some(expected));
    }

    // Over the limit without a Content-Length (chunked): cut off while reading.
    let chunk = vec![b' '; 64 * 1024];
    let mut body = Vec::new();
    for _ in 0..(MAX_BODY_BYTES / chunk.len() + 2) {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(&chunk);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AmazonSSM.StartAutomationExecution\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let r = send(addr, head, body).await;
    assert_eq!(
        (r.status, r.json()["__type"].clone()),
        (400, json!("ValidationException")),
        "{}",
        r.body
    );

    assert_eq!(
        lines(),
        before,
        "refused requests change nothing, so are not journalled"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// With the wall clock, timers fire whenever the ticker runs: the journal
/// records those instants, so a replay ends its sleeps at the same times.
#[tokio::test]
async fn the_wall_clock_ticker_is_journalled() {
    let dir = temp_dir("wall");
    let mut service = Service::new(ServiceConfig::default());
    let (journal, _) = Journal::open(&dir, &mut service).expect("journal");
    let state = ServerState::new(service, ServerConfig::default()).with_journal(journal, None);
    let shared = state.service();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(serve(listener, state));
    let doc = "schemaVersion: '0.3'\nmainSteps:\n  - name: Nap\n    action: aws:sleep\n    inputs: { Duration: PT1S }\n  - name: Again\n    action: aws:sleep\n    inputs: { Duration: PT0.3S }\n";
    let create = json!({"Content": doc, "Name": "Nap", "DocumentFormat": "YAML", "DocumentType": "Automation"});
    assert_eq!(call(addr, "CreateDocument", create, None).await.status, 200);
    let r = call(
        addr,
        "StartAutomationExecution",
        json!({"DocumentName": "Nap"}),
        None,
    )
    .await;
    let id = r.json()["AutomationExecutionId"]
        .as_str()
        .expect("id")
        .to_string();
    let mut done = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let service = shared.lock().expect("lock");
        if service
            .execution(&id)
            .is_some_and(|e| e.status().as_str() == "Success")
        {
            done = true;
            break;
        }
    }
    assert!(done, "the ticker finishes the run");
    let live = execution(addr, &id).await;

    let mut replayed = Service::new(ServiceConfig::default());
    let (_, replay) = Journal::open(&dir, &mut replayed).expect("replay");
    assert!(replay.entries >= 3, "create, start and the ticks");
    let get = json!({"AutomationExecutionId": id}).to_string();
    let ctx = Context {
        principal: DEFAULT_PRINCIPAL.into(),
        now: replay.last_now.expect("entries"),
    };
    let again = handle(
        &mut replayed,
        "AmazonSSM.GetAutomationExecution",
        get.as_bytes(),
        &ctx,
    );
    let again: Value = serde_json::from_str(&again.body).expect("JSON");
    assert_eq!(again["AutomationExecution"], live);
    let _ = std::fs::remove_dir_all(&dir);
}
