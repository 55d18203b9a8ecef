//! Multi-channel thermocouple loggers speaking SCPI (Keysight 34970A / 34972A / DAQ970A and
//! look-alikes), over RS-232, USB-serial or a raw TCP socket (port 5025).
//!
//! Command set used, one line each, terminated by `LF`:
//!
//! | command | reply | when |
//! |---|---|---|
//! | `*IDN?` | `maker,model,serial,firmware` | [`ScpiLogger::identify`] |
//! | `CONF:TEMP TC,K,(@101,102);:ROUT:SCAN (@101,102);*OPC?` | `1` | first scan, after a reconnect |
//! | `SYST:ERR?` | `+0,"No error"` or `-222,"Data out of range"` | after configuring |
//! | `READ?` | `+2.345E+01,+9.9E+37,…` one value per channel, °C | [`ScpiLogger::read_all`] |
//!
//! Configuration commands answer nothing in SCPI, so they are chained with `*OPC?` to get a
//! line back. An overload or open thermocouple reads `±9.9E+37` (and SCPI NaN `9.91E+37`):
//! that channel's reading is `None`.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::rig::link::{Link, ReplyError, Request};
use crate::rig::thermal::{ChannelInfo, ChannelReading, LoggerIdentity, ThermalLogger};
use crate::rig::{Blocking, RigError};

/// Readings at or above this magnitude are overload / open-circuit markers.
pub const OVERLOAD: f64 = 9.0e37;

/// Base timeout; a scan adds [`PER_CHANNEL`] per channel.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// Extra time per scanned channel (relay switching and integration).
pub const PER_CHANNEL: Duration = Duration::from_millis(150);

fn text(line: &[u8]) -> Result<&str, ReplyError> {
    let text =
        std::str::from_utf8(line).map_err(|_| ReplyError::Garbled("not ASCII text".to_string()))?;
    let text = text.trim_end_matches(['\r', '\n']).trim();
    if text.chars().any(|c| c.is_control()) {
        return Err(ReplyError::Garbled(
            "control characters in the reply".to_string(),
        ));
    }
    Ok(text)
}

/// The channel list `(@101,102,110)`.
pub fn channel_list(channels: &[ChannelInfo]) -> String {
    let numbers: Vec<String> = channels.iter().map(|c| c.channel.to_string()).collect();
    format!("(@{})", numbers.join(","))
}

/// `*IDN?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdnQuery;

impl Request for IdnQuery {
    type Reply = LoggerIdentity;
    fn encode(&self) -> Vec<u8> {
        b"*IDN?\n".to_vec()
    }
    fn timeout(&self) -> Duration {
        TIMEOUT
    }
    fn idempotent(&self) -> bool {
        true
    }
    fn parse(&self, line: &[u8]) -> Result<LoggerIdentity, ReplyError> {
        let fields: Vec<&str> = text(line)?.split(',').map(str::trim).collect();
        match fields.as_slice() {
            [maker, model, rest @ ..]
                if !maker.is_empty() && !model.is_empty() && rest.len() <= 2 =>
            {
                Ok(LoggerIdentity {
                    manufacturer: maker.to_string(),
                    model: model.to_string(),
                    serial: rest.first().map_or(String::new(), |s| s.to_string()),
                    firmware: rest.get(1).map_or(String::new(), |s| s.to_string()),
                })
            }
            _ => Err(ReplyError::Garbled(
                "expected maker,model,serial,firmware".to_string(),
            )),
        }
    }
}

/// `CONF:TEMP TC,<type>,(@…);:ROUT:SCAN (@…);*OPC?` → `1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigureScan {
    /// Thermocouple type letter.
    pub thermocouple: char,
    /// Channel list, `(@101,102)`.
    pub list: String,
}

impl Request for ConfigureScan {
    type Reply = ();
    fn encode(&self) -> Vec<u8> {
        format!(
            "CONF:TEMP TC,{},{};:ROUT:SCAN {};*OPC?\n",
            self.thermocouple, self.list, self.list
        )
        .into_bytes()
    }
    fn timeout(&self) -> Duration {
        TIMEOUT
    }
    fn idempotent(&self) -> bool {
        true
    }
    fn parse(&self, line: &[u8]) -> Result<(), ReplyError> {
        match text(line)? {
            "1" | "+1" => Ok(()),
            other => Err(ReplyError::Garbled(format!(
                "expected 1 from *OPC?, got `{other}`"
            ))),
        }
    }
}

