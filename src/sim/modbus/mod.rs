//! Modbus simulators: a tokio-modbus [`Service`] backed by a model and a register map.
//!
//! Each map ([`watlow_f4`], [`watlow_f4t`], [`temi`], [`generic`], [`drop_rig`]) implements
//! [`RegisterDevice`]; [`ModbusService`] turns FC03/04/06/16 requests into reads and writes,
//! filters by slave id, and answers exceptions (including injected refusals). [`start_backend`]
//! runs the tokio-modbus server (RTU framing, or Modbus TCP) on a private loopback port that the
//! serving loop relays to, so wire faults can be applied to the exact reply bytes.

pub mod drop_rig;
pub mod generic;
pub mod temi;
pub mod watlow_f4;
pub mod watlow_f4t;

use std::future::{ready, Ready};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio_modbus::server::Service;
use tokio_modbus::{ExceptionCode, Request, Response, SlaveRequest};

use crate::sim::faults::FaultInjector;
use crate::sim::physics::Model;
use crate::sim::shared::Shared;

/// Most registers one read may ask for (Modbus limit).
pub const MAX_READ: u16 = 125;
/// Exception sent for an injected refusal without a code: 06, server device busy.
pub const DEFAULT_REFUSAL: u8 = 0x06;

/// A register map over a model.
pub trait RegisterDevice: Send + 'static {
    /// The model the registers show.
    type Model: Model;
    /// Reads PDU address `address`; `input` is true for FC04.
    fn read(
        &mut self,
        m: &mut Self::Model,
        address: u16,
        input: bool,
    ) -> Result<u16, ExceptionCode>;
    /// Writes `values` from PDU address `address` on (one value for FC06).
    fn write(
        &mut self,
        m: &mut Self::Model,
        address: u16,
        values: &[u16],
    ) -> Result<(), ExceptionCode>;
    /// Marks the sensor faulty (or healthy) while one request is answered; returns the old flag.
    fn sensor_fault(&mut self, _m: &mut Self::Model, _on: bool) -> bool {
        false
    }
}

/// The unit id a Modbus TCP client uses for a device reached by its IP address.
pub const TCP_DIRECT_UNIT: u8 = 0xFF;

/// A Modbus service answering from a [`RegisterDevice`] and a shared model.
#[derive(Debug)]
pub struct ModbusService<D: RegisterDevice> {
    device: Mutex<D>,
    model: Arc<Shared<D::Model>>,
    slave: u8,
    faults: Arc<Mutex<FaultInjector>>,
    tcp: bool,
}

impl<D: RegisterDevice> ModbusService<D> {
    /// A service for slave id `slave` (broadcast 0 is executed and not answered).
    pub fn new(
        device: D,
        model: Arc<Shared<D::Model>>,
        slave: u8,
        faults: Arc<Mutex<FaultInjector>>,
    ) -> ModbusService<D> {
        ModbusService {
            device: Mutex::new(device),
            model,
            slave,
            faults,
            tcp: false,
        }
    }

    /// Serves Modbus TCP: unit id 0xFF (a device addressed by its IP, as the Modbus TCP
    /// implementation guide asks clients to use) is answered like the slave id, as TCP devices
    /// and gateways do.
    pub fn over_tcp(mut self) -> ModbusService<D> {
        self.tcp = true;
        self
    }

    /// Answers one request: `Ok(None)` = stay silent.
    pub fn answer(&self, req: &Request<'_>) -> Result<Option<Response>, ExceptionCode> {
        let (refusal, sensors) = match self.faults.lock() {
            Ok(mut f) => (f.refusal(), f.sensors()),
            Err(_) => (None, Vec::new()),
        };
        if let Some(code) = refusal {
            let code = code
                .and_then(|c| c.parse::<u8>().ok())
                .unwrap_or(DEFAULT_REFUSAL);
            return Err(ExceptionCode::new(code));
        }
        let mut device = self.device.lock().unwrap_or_else(|e| e.into_inner());
        self.model.with(|m| {
            let saved = (!sensors.is_empty()).then(|| device.sensor_fault(m, true));
            let result = execute(&mut *device, m, req);
            if let Some(saved) = saved {
                device.sensor_fault(m, saved);
            }
            result
        })
    }
}

