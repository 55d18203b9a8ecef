//! A thermocouple logger: channels around an ambient temperature, each rising toward its own
//! steady state with its own time constant while the device under test is loaded, and cooling
//! back when it is not. A channel can drop out (an open thermocouple).
//!
//! Each channel follows the exact first-order response: loaded from ambient at time 0 it reads
//! `T(t) = T_amb + ΔT·(1 − e^(−t/τ))` with its own ΔT (`rise_k`) and τ (`time_constant_s`).
//! A unit that is not yet loaded sits at ambient; with `power_on_with_scan` it is loaded when
//! the logger's scan is configured (the temperature-rise test starting), so its curve starts
//! cold instead of at a steady state reached while other items ran. Readings carry seeded
//! noise (`noise_k`), the same for the same seed, channel and time.

use std::time::Duration;

use super::Model;

/// One thermocouple channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Rise above ambient at steady state under load, kelvin.
    pub rise_k: f64,
    /// Time constant of the rise, seconds.
    pub time_constant_s: f64,
    /// Current temperature, °C.
    pub temp_c: f64,
    /// When set, the channel reads open circuit.
    pub open: bool,
}

/// The state of a simulated thermal logger.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggerModel {
    /// Ambient temperature, °C.
    pub ambient_c: f64,
    /// Whether the device under test is loaded (heats the channels).
    pub loaded: bool,
    /// The channels, wire numbers 101, 102, … in order.
    pub channels: Vec<Channel>,
    /// Simulated time the state was last advanced to.
    pub now: Duration,
    /// When set, configuring the scan (the test starting) loads the unit.
    pub power_on_with_scan: bool,
    /// Amplitude of the reading noise, kelvin (uniform in ±`noise_k`); 0 for exact readings.
    pub noise_k: f64,
    /// Seed of the reading noise.
    pub seed: u64,
}

impl LoggerModel {
    /// `count` channels at `ambient_c`, loaded, with rises from 5 K up and time constants from
    /// 5 min up, so a temperature-rise test reaches steady state within a few hours.
    pub fn new(count: usize, ambient_c: f64) -> LoggerModel {
        let channels = (0..count)
            .map(|i| Channel {
                rise_k: 5.0 + 3.0 * i as f64,
                time_constant_s: 300.0 + 120.0 * i as f64,
                temp_c: ambient_c,
                open: false,
            })
            .collect();
        LoggerModel {
            ambient_c,
            loaded: true,
            channels,
            now: Duration::ZERO,
            power_on_with_scan: false,
            noise_k: 0.0,
            seed: 0,
        }
    }

    /// The reading of channel `index` (0-based): `None` when open or absent.
    pub fn reading_c(&self, index: usize) -> Option<f64> {
        self.channels
            .get(index)
            .filter(|c| !c.open)
            .map(|c| c.temp_c + self.noise(index))
    }

    /// The scan was configured: with `power_on_with_scan`, the unit is loaded from now on.
    pub fn scan_configured(&mut self) {
        if self.power_on_with_scan {
            self.loaded = true;
        }
    }

    /// Noise of channel `index` at the current time, uniform in ±`noise_k` (a hash of seed,
    /// channel and millisecond, so repeated reads at one instant agree).
    fn noise(&self, index: usize) -> f64 {
        if self.noise_k == 0.0 {
            return 0.0;
        }
        let millis = u64::try_from(self.now.as_millis()).unwrap_or(u64::MAX);
        let mut x = self.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ millis;
        // splitmix64 finaliser.
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
        let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
        (2.0 * unit - 1.0) * self.noise_k
    }
}

impl Model for LoggerModel {
    fn now(&self) -> Duration {
        self.now
    }

    fn advance_to(&mut self, t: Duration) {
        let Some(span) = t.checked_sub(self.now) else {
            return;
        };
        // Exact solution of the first-order rise: no sub-steps needed.
        let dt = span.as_secs_f64();
        for c in &mut self.channels {
            let target = self.ambient_c + if self.loaded { c.rise_k } else { 0.0 };
            let k = 1.0 - (-dt / c.time_constant_s.max(1e-3)).exp();
            c.temp_c += (target - c.temp_c) * k;
        }
        self.now = t;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_rise_to_their_own_steady_state_and_dropout_reads_none() {
        let mut m = LoggerModel::new(3, 25.0);
        m.advance_to(Duration::from_secs(300));
        let first = m.reading_c(0).unwrap();
        assert!((first - (25.0 + 5.0 * (1.0 - (-1.0f64).exp()))).abs() < 1e-9);
        m.advance_to(Duration::from_secs(6 * 3600));
        assert!((m.reading_c(2).unwrap() - 36.0).abs() < 1e-3);
        m.channels[1].open = true;
        assert_eq!(m.reading_c(1), None);
        assert_eq!(m.reading_c(7), None);
        m.loaded = false;
        m.advance_to(Duration::from_secs(24 * 3600));
        assert!((m.reading_c(0).unwrap() - 25.0).abs() < 1e-3);
    }

    #[test]
    fn an_idle_unit_warms_up_from_the_scan_with_bounded_repeatable_noise() {
        let mut m = LoggerModel::new(2, 25.0);
        m.loaded = false;
        m.power_on_with_scan = true;
        m.noise_k = 0.05;
        m.seed = 7;
        m.advance_to(Duration::from_secs(3 * 3600));
        assert!(
            (m.reading_c(1).unwrap() - 25.0).abs() <= 0.05,
            "idle at ambient"
        );
        m.scan_configured();
        let start = m.now;
        let tau = m.channels[1].time_constant_s;
        m.advance_to(start + Duration::from_secs_f64(tau));
        let expected = 25.0 + 8.0 * (1.0 - (-1.0f64).exp());
        let read = m.reading_c(1).unwrap();
        assert!(
            (read - expected).abs() <= 0.05 + 1e-9,
            "{read} vs {expected}"
        );
        assert_eq!(m.reading_c(1), m.reading_c(1), "same instant, same noise");
        let noises: Vec<f64> = (0..200)
            .map(|s| {
                m.advance_to(start + Duration::from_secs(20 * 3600 + s));
                m.reading_c(0).unwrap() - 30.0
            })
            .collect();
        assert!(noises.iter().all(|n| n.abs() <= 0.05 + 1e-9));
        assert!(noises.iter().any(|n| n.abs() > 0.01), "noise is there");
    }
}
