//! Source positions for paths: the [`Locator`], and what its JSON and YAML
//! readers share.
//!
//! The paths asked for are merged into a [`PathTrie`]; one pass over the
//! text then visits only the nodes along those paths (JSON by a scanner
//! that skips everything else, YAML by following the reader's events) and
//! notes where each was found. Byte offsets become lines and columns in one
//! forward sweep over the text.

use super::{Format, clamp, floor_char_boundary, locate_json, locate_yaml};
use crate::diagnostic::Position;
use crate::path::{Path, Segment};

/// Maps paths to source positions for one document text.
///
/// Positions are those of serde-saphyr's `Spanned` (YAML) for text that
/// [`super::parse`] accepts: a mapping entry is found at its key (JSON) and
/// a path that goes on past what exists at the deepest node found. Ask for
/// every path at once with [`Locator::locate_all`]: the text is read once
/// per call.
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
/// let name = Path::root().key("mainSteps").index(0).key("name");
/// let found = loc.locate_all(&[&p, &name]);
/// assert_eq!(found[1].unwrap().to_string(), "3:6");
/// ```
pub struct Locator<'a> {
    text: &'a str,
    format: Format,
}

impl<'a> Locator<'a> {
    /// Prepare to locate paths in `text` (nothing is read yet).
    pub fn new(text: &'a str, format: Format) -> Self {
        Locator { text, format }
    }

    /// The position of the deepest node along `path` that exists: the key of
    /// a mapping entry, or the value of a sequence element.
    pub fn locate(&self, path: &Path) -> Option<Position> {
        self.locate_all(&[path]).pop().flatten()
    }

    /// [`Locator::locate`] for each of `paths`, in the same order, reading
    /// the text once.
    pub fn locate_all(&self, paths: &[&Path]) -> Vec<Option<Position>> {
        match self.format {
            Format::Json => {
                let offsets = locate_json::offsets(self.text, paths);
                let positions = positions(self.text, &offsets);
                positions.into_iter().map(Some).collect()
            }
            Format::Yaml => locate_yaml::positions(self.text, paths),
        }
    }
}

/// The paths asked for, merged: one node per distinct prefix, each with
/// what the reader found there (`T`), if it found it.
pub(super) struct PathTrie<'p, T> {
    nodes: Vec<TrieNode<'p, T>>,
}

struct TrieNode<'p, T> {
    children: Vec<(&'p Segment, usize)>,
    hit: Option<T>,
}

/// The root node of every [`PathTrie`].
pub(super) const ROOT: usize = 0;

impl<'p, T> PathTrie<'p, T> {
    /// The trie of `paths`.
    pub fn new(paths: &[&'p Path]) -> Self {
        let mut trie = PathTrie {
            nodes: vec![TrieNode {
                children: Vec::new(),
                hit: None,
            }],
        };
        for path in paths {
            let mut node = ROOT;
            for segment in path.segments() {
                node = match trie.child(node, segment) {
                    Some(child) => child,
                    None => {
                        let child = trie.nodes.len();
                        trie.nodes.push(TrieNode {
                            children: Vec::new(),
                            hit: None,
                        });
                        if let Some(parent) = trie.nodes.get_mut(node) {
                            parent.children.push((segment, child));
                        }
                        child
                    }
                };
            }
        }
        trie
    }

    /// The child of `node` along `segment`.
    pub fn child(&self, node: usize, segment: &Segment) -> Option<usize> {
        self.nodes
            .get(node)?
            .children
            .iter()
            .find(|(s, _)| *s == segment)
            .map(|&(_, child)| child)
    }

    /// The child of `node` along the key `key`.
    pub fn key_child(&self, node: usize, key: &str) -> Option<usize> {
        self.nodes
            .get(node)?
            .children
            .iter()
            .find_map(|(s, child)| match s {
                Segment::Key(k) if k == key => Some(*child),
                _ => None,
            })
    }

    /// The child of `node` along the index `index`.
    pub fn index_child(&self, node: usize, index: usize) -> Option<usize> {
        self.nodes
            .get(node)?
            .children
            .iter()
            .find_map(|(s, child)| match s {
                Segment::Index(i) if *i == index => Some(*child),
                _ => None,
            })
    }

    /// Whether any path goes on below `node`.
    pub fn has_children(&self, node: usize) -> bool {
        self.nodes.get(node).is_some_and(|n| !n.children.is_empty())
    }

    /// Whether any child of `node` is a key.
    pub fn has_key_children(&self, node: usize) -> bool {
        self.nodes
            .get(node)
            .is_some_and(|n| n.children.iter().any(|(s, _)| matches!(s, Segment::Key(_))))
    }

    /// What was found at `node`.
    pub fn hit(&self, node: usize) -> Option<&T> {
        self.nodes.get(node)?.hit.as_ref()
    }

    /// What was found at `node`, to fill in.
    pub fn hit_mut(&mut self, node: usize) -> Option<&mut T> {
        self.nodes.get_mut(node)?.hit.as_mut()
    }

    /// Note `hit` at `node`, forgetting what was found below it before (a
    /// later duplicate key replaces an earlier one with everything under it).
    pub fn found(&mut self, node: usize, hit: T) {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if let Some(n) = self.nodes.get_mut(n) {
                n.hit = None;
                stack.extend(n.children.iter().map(|&(_, child)| child));
            }
        }
        if let Some(n) = self.nodes.get_mut(node) {
            n.hit = Some(hit);
        }
    }
}

