//! A fixed-key hasher for maps keyed by step names.
//!
//! The validator and the step graph look steps up by name many times per
//! document (every target, every `{{ step.Output }}`); the standard
//! library's SipHash is built to resist chosen keys, which costs more than
//! the lookup itself for names of a few dozen bytes. This one multiplies
//! and rotates eight bytes at a time (the FxHash scheme, with a final mix)
//! and has no random key, so it hashes the same way in every build and
//! run. It decides bucket placement only: maps that use it are `IndexMap`s,
//! whose iteration order is insertion order, never hash order.
//!
//! A document author could choose names that collide, which makes lookups
//! slower, not wrong; the number of steps is bounded by `Limits::max_steps`.

use std::hash::{BuildHasherDefault, Hasher};

/// The [`std::hash::BuildHasher`] of [`NameHasher`].
pub(crate) type BuildNameHasher = BuildHasherDefault<NameHasher>;

/// An `IndexMap` keyed by step names, hashed with [`NameHasher`].
pub(crate) type NameMap<K, V> = indexmap::IndexMap<K, V, BuildNameHasher>;

/// FxHash-style hasher: fixed key, eight bytes per step.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct NameHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // Spread the high bits down: hashbrown reads both ends of the hash.
        let h = self.0;
        (h ^ (h >> 29)).wrapping_mul(SEED) ^ (h >> 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn same_name_same_hash_and_lookups_work() {
        let b = BuildNameHasher::default();
        assert_eq!(b.hash_one("Deploy"), b.hash_one("Deploy"));
        assert_ne!(b.hash_one("Deploy"), b.hash_one("Deploy2"));
        assert_ne!(b.hash_one("a"), b.hash_one("a\0"));
        let mut map: NameMap<&str, usize> = NameMap::default();
        for (i, name) in ["a", "b", "step_with_a_long_name", ""].iter().enumerate() {
            map.insert(name, i);
        }
        assert_eq!(map.get("step_with_a_long_name"), Some(&2));
        assert_eq!(map.get(""), Some(&3));
        assert_eq!(map.get("c"), None);
    }
}
