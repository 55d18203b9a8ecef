//! ESPEC commands, one type each: the text it sends, the reply it expects, its timeout.
//!
//! [`Addressed`] frames any [`EspecCommand`] for the wire: an optional RS-485 address prefix
//! (`1,TEMP?`), the `CR LF` terminator, and `NA:` handling, and implements
//! [`crate::rig::link::Request`] so a [`crate::rig::link::Link`] can carry it.

use std::time::Duration;

use super::reply::{self, expect_ok, fields, number, optional_number, parse_mode, reply_text};
use crate::rig::link::{ReplyError, Request};
use crate::rig::ChamberMode;

/// Queries answer within this (ATWG uses 5–10 s; chambers answer in tens of ms).
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(3);
/// Settings may take longer while the controller stores them.
pub const SETTING_TIMEOUT: Duration = Duration::from_secs(5);

/// One ESPEC command.
pub trait EspecCommand {
    /// Parsed reply.
    type Reply;
    /// The command text without address or terminator (`TEMP, S23.0`).
    fn text(&self) -> String;
    /// Parses the reply text (terminator removed, `NA:` already handled).
    fn parse(&self, text: &str) -> Result<Self::Reply, ReplyError>;
    /// Reply timeout.
    fn timeout(&self) -> Duration {
        QUERY_TIMEOUT
    }
}

/// A command framed for the wire, with the RS-485 address when the station gives one.
#[derive(Debug, Clone, Copy)]
pub struct Addressed<'c, C> {
    /// RS-485 address (`None` on RS-232 and LAN).
    pub address: Option<u8>,
    /// The command.
    pub command: &'c C,
}

impl<C: EspecCommand> Request for Addressed<'_, C> {
    type Reply = C::Reply;

    fn encode(&self) -> Vec<u8> {
        let text = self.command.text();
        match self.address {
            Some(address) => format!("{address},{text}\r\n").into_bytes(),
            None => format!("{text}\r\n").into_bytes(),
        }
    }

    fn timeout(&self) -> Duration {
        self.command.timeout()
    }

    /// Every ESPEC command used here is safe to repeat: queries, absolute set points, modes.
    fn idempotent(&self) -> bool {
        true
    }

    fn parse(&self, line: &[u8]) -> Result<C::Reply, ReplyError> {
        self.command.parse(reply_text(line)?)
    }
}

/// `TEMP?` → `pv,sp,upper,lower`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TempQuery;

/// Reply to [`TempQuery`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempReply {
    /// Process value, °C.
    pub pv: f64,
    /// Set point, °C.
    pub sp: f64,
    /// Upper alarm limit, °C.
    pub upper: f64,
    /// Lower alarm limit, °C.
    pub lower: f64,
}

impl EspecCommand for TempQuery {
    type Reply = TempReply;
    fn text(&self) -> String {
        "TEMP?".to_string()
    }
    fn parse(&self, text: &str) -> Result<TempReply, ReplyError> {
        let f = fields(text);
        Ok(TempReply {
            pv: number(&f, 0, "temperature")?,
            sp: number(&f, 1, "set point")?,
            upper: number(&f, 2, "upper limit")?,
            lower: number(&f, 3, "lower limit")?,
        })
    }
}

/// `HUMI?` → `pv,sp,upper,lower`; the set point is non-numeric when humidity control is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumiQuery;

/// Reply to [`HumiQuery`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HumiReply {
    /// Process value, % RH.
    pub pv: f64,
    /// Set point, % RH; `None` when humidity control is off.
    pub sp: Option<f64>,
    /// Upper alarm limit; `None` when not reported.
    pub upper: Option<f64>,
    /// Lower alarm limit; `None` when not reported.
    pub lower: Option<f64>,
}

impl EspecCommand for HumiQuery {
    type Reply = HumiReply;
    fn text(&self) -> String {
        "HUMI?".to_string()
    }
    fn parse(&self, text: &str) -> Result<HumiReply, ReplyError> {
        let f = fields(text);
        reply::field(&f, 1, "set point")?;
        Ok(HumiReply {
            pv: number(&f, 0, "humidity")?,
            sp: optional_number(&f, 1),
            upper: optional_number(&f, 2),
            lower: optional_number(&f, 3),
        })
    }
}

/// `MON?` → `temp,humi,mode,alarm_count` (humidity empty on temperature-only chambers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonQuery;

/// Reply to [`MonQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct MonReply {
    /// Temperature, °C.
    pub temp: f64,
    /// Humidity, % RH; `None` on temperature-only chambers.
    pub humi: Option<f64>,
    /// Operating mode.
    pub mode: ChamberMode,
    /// Active alarms.
    pub alarms: u32,
}

impl EspecCommand for MonQuery {
    type Reply = MonReply;
    fn text(&self) -> String {
        "MON?".to_string()
    }
    fn parse(&self, text: &str) -> Result<MonReply, ReplyError> {
        let f = fields(text);
        let humi_text = reply::field(&f, 1, "humidity")?;
        let humi =
            match humi_text {
                "" => None,
                t => Some(reply::parse_number(t).ok_or_else(|| {
                    ReplyError::Garbled(format!("humidity `{t}` is not a number"))
                })?),
            };
        let alarms = number(&f, 3, "alarm count")?;
        if alarms < 0.0 || alarms.fract() != 0.0 || alarms > f64::from(u16::MAX) {
            return Err(ReplyError::Garbled(format!(
                "alarm count `{alarms}` is not a count"
            )));
        }
        Ok(MonReply {
            temp: number(&f, 0, "temperature")?,
            humi,
            mode: parse_mode(reply::field(&f, 2, "mode")?)?,
            // Checked above: a whole number in 0..=65535.
            alarms: alarms as u32,
        })
    }
}

