//! Samwontech TEMI880 / TEMI1000 / TEMI2000 controllers in their Modbus RTU mode.
//!
//! The manuals number registers as D-registers; the Modbus PDU address is the D-number − 1
//! ([`d`]). Values are signed 16-bit ×10 (one implied decimal). Reading PVs and set points is
//! documented in the manuals; the **operation command (run/stop) register differs per model**:
//! the default here, D0101 = 1 RUN / 4 STOP, comes from one TEMI2500 firmware driver only.
//! Check the model's D-register table and override it with [`TemiOptions::run_stop`] (the
//! station file's `run_stop`). The mode reported by [`AsyncChamber::read`] is read back from that
//! register, so it reflects the last run/stop command, not a status register.

use crate::rig::chamber::registers::RunStopRegister;
use crate::rig::chamber::{AsyncChamber, ChamberIdentity, ChamberReading};
use crate::rig::modbus::{unencodable, ModbusClient, Scaled16};
use crate::rig::RigError;

/// The PDU address of D-register `number` (D0001 → 0).
pub const fn d(number: u16) -> u16 {
    number.saturating_sub(1)
}

/// The TEMI register map as PDU addresses, shared with the simulator.
pub mod regs {
    use super::d;
    /// D0001: temperature PV (NPV), ×10.
    pub const TEMP_PV: u16 = d(1);
    /// D0002: temperature working set point (NSP), ×10.
    pub const TEMP_SP: u16 = d(2);
    /// D0005: humidity PV, ×10.
    pub const HUMIDITY_PV: u16 = d(5);
    /// D0006: humidity working set point, ×10.
    pub const HUMIDITY_SP: u16 = d(6);
    /// D0101: operation command on the TEMI2500 (model-dependent; see the module docs).
    pub const OPERATION: u16 = d(101);
    /// Value written to [`OPERATION`] to run (TEMI2500).
    pub const OPERATION_RUN: u16 = 1;
    /// Value written to [`OPERATION`] to stop (TEMI2500).
    pub const OPERATION_STOP: u16 = 4;
    /// D0102: FIX-mode temperature set point, ×10.
    pub const FIX_TEMP_SP: u16 = d(102);
    /// D0103: FIX-mode humidity set point, ×10.
    pub const FIX_HUMIDITY_SP: u16 = d(103);
}

/// The default operation-command register (D0101, 1 run, 4 stop).
pub const DEFAULT_RUN_STOP: RunStopRegister = RunStopRegister {
    address: regs::OPERATION,
    run: regs::OPERATION_RUN,
    stop: regs::OPERATION_STOP,
};

/// Station options of a TEMI chamber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemiOptions {
    /// The operation-command register; `None` uses [`DEFAULT_RUN_STOP`] with a warning.
    pub run_stop: Option<RunStopRegister>,
    /// Whether the chamber has humidity (TEMI880/2000 do; TEMP-series controllers do not).
    pub humidity: bool,
}

impl Default for TemiOptions {
    fn default() -> Self {
        TemiOptions {
            run_stop: None,
            humidity: true,
        }
    }
}

/// A TEMI controller on one Modbus link.
#[derive(Debug)]
pub struct TemiModbus {
    client: ModbusClient,
    run_stop: RunStopRegister,
    humidity: bool,
}

/// One implied decimal, signed: the TEMI data format.
const TENTHS: Scaled16 = Scaled16 {
    signed: true,
    decimals: 1,
};

impl TemiModbus {
    /// Attaches the driver; warns when the model-dependent run/stop register is assumed.
    pub fn attach(client: ModbusClient, options: TemiOptions) -> TemiModbus {
        let run_stop = options.run_stop.unwrap_or_else(|| {
            tracing::warn!(
                port = client.port(),
                "TEMI run/stop register assumed to be D0101 (1 RUN, 4 STOP, as on the TEMI2500); \
                 it differs per model: set `run_stop` in the station file from the model's \
                 D-register table"
            );
            DEFAULT_RUN_STOP
        });
        TemiModbus {
            client,
            run_stop,
            humidity: options.humidity,
        }
    }

    async fn read_tenths(&mut self, what: &'static str, address: u16) -> Result<f64, RigError> {
        Ok(TENTHS.decode(self.client.read_one(what, address).await?))
    }

    async fn write_tenths(
        &mut self,
        what: &'static str,
        unit: &str,
        address: u16,
        value: f64,
    ) -> Result<(), RigError> {
        let raw = TENTHS.encode(value).map_err(|e| unencodable(unit, e))?;
        Ok(self.client.write_register(what, address, raw).await?)
    }
}

impl AsyncChamber for TemiModbus {
    async fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        // The Modbus map has no model register; one read proves the controller answers.
        self.read_tenths("temperature PV (D0001)", regs::TEMP_PV)
            .await?;
        Ok(ChamberIdentity {
            protocol: "temi-modbus".to_string(),
            model: "TEMI".to_string(),
            firmware: None,
            humidity: self.humidity,
            temp_max_c: None,
        })
    }

    async fn read(&mut self) -> Result<ChamberReading, RigError> {
        let [pv, sp] = self
            .client
            .read_pair("temperature PV/SP (D0001-D0002)", regs::TEMP_PV)
            .await?;
        let (temp_pv, temp_sp) = (TENTHS.decode(pv), TENTHS.decode(sp));
        let (humidity_pv, humidity_sp) = if self.humidity {
            let [pv, sp] = self
                .client
                .read_pair("humidity PV/SP (D0005-D0006)", regs::HUMIDITY_PV)
                .await?;
            (Some(TENTHS.decode(pv)), Some(TENTHS.decode(sp)))
        } else {
            (None, None)
        };
        let command = self
            .client
            .read_one("operation command", self.run_stop.address)
            .await?;
        let mode = self.run_stop.mode(command);
        Ok(ChamberReading {
            temp_pv,
            temp_sp,
            humidity_pv,
            humidity_sp,
            mode,
            alarm_count: 0,
        })
    }

    async fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError> {
        self.write_tenths(
            "FIX temperature SP (D0102)",
            "temperature °C",
            regs::FIX_TEMP_SP,
            celsius,
        )
        .await
    }

    async fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        if !self.humidity {
            return Err(RigError::not_supported(
                "humidity on a temperature-only TEMI",
            ));
        }
        let Some(percent) = percent else {
            return Err(RigError::not_supported(
                "switching humidity control off over TEMI Modbus",
            ));
        };
        self.write_tenths(
            "FIX humidity SP (D0103)",
            "humidity % RH",
            regs::FIX_HUMIDITY_SP,
            percent,
        )
        .await
    }

    async fn run_constant(&mut self) -> Result<(), RigError> {
        let RunStopRegister { address, run, .. } = self.run_stop;
        Ok(self
            .client
            .write_register("operation command: run", address, run)
            .await?)
    }

    async fn stop(&mut self) -> Result<(), RigError> {
        let RunStopRegister { address, stop, .. } = self.run_stop;
        Ok(self
            .client
            .write_register("operation command: stop", address, stop)
            .await?)
    }

    async fn run_program(&mut self, number: u32) -> Result<(), RigError> {
        Err(RigError::not_supported(format!(
            "running TEMI pattern {number} over Modbus (the pattern registers are model-dependent)"
        )))
    }
}
