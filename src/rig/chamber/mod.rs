//! Climate chambers: the [`Chamber`] capability, its readings, and the drivers behind it.
//!
//! Drivers: [`espec`] (ESPEC ASCII command protocol over RS-232/485 or LAN) and [`temi_pclink`]
//! (Samwontech TEMI PC-link ASCII). The Modbus controllers (Watlow F4/F4T, TEMI Modbus, a
//! generic register map) live beside them. Every driver implements [`AsyncChamber`], whose one
//! blocking face ([`crate::rig::Blocking`]) is the [`Chamber`]. [`GuardedChamber`] wraps any
//! driver with the station's safe limits, so no driver can send a set point the station forbids.

mod adapter;
pub mod espec;
mod guard;
pub mod modbus_generic;
mod protocol;
pub mod registers;
pub mod temi_modbus;
pub mod temi_pclink;
pub mod watlow_f4;
pub mod watlow_f4t;

pub use adapter::AsyncChamber;
pub use guard::{GuardedChamber, SafeLimits};
pub use protocol::ChamberProtocol;

use std::fmt;

use crate::rig::RigError;

/// What a chamber says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ChamberIdentity {
    /// Protocol family, as in the station file (`espec`, `temi-pclink`, …).
    pub protocol: String,
    /// Model or controller type as reported (`S2`, `P-300`, `TEMI2500`); empty when not reported.
    pub model: String,
    /// Firmware version, where the controller reports one.
    pub firmware: Option<String>,
    /// Whether the chamber controls humidity.
    pub humidity: bool,
    /// The controller's own upper temperature limit in °C, where reported.
    pub temp_max_c: Option<f64>,
}

/// The chamber's operating mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChamberMode {
    /// Powered off / controller off.
    Off,
    /// Powered, not controlling.
    Standby,
    /// Holding a constant set point.
    Constant,
    /// Running a stored program.
    Program,
    /// A program paused or holding at the end.
    Paused,
    /// A mode this driver does not name; the controller's own word.
    Other(String),
}

impl fmt::Display for ChamberMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChamberMode::Off => f.write_str("off"),
            ChamberMode::Standby => f.write_str("standby"),
            ChamberMode::Constant => f.write_str("constant"),
            ChamberMode::Program => f.write_str("program"),
            ChamberMode::Paused => f.write_str("paused"),
            ChamberMode::Other(word) => write!(f, "other ({word})"),
        }
    }
}

/// One poll of the chamber.
#[derive(Debug, Clone, PartialEq)]
pub struct ChamberReading {
    /// Air temperature, °C.
    pub temp_pv: f64,
    /// Temperature set point, °C.
    pub temp_sp: f64,
    /// Relative humidity, %; `None` on temperature-only chambers.
    pub humidity_pv: Option<f64>,
    /// Humidity set point, %; `None` when humidity control is off or absent.
    pub humidity_sp: Option<f64>,
    /// Operating mode.
    pub mode: ChamberMode,
    /// Number of active alarms.
    pub alarm_count: u32,
}

/// A climate chamber, whatever its protocol.
///
/// Blocking and object-safe: the runner holds a `Box<dyn Chamber>` and calls it from its own
/// threads. Optional abilities default to [`RigError::NotSupported`] (or an empty answer), so
/// a driver implements only what its controller can do.
pub trait Chamber: Send + fmt::Debug {
    /// Asks the controller who it is.
    fn identify(&mut self) -> Result<ChamberIdentity, RigError>;

    /// Reads temperature, humidity, set points, mode and alarm count.
    fn read(&mut self) -> Result<ChamberReading, RigError>;

    /// Sets the constant-mode temperature set point, °C.
    fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError>;

    /// Sets the constant-mode humidity set point, % RH; `None` turns humidity control off.
    fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        let _ = percent;
        Err(RigError::not_supported("humidity control"))
    }

    /// Starts constant (fixed set point) operation.
    fn run_constant(&mut self) -> Result<(), RigError>;

    /// Stops control (standby, or off where the controller has no standby).
    fn stop(&mut self) -> Result<(), RigError>;

    /// Active alarms in the controller's words; empty when there are none or the protocol
    /// cannot list them.
    fn alarms(&mut self) -> Result<Vec<String>, RigError> {
        Ok(Vec::new())
    }

    /// Runs stored program `number`.
    fn run_program(&mut self, number: u32) -> Result<(), RigError> {
        Err(RigError::not_supported(format!(
            "running stored program {number}"
        )))
    }
}