/// `SYST:ERR?` → `Ok(())` for error 0, a refusal with the instrument's message otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorQuery;

impl Request for ErrorQuery {
    type Reply = ();
    fn encode(&self) -> Vec<u8> {
        b"SYST:ERR?\n".to_vec()
    }
    fn timeout(&self) -> Duration {
        TIMEOUT
    }
    fn idempotent(&self) -> bool {
        // Each query pops one error from the queue; repeating it would lose one.
        false
    }
    fn parse(&self, line: &[u8]) -> Result<(), ReplyError> {
        let text = text(line)?;
        let (code, message) = text
            .split_once(',')
            .ok_or_else(|| ReplyError::Garbled("expected code,\"message\"".to_string()))?;
        let code: i32 = code
            .trim()
            .parse()
            .map_err(|_| ReplyError::Garbled(format!("error code `{code}` is not a number")))?;
        match code {
            0 => Ok(()),
            _ => Err(ReplyError::Refused(format!(
                "{code}, {}",
                message.trim().trim_matches('"')
            ))),
        }
    }
}

/// `READ?` → one reading per channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadScan {
    /// Channels, in scan order.
    pub channels: Vec<u16>,
}

impl Request for ReadScan {
    type Reply = Vec<ChannelReading>;
    fn encode(&self) -> Vec<u8> {
        b"READ?\n".to_vec()
    }
    fn timeout(&self) -> Duration {
        let count = u32::try_from(self.channels.len()).unwrap_or(u32::MAX);
        TIMEOUT.saturating_add(PER_CHANNEL.saturating_mul(count))
    }
    fn idempotent(&self) -> bool {
        true
    }
    fn parse(&self, line: &[u8]) -> Result<Vec<ChannelReading>, ReplyError> {
        let values: Vec<&str> = text(line)?.split(',').map(str::trim).collect();
        if values.len() != self.channels.len() {
            return Err(ReplyError::Garbled(format!(
                "{} channels scanned, {} values returned",
                self.channels.len(),
                values.len()
            )));
        }
        self.channels
            .iter()
            .zip(values)
            .map(|(&channel, value)| {
                let number: f64 = value.parse().map_err(|_| {
                    ReplyError::Garbled(format!("channel {channel}: `{value}` is not a number"))
                })?;
                let celsius = (number.is_finite() && number.abs() < OVERLOAD).then_some(number);
                Ok(ChannelReading { channel, celsius })
            })
            .collect()
    }
}

/// A SCPI logger on a link, scanning the station's channels.
#[derive(Debug)]
pub struct ScpiLogger<T> {
    link: Link<T>,
    channels: Vec<ChannelInfo>,
    thermocouple: char,
    configured: bool,
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> ScpiLogger<T> {
    /// Drives the logger over `link`, scanning `channels` as thermocouples of `thermocouple` type.
    pub fn attach(link: Link<T>, channels: Vec<ChannelInfo>, thermocouple: char) -> ScpiLogger<T> {
        ScpiLogger {
            link,
            channels,
            thermocouple,
            configured: false,
        }
    }

    /// `*IDN?`.
    pub async fn identify(&mut self) -> Result<LoggerIdentity, RigError> {
        self.link.exchange(&IdnQuery).await
    }

    /// Configures the scan list and checks the error queue.
    pub async fn configure(&mut self) -> Result<(), RigError> {
        let configure = ConfigureScan {
            thermocouple: self.thermocouple,
            list: channel_list(&self.channels),
        };
        self.link.exchange(&configure).await?;
        self.link.exchange(&ErrorQuery).await?;
        self.configured = true;
        Ok(())
    }

    /// Scans every channel once (configuring first when needed).
    pub async fn read_all(&mut self) -> Result<Vec<ChannelReading>, RigError> {
        if !self.configured {
            self.configure().await?;
        }
        let scan = ReadScan {
            channels: self.channels.iter().map(|c| c.channel).collect(),
        };
        let result = self.link.exchange(&scan).await;
        if result.as_ref().is_err_and(RigError::is_link_fault) {
            // The logger may have been power-cycled or reconnected: configure again next time.
            self.configured = false;
        }
        result
    }

    /// The configured channels.
    pub fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
}

impl<T> ThermalLogger for Blocking<ScpiLogger<T>>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug,
{
    fn identify(&mut self) -> Result<LoggerIdentity, RigError> {
        self.call(|logger| logger.identify())
    }