fn read_block<D: RegisterDevice>(
    d: &mut D,
    m: &mut D::Model,
    address: u16,
    count: u16,
    input: bool,
) -> Result<Vec<u16>, ExceptionCode> {
    if count == 0 || count > MAX_READ {
        return Err(ExceptionCode::IllegalDataValue);
    }
    if address.checked_add(count - 1).is_none() {
        return Err(ExceptionCode::IllegalDataAddress);
    }
    (0..count).map(|i| d.read(m, address + i, input)).collect()
}

fn execute<D: RegisterDevice>(
    d: &mut D,
    m: &mut D::Model,
    req: &Request<'_>,
) -> Result<Option<Response>, ExceptionCode> {
    Ok(Some(match req {
        Request::ReadHoldingRegisters(a, n) => {
            Response::ReadHoldingRegisters(read_block(d, m, *a, *n, false)?)
        }
        Request::ReadInputRegisters(a, n) => {
            Response::ReadInputRegisters(read_block(d, m, *a, *n, true)?)
        }
        Request::WriteSingleRegister(a, v) => {
            d.write(m, *a, &[*v])?;
            Response::WriteSingleRegister(*a, *v)
        }
        Request::WriteMultipleRegisters(a, values) => {
            let count = u16::try_from(values.len()).map_err(|_| ExceptionCode::IllegalDataValue)?;
            if count == 0 || a.checked_add(count - 1).is_none() {
                return Err(ExceptionCode::IllegalDataAddress);
            }
            d.write(m, *a, values)?;
            Response::WriteMultipleRegisters(*a, count)
        }
        _ => return Err(ExceptionCode::IllegalFunction),
    }))
}

impl<D: RegisterDevice> Service for ModbusService<D> {
    type Request = SlaveRequest<'static>;
    type Response = Option<Response>;
    type Exception = ExceptionCode;
    type Future = Ready<Result<Option<Response>, ExceptionCode>>;

    fn call(&self, req: SlaveRequest<'static>) -> Self::Future {
        if req.slave == 0 {
            // Broadcast: carry out writes, never answer.
            let _ = self.answer(&req.request);
            return ready(Ok(None));
        }
        let direct = self.tcp && req.slave == TCP_DIRECT_UNIT;
        if req.slave != self.slave && !direct {
            return ready(Ok(None));
        }
        ready(self.answer(&req.request))
    }
}

/// Starts a tokio-modbus server for `service` on a private 127.0.0.1 port (RTU framing when
/// `rtu`, else Modbus TCP) and returns its address. Runs until the runtime stops.
pub async fn start_backend<D: RegisterDevice>(
    service: Arc<ModbusService<D>>,
    rtu: bool,
) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let on_connected = move |stream: tokio::net::TcpStream, _peer: SocketAddr| {
        let service = Arc::clone(&service);
        async move { Ok(Some((service, stream))) }
    };
    if rtu {
        tokio::spawn(async move {
            let server = tokio_modbus::server::rtu_over_tcp::Server::new(listener);
            let _ = server.serve(&on_connected, |_err| {}).await;
        });
    } else {
        tokio::spawn(async move {
            let server = tokio_modbus::server::tcp::Server::new(listener);
            let _ = server.serve(&on_connected, |_err| {}).await;
        });
    }
    Ok(addr)
}

/// Encodes a value as a signed 16-bit register with `decimals` implied decimals.
pub fn to_i16_scaled(value: f64, decimals: i32) -> u16 {
    let raw = (value * 10f64.powi(decimals))
        .round()
        .clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16;
    raw as u16
}

/// Decodes a signed 16-bit register with `decimals` implied decimals.
pub fn from_i16_scaled(raw: u16, decimals: i32) -> f64 {
    f64::from(raw as i16) / 10f64.powi(decimals)
}
