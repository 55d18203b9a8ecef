//! Watlow F4 (Series F4S/F4D) chamber controllers over Modbus RTU.
//!
//! Register numbers are PDU addresses (no 40001 offset). Process values and set points are
//! signed 16-bit with the input's implied decimals (reg 606 for input 1, 616 for input 2), in
//! the controller's display units: when input 1 is a temperature and reg 901 is 0 the values are
//! °F, and this driver converts to and from °C. Humidity is detected from input 2's units
//! (reg 618 = 1, %RH). The F4 has no "chamber off" register: chambers wire one digital event
//! output as "chamber on"; name it with [`WatlowF4Options::power_event`] to let
//! [`Chamber::stop`](crate::rig::Chamber::stop) switch the chamber off.
//!
//! Registers 606–608, 616–618, 901 and 603 are read where present; a controller refusing them
//! (exception 02) is taken as one decimal, °C, no humidity, no reported limit.
//!
//! Not read: alarms (the F4 alarm registers are not in our reference), so `alarm_count` is 0.

use crate::rig::chamber::{AsyncChamber, ChamberIdentity, ChamberMode, ChamberReading};
use crate::rig::modbus::{unencodable, ModbusClient, Scaled16};
use crate::rig::RigError;

/// The F4 register map (PDU addresses), shared with the simulator.
pub mod regs {
    /// Model id; [`MODEL_F4`] on an F4.
    pub const MODEL_ID: u16 = 0;
    /// Model id value of an F4.
    pub const MODEL_F4: u16 = 5270;
    /// Input 1 process value (loop 1, temperature), signed, input-1 decimals.
    pub const PV_INPUT1: u16 = 100;
    /// Input 2 process value (loop 2, usually humidity), signed, input-2 decimals.
    pub const PV_INPUT2: u16 = 104;
    /// Profile state: [`PROFILE_RUNNING`], [`PROFILE_HOLDING`], anything else = not running.
    pub const PROFILE_STATE: u16 = 200;
    /// Profile state value: running.
    pub const PROFILE_RUNNING: u16 = 2;
    /// Profile state value: holding.
    pub const PROFILE_HOLDING: u16 = 3;
    /// Static set point, loop 1 (R/W).
    pub const SP_LOOP1: u16 = 300;
    /// Static set point, loop 2 (R/W).
    pub const SP_LOOP2: u16 = 319;
    /// Set point high limit, loop 1.
    pub const SP_HIGH_LIMIT_LOOP1: u16 = 603;
    /// Input 1 decimal places (0..3); 607 error latch and 608 units follow.
    pub const DECIMALS_INPUT1: u16 = 606;
    /// Input 1 units: 0 temperature, 1 %RH, 2 PSI, 3 none.
    pub const UNITS_INPUT1: u16 = 608;
    /// Input 2 decimal places; 617 error latch and 618 units follow.
    pub const DECIMALS_INPUT2: u16 = 616;
    /// Input 2 units: 0 temperature, 1 %RH, 2 PSI, 3 none.
    pub const UNITS_INPUT2: u16 = 618;
    /// Units value: temperature.
    pub const UNITS_TEMPERATURE: u16 = 0;
    /// Units value: relative humidity.
    pub const UNITS_RH: u16 = 1;
    /// Temperature display units: nonzero = °C, 0 = °F.
    pub const TEMP_UNITS_CELSIUS: u16 = 901;
    /// Write 1: resume the held profile.
    pub const PROFILE_RESUME: u16 = 1209;
    /// Write 1: hold the running profile.
    pub const PROFILE_HOLD: u16 = 1210;
    /// Write 1: terminate the profile.
    pub const PROFILE_TERMINATE: u16 = 1217;
    /// Digital event output N (1..=8) is at `EVENT_OUTPUT_BASE + 10 × (N − 1)`; 1 = on.
    pub const EVENT_OUTPUT_BASE: u16 = 2000;
    /// Profile number to act on.
    pub const PROFILE_NUMBER: u16 = 4000;
    /// Step to start at.
    pub const PROFILE_STEP: u16 = 4001;
    /// Profile action; [`PROFILE_ACTION_START`] starts at the step.
    pub const PROFILE_ACTION: u16 = 4002;
    /// Profile action value: start.
    pub const PROFILE_ACTION_START: u16 = 5;
}

/// Station options of an F4 chamber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WatlowF4Options {
    /// Digital event output (1..=8) wired as "chamber on", if any.
    pub power_event: Option<u8>,
}

/// What the controller told us once: scales and units.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Setup {
    model_id: u16,
    temp: Scaled16,
    fahrenheit: bool,
    humidity: Option<Scaled16>,
}

/// The profile engine's state (reg 200).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileState {
    /// No profile running: static set points.
    Idle,
    /// A profile is running.
    Running,
    /// A profile is holding.
    Holding,
}

