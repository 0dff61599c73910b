//! Source text: format detection, parsing into a JSON value tree, and mapping
//! a [`Path`] back to a line and column.
//!
//! Parsing is the hot path, so it produces a plain [`serde_json::Value`]
//! (document order kept) and no positions. Positions are computed lazily, only
//! when a document has diagnostics: [`Locator`] re-reads the text with a
//! span-aware pass and answers "where is this path". For YAML that pass
//! reads the YAML reader's events into a span tree (serde-saphyr's `Spanned`
//! deserialization only for documents with anchors, aliases or tags); for
//! JSON a small scanner indexes the text once. This module reads no files;
//! the caller hands it text. It must not interpret the document's meaning.

use crate::diagnostic::Position;
use crate::limits::Limits;
use crate::path::{Path, Segment};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

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

/// Maps paths to source positions for one document text.
///
/// Build it only when there is something to locate: it re-reads the text.
/// Positions are those of serde-saphyr's `Spanned` (YAML) for text that
/// [`parse`] accepts.
///
/// ```
/// use ssm_runbook_engine::source::{Format, Locator};
/// use ssm_runbook_engine::path::Path;
/// let text = "mainSteps:\n  - name: a\n    action: aws:nope\n";
/// let loc = Locator::new(text, Format::Yaml);
/// let p = Path::root().key("mainSteps").index(0).key("action");
/// assert_eq!(loc.locate(&p).unwrap().to_string(), "3:5");
/// let json = "{\n  \"mainSteps\": [\n    {\"name\": \"a\", \"action\": \"x\"}\n  ]\n}";
/// let loc = Locator::new(json, Format::Json);
/// assert_eq!(loc.locate(&p).unwrap().to_string(), "3:19");
/// ```
pub struct Locator<'a> {
    text: &'a str,
    yaml: Option<SpanNode>,
    format: Format,
    /// Byte offset where each line starts (JSON).
    line_starts: Vec<usize>,
    /// The structure of the JSON text, built on the first `locate`; `None`
    /// inside when the text is not well-formed JSON (then paths are walked).
    index: std::cell::OnceCell<Option<JsonIndex<'a>>>,
    /// JSON path prefixes already walked: (offset of the value, offset to report).
    walked: std::cell::RefCell<std::collections::BTreeMap<Vec<Segment>, (usize, usize)>>,
}

impl<'a> Locator<'a> {
    /// Prepare to locate paths in `text`.
    pub fn new(text: &'a str, format: Format) -> Self {
        let yaml = match format {
            Format::Yaml => yaml_spans(text),
            Format::Json => None,
        };
        let line_starts = match format {
            Format::Json => std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            Format::Yaml => Vec::new(),
        };
        Locator {
            text,
            yaml,
            format,
            line_starts,
            index: std::cell::OnceCell::new(),
            walked: Default::default(),
        }
    }

    /// The position of a byte offset, using the line index.
    fn position(&self, offset: usize) -> Position {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |t| t.chars().count())
            + 1;
        Position {
            line: clamp(line),
            column: clamp(column),
        }
    }

    /// Walk JSON along `segments`, starting from the longest prefix walked before.
    fn json_offset(&self, segments: &[Segment]) -> Option<usize> {
        let mut walked = self.walked.try_borrow_mut().ok()?;
        let mut scanner = JsonScanner {
            bytes: self.text.as_bytes(),
            at: 0,
        };
        scanner.skip_ws();
        let (mut done, mut best) = (0, scanner.at);
        for depth in (1..=segments.len()).rev() {
            if let Some(&(value_at, report_at)) = walked.get(&segments[..depth]) {
                (done, best, scanner.at) = (depth, report_at, value_at);
                break;
            }
        }
        for (i, segment) in segments.iter().enumerate().skip(done) {
            match scanner.enter(segment) {
                Some(found_at) => {
                    best = found_at;
                    walked.insert(segments[..=i].to_vec(), (scanner.at, found_at));
                }
                None => break,
            }
        }
        Some(best)
    }

    /// The position of the deepest node along `path` that exists: the key of
    /// a mapping entry, or the value of a sequence element.
    pub fn locate(&self, path: &Path) -> Option<Position> {
        match self.format {
            Format::Yaml => self
                .yaml
                .as_ref()
                .and_then(|root| root.locate(path.segments())),
            Format::Json => {
                let index = self.index.get_or_init(|| JsonIndex::build(self.text));
                let offset = match index {
                    Some(index) => index.offset(path.segments()),
                    None => self.json_offset(path.segments())?,
                };
                Some(self.position(offset))
            }
        }
    }
}

