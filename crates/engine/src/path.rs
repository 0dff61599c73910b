//! JSON-style paths into a document (`mainSteps[3].inputs.Approvers`).
//!
//! A [`Path`] names a place in the document tree independently of the source
//! format; the [`crate::source`] module maps it back to a line and column.
//! This module owns only the path type and its rendering; it knows nothing
//! about YAML, JSON or diagnostics.

use std::fmt;

/// One step along a [`Path`]: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A zero-based sequence index.
    Index(usize),
}

/// A path from the document root to a node.
///
/// ```
/// use ssm_runbook_engine::path::Path;
/// let p = Path::root().key("mainSteps").index(3).key("inputs").key("Approvers");
/// assert_eq!(p.to_string(), "mainSteps[3].inputs.Approvers");
/// assert_eq!(Path::root().to_string(), "$");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(Vec<Segment>);

impl Path {
    /// The document root.
    pub fn root() -> Self {
        Path(Vec::new())
    }

    /// This path extended by a mapping key.
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut path = self.with_room(1);
        path.push_key(key);
        path
    }

    /// This path extended by a sequence index.
    pub fn index(&self, index: usize) -> Self {
        let mut path = self.with_room(1);
        path.push_index(index);
        path
    }

    /// A copy of this path with room for `extra` more segments, so that
    /// extending it does not reallocate.
    pub fn with_room(&self, extra: usize) -> Self {
        let mut segments = Vec::with_capacity(self.0.len() + extra);
        segments.extend_from_slice(&self.0);
        Path(segments)
    }

    /// Extend this path in place by a mapping key.
    pub fn push_key(&mut self, key: impl Into<String>) {
        self.0.push(Segment::Key(key.into()));
    }

    /// Extend this path in place by a sequence index.
    pub fn push_index(&mut self, index: usize) {
        self.0.push(Segment::Index(index));
    }

    /// The segments, root first.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

/// A path while a document is being walked: segments borrowed and chained
/// on the stack, so extending it allocates nothing. [`Trail::to_path`]
/// builds the owned [`Path`], for a report.
///
/// ```
/// use ssm_runbook_engine::path::Trail;
/// let steps = Trail::Root.key("mainSteps");
/// let step = steps.index(3);
/// assert_eq!(step.key("inputs").to_path().to_string(), "mainSteps[3].inputs");
/// ```
#[derive(Debug, Clone)]
pub enum Trail<'a> {
    /// The document root.
    Root,
    /// A mapping key below a trail.
    Key(&'a Trail<'a>, &'a str),
    /// A sequence index below a trail.
    Index(&'a Trail<'a>, usize),
}

impl Trail<'_> {
    /// This trail extended by a mapping key.
    pub fn key<'b>(&'b self, key: &'b str) -> Trail<'b> {
        Trail::Key(self, key)
    }

    /// This trail extended by a sequence index.
    pub fn index(&self, index: usize) -> Trail<'_> {
        Trail::Index(self, index)
    }

    /// The owned path.
    pub fn to_path(&self) -> Path {
        let mut depth = 0;
        let mut at = self;
        while let Trail::Key(up, _) | Trail::Index(up, _) = at {
            depth += 1;
            at = up;
        }
        let mut segments = Vec::with_capacity(depth);
        let mut at = self;
        loop {
            match at {
                Trail::Root => break,
                Trail::Key(up, key) => {
                    segments.push(Segment::Key((*key).to_owned()));
                    at = up;
                }
                Trail::Index(up, index) => {
                    segments.push(Segment::Index(*index));
                    at = up;
                }
            }
        }
        segments.reverse();
        Path(segments)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("$");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(k) => {
                    let plain = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    match (plain, i) {
                        (true, 0) => f.write_str(k)?,
                        (true, _) => write!(f, ".{k}")?,
                        (false, _) => write!(f, "[{}]", serde_json::Value::from(k.as_str()))?,
                    }
                }
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_keys_are_quoted() {
        let p = Path::root().key("parameters").key("a b");
        assert_eq!(p.to_string(), "parameters[\"a b\"]");
    }
}
