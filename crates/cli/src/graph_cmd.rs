//! `ssm-runbook graph`: print a runbook's step graph as Mermaid or Graphviz.

use ssm_runbook_engine::runbook::StepGraph;
use ssm_runbook_engine::validate::validate_bytes;
use std::path::PathBuf;

/// Graph output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Mermaid flowchart.
    Mermaid,
    /// A Graphviz digraph.
    Dot,
}

/// Arguments of `graph`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The runbook.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Mermaid)]
    pub format: Format,
}

/// Run `graph`; returns the exit status.
pub fn run(args: &Args) -> u8 {
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.file.display());
            return 2;
        }
    };
    let report = validate_bytes(&bytes);
    let Some(doc) = report.document else {
        let why = report
            .diagnostics
            .first()
            .map_or_else(|| "not a runbook".to_owned(), |d| d.message.clone());
        eprintln!("error: {}: {why}", args.file.display());
        return 1;
    };
    let graph = StepGraph::build(&doc);
    crate::emit(&match args.format {
        Format::Mermaid => graph.to_mermaid(),
        Format::Dot => graph.to_dot(),
    });
    0
}