/// A Watlow F4 on one Modbus link.
#[derive(Debug)]
pub struct WatlowF4 {
    client: ModbusClient,
    options: WatlowF4Options,
    setup: Option<Setup>,
}

fn f_to_c(f: f64) -> f64 {
    (f - 32.0) * 5.0 / 9.0
}

fn c_to_f(c: f64) -> f64 {
    c * 9.0 / 5.0 + 32.0
}

impl WatlowF4 {
    /// Attaches the driver to a client; nothing is sent until the first call.
    pub fn attach(client: ModbusClient, options: WatlowF4Options) -> WatlowF4 {
        WatlowF4 {
            client,
            options,
            setup: None,
        }
    }

    async fn setup(&mut self) -> Result<Setup, RigError> {
        if let Some(setup) = self.setup {
            return Ok(setup);
        }
        let model_id = self.client.read_one("model id", regs::MODEL_ID).await?;
        // Decimals and units are read where the controller has them; a controller (or
        // simulator) refusing them is taken as one decimal, °C, temperature on input 1.
        let input1 = self
            .client
            .read_holding_if_present("input 1 decimals/latch/units", regs::DECIMALS_INPUT1, 3)
            .await?;
        let (decimals1, units1) = match input1.as_deref() {
            Some([d, _, u]) => (*d, *u),
            _ => {
                tracing::warn!(
                    port = self.client.port(),
                    "F4 refused registers 606-608; assuming one decimal and a temperature input"
                );
                (1, regs::UNITS_TEMPERATURE)
            }
        };
        let temp = Scaled16::new(true, decimals1).map_err(|e| {
            self.client.value_error(
                "input 1 decimals",
                regs::DECIMALS_INPUT1,
                input1.as_deref().unwrap_or_default(),
                e,
            )
        })?;
        let celsius = self
            .client
            .read_holding_if_present("temperature units", regs::TEMP_UNITS_CELSIUS, 1)
            .await?
            .and_then(|w| w.first().copied())
            .unwrap_or(1);
        let fahrenheit = units1 == regs::UNITS_TEMPERATURE && celsius == 0;
        // A single-loop F4 may refuse the input-2 block; that just means no humidity.
        let input2 = self
            .client
            .read_holding_if_present("input 2 decimals/latch/units", regs::DECIMALS_INPUT2, 3)
            .await?;
        let humidity = match input2.as_deref() {
            Some(words @ [d, _, u]) if *u == regs::UNITS_RH => {
                Some(Scaled16::new(true, *d).map_err(|e| {
                    self.client
                        .value_error("input 2 decimals", regs::DECIMALS_INPUT2, words, e)
                })?)
            }
            _ => None,
        };
        let setup = Setup {
            model_id,
            temp,
            fahrenheit,
            humidity,
        };
        self.setup = Some(setup);
        Ok(setup)
    }

    async fn read_temp(&mut self, what: &'static str, address: u16) -> Result<f64, RigError> {
        let setup = self.setup().await?;
        let value = setup
            .temp
            .decode(self.client.read_one(what, address).await?);
        Ok(if setup.fahrenheit {
            f_to_c(value)
        } else {
            value
        })
    }

    async fn read_humidity(
        &mut self,
        scale: Scaled16,
        what: &'static str,
        address: u16,
    ) -> Result<f64, RigError> {
        Ok(scale.decode(self.client.read_one(what, address).await?))
    }

    /// The profile engine's state.
    pub async fn profile_state(&mut self) -> Result<ProfileState, RigError> {
        Ok(
            match self
                .client
                .read_one("profile state", regs::PROFILE_STATE)
                .await?
            {
                regs::PROFILE_RUNNING => ProfileState::Running,
                regs::PROFILE_HOLDING => ProfileState::Holding,
                _ => ProfileState::Idle,
            },
        )
    }

    /// Holds the running profile.
    pub async fn hold_profile(&mut self) -> Result<(), RigError> {
        Ok(self
            .client
            .write_register("hold profile", regs::PROFILE_HOLD, 1)
            .await?)
    }

    /// Resumes the held profile.
    pub async fn resume_profile(&mut self) -> Result<(), RigError> {
        Ok(self
            .client
            .write_register("resume profile", regs::PROFILE_RESUME, 1)
            .await?)
    }

    /// Terminates the profile.
    pub async fn terminate_profile(&mut self) -> Result<(), RigError> {
        Ok(self
            .client
            .write_register("terminate profile", regs::PROFILE_TERMINATE, 1)
            .await?)
    }

    async fn terminate_if_running(&mut self) -> Result<(), RigError> {
        if self.profile_state().await? != ProfileState::Idle {
            self.terminate_profile().await?;
        }
        Ok(())
    }

