//! What to inject and when: a [`FaultPlan`] of [`Trigger`]s, each evaluated on the index of the
//! frame pulled from the wrapped source (0, 1, 2 … since the decorator was made).

use std::time::Duration;

use super::rng::SplitMix64;

/// When a fault fires, by index of the frame pulled from the wrapped source.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Trigger {
    /// Never.
    #[default]
    Never,
    /// On indices `phase`, `phase + period`, `phase + 2·period` … (never when `period` is 0).
    Every {
        /// Frames between firings.
        period: u64,
        /// Index of the first firing.
        phase: u64,
    },
    /// On each frame independently with this probability (seeded).
    Chance(f64),
    /// On exactly these indices.
    At(Vec<u64>),
}

impl Trigger {
    /// Every `period` frames starting at `phase`.
    pub fn every(period: u64, phase: u64) -> Trigger {
        Trigger::Every { period, phase }
    }

    /// Whether the trigger fires at `index`. `Chance` draws from `rng` (and only `Chance` does,
    /// so adding a deterministic trigger does not shift a random one).
    pub fn fires(&self, index: u64, rng: &mut SplitMix64) -> bool {
        match self {
            Trigger::Never => false,
            Trigger::Every { period, phase } => {
                *period != 0 && index >= *phase && (index - phase).is_multiple_of(*period)
            }
            Trigger::Chance(p) => rng.next_f64() < *p,
            Trigger::At(indices) => indices.contains(&index),
        }
    }
}

/// Luma scaled down over time: by `per_second` of full scale per second after `start`, to no
/// less than `floor` (for example 0.01 per second down to 0.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExposureDrift {
    /// Host time (since the decorator was made) when the drift begins.
    pub start: Duration,
    /// Fraction of full scale lost per second.
    pub per_second: f64,
    /// Lowest scale reached.
    pub floor: f64,
}

impl ExposureDrift {
    /// The luma scale at host time `t` since the decorator was made.
    pub fn scale_at(&self, t: Duration) -> f64 {
        let secs = t.saturating_sub(self.start).as_secs_f64();
        (1.0 - self.per_second * secs).max(self.floor).min(1.0)
    }
}

/// The camera is unplugged after some frames and re-appears under another path.
#[derive(Debug, Clone, PartialEq)]
pub struct Disconnect {
    /// Frames delivered before the unplug.
    pub after_frames: u64,
    /// How long the node is gone.
    pub reappear_after: Duration,
    /// The path it re-appears under.
    pub new_path: String,
}

/// Every fault the decorator can inject; [`FaultPlan::none`] injects nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultPlan {
    /// Seed for `Chance` triggers and for jitter.
    pub seed: u64,
    /// Drop one frame (its sequence number is skipped, time advances).
    pub drop: Trigger,
    /// Drop `burst_len` consecutive frames.
    pub burst: Trigger,
    /// Frames per burst.
    pub burst_len: u32,
    /// Standard deviation of Gaussian noise added to device timestamps (zero: none).
    pub jitter: Duration,
    /// Deliver nothing for `stall_for` before this frame; frames due meanwhile are lost.
    pub stall: Trigger,
    /// Length of a stall.
    pub stall_for: Duration,
    /// Repeat the previous payload for `frozen_len` frames (sequence and time advance).
    pub frozen: Trigger,
    /// Frames per frozen run.
    pub frozen_len: u32,
    /// Deliver this frame twice (same sequence and timestamp).
    pub duplicate: Trigger,
    /// Cut the payload to half its length.
    pub truncate: Trigger,
    /// Clear the MJPEG end-of-image marker.
    pub clear_eoi: Trigger,
    /// Set the driver error flag.
    pub error_flag: Trigger,
    /// Deliver an empty frame (`bytes_used` 0).
    pub empty: Trigger,
    /// Make the picture black.
    pub black: Trigger,
    /// Make the picture white (blown out).
    pub blown: Trigger,
    /// Put the device timestamp before the previous frame's.
    pub ts_backwards: Trigger,
    /// Scale luma down over time.
    pub exposure_drift: Option<ExposureDrift>,
    /// From this host time (since the decorator was made) the scene is dark: luma × 0.25, and
    /// if the camera allows auto-exposure priority the frame rate halves.
    pub dark_scene_from: Option<Duration>,
    /// Unplug once after some frames.
    pub disconnect: Option<Disconnect>,
    /// Fail `k` of every `n` opens with EBUSY: `(k, n)`.
    pub busy_on_open: Option<(u32, u32)>,
}

impl FaultPlan {
    /// A plan that injects nothing, with `seed` for whatever is added.
    pub fn none(seed: u64) -> FaultPlan {
        FaultPlan {
            seed,
            burst_len: 1,
            frozen_len: 1,
            ..FaultPlan::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_fire_where_told() {
        let mut rng = SplitMix64::new(1);
        let every = Trigger::every(10, 3);
        let fired: Vec<u64> = (0..40).filter(|&i| every.fires(i, &mut rng)).collect();
        assert_eq!(fired, vec![3, 13, 23, 33]);
        assert!(!Trigger::every(0, 0).fires(0, &mut rng));
        let at = Trigger::At(vec![5, 7]);
        assert_eq!((0..10).filter(|&i| at.fires(i, &mut rng)).count(), 2);
        let chance = Trigger::Chance(0.1);
        let n = (0..100_000).filter(|&i| chance.fires(i, &mut rng)).count();
        assert!((9_000..11_000).contains(&n), "{n}");
    }

    #[test]
    fn drift_ramps_to_its_floor() {
        let d = ExposureDrift {
            start: Duration::from_secs(10),
            per_second: 0.1,
            floor: 0.3,
        };
        assert_eq!(d.scale_at(Duration::from_secs(5)), 1.0);
        assert!((d.scale_at(Duration::from_secs(15)) - 0.5).abs() < 1e-12);
        assert_eq!(d.scale_at(Duration::from_secs(100)), 0.3);
    }
}
