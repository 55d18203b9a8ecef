//! The one blocking face of every chamber driver.
//!
//! Each driver (ESPEC, TEMI PC-link, Watlow F4/F4T, TEMI Modbus, generic Modbus) is written
//! async over its link and implements [`AsyncChamber`]; [`Blocking`] (the driver with its own
//! current-thread runtime) then is a [`Chamber`], running each call to completion. Drivers
//! differ only in their command sets or register maps.

use std::future::Future;

use crate::rig::chamber::{Chamber, ChamberIdentity, ChamberReading};
use crate::rig::{Blocking, RigError};

/// A chamber driver written async; see [`Chamber`] for each call and its defaults.
pub trait AsyncChamber: Send + std::fmt::Debug {
    /// [`Chamber::identify`].
    fn identify(&mut self) -> impl Future<Output = Result<ChamberIdentity, RigError>>;
    /// [`Chamber::read`].
    fn read(&mut self) -> impl Future<Output = Result<ChamberReading, RigError>>;
    /// [`Chamber::set_temperature`].
    fn set_temperature(&mut self, celsius: f64) -> impl Future<Output = Result<(), RigError>>;
    /// [`Chamber::set_humidity`].
    fn set_humidity(&mut self, percent: Option<f64>) -> impl Future<Output = Result<(), RigError>>;
    /// [`Chamber::run_constant`].
    fn run_constant(&mut self) -> impl Future<Output = Result<(), RigError>>;
    /// [`Chamber::stop`].
    fn stop(&mut self) -> impl Future<Output = Result<(), RigError>>;
    /// [`Chamber::alarms`]; none listed unless the protocol can.
    fn alarms(&mut self) -> impl Future<Output = Result<Vec<String>, RigError>> {
        async { Ok(Vec::new()) }
    }
    /// [`Chamber::run_program`]; not supported unless the controller stores programs.
    fn run_program(&mut self, number: u32) -> impl Future<Output = Result<(), RigError>> {
        async move {
            Err(RigError::not_supported(format!(
                "running stored program {number}"
            )))
        }
    }
}

impl<D: AsyncChamber> Chamber for Blocking<D> {
    fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        self.call(|d| d.identify())
    }

    fn read(&mut self) -> Result<ChamberReading, RigError> {
        self.call(|d| d.read())
    }

    fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError> {
        self.call(|d| d.set_temperature(celsius))
    }

    fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        self.call(|d| d.set_humidity(percent))
    }

    fn run_constant(&mut self) -> Result<(), RigError> {
        self.call(|d| d.run_constant())
    }

    fn stop(&mut self) -> Result<(), RigError> {
        self.call(|d| d.stop())
    }

    fn alarms(&mut self) -> Result<Vec<String>, RigError> {
        self.call(|d| d.alarms())
    }

    fn run_program(&mut self, number: u32) -> Result<(), RigError> {
        self.call(|d| d.run_program(number))
    }
}
