//! Source text: format detection, parsing into a JSON value tree, and mapping
//! a [`crate::path::Path`] back to a line and column.
//!
//! Parsing is the hot path, so it produces a plain [`serde_json::Value`]
//! (document order kept) and no positions. Positions are computed lazily, only
//! when a document has diagnostics: [`Locator`] re-reads the text once for
//! all the paths asked for, visiting only the nodes along them. For YAML
//! that pass follows the YAML reader's events (serde-saphyr's `Spanned`
//! deserialization only for documents with anchors, aliases or tags); for
//! JSON a small scanner skips what no path enters. This module reads no
//! files; the caller hands it text. It must not interpret the document's
//! meaning.

mod locate;
mod locate_json;
mod locate_yaml;

pub use locate::Locator;

use crate::diagnostic::Position;
use crate::limits::Limits;
use serde_json::Value;

/// The text format of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JSON (SSM's default `DocumentFormat`).
    Json,
    /// YAML.
    Yaml,
}

impl Format {
    /// Guess the format from content: JSON when the first significant
    /// character opens an object or an array, YAML otherwise.
    ///
    /// ```
    /// use ssm_runbook_engine::source::Format;
    /// assert_eq!(Format::detect("  {\"a\": 1}"), Format::Json);
    /// assert_eq!(Format::detect("# c\nschemaVersion: '0.3'"), Format::Yaml);
    /// ```
    pub fn detect(text: &str) -> Format {
        let body = text.trim_start_matches('\u{feff}').trim_start();
        if body.starts_with('{') || body.starts_with('[') {
            Format::Json
        } else {
            Format::Yaml
        }
    }

    /// `JSON` or `YAML`, as SSM's `DocumentFormat` spells it.
    pub fn as_ssm(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        }
    }
}

/// Why text could not be read as a document tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseFailure {
    /// What went wrong, one line.
    pub message: String,
    /// Where, when known.
    pub position: Option<Position>,
    /// Whether a tool limit (not a syntax error) stopped the parse.
    pub limit: bool,
}

impl ParseFailure {
    fn syntax(message: impl Into<String>, position: Option<Position>) -> Self {
        ParseFailure {
            message: message.into(),
            position,
            limit: false,
        }
    }
}

/// Turn raw bytes into text, refusing binary data and invalid UTF-8 with a
/// located error.
///
/// ```
/// use ssm_runbook_engine::source::decode;
/// assert!(decode(b"a: 1").is_ok());
/// let err = decode(b"a: \xff").unwrap_err();
/// assert!(err.message.contains("UTF-8"));
/// assert_eq!(err.position.unwrap().column, 4);
/// ```
pub fn decode(bytes: &[u8]) -> Result<&str, ParseFailure> {
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(ParseFailure::syntax(
            "binary data: the file contains a NUL byte and is not a text document",
            Some(position_of_byte(&String::from_utf8_lossy(&bytes[..at]), at)),
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        let prefix = String::from_utf8_lossy(&bytes[..valid]);
        ParseFailure::syntax(
            format!("invalid UTF-8 at byte {valid}: documents must be UTF-8 text"),
            Some(position_of_byte(&prefix, valid)),
        )
    })
}

/// Refuse a document of `len` bytes when it is over
/// `limits.max_document_bytes`, naming the limit and both sizes.
pub fn check_size(len: usize, limits: &Limits) -> Result<(), ParseFailure> {
    if len <= limits.max_document_bytes {
        return Ok(());
    }
    Err(ParseFailure {
        message: format!(
            "document is {len} bytes, over this tool's limit of {} bytes (limit max_document_bytes)",
            limits.max_document_bytes
        ),
        position: None,
        limit: true,
    })
}

/// Parse text of the given format into a value tree, within `limits`.
///
/// ```
/// use ssm_runbook_engine::source::{parse, Format};
/// use ssm_runbook_engine::limits::Limits;
/// let v = parse("a: [1, two]", Format::Yaml, &Limits::default()).unwrap();
/// assert_eq!(v["a"][1], "two");
/// let e = parse("{\"a\": }", Format::Json, &Limits::default()).unwrap_err();
/// assert_eq!(e.position.unwrap().to_string(), "1:7");
/// ```
pub fn parse(text: &str, format: Format, limits: &Limits) -> Result<Value, ParseFailure> {
    check_size(text.len(), limits)?;
    let text = text.trim_start_matches('\u{feff}');
    match format {
        Format::Json => parse_json(text, limits),
        Format::Yaml => parse_yaml(text, limits),
    }
}

