//! The synthetic sensor's start-up: how long `open` takes and how long after `start` the first
//! frame comes. Each is a nominal time plus seeded uniform jitter, drawn anew on every `open`
//! and `start` and spent on the source's clock, so open/close cycles measure a realistic,
//! varying latency from the clock exactly as they do for a real camera.

use std::time::Duration;

use crate::camera::faults::rng::SplitMix64;

/// Start-up times of the synthetic sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SensorStartup {
    /// Nominal time `open` takes (device node, driver handshake, format negotiation).
    pub open: Duration,
    /// Nominal time from `start` to the first frame (sensor power-up and first exposure).
    pub first_frame: Duration,
    /// Each time varies uniformly within ± this (never below zero).
    pub jitter: Duration,
    /// Seed of the jitter: the same seed gives the same sequence of times.
    pub seed: u64,
}

impl SensorStartup {
    /// No start-up time at all: frames due from the instant of `start` (exact pacing tests).
    pub const INSTANT: SensorStartup = SensorStartup {
        open: Duration::ZERO,
        first_frame: Duration::ZERO,
        jitter: Duration::ZERO,
        seed: 0,
    };
}

impl Default for SensorStartup {
    /// A typical UVC module: `open` 40 ms, first frame 100 ms after `start` (about three frame
    /// intervals at 30 fps), each ± 10 ms, seed 1.
    fn default() -> Self {
        SensorStartup {
            open: Duration::from_millis(40),
            first_frame: Duration::from_millis(100),
            jitter: Duration::from_millis(10),
            seed: 1,
        }
    }
}

/// Draws the start-up times of successive opens and starts.
#[derive(Debug, Clone)]
pub(super) struct StartupTimes {
    startup: SensorStartup,
    rng: SplitMix64,
}

impl StartupTimes {
    pub(super) fn new(startup: SensorStartup) -> StartupTimes {
        StartupTimes {
            startup,
            rng: SplitMix64::new(startup.seed),
        }
    }

    /// How long the next `open` takes.
    pub(super) fn open(&mut self) -> Duration {
        self.jittered(self.startup.open)
    }

    /// How long after the next `start` its first frame comes.
    pub(super) fn first_frame(&mut self) -> Duration {
        self.jittered(self.startup.first_frame)
    }

    fn jittered(&mut self, nominal: Duration) -> Duration {
        let jitter = self.startup.jitter.as_secs_f64();
        if jitter == 0.0 {
            return nominal;
        }
        let offset = (self.rng.next_f64() * 2.0 - 1.0) * jitter;
        Duration::from_secs_f64((nominal.as_secs_f64() + offset).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_stay_within_the_jitter_vary_and_repeat_with_the_seed() {
        let startup = SensorStartup::default();
        let mut a = StartupTimes::new(startup);
        let mut b = StartupTimes::new(startup);
        let opens: Vec<Duration> = (0..200).map(|_| a.open()).collect();
        let again: Vec<Duration> = (0..200).map(|_| b.open()).collect();
        assert_eq!(opens, again);
        let (lo, hi) = (Duration::from_millis(30), Duration::from_millis(50));
        assert!(opens.iter().all(|d| (lo..=hi).contains(d)));
        let spread = opens
            .iter()
            .max()
            .unwrap()
            .saturating_sub(*opens.iter().min().unwrap());
        assert!(spread > Duration::from_millis(15), "{spread:?}");
        let first = a.first_frame();
        assert!((Duration::from_millis(90)..=Duration::from_millis(110)).contains(&first));
    }

    #[test]
    fn instant_start_up_takes_no_time() {
        let mut t = StartupTimes::new(SensorStartup::INSTANT);
        assert_eq!(
            (t.open(), t.first_frame()),
            (Duration::ZERO, Duration::ZERO)
        );
    }
}
