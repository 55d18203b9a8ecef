//! "Find and open": turns a rig's [`crate::rig::spec`] into a boxed capability.
//!
//! [`open_chamber`], [`open_drop`] and [`open_thermal`] dispatch on the protocol the spec
//! names, open the port by path or `tcp:HOST:PORT` inside the rig's own runtime, attach the
//! driver, start the wire log when the station asks for one, and (for chambers) put the
//! station's safe limits in front with [`GuardedChamber`]. Simulated stations are opened by the
//! simulators, which serve each rig on a pty or socket and then call these with that endpoint.

use std::path::Path;

use super::chamber::espec::EspecChamber;
use super::chamber::modbus_generic::ModbusGeneric;
use super::chamber::temi_modbus::{self, TemiModbus};
use super::chamber::temi_pclink::{TemiChamber, TemiSetup};
use super::chamber::watlow_f4::{self, WatlowF4};
use super::chamber::watlow_f4t::{self, WatlowF4T};
use super::chamber::ChamberProtocol;
use super::chamber::GuardedChamber;
use super::drop::manual::{ManualDropRig, OperatorChannel};
use super::drop::modbus::{self as drop_modbus, DropLimits};
use super::modbus::{open_driver, ModbusFraming, ModbusTarget};
use super::spec::{ChamberSpec, Connection, DropProtocol, DropSpec, ThermalSpec};
use super::thermal::scpi::ScpiLogger;
use super::transport::{open_link, Endpoint};
use super::wire_log::WireLog;
use super::{Blocking, Chamber, DropRig, RigError, ThermalLogger};

/// The endpoint, or an error saying the station gives none.
fn endpoint<'c>(connection: &'c Connection, rig: &str) -> Result<&'c Endpoint, RigError> {
    connection.endpoint.as_ref().ok_or_else(|| {
        RigError::not_supported(format!(
            "opening the {rig} without a port: this station is simulated, so the simulator opens it"
        ))
    })
}

/// The wire log for `rig`, when the station asks for one and there is a run directory.
pub fn wire_log_for(
    connection: &Connection,
    rig: &str,
    dir: Option<&Path>,
) -> Result<Option<WireLog>, RigError> {
    let (true, Some(dir)) = (connection.wire_log, dir) else {
        return Ok(None);
    };
    let port = connection
        .endpoint
        .as_ref()
        .map_or_else(|| "sim".to_string(), ToString::to_string);
    WireLog::create(dir, rig, &port)
        .map(Some)
        .map_err(|source| RigError::Link {
            port: dir.join(WireLog::file_name(rig)).display().to_string(),
            source,
        })
}

/// Opens the station's chamber behind its safe limits.
pub fn open_chamber(
    entry: &ChamberSpec,
    wire_log_dir: Option<&Path>,
) -> Result<Box<dyn Chamber>, RigError> {
    let connection = &entry.connection;
    let endpoint = endpoint(connection, "chamber")?.clone();
    let log = wire_log_for(connection, "chamber", wire_log_dir)?;
    let port = endpoint.to_string();
    let policy = connection.policy;
    let inner: Box<dyn Chamber> = match entry.protocol {
        ChamberProtocol::Espec => {
            let address = connection.address;
            let humidity = entry.options.humidity.unwrap_or(true);
            Box::new(Blocking::open(&port, || async move {
                Ok(
                    EspecChamber::attach(open_link(&endpoint, policy, log).await?, address)
                        .with_humidity(humidity),
                )
            })?)
        }
        ChamberProtocol::TemiPclink => {
            let setup = TemiSetup {
                address: connection.address.unwrap_or(1),
                with_sum: entry.options.checksum.unwrap_or(true),
                humidity: entry.options.humidity.unwrap_or(true),
            };
            Box::new(Blocking::open(&port, || async move {
                Ok(TemiChamber::attach(
                    open_link(&endpoint, policy, log).await?,
                    setup,
                ))
            })?)
        }
        ChamberProtocol::WatlowF4 => {
            let options = watlow_f4::WatlowF4Options {
                power_event: entry.options.power_event,
            };
            let target = modbus_target(entry, endpoint);
            Box::new(open_driver(&target, log, |c| WatlowF4::attach(c, options))?)
        }
        ChamberProtocol::WatlowF4t => {
            let mut options = watlow_f4t::WatlowF4TOptions::default();
            if let Some(order) = entry.options.word_order {
                options.word_order = order;
            }
            let target = modbus_target(entry, endpoint);
            Box::new(open_driver(&target, log, |c| {
                WatlowF4T::attach(c, options)
            })?)
        }
        ChamberProtocol::TemiModbus => {
            let options = temi_modbus::TemiOptions {
                run_stop: entry.options.run_stop,
                humidity: entry.options.humidity.unwrap_or(true),
            };
            let target = modbus_target(entry, endpoint);
            Box::new(open_driver(&target, log, |c| {
                TemiModbus::attach(c, options)
            })?)
        }
        ChamberProtocol::ModbusGeneric => {
            let map = entry.registers.ok_or_else(|| {
                RigError::not_supported("a modbus-generic chamber without [chamber.registers]")
            })?;
            let target = modbus_target(entry, endpoint);
            Box::new(open_driver(&target, log, |c| {
                ModbusGeneric::attach(c, map)
            })?)
        }
    };
    Ok(Box::new(GuardedChamber::new(inner, entry.limits)))
}

