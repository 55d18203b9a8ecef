//! Frozen-frame detection by a 64-bit hash of sampled payload bytes.
//!
//! Raw sensor frames are never bit-identical (noise), and MJPEG frames of a live scene differ
//! too, so two consecutive payloads with equal hashes mean a stuck pipeline. The hash reads
//! [`HASH_SAMPLES`] bytes in runs of eight spread evenly over the payload (all of a smaller
//! payload) plus its length, so it costs the same for every frame size: about 500 word reads,
//! a few microseconds, on every frame with pixels. A frame that only repeats the previous
//! *sequence number* (delivered twice) is counted by the metadata accounting, not here.

/// Bytes read per payload for the hash.
pub const HASH_SAMPLES: usize = 4096;

/// Bytes read together at each sampled place (one word).
const RUN: usize = 8;

/// A 64-bit hash of sampled bytes of `payload` (and its length).
pub fn content_hash(payload: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (payload.len() as u64).wrapping_mul(K);
    let stride = (payload.len() / (HASH_SAMPLES / RUN)).max(RUN);
    for chunk in payload.chunks(stride) {
        let mut word = [0u8; RUN];
        let run = chunk.len().min(RUN);
        word[..run].copy_from_slice(&chunk[..run]);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(29);
    }
    h = h.wrapping_mul(K);
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

    #[test]
    fn a_small_payload_is_hashed_whole_and_a_large_one_at_evenly_spread_words() {
        let small: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        for at in [0, 7, 8, 1500, 2999] {
            let mut changed = small.clone();
            changed[at] ^= 1;
            assert_ne!(content_hash(&small), content_hash(&changed), "byte {at}");
        }
        // A 1080p YUYV frame: a change in any sampled place (one per 8 KiB) is seen.
        let large = vec![50u8; 1920 * 1080 * 2];
        let stride = large.len() / (HASH_SAMPLES / RUN);
        for place in [0, 100, 511] {
            let mut changed = large.clone();
            changed[place * stride + 3] = 51;
            assert_ne!(
                content_hash(&large),
                content_hash(&changed),
                "place {place}"
            );
        }
    }
}
