//! JSON output: one object listing every file and its findings, stable
//! member names, for scripts and editors.

use super::{Checked, counts, display_path};
use serde_json::{Value, json};

/// Render all files as one JSON document (pretty-printed, newline-terminated).
pub fn render(checked: &[Checked]) -> String {
    let files: Vec<Value> = checked
        .iter()
        .map(|file| {
            let diagnostics: Vec<Value> = file
                .report
                .diagnostics
                .iter()
                .map(|d| {
                    json!({
                        "code": d.code.id(),
                        "name": d.code.name(),
                        "severity": d.severity,
                        "message": d.message,
                        "path": d.path.to_string(),
                        "line": d.position.map(|p| p.line),
                        "column": d.position.map(|p| p.column),
                        "ssm_error": d.code.ssm_error().map(|e| e.name()),
                    })
                })
                .collect();
            json!({
                "path": display_path(&file.path),
                "format": file.report.format.map(|f| f.as_ssm()),
                "ssm_error": file.report.ssm_error().map(|e| e.name()),
                "diagnostics": diagnostics,
            })
        })
        .collect();
    let (errors, warnings, infos) = counts(checked);
    let doc = json!({
        "files": files,
        "summary": {"files": checked.len(), "errors": errors, "warnings": warnings, "infos": infos},
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
