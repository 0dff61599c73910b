//! Validation: every rule SSM's CreateDocument applies to an Automation
//! runbook, and the run-time mistakes SSM only finds too late.
//!
//! The entry points take text (or bytes), parse it, lower it, run every rule
//! and collect *all* findings; nothing stops at the first. Positions are
//! attached at the end, and only when there is something to report, so a
//! clean document costs a parse and a walk. Rules are grouped by what they
//! look at: `parameters` (parameter and variable definitions),
//! `references` (step names, targets and `{{ }}` references), and
//! `graph` (the compiled step graph). The rule vocabulary is
//! [`crate::diagnostic::Code`]; this module only decides when each fires.

mod graph;
mod parameters;
pub(crate) mod patterns;
mod placeholders;
mod references;

pub use parameters::value_problems;

use crate::diagnostic::{Code, Diagnostic, Severity, SsmError};
use crate::document::{Document, lower_owned};
use crate::limits::Limits;
use crate::path::Path;
use crate::source::{self, Format, Locator};

/// SSM's limit on document content: 64 KB.
pub const MAX_SSM_DOCUMENT_BYTES: usize = 64 * 1024;

/// The outcome of validating one document.
#[derive(Debug, Clone)]
pub struct Report {
    /// The detected format, when the bytes were text.
    pub format: Option<Format>,
    /// The typed document, when the text was a runbook at all.
    pub document: Option<Document>,
    /// Every finding, ordered by position in the source.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The CreateDocument error SSM would answer with, if it rejects the document.
    ///
    /// ```
    /// use ssm_runbook_engine::validate::validate_text;
    /// use ssm_runbook_engine::diagnostic::SsmError;
    /// let r = validate_text("schemaVersion: '2.2'\nmainSteps: []\n");
    /// assert_eq!(r.ssm_error(), Some(SsmError::InvalidDocumentSchemaVersion));
    /// ```
    pub fn ssm_error(&self) -> Option<SsmError> {
        let mut errors = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .filter_map(|d| d.code.ssm_error());
        let first = errors.next()?;
        // Size and schema version are checked before content.
        let all: Vec<SsmError> = std::iter::once(first).chain(errors).collect();
        for precedence in [
            SsmError::MaxDocumentSizeExceeded,
            SsmError::InvalidDocumentSchemaVersion,
        ] {
            if all.contains(&precedence) {
                return Some(precedence);
            }
        }
        Some(first)
    }
}

/// Validate raw bytes (a file's content).
///
/// ```
/// use ssm_runbook_engine::validate::validate_bytes;
/// let r = validate_bytes(b"\x00\x01binary");
/// assert_eq!(r.diagnostics[0].code.name(), "parse-error");
/// ```
pub fn validate_bytes(bytes: &[u8]) -> Report {
    validate_bytes_with(bytes, &Limits::default())
}

/// Validate raw bytes within explicit limits.
///
/// Bytes over `limits.max_document_bytes` are refused before they are
/// decoded or parsed (see [`oversized`]).
pub fn validate_bytes_with(bytes: &[u8], limits: &Limits) -> Report {
    if let Some(report) = oversized(bytes.len(), limits) {
        return report;
    }
    match source::decode(bytes) {
        Ok(text) => validate_text_with(text, limits),
        Err(failure) => Report {
            format: None,
            document: None,
            diagnostics: vec![Diagnostic {
                position: failure.position,
                ..Diagnostic::new(Code::ParseError, Path::root(), failure.message)
            }],
        },
    }
}

/// The report for a document of `len` bytes when that is over
/// `limits.max_document_bytes`: one `LimitExceeded` error naming the limit
/// and both sizes. `None` when the size is within the limit.
///
/// A caller that knows a file's size before reading it (the CLI) asks this
/// first, so an oversized file is refused without being read.
///
/// ```
/// use ssm_runbook_engine::limits::Limits;
/// use ssm_runbook_engine::validate::oversized;
/// let limits = Limits::default();
/// assert!(oversized(1_000, &limits).is_none());
/// let report = oversized(50_000_000, &limits).unwrap();
/// assert_eq!(report.diagnostics[0].message,
///     "document is 50000000 bytes, over this tool's limit of 16777216 bytes (limit max_document_bytes)");
/// ```
pub fn oversized(len: usize, limits: &Limits) -> Option<Report> {
    let failure = source::check_size(len, limits).err()?;
    Some(Report {
        format: None,
        document: None,
        diagnostics: vec![Diagnostic::new(
            Code::LimitExceeded,
            Path::root(),
            failure.message,
        )],
    })
}

