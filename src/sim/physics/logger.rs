//! A thermocouple logger: channels around an ambient temperature, each rising toward its own
//! steady state with its own time constant while the device under test is loaded, and cooling
//! back when it is not. A channel can drop out (an open thermocouple).

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
        }
    }

    /// The reading of channel `index` (0-based): `None` when open or absent.
    pub fn reading_c(&self, index: usize) -> Option<f64> {
        self.channels
            .get(index)
            .filter(|c| !c.open)
            .map(|c| c.temp_c)
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
}
