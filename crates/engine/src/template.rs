//! `{{ }}` placeholders: finding them in strings and classifying what they
//! refer to.
//!
//! This module is syntax only: it says that `{{ Deploy.Status }}` reads the
//! output `Status` of step `Deploy`, not whether that step exists (the
//! validator checks that) nor what the value is (the execution layer
//! resolves it). Text between `{{` and `}}` that is not a reference name (a
//! Python format string inside a script, say) is left as literal text, the
//! way SSM leaves it.

use std::fmt;

/// What a placeholder refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reference {
    /// `{{ Name }}`: a runbook parameter.
    Parameter(String),
    /// `{{ step.Output }}`: an output of a step.
    StepOutput {
        /// The step's name.
        step: String,
        /// The output's name.
        output: String,
    },
    /// `{{ automation:NAME }}`.
    Automation(String),
    /// `{{ global:NAME }}`.
    Global(String),
    /// `{{ variable:NAME }}`: a runbook variable.
    Variable(String),
    /// `{{ ssm:/name }}`: a Parameter Store value (parameter defaults only).
    Ssm(String),
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Parameter(n) => f.write_str(n),
            Reference::StepOutput { step, output } => write!(f, "{step}.{output}"),
            Reference::Automation(n) => write!(f, "automation:{n}"),
            Reference::Global(n) => write!(f, "global:{n}"),
            Reference::Variable(n) => write!(f, "variable:{n}"),
            Reference::Ssm(n) => write!(f, "ssm:{n}"),
        }
    }
}

impl Reference {
    /// The same reference, borrowing its names.
    pub(crate) fn borrowed(&self) -> RefName<'_> {
        match self {
            Reference::Parameter(n) => RefName::Parameter(n),
            Reference::StepOutput { step, output } => RefName::StepOutput { step, output },
            Reference::Automation(n) => RefName::Automation(n),
            Reference::Global(n) => RefName::Global(n),
            Reference::Variable(n) => RefName::Variable(n),
            Reference::Ssm(n) => RefName::Ssm(n),
        }
    }
}

