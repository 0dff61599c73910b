//! The `ssm-runbook` command: a thin shell over the library crates.
//!
//! Each subcommand lives in its own module and does only argument handling,
//! file reading and output; the work happens in `ssm-runbook-engine`.

mod check_cmd;
mod files;
mod graph_cmd;
mod render;
mod run_cmd;
mod schema_cmd;
mod serve_cmd;
mod validate_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: the model checker and the
/// engine make and free many small values per transition, and mimalloc's
/// thread-local free lists take about a fifth fewer instructions for them
/// than glibc's malloc (see `docs/benchmarks.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Print a JSON Schema for runbooks, for editors.
    Schema(schema_cmd::Args),
    /// Run a runbook on a virtual clock under a scenario.
    Run(run_cmd::Args),
    /// Prove properties over every interleaving of signals, time-outs and failures.
    Check(check_cmd::Args),
    /// Serve the SSM Automation API over HTTP for AWS SDKs and the AWS CLI.
    Serve(serve_cmd::Args),
}

/// Write to standard output; a closed pipe (`| head`) is not an error.
pub fn emit(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
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
        Command::Schema(args) => schema_cmd::run(&args),
        Command::Run(args) => run_cmd::run(&args),
        Command::Check(args) => check_cmd::run(&args),
        Command::Serve(args) => serve_cmd::run(&args),
    };
    ExitCode::from(code)
}
