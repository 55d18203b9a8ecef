//! A scripted thermocouple logger: every channel follows its own curve of simulated time.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::rig::{ChannelInfo, ChannelReading, LoggerIdentity, RigError, ThermalLogger};

/// A channel's temperature over simulated time since the logger was made.
#[derive(Debug, Clone, PartialEq)]
pub enum Curve {
    /// Always this temperature, °C.
    Constant(f64),
    /// A first-order rise from `from_c` by `rise_k` with time constant `tau` (a part warming
    /// up under load until it is steady).
    Rise {
        /// Start temperature, °C.
        from_c: f64,
        /// Rise at steady state, K.
        rise_k: f64,
        /// Time constant.
        tau: Duration,
    },
    /// A straight line that never settles, K per hour.
    Ramp {
        /// Start temperature, °C.
        from_c: f64,
        /// Slope, K/h.
        k_per_h: f64,
    },
}

impl Curve {
    /// The temperature at `t`.
    pub fn at(&self, t: Duration) -> f64 {
        match self {
            Curve::Constant(c) => *c,
            Curve::Rise {
                from_c,
                rise_k,
                tau,
            } => from_c + rise_k * (1.0 - (-t.as_secs_f64() / tau.as_secs_f64()).exp()),
            Curve::Ramp { from_c, k_per_h } => from_c + k_per_h * t.as_secs_f64() / 3600.0,
        }
    }
}

/// The fake logger.
#[derive(Debug)]
pub struct FakeLogger {
    clock: Arc<dyn Clock>,
    born: Duration,
    channels: Vec<(ChannelInfo, Curve)>,
}

impl FakeLogger {
    /// A logger whose channels `101, 102, …` are taped at `locations` and follow `curves`.
    pub fn new(channels: Vec<(&str, Curve)>, clock: Arc<dyn Clock>) -> FakeLogger {
        let channels = (101..)
            .zip(channels)
            .map(|(channel, (location, curve))| {
                let info = ChannelInfo {
                    channel,
                    location: location.to_string(),
                    material: "plastic".to_string(),
                };
                (info, curve)
            })
            .collect();
        FakeLogger {
            born: clock.elapsed(),
            clock,
            channels,
        }
    }
}

impl ThermalLogger for FakeLogger {
    fn identify(&mut self) -> Result<LoggerIdentity, RigError> {
        Ok(LoggerIdentity {
            manufacturer: "fake".to_string(),
            model: "scripted".to_string(),
            serial: String::new(),
            firmware: String::new(),
        })
    }

    fn channels(&self) -> Vec<ChannelInfo> {
        self.channels.iter().map(|(info, _)| info.clone()).collect()
    }

    fn read_all(&mut self) -> Result<Vec<ChannelReading>, RigError> {
        let t = self.clock.elapsed() - self.born;
        Ok(self
            .channels
            .iter()
            .map(|(info, curve)| ChannelReading {
                channel: info.channel,
                celsius: Some(curve.at(t)),
            })
            .collect())
    }
}
