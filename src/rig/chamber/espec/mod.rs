//! ESPEC chambers over the ESPEC ASCII command protocol (SH/SU-241, SH-641, PR/PL with P-300,
//! SCP-220, ES-102, PR-3J).
//!
//! [`EspecChamber`] is the async driver, generic over its stream; `crate::rig::open` opens a station's
//! port and returns it behind [`Blocking`] as a [`Chamber`]. Commands are in [`commands`], reply
//! parsing in [`reply`]. Link: ASCII lines ending `CR LF`, 8N1 9600 baud by default, RS-485
//! address prefix `1,`, LAN option on TCP 57732.

pub mod commands;
pub mod reply;

use tokio::io::{AsyncRead, AsyncWrite};

use self::commands::{
    Addressed, AlarmQuery, EspecCommand, EspecMode, HumiQuery, MonQuery, RomQuery, SetHumi,
    SetMode, SetTemp, TempQuery, TypeQuery,
};
use crate::rig::link::Link;
use crate::rig::{Blocking, Chamber, ChamberIdentity, ChamberReading, RigError};

/// An ESPEC chamber on a link.
#[derive(Debug)]
pub struct EspecChamber<T> {
    link: Link<T>,
    address: Option<u8>,
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> EspecChamber<T> {
    /// Drives the chamber over `link`; `address` is the RS-485 address, if any.
    pub fn attach(link: Link<T>, address: Option<u8>) -> EspecChamber<T> {
        EspecChamber { link, address }
    }

    /// Sends one command and parses its reply.
    pub async fn send<C: EspecCommand>(&mut self, command: &C) -> Result<C::Reply, RigError> {
        let framed = Addressed {
            address: self.address,
            command,
        };
        self.link.exchange(&framed).await
    }

    /// `TYPE?` and `ROM?`.
    pub async fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        let kind = self.send(&TypeQuery).await?;
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
            humidity: kind.humidity,
            temp_max_c: kind.temp_max,
        })
    }

    /// `MON?`, `TEMP?` and, on humidity chambers, `HUMI?`.
    pub async fn read(&mut self) -> Result<ChamberReading, RigError> {
        let monitor = self.send(&MonQuery).await?;
        let temp = self.send(&TempQuery).await?;
        let humidity_sp = match monitor.humi {
            Some(_) => self.send(&HumiQuery).await?.sp,
            None => None,
        };
        Ok(ChamberReading {
            temp_pv: monitor.temp,
            temp_sp: temp.sp,
            humidity_pv: monitor.humi,
            humidity_sp,
            mode: monitor.mode,
            alarm_count: monitor.alarms,
        })
    }

    /// `TEMP, S<c>`.
    pub async fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError> {
        self.send(&SetTemp { celsius }).await
    }

    /// `HUMI, S<p>` or `HUMI, SOFF`.
    pub async fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        self.send(&SetHumi(percent)).await
    }

    /// `MODE, <mode>`.
    pub async fn set_mode(&mut self, mode: EspecMode) -> Result<(), RigError> {
        self.send(&SetMode(mode)).await
    }

    /// `ALARM?`.
    pub async fn alarms(&mut self) -> Result<Vec<String>, RigError> {
        self.send(&AlarmQuery).await
    }
}

impl<T> Chamber for Blocking<EspecChamber<T>>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug,
{
    fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        self.call(|chamber| chamber.identify())
    }

    fn read(&mut self) -> Result<ChamberReading, RigError> {
        self.call(|chamber| chamber.read())
    }

    fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError> {
        self.call(|chamber| chamber.set_temperature(celsius))
    }

    fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        self.call(|chamber| chamber.set_humidity(percent))
    }

    fn run_constant(&mut self) -> Result<(), RigError> {
        self.call(|chamber| chamber.set_mode(EspecMode::Constant))
    }

    fn stop(&mut self) -> Result<(), RigError> {
        self.call(|chamber| chamber.set_mode(EspecMode::Standby))
    }

    fn alarms(&mut self) -> Result<Vec<String>, RigError> {
        self.call(|chamber| chamber.alarms())
    }

    fn run_program(&mut self, number: u32) -> Result<(), RigError> {
        self.call(|chamber| chamber.set_mode(EspecMode::Run(number)))
    }
}