    fn power_event_register(&self) -> Result<Option<u16>, RigError> {
        match self.options.power_event {
            None => Ok(None),
            Some(n @ 1..=8) => Ok(Some(regs::EVENT_OUTPUT_BASE + 10 * (u16::from(n) - 1))),
            Some(n) => Err(RigError::not_supported(format!(
                "Watlow F4 event output {n} (the F4 has outputs 1..=8)"
            ))),
        }
    }
}

impl AsyncChamber for WatlowF4 {
    async fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        let setup = self.setup().await?;
        let model = if setup.model_id == regs::MODEL_F4 {
            "F4".to_string()
        } else {
            format!("Watlow model id {}", setup.model_id)
        };
        let temp_max_c = match self
            .client
            .read_holding_if_present("loop 1 SP high limit", regs::SP_HIGH_LIMIT_LOOP1, 1)
            .await?
            .as_deref()
        {
            Some([raw]) => {
                let value = setup.temp.decode(*raw);
                Some(if setup.fahrenheit {
                    f_to_c(value)
                } else {
                    value
                })
            }
            _ => None,
        };
        Ok(ChamberIdentity {
            protocol: "watlow-f4".to_string(),
            model,
            firmware: None,
            humidity: setup.humidity.is_some(),
            temp_max_c,
        })
    }

    async fn read(&mut self) -> Result<ChamberReading, RigError> {
        let setup = self.setup().await?;
        let temp_pv = self.read_temp("input 1 PV", regs::PV_INPUT1).await?;
        let temp_sp = self.read_temp("loop 1 static SP", regs::SP_LOOP1).await?;
        let (humidity_pv, humidity_sp) = match setup.humidity {
            Some(scale) => (
                Some(
                    self.read_humidity(scale, "input 2 PV", regs::PV_INPUT2)
                        .await?,
                ),
                Some(
                    self.read_humidity(scale, "loop 2 static SP", regs::SP_LOOP2)
                        .await?,
                ),
            ),
            None => (None, None),
        };
        let mut mode = match self.profile_state().await? {
            ProfileState::Running => ChamberMode::Program,
            ProfileState::Holding => ChamberMode::Paused,
            ProfileState::Idle => ChamberMode::Constant,
        };
        if let Some(register) = self.power_event_register()? {
            if mode == ChamberMode::Constant
                && self.client.read_one("chamber-on event", register).await? == 0
            {
                mode = ChamberMode::Off;
            }
        }
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
        let setup = self.setup().await?;
        let (value, what) = if setup.fahrenheit {
            (c_to_f(celsius), "temperature °F")
        } else {
            (celsius, "temperature °C")
        };
        let raw = setup.temp.encode(value).map_err(|e| unencodable(what, e))?;
        Ok(self
            .client
            .write_register("loop 1 static SP", regs::SP_LOOP1, raw)
            .await?)
    }

    async fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        let setup = self.setup().await?;
        let Some(scale) = setup.humidity else {
            return Err(RigError::not_supported(
                "humidity on this Watlow F4 (input 2 is not %RH)",
            ));
        };
        let Some(percent) = percent else {
            return Err(RigError::not_supported(
                "switching humidity off on a Watlow F4 (it is wired to an event output)",
            ));
        };
        let raw = scale
            .encode(percent)
            .map_err(|e| unencodable("humidity % RH", e))?;
        Ok(self
            .client
            .write_register("loop 2 static SP", regs::SP_LOOP2, raw)
            .await?)
    }

    async fn run_constant(&mut self) -> Result<(), RigError> {
        self.terminate_if_running().await?;
        if let Some(register) = self.power_event_register()? {
            self.client
                .write_register("chamber-on event", register, 1)
                .await?;
        }
        Ok(())
    }

    async fn stop(&mut self) -> Result<(), RigError> {
        let Some(register) = self.power_event_register()? else {
            return Err(RigError::not_supported(
                "stopping a Watlow F4 without `power_event` (the event output wired as \
                 \"chamber on\") in the station file",
            ));
        };
        self.terminate_if_running().await?;
        Ok(self
            .client
            .write_register("chamber-on event", register, 0)
            .await?)
    }

    async fn run_program(&mut self, number: u32) -> Result<(), RigError> {
        let profile = u16::try_from(number).map_err(|_| {
            RigError::not_supported(format!("Watlow F4 profile {number} (at most 40)"))
        })?;
        self.client
            .write_register("profile number", regs::PROFILE_NUMBER, profile)
            .await?;
        self.client
            .write_register("profile step", regs::PROFILE_STEP, 1)
            .await?;
        Ok(self
            .client
            .write_register(
                "profile action",
                regs::PROFILE_ACTION,
                regs::PROFILE_ACTION_START,
            )
            .await?)
    }
}