/// A [`Reference`] whose names borrow the text that holds it: what the
/// validator keeps for each placeholder of a document, with nothing
/// allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefName<'t> {
    /// `{{ Name }}`.
    Parameter(&'t str),
    /// `{{ step.Output }}`.
    StepOutput {
        /// The step's name.
        step: &'t str,
        /// The output's name.
        output: &'t str,
    },
    /// `{{ automation:NAME }}`.
    Automation(&'t str),
    /// `{{ global:NAME }}`.
    Global(&'t str),
    /// `{{ variable:NAME }}`.
    Variable(&'t str),
    /// `{{ ssm:/name }}`.
    Ssm(&'t str),
}

impl RefName<'_> {
    /// The owned [`Reference`].
    pub(crate) fn to_reference(self) -> Reference {
        match self {
            RefName::Parameter(n) => Reference::Parameter(n.to_owned()),
            RefName::StepOutput { step, output } => Reference::StepOutput {
                step: step.to_owned(),
                output: output.to_owned(),
            },
            RefName::Automation(n) => Reference::Automation(n.to_owned()),
            RefName::Global(n) => Reference::Global(n.to_owned()),
            RefName::Variable(n) => Reference::Variable(n.to_owned()),
            RefName::Ssm(n) => Reference::Ssm(n.to_owned()),
        }
    }
}

/// The system variables SSM documents, as `(prefix, name)`.
pub const SYSTEM_VARIABLES: &[(&str, &str)] = &[
    ("automation", "EXECUTION_ID"),
    ("global", "ACCOUNT_ID"),
    ("global", "REGION"),
    ("global", "AWS_PARTITION"),
    ("global", "DATE"),
    ("global", "DATE_TIME"),
];

/// A placeholder found in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// What it refers to.
    pub reference: Reference,
    /// Byte range of the whole `{{ ... }}` in the string.
    pub range: std::ops::Range<usize>,
}

/// A placeholder SSM cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// What is wrong.
    pub message: String,
}

/// Every placeholder in `text`, in order.
///
/// ```
/// use ssm_runbook_engine::template::{placeholders, Reference};
/// let found = placeholders("i-{{ Id }} in {{global:REGION}} {{ a.b }}").unwrap();
/// assert_eq!(found[0].reference, Reference::Parameter("Id".into()));
/// assert_eq!(found[1].reference, Reference::Global("REGION".into()));
/// assert_eq!(found[2].reference, Reference::StepOutput { step: "a".into(), output: "b".into() });
/// // Not a reference name: literal text.
/// assert!(placeholders("print(f'{{x + 1}}')").unwrap().is_empty());
/// assert!(placeholders("{{ {{ x }} }}").is_err());
/// ```
pub fn placeholders(text: &str) -> Result<Vec<Placeholder>, TemplateError> {
    scan(text)
        .map(|found| {
            found.map(|(inner, range)| Placeholder {
                reference: classify(inner),
                range,
            })
        })
        .collect()
}

/// What [`placeholders`] finds in `text`, one item at a time and borrowed
/// from `text`: each reference, then possibly a nesting error that ends
/// the scan. Where this yields an error, [`placeholders`] answers with that
/// error alone.
pub(crate) fn references(
    text: &str,
) -> impl Iterator<Item = Result<RefName<'_>, TemplateError>> + '_ {
    scan(text).map(|found| found.map(|(inner, _)| classify_borrowed(inner)))
}

/// Whether [`placeholders`] finds anything in `text`: a placeholder, or a
/// nesting it rejects. Nothing is allocated.
///
/// ```
/// use ssm_runbook_engine::template::has_placeholder;
/// assert!(has_placeholder("i-{{ Id }}"));
/// assert!(has_placeholder("{{ {{ x }} }}"));
/// assert!(!has_placeholder("print(f'{{x + 1}}')"));
/// ```
pub fn has_placeholder(text: &str) -> bool {
    scan(text).next().is_some()
}

/// Whether `text` holds `{{` at all: the cheap test before a scan.
///
/// ```
/// use ssm_runbook_engine::template::has_open;
/// assert!(has_open("a {{ b"));
/// assert!(!has_open("{ {"));
/// ```
pub fn has_open(text: &str) -> bool {
    find(text, 0, b"{{").is_some()
}

/// Where `pair` (two bytes) next occurs in `text` at or after `from`: a
/// vectorised search for its first byte, then a look at the next.
fn find(text: &str, from: usize, pair: &[u8; 2]) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    loop {
        let found = at + memchr::memchr(pair[0], bytes.get(at..)?)?;
        if bytes.get(found + 1) == Some(&pair[1]) {
            return Some(found);
        }
        at = found + 1;
    }
}

/// Each placeholder of `text` as its trimmed inner text and the byte range
/// of the whole `{{ ... }}`, in order; a nesting SSM rejects ends the scan
/// with an error.
fn scan(text: &str) -> Scan<'_> {
    Scan {
        text,
        from: 0,
        done: false,
    }
}

/// The iterator [`scan`] returns.
struct Scan<'t> {
    text: &'t str,
    from: usize,
    done: bool,
}

