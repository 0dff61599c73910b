//! `ssm-runbook check`: explore every interleaving of a runbook's
//! environment with `ssm-runbook-check`, print the verdicts (human or
//! JSON), write counter-examples as scenario files, and exit 0 (every
//! property holds over a complete exploration), 1 (a violation), 2 (usage
//! or input error) or 3 (no violation, but a limit cut the exploration
//! short).
//!
//! This module reads files, draws the progress bar and renders the report;
//! the exploration is the library's.

use crate::run_cmd::{load_documents, load_runbook};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value, json};
use ssm_runbook_check::config::CheckConfig;
use ssm_runbook_check::explore::{Report, Stats, Verdict};
use ssm_runbook_check::model::Model;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Verdicts, counter-examples as scenario YAML, statistics.
    Human,
    /// One JSON object.
    Json,
}

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The runbook to check.
    pub runbook: PathBuf,
    /// The check configuration (default: RUNBOOK's name with `.check.yaml`
    /// next to it, when that file exists).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// A directory of runbooks that aws:executeAutomation steps may start (file name = document name).
    #[arg(long)]
    pub documents: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write each counter-example as `<property>.scenario.yaml` here.
    #[arg(long, value_name = "DIR")]
    pub counterexample_out: Option<PathBuf>,
    /// Override limits.max_depth.
    #[arg(long)]
    pub max_depth: Option<u32>,
    /// Override limits.max_states.
    #[arg(long)]
    pub max_states: Option<u64>,
    /// Override limits.max_seconds.
    #[arg(long)]
    pub max_seconds: Option<u64>,
}

/// The configuration file used for `runbook`, if any.
fn config_path(args: &Args) -> Option<PathBuf> {
    if let Some(p) = &args.config {
        return Some(p.clone());
    }
    let stem = args.runbook.file_stem()?.to_str()?;
    let sibling = args.runbook.with_file_name(format!("{stem}.check.yaml"));
    sibling.is_file().then_some(sibling)
}

/// Run `check`; returns the exit status.
pub fn run(args: &Args) -> u8 {
    let prepared =
        (|| -> Result<(ssm_runbook_check::explore::Checker, Option<PathBuf>), String> {
            let runbook = load_runbook(&args.runbook)?;
            let path = config_path(args);
            let mut config = match &path {
                Some(p) => {
                    let text = std::fs::read_to_string(p)
                        .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                    CheckConfig::from_yaml(&text).map_err(|e| format!("{}: {e}", p.display()))?
                }
                None => CheckConfig::default(),
            };
            config.limits.max_depth = args.max_depth.or(config.limits.max_depth);
            config.limits.max_states = args.max_states.or(config.limits.max_states);
            config.limits.max_seconds = args.max_seconds.or(config.limits.max_seconds);
            let where_ = path.as_ref().map_or_else(
                || args.runbook.display().to_string(),
                |p| p.display().to_string(),
            );
            let documents = match &args.documents {
                Some(dir) => load_documents(dir)?,
                None => Default::default(),
            };
            let checker =
                ssm_runbook_check::checker_with_documents(Arc::new(runbook), documents, &config)
                    .map_err(|e| format!("{where_}: {e}"))?;
            Ok((checker, path))
        })();
    let (checker, _config) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} exploring: {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let mut show = |s: &Stats| {
        if let Some(bar) = &bar {
            bar.set_message(format!(
                "{} states, {} transitions, depth {}, {:.0} states/s",
                s.states,
                s.transitions,
                s.max_depth,
                s.states_per_second()
            ));
        }
    };
    let report = checker.run(Some(&mut show));
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let model = checker.model();
    if let Some(dir) = &args.counterexample_out {
        if let Err(e) = write_counterexamples(dir, &report, model) {
            eprintln!("error: {e}");
            return 2;
        }
    }
    match args.format {
        Format::Human => crate::emit(&human(&args.runbook, &report, model)),
        Format::Json => crate::emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&to_json(&report, model)).unwrap_or_default()
        )),
    }
    exit_code(&report)
}

fn exit_code(report: &Report) -> u8 {
    if report.violated() {
        1
    } else if !report.stats.complete {
        3
    } else {
        0
    }
}

/// A file name for a property's counter-example.
fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() { "property".into() } else { s }
}

