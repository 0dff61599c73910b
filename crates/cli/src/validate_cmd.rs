//! `ssm-runbook validate`: check files and directories, print findings in
//! human, JSON or SARIF form, and exit 0 (clean), 1 (errors) or 2 (usage or
//! I/O errors).

use crate::files::{self, Found};
use crate::render::{self, Checked};
use ssm_runbook_engine::diagnostic::{Code, Severity};
use ssm_runbook_engine::limits::Limits;
use ssm_runbook_engine::validate::{Report, oversized, validate_bytes};
use std::path::{Path, PathBuf};

/// Output formats of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source excerpts with markers, like rustc.
    Human,
    /// One JSON object with every file's findings.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Runbook files, or directories searched for .json, .yaml and .yml files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Treat warnings as errors for the exit status.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Skip a rule, by code (SSM501) or name (unreachable-step); repeatable.
    #[arg(long = "ignore", value_name = "CODE")]
    pub ignore: Vec<String>,
}

/// Run `validate`; returns the exit status.
pub fn run(args: &Args) -> u8 {
    let mut ignored = Vec::new();
    for name in &args.ignore {
        match Code::lookup(name) {
            Some(code) => ignored.push(code),
            None => {
                eprintln!(
                    "error: --ignore {name}: no rule has that code or name (see docs/rules.md)"
                );
                return 2;
            }
        }
    }
    let mut checked = Vec::new();
    let mut io_failed = false;
    for found in files::expand(&args.paths) {
        match found {
            Found::File(path) => match check_file(&path) {
                Ok((mut report, text)) => {
                    report.diagnostics.retain(|d| !ignored.contains(&d.code));
                    checked.push(Checked { path, text, report });
                }
                Err(e) => {
                    io_failed = true;
                    eprintln!("error: cannot read {}: {e}", path.display());
                }
            },
            Found::Unreadable(path, why) => {
                io_failed = true;
                eprintln!("error: cannot read {}: {why}", path.display());
            }
        }
    }
    let out = match args.format {
        Format::Human => render::human::render(&checked, render::human::use_color()),
        Format::Json => render::json::render(&checked),
        Format::Sarif => render::sarif::render(&checked),
    };
    crate::emit(&out);
    let failing =
        |s: Severity| s == Severity::Error || (args.deny_warnings && s == Severity::Warning);
    if io_failed {
        2
    } else if checked
        .iter()
        .any(|c| c.report.diagnostics.iter().any(|d| failing(d.severity)))
    {
        1
    } else {
        0
    }
}

/// Read and validate one file; gives the report and the text (for
/// excerpts). A file over `max_document_bytes` is refused from its size
/// alone, without being read, so a huge file costs no memory; valid UTF-8
/// is kept without a second copy.
fn check_file(path: &Path) -> std::io::Result<(Report, String)> {
    let len = std::fs::metadata(path)?.len();
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if let Some(report) = oversized(len, &Limits::default()) {
        return Ok((report, String::new()));
    }
    let bytes = std::fs::read(path)?;
    let report = validate_bytes(&bytes);
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok((report, text))
}
