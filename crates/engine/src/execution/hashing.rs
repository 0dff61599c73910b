//! The fixed-key hashers behind an execution's hashes: [`ChunkHasher`]
//! for the model checker's 128-bit fingerprints, and a seeded foldhash for
//! the remembered 64-bit hashes of each step record, each resolved input
//! map, and the configuration with the parameters. Both are fast on the
//! small, many writes that `#[derive(Hash)]` makes, and the same in every
//! process and run, so fingerprints built from them are reproducible;
//! `Remembered` is the cell that keeps such a hash until its value changes.
//!
//! Owns only hashing; it never decides what is hashed (that is each
//! type's `Hash`), and a hasher keeps no state between uses.

use std::hash::Hasher;
use std::sync::atomic::{AtomicU64, Ordering};
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

/// Bytes gathered before they are folded into the running hash.
const CHUNK: usize = 512;

/// A [`Hasher`] that gathers written bytes on the stack and hashes them
/// with XXH3 when it is asked for the result; a value longer than one
/// 512-byte chunk is chained (each full chunk's 128-bit XXH3 digest
/// begins the next chunk). Small writes (`write_u64`, an enum's
/// discriminant) cost a few stores, not a call into the hash; the result
/// is 64 bits ([`Hasher::finish`]) or 128 ([`ChunkHasher::finish128`]).
///
/// ```
/// use std::hash::{Hash, Hasher};
/// use ssm_runbook_engine::execution::ChunkHasher;
/// let hash = |v: &dyn Fn(&mut ChunkHasher)| { let mut h = ChunkHasher::default(); v(&mut h); h.finish128() };
/// assert_eq!(hash(&|h| "step".hash(h)), hash(&|h| "step".hash(h)));
/// assert_ne!(hash(&|h| "step".hash(h)), hash(&|h| "stop".hash(h)));
/// let long = "x".repeat(1000);
/// assert_ne!(hash(&|h| long.hash(h)), hash(&|h| format!("{long}y").hash(h)));
/// ```
#[derive(Clone)]
pub struct ChunkHasher {
    buf: [u8; CHUNK],
    len: usize,
}

impl Default for ChunkHasher {
    fn default() -> Self {
        ChunkHasher {
            buf: [0; CHUNK],
            len: 0,
        }
    }
}

impl ChunkHasher {
    /// Forget everything written: the hasher is as new, without clearing
    /// its buffer again (a caller that hashes many values keeps one).
    ///
    /// ```
    /// use std::hash::Hash;
    /// use ssm_runbook_engine::execution::ChunkHasher;
    /// let mut h = ChunkHasher::default();
    /// "first".hash(&mut h);
    /// h.clear();
    /// "second".hash(&mut h);
    /// let mut fresh = ChunkHasher::default();
    /// "second".hash(&mut fresh);
    /// assert_eq!(h.finish128(), fresh.finish128());
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The 128-bit hash of everything written.
    pub fn finish128(&self) -> u128 {
        xxh3_128(&self.buf[..self.len])
    }

    /// Replace a full chunk by its digest, which begins the next chunk.
    fn flush(&mut self) {
        let digest = xxh3_128(&self.buf[..self.len]).to_le_bytes();
        self.buf[..digest.len()].copy_from_slice(&digest);
        self.len = digest.len();
    }

    /// Append a fixed-size value without a call to `memcpy`.
    #[inline]
    fn write_fixed<const N: usize>(&mut self, bytes: [u8; N]) {
        if self.len + N <= CHUNK {
            self.buf[self.len..self.len + N].copy_from_slice(&bytes);
            self.len += N;
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
    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.write_fixed(i.to_le_bytes());
    }

    fn write(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.len == CHUNK {
                self.flush();
            }
            let take = (CHUNK - self.len).min(bytes.len());
            let (head, rest) = bytes.split_at(take);
            self.buf[self.len..self.len + take].copy_from_slice(head);
            self.len += take;
            bytes = rest;
        }
    }

    fn finish(&self) -> u64 {
        xxh3_64(&self.buf[..self.len])
    }
}

/// The hasher of a step record's hash: foldhash's quality variant with a
/// fixed seed (the same in every run), which takes each small write
/// straight into its state instead of gathering bytes for XXH3. A record
/// is a few dozen small fields, hashed again each time it changes.
pub(crate) fn record_hasher() -> foldhash::quality::FoldHasher<'static> {
    use std::hash::BuildHasher;
    static STATE: foldhash::quality::FixedState =
        foldhash::quality::FixedState::with_seed(0x5353_4d2d_7275_6e62);
    STATE.build_hasher()
}

/// The hash of one value, with the records' seeded foldhash.
pub(crate) fn hash_of<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    let mut h = record_hasher();
    value.hash(&mut h);
    h.finish()
}

/// A hash remembered once computed: 0 until then (a computed 0 is stored
/// as 1). Cheaper than a `OnceLock<u64>` where it matters: a clone is a
/// plain load and store, with no synchronisation (two threads that compute
/// it at once store the same number).
#[derive(Debug, Default)]
pub(crate) struct Remembered(AtomicU64);

impl Remembered {
    /// The remembered hash, computing it with `compute` the first time.
    #[inline]
    pub(crate) fn get_or(&self, compute: impl FnOnce() -> u64) -> u64 {
        match self.0.load(Ordering::Relaxed) {
            0 => {
                let h = compute().max(1);
                self.0.store(h, Ordering::Relaxed);
                h
            }
            h => h,
        }
    }

    /// Forget the hash: the value it was of changed.
    #[inline]
    pub(crate) fn forget(&mut self) {
        *self.0.get_mut() = 0;
    }
}

impl Clone for Remembered {
    #[inline]
    fn clone(&self) -> Self {
        Remembered(AtomicU64::new(self.0.load(Ordering::Relaxed)))
    }
}

#[cfg(test)]
mod tests {
    use super::Remembered;

    #[test]
    fn a_remembered_hash_is_computed_once_and_forgotten_on_request() {
        let mut h = Remembered::default();
        assert_eq!(h.get_or(|| 0), 1, "a computed 0 is stored as 1");
        assert_eq!(h.get_or(|| 7), 1, "remembered, not computed again");
        assert_eq!(h.clone().get_or(|| 9), 1, "a clone remembers it too");
        h.forget();
        assert_eq!(h.get_or(|| 7), 7);
    }
}
