//! Frozen-frame detection by a 64-bit hash of sampled payload bytes.
//!
//! Raw sensor frames are never bit-identical (noise), and MJPEG frames of a live scene differ
//! too, so two consecutive payloads with equal hashes mean a stuck pipeline. The hash reads
//! [`HASH_SAMPLES`] bytes spread evenly over the payload plus its length, so it costs the same
//! for every frame size. A frame that only repeats the previous *sequence number* (delivered
//! twice) is counted by the metadata accounting, not here.

/// Bytes read per payload for the hash.
pub const HASH_SAMPLES: usize = 4096;

/// A 64-bit hash of sampled bytes of `payload` (and its length).
pub fn content_hash(payload: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (payload.len() as u64).wrapping_mul(K);
    let stride = (payload.len() / HASH_SAMPLES).max(1);
    let mut word = 0u64;
    for (i, &b) in payload.iter().step_by(stride).enumerate() {
        word = word << 8 | u64::from(b);
        if i % 8 == 7 {
            h = (h ^ word).wrapping_mul(K).rotate_left(29);
            word = 0;
        }
    }
    h = (h ^ word).wrapping_mul(K);
    h ^ (h >> 32)
}

/// Counts frozen frames: payloads whose hash equals the previous payload's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrozenDetector {
    last: Option<u64>,
    run: u64,
    /// Frames equal to the one before.
    pub frozen_frames: u64,
    /// Longest run of equal frames after the first.
    pub longest_run: u64,
}

impl FrozenDetector {
    /// Takes a payload; true when it repeats the previous one.
    pub fn on_payload(&mut self, payload: &[u8]) -> bool {
        let hash = content_hash(payload);
        let frozen = self.last == Some(hash);
        if frozen {
            self.frozen_frames += 1;
            self.run += 1;
            self.longest_run = self.longest_run.max(self.run);
        } else {
            self.run = 0;
        }
        self.last = Some(hash);
        frozen
    }

    /// Forgets the previous payload (stream restart).
    pub fn reset(&mut self) {
        self.last = None;
        self.run = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_payloads_are_frozen_and_a_one_level_change_is_not() {
        let a = vec![100u8; 1 << 20];
        let mut b = a.clone();
        for px in b.iter_mut().step_by(2) {
            *px += 1;
        }
        let mut d = FrozenDetector::default();
        assert!(!d.on_payload(&a));
        assert!(d.on_payload(&a));
        assert!(d.on_payload(&a));
        assert!(!d.on_payload(&b));
        assert_eq!((d.frozen_frames, d.longest_run), (2, 2));
        assert_ne!(content_hash(&a), content_hash(&a[..a.len() - 1]));
        assert_ne!(content_hash(&[]), content_hash(&[0]));
    }
}
