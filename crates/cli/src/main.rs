//! The `ssm-runbook` command: a thin shell over the library crates.
//!
//! Each subcommand lives in its own module and does only argument handling,
//! file reading and output; the work happens in `ssm-runbook-engine`.

mod files;
mod graph_cmd;
mod render;
mod validate_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Validate, simulate and model-check AWS SSM Automation runbooks.
#[derive(Debug, Parser)]
#[command(name = "ssm-runbook", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check runbooks for every mistake SSM would reject, and run-time mistakes.
    Validate(validate_cmd::Args),
    /// Print a runbook's step graph as Mermaid or Graphviz.
    Graph(graph_cmd::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Validate(args) => validate_cmd::run(&args),
        Command::Graph(args) => graph_cmd::run(&args),
    };
    ExitCode::from(code)
}
