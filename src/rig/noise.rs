//! Pseudo-random bytes for the "never panics" loops of the protocol parsers' unit tests: a
//! small xorshift generator, so every run feeds the same bytes.

/// A xorshift32 generator; the seed must not be zero.
pub(crate) struct Noise(pub(crate) u32);

impl Noise {
    /// The next pseudo-random value.
    pub(crate) fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    /// Up to `max_len` bytes drawn from `alphabet` (biased towards a protocol's own bytes, so
    /// deeper parser paths are reached).
    pub(crate) fn bytes(&mut self, alphabet: &[u8], max_len: u32) -> Vec<u8> {
        let len = self.next() % (max_len + 1);
        (0..len)
            .map(|_| alphabet[(self.next() as usize) % alphabet.len()])
            .collect()
    }
}
