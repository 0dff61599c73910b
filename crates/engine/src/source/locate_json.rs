//! Locating paths in JSON text: one scan from the start that enters only
//! the values along the paths asked for and skips every other value without
//! decoding it (only keys with escapes are decoded, to compare them).
//!
//! A mapping entry is found at its key (the last of duplicate keys, as
//! serde_json keeps), a sequence element at its value; a path that goes on
//! past what exists is found at the deepest entry or element that does, or
//! at the root value.

use super::locate::{PathTrie, ROOT};
use crate::path::Path;

/// The byte offset to report for each of `paths`, in order.
pub(super) fn offsets(text: &str, paths: &[&Path]) -> Vec<usize> {
    let mut trie = PathTrie::<usize>::new(paths);
    let mut scanner = JsonScanner {
        bytes: text.as_bytes(),
        at: 0,
    };
    scanner.skip_ws();
    let root_at = scanner.at;
    // Text the scanner cannot follow keeps what was found before that point.
    let _ = visit(&mut scanner, &mut trie, ROOT);
    paths
        .iter()
        .map(|path| {
            let (mut node, mut best) = (ROOT, root_at);
            for segment in path.segments() {
                let Some(child) = trie.child(node, segment) else {
                    break;
                };
                let Some(&at) = trie.hit(child) else {
                    break;
                };
                (node, best) = (child, at);
            }
            best
        })
        .collect()
}

/// Read the value at the cursor (the trie's `node`), noting where the
/// children the trie asks for are; the cursor ends past the value.
fn visit(scanner: &mut JsonScanner<'_>, trie: &mut PathTrie<'_, usize>, node: usize) -> Option<()> {
    if !trie.has_children(node) {
        return scanner.skip_value();
    }
    match scanner.peek()? {
        b'{' => {
            scanner.at += 1;
            let keyed = trie.has_key_children(node);
            loop {
                scanner.skip_ws();
                if scanner.peek()? == b'}' {
                    scanner.at += 1;
                    return Some(());
                }
                let key_at = scanner.at;
                let raw = scanner.raw_string()?;
                let child = if !keyed {
                    None
                } else if raw.contains(&b'\\') {
                    std::str::from_utf8(raw)
                        .ok()
                        .and_then(|t| serde_json::from_str::<String>(t).ok())
                        .and_then(|key| trie.key_child(node, &key))
                } else {
                    raw.get(1..raw.len().saturating_sub(1))
                        .and_then(|k| std::str::from_utf8(k).ok())
                        .and_then(|key| trie.key_child(node, key))
                };
                scanner.skip_ws();
                if scanner.peek()? != b':' {
                    return None;
                }
                scanner.at += 1;
                scanner.skip_ws();
                match child {
                    Some(child) => {
                        trie.found(child, key_at);
                        visit(scanner, trie, child)?;
                    }
                    None => scanner.skip_value()?,
                }
                scanner.skip_ws();
                if scanner.peek()? == b',' {
                    scanner.at += 1;
                }
            }
        }
        b'[' => {
            scanner.at += 1;
            let mut index = 0;
            loop {
                scanner.skip_ws();
                let start = scanner.at;
                if scanner.peek()? == b']' {
                    scanner.at += 1;
                    return Some(());
                }
                match trie.index_child(node, index) {
                    Some(child) => {
                        trie.found(child, start);
                        visit(scanner, trie, child)?;
                    }
                    None => scanner.skip_value()?,
                }
                scanner.skip_ws();
                if scanner.peek()? == b',' {
                    scanner.at += 1;
                }
                if scanner.at == start {
                    // Not JSON: nothing was read.
                    return None;
                }
                index += 1;
            }
        }
        _ => scanner.skip_value(),
    }
}

/// How far [`JsonScanner::raw_string`] looks eight bytes at a time before
/// it hands the rest of a string to a vectorised search.
const SHORT: usize = 32;

/// A cursor over JSON text that skips values without decoding them.
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

    /// Skip a string; return its raw bytes, quotes included.
    fn raw_string(&mut self) -> Option<&[u8]> {
        let start = self.at;
        if self.peek()? != b'"' {
            return None;
        }
        self.at += 1;
        loop {
            let rest = self.bytes.get(self.at..)?;
            // Most strings are short; long ones (scripts) take the
            // vectorised search.
            let near = rest.get(..SHORT).unwrap_or(rest);
            self.at += match find3(near, b'"', b'"', b'"') {
                Some(i) => i,
                None => near.len() + memchr::memchr(b'"', rest.get(near.len()..)?)?,
            };
            // A quote after an odd number of backslashes is escaped.
            let body = self.bytes.get(start + 1..self.at)?;
            let backslashes = body.iter().rev().take_while(|&&b| b == b'\\').count();
            self.at += 1;
            if backslashes % 2 == 0 {
                return self.bytes.get(start..self.at);
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.raw_string().map(|_| ()),
            open @ (b'{' | b'[') => {
                // In JSON the braces alone nest properly, and so do the
                // brackets: skipping an object counts braces only.
                let close = if open == b'{' { b'}' } else { b']' };
                let mut depth = 0usize;
                loop {
                    // Jump straight to the next quote or bracket of this kind.
                    let rest = self.bytes.get(self.at..)?;
                    self.at += find3(rest, b'"', open, close)?;
                    match self.peek()? {
                        b'"' => {
                            self.raw_string()?;
                            continue;
                        }
                        b if b == open => depth += 1,
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

/// The offset of the first byte of `hay` that is `a`, `b` or `c`, looking
/// at eight bytes at a time (most gaps between JSON quotes are short, too
/// short for a vectorised search to pay for its set-up).
fn find3(hay: &[u8], a: u8, b: u8, c: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `word` equal to `x`; bytes after the
    // first such byte may be marked too, so only the lowest mark counts.
    let marks = |word: u64, x: u8| {
        let v = word ^ (ONES * u64::from(x));
        v.wrapping_sub(ONES) & !v & HIGHS
    };
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        let found = marks(word, a) | marks(word, b) | marks(word, c);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&x| x == a || x == b || x == c)
        .map(|p| at + p)
}
