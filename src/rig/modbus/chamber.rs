//! The blocking face of the Modbus chamber drivers, and opening one from a station entry.
//!
//! Each driver (`watlow_f4`, `watlow_f4t`, `temi_modbus`, `modbus_generic`) implements
//! [`AsyncChamber`] over a [`ModbusClient`]; [`BlockingChamber`] turns any of them into a
//! [`Chamber`] by running each call on the rig's own runtime ([`Blocking`]), and [`open_chamber`]
//! opens the port inside that runtime and attaches the driver.

use std::future::Future;

use super::client::{ModbusClient, ModbusPolicy};
use crate::rig::chamber::{Chamber, ChamberIdentity, ChamberReading};
use crate::rig::transport::{open_link, Endpoint};
use crate::rig::wire_log::WireLog;
use crate::rig::{Blocking, RigError};

/// How Modbus requests are framed on the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Modbus RTU (slave address + PDU + CRC), also through a transparent serial-to-TCP gateway.
    Rtu,
    /// Modbus TCP (MBAP header, no CRC), e.g. a Watlow F4T on port 502.
    Tcp,
}

/// Where and how to reach one Modbus controller.
#[derive(Debug, Clone)]
pub struct ModbusTarget {
    /// The port or TCP peer.
    pub endpoint: Endpoint,
    /// Slave address (RTU) or unit id (TCP).
    pub slave: u8,
    /// Framing on the link.
    pub framing: Framing,
    /// Timeout and retry rules.
    pub policy: ModbusPolicy,
}

impl ModbusTarget {
    /// Opens the endpoint (inside a tokio runtime) as a link that reopens it after a link error,
    /// and attaches a client; `log` records the wire.
    pub async fn connect(&self, log: Option<WireLog>) -> Result<ModbusClient, RigError> {
        let link = open_link(&self.endpoint, self.policy.link(), log)
            .await?
            .boxed();
        Ok(match self.framing {
            Framing::Rtu => ModbusClient::rtu_on(link, self.slave, self.policy),
            Framing::Tcp => ModbusClient::tcp_on(link, self.slave, self.policy),
        })
    }
}

/// A chamber driver written async over a [`ModbusClient`]; see [`Chamber`] for each call.
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
    /// [`Chamber::run_program`].
    fn run_program(&mut self, number: u32) -> impl Future<Output = Result<(), RigError>>;
}

/// Any [`AsyncChamber`] as a blocking [`Chamber`].
#[derive(Debug)]
pub struct BlockingChamber<D> {
    inner: Blocking<D>,
}

impl<D> BlockingChamber<D> {
    /// Wraps a driver already paired with its runtime.
    pub fn new(inner: Blocking<D>) -> BlockingChamber<D> {
        BlockingChamber { inner }
    }

    /// The driver, for inspection.
    pub fn driver(&self) -> &D {
        self.inner.driver()
    }
}

impl<D: AsyncChamber> Chamber for BlockingChamber<D> {
    fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        self.inner.call(|d| d.identify())
    }

    fn read(&mut self) -> Result<ChamberReading, RigError> {
        self.inner.call(|d| d.read())
    }

    fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError> {
        self.inner.call(|d| d.set_temperature(celsius))
    }

    fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        self.inner.call(|d| d.set_humidity(percent))
    }

    fn run_constant(&mut self) -> Result<(), RigError> {
        self.inner.call(|d| d.run_constant())
    }

    fn stop(&mut self) -> Result<(), RigError> {
        self.inner.call(|d| d.stop())
    }

    fn run_program(&mut self, number: u32) -> Result<(), RigError> {
        self.inner.call(|d| d.run_program(number))
    }
}

/// Opens `target` on a fresh rig runtime and attaches the driver `attach` builds.
pub fn open_chamber<D, F>(
    target: &ModbusTarget,
    log: Option<WireLog>,
    attach: F,
) -> Result<BlockingChamber<D>, RigError>
where
    D: AsyncChamber,
    F: FnOnce(ModbusClient) -> D,
{
    let port = target.endpoint.to_string();
    let inner = Blocking::open(&port, || async move {
        let client = target.connect(log).await?;
        Ok(attach(client))
    })?;
    Ok(BlockingChamber::new(inner))
}