impl<'t> Iterator for Scan<'t> {
    type Item = Result<(&'t str, std::ops::Range<usize>), TemplateError>;

    fn next(&mut self) -> Option<Self::Item> {
        let text = self.text;
        while !self.done {
            let Some(open) = find(text, self.from, b"{{") else {
                break;
            };
            let Some(close) = find(text, open + 2, b"}}") else {
                break;
            };
            let inner = text.get(open + 2..close).unwrap_or_default().trim();
            if let Some(nested) = inner.strip_prefix("{{") {
                if is_reference_name(nested.trim()) {
                    self.done = true;
                    return Some(Err(TemplateError {
                        message: format!(
                            "nested placeholder '{}': SSM does not expand a placeholder inside another",
                            text.get(open..(close + 2).min(text.len()))
                                .unwrap_or_default()
                        ),
                    }));
                }
            }
            if is_reference_name(inner) {
                self.from = close + 2;
                return Some(Ok((inner, open..close + 2)));
            }
            self.from = open + 2;
        }
        self.done = true;
        None
    }
}

/// If `text` is exactly one placeholder (blanks around it allowed), its reference.
///
/// ```
/// use ssm_runbook_engine::template::{whole, Reference};
/// assert_eq!(whole(" {{ Ids }} "), Some(Reference::Parameter("Ids".into())));
/// assert_eq!(whole("x-{{ Ids }}"), None);
/// ```
pub fn whole(text: &str) -> Option<Reference> {
    let trimmed = text.trim();
    let inner = trimmed.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    (is_reference_name(inner) && !inner.contains("}}")).then(|| classify(inner))
}

fn is_reference_name(inner: &str) -> bool {
    // Byte by byte: every byte of a non-ASCII character fails the test, as
    // the character itself would.
    !inner.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-' | b'/'))
}

/// `text` split around the first `byte` (an ASCII byte), without it.
fn split_at_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    let at = text.bytes().position(|b| b == byte)?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

fn classify(inner: &str) -> Reference {
    classify_borrowed(inner).to_reference()
}

fn classify_borrowed(inner: &str) -> RefName<'_> {
    if let Some((prefix, name)) = split_at_byte(inner, b':') {
        match prefix {
            "automation" => return RefName::Automation(name),
            "global" => return RefName::Global(name),
            "variable" => return RefName::Variable(name),
            "ssm" => return RefName::Ssm(name),
            _ => {}
        }
    }
    match split_at_byte(inner, b'.') {
        Some((step, output)) => RefName::StepOutput { step, output },
        None => RefName::Parameter(inner),
    }
}

/// Every placeholder in every string of a JSON value, with the path of the
/// string that holds it (`at` is the path of `value`). Paths are only built
/// for strings that hold a placeholder.
pub fn placeholders_in(
    value: &serde_json::Value,
    at: &crate::path::Path,
    out: &mut Vec<(crate::path::Path, Result<Placeholder, TemplateError>)>,
) {
    let mut trail = Vec::new();
    walk(value, at, &mut trail, out);
}

fn walk<'v>(
    value: &'v serde_json::Value,
    at: &crate::path::Path,
    trail: &mut Vec<Step<'v>>,
    out: &mut Vec<(crate::path::Path, Result<Placeholder, TemplateError>)>,
) {
    match value {
        serde_json::Value::String(s) => {
            if !has_open(s) {
                return;
            }
            let here = || {
                trail.iter().fold(at.clone(), |p, step| match step {
                    Step::Key(k) => p.key(*k),
                    Step::Index(i) => p.index(*i),
                })
            };
            match placeholders(s) {
                Ok(found) if found.is_empty() => {}
                Ok(found) => {
                    let path = here();
                    out.extend(found.into_iter().map(|p| (path.clone(), Ok(p))));
                }
                Err(e) => out.push((here(), Err(e))),
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                trail.push(Step::Index(i));
                walk(item, at, trail, out);
                trail.pop();
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                trail.push(Step::Key(k));
                walk(v, at, trail, out);
                trail.pop();
            }
        }
        _ => {}
    }
}

enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssm_and_variable_prefixes() {
        let found = placeholders("{{ssm:/a/b}}{{ variable:count }}").unwrap();
        assert_eq!(found[0].reference, Reference::Ssm("/a/b".into()));
        assert_eq!(found[1].reference, Reference::Variable("count".into()));
    }

    #[test]
    fn unclosed_is_literal() {
        assert!(placeholders("{{ x").unwrap().is_empty());
    }
}
