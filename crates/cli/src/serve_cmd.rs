//! `ssm-runbook serve`: run the SSM Automation emulator as an HTTP server
//! that AWS SDKs and the AWS CLI can be pointed at (`--endpoint-url`).
//!
//! This module only reads the arguments, the principals and answers files
//! and the runbooks to preload, opens (and so replays) the journal of
//! `--state-dir`, binds the socket and waits for Ctrl-C; the transport is
//! `ssm_runbook_server::http`. Exit status: 0 after Ctrl-C, 1 if the server
//! fails, 2 for usage or input errors.

use crate::files::{Found, expand};
use crate::run_cmd::load_runbook;
use ssm_runbook_engine::service::answers::ScriptedAnswers;
use ssm_runbook_server::http::DEFAULT_PRINCIPAL;
use ssm_runbook_server::journal::Journal;
use ssm_runbook_server::{
    Clock, RuntimeConfig, ServerConfig, ServerState, Service, ServiceConfig, SimTime,
};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// The default port (LocalStack's former SSM port; its current edge port
/// 4566 is left free so both can run side by side).
pub const DEFAULT_PORT: u16 = 4583;

/// Where the virtual clock starts unless `--start` says otherwise.
const DEFAULT_START: &str = "2024-01-01T00:00:00Z";

/// Clocks of `serve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClockArg {
    /// The system clock; timers fire on their own.
    Wall,
    /// A clock that moves only through `POST /_ssm-runbook/clock`.
    Virtual,
}

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// The port to listen on; 0 picks a free port.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// A directory of runbooks to create at start (file name without extension = document name).
    #[arg(long)]
    pub documents: Option<PathBuf>,
    /// A YAML map of access key ids to principal ARNs (`AKIAEXAMPLE: arn:aws:iam::…`).
    #[arg(long)]
    pub principals: Option<PathBuf>,
    /// The principal of unsigned requests and unmapped access keys.
    #[arg(long, default_value = DEFAULT_PRINCIPAL)]
    pub default_principal: String,
    /// The clock.
    #[arg(long, value_enum, default_value_t = ClockArg::Wall)]
    pub clock: ClockArg,
    /// Where the virtual clock starts (RFC 3339).
    #[arg(long, default_value = DEFAULT_START)]
    pub start: String,
    /// A directory for the journal of inputs: every change is made durable
    /// before it is answered, and replayed when the server starts again.
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// A YAML file of answers for external actions, by document and step
    /// (`Deploy: {CallApi: [{fail: {type: Throttling}}, {outputs: {}}]}`).
    #[arg(long)]
    pub answers: Option<PathBuf>,
}

/// Run `serve`; returns the exit status.
pub fn run(args: &Args) -> u8 {
    let state = match prepare(args) {
        Ok(state) => state,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let runtime = match RuntimeConfig::SERVE.build("ssm-runbook-serve") {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(listen(SocketAddr::new(args.bind, args.port), state))
}

async fn listen(addr: SocketAddr, state: ServerState) -> u8 {
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return 2;
        }
    };
    let bound = listener.local_addr().unwrap_or(addr);
    crate::emit(&format!("listening on http://{bound}\n"));
    let shutdown = async {
        // If Ctrl-C cannot be watched, serve until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    match ssm_runbook_server::serve_with_shutdown(listener, state, shutdown).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: the server stopped: {e}");
            1
        }
    }
}

/// The server state: principals read, clock set, documents created.
fn prepare(args: &Args) -> Result<ServerState, String> {
    let principals = match &args.principals {
        Some(path) => read_principals(path)?,
        None => BTreeMap::new(),
    };
    let clock = match args.clock {
        ClockArg::Wall => Clock::Wall,
        ClockArg::Virtual => Clock::Virtual(
            SimTime::parse_rfc3339(&args.start).map_err(|e| format!("--start: {e}"))?,
        ),
    };
    let config = ServerConfig {
        clock,
        principals,
        default_principal: args.default_principal.clone(),
        ..ServerConfig::default()
    };
    let mut service = match &args.answers {
        None => Service::new(ServiceConfig::default()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let answers = ScriptedAnswers::from_yaml(&text)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Service::with_handler(ServiceConfig::default(), Box::new(answers))
        }
    };
    let state = match &args.state_dir {
        None => ServerState::new(service, config),
        Some(dir) => {
            let (journal, replay) = Journal::open(dir, &mut service).map_err(|e| e.to_string())?;
            for warning in &replay.warnings {
                eprintln!("warning: {warning}");
            }
            if replay.entries > 0 {
                eprintln!(
                    "replayed {} journal entries from {}",
                    replay.entries,
                    journal.path().display()
                );
            }
            ServerState::new(service, config).with_journal(journal, replay.last_now)
        }
    };
    if let Some(dir) = &args.documents {
        preload(
            &state,
            dir,
            &args.default_principal,
            args.state_dir.is_some(),
        )?;
    }
    Ok(state)
}

fn read_principals(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let map: BTreeMap<String, String> = serde_saphyr::from_str(&text).map_err(|e| {
        format!(
            "{}: expected a map of access key ids to principal ARNs: {e}",
            path.display()
        )
    })?;
    match map.iter().find(|(k, v)| k.is_empty() || v.is_empty()) {
        Some((k, _)) => Err(format!(
            "{}: access key id '{k}' needs a non-empty key and principal ARN",
            path.display()
        )),
        None => Ok(map),
    }
}

/// Create every runbook under `dir` through `CreateDocument`. With a
/// journal (`keep_existing`), documents the journal already created are left
/// as they are.
fn preload(
    state: &ServerState,
    dir: &Path,
    principal: &str,
    keep_existing: bool,
) -> Result<(), String> {
    for found in expand(&[dir.to_path_buf()]) {
        let path = match found {
            Found::File(path) => path,
            Found::Unreadable(path, why) => {
                return Err(format!("cannot read {}: {why}", path.display()));
            }
        };
        let runbook = load_runbook(&path)?;
        if keep_existing {
            let name = serde_json::json!({ "Name": runbook.name }).to_string();
            let known = state.submit("AmazonSSM.DescribeDocument", name.as_bytes(), principal);
            if known.status == 200 {
                continue;
            }
        }
        let content = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let body = serde_json::json!({
            "Content": content,
            "Name": runbook.name,
            "DocumentType": "Automation",
            "DocumentFormat": if is_json { "JSON" } else { "YAML" },
        });
        let answer = state.submit(
            "AmazonSSM.CreateDocument",
            body.to_string().as_bytes(),
            principal,
        );
        if answer.status != 200 {
            return Err(format!(
                "cannot create document '{}' from {}: {}",
                runbook.name,
                path.display(),
                answer.body
            ));
        }
    }
    Ok(())
}
