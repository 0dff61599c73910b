//! Human output: each finding with its source line and a marker under the
//! fault, in the style of rustc. Colour only on a terminal and never when
//! `NO_COLOR` is set.

use super::{Checked, counts, display_path};
use ssm_runbook_engine::diagnostic::{Diagnostic, Severity};
use std::fmt::Write as _;
use std::io::IsTerminal as _;

/// Whether to colour output: stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn severity(&self, s: Severity) -> String {
        match s {
            Severity::Error => self.paint("1;31", "error"),
            Severity::Warning => self.paint("1;33", "warning"),
            Severity::Info => self.paint("1;36", "info"),
        }
    }
}

/// Render every file's findings and a summary line.
pub fn render(checked: &[Checked], color: bool) -> String {
    let style = Style { on: color };
    let mut out = String::new();
    for file in checked {
        for d in &file.report.diagnostics {
            diagnostic(&mut out, &style, file, d);
        }
    }
    let (errors, warnings, infos) = counts(checked);
    let clean = checked
        .iter()
        .filter(|c| c.report.diagnostics.is_empty())
        .count();
    let _ = writeln!(
        out,
        "{} file{} checked: {errors} error{}, {warnings} warning{}, {infos} info; {clean} clean",
        checked.len(),
        plural(checked.len()),
        plural(errors),
        plural(warnings),
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn diagnostic(out: &mut String, style: &Style, file: &Checked, d: &Diagnostic) {
    let head = format!("{}[{}]", style.severity(d.severity), d.code.id());
    let _ = writeln!(out, "{head}: {}", style.paint("1", &d.message));
    let path = display_path(&file.path);
    let Some(pos) = d.position else {
        let _ = writeln!(out, "  --> {path}");
        let _ = writeln!(out, "   = at {} ({})\n", d.path, d.code.name());
        return;
    };
    let _ = writeln!(out, "  --> {path}:{pos}");
    let line_text = file
        .text
        .lines()
        .nth(pos.line.saturating_sub(1) as usize)
        .unwrap_or("");
    let number = pos.line.to_string();
    let pad = " ".repeat(number.len());
    let bar = style.paint("1;34", "|");
    let shown: String = line_text
        .chars()
        .take(160)
        .collect::<String>()
        .replace('\t', " ");
    let col = (pos.column.saturating_sub(1) as usize).min(shown.chars().count());
    let width = marker_width(&shown, col);
    let _ = writeln!(out, "{pad} {bar}");
    let _ = writeln!(out, "{} {bar} {shown}", style.paint("1;34", &number));
    let marker = style.paint(
        if d.severity == Severity::Error {
            "1;31"
        } else {
            "1;33"
        },
        &"^".repeat(width),
    );
    let _ = writeln!(out, "{pad} {bar} {}{marker}", " ".repeat(col));
    let _ = writeln!(out, "{pad} = at {} ({})\n", d.path, d.code.name());
}

/// The width of the token starting at character `col`: up to a blank or a
/// YAML/JSON delimiter, at least one.
fn marker_width(line: &str, col: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(col).collect();
    let quoted = matches!(rest.first(), Some('"' | '\''));
    let mut width = 0;
    for (i, c) in rest.iter().enumerate() {
        if quoted && i > 0 && (*c == rest[0]) {
            width = i + 1;
            break;
        }
        if !quoted && (c.is_whitespace() || matches!(c, ':' | ',' | ']' | '}')) {
            break;
        }
        width = i + 1;
    }
    width.max(1)
}

#[cfg(test)]
mod tests {
    use super::marker_width;

    #[test]
    fn markers_cover_one_token() {
        assert_eq!(marker_width("    nextStep: nowhere", 4), 8);
        assert_eq!(marker_width("  \"a b\": 1", 2), 5);
        assert_eq!(marker_width("", 0), 1);
    }
}