/// The span tree of a YAML text: from the reader's events when the text is
/// plain (one document of string-keyed mappings, sequences and scalars, with
/// no anchors, aliases or tags), else from serde-saphyr's span-aware
/// deserialization, which also resolves those.
fn yaml_spans(text: &str) -> Option<SpanNode> {
    match yaml_spans_from_events(text) {
        Some(tree) => Some(tree),
        None => {
            serde_saphyr::from_str_with_options::<SpanNode>(text, yaml_options(&Limits::default()))
                .ok()
        }
    }
}

/// Whether a plain (unquoted) scalar used as a mapping key reads as the
/// same text when resolved: not a number, boolean or null, which
/// serde-saphyr would render differently.
fn plain_key_is_text(key: &str) -> bool {
    let Some(first) = key.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && !matches!(
            key.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "nan" | "inf"
        )
        && key != "<<"
}

/// One open collection while building the span tree from events.
enum Open {
    Seq(Option<Position>, Vec<SpanNode>),
    /// The mapping's position, its entries, and the key read but not yet
    /// given a value.
    Map(
        Option<Position>,
        Vec<(String, Option<Position>, SpanNode)>,
        Option<(String, Option<Position>)>,
    ),
}

/// The span tree from the YAML reader's events; `None` when the text is
/// not plain (see [`yaml_spans`]) or not well-formed.
fn yaml_spans_from_events(text: &str) -> Option<SpanNode> {
    use granit_parser::{Event, ScalarStyle};
    let mut stack: Vec<Open> = Vec::new();
    let mut root = None;
    let mut documents = 0;
    for event in granit_parser::Parser::new_from_str(text) {
        let (event, span) = event.ok()?;
        let at = (span.start.line() > 0).then(|| Position {
            line: clamp(span.start.line()),
            column: clamp(span.start.col().saturating_add(1)),
        });
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => continue,
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return None;
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                if let Some(Open::Map(_, _, pending @ None)) = stack.last_mut() {
                    if style == ScalarStyle::Plain && !plain_key_is_text(&value) {
                        return None;
                    }
                    *pending = Some((value.into_owned(), at));
                    continue;
                }
                SpanNode {
                    at,
                    kind: SpanKind::Scalar,
                }
            }
            Event::SequenceStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                stack.push(Open::Seq(at, Vec::new()));
                continue;
            }
            Event::MappingStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                stack.push(Open::Map(at, Vec::new(), None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop()? {
                Open::Seq(at, items) => SpanNode {
                    at,
                    kind: SpanKind::Seq(items),
                },
                Open::Map(at, entries, None) => SpanNode {
                    at,
                    kind: SpanKind::Map(entries),
                },
                Open::Map(_, _, Some(_)) => return None,
            },
            // Aliases, anchors and anything else: leave it to serde-saphyr.
            _ => return None,
        };
        match stack.last_mut() {
            None => {
                if root.is_some() {
                    return None;
                }
                root = Some(node);
            }
            Some(Open::Seq(_, items)) => items.push(node),
            // A collection as a mapping key.
            Some(Open::Map(_, _, None)) => return None,
            Some(Open::Map(_, entries, pending @ Some(_))) => {
                let (key, key_at) = pending.take()?;
                entries.push((key, key_at, node));
            }
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root
}

/// A YAML node with the location where it is referenced.
struct SpanNode {
    at: Option<Position>,
    kind: SpanKind,
}

enum SpanKind {
    Scalar,
    Seq(Vec<SpanNode>),
    Map(Vec<(String, Option<Position>, SpanNode)>),
}

impl SpanNode {
    fn locate(&self, segments: &[Segment]) -> Option<Position> {
        let Some((first, rest)) = segments.split_first() else {
            return self.at;
        };
        let found = match (&self.kind, first) {
            (SpanKind::Map(entries), Segment::Key(k)) => entries
                .iter()
                .rev()
                .find(|(name, _, _)| name == k)
                .map(|(_, key_at, child)| {
                    if rest.is_empty() {
                        key_at.or(child.at)
                    } else {
                        child.locate(rest).or(*key_at)
                    }
                }),
            (SpanKind::Seq(items), Segment::Index(i)) => {
                items.get(*i).map(|c| c.locate(rest).or(c.at))
            }
            _ => None,
        };
        found.flatten().or(self.at)
    }
}

fn location_position(l: &serde_saphyr::Location) -> Option<Position> {
    (l.line() > 0).then(|| Position {
        line: clamp64(l.line()),
        column: clamp64(l.column()),
    })
}

impl<'de> Deserialize<'de> for SpanNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<SpanKind>::deserialize(d)?;
        Ok(SpanNode {
            at: location_position(&spanned.referenced),
            kind: spanned.value,
        })
    }
}

