//! Samwontech TEMI880 / TEMI1000 / TEMI2000 controllers over PC-link ASCII.
//!
//! [`frame`] is the codec (public, shared with the simulator), [`commands`] one type per
//! command, and [`TemiChamber`] the async driver. Registers used (TEMI manuals, ×10 values):
//!
//! | D-reg | use |
//! |---|---|
//! | D0001 / D0002 | temperature PV / working SP (read) |
//! | D0005 / D0006 | humidity PV / SP (read, humidity chambers) |
//! | D0102 / D0103 | FIX-mode temperature / humidity SP (written) |
//! | D0101 | operation: 1 = RUN, 4 = STOP |
//!
//! The operation register is the least certain: it is what the TEMI2500 firmware driver uses
//! and **differs per model**. Check the model's D-register table before relying on
//! `run_constant` / `stop`. PC-link reports neither the mode nor alarms, so
//! [`ChamberReading::mode`] is `Other("not reported")` and the alarm count 0.

pub mod commands;
pub mod frame;

use tokio::io::{AsyncRead, AsyncWrite};

use self::commands::{Addressed, Ami, PcLinkCommand, ReadRandom, WriteSeq};
use self::frame::{tenths_word, word_tenths};
use crate::rig::chamber::AsyncChamber;
use crate::rig::link::Link;
use crate::rig::{ChamberIdentity, ChamberMode, ChamberReading, RigError};

/// Temperature PV.
pub const D_TEMP_PV: u16 = 1;
/// Temperature working SP.
pub const D_TEMP_SP: u16 = 2;
/// Humidity PV.
pub const D_HUMI_PV: u16 = 5;
/// Humidity SP.
pub const D_HUMI_SP: u16 = 6;
/// Operation command (1 RUN, 4 STOP) — model-specific.
pub const D_OPERATION: u16 = 101;
/// FIX-mode temperature SP.
pub const D_FIX_TEMP_SP: u16 = 102;
/// FIX-mode humidity SP.
pub const D_FIX_HUMI_SP: u16 = 103;
/// [`D_OPERATION`] value for RUN.
pub const OPERATION_RUN: u16 = 1;
/// [`D_OPERATION`] value for STOP.
pub const OPERATION_STOP: u16 = 4;

/// How a TEMI controller is set up for PC-link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemiSetup {
    /// Device address 1–99.
    pub address: u8,
    /// PCL1 / SUM (checksum, factory default) rather than PCL0.
    pub with_sum: bool,
    /// The chamber controls humidity.
    pub humidity: bool,
}

/// A TEMI controller on a link.
#[derive(Debug)]
pub struct TemiChamber<T> {
    link: Link<T>,
    setup: TemiSetup,
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> TemiChamber<T> {
    /// Drives the controller over `link`.
    pub fn attach(link: Link<T>, setup: TemiSetup) -> TemiChamber<T> {
        TemiChamber { link, setup }
    }

    /// Sends one command and parses its reply.
    pub async fn send<C: PcLinkCommand>(&mut self, command: &C) -> Result<C::Reply, RigError> {
        let framed = Addressed {
            address: self.setup.address,
            with_sum: self.setup.with_sum,
            command,
        };
        self.link.exchange(&framed).await
    }

    /// Writes one ×10 value.
    async fn write_tenths(
        &mut self,
        register: u16,
        what: &str,
        value: f64,
    ) -> Result<(), RigError> {
        let word = tenths_word(value).ok_or_else(|| RigError::Limit {
            what: format!("{what} (PC-link word)"),
            value,
            min: -3276.8,
            max: 3276.7,
        })?;
        self.write_word(register, word).await
    }

    /// Writes one raw word.
    pub async fn write_word(&mut self, register: u16, word: u16) -> Result<(), RigError> {
        let command = WriteSeq::new(register, &[word])
            .ok_or_else(|| RigError::not_supported(format!("writing D{register:04}")))?;
        self.send(&command).await
    }
}

impl<T> AsyncChamber for TemiChamber<T>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug,
{
    /// `AMI`.
    async fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        let model = self.send(&Ami).await?;
        Ok(ChamberIdentity {
            protocol: "temi-pclink".to_string(),
            model,
            firmware: None,
            humidity: self.setup.humidity,
            temp_max_c: None,
        })
    }

    /// `RRD` of PV and SP (and humidity PV and SP).
    async fn read(&mut self) -> Result<ChamberReading, RigError> {
        let registers: &[u16] = if self.setup.humidity {
            &[D_TEMP_PV, D_TEMP_SP, D_HUMI_PV, D_HUMI_SP]
        } else {
            &[D_TEMP_PV, D_TEMP_SP]
        };
        let command = ReadRandom::new(registers)
            .ok_or_else(|| RigError::not_supported("reading these registers"))?;
        let words = self.send(&command).await?;
        let value = |index: usize| words.get(index).copied().map(word_tenths);
        let missing = || RigError::Garbled {
            port: self.link.port().to_string(),
            command: "RRD".to_string(),
            bytes: Vec::new(),
            problem: "fewer words than asked".to_string(),
        };
        Ok(ChamberReading {
            temp_pv: value(0).ok_or_else(missing)?,
            temp_sp: value(1).ok_or_else(missing)?,
            humidity_pv: value(2),
            humidity_sp: value(3),
            mode: ChamberMode::Other("not reported".to_string()),
            alarm_count: 0,
        })
    }

    /// Writes the FIX-mode temperature SP.
    async fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError> {
        self.write_tenths(D_FIX_TEMP_SP, "temperature °C", celsius)
            .await
    }

    /// Writes the FIX-mode humidity SP. Switching humidity control off is model-specific and
    /// not supported here.
    async fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        match (self.setup.humidity, percent) {
            (false, _) => Err(RigError::not_supported(
                "humidity on a temperature-only TEMI chamber",
            )),
            (true, None) => Err(RigError::not_supported(
                "switching TEMI humidity control off over PC-link",
            )),
            (true, Some(percent)) => {
                self.write_tenths(D_FIX_HUMI_SP, "humidity % RH", percent)
                    .await
            }
        }
    }

    async fn run_constant(&mut self) -> Result<(), RigError> {
        self.write_word(D_OPERATION, OPERATION_RUN).await
    }

    async fn stop(&mut self) -> Result<(), RigError> {
        self.write_word(D_OPERATION, OPERATION_STOP).await
    }
}