/// The positions of byte offsets in `text` (each moved back to a character
/// boundary), in the order given: one forward sweep that counts lines.
pub(super) fn positions(text: &str, offsets: &[usize]) -> Vec<Position> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets.get(i).copied().unwrap_or(0));
    let mut out = vec![Position { line: 1, column: 1 }; offsets.len()];
    let bytes = text.as_bytes();
    // Lines before `done`, and where the line holding `done` starts.
    let (mut done, mut lines, mut line_start) = (0usize, 0usize, 0usize);
    for i in order {
        let Some(&offset) = offsets.get(i) else {
            continue;
        };
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let span = bytes.get(done..offset).unwrap_or_default();
        let newlines = count_newlines(span);
        if newlines > 0 {
            lines += newlines;
            if let Some(last) = span.iter().rposition(|&b| b == b'\n') {
                line_start = done + last + 1;
            }
        }
        done = done.max(offset);
        let column = text
            .get(line_start..offset)
            .map_or(0, |t| t.chars().count())
            + 1;
        if let Some(slot) = out.get_mut(i) {
            *slot = Position {
                line: clamp(lines + 1),
                column: clamp(column),
            };
        }
    }
    out
}

/// The number of `\n` bytes in `bytes`, counted 64 at a time (a loop the
/// compiler vectorises).
fn count_newlines(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(64);
    let mut count = 0;
    for chunk in &mut chunks {
        let in_chunk: u8 = chunk.iter().map(|&b| u8::from(b == b'\n')).sum();
        count += usize::from(in_chunk);
    }
    count + chunks.remainder().iter().filter(|&&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_the_last_duplicate_key() {
        let text = "{\"a\": {\"b\": 1}, \"a\": {\"c\": 2}}";
        let (b, c) = (
            Path::root().key("a").key("b"),
            Path::root().key("a").key("c"),
        );
        let found = Locator::new(text, Format::Json).locate_all(&[&b, &c]);
        let second_a = text.rfind("\"a\"").unwrap_or(0);
        assert_eq!(
            found[0],
            Some(super::super::position_of_byte(text, second_a))
        );
        let c_at = text.find("\"c\"").unwrap_or(0);
        assert_eq!(found[1], Some(super::super::position_of_byte(text, c_at)));
    }

    #[test]
    fn yaml_keeps_the_last_duplicate_key() {
        let text = "a:\n  b: 1\na:\n  c: 2\n";
        let (b, c) = (
            Path::root().key("a").key("b"),
            Path::root().key("a").key("c"),
        );
        let found = Locator::new(text, Format::Yaml).locate_all(&[&b, &c]);
        let shown: Vec<String> = found.iter().flatten().map(|p| p.to_string()).collect();
        assert_eq!(shown, ["4:3", "4:3"]);
    }

    #[test]
    fn positions_come_back_in_the_order_asked() {
        let text = "é\nab\n\nxyz";
        let found = positions(text, &[9, 0, 2, 4, 1, 100]);
        let shown: Vec<String> = found.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown, ["4:3", "1:1", "1:2", "2:2", "1:1", "4:4"]);
    }

    #[test]
    fn newlines_are_counted_across_chunks() {
        let text = "a\n".repeat(100);
        assert_eq!(count_newlines(text.as_bytes()), 100);
        assert_eq!(count_newlines(&text.as_bytes()[1..130]), 65);
    }
}
