//! Station files: which rigs a bench has, where they are, and how far they may be driven.
//!
//! A station is a TOML file under `rigs/`. It is read in two steps: serde fills
//! raw structs (`resolve.rs`) (unknown keys rejected, spans kept), then each section is
//! resolved into a [`Station`]: ports parsed into [`Endpoint`]s, protocol names checked, safe
//! limits validated. Every problem is reported at once, each as `file:line:col field: message`.
//!
//! ```toml
//! name = "lab 3, bench A"
//! [chamber]
//! protocol = "espec"            # espec | watlow-f4 | watlow-f4t | temi-pclink | temi-modbus | modbus-generic
//! port = "/dev/serial/by-id/usb-FTDI_FT232R_A10K1234-if00-port0"   # or "tcp:10.0.0.5:57732"
//! baud = 9600                   # parity = "none" | "even" | "odd", stop_bits = 1 | 2, data_bits = 7 | 8
//! address = 1                   # RS-485 / Modbus slave address
//! timeout_ms = 2000             # replaces each command's own timeout
//! retries = 2                   # extra attempts for queries
//! temp_min_c = -40.0            # safe limits: set points outside are refused, never clamped
//! temp_max_c = 85.0
//! humidity_min = 10.0
//! humidity_max = 95.0
//! safe_state = { setpoint_c = 23.0, then = "stop" }   # or { action = "standby" }
//! wire_log = true               # wire-chamber.log in the run directory
//! [drop]
//! protocol = "manual"           # or "modbus" with a port
//! [thermal]
//! protocol = "scpi"
//! port = "tcp:192.168.0.40:5025"
//! channels = [{ channel = 101, location = "cover glass", material = "glass" }]
//! ```
//!
//! With `sim = true` every rig is served by the in-process simulators and `port` may be left
//! out.

mod resolve;

use std::path::Path;

use crate::rig::chamber::registers::{RegisterMap, RunStopRegister, WordOrder};
use crate::rig::chamber::{ChamberProtocol, SafeLimits};
use crate::rig::link::LinkPolicy;
use crate::rig::transport::Endpoint;
use crate::rig::{Chamber, ChannelInfo, RigError};

pub use resolve::parse_station;

/// A resolved station.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// Display name (the file stem when the file gives none).
    pub name: String,
    /// Every rig is simulated.
    pub sim: bool,
    /// The climate chamber, if the bench has one.
    pub chamber: Option<ChamberEntry>,
    /// The drop rig, if any.
    pub drop: Option<DropEntry>,
    /// The thermal logger, if any.
    pub thermal: Option<ThermalEntry>,
    /// The camera section, left to the camera backends to interpret.
    pub camera: Option<toml::Table>,
}

/// How to reach one rig.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// Where the rig is; `None` on simulated stations that give no port.
    pub endpoint: Option<Endpoint>,
    /// RS-485 device address or Modbus slave id.
    pub address: Option<u8>,
    /// Timeout and retries.
    pub policy: LinkPolicy,
    /// Record every byte to `wire-<rig>.log` in the run directory.
    pub wire_log: bool,
}

/// What to leave the chamber doing when a run ends or is stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SafeState {
    /// Stop control at once (`{ action = "standby" }`).
    Standby,
    /// Go to a set point first (`{ setpoint_c = 23.0, then = "stop" | "hold" }`).
    Setpoint {
        /// Temperature to return to, °C.
        celsius: f64,
        /// Stop once there (`true`) or keep holding it (`false`).
        then_stop: bool,
    },
}

impl SafeState {
    /// First half of teardown: stop, or start heading for the safe set point (humidity off
    /// where the chamber has it). The runner then waits until the chamber is near the set point
    /// and calls [`SafeState::finish`].
    pub fn begin(&self, chamber: &mut dyn Chamber) -> Result<(), RigError> {
        match *self {
            SafeState::Standby => chamber.stop(),
            SafeState::Setpoint { celsius, .. } => {
                chamber.set_temperature(celsius)?;
                match chamber.set_humidity(None) {
                    Ok(()) | Err(RigError::NotSupported { .. }) => {}
                    Err(error) => return Err(error),
                }
                chamber.run_constant()
            }
        }
    }

