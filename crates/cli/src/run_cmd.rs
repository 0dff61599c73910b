//! `ssm-runbook run`: simulate one execution on a virtual clock under a
//! scenario, print the timeline (human) or the GetAutomationExecution
//! response (JSON), and exit 0 for Success, 1 for any other final status,
//! 2 for usage or input errors.

use crate::render::human::use_color;
use ssm_runbook_engine::clock::{DurationMs, SimTime};
use ssm_runbook_engine::diagnostic::Severity;
use ssm_runbook_engine::execution::Status;
use ssm_runbook_engine::runbook::Runbook;
use ssm_runbook_engine::scenario::Scenario;
use ssm_runbook_engine::simulate::{Happening, Simulation, SimulationOptions, simulate};
use ssm_runbook_engine::validate::validate_bytes;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Output formats of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A timeline and the final status.
    Human,
    /// The GetAutomationExecution response.
    Json,
}

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The runbook to run.
    pub runbook: PathBuf,
    /// A scenario file: parameters, answers for external actions, timed signals.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// A parameter value, NAME=VALUE; repeat a name to give a list.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// A directory of runbooks that aws:executeAutomation steps may start (file name = document name).
    #[arg(long)]
    pub documents: Option<PathBuf>,
    /// Make an external step without an answer in the scenario an error.
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// The runbook, the scenario and the child runbooks of a run.
type Prepared = (Runbook, Scenario, BTreeMap<String, Arc<Runbook>>);

/// A runbook read, validated and compiled; errors are printed.
pub fn load_runbook(path: &Path) -> Result<Runbook, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let report = validate_bytes(&bytes);
    let errors: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            format!(
                "{}:{}: {}[{}] {}",
                path.display(),
                d.position.map_or_else(String::new, |p| p.to_string()),
                d.severity,
                d.code.id(),
                d.message
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "{} is not a valid runbook (see `ssm-runbook validate`):\n{}",
            path.display(),
            errors.join("\n")
        ));
    }
    let doc = report
        .document
        .ok_or_else(|| format!("{} is not a runbook", path.display()))?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("runbook")
        .to_owned();
    Runbook::compile(doc, name, "1").map_err(|e| format!("{}: {e}", path.display()))
}

/// The runbooks of a `--documents` directory, by document name.
pub fn load_documents(dir: &Path) -> Result<BTreeMap<String, Arc<Runbook>>, String> {
    let mut out = BTreeMap::new();
    for found in crate::files::expand(&[dir.to_path_buf()]) {
        match found {
            crate::files::Found::File(path) => {
                let rb = load_runbook(&path)?;
                out.insert(rb.name.clone(), Arc::new(rb));
            }
            crate::files::Found::Unreadable(path, why) => {
                return Err(format!("cannot read {}: {why}", path.display()));
            }
        }
    }
    Ok(out)
}

fn scenario_with_params(args: &Args) -> Result<Scenario, String> {
    let mut scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Scenario::from_yaml(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Scenario::default(),
    };
    let mut given: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &args.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| format!("--param {p}: expected NAME=VALUE"))?;
        given.entry(k.to_owned()).or_default().push(v.to_owned());
    }
    for (k, mut v) in given {
        let value = if v.len() == 1 {
            serde_json::Value::String(v.remove(0))
        } else {
            serde_json::json!(v)
        };
        scenario.parameters.insert(k, value);
    }
    Ok(scenario)
}

/// Run `run`; returns the exit status.
pub fn run(args: &Args) -> u8 {
    let prepared = (|| -> Result<Prepared, String> {
        let runbook = load_runbook(&args.runbook)?;
        let scenario = scenario_with_params(args)?;
        let documents = match &args.documents {
            Some(dir) => load_documents(dir)?,
            None => BTreeMap::new(),
        };
        Ok((runbook, scenario, documents))
    })();
    let (runbook, scenario, documents) = match prepared {
        Ok(p) => p,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let options = SimulationOptions {
        strict: args.strict,
        ..SimulationOptions::default()
    };
    let sim = match simulate(Arc::new(runbook), &scenario, &documents, &options) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    match args.format {
        Format::Human => crate::emit(&timeline(&sim, use_color())),
        Format::Json => {
            let body = serde_json::json!({"AutomationExecution": sim.execution.to_api()});
            crate::emit(&(serde_json::to_string_pretty(&body).unwrap_or_default() + "\n"));
        }
    }
    u8::from(sim.execution.status() != Status::Success)
}

/// The human timeline: virtual time since the start, what changed, and the final status.
pub fn timeline(sim: &Simulation, color: bool) -> String {
    let start = sim.execution.times().0.unwrap_or(SimTime(0));
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let root = sim.execution.id().to_owned();
    let mut out = String::new();
    for entry in &sim.timeline {
        let offset = DurationMs(entry.at.0 - start.0).to_iso();
        let who = if entry.execution_id == root {
            String::new()
        } else {
            format!(
                "[child {}] ",
                &entry.execution_id[..8.min(entry.execution_id.len())]
            )
        };
        let line = match &entry.what {
            Happening::Execution(status) => format!("execution {}", status_text(*status, &paint)),
            Happening::Step { step, status } => {
                format!("step {step}: {}", status_text(*status, &paint))
            }
            Happening::Signal {
                signal,
                principal,
                refused: None,
            } => format!("signal {signal} from {principal}: accepted"),
            Happening::Signal {
                signal,
                principal,
                refused: Some((exception, message)),
            } => {
                format!(
                    "signal {signal} from {principal}: refused, {} ({message})",
                    paint("33", exception)
                )
            }
            Happening::Stop {
                stop,
                refused: None,
            } => format!("stop {stop}: accepted"),
            Happening::Stop {
                stop,
                refused: Some((exception, message)),
            } => format!(
                "stop {stop}: refused, {} ({message})",
                paint("33", exception)
            ),
            Happening::Answer {
                step,
                attempt,
                outcome,
            } => format!("answer {step} attempt {attempt}: {outcome}"),
            Happening::Note(note) => format!("note: {note}"),
        };
        out.push_str(&format!("{:>12}  {who}{line}\n", offset));
    }
    let (_, end) = sim.execution.times();
    let status = sim.execution.status();
    out.push_str(&format!(
        "final status: {}{}\n",
        status_text(status, &paint),
        end.map_or_else(
            || " (still waiting: no event or deadline left)".to_owned(),
            |t| format!(" at {}", DurationMs(t.0 - start.0).to_iso())
        )
    ));
    if let Some(msg) = sim.execution.failure_message() {
        if matches!(status, Status::Failed | Status::TimedOut) {
            out.push_str(&format!("failure: {msg}\n"));
        }
    }
    out
}

fn status_text(status: Status, paint: &dyn Fn(&str, &str) -> String) -> String {
    let code = match status {
        Status::Success => "32",
        Status::Failed | Status::TimedOut | Status::Cancelled => "31",
        Status::Waiting => "36",
        _ => "0",
    };
    paint(code, status.as_str())
}
