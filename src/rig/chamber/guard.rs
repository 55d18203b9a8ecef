//! The station's safe limits, enforced in front of every chamber driver.

use super::{Chamber, ChamberIdentity, ChamberReading};
use crate::rig::RigError;

/// Set points a station allows. A request outside them is a [`RigError::Limit`], never a
/// silent clamp, and nothing reaches the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SafeLimits {
    /// Lowest temperature set point, °C.
    pub temp_min_c: f64,
    /// Highest temperature set point, °C.
    pub temp_max_c: f64,
    /// Lowest humidity set point, % RH.
    pub humidity_min: f64,
    /// Highest humidity set point, % RH.
    pub humidity_max: f64,
}

impl SafeLimits {
    /// Checks a temperature set point.
    pub fn check_temperature(&self, celsius: f64) -> Result<(), RigError> {
        check("temperature °C", celsius, self.temp_min_c, self.temp_max_c)
    }

    /// Checks a humidity set point.
    pub fn check_humidity(&self, percent: f64) -> Result<(), RigError> {
        check(
            "humidity % RH",
            percent,
            self.humidity_min,
            self.humidity_max,
        )
    }
}

fn check(what: &str, value: f64, min: f64, max: f64) -> Result<(), RigError> {
    // NaN fails both comparisons, so it is rejected too.
    if value >= min && value <= max {
        Ok(())
    } else {
        Err(RigError::Limit {
            what: what.to_string(),
            value,
            min,
            max,
        })
    }
}

/// A chamber behind the station's safe limits.
#[derive(Debug)]
pub struct GuardedChamber {
    inner: Box<dyn Chamber>,
    limits: SafeLimits,
}

impl GuardedChamber {
    /// Wraps `inner` so set points outside `limits` are refused before they are sent.
    pub fn new(inner: Box<dyn Chamber>, limits: SafeLimits) -> GuardedChamber {
        GuardedChamber { inner, limits }
    }

    /// The limits in force.
    pub fn limits(&self) -> SafeLimits {
        self.limits
    }
}

impl Chamber for GuardedChamber {
    fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        self.inner.identify()
    }

    fn read(&mut self) -> Result<ChamberReading, RigError> {
        self.inner.read()
    }

    fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError> {
        self.limits.check_temperature(celsius)?;
        self.inner.set_temperature(celsius)
    }

    fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        if let Some(value) = percent {
            self.limits.check_humidity(value)?;
        }
        self.inner.set_humidity(percent)
    }

    fn run_constant(&mut self) -> Result<(), RigError> {
        self.inner.run_constant()
    }

    fn stop(&mut self) -> Result<(), RigError> {
        self.inner.stop()
    }

    fn alarms(&mut self) -> Result<Vec<String>, RigError> {
        self.inner.alarms()
    }

    fn run_program(&mut self, number: u32) -> Result<(), RigError> {
        self.inner.run_program(number)
    }
}
