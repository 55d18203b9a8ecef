//! Thermal loggers: the [`ThermalLogger`] capability for multi-channel thermocouple loggers.
//!
//! [`scpi`] drives Keysight 34970A / DAQ970A-style data-acquisition units. A reading of
//! `None` is an open thermocouple or a dropout: it is logged and counted, never turned into a
//! number.

pub mod scpi;

use std::fmt;

use crate::rig::RigError;

/// What a logger says about itself (SCPI `*IDN?` fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggerIdentity {
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Serial number; empty when not reported.
    pub serial: String,
    /// Firmware; empty when not reported.
    pub firmware: String,
}

/// One configured channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    /// Channel number as the logger numbers it (`101` = slot 1, channel 01).
    pub channel: u16,
    /// Where the thermocouple is taped (`cover glass`).
    pub location: String,
    /// Surface material, for the touch-temperature limit (`glass`, `metal`, `plastic`).
    pub material: String,
}

/// One channel's temperature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelReading {
    /// Channel number.
    pub channel: u16,
    /// Temperature, °C; `None` for an open thermocouple or a dropout.
    pub celsius: Option<f64>,
}

/// A multi-channel temperature logger.
///
/// Blocking and object-safe, like [`crate::rig::Chamber`].
pub trait ThermalLogger: Send + fmt::Debug {
    /// Asks the logger who it is.
    fn identify(&mut self) -> Result<LoggerIdentity, RigError>;

    /// The channels this logger scans, in scan order.
    fn channels(&self) -> Vec<ChannelInfo>;

    /// Scans every channel once.
    fn read_all(&mut self) -> Result<Vec<ChannelReading>, RigError>;
}
