//! Deterministic 36-character ids (lowercase UUID v4 form) from a seed,
//! and [`Id`], the inline value that carries one without allocating.
//!
//! SplitMix64 is enough: ids must be unique and reproducible, not secret.
//! It is also counter-based, so the n-th id of a sequence can be computed
//! without drawing the ones before it ([`IdGen::nth_ahead`]).

use std::fmt;

/// A step execution or request id: 36 ASCII characters stored inline, so
/// copying one never allocates. It compares, hashes, prints and
/// serialises as the string it holds.
///
/// ```
/// use ssm_runbook_engine::execution::{Id, IdGen};
/// let id = IdGen::new(1).next_id();
/// assert_eq!(id.as_str().len(), 36);
/// assert_eq!(Id::parse(id.as_str()), Some(id));
/// assert_eq!(Id::parse("not an id"), None);
/// assert!(id == id.to_string());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Id([u8; 36]);

impl Id {
    /// The id, as text.
    pub fn as_str(&self) -> &str {
        // Only built from ASCII (`parse` checks, `next_id` writes hex and
        // dashes), so this is always valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The id's 36 ASCII bytes.
    pub fn as_bytes(&self) -> &[u8; 36] {
        &self.0
    }

    /// An id from text of exactly 36 ASCII characters; `None` otherwise.
    pub fn parse(text: &str) -> Option<Id> {
        let bytes: [u8; 36] = text.as_bytes().try_into().ok()?;
        bytes.is_ascii().then_some(Id(bytes))
    }
}

impl std::ops::Deref for Id {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Id {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl std::hash::Hash for Id {
    // As the string hashes, so that `Borrow<str>` lookups agree.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Id {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Id> for String {
    fn eq(&self, other: &Id) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Id> for &str {
    fn eq(&self, other: &Id) -> bool {
        *self == other.as_str()
    }
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        id.as_str().to_owned()
    }
}

impl serde::Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Each byte's two lowercase hex digits.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        pairs[i] = [HEX[i >> 4], HEX[i & 0xf]];
        i += 1;
    }
    pairs
};

/// A seeded generator of UUID-shaped ids.
///
/// ```
/// use ssm_runbook_engine::execution::IdGen;
/// let mut a = IdGen::new(7);
/// let mut b = IdGen::new(7);
/// let id = a.next_id();
/// assert_eq!(id.len(), 36);
/// assert_eq!(id, b.next_id());
/// assert_ne!(id, a.next_id());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdGen {
    state: u64,
}

impl IdGen {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        IdGen { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A generator `n` ids ahead of this one: its next id is the one this
    /// generator would give after `n` calls of [`Self::next_id`].
    ///
    /// ```
    /// use ssm_runbook_engine::execution::IdGen;
    /// let mut g = IdGen::new(3);
    /// let third = g.nth_ahead(2).next_id();
    /// g.next_id();
    /// g.next_id();
    /// assert_eq!(g.next_id(), third);
    /// ```
    pub fn nth_ahead(&self, n: u64) -> IdGen {
        // Each id draws two values; each draw adds the constant once.
        IdGen {
            state: self
                .state
                .wrapping_add(0x9e37_79b9_7f4a_7c15u64.wrapping_mul(n.wrapping_mul(2))),
        }
    }

    /// The next id, e.g. `0c1d7a52-6e3b-4f0e-9a41-5d2c8b7e9f10`.
    pub fn next_id(&mut self) -> Id {
        let (hi, lo) = (self.next_u64(), self.next_u64());
        let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
        let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        let bytes = ((u128::from(hi) << 64) | u128::from(lo)).to_be_bytes();
        // Where each byte's two hex digits go: groups of 4, 2, 2, 2 and 6
        // bytes separated by dashes.
        const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        let mut text = [b'-'; 36];
        for (byte, at) in bytes.iter().zip(AT) {
            let [a, b] = HEX_PAIRS[usize::from(*byte)];
            text[at] = a;
            text[at + 1] = b;
        }
        Id(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_uuid_text_of_the_two_draws() {
        for seed in [0, 1, 7, 0x9e37_79b9_7f4a_7c15, u64::MAX] {
            let mut draws = IdGen::new(seed);
            let mut ids = IdGen::new(seed);
            for _ in 0..200 {
                let hi = (draws.next_u64() & 0xffff_ffff_ffff_0fff) | 0x4000;
                let lo = (draws.next_u64() & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
                let expected = format!(
                    "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                    hi >> 32,
                    (hi >> 16) & 0xffff,
                    hi & 0xffff,
                    lo >> 48,
                    lo & 0xffff_ffff_ffff
                );
                assert_eq!(ids.next_id().as_str(), expected);
            }
        }
    }
}
