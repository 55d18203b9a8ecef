//! Opening a station's rigs: real instruments by their ports, or, for a `sim = true` station,
//! in-process simulators served on pseudo-terminals and opened by the same drivers by path.

use std::path::Path;
use std::sync::Arc;

use super::Station;
use crate::clock::Clock;
use crate::rig::chamber::ChamberProtocol;
use crate::rig::drop::manual::OperatorChannel;
use crate::rig::spec::Connection;
use crate::rig::transport::{Endpoint, SerialSettings};
use crate::rig::{open_chamber, open_drop, open_thermal, ChannelInfo, RigError};
use crate::runner::rigs::{CameraRig, RigSet, SyntheticCameraRig};
use crate::sim::physics::chamber::{ChamberModel, ChamberParams};
use crate::sim::physics::drop_rig::DropRigModel;
use crate::sim::physics::logger::LoggerModel;
use crate::sim::physics::Model;
use crate::sim::{
    FaultPlan, SimChamber, SimDropRig, SimError, SimHandle, SimOptions, SimThermalLogger,
};

/// The simulated station's chamber holds its set point to ±0.3 K, like a real controller.
const SIM_CONTROL_RIPPLE_K: f64 = 0.3;

/// Baud rate the drivers use on a simulator's pty (a pty ignores it; real stations set theirs).
const SIM_BAUD: u32 = 9600;

/// Why a station's rigs could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// A driver could not open its rig.
    #[error("station `{station}`: cannot open the {rig}")]
    Rig {
        /// Station name.
        station: String,
        /// Which rig.
        rig: &'static str,
        /// The driver's error.
        #[source]
        source: Box<RigError>,
    },
    /// A simulator could not start.
    #[error("station `{station}`: cannot start the {rig} simulator")]
    Sim {
        /// Station name.
        station: String,
        /// Which rig.
        rig: &'static str,
        /// The simulator's error.
        #[source]
        source: Box<SimError>,
    },
}

/// The simulators behind a `sim = true` station. Keep it alive for as long as the rigs are
/// used, and drop it after them.
#[derive(Debug, Default)]
pub struct StationSims {
    /// The chamber simulator.
    pub chamber: Option<SimHandle<ChamberModel>>,
    /// The drop-rig simulator.
    pub drop: Option<SimHandle<DropRigModel>>,
    /// The thermal-logger simulator.
    pub thermal: Option<SimHandle<LoggerModel>>,
}

/// Faults the simulators of a `sim = true` station inject (rehearsals and tests).
#[derive(Debug, Clone, Default)]
pub struct SimFaults {
    /// The chamber simulator's faults.
    pub chamber: FaultPlan,
    /// The drop-rig simulator's faults.
    pub drop: FaultPlan,
    /// The thermal-logger simulator's faults.
    pub thermal: FaultPlan,
}

/// Opens every rig the station configures, with a camera for each of `samples` units.
/// `operator` serves a manual drop rig; `faults` apply only to simulated stations.
pub fn open_station(
    station: &Station,
    clock: Arc<dyn Clock>,
    wire_log_dir: Option<&Path>,
    operator: Box<dyn OperatorChannel>,
    faults: &SimFaults,
    samples: usize,
) -> Result<(RigSet, StationSims), OpenError> {
    let mut sims = StationSims::default();
    let mut rigs = RigSet {
        station: station.name.clone(),
        ..RigSet::default()
    };
    let rig_error = |rig| {
        move |source| OpenError::Rig {
            station: station.name.clone(),
            rig,
            source: Box::new(source),
        }
    };
    let sim_error = |rig| {
        move |source| OpenError::Sim {
            station: station.name.clone(),
            rig,
            source: Box::new(source),
        }
    };
    if let Some(chamber) = &station.chamber {
        let mut entry = chamber.spec.clone();
        if station.sim {
            let model = ChamberModel::new(ChamberParams {
                control_ripple_k: SIM_CONTROL_RIPPLE_K,
                has_humidity: entry.options.humidity.unwrap_or(true),
                ..ChamberParams::default()
            });
            let options = sim_options(&clock, &entry.connection, &faults.chamber);
            let handle = match (entry.protocol, entry.registers) {
                (ChamberProtocol::ModbusGeneric, None) => {
                    return Err(rig_error("chamber")(RigError::not_supported(
                        "a modbus-generic chamber without a register map",
                    )))
                }
                (ChamberProtocol::ModbusGeneric, Some(map)) => {
                    SimChamber::spawn_generic(map, model, options)
                }
                (protocol, _) => SimChamber::spawn_model(protocol, model, options),
            }
            .map_err(sim_error("chamber"))?;
            entry.connection.endpoint = pty_endpoint(&handle);
            sims.chamber = Some(handle);
        }
        rigs.chamber = Some(open_chamber(&entry, wire_log_dir).map_err(rig_error("chamber"))?);
        rigs.safe_state = Some(chamber.safe_state);
    }
    if let Some(entry) = &station.drop {
        let mut entry = entry.clone();
        if let (true, Some(connection)) = (station.sim, entry.connection.as_mut()) {
            let handle = SimDropRig::spawn(sim_options(&clock, connection, &faults.drop))
                .map_err(sim_error("drop rig"))?;
            connection.endpoint = pty_endpoint(&handle);
            sims.drop = Some(handle);
        }
        rigs.drop = Some(open_drop(&entry, operator, wire_log_dir).map_err(rig_error("drop rig"))?);
    }
    if let Some(entry) = &station.thermal {
        let mut entry = entry.spec.clone();
        if station.sim {
            let model = loaded_unit(&entry.channels, 25.0);
            let handle = SimThermalLogger::spawn_model(
                model,
                sim_options(&clock, &entry.connection, &faults.thermal),
            )
            .map_err(sim_error("thermal logger"))?;
            entry.connection.endpoint = pty_endpoint(&handle);
            sims.thermal = Some(handle);
        }
        rigs.thermal =
            Some(open_thermal(&entry, wire_log_dir).map_err(rig_error("thermal logger"))?);
    }
    if station.camera.is_some() {
        if !station.sim {
            return Err(rig_error("camera")(RigError::not_supported(
                "a real camera in a station file (run `facebench camera stress --source v4l:PATH` \
                 for the camera checklist)",
            )));
        }
        rigs.cameras = (0..samples)
            .map(|_| Box::new(SyntheticCameraRig) as Box<dyn CameraRig>)
            .collect();
    }
    Ok((rigs, sims))
}

fn sim_options(clock: &Arc<dyn Clock>, connection: &Connection, faults: &FaultPlan) -> SimOptions {
    SimOptions {
        address: connection.address.unwrap_or(1),
        faults: faults.clone(),
        ..SimOptions::pty(Arc::clone(clock))
    }
}

fn pty_endpoint<M: Model>(handle: &SimHandle<M>) -> Option<Endpoint> {
    handle.path().map(|path| Endpoint::Serial {
        path: path.display().to_string(),
        settings: SerialSettings::eight_n_one(SIM_BAUD),
    })
}

/// A simulated unit under load: each thermocouple rises by a typical amount for its material
/// (the ambient probe does not rise).
fn loaded_unit(channels: &[ChannelInfo], ambient_c: f64) -> LoggerModel {
    let mut model = LoggerModel::new(channels.len(), ambient_c);
    for (channel, sim) in channels.iter().zip(model.channels.iter_mut()) {
        sim.rise_k = match channel.material.as_str() {
            "air" => 0.0,
            "glass" => 11.0,
            "plastic" => 13.0,
            "metal" => 17.0,
            _ => 30.0,
        };
    }
    model
}
