//! `allowedPattern` regular expressions: checking that a pattern is one
//! this tool can evaluate, and compiling it, with small bounded caches.
//!
//! SSM evaluates patterns with Java's engine; this tool uses the `regex`
//! crate in ASCII mode first (Java's default meaning of `\w`, `\d`), falling
//! back to Unicode mode for patterns that need it. The same few patterns
//! (role ARNs, instance ids) recur in almost every runbook, so parse results
//! (at most [`MAX_PARSED_PATTERNS`]) and compiled patterns (at most
//! [`MAX_COMPILED_PATTERNS`]) are kept in process-wide caches. The caches
//! change no result, only time.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Most parse results kept.
pub const MAX_PARSED_PATTERNS: usize = 8192;
/// Most compiled patterns kept.
pub const MAX_COMPILED_PATTERNS: usize = 256;

type Cache<V> = Mutex<BTreeMap<String, V>>;

fn parsed() -> &'static Cache<bool> {
    static CACHE: OnceLock<Cache<bool>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Compiled patterns are shared, not cloned: a cloned `Regex` starts with
/// an empty matching cache, which costs more to set up than most matches.
fn compiled() -> &'static Cache<Option<Arc<regex::Regex>>> {
    static CACHE: OnceLock<Cache<Option<Arc<regex::Regex>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn cached<V: Clone>(cache: &Cache<V>, key: &str) -> Option<V> {
    cache.lock().ok().and_then(|c| c.get(key).cloned())
}

fn remember<V>(cache: &Cache<V>, cap: usize, key: &str, value: V) {
    if let Ok(mut c) = cache.lock() {
        if c.len() < cap {
            c.insert(key.to_owned(), value);
        }
    }
}

/// Whether a pattern is one this tool can check, without compiling it.
pub(crate) fn parses(pattern: &str) -> bool {
    if let Some(known) = cached(parsed(), pattern) {
        return known;
    }
    let parse = |unicode: bool| {
        regex_syntax::ParserBuilder::new()
            .unicode(unicode)
            .build()
            .parse(pattern)
            .is_ok()
    };
    let ok = parse(false) || parse(true);
    remember(parsed(), MAX_PARSED_PATTERNS, pattern, ok);
    ok
}

/// Compile a pattern (ASCII mode first, Unicode when it needs it); `None`
/// when this tool cannot evaluate it.
pub(crate) fn compile(pattern: &str) -> Option<regex::Regex> {
    compile_shared(pattern).map(|re| (*re).clone())
}

/// [`compile`], sharing the cached compiled pattern.
pub(crate) fn compile_shared(pattern: &str) -> Option<Arc<regex::Regex>> {
    if let Some(known) = cached(compiled(), pattern) {
        return known;
    }
    let regex = match regex::RegexBuilder::new(pattern).unicode(false).build() {
        Err(regex::Error::Syntax(_)) => regex::Regex::new(pattern),
        other => other,
    }
    .ok()
    .map(Arc::new);
    remember(compiled(), MAX_COMPILED_PATTERNS, pattern, regex.clone());
    regex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_first_unicode_when_needed() {
        let re = compile(r"^[\w/.@+=,-]{1,1017}$").expect("compiles in ASCII mode");
        assert!(re.is_match("role/Admin"));
        let unicode = compile(r"^\p{L}+$").expect("compiles in Unicode mode");
        assert!(unicode.is_match("é"));
        assert!(compile(r"^(?!xn--)").is_none());
        assert!(!parses(r"^(?!xn--)"));
        assert!(parses(r"^\p{L}+$"));
    }
}
