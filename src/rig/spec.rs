//! What opening a rig takes, as plain parameters: a station file is resolved into these, and
//! tests build them directly. [`crate::rig::open`] opens a rig from its spec.

use crate::rig::chamber::registers::{RegisterMap, RunStopRegister, WordOrder};
use crate::rig::chamber::{ChamberProtocol, SafeLimits};
use crate::rig::link::LinkPolicy;
use crate::rig::transport::Endpoint;
use crate::rig::ChannelInfo;

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

/// A climate chamber to open.
#[derive(Debug, Clone, PartialEq)]
pub struct ChamberSpec {
    /// Protocol.
    pub protocol: ChamberProtocol,
    /// Where and how to reach it.
    pub connection: Connection,
    /// Set points the station allows.
    pub limits: SafeLimits,
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

/// Drop rig protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropProtocol {
    /// Our proposed Modbus register map (rig-protocols §4).
    Modbus,
    /// The operator drops by hand, following prompts.
    Manual,
}

/// A drop rig to open.
#[derive(Debug, Clone, PartialEq)]
pub struct DropSpec {
    /// Protocol.
    pub protocol: DropProtocol,
    /// Where and how to reach it (`None` for manual rigs).
    pub connection: Option<Connection>,
    /// Lowest drop height this bench allows, mm.
    pub height_min_mm: Option<f64>,
    /// Highest drop height this bench allows, mm.
    pub height_max_mm: Option<f64>,
}

/// A SCPI thermocouple logger to open.
#[derive(Debug, Clone, PartialEq)]
pub struct ThermalSpec {
    /// Where and how to reach it.
    pub connection: Connection,
    /// Thermocouple type letter (`K`).
    pub thermocouple: char,
    /// Channels, in scan order.
    pub channels: Vec<ChannelInfo>,
}
