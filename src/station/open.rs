//! Opening a station's rigs: real instruments by their ports, or, for a `sim = true` station,
//! in-process simulators served on pseudo-terminals and opened by the same drivers by path.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use super::{CameraRig, CameraSection, RigSet, Station, StationCameraRig};
use crate::camera::open::open_stream;
use crate::camera::select::SourceSpec;
use crate::clock::{Clock, SimClock};
use crate::dut::android::key::sim_key_path;
use crate::dut::android::{AdbDut, AdbLink};
use crate::dut::{Dut, DutBackend, DutRig, DutSpec};
use crate::rig::chamber::ChamberProtocol;
use crate::rig::drop::manual::OperatorChannel;
use crate::rig::spec::Connection;
use crate::rig::transport::{Endpoint, SerialSettings};
use crate::rig::{open_chamber, open_drop, open_thermal, ChannelInfo, RigError};
use crate::sim::android::{AndroidFault, AndroidSimHandle, SimAndroid};
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
    /// A camera the station names cannot be used for the run.
    #[error("station `{station}`: {message}")]
    Camera {
        /// Station name.
        station: String,
        /// Which sample and stream, the selector and what is wrong.
        message: String,
    },
    /// The simulated terminal could not start.
    #[error("station `{station}`: cannot start the simulated Android terminal")]
    DutSim {
        /// Station name.
        station: String,
        /// Why.
        #[source]
        source: std::io::Error,
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
    /// The simulated Android terminal.
    pub dut: Option<AndroidSimHandle>,
}

/// Faults the simulators of a `sim = true` station inject, and faults injected into every
/// camera source of any station (rehearsals and tests).
#[derive(Debug, Clone, Default)]
pub struct SimFaults {
    /// The chamber simulator's faults.
    pub chamber: FaultPlan,
    /// The drop-rig simulator's faults.
    pub drop: FaultPlan,
    /// The thermal-logger simulator's faults.
    pub thermal: FaultPlan,
    /// Faults wrapped around every camera source (a decorator: any backend).
    pub camera: Option<crate::camera::faults::FaultPlan>,
    /// The simulated Android terminal's faults and behaviour (crashes, re-enumerations).
    pub dut: Vec<AndroidFault>,
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
            let model = synthetic_unit(&entry.channels, 25.0);
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
    if let Some(spec) = &station.dut {
        let (dut, sim) = open_dut(spec, station.sim, &clock, &faults.dut).map_err(|source| {
            OpenError::DutSim {
                station: station.name.clone(),
                source,
            }
        })?;
        rigs.dut = Some(DutRig::new(dut, spec));
        sims.dut = sim;
    }
    if let Some(section) = &station.camera {
        rigs.cameras = (0..samples)
            .map(|index| sample_camera(section, index, faults))
            .collect::<Result<_, _>>()
            .map_err(|message| OpenError::Camera {
                station: station.name.clone(),
                message,
            })?;
    }
    Ok((rigs, sims))
}

/// The serial number of a simulated terminal whose station names none.
const SIM_DUT_SERIAL: &str = "FBSIM0000001";

/// The station's device under test: over its adb link, or, in a simulated station, a simulated
/// terminal on a loopback port (on the run's clock) reached straight over TCP.
fn open_dut(
    spec: &DutSpec,
    sim: bool,
    clock: &Arc<dyn Clock>,
    faults: &[AndroidFault],
) -> std::io::Result<(Box<dyn Dut>, Option<AndroidSimHandle>)> {
    let DutBackend::Adb { link, sim_serial } = &spec.backend;
    let (link, handle) = match (sim, link) {
        (false, Some(link)) => (link.clone(), None),
        _ => {
            let serial = sim_serial.as_deref().unwrap_or(SIM_DUT_SERIAL);
            let terminal = faults
                .iter()
                .fold(SimAndroid::new(serial), |sim, fault| sim.with_fault(fault));
            let handle =
                terminal.spawn(SocketAddr::from(([127, 0, 0, 1], 0)), Arc::clone(clock))?;
            let link = AdbLink::Direct {
                addr: handle.addr(),
                key: Some(sim_key_path()),
            };
            (link, Some(handle))
        }
    };
    let dut = AdbDut::new(link, spec.timeout, Arc::clone(clock));
    Ok((Box::new(dut), handle))
}

/// The camera rig of sample `index`, once every selector it names was found (a camera that is
/// not plugged in stops the run before it starts, not in its third day).
fn sample_camera(
    section: &CameraSection,
    index: usize,
    faults: &SimFaults,
) -> Result<Box<dyn CameraRig>, String> {
    let cameras = section.sample(index)?;
    let label = format!("sample {}", index + 1);
    for (stream, spec) in cameras.streams() {
        let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        let found = match spec {
            SourceSpec::Replay(path) if !path.is_file() => Err(format!(
                "{spec}: not found: no recording {}",
                path.display()
            )),
            _ => open_stream(spec, Some(stream), clock, None)
                .map(drop)
                .map_err(|e| e.to_string()),
        };
        found.map_err(|e| format!("{} {label} {} camera: {e}", section.origin, stream.name()))?;
    }
    Ok(Box::new(StationCameraRig::new(
        label,
        cameras,
        faults.camera.clone(),
    )))
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

/// The simulated unit the thermocouples sit on: idle at ambient until the temperature-rise test
/// configures the logger's scan, then loaded, each thermocouple rising by a typical amount and
/// with a typical time constant for its material (the ambient probe does not rise; thin
/// metal follows fastest, the internal points heat up with the SoC), spread a little per
/// channel; readings carry ±0.05 K of seeded noise.
fn synthetic_unit(channels: &[ChannelInfo], ambient_c: f64) -> LoggerModel {
    let mut model = LoggerModel::new(channels.len(), ambient_c);
    model.loaded = false;
    model.power_on_with_scan = true;
    model.noise_k = 0.05;
    model.seed = 0x5EED_7E4D;
    for (index, (channel, sim)) in channels.iter().zip(model.channels.iter_mut()).enumerate() {
        let (rise_k, time_constant_s) = match channel.material.as_str() {
            "air" => (0.0, 600.0),
            "glass" => (11.0, 1500.0),
            "plastic" => (13.0, 1800.0),
            "metal" => (17.0, 1200.0),
            _ => (30.0, 900.0),
        };
        let spread = 1.0 + 0.07 * (index % 4) as f64;
        sim.rise_k = rise_k * (2.0 - spread).max(0.5);
        sim.time_constant_s = time_constant_s * spread;
    }
    model
}
