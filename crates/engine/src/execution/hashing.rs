//! The fixed-key hasher behind an execution's cached part hashes (each
//! step record, the configuration and parameters): fast on the small,
//! many writes that `#[derive(Hash)]` makes, and the same in every process
//! and run, so fingerprints built from it are reproducible.
//!
//! Owns only hashing; it never decides what is hashed (that is each
//! type's `Hash`), and it keeps no state between uses.

use std::hash::Hasher;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Bytes gathered before they are folded into the running hash.
const CHUNK: usize = 256;

/// A [`Hasher`] that gathers written bytes on the stack and folds each
/// full 256-byte chunk into an XXH3-64 chain (the previous chunk's hash
/// seeds the next). No allocation; XXH3's quality on every byte.
///
/// ```
/// use std::hash::{Hash, Hasher};
/// use ssm_runbook_engine::execution::ChunkHasher;
/// let hash = |v: &dyn Fn(&mut ChunkHasher)| { let mut h = ChunkHasher::default(); v(&mut h); h.finish() };
/// assert_eq!(hash(&|h| "step".hash(h)), hash(&|h| "step".hash(h)));
/// assert_ne!(hash(&|h| "step".hash(h)), hash(&|h| "stop".hash(h)));
/// let long = "x".repeat(1000);
/// assert_ne!(hash(&|h| long.hash(h)), hash(&|h| format!("{long}y").hash(h)));
/// ```
#[derive(Clone)]
pub struct ChunkHasher {
    buf: [u8; CHUNK],
    len: usize,
    acc: u64,
}

impl Default for ChunkHasher {
    fn default() -> Self {
        ChunkHasher {
            buf: [0; CHUNK],
            len: 0,
            acc: 0,
        }
    }
}

impl ChunkHasher {
    /// Append a fixed-size value without a call to `memcpy`.
    #[inline]
    fn write_fixed<const N: usize>(&mut self, bytes: [u8; N]) {
        if self.len + N <= CHUNK {
            self.buf[self.len..self.len + N].copy_from_slice(&bytes);
            self.len += N;
            if self.len == CHUNK {
                self.acc = xxh3_64_with_seed(&self.buf, self.acc);
                self.len = 0;
            }
        } else {
            self.write(&bytes);
        }
    }
}

impl Hasher for ChunkHasher {
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.write_fixed(i.to_le_bytes());
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_fixed(i.to_le_bytes());
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.write_fixed(i.to_le_bytes());
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_fixed((i as u64).to_le_bytes());
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.write_fixed(i.to_le_bytes());
    }
    fn write(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = CHUNK - self.len;
            let take = room.min(bytes.len());
            let (head, rest) = bytes.split_at(take);
            self.buf[self.len..self.len + take].copy_from_slice(head);
            self.len += take;
            bytes = rest;
            if self.len == CHUNK {
                self.acc = xxh3_64_with_seed(&self.buf, self.acc);
                self.len = 0;
            }
        }
    }

    fn finish(&self) -> u64 {
        xxh3_64_with_seed(&self.buf[..self.len], self.acc)
    }
}

/// The [`ChunkHasher`] hash of one value.
pub(crate) fn hash_of<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    let mut h = ChunkHasher::default();
    value.hash(&mut h);
    h.finish()
}
