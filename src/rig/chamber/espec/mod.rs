//! ESPEC chambers over the ESPEC ASCII command protocol (SH/SU-241, SH-641, PR/PL with P-300,
//! SCP-220, ES-102, PR-3J).
//!
//! [`EspecChamber`] is the async driver, generic over its stream; `crate::rig::open` opens a station's
//! port and returns it behind [`crate::rig::Blocking`] as a [`crate::rig::Chamber`] ([`AsyncChamber`]). Commands are in [`commands`], reply
//! parsing in [`reply`]. Link: ASCII lines ending `CR LF`, 8N1 9600 baud by default, RS-485
//! address prefix `1,`, LAN option on TCP 57732.
//!
//! Temperature-only chambers: the station may say `humidity = false`; otherwise the driver learns
//! it from the controller, which answers `NA:CONT NOT READY-1` to any `HUMI` command (or reports
//! no wet bulb in `TYPE?`). From then on no `HUMI` command is sent: switching humidity off is
//! [`RigError::NotSupported`] (nothing to switch off, the runner goes on) and asking for a
//! humidity set point is [`RigError::NotSupported`] that says the chamber has no humidity.

pub mod commands;
pub mod reply;

use tokio::io::{AsyncRead, AsyncWrite};

use self::commands::{
    Addressed, AlarmQuery, EspecCommand, EspecMode, HumiQuery, MonQuery, RomQuery, SetHumi,
    SetMode, SetTemp, TempQuery, TypeQuery,
};
use crate::rig::chamber::AsyncChamber;
use crate::rig::link::Link;
use crate::rig::{ChamberIdentity, ChamberReading, RigError};

/// The `NA:` reason of a controller without humidity control (or PTC).
const NO_HUMIDITY: &str = "CONT NOT READY-1";

/// An ESPEC chamber on a link.
#[derive(Debug)]
pub struct EspecChamber<T> {
    link: Link<T>,
    address: Option<u8>,
    /// False once the station or the controller said there is no humidity control.
    humidity: bool,
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> EspecChamber<T> {
    /// Drives the chamber over `link`; `address` is the RS-485 address, if any. Humidity control
    /// is assumed until [`EspecChamber::with_humidity`] or the controller says otherwise.
    pub fn attach(link: Link<T>, address: Option<u8>) -> EspecChamber<T> {
        EspecChamber {
            link,
            address,
            humidity: true,
        }
    }

    /// Whether the chamber has humidity control (the station's `humidity` key).
    pub fn with_humidity(mut self, humidity: bool) -> EspecChamber<T> {
        self.humidity = humidity;
        self
    }

    /// Whether humidity commands are still sent (false once known temperature-only).
    pub fn has_humidity(&self) -> bool {
        self.humidity
    }

    /// Sends a `HUMI` command; a `NA:CONT NOT READY-1` refusal marks the chamber
    /// temperature-only and becomes [`RigError::NotSupported`] naming the port and the reply.
    async fn send_humi<C: EspecCommand>(&mut self, command: &C) -> Result<C::Reply, RigError> {
        if !self.humidity {
            return Err(temperature_only(None));
        }
        match self.send(command).await {
            Err(RigError::Refusal {
                port,
                command,
                reply,
            }) if no_humidity(&reply) => {
                self.humidity = false;
                Err(temperature_only(Some(format!(
                    "{port} answered `{command}` with {reply}"
                ))))
            }
            other => other,
        }
    }

    /// Sends one command and parses its reply.
    pub async fn send<C: EspecCommand>(&mut self, command: &C) -> Result<C::Reply, RigError> {
        let framed = Addressed {
            address: self.address,
            command,
        };
        self.link.exchange(&framed).await
    }

    /// `MODE, <mode>`.
    pub async fn set_mode(&mut self, mode: EspecMode) -> Result<(), RigError> {
        self.send(&SetMode(mode)).await
    }
}

/// Whether a refusal is `NA:CONT NOT READY-1` (and not another `CONT NOT READY` reason).
fn no_humidity(reply: &str) -> bool {
    reply
        .strip_prefix("NA:")
        .and_then(|r| r.strip_prefix(NO_HUMIDITY))
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// The error for a humidity command on a temperature-only chamber, with how that is known.
fn temperature_only(evidence: Option<String>) -> RigError {
    let how = evidence.unwrap_or_else(|| "the station or the controller says so".to_string());
    RigError::not_supported(format!(
        "humidity control: this ESPEC chamber is temperature-only ({how})"
    ))
}

impl<T> AsyncChamber for EspecChamber<T>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug,
{
    /// `TYPE?` and `ROM?`.
    async fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        let kind = self.send(&TypeQuery).await?;
        self.humidity &= kind.humidity;
        let firmware = match self.send(&RomQuery).await {
            Ok(version) => Some(version),
            // Older controllers refuse ROM?; the identity is still useful without it.
            Err(RigError::Refusal { .. }) => None,
            Err(error) => return Err(error),
        };
        Ok(ChamberIdentity {
            protocol: "espec".to_string(),
            model: kind.controller,
            firmware,
            humidity: self.humidity,
            temp_max_c: kind.temp_max,
        })
    }

    /// `MON?`, `TEMP?` and, on humidity chambers, `HUMI?`.
    async fn read(&mut self) -> Result<ChamberReading, RigError> {
        let monitor = self.send(&MonQuery).await?;
        let temp = self.send(&TempQuery).await?;
        let humidity_pv = monitor.humi.filter(|_| self.humidity);
        let humidity_sp = match humidity_pv {
            Some(_) => match self.send_humi(&HumiQuery).await {
                Ok(reply) => reply.sp,
                Err(RigError::NotSupported { .. }) => None,
                Err(error) => return Err(error),
            },
            None => None,
        };
        Ok(ChamberReading {
            temp_pv: monitor.temp,
            temp_sp: temp.sp,
            // `HUMI?` may just have shown the chamber to be temperature-only.
            humidity_pv: humidity_pv.filter(|_| self.humidity),
            humidity_sp,
            mode: monitor.mode,
            alarm_count: monitor.alarms,
        })
    }

    /// `TEMP, S<c>`.
    async fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError> {
        self.send(&SetTemp { celsius }).await
    }

    /// `HUMI, S<p>` or `HUMI, SOFF`; [`RigError::NotSupported`] on a temperature-only chamber.
    async fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        self.send_humi(&SetHumi(percent)).await
    }

    async fn run_constant(&mut self) -> Result<(), RigError> {
        self.set_mode(EspecMode::Constant).await
    }

    async fn stop(&mut self) -> Result<(), RigError> {
        self.set_mode(EspecMode::Standby).await
    }

    /// `ALARM?`.
    async fn alarms(&mut self) -> Result<Vec<String>, RigError> {
        self.send(&AlarmQuery).await
    }

    async fn run_program(&mut self, number: u32) -> Result<(), RigError> {
        self.set_mode(EspecMode::Run(number)).await
    }
}

#[cfg(test)]
mod tests {
    use super::no_humidity;

    #[test]
    fn only_cont_not_ready_1_means_no_humidity() {
        assert!(no_humidity(
            "NA:CONT NOT READY-1 (the chamber has no humidity control or PTC)"
        ));
        assert!(no_humidity("NA:CONT NOT READY-1"));
        assert!(!no_humidity("NA:CONT NOT READY-2 (no program is running)"));
        assert!(!no_humidity("NA:CONT NOT READY-12"));
        assert!(!no_humidity("NA:CONT NOT READY"));
    }
}
