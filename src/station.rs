//! Station files: which rigs a bench has, where they are, and how far they may be driven.
//!
//! A station is a TOML file under `rigs/`. It is read through the crate's one reader
//! ([`crate::config`]): each section is opened with the keys its rig takes (unknown keys are
//! reported with the closest known one) and resolved into a [`Station`]: ports parsed into
//! [`Endpoint`](crate::rig::transport::Endpoint)s, protocol names checked, safe limits
//! validated. Every problem is reported at once, each as `file:line:col field: message`.
//! `resolve.rs` reads the root, connections, drop rig and thermal logger; `chamber.rs` and
//! `registers.rs` the chamber; `camera.rs` the cameras.
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
//! [camera]                      # camera selectors per stream (see `camera.rs` for per-sample tables)
//! rgb = "v4l:/dev/v4l/by-id/usb-Acme_FaceCam_A1-video-index0:1920x1080@30/YUYV"
//! ir = "v4l:usb:2bc5:0510:AY3A1120033"
//! [dut]                         # the terminal itself over adb (see `dut.rs`)
//! serial = "FB1234567890"
//! ```
//!
//! With `sim = true` every rig is served by the in-process simulators and `port` may be left
//! out.

mod camera;
mod camera_rig;
mod chamber;
pub(crate) mod dut;
mod open;
mod registers;
mod resolve;
mod rigs;

use std::path::Path;

use crate::config::document::read_text;

use crate::rig::spec::{ChamberSpec, DropSpec, ThermalSpec};
use crate::rig::{Chamber, RigError};

pub use camera::{CameraSection, SampleCameras};
pub use camera_rig::{stream_kind, CameraRig, CameraSource, StationCameraRig, SyntheticCameraRig};
pub use open::{open_station, OpenError, SimFaults, StationSims};
pub use registers::{load_register_map, parse_register_map};
pub use resolve::parse_station;
pub use rigs::RigSet;

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
    pub drop: Option<DropSpec>,
    /// The thermal logger, if any.
    pub thermal: Option<ThermalEntry>,
    /// The cameras of the samples, if the bench has any.
    pub camera: Option<CameraSection>,
    /// The device under test's link, if the bench reaches the terminal itself (adb).
    pub dut: Option<crate::dut::DutSpec>,
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

/// A chamber in a station: what opening it takes, and how to leave it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChamberEntry {
    /// Protocol, port, limits and options.
    pub spec: ChamberSpec,
    /// Teardown behaviour.
    pub safe_state: SafeState,
}

impl ChamberEntry {
    /// The port name for errors and logs (`sim` when simulated without a port).
    pub fn port_name(&self) -> String {
        self.spec
            .connection
            .endpoint
            .as_ref()
            .map_or_else(|| "sim".to_string(), ToString::to_string)
    }
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
    /// Port, thermocouple type and channels.
    pub spec: ThermalSpec,
}

/// One problem in a station file, displayed as `rigs/lab.toml:12:8 chamber.baud: message`; every
/// problem of one station file.
pub use crate::diagnostic::{Diagnostic as StationDiagnostic, Diagnostics as StationErrors};

/// Reads and resolves a station file.
pub fn load_station(path: &Path) -> Result<Station, StationErrors> {
    let origin = path.display().to_string();
    let text = read_text(path, &origin, "station file")?;
    let stem = path
        .file_stem()
        .map_or_else(|| origin.clone(), |s| s.to_string_lossy().into_owned());
    parse_station(&text, &origin, &stem)
}
