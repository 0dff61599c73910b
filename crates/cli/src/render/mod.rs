//! Rendering validation results: human (rustc-like), JSON and SARIF.
//!
//! Renderers are pure functions from checked files to text; they do not
//! read files or decide exit codes.

pub mod human;
pub mod json;
pub mod sarif;

use ssm_runbook_engine::validate::Report;
use std::path::PathBuf;

/// One checked file.
pub struct Checked {
    /// The path as given or found.
    pub path: PathBuf,
    /// Its text (lossily decoded), for excerpts.
    pub text: String,
    /// What validation found.
    pub report: Report,
}

/// Counts of findings by severity: (errors, warnings, infos).
pub fn counts(checked: &[Checked]) -> (usize, usize, usize) {
    use ssm_runbook_engine::diagnostic::Severity;
    let mut c = (0, 0, 0);
    for d in checked.iter().flat_map(|f| &f.report.diagnostics) {
        match d.severity {
            Severity::Error => c.0 += 1,
            Severity::Warning => c.1 += 1,
            Severity::Info => c.2 += 1,
        }
    }
    c
}

/// A path as shown in output: forward slashes, as given.
pub fn display_path(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