    fn channels(&self) -> Vec<ChannelInfo> {
        self.driver().channels().to_vec()
    }

    fn read_all(&mut self) -> Result<Vec<ChannelReading>, RigError> {
        self.call(|logger| logger.read_all())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(channels: &[u16]) -> ReadScan {
        ReadScan {
            channels: channels.to_vec(),
        }
    }

    #[test]
    fn readings_with_open_thermocouple() {
        let readings = scan(&[101, 102, 103])
            .parse(b"+2.345E+01,+9.9E+37,-1.25E+00\n")
            .unwrap();
        assert_eq!(
            readings[0],
            ChannelReading {
                channel: 101,
                celsius: Some(23.45)
            }
        );
        assert_eq!(
            readings[1],
            ChannelReading {
                channel: 102,
                celsius: None
            }
        );
        assert_eq!(
            readings[2],
            ChannelReading {
                channel: 103,
                celsius: Some(-1.25)
            }
        );
        assert_eq!(
            scan(&[101]).parse(b"9.91E+37\r\n").unwrap()[0].celsius,
            None
        );
    }

    #[test]
    fn wrong_count_and_garbage_are_garbled() {
        assert!(matches!(
            scan(&[101, 102]).parse(b"+2.3E+01\n"),
            Err(ReplyError::Garbled(_))
        ));
        assert!(matches!(
            scan(&[101]).parse(b"abc\n"),
            Err(ReplyError::Garbled(_))
        ));
        assert!(matches!(
            scan(&[101]).parse(b""),
            Err(ReplyError::Garbled(_))
        ));
    }

    #[test]
    fn identity_error_queue_and_configure_text() {
        let id = IdnQuery
            .parse(b"Keysight Technologies,DAQ970A,MY58001234,A.03.01-01.00-03.01-00.02-01-01\n")
            .unwrap();
        assert_eq!(id.model, "DAQ970A");
        assert_eq!(id.serial, "MY58001234");
        assert!(IdnQuery.parse(b"hello\n").is_err());
        assert_eq!(ErrorQuery.parse(b"+0,\"No error\"\n"), Ok(()));
        assert_eq!(
            ErrorQuery.parse(b"-222,\"Data out of range\"\n"),
            Err(ReplyError::Refused("-222, Data out of range".into()))
        );
        let channels = [101u16, 102, 110].map(|channel| ChannelInfo {
            channel,
            location: String::new(),
            material: String::new(),
        });
        let configure = ConfigureScan {
            thermocouple: 'K',
            list: channel_list(&channels),
        };
        assert_eq!(
            configure.encode(),
            b"CONF:TEMP TC,K,(@101,102,110);:ROUT:SCAN (@101,102,110);*OPC?\n"
        );
        assert_eq!(
            configure.label(),
            "CONF:TEMP TC,K,(@101,102,110);:ROUT:SCAN (@101,102,110);*OPC?"
        );
    }

    #[test]
    fn random_and_truncated_replies_never_panic() {
        let good: &[u8] = b"+2.345E+01,+9.9E+37,-1.25E+00\r\n";
        let scan = scan(&[101, 102, 103]);
        for cut in 0..=good.len() {
            let _ = scan.parse(&good[..cut]);
            let _ = IdnQuery.parse(&good[cut..]);
            let _ = ErrorQuery.parse(&good[..cut]);
        }
        const ALPHABET: &[u8] = b"+-.,E0123456789\"\r\n\xff a";
        let mut noise = crate::rig::noise::Noise(0x9e37_79b9);
        for _ in 0..20_000 {
            let bytes = noise.bytes(ALPHABET, 31);
            let _ = scan.parse(&bytes);
            let _ = IdnQuery.parse(&bytes);
            let _ = ErrorQuery.parse(&bytes);
            let _ = ConfigureScan {
                thermocouple: 'K',
                list: String::new(),
            }
            .parse(&bytes);
        }
    }
}