/// A mapping key of any scalar type, as text.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyText, E> {
                Ok(KeyText(String::new()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for SpanKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SpanKind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML node")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<SpanKind, E> {
                Ok(SpanKind::Scalar)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<SpanKind, E> {
                Ok(SpanKind::Scalar)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<SpanKind, E> {
                Ok(SpanKind::Scalar)
            }
            fn visit_i128<E: de::Error>(self, _: i128) -> Result<SpanKind, E> {
                Ok(SpanKind::Scalar)
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<SpanKind, E> {
                Ok(SpanKind::Scalar)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<SpanKind, E> {
                Ok(SpanKind::Scalar)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<SpanKind, E> {
                Ok(SpanKind::Scalar)
            }
            fn visit_unit<E: de::Error>(self) -> Result<SpanKind, E> {
                Ok(SpanKind::Scalar)
            }
            fn visit_none<E: de::Error>(self) -> Result<SpanKind, E> {
                Ok(SpanKind::Scalar)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<SpanKind, D::Error> {
                SpanKind::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SpanKind, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<SpanNode>()? {
                    items.push(item);
                }
                Ok(SpanKind::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SpanKind, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<serde_saphyr::Spanned<KeyText>>()? {
                    let value = map.next_value::<SpanNode>()?;
                    entries.push((key.value.0, location_position(&key.referenced), value));
                }
                Ok(SpanKind::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Every node of a well-formed JSON text with its offsets, read in one pass
/// without decoding strings (only keys with escapes are decoded), so that
/// each path is found by a walk from the root that skips nothing.
struct JsonIndex<'a> {
    nodes: Vec<JsonNode<'a>>,
}

/// A JSON value: where it starts, and its children.
struct JsonNode<'a> {
    at: usize,
    kind: JsonKind<'a>,
}

enum JsonKind<'a> {
    Leaf,
    /// Entries in order: the key (`None` when its escapes do not decode),
    /// the offset of the key, and the value's node.
    Object(Vec<(Option<std::borrow::Cow<'a, str>>, usize, usize)>),
    /// The elements' nodes, in order.
    Array(Vec<usize>),
}

/// Deeper than this, the index is not built and paths are walked instead.
const JSON_INDEX_MAX_DEPTH: usize = 256;

impl<'a> JsonIndex<'a> {
    /// Index `text`; `None` unless it is one well-formed JSON value (with
    /// blanks around it) nested at most [`JSON_INDEX_MAX_DEPTH`] deep.
    fn build(text: &'a str) -> Option<Self> {
        let mut scanner = JsonScanner {
            bytes: text.as_bytes(),
            at: 0,
        };
        let mut index = JsonIndex { nodes: Vec::new() };
        scanner.skip_ws();
        index.value(&mut scanner, text, 0)?;
        scanner.skip_ws();
        (scanner.at == text.len()).then_some(index)
    }

    /// Read the value at the cursor; its node number.
    fn value(
        &mut self,
        scanner: &mut JsonScanner<'_>,
        text: &'a str,
        depth: usize,
    ) -> Option<usize> {
        if depth > JSON_INDEX_MAX_DEPTH {
            return None;
        }
        let at = scanner.at;
        let node = self.nodes.len();
        self.nodes.push(JsonNode {
            at,
            kind: JsonKind::Leaf,
        });
        let kind = match scanner.peek()? {
            b'{' => {
                scanner.at += 1;
                let mut entries = Vec::new();
                scanner.skip_ws();
                if scanner.peek()? == b'}' {
                    scanner.at += 1;
                } else {
                    loop {
                        scanner.skip_ws();
                        let key_at = scanner.at;
                        if scanner.peek()? != b'"' {
                            return None;
                        }
                        scanner.at = string_end(text, key_at)?;
                        let raw = text.get(key_at + 1..scanner.at - 1)?;
                        let escaped = raw.contains('\\');
                        let key = if escaped {
                            text.get(key_at..scanner.at)
                                .and_then(|t| serde_json::from_str::<String>(t).ok())
                                .map(std::borrow::Cow::Owned)
                        } else {
                            Some(std::borrow::Cow::Borrowed(raw))
                        };
                        scanner.skip_ws();
                        if scanner.peek()? != b':' {
                            return None;
                        }
                        scanner.at += 1;
                        scanner.skip_ws();
                        let child = self.value(scanner, text, depth + 1)?;
                        entries.push((key, key_at, child));
                        scanner.skip_ws();
                        match scanner.peek()? {
                            b',' => scanner.at += 1,
                            b'}' => {
                                scanner.at += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                JsonKind::Object(entries)
            }
            b'[' => {
                scanner.at += 1;
                let mut items = Vec::new();
                scanner.skip_ws();
                if scanner.peek()? == b']' {
                    scanner.at += 1;
                } else {
                    loop {
                        scanner.skip_ws();
                        items.push(self.value(scanner, text, depth + 1)?);
                        scanner.skip_ws();
                        match scanner.peek()? {
                            b',' => scanner.at += 1,
                            b']' => {
                                scanner.at += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                JsonKind::Array(items)
            }
            b'"' => {
                scanner.at = string_end(text, at)?;
                JsonKind::Leaf
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                scanner.skip_value()?;
                JsonKind::Leaf
            }
            _ => return None,
        };
        self.nodes.get_mut(node)?.kind = kind;
        Some(node)
    }

    /// The offset to report for `segments`: the key of the deepest mapping
    /// entry found (the last of duplicate keys, as serde_json keeps), or the
    /// value of the deepest sequence element; the root value when the first
    /// segment is not found.
    fn offset(&self, segments: &[Segment]) -> usize {
        let Some(mut node) = self.nodes.first() else {
            return 0;
        };
        let mut best = node.at;
        for segment in segments {
            let next = match (&node.kind, segment) {
                (JsonKind::Object(entries), Segment::Key(want)) => entries
                    .iter()
                    .rev()
                    .find(|(key, _, _)| key.as_deref() == Some(want.as_str()))
                    .map(|&(_, key_at, child)| (key_at, child)),
                (JsonKind::Array(items), Segment::Index(i)) => items
                    .get(*i)
                    .and_then(|&child| Some((self.nodes.get(child)?.at, child))),
                _ => None,
            };
            let Some((report_at, child)) = next else {
                break;
            };
            let Some(child) = self.nodes.get(child) else {
                break;
            };
            best = report_at;
            node = child;
        }
        best
    }
}

/// The offset just past the string that opens at `start` (a `"`), found by
/// jumping from quote to quote (a quote after an odd number of backslashes
/// is escaped).
fn string_end(text: &str, start: usize) -> Option<usize> {
    let mut from = start + 1;
    loop {
        let quote = from + text.get(from..)?.find('"')?;
        let body = text.as_bytes().get(start + 1..quote)?;
        let backslashes = body.iter().rev().take_while(|&&b| b == b'\\').count();
        if backslashes % 2 == 0 {
            return Some(quote + 1);
        }
        from = quote + 1;
    }
}

struct JsonScanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl JsonScanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Move into the child named by `segment` of the value at the cursor.
    /// Returns the offset to report for it; the cursor ends at its value.
    fn enter(&mut self, segment: &Segment) -> Option<usize> {
        match (self.peek()?, segment) {
            (b'{', Segment::Key(want)) => {
                self.at += 1;
                let mut found = None;
                loop {
                    self.skip_ws();
                    if self.peek()? == b'}' {
                        break;
                    }
                    let key_at = self.at;
                    let (raw, escaped) = self.raw_string()?;
                    let matches = if escaped {
                        std::str::from_utf8(raw)
                            .ok()
                            .and_then(|t| serde_json::from_str::<String>(t).ok())
                            .is_some_and(|k| &k == want)
                    } else {
                        raw.get(1..raw.len() - 1) == Some(want.as_bytes())
                    };
                    self.skip_ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.at += 1;
                    self.skip_ws();
                    // Keep the last duplicate, as serde_json does.
                    if matches {
                        found = Some((key_at, self.at));
                    }
                    self.skip_value()?;
                    self.skip_ws();
                    if self.peek()? == b',' {
                        self.at += 1;
                    }
                }
                let (key_at, value_at) = found?;
                self.at = value_at;
                Some(key_at)
            }
            (b'[', Segment::Index(want)) => {
                self.at += 1;
                let mut index = 0;
                loop {
                    self.skip_ws();
                    if self.peek()? == b']' {
                        return None;
                    }
                    if index == *want {
                        return Some(self.at);
                    }
                    self.skip_value()?;
                    self.skip_ws();
                    if self.peek()? == b',' {
                        self.at += 1;
                    }
                    index += 1;
                }
            }
            _ => None,
        }
    }

    /// Skip a string; return its raw bytes (quotes included) and whether it has escapes.
    fn raw_string(&mut self) -> Option<(&[u8], bool)> {
        let start = self.at;
        if self.peek()? != b'"' {
            return None;
        }
        self.at += 1;
        let mut escaped = false;
        loop {
            // memchr-like scan to the next quote or backslash.
            let rest = self.bytes.get(self.at..)?;
            let jump = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
            self.at += jump;
            match self.peek()? {
                b'\\' => {
                    escaped = true;
                    self.at += 2;
                }
                _ => {
                    self.at += 1;
                    return Some((self.bytes.get(start..self.at)?, escaped));
                }
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.raw_string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    // Jump straight to the next structural byte.
                    let rest = self.bytes.get(self.at..)?;
                    self.at += rest
                        .iter()
                        .position(|&b| matches!(b, b'"' | b'{' | b'[' | b'}' | b']'))?;
                    match self.peek()? {
                        b'"' => {
                            self.raw_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        _ => {
                            depth = depth.checked_sub(1)?;
                            if depth == 0 {
                                self.at += 1;
                                return Some(());
                            }
                        }
                    }
                    self.at += 1;
                }
            }
            _ => {
                while !matches!(
                    self.peek()?,
                    b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                ) {
                    self.at += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
