//! Deterministic 36-character ids (lowercase UUID v4 form) from a seed.
//!
//! SplitMix64 is enough: ids must be unique and reproducible, not secret.

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

    /// The next id, e.g. `0c1d7a52-6e3b-4f0e-9a41-5d2c8b7e9f10`.
    pub fn next_id(&mut self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let (hi, lo) = (self.next_u64(), self.next_u64());
        let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
        let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        let bits = (u128::from(hi) << 64) | u128::from(lo);
        let mut text = [b'-'; 36];
        let mut at = 0;
        for i in 0..32 {
            if matches!(i, 8 | 12 | 16 | 20) {
                at += 1;
            }
            text[at] = HEX[((bits >> (124 - 4 * i)) & 0xf) as usize];
            at += 1;
        }
        // Only ASCII hex digits and dashes were written, so this never fails.
        std::str::from_utf8(&text)
            .map(str::to_owned)
            .unwrap_or_default()
    }
}