    /// Second half of teardown: stop if the safe state says so.
    pub fn finish(&self, chamber: &mut dyn Chamber) -> Result<(), RigError> {
        match *self {
            SafeState::Setpoint {
                then_stop: true, ..
            } => chamber.stop(),
            SafeState::Setpoint {
                then_stop: false, ..
            }
            | SafeState::Standby => Ok(()),
        }
    }
}

/// A chamber in a station.
#[derive(Debug, Clone, PartialEq)]
pub struct ChamberEntry {
    /// Protocol.
    pub protocol: ChamberProtocol,
    /// Where and how to reach it.
    pub connection: Connection,
    /// Set points the station allows.
    pub limits: SafeLimits,
    /// Teardown behaviour.
    pub safe_state: SafeState,
    /// Register map (`modbus-generic` only).
    pub registers: Option<RegisterMap>,
    /// Protocol-specific options.
    pub options: ChamberOptions,
}

/// Options only some chamber protocols take; each is rejected for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChamberOptions {
    /// `espec`, `temi-pclink`, `temi-modbus`: the chamber controls humidity (default true).
    pub humidity: Option<bool>,
    /// `temi-pclink`: frames carry SUM (PCL1, the factory default; default true).
    pub checksum: Option<bool>,
    /// `watlow-f4`: the digital event output (1–8) wired as "chamber on".
    pub power_event: Option<u8>,
    /// `watlow-f4t`: word order of 32-bit floats (default low word first).
    pub word_order: Option<WordOrder>,
    /// `temi-modbus`: the operation register and its run / stop values.
    pub run_stop: Option<RunStopRegister>,
}

impl ChamberEntry {
    /// The port name for errors and logs (`sim` when simulated without a port).
    pub fn port_name(&self) -> String {
        self.connection
            .endpoint
            .as_ref()
            .map_or_else(|| "sim".to_string(), ToString::to_string)
    }
}

/// Drop rig protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropProtocol {
    /// Our proposed Modbus register map (rig-protocols §4).
    Modbus,
    /// The operator drops by hand, following prompts.
    Manual,
}

/// A drop rig in a station.
#[derive(Debug, Clone, PartialEq)]
pub struct DropEntry {
    /// Protocol.
    pub protocol: DropProtocol,
    /// Where and how to reach it (`None` for manual rigs).
    pub connection: Option<Connection>,
    /// Lowest drop height this bench allows, mm.
    pub height_min_mm: Option<f64>,
    /// Highest drop height this bench allows, mm.
    pub height_max_mm: Option<f64>,
}

/// Thermal logger protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThermalProtocol {
    /// SCPI (Keysight 34970A / DAQ970A style).
    Scpi,
}

/// A thermal logger in a station.
#[derive(Debug, Clone, PartialEq)]
pub struct ThermalEntry {
    /// Protocol.
    pub protocol: ThermalProtocol,
    /// Where and how to reach it.
    pub connection: Connection,
    /// Thermocouple type letter (`K`).
    pub thermocouple: char,
    /// Channels, in scan order.
    pub channels: Vec<ChannelInfo>,
}

/// One problem in a station file, displayed as `rigs/lab.toml:12:8 chamber.baud: message`; every
/// problem of one station file.
pub use crate::diagnostic::{Diagnostic as StationDiagnostic, Diagnostics as StationErrors};

/// Reads and resolves a station file.
pub fn load_station(path: &Path) -> Result<Station, StationErrors> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| {
        StationErrors(vec![StationDiagnostic {
            file: origin.clone(),
            line: 0,
            column: 0,
            field: String::new(),
            message: format!("cannot read: {error}"),
        }])
    })?;
    let stem = path
        .file_stem()
        .map_or_else(|| origin.clone(), |s| s.to_string_lossy().into_owned());
    parse_station(&text, &origin, &stem)
}