fn write_counterexamples(dir: &Path, report: &Report, model: &Model) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for p in &report.properties {
        if p.verdict != Verdict::Violated {
            continue;
        }
        let Some(trace) = &p.trace else { continue };
        let path = dir.join(format!("{}.scenario.yaml", slug(&p.name)));
        let text = format!(
            "# Counter-example to '{}' ({}): {}\n{}",
            p.name,
            p.pattern,
            p.message,
            trace.to_scenario(model).to_yaml()
        );
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn moves(n: usize) -> String {
    if n == 1 {
        "1 move".into()
    } else {
        format!("{n} moves")
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}\n"))
        .collect::<String>()
}

fn human(runbook: &Path, report: &Report, model: &Model) -> String {
    let s = &report.stats;
    let mut out = format!(
        "checked {}: {} states, {} transitions, depth {}, {} in {:.2} s ({:.0} states/s)\n",
        runbook.display(),
        s.states,
        s.transitions,
        s.max_depth,
        if s.complete { "complete" } else { "INCOMPLETE" },
        s.elapsed.as_secs_f64(),
        s.states_per_second()
    );
    if let Some(limit) = s.limit {
        out.push_str(&format!(
            "the exploration stopped at {limit}: raise it in the configuration's limits or with --max-*; absence of violations is not a proof\n"
        ));
    }
    let finals: Vec<String> = report
        .outcomes
        .iter()
        .map(|(status, t)| format!("{status} ({})", moves(t.moves.len())))
        .collect();
    out.push_str(&format!(
        "final statuses: {}\n",
        if finals.is_empty() {
            "none".into()
        } else {
            finals.join(", ")
        }
    ));
    out.push_str(&format!(
        "dead steps: {}\n",
        if report.dead_steps.is_empty() {
            "none".into()
        } else {
            report.dead_steps.join(", ")
        }
    ));
    for p in &report.properties {
        let mark = match p.verdict {
            Verdict::Holds => "ok  ",
            Verdict::Violated => "FAIL",
            Verdict::Unknown => "??  ",
        };
        out.push_str(&format!(
            "{mark} {} ({}): {}\n",
            p.name, p.pattern, p.message
        ));
        if let (Verdict::Violated, Some(t)) = (p.verdict, &p.trace) {
            out.push_str(&format!(
                "  counter-example, {} (replay with `ssm-runbook run {} --scenario FILE`):\n",
                moves(t.moves.len()),
                runbook.display()
            ));
            out.push_str(&indent(&t.to_scenario(model).to_yaml()));
        }
    }
    out
}

fn to_json(report: &Report, model: &Model) -> Value {
    let s = &report.stats;
    let scenario = |t: &ssm_runbook_check::trace::Trace| {
        serde_json::to_value(t.to_scenario(model)).unwrap_or(Value::Null)
    };
    let mut outcomes = Map::new();
    for (status, t) in &report.outcomes {
        outcomes.insert(status.as_str().to_owned(), scenario(t));
    }
    let properties: Vec<Value> = report
        .properties
        .iter()
        .map(|p| {
            let holds = match p.verdict {
                Verdict::Holds => json!(true),
                Verdict::Violated => json!(false),
                Verdict::Unknown => Value::Null,
            };
            let (counterexample, witness) = match (p.verdict, &p.trace) {
                (Verdict::Violated, Some(t)) => (scenario(t), Value::Null),
                (Verdict::Holds, Some(t)) => (Value::Null, scenario(t)),
                _ => (Value::Null, Value::Null),
            };
            json!({
                "name": p.name,
                "pattern": p.pattern,
                "holds": holds,
                "message": p.message,
                "counterexample": counterexample,
                "witness": witness,
            })
        })
        .collect();
    json!({
        "states": s.states,
        "transitions": s.transitions,
        "max_depth": s.max_depth,
        "complete": s.complete,
        "limit": s.limit.map(|l| l.to_string()),
        "elapsed_ms": s.elapsed.as_millis() as u64,
        "outcomes": outcomes,
        "dead_steps": report.dead_steps,
        "properties": properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(
            slug("Deploy only after approval!"),
            "deploy-only-after-approval"
        );
        assert_eq!(slug("***"), "property");
    }
}
