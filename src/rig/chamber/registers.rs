//! The register map of a `modbus-generic` chamber, as written in a station file.
//!
//! ```toml
//! [chamber.registers]
//! temp_pv     = { address = 100, format = "i16", scale = 0.1 }
//! temp_sp     = { address = 300, format = "i16", scale = 0.1 }
//! humidity_pv = { address = 2980, format = "f32", word_order = "low-first", table = "input" }
//! humidity_sp = { address = 2942, format = "f32", word_order = "low-first" }
//! run_stop    = { address = 2000, run = 1, stop = 0 }
//! ```
//!
//! Addresses are Modbus PDU addresses (0-based, no 40001 offset). A value on the wire is
//! `raw × scale` in engineering units; 32-bit formats use two consecutive registers.

use serde::Deserialize;

use super::ChamberMode;

pub use crate::rig::modbus::WordOrder;

/// How a value is stored in registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegisterFormat {
    /// Unsigned 16-bit, one register.
    U16,
    /// Signed (two's complement) 16-bit, one register.
    I16,
    /// Unsigned 32-bit, two registers.
    U32,
    /// Signed 32-bit, two registers.
    I32,
    /// IEEE-754 single precision, two registers.
    F32,
}

impl RegisterFormat {
    /// Registers one value occupies.
    pub fn width(self) -> u16 {
        match self {
            RegisterFormat::U16 | RegisterFormat::I16 => 1,
            RegisterFormat::U32 | RegisterFormat::I32 | RegisterFormat::F32 => 2,
        }
    }
}

/// Which Modbus table a register is read from. Writes always go to holding registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegisterTable {
    /// Holding registers (FC03 read, FC06/16 write).
    #[default]
    Holding,
    /// Input registers (FC04 read only).
    Input,
}

/// One value in the map.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterSpec {
    /// PDU address of the (first) register.
    pub address: u16,
    /// Storage format; default `i16`.
    #[serde(default = "default_format")]
    pub format: RegisterFormat,
    /// Engineering value = raw × scale; default 1.
    #[serde(default = "default_scale")]
    pub scale: f64,
    /// Word order of 32-bit formats; default high word first.
    #[serde(default)]
    pub word_order: WordOrder,
    /// Table to read from; default holding.
    #[serde(default)]
    pub table: RegisterTable,
}

fn default_format() -> RegisterFormat {
    RegisterFormat::I16
}

fn default_scale() -> f64 {
    1.0
}

/// The register that starts and stops constant operation, with its two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunStopRegister {
    /// PDU address (holding register).
    pub address: u16,
    /// Value written to run.
    pub run: u16,
    /// Value written to stop.
    pub stop: u16,
}

impl RunStopRegister {
    /// The mode a value read back from the register means: constant operation when it is the
    /// run value, standby when it is the stop value.
    pub fn mode(&self, command: u16) -> ChamberMode {
        if command == self.run {
            ChamberMode::Constant
        } else if command == self.stop {
            ChamberMode::Standby
        } else {
            ChamberMode::Other(format!("run/stop register {command}"))
        }
    }
}

/// Where a generic Modbus chamber keeps its values.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterMap {
    /// Temperature process value.
    pub temp_pv: RegisterSpec,
    /// Temperature set point (read and written).
    pub temp_sp: RegisterSpec,
    /// Humidity process value, on humidity chambers.
    pub humidity_pv: Option<RegisterSpec>,
    /// Humidity set point, on humidity chambers.
    pub humidity_sp: Option<RegisterSpec>,
    /// Run / stop control.
    pub run_stop: RunStopRegister,
}

impl RegisterMap {
    /// Problems a parser cannot see: zero or non-finite scales, writable values in the input
    /// table, a humidity PV without its SP (or the reverse). Each entry is `(field, message)`.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let specs = [
            ("temp_pv", Some(self.temp_pv)),
            ("temp_sp", Some(self.temp_sp)),
            ("humidity_pv", self.humidity_pv),
            ("humidity_sp", self.humidity_sp),
        ];
        for (name, spec) in specs {
            let Some(spec) = spec else { continue };
            if !spec.scale.is_finite() || spec.scale == 0.0 {
                problems.push((
                    format!("{name}.scale"),
                    "must be a finite, non-zero number".to_string(),
                ));
            }
            if name.ends_with("_sp") && spec.table == RegisterTable::Input {
                problems.push((
                    format!("{name}.table"),
                    "a set point is written, so it must be a holding register".to_string(),
                ));
            }
        }
        if self.humidity_pv.is_some() != self.humidity_sp.is_some() {
            problems.push((
                "humidity_pv".to_string(),
                "give both humidity_pv and humidity_sp, or neither".to_string(),
            ));
        }
        problems
    }
}
