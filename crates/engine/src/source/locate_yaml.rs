//! Locating paths in YAML text.
//!
//! Plain text (one document of text-keyed mappings, sequences and scalars,
//! with no anchors, aliases or tags) is located by following the YAML
//! reader's events (granit-parser, the reader under serde-saphyr, same
//! version and features), noting only the nodes along the paths asked for:
//! each node's start is exactly where serde-saphyr's `Spanned` puts it.
//! Other text takes serde-saphyr's span-aware deserialization into a span
//! tree of the whole document, which also resolves anchors, aliases, merge
//! keys and tags.
//!
//! A mapping entry is found at its key when the path ends there, else at
//! what is found below it; a path that goes on past what exists is found
//! at the deepest node that does (the last of duplicate keys).

use super::locate::{PathTrie, ROOT};
use super::{clamp, clamp64, yaml_options};
use crate::diagnostic::Position;
use crate::limits::Limits;
use crate::path::{Path, Segment};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// The position of each of `paths`, in order; all `None` when the text
/// cannot be read.
pub(super) fn positions(text: &str, paths: &[&Path]) -> Vec<Option<Position>> {
    let mut trie = PathTrie::new(paths);
    match follow_events(text, &mut trie) {
        Some(root) => paths
            .iter()
            .map(|path| resolve(&trie, ROOT, root, path.segments()))
            .collect(),
        None => {
            let tree = serde_saphyr::from_str_with_options::<SpanNode>(
                text,
                yaml_options(&Limits::default()),
            )
            .ok();
            paths
                .iter()
                .map(|path| tree.as_ref().and_then(|t| t.locate(path.segments())))
                .collect()
        }
    }
}

/// Where a node along the paths was found: its key (for a mapping entry)
/// and its value.
#[derive(Clone, Copy)]
struct Hit {
    key_at: Option<Position>,
    at: Option<Position>,
}

/// The position for `segments` below `node` (found at `at`), as
/// [`SpanNode::locate`] gives it on the whole tree.
fn resolve(
    trie: &PathTrie<'_, Hit>,
    node: usize,
    at: Option<Position>,
    segments: &[Segment],
) -> Option<Position> {
    let Some((first, rest)) = segments.split_first() else {
        return at;
    };
    let found = trie.child(node, first).and_then(|child| {
        let hit = *trie.hit(child)?;
        match first {
            Segment::Key(_) if rest.is_empty() => hit.key_at.or(hit.at),
            Segment::Key(_) => resolve(trie, child, hit.at, rest).or(hit.key_at),
            Segment::Index(_) => resolve(trie, child, hit.at, rest).or(hit.at),
        }
    });
    found.or(at)
}

/// One open collection while following the events.
enum Open {
    /// A sequence: its trie node (when a path goes through it) and the
    /// index of its next item.
    Seq(Option<usize>, usize),
    /// A mapping: its trie node, and the key read but not yet given a
    /// value (with the key's trie node, when a path goes through it).
    Map(Option<usize>, Option<Option<usize>>),
}

/// The kind of collection an event opens.
enum Opens {
    Seq,
    Map,
}

/// Follow the reader's events, noting in `trie` where each node along the
/// paths is; the root's position. `None` when the text is not plain (see
/// the module documentation) or not well-formed.
fn follow_events(text: &str, trie: &mut PathTrie<'_, Hit>) -> Option<Option<Position>> {
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
        let opens = match event {
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
                if let Some(Open::Map(node, pending @ None)) = stack.last_mut() {
                    if style == ScalarStyle::Plain && !plain_key_is_text(&value) {
                        return None;
                    }
                    let child = node.and_then(|n| trie.key_child(n, &value));
                    if let Some(child) = child {
                        trie.found(
                            child,
                            Hit {
                                key_at: at,
                                at: None,
                            },
                        );
                    }
                    *pending = Some(child);
                    continue;
                }
                None
            }
            Event::SequenceStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                Some(Opens::Seq)
            }
            Event::MappingStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                Some(Opens::Map)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                match stack.pop()? {
                    Open::Map(_, Some(_)) => return None,
                    Open::Seq(..) | Open::Map(_, None) => {}
                }
                continue;
            }
            // Aliases, anchors and anything else: leave it to serde-saphyr.
            _ => return None,
        };
        // A node starts here: find its trie node from its place in the parent.
        let node = match stack.last_mut() {
            None => {
                if root.is_some() {
                    return None;
                }
                root = Some(at);
                Some(ROOT)
            }
            Some(Open::Seq(parent, next)) => {
                let index = *next;
                *next += 1;
                let child = parent.and_then(|p| trie.index_child(p, index));
                if let Some(child) = child {
                    trie.found(child, Hit { key_at: None, at });
                }
                child
            }
            // A collection as a mapping key.
            Some(Open::Map(_, None)) => return None,
            Some(Open::Map(_, pending @ Some(_))) => {
                let child = pending.take().flatten();
                if let Some(hit) = child.and_then(|c| trie.hit_mut(c)) {
                    hit.at = at;
                }
                child
            }
        };
        let node = node.filter(|&n| trie.has_children(n));
        match opens {
            Some(Opens::Seq) => stack.push(Open::Seq(node, 0)),
            Some(Opens::Map) => stack.push(Open::Map(node, None)),
            None => {}
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root
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
