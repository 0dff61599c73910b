//! `ssm-runbook serve` as a process: start it on a free port with a virtual
//! clock and one preloaded runbook, read the `listening on` line, make one
//! `GetDocument` request, and kill it (always, within bounded time).

use serde_json::Value;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

const RUNBOOK: &str = "\
schemaVersion: '0.3'
description: Preloaded by serve
mainSteps:
  - name: Nap
    action: aws:sleep
    inputs:
      Duration: PT1M
";

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A fresh directory for one test (tests run in parallel).
fn temp_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ssm-runbook-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Start `ssm-runbook serve ARGS --port 0` and read its address.
fn spawn_server(args: &[&std::ffi::OsStr]) -> (Server, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_ssm-runbook"))
        .arg("serve")
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ssm-runbook binary starts");
    let mut server = Server(child);
    let stdout = server.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(line) if !line.is_empty() => line,
        _ => {
            let _ = server.0.kill();
            let mut err = String::new();
            if let Some(mut e) = server.0.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("no `listening on` line within 30 s; stderr: {err}")
        }
    };
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    (server, addr)
}

/// One request on a fresh connection: the status and the body, or `None`
/// when the server is gone (killed mid-request).
fn try_call(addr: &str, path_target: Target<'_>, body: &str) -> Option<(u16, String)> {
    let (path, target) = match path_target {
        Target::Op(op) => ("/", format!("X-Amz-Target: AmazonSSM.{op}\r\n")),
        Target::Clock => ("/_ssm-runbook/clock", String::new()),
    };
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{target}\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, json) = answer.split_once("\r\n\r\n")?;
    let status = head.get(9..12)?.parse().ok()?;
    Some((status, json.to_string()))
}

/// What a request goes to.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// `POST /` with `X-Amz-Target: AmazonSSM.<op>`.
    Op(&'a str),
    /// `POST /_ssm-runbook/clock`.
    Clock,
}

/// One request that must be answered.
fn call(addr: &str, op: &str, body: &str) -> (u16, Value) {
    let (status, text) =
        try_call(addr, Target::Op(op), body).unwrap_or_else(|| panic!("no answer to {op} {body}"));
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, json)
}

