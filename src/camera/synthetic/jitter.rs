//! Frame-time jitter of the synthetic sensor: a real camera's frames do not come exactly one
//! interval apart. Each frame's time is moved from its nominal due time by a normal-like offset
//! (the sum of four uniform draws, scaled to [`FrameJitter::spread`], cut at three times that),
//! and now and then a frame comes late by up to [`FrameJitter::late_by`].
//!
//! The offset of frame `n` is drawn from the seed and `n` alone, so a stream is the same on every
//! run and a frame's time can be computed without the frames before it. Offsets are bounded by
//! fractions of the frame interval ([`MAX_SPREAD_OF_INTERVAL`], [`MAX_LATE_OF_INTERVAL`]): frames
//! keep their order, no frame is lost or added, and no interval reaches 1.3 intervals (a
//! drop detector that works on intervals sees no drop).

use std::time::Duration;

use crate::camera::faults::rng::SplitMix64;

/// The largest [`FrameJitter::spread`] used, as a fraction of the frame interval.
pub const MAX_SPREAD_OF_INTERVAL: f64 = 1.0 / 50.0;

/// The largest lateness used, as a fraction of the frame interval.
pub const MAX_LATE_OF_INTERVAL: f64 = 0.15;

/// How far a normal offset may go, in spreads.
const CUT_AT_SPREADS: f64 = 3.0;

/// Odd constant that spreads frame numbers over the seed space.
const INDEX_MIX: u64 = 0xD1B5_4A32_D192_ED03;

/// The jitter of the synthetic sensor's frame times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameJitter {
    /// Standard deviation of a frame's offset from its nominal time.
    pub spread: Duration,
    /// On average one frame in this many comes late (0: none).
    pub late_every: u32,
    /// The most a late frame is late (it is late by a third of this up to all of it).
    pub late_by: Duration,
    /// Seed of the offsets: the same seed gives the same frame times.
    pub seed: u64,
}

impl FrameJitter {
    /// Frames exactly one interval apart (exact pacing tests).
    pub const NONE: FrameJitter = FrameJitter {
        spread: Duration::ZERO,
        late_every: 0,
        late_by: Duration::ZERO,
        seed: 0,
    };

    /// Offset of frame `index` from its nominal time, in nanoseconds, for frames `interval`
    /// apart: within ± 3 × min(spread, interval / 50), plus up to min(late_by, 0.15 × interval)
    /// for a late frame.
    pub fn offset_nanos(&self, index: u64, interval: Duration) -> i64 {
        let interval = interval.as_secs_f64();
        let spread = self
            .spread
            .as_secs_f64()
            .min(interval * MAX_SPREAD_OF_INTERVAL);
        let late_by = self
            .late_by
            .as_secs_f64()
            .min(interval * MAX_LATE_OF_INTERVAL);
        if spread == 0.0 && (self.late_every == 0 || late_by == 0.0) {
            return 0;
        }
        let mut rng = SplitMix64::new(self.seed ^ index.wrapping_mul(INDEX_MIX));
        // Four uniforms: mean 2, variance 1/3; scaled to unit variance.
        let sum: f64 = (0..4).map(|_| rng.next_f64()).sum();
        let normal = ((sum - 2.0) * 3f64.sqrt()).clamp(-CUT_AT_SPREADS, CUT_AT_SPREADS);
        let mut offset = normal * spread;
        if self.late_every > 0 && rng.below(u64::from(self.late_every)) == 0 {
            offset += late_by * (1.0 + 2.0 * rng.next_f64()) / 3.0;
        }
        (offset * 1e9).round() as i64
    }
}

impl Default for FrameJitter {
    /// A typical USB camera seen from the host: frames within about ± 0.25 ms of their time,
    /// one in 400 late by 1.3–4 ms, seed 1.
    fn default() -> Self {
        FrameJitter {
            spread: Duration::from_micros(250),
            late_every: 400,
            late_by: Duration::from_millis(4),
            seed: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_nanos(33_333_333);

    #[test]
    fn offsets_are_bounded_repeatable_and_spread_like_a_camera() {
        let jitter = FrameJitter::default();
        let offsets: Vec<i64> = (0..20_000)
            .map(|n| jitter.offset_nanos(n, INTERVAL))
            .collect();
        let again: Vec<i64> = (0..20_000)
            .map(|n| jitter.offset_nanos(n, INTERVAL))
            .collect();
        assert_eq!(offsets, again);
        assert!(offsets.iter().all(|o| (-750_000..=4_750_000).contains(o)));
        let late = offsets.iter().filter(|o| **o > 1_000_000).count();
        assert!((20..=80).contains(&late), "{late} late frames in 20000");
        let normal: Vec<f64> = offsets
            .iter()
            .filter(|o| **o <= 750_000)
            .map(|o| *o as f64)
            .collect();
        let mean = normal.iter().sum::<f64>() / normal.len() as f64;
        let sd =
            (normal.iter().map(|o| (o - mean).powi(2)).sum::<f64>() / normal.len() as f64).sqrt();
        assert!(mean.abs() < 10_000.0, "{mean}");
        assert!((230_000.0..270_000.0).contains(&sd), "{sd}");
        let other = FrameJitter { seed: 2, ..jitter };
        assert_ne!(other.offset_nanos(5, INTERVAL), offsets[5]);
    }

    #[test]
    fn fast_streams_keep_their_frames_in_order() {
        let jitter = FrameJitter {
            spread: Duration::from_millis(5),
            late_every: 2,
            late_by: Duration::from_millis(50),
            seed: 9,
        };
        let interval = Duration::from_millis(1);
        let times: Vec<i64> = (0..5_000u64)
            .map(|n| n as i64 * 1_000_000 + jitter.offset_nanos(n, interval))
            .collect();
        for pair in times.windows(2) {
            let gap = pair[1] - pair[0];
            assert!((1_000_000 * 4 / 10..1_300_000).contains(&gap), "{gap}");
        }
    }

    #[test]
    fn none_is_exact() {
        assert!((0..100).all(|n| FrameJitter::NONE.offset_nanos(n, INTERVAL) == 0));
    }
}
