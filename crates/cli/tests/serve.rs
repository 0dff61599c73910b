//! `ssm-runbook serve` as a process: start it on a free port with a virtual
//! clock and one preloaded runbook, read the `listening on` line, make one
//! `GetDocument` request, and kill it (always, within bounded time).

use serde_json::Value;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
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

#[test]
fn serve_preloads_documents_and_answers() {
    let dir = temp_dir("serve");
    std::fs::write(dir.join("Nap-Runbook.yaml"), RUNBOOK).expect("write runbook");
    let child = Command::new(env!("CARGO_BIN_EXE_ssm-runbook"))
        .args(["serve", "--port", "0", "--clock", "virtual", "--documents"])
        .arg(&dir)
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

    let body = r#"{"Name":"Nap-Runbook"}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AmazonSSM.GetDocument\r\n\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let (head, json) = answer.split_once("\r\n\r\n").expect("a complete answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{answer}");
    let doc: Value = serde_json::from_str(json).expect("JSON body");
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
