//! Watlow F4T chamber controllers over Modbus RTU or Modbus TCP (port 502).
//!
//! Values are IEEE-754 singles in two registers, low word first by default
//! ([`WatlowF4TOptions::word_order`]); modes are Watlow enumeration codes in one register.
//! Loop 1 is the air temperature; loop 2, when the controller answers for it, is humidity.
//! Values are taken as °C (the F4T's temperature-units setting is not read; set the
//! controller to °C).

use crate::rig::chamber::{AsyncChamber, ChamberIdentity, ChamberMode, ChamberReading};
use crate::rig::modbus::{decode_f32, encode_f32, unencodable, ModbusClient, WordOrder};
use crate::rig::RigError;

/// The F4T register map (PDU addresses), shared with the simulator.
pub mod regs {
    /// Distance between the blocks of loop N and loop N+1.
    pub const LOOP_STRIDE: u16 = 160;
    /// Loop 1 control mode ([`CONTROL_AUTO`], [`CONTROL_MANUAL`], [`CONTROL_OFF`]).
    pub const LOOP1_CONTROL_MODE: u16 = 2730;
    /// Loop 1 range low (float).
    pub const LOOP1_RANGE_MIN: u16 = 2774;
    /// Loop 1 range high (float).
    pub const LOOP1_RANGE_MAX: u16 = 2776;
    /// Loop 1 constant set point (float, R/W).
    pub const LOOP1_SP: u16 = 2782;
    /// Loop 1 current (ramping) set point (float).
    pub const LOOP1_CURRENT_SP: u16 = 2810;
    /// Loop 1 process value (float).
    pub const LOOP1_PV: u16 = 2820;
    /// Loop 2 control mode.
    pub const LOOP2_CONTROL_MODE: u16 = LOOP1_CONTROL_MODE + LOOP_STRIDE;
    /// Loop 2 constant set point (float, R/W): 2942.
    pub const LOOP2_SP: u16 = LOOP1_SP + LOOP_STRIDE;
    /// Loop 2 process value (float): 2980.
    pub const LOOP2_PV: u16 = LOOP1_PV + LOOP_STRIDE;
    /// Control mode: automatic (closed loop).
    pub const CONTROL_AUTO: u16 = 10;
    /// Control mode: manual (open loop).
    pub const CONTROL_MANUAL: u16 = 54;
    /// Control mode: off.
    pub const CONTROL_OFF: u16 = 62;
    /// Profile number to start.
    pub const PROFILE_NUMBER: u16 = 16558;
    /// Profile step to start at.
    pub const PROFILE_STEP: u16 = 16560;
    /// Write [`ACTION_START`] to start the selected profile.
    pub const PROFILE_START: u16 = 16562;
    /// Write [`ACTION_RESUME`] to resume.
    pub const PROFILE_RESUME: u16 = 16564;
    /// Write [`ACTION_TERMINATE`] or [`ACTION_PAUSE`].
    pub const PROFILE_CONTROL: u16 = 16566;
    /// Profile status ([`STATUS_RUNNING`], [`STATUS_PAUSED`], [`STATUS_TIMED_START`]).
    pub const PROFILE_STATUS: u16 = 16568;
    /// Action value: start.
    pub const ACTION_START: u16 = 1782;
    /// Action value: resume.
    pub const ACTION_RESUME: u16 = 147;
    /// Action value: terminate.
    pub const ACTION_TERMINATE: u16 = 148;
    /// Action value: pause.
    pub const ACTION_PAUSE: u16 = 146;
    /// Status value: running.
    pub const STATUS_RUNNING: u16 = 149;
    /// Status value: paused.
    pub const STATUS_PAUSED: u16 = 146;
    /// Status value: waiting for a timed start.
    pub const STATUS_TIMED_START: u16 = 1783;
}

/// Station options of an F4T chamber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatlowF4TOptions {
    /// Order of the two registers of each float; the F4T default is low word first.
    pub word_order: WordOrder,
}

impl Default for WatlowF4TOptions {
    fn default() -> Self {
        WatlowF4TOptions {
            word_order: WordOrder::LowFirst,
        }
    }
}

/// A Watlow F4T on one Modbus link.
#[derive(Debug)]
pub struct WatlowF4T {
    client: ModbusClient,
    options: WatlowF4TOptions,
    humidity: Option<bool>,
}

impl WatlowF4T {
    /// Attaches the driver to a client; nothing is sent until the first call.
    pub fn attach(client: ModbusClient, options: WatlowF4TOptions) -> WatlowF4T {
        WatlowF4T {
            client,
            options,
            humidity: None,
        }
    }

    /// Reads one float value.
    pub async fn read_float(&mut self, what: &'static str, address: u16) -> Result<f64, RigError> {
        let words = self.client.read_pair(what, address).await?;
        let value = decode_f32(words, self.options.word_order)
            .map_err(|e| self.client.value_error(what, address, &words, e))?;
        Ok(f64::from(value))
    }

    async fn write_float(
        &mut self,
        what: &'static str,
        address: u16,
        value: f64,
    ) -> Result<(), RigError> {
        let words = encode_f32(value, self.options.word_order).map_err(|e| unencodable(what, e))?;
        Ok(self.client.write_registers(what, address, &words).await?)
    }

    async fn has_humidity(&mut self) -> Result<bool, RigError> {
        if let Some(known) = self.humidity {
            return Ok(known);
        }
        // A one-loop F4T refuses loop 2's registers.
        let present = self
            .client
            .read_holding_if_present("loop 2 PV", regs::LOOP2_PV, 2)
            .await?
            .is_some();
        self.humidity = Some(present);
        Ok(present)
    }