fn parse_json(text: &str, limits: &Limits) -> Result<Value, ParseFailure> {
    if let Some(at) = json_depth_over(text, limits.max_nesting_depth) {
        return Err(ParseFailure {
            message: format!(
                "document nests deeper than {} levels (limit max_nesting_depth)",
                limits.max_nesting_depth
            ),
            position: Some(position_of_byte(text, at)),
            limit: true,
        });
    }
    serde_json::from_str::<Value>(text).map_err(|e| {
        let position = (e.line() > 0).then(|| Position {
            line: clamp(e.line()),
            column: clamp(e.column()),
        });
        let mut message = e.to_string();
        if let Some(cut) = message.find(" at line ") {
            message.truncate(cut);
        }
        ParseFailure::syntax(format!("JSON not well-formed: {message}"), position)
    })
}

/// Count bracket depth outside strings; the byte offset of the bracket that
/// goes past `max`, if one does.
fn json_depth_over(text: &str, max: usize) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, b) in text.bytes().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Some(at);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn yaml_options(limits: &Limits) -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: limits.max_nesting_depth,
            max_nodes: limits.max_yaml_nodes,
            max_aliases: limits.max_yaml_aliases,
            max_events: limits.max_yaml_nodes.saturating_mul(4),
        },
        with_snippet: false,
        reject_unsupported_tags: true,
    }
}

fn parse_yaml(text: &str, limits: &Limits) -> Result<Value, ParseFailure> {
    let value: Value = serde_saphyr::from_str_with_options(text, yaml_options(limits))
        .map_err(|e| yaml_failure(&e, limits))?;
    Ok(value)
}

fn yaml_failure(e: &serde_saphyr::Error, limits: &Limits) -> ParseFailure {
    let position = e.location().and_then(|l| {
        (l.line() > 0).then(|| Position {
            line: clamp64(l.line()),
            column: clamp64(l.column()),
        })
    });
    let mut message = e.to_string();
    // The location is reported separately; keep the message to its first line.
    if let Some(cut) = message.find('\n') {
        message.truncate(cut);
    }
    if let Some(cut) = message.rfind(" at line ") {
        if message[cut..].contains("column") {
            message.truncate(cut);
        }
    }
    let limit = message.contains("budget") || message.contains("limit");
    // The parser's budget names its own counters ("Depth { depth: 129 }");
    // name this tool's limit instead: the YAML itself is well-formed.
    if let Some(breach) = message.strip_prefix("budget breached: ") {
        let message = if breach.starts_with("Depth") {
            format!(
                "document nests deeper than {} levels (limit max_nesting_depth)",
                limits.max_nesting_depth
            )
        } else if breach.starts_with("Nodes") || breach.starts_with("Events") {
            format!(
                "document has more than {} YAML nodes (limit max_yaml_nodes)",
                limits.max_yaml_nodes
            )
        } else if breach.starts_with("Aliases") {
            format!(
                "document uses more than {} YAML aliases (limit max_yaml_aliases)",
                limits.max_yaml_aliases
            )
        } else {
            format!("document exceeds a limit of the YAML reader: {breach}")
        };
        return ParseFailure {
            message,
            position,
            limit: true,
        };
    }
    if message.contains("tag") && message.contains('!') {
        message.push_str(" (SSM reads plain YAML: CloudFormation functions such as !Ref and !Sub are resolved by CloudFormation, not by SSM)");
    }
    ParseFailure {
        message: format!("YAML not well-formed: {message}"),
        position,
        limit,
    }
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn clamp64(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The 1-based position of byte offset `at` in `text`.
pub fn position_of_byte(text: &str, at: usize) -> Position {
    let at = floor_char_boundary(text, at.min(text.len()));
    let before = &text[..at];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Position {
        line: clamp(line),
        column: clamp(column),
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::Path;

    #[test]
    fn json_locates_keys_and_elements() {
        let text = "{\"a\": {\"b\": [10, {\"c\": true}]}, \"d\": \"x\\\"y\"}";
        let p = Path::root().key("a").key("b").index(1).key("c");
        let loc = Locator::new(text, Format::Json);
        assert_eq!(
            loc.locate(&p),
            Some(position_of_byte(text, text.find("\"c\"").unwrap()))
        );
        // A missing key reports its parent.
        let missing = Path::root().key("a").key("zzz");
        assert_eq!(loc.locate(&missing), Some(position_of_byte(text, 1)));
        assert_eq!(
            loc.locate(&Path::root().key("d")),
            Some(position_of_byte(text, text.find("\"d\"").unwrap()))
        );
    }

    #[test]
    fn yaml_locates_flow_and_block() {
        let text = "a:\n  b: [x, {c: 1}]\n";
        let loc = Locator::new(text, Format::Yaml);
        let p = Path::root().key("a").key("b").index(1).key("c");
        assert_eq!(loc.locate(&p).unwrap().to_string(), "2:11");
    }

    #[test]
    fn deep_json_is_refused() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        let err = parse(&text, Format::Json, &Limits::default()).unwrap_err();
        assert!(err.limit);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(position_of_byte("é: x", 4).column, 4);
    }
}
