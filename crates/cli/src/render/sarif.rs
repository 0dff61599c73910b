//! SARIF 2.1.0 output, in the shape GitHub code scanning accepts: one run,
//! every rule described once, one result per finding with a physical
//! location (file, line, column) and a logical one (the document path).

use super::{Checked, display_path};
use serde_json::{Value, json};
use ssm_runbook_engine::diagnostic::{Code, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Render all files as one SARIF log.
pub fn render(checked: &[Checked]) -> String {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.id(),
                "name": c.name(),
                "shortDescription": {"text": c.summary()},
                "help": {"text": format!("See docs/rules.md#{} in ssm-runbook.", c.id().to_ascii_lowercase())},
                "defaultConfiguration": {"level": level(c.severity())},
                "properties": {"ssmError": c.ssm_error().map(|e| e.name())},
            })
        })
        .collect();
    let mut results = Vec::new();
    for file in checked {
        for d in &file.report.diagnostics {
            let rule_index = Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0);
            let mut physical = json!({"artifactLocation": {"uri": display_path(&file.path)}});
            if let Some(p) = d.position {
                physical["region"] = json!({"startLine": p.line, "startColumn": p.column});
            }
            results.push(json!({
                "ruleId": d.code.id(),
                "ruleIndex": rule_index,
                "level": level(d.severity),
                "message": {"text": d.message},
                "locations": [{
                    "physicalLocation": physical,
                    "logicalLocations": [{"fullyQualifiedName": d.path.to_string(), "kind": "member"}],
                }],
            }));
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ssm-runbook",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}