    async fn set_mode(
        &mut self,
        what: &'static str,
        address: u16,
        mode: u16,
    ) -> Result<(), RigError> {
        Ok(self.client.write_register(what, address, mode).await?)
    }

    /// The profile engine's status code ([`regs::STATUS_RUNNING`], …).
    pub async fn profile_status(&mut self) -> Result<u16, RigError> {
        Ok(self
            .client
            .read_one("profile status", regs::PROFILE_STATUS)
            .await?)
    }

    /// Pauses the running profile.
    pub async fn pause_profile(&mut self) -> Result<(), RigError> {
        self.set_mode("pause profile", regs::PROFILE_CONTROL, regs::ACTION_PAUSE)
            .await
    }

    /// Resumes the paused profile.
    pub async fn resume_profile(&mut self) -> Result<(), RigError> {
        self.set_mode("resume profile", regs::PROFILE_RESUME, regs::ACTION_RESUME)
            .await
    }

    async fn terminate_if_running(&mut self) -> Result<(), RigError> {
        if matches!(
            self.profile_status().await?,
            regs::STATUS_RUNNING | regs::STATUS_PAUSED | regs::STATUS_TIMED_START
        ) {
            self.set_mode(
                "terminate profile",
                regs::PROFILE_CONTROL,
                regs::ACTION_TERMINATE,
            )
            .await?;
        }
        Ok(())
    }
}

impl AsyncChamber for WatlowF4T {
    async fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        let humidity = self.has_humidity().await?;
        let order = self.options.word_order;
        let temp_max_c = self
            .client
            .read_holding_if_present("loop 1 range high", regs::LOOP1_RANGE_MAX, 2)
            .await?
            .and_then(|words| match words.as_slice() {
                [a, b] => decode_f32([*a, *b], order).ok().map(f64::from),
                _ => None,
            });
        Ok(ChamberIdentity {
            protocol: "watlow-f4t".to_string(),
            model: "F4T".to_string(),
            firmware: None,
            humidity,
            temp_max_c,
        })
    }

    async fn read(&mut self) -> Result<ChamberReading, RigError> {
        let temp_pv = self.read_float("loop 1 PV", regs::LOOP1_PV).await?;
        let temp_sp = self.read_float("loop 1 SP", regs::LOOP1_SP).await?;
        let (humidity_pv, humidity_sp) = if self.has_humidity().await? {
            let pv = self.read_float("loop 2 PV", regs::LOOP2_PV).await?;
            let mode = self
                .client
                .read_one("loop 2 control mode", regs::LOOP2_CONTROL_MODE)
                .await?;
            let sp = if mode == regs::CONTROL_OFF {
                None
            } else {
                Some(self.read_float("loop 2 SP", regs::LOOP2_SP).await?)
            };
            (Some(pv), sp)
        } else {
            (None, None)
        };
        let mode = match self.profile_status().await? {
            regs::STATUS_RUNNING => ChamberMode::Program,
            regs::STATUS_PAUSED => ChamberMode::Paused,
            _ => match self
                .client
                .read_one("loop 1 control mode", regs::LOOP1_CONTROL_MODE)
                .await?
            {
                regs::CONTROL_AUTO => ChamberMode::Constant,
                regs::CONTROL_OFF => ChamberMode::Off,
                regs::CONTROL_MANUAL => ChamberMode::Other("manual".to_string()),
                code => ChamberMode::Other(format!("control mode {code}")),
            },
        };
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
        self.write_float("loop 1 SP", regs::LOOP1_SP, celsius).await
    }

    async fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        if !self.has_humidity().await? {
            return Err(RigError::not_supported("humidity on this F4T (no loop 2)"));
        }
        match percent {
            Some(percent) => {
                self.write_float("loop 2 SP", regs::LOOP2_SP, percent)
                    .await?;
                self.set_mode(
                    "loop 2 control mode",
                    regs::LOOP2_CONTROL_MODE,
                    regs::CONTROL_AUTO,
                )
                .await
            }
            None => {
                self.set_mode(
                    "loop 2 control mode",
                    regs::LOOP2_CONTROL_MODE,
                    regs::CONTROL_OFF,
                )
                .await
            }
        }
    }

    async fn run_constant(&mut self) -> Result<(), RigError> {
        self.terminate_if_running().await?;
        self.set_mode(
            "loop 1 control mode",
            regs::LOOP1_CONTROL_MODE,
            regs::CONTROL_AUTO,
        )
        .await
    }

    async fn stop(&mut self) -> Result<(), RigError> {
        self.terminate_if_running().await?;
        self.set_mode(
            "loop 1 control mode",
            regs::LOOP1_CONTROL_MODE,
            regs::CONTROL_OFF,
        )
        .await?;
        if self.has_humidity().await? {
            self.set_mode(
                "loop 2 control mode",
                regs::LOOP2_CONTROL_MODE,
                regs::CONTROL_OFF,
            )
            .await?;
        }
        Ok(())
    }

    async fn run_program(&mut self, number: u32) -> Result<(), RigError> {
        let profile = u16::try_from(number)
            .map_err(|_| RigError::not_supported(format!("F4T profile {number}")))?;
        self.client
            .write_register("profile number", regs::PROFILE_NUMBER, profile)
            .await?;
        self.client
            .write_register("profile step", regs::PROFILE_STEP, 1)
            .await?;
        self.set_mode("start profile", regs::PROFILE_START, regs::ACTION_START)
            .await
    }
}