#[test]
fn serve_preloads_documents_and_answers() {
    let dir = temp_dir("serve");
    std::fs::write(dir.join("Nap-Runbook.yaml"), RUNBOOK).expect("write runbook");
    let (server, addr) = spawn_server(&[
        "--clock".as_ref(),
        "virtual".as_ref(),
        "--documents".as_ref(),
        dir.as_os_str(),
    ]);
    let (status, doc) = call(&addr, "GetDocument", r#"{"Name":"Nap-Runbook"}"#);
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["Name"], "Nap-Runbook");
    assert_eq!(doc["DocumentFormat"], "YAML");
    assert_eq!(doc["Content"], RUNBOOK);

    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_an_invalid_principals_file() {
    let dir = temp_dir("serve-principals");
    let file = dir.join("principals.yaml");
    std::fs::write(&file, "- not a map\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_ssm-runbook"))
        .args(["serve", "--port", "0", "--principals"])
        .arg(&file)
        .output()
        .expect("the ssm-runbook binary runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected a map"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A runbook the default principal approves; approved runs then sleep.
const APPROVAL: &str = "\
schemaVersion: '0.3'
mainSteps:
  - name: Approve
    action: aws:approve
    inputs:
      Approvers: ['arn:aws:iam::123456789012:user/ssm-runbook']
  - name: Nap
    action: aws:sleep
    inputs:
      Duration: PT1M
";

/// Start `count` executions of `Approval` from `threads` threads, signal
/// each once (Approve or Reject, alternating), and give the ids of the
/// starts the server acknowledged (counting them in `acked` as they come).
/// Requests the server never answers (it was killed) are skipped.
fn load(addr: &str, count: usize, threads: usize, acked: &Arc<AtomicUsize>) -> Vec<String> {
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let addr = addr.to_string();
            let acked = Arc::clone(acked);
            std::thread::spawn(move || {
                let mut started = Vec::new();
                for i in (t..count).step_by(threads) {
                    let Some((200, out)) = try_call(
                        &addr,
                        Target::Op("StartAutomationExecution"),
                        r#"{"DocumentName":"Approval"}"#,
                    ) else {
                        continue;
                    };
                    let Ok(out) = serde_json::from_str::<Value>(&out) else {
                        continue;
                    };
                    let Some(id) = out["AutomationExecutionId"].as_str() else {
                        continue;
                    };
                    started.push(id.to_string());
                    acked.fetch_add(1, Ordering::SeqCst);
                    let signal = if i % 2 == 0 { "Approve" } else { "Reject" };
                    let body =
                        format!(r#"{{"AutomationExecutionId":"{id}","SignalType":"{signal}"}}"#);
                    let _ = try_call(&addr, Target::Op("SendAutomationSignal"), &body);
                }
                started
            })
        })
        .collect();
    workers
        .into_iter()
        .flat_map(|w| w.join().expect("a load thread"))
        .collect()
}

fn get_execution(addr: &str, id: &str) -> (u16, Value) {
    call(
        addr,
        "GetAutomationExecution",
        &format!(r#"{{"AutomationExecutionId":"{id}"}}"#),
    )
}

#[test]
fn serve_state_dir_survives_sigkill() {
    let dir = temp_dir("serve-crash");
    let docs = dir.join("docs");
    let state = dir.join("state");
    std::fs::create_dir_all(&docs).expect("docs dir");
    std::fs::write(docs.join("Approval.yaml"), APPROVAL).expect("write runbook");
    let args: [&std::ffi::OsStr; 6] = [
        "--clock".as_ref(),
        "virtual".as_ref(),
        "--documents".as_ref(),
        docs.as_os_str(),
        "--state-dir".as_ref(),
        state.as_os_str(),
    ];

    // Phase 1: a settled load, then its answers.
    let (mut server, addr) = spawn_server(&args);
    let settled = load(&addr, 40, 8, &Arc::default());
    assert_eq!(settled.len(), 40);
    let moved = try_call(&addr, Target::Clock, r#"{"advance":"PT2M"}"#);
    assert_eq!(moved.map(|(s, _)| s), Some(200));
    let before: Vec<(u16, Value)> = settled.iter().map(|id| get_execution(&addr, id)).collect();
    let statuses: std::collections::BTreeSet<String> = before
        .iter()
        .map(|(_, v)| v["AutomationExecution"]["AutomationExecutionStatus"].to_string())
        .collect();
    assert_eq!(statuses.len(), 2, "Success and Failed: {statuses:?}");

    // Phase 2: SIGKILL in the middle of another load.
    // (Starts beyond the limit of 100 running executions are refused, so
    // not acknowledged, which is fine.)
    let acked = Arc::new(AtomicUsize::new(0));
    let killer = {
        let (addr, acked) = (addr.clone(), Arc::clone(&acked));
        std::thread::spawn(move || load(&addr, 400, 8, &acked))
    };
    while acked.load(Ordering::SeqCst) < 30 && !killer.is_finished() {
        std::thread::sleep(Duration::from_millis(1));
    }
    server.0.kill().expect("SIGKILL");
    let _ = server.0.wait();
    let in_flight = killer.join().expect("the load thread");
    eprintln!(
        "{} of 400 starts acknowledged before SIGKILL",
        in_flight.len()
    );
    assert!(in_flight.len() >= 30);
    drop(server);

    // Restart on the same directory: the same answers, every acknowledged start.
    let (server, addr) = spawn_server(&args);
    for (id, expected) in settled.iter().zip(&before) {
        assert_eq!(&get_execution(&addr, id), expected, "execution {id}");
    }
    for id in &in_flight {
        let (status, out) = get_execution(&addr, id);
        assert_eq!(status, 200, "acknowledged execution {id} lost: {out}");
    }
    let (status, clock) = match try_call(&addr, Target::Clock, r#"{"advance":"PT0S"}"#) {
        Some((s, body)) => (s, serde_json::from_str::<Value>(&body).expect("JSON")),
        None => panic!("no clock answer"),
    };
    assert_eq!(
        (status, clock["time"].as_str()),
        (200, Some("2024-01-01T00:02:00Z"))
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A runbook of two outside calls, answered by [`ANSWERS`].
const CALL_API: &str = "\
schemaVersion: '0.3'
mainSteps:
  - name: Describe
    action: aws:executeAwsApi
    maxAttempts: 2
    inputs:
      Service: ec2
      Api: DescribeInstances
    outputs:
      - Name: InstanceId
        Selector: $.Reservations[0].Instances[0].InstanceId
        Type: String
  - name: Check
    action: aws:executeAwsApi
    onFailure: Continue
    inputs:
      Service: ec2
      Api: DescribeImages
";

const ANSWERS: &str = "\
Call-Api:
  Describe:
    - fail: {type: Throttling, message: Rate exceeded}
    - after: PT2M
      outputs: {Reservations: [{Instances: [{InstanceId: i-0abc}]}]}
  Check:
    - timeout: true
";

#[test]
fn serve_answers_external_actions_from_a_file_and_replays_them() {
    let dir = temp_dir("serve-answers");
    let docs = dir.join("docs");
    std::fs::create_dir_all(&docs).expect("docs dir");
    std::fs::write(docs.join("Call-Api.yaml"), CALL_API).expect("write runbook");
    let answers = dir.join("answers.yaml");
    std::fs::write(&answers, ANSWERS).expect("write answers");
    let state = dir.join("state");
    let args: [&std::ffi::OsStr; 8] = [
        "--clock".as_ref(),
        "virtual".as_ref(),
        "--documents".as_ref(),
        docs.as_os_str(),
        "--answers".as_ref(),
        answers.as_os_str(),
        "--state-dir".as_ref(),
        state.as_os_str(),
    ];
    let (mut server, addr) = spawn_server(&args);
    let (status, out) = call(
        &addr,
        "StartAutomationExecution",
        r#"{"DocumentName":"Call-Api"}"#,
    );
    assert_eq!(status, 200, "{out}");
    let id = out["AutomationExecutionId"]
        .as_str()
        .expect("id")
        .to_string();
    // Throttled once, then the second attempt takes two minutes.
    let (_, out) = get_execution(&addr, &id);
    let exec = &out["AutomationExecution"];
    assert_eq!(exec["AutomationExecutionStatus"], "InProgress", "{exec}");
    assert_eq!(exec["StepExecutions"][0]["StepStatus"], "InProgress");

    // The held answer survives a crash: it is rebuilt by the replay.
    server.0.kill().expect("SIGKILL");
    let _ = server.0.wait();
    drop(server);
    let (server, addr) = spawn_server(&args);
    let moved = try_call(&addr, Target::Clock, r#"{"advance":"PT5M"}"#);
    assert_eq!(moved.map(|(s, _)| s), Some(200));
    let (_, out) = get_execution(&addr, &id);
    let exec = &out["AutomationExecution"];
    assert_eq!(exec["AutomationExecutionStatus"], "Success", "{exec}");
    let describe = &exec["StepExecutions"][0];
    assert_eq!(describe["StepStatus"], "Success");
    // 2024-01-01T00:02:00Z: the answer came at its own instant.
    assert_eq!(describe["ExecutionEndTime"], 1_704_067_320.0);
    assert_eq!(
        describe["Outputs"]["InstanceId"],
        serde_json::json!(["i-0abc"])
    );
    assert_eq!(exec["StepExecutions"][1]["StepStatus"], "TimedOut");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_an_invalid_answers_file() {
    let dir = temp_dir("serve-bad-answers");
    let file = dir.join("answers.yaml");
    std::fs::write(&file, "Deploy:\n  Call:\n    - fail: {type: Sometimes}\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_ssm-runbook"))
        .args(["serve", "--port", "0", "--answers"])
        .arg(&file)
        .output()
        .expect("the ssm-runbook binary runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Deploy.Call[0]") && err.contains("fail.type"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