/// Where a Modbus chamber is: Modbus TCP framing for an F4T on a TCP endpoint, RTU framing
/// (also through a serial-to-TCP gateway) otherwise.
fn modbus_target(entry: &ChamberSpec, endpoint: Endpoint) -> ModbusTarget {
    let framing = match (&endpoint, entry.protocol) {
        (Endpoint::Tcp { .. }, ChamberProtocol::WatlowF4t) => ModbusFraming::Tcp,
        _ => ModbusFraming::Rtu,
    };
    modbus_at(&entry.connection, endpoint, framing)
}

/// A Modbus controller on `connection`: slave 1 by default, the station's timeout and retries.
fn modbus_at(connection: &Connection, endpoint: Endpoint, framing: ModbusFraming) -> ModbusTarget {
    ModbusTarget {
        endpoint,
        slave: connection.address.unwrap_or(1),
        framing,
        policy: connection.policy,
    }
}

/// Opens the station's drop rig; a manual rig instructs through `operator`.
pub fn open_drop(
    entry: &DropSpec,
    operator: Box<dyn OperatorChannel>,
    wire_log_dir: Option<&Path>,
) -> Result<Box<dyn DropRig>, RigError> {
    match (entry.protocol, &entry.connection) {
        (DropProtocol::Manual, _) => Ok(Box::new(ManualDropRig::new(operator))),
        (DropProtocol::Modbus, None) => Err(RigError::not_supported(
            "a modbus drop rig without a connection",
        )),
        (DropProtocol::Modbus, Some(connection)) => {
            let endpoint = endpoint(connection, "drop rig")?.clone();
            let log = wire_log_for(connection, "drop", wire_log_dir)?;
            let defaults = DropLimits::default();
            let limits = DropLimits {
                height_min_mm: entry.height_min_mm.unwrap_or(defaults.height_min_mm),
                height_max_mm: entry.height_max_mm.unwrap_or(defaults.height_max_mm),
            };
            let target = modbus_at(connection, endpoint, ModbusFraming::Rtu);
            drop_modbus::open(&target, limits, log)
        }
    }
}

/// Opens the station's thermal logger.
pub fn open_thermal(
    entry: &ThermalSpec,
    wire_log_dir: Option<&Path>,
) -> Result<Box<dyn ThermalLogger>, RigError> {
    let connection = &entry.connection;
    let endpoint = endpoint(connection, "thermal logger")?.clone();
    let log = wire_log_for(connection, "thermal", wire_log_dir)?;
    let port = endpoint.to_string();
    let policy = connection.policy;
    let channels = entry.channels.clone();
    let thermocouple = entry.thermocouple;
    Ok(Box::new(Blocking::open(&port, || async move {
        Ok(ScpiLogger::attach(
            open_link(&endpoint, policy, log).await?,
            channels,
            thermocouple,
        ))
    })?))
}