/// Validate a runbook's text with the default limits.
///
/// ```
/// use ssm_runbook_engine::validate::validate_text;
/// let text = "schemaVersion: '0.3'\nmainSteps:\n  - name: go\n    action: aws:sleep\n    inputs:\n      Duration: PT1M\n    nextStep: nowhere\n";
/// let report = validate_text(text);
/// let d = &report.diagnostics[0];
/// assert_eq!(d.code.id(), "SSM401");
/// assert_eq!(d.path.to_string(), "mainSteps[0].nextStep");
/// assert_eq!(d.position.unwrap().to_string(), "7:5");
/// ```
pub fn validate_text(text: &str) -> Report {
    validate_text_with(text, &Limits::default())
}

/// Validate a runbook's text within explicit limits.
pub fn validate_text_with(text: &str, limits: &Limits) -> Report {
    let format = Format::detect(text);
    let mut diagnostics = Vec::new();
    let value = match source::parse(text, format, limits) {
        Ok(v) => v,
        Err(failure) => {
            let code = if failure.limit {
                Code::LimitExceeded
            } else {
                Code::ParseError
            };
            diagnostics.push(Diagnostic {
                position: failure.position,
                ..Diagnostic::new(code, Path::root(), failure.message)
            });
            return Report {
                format: Some(format),
                document: None,
                diagnostics,
            };
        }
    };
    let size = content_size(text, format, &value);
    if size > MAX_SSM_DOCUMENT_BYTES {
        diagnostics.push(Diagnostic::new(
            Code::DocumentTooLarge,
            Path::root(),
            format!("the document is {size} bytes; SSM accepts at most {MAX_SSM_DOCUMENT_BYTES} bytes of content"),
        ));
    }
    let lowered = lower_owned(value, limits);
    if lowered
        .diagnostics
        .iter()
        .any(|d| d.code == Code::NotAutomation)
    {
        // One clear error: nothing else about a Command document matters here.
        diagnostics = lowered.diagnostics;
    } else {
        diagnostics.extend(lowered.diagnostics);
    }
    if let Some(doc) = &lowered.document {
        diagnostics.extend(validate_document(doc));
    }
    diagnostics.truncate(limits.max_diagnostics);
    if !diagnostics.is_empty() {
        let unplaced: Vec<&Path> = diagnostics
            .iter()
            .filter(|d| d.position.is_none())
            .map(|d| &d.path)
            .collect();
        let found = Locator::new(text, format).locate_all(&unplaced);
        let mut found = found.into_iter();
        for d in &mut diagnostics {
            if d.position.is_none() {
                d.position = found.next().flatten();
            }
        }
        diagnostics.sort_by(|a, b| a.position.cmp(&b.position).then(a.code.cmp(&b.code)));
        diagnostics.dedup();
    }
    Report {
        format: Some(format),
        document: lowered.document,
        diagnostics,
    }
}

/// The size SSM counts against its 64 KB limit: YAML as written, JSON
/// without the whitespace between tokens (published AWS documents exceed
/// 64 KB only through indentation, and SSM accepted them).
fn content_size(text: &str, format: Format, value: &serde_json::Value) -> usize {
    match format {
        Format::Yaml => text.len(),
        // Compact JSON is never longer than the text: only measure it when it matters.
        Format::Json if text.len() <= MAX_SSM_DOCUMENT_BYTES => text.len(),
        Format::Json => {
            let mut counted = ByteCount(0);
            serde_json::to_writer(&mut counted, value).map_or(text.len(), |()| counted.0)
        }
    }
}

/// A writer that only counts the bytes written to it: the length of
/// `serde_json::to_string` without building the string.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The whole-document rules, on an already lowered document.
pub fn validate_document(doc: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    parameters::check(doc, &mut out);
    let all = doc.all_steps();
    let found = placeholders::per_step(&all);
    references::check(doc, &all, &found, &mut out);
    graph::check(doc, &all, &found, &mut out);
    out
}