/// `MODE?` → `OFF | STANDBY | CONSTANT | RUN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeQuery;

impl EspecCommand for ModeQuery {
    type Reply = ChamberMode;
    fn text(&self) -> String {
        "MODE?".to_string()
    }
    fn parse(&self, text: &str) -> Result<ChamberMode, ReplyError> {
        parse_mode(text)
    }
}

/// `TYPE?` → `drybulb,wetbulb,controller,tempmax` (no wet bulb on temperature-only chambers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeQuery;

/// Reply to [`TypeQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct TypeReply {
    /// The chamber controls humidity (a wet-bulb sensor is reported).
    pub humidity: bool,
    /// Controller type (`S2`, `P300`).
    pub controller: String,
    /// Upper temperature limit of the chamber, °C.
    pub temp_max: Option<f64>,
}

impl EspecCommand for TypeQuery {
    type Reply = TypeReply;
    fn text(&self) -> String {
        "TYPE?".to_string()
    }
    fn parse(&self, text: &str) -> Result<TypeReply, ReplyError> {
        let f = fields(text);
        let (humidity, rest) = match f.len() {
            4 => (true, 2),
            3 => (false, 1),
            n => {
                return Err(ReplyError::Garbled(format!(
                    "expected 3 or 4 fields, got {n}"
                )))
            }
        };
        Ok(TypeReply {
            humidity,
            controller: reply::field(&f, rest, "controller")?.to_string(),
            temp_max: optional_number(&f, rest + 1),
        })
    }
}

/// `ROM?` → firmware version text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RomQuery;

impl EspecCommand for RomQuery {
    type Reply = String;
    fn text(&self) -> String {
        "ROM?".to_string()
    }
    fn parse(&self, text: &str) -> Result<String, ReplyError> {
        if text.is_empty() {
            return Err(ReplyError::Garbled("empty firmware version".to_string()));
        }
        Ok(text.to_string())
    }
}

/// `ALARM?` → `count,code1,code2,…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlarmQuery;

impl EspecCommand for AlarmQuery {
    type Reply = Vec<String>;
    fn text(&self) -> String {
        "ALARM?".to_string()
    }
    fn parse(&self, text: &str) -> Result<Vec<String>, ReplyError> {
        let f = fields(text);
        let count = reply::field(&f, 0, "alarm count")?;
        let count: usize = count
            .parse()
            .map_err(|_| ReplyError::Garbled(format!("alarm count `{count}` is not a count")))?;
        let codes: Vec<String> = f
            .iter()
            .skip(1)
            .filter(|c| !c.is_empty())
            .map(|c| format!("alarm {c}"))
            .collect();
        if codes.len() != count {
            return Err(ReplyError::Garbled(format!(
                "{count} alarms announced, {} listed",
                codes.len()
            )));
        }
        Ok(codes)
    }
}

fn setting_text(value: f64) -> String {
    format!("{value:.1}")
}

/// `TEMP, S<celsius>` → `OK:`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetTemp {
    /// Set point, °C.
    pub celsius: f64,
}

impl EspecCommand for SetTemp {
    type Reply = ();
    fn text(&self) -> String {
        format!("TEMP, S{}", setting_text(self.celsius))
    }
    fn parse(&self, text: &str) -> Result<(), ReplyError> {
        expect_ok(text.as_bytes())
    }
    fn timeout(&self) -> Duration {
        SETTING_TIMEOUT
    }
}

/// `HUMI, S<percent>` or `HUMI, SOFF` (humidity control off) → `OK:`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetHumi(pub Option<f64>);

impl EspecCommand for SetHumi {
    type Reply = ();
    fn text(&self) -> String {
        match self.0 {
            Some(percent) => format!("HUMI, S{}", setting_text(percent)),
            None => "HUMI, SOFF".to_string(),
        }
    }
    fn parse(&self, text: &str) -> Result<(), ReplyError> {
        expect_ok(text.as_bytes())
    }
    fn timeout(&self) -> Duration {
        SETTING_TIMEOUT
    }
}

/// Modes [`SetMode`] can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EspecMode {
    /// `MODE, OFF`.
    Off,
    /// `MODE, STANDBY`.
    Standby,
    /// `MODE, CONSTANT`.
    Constant,
    /// `MODE, RUN<n>`: run stored program n.
    Run(u32),
}

/// `MODE, <mode>` → `OK:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetMode(pub EspecMode);

impl EspecCommand for SetMode {
    type Reply = ();
    fn text(&self) -> String {
        match self.0 {
            EspecMode::Off => "MODE, OFF".to_string(),
            EspecMode::Standby => "MODE, STANDBY".to_string(),
            EspecMode::Constant => "MODE, CONSTANT".to_string(),
            EspecMode::Run(program) => format!("MODE, RUN{program}"),
        }
    }
    fn parse(&self, text: &str) -> Result<(), ReplyError> {
        expect_ok(text.as_bytes())
    }
    fn timeout(&self) -> Duration {
        SETTING_TIMEOUT
    }
}
