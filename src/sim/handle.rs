//! Starting simulators in-process and steering them from tests and the runner.
//!
//! Each simulator runs on its own thread with a current-thread tokio runtime; the
//! [`SimHandle`] tells where it listens, shows and changes the model, unplugs and replugs the
//! port, and on drop shuts the thread down and removes the pty and its link.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;
use crate::rig::chamber::registers::RegisterMap;
use crate::rig::chamber::ChamberProtocol;
use crate::sim::espec::EspecResponder;
use crate::sim::faults::{FaultInjector, FaultPlan};
use crate::sim::modbus::{self, ModbusService, RegisterDevice};
use crate::sim::pclink::PcLinkResponder;
use crate::sim::physics::chamber::{ChamberModel, ChamberParams};
use crate::sim::physics::drop_rig::{DropParams, DropRigModel};
use crate::sim::physics::logger::LoggerModel;
use crate::sim::physics::Model;
use crate::sim::scpi::ScpiResponder;
use crate::sim::serve::{serve_loop, Ctx, Endpoint, LinkState, Protocol, Published, Serve, Wanted};
use crate::sim::shared::Shared;

/// How long (real time) starting, unplugging or replugging may take.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Options common to every simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The clock that drives the physics (a `SimClock` runs a 48 h profile in seconds).
    pub clock: Arc<dyn Clock>,
    /// Faults to inject.
    pub faults: FaultPlan,
    /// Where to listen.
    pub serve: Serve,
    /// Bus address: ESPEC RS-485 prefix, PC-link address, Modbus slave id.
    pub address: u8,
    /// Modbus over TCP with MBAP framing instead of RTU framing (TCP serving only).
    pub modbus_tcp: bool,
}

impl SimOptions {
    /// On a new pty, without faults, address 1.
    pub fn pty(clock: Arc<dyn Clock>) -> SimOptions {
        SimOptions {
            clock,
            faults: FaultPlan::default(),
            serve: Serve::Pty { link: None },
            address: 1,
            modbus_tcp: false,
        }
    }

    /// On 127.0.0.1:`port` (0 = any free port), without faults, address 1.
    pub fn tcp(clock: Arc<dyn Clock>, port: u16) -> SimOptions {
        SimOptions {
            serve: Serve::Tcp { port },
            ..SimOptions::pty(clock)
        }
    }
}

/// Why a simulator could not start or be steered.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The simulator thread could not be created.
    #[error("cannot start the simulator thread")]
    Thread(#[source] io::Error),
    /// The serving loop failed (pty, link or port).
    #[error("simulator failed: {0}")]
    Failed(String),
    /// It did not come up (or go down) in time.
    #[error("simulator did not {0} within {STARTUP_TIMEOUT:?}")]
    Timeout(&'static str),
    /// A `modbus-generic` chamber started without its register map.
    #[error("a modbus-generic chamber needs a register map")]
    NoRegisterMap,
    /// MBAP framing asked for on a pty.
    #[error("Modbus TCP framing needs --tcp; a pty carries RTU framing")]
    MbapOnPty,
}

/// A running simulator. Dropping it stops the simulator and removes its pty and link.
#[derive(Debug)]
pub struct SimHandle<M> {
    shared: Arc<Shared<M>>,
    wanted: watch::Sender<Wanted>,
    published: Arc<Published>,
    thread: Option<JoinHandle<()>>,
    link: Option<PathBuf>,
}

impl<M> SimHandle<M> {
    /// Where it can be reached now (`None` while unplugged).
    pub fn endpoint(&self) -> Option<Endpoint> {
        match self.published.get().1 {
            LinkState::Up(e) => Some(e),
            _ => None,
        }
    }

    /// The pty slave path now, e.g. `/dev/pts/7` (`None` on TCP or while unplugged).
    pub fn path(&self) -> Option<PathBuf> {
        match self.endpoint() {
            Some(Endpoint::Pty(p)) => Some(p),
            _ => None,
        }
    }

    /// The stable link path, if one was asked for.
    pub fn link(&self) -> Option<&Path> {
        self.link.as_deref()
    }

    /// The TCP address (`None` on a pty or while unplugged).
    pub fn addr(&self) -> Option<SocketAddr> {
        match self.endpoint() {
            Some(Endpoint::Tcp(a)) => Some(a),
            _ => None,
        }
    }

    /// Pulls the plug: the pty closes (a driver's open file sees a hang-up), the link goes away.
    pub fn unplug(&self) -> Result<(), SimError> {
        self.wanted.send_modify(|w| w.plugged = false);
        match self
            .published
            .wait_for(STARTUP_TIMEOUT, |_, s| !matches!(s, LinkState::Up(_)))
        {
            (_, LinkState::Failed(e)) => Err(SimError::Failed(e)),
            (_, LinkState::Up(_)) => Err(SimError::Timeout("unplug")),
            _ => Ok(()),
        }
    }

    /// Plugs back in: a new pty (a new `/dev/pts/N`), the link pointed at it. Returns where.
    pub fn replug(&self) -> Result<Endpoint, SimError> {
        let (generation, _) = self.published.get();
        self.wanted.send_modify(|w| w.plugged = true);
        wait_up(&self.published, generation)
    }
}

impl<M: Model> SimHandle<M> {
    /// Runs `f` on the model, advanced to the clock's time (to inspect or to inject, e.g. open
    /// the drop rig's door).
    pub fn with_model<R>(&self, f: impl FnOnce(&mut M) -> R) -> R {
        self.shared.with(f)
    }

    /// A snapshot of the model at the clock's time.
    pub fn state(&self) -> M
    where
        M: Clone,
    {
        self.shared.with(|m| m.clone())
    }
}

fn wait_up(published: &Published, after: u64) -> Result<Endpoint, SimError> {
    let (_, state) = published.wait_for(STARTUP_TIMEOUT, |g, s| {
        matches!(s, LinkState::Failed(_)) || (g > after && matches!(s, LinkState::Up(_)))
    });
    match state {
        LinkState::Up(e) => Ok(e),
        LinkState::Failed(e) => Err(SimError::Failed(e)),
        LinkState::Starting | LinkState::Down => Err(SimError::Timeout("come up")),
    }
}

impl<M> Drop for SimHandle<M> {
    fn drop(&mut self) {
        self.wanted.send_modify(|w| w.shutdown = true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a simulator thread: `build` makes the protocol inside the thread's runtime.
fn spawn<M, B, F>(model: M, opts: SimOptions, build: B) -> Result<SimHandle<M>, SimError>
where
    M: Model,
    B: FnOnce(Arc<Shared<M>>, Arc<Mutex<FaultInjector>>) -> F + Send + 'static,
    F: Future<Output = io::Result<Protocol>>,
{
    if opts.modbus_tcp && matches!(opts.serve, Serve::Pty { .. }) {
        return Err(SimError::MbapOnPty);
    }
    let shared = Arc::new(Shared::new(model, Arc::clone(&opts.clock)));
    let faults = Arc::new(Mutex::new(FaultInjector::new(&opts.faults)));
    let published = Arc::new(Published::new());
    let (wanted, wanted_rx) = watch::channel(Wanted {
        plugged: true,
        shutdown: false,
    });
    let link = match &opts.serve {
        Serve::Pty { link } => link.clone(),
        Serve::Tcp { .. } => None,
    };
    let thread = {
        let shared = Arc::clone(&shared);
        let published = Arc::clone(&published);
        let serve = opts.serve.clone();
        std::thread::Builder::new()
            .name("facebench-sim".to_string())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        return published.set(LinkState::Failed(format!("tokio runtime: {e}")))
                    }
                };
                runtime.block_on(async {
                    match build(shared, Arc::clone(&faults)).await {
                        Ok(protocol) => {
                            let ctx = Ctx {
                                faults,
                                wanted: wanted_rx,
                                published: Arc::clone(&published),
                            };
                            serve_loop(serve, protocol, ctx).await;
                        }
                        Err(e) => published.set(LinkState::Failed(e.to_string())),
                    }
                });
            })
            .map_err(SimError::Thread)?
    };
    let handle = SimHandle {
        shared,
        wanted,
        published,
        thread: Some(thread),
        link,
    };
    wait_up(&handle.published, 0)?;
    Ok(handle)
}

async fn modbus_protocol<D: RegisterDevice>(
    device: D,
    model: Arc<Shared<D::Model>>,
    faults: Arc<Mutex<FaultInjector>>,
    slave: u8,
    rtu: bool,
) -> io::Result<Protocol> {
    let service = ModbusService::new(device, model, slave, faults);
    let service = Arc::new(if rtu { service } else { service.over_tcp() });
    let backend = modbus::start_backend(service, rtu).await?;
    Ok(Protocol::Modbus {
        backend,
        rtu,
        slave,
    })
}

/// Simulated climate chambers.
#[derive(Debug)]
pub struct SimChamber;

impl SimChamber {
    /// A default chamber (temperature and humidity, +3 / −1.7 K/min) speaking `protocol`.
    pub fn spawn(
        protocol: ChamberProtocol,
        opts: SimOptions,
    ) -> Result<SimHandle<ChamberModel>, SimError> {
        SimChamber::spawn_model(protocol, ChamberModel::new(ChamberParams::default()), opts)
    }

    /// `model` speaking `protocol`. A `modbus-generic` chamber needs its register map: start
    /// it with [`SimChamber::spawn_generic`].
    pub fn spawn_model(
        protocol: ChamberProtocol,
        model: ChamberModel,
        opts: SimOptions,
    ) -> Result<SimHandle<ChamberModel>, SimError> {
        SimChamber::spawn_with(protocol, None, model, opts)
    }

    /// `model` as a `modbus-generic` chamber on register map `map`.
    pub fn spawn_generic(
        map: RegisterMap,
        model: ChamberModel,
        opts: SimOptions,
    ) -> Result<SimHandle<ChamberModel>, SimError> {
        SimChamber::spawn_with(ChamberProtocol::ModbusGeneric, Some(map), model, opts)
    }

    fn spawn_with(
        protocol: ChamberProtocol,
        registers: Option<RegisterMap>,
        model: ChamberModel,
        opts: SimOptions,
    ) -> Result<SimHandle<ChamberModel>, SimError> {
        let generic_map = match (protocol, registers) {
            (ChamberProtocol::ModbusGeneric, None) => return Err(SimError::NoRegisterMap),
            (_, registers) => registers,
        };
        let address = opts.address;
        let rtu = !opts.modbus_tcp;
        spawn(model, opts, move |shared, faults| async move {
            Ok(match (protocol, generic_map) {
                (ChamberProtocol::Espec, _) => {
                    Protocol::Lines(Box::new(EspecResponder::new(shared, address)))
                }
                (ChamberProtocol::TemiPclink, _) => {
                    Protocol::Lines(Box::new(PcLinkResponder::new(shared, address)))
                }
                (ChamberProtocol::WatlowF4, _) => {
                    modbus_protocol(
                        modbus::watlow_f4::WatlowF4::new(1),
                        shared,
                        faults,
                        address,
                        rtu,
                    )
                    .await?
                }
                (ChamberProtocol::WatlowF4t, _) => {
                    modbus_protocol(
                        modbus::watlow_f4t::WatlowF4t::new(),
                        shared,
                        faults,
                        address,
                        rtu,
                    )
                    .await?
                }
                (ChamberProtocol::TemiModbus, _) => {
                    modbus_protocol(
                        modbus::temi::TemiModbus::new(),
                        shared,
                        faults,
                        address,
                        rtu,
                    )
                    .await?
                }
                (ChamberProtocol::ModbusGeneric, map) => {
                    let map = map.ok_or_else(|| io::Error::other("no register map"))?;
                    let device = modbus::generic::GenericModbus::new(map);
                    modbus_protocol(device, shared, faults, address, rtu).await?
                }
            })
        })
    }
}

/// Simulated drop rigs (the generic Modbus map).
#[derive(Debug)]
pub struct SimDropRig;

impl SimDropRig {
    /// A default rig (100 mm/s lift, 2 m maximum).
    pub fn spawn(opts: SimOptions) -> Result<SimHandle<DropRigModel>, SimError> {
        SimDropRig::spawn_model(DropRigModel::new(DropParams::default()), opts)
    }

    /// `model` on the generic Modbus map.
    pub fn spawn_model(
        model: DropRigModel,
        opts: SimOptions,
    ) -> Result<SimHandle<DropRigModel>, SimError> {
        let address = opts.address;
        let rtu = !opts.modbus_tcp;
        spawn(model, opts, move |shared, faults| async move {
            modbus_protocol(
                modbus::drop_rig::DropRigMap::new(),
                shared,
                faults,
                address,
                rtu,
            )
            .await
        })
    }
}

/// Simulated SCPI thermocouple loggers.
#[derive(Debug)]
pub struct SimThermalLogger;

impl SimThermalLogger {
    /// `channels` thermocouples (101, 102, …) at 25 °C ambient, the device loaded.
    pub fn spawn(channels: usize, opts: SimOptions) -> Result<SimHandle<LoggerModel>, SimError> {
        SimThermalLogger::spawn_model(LoggerModel::new(channels, 25.0), opts)
    }

    /// `model` speaking SCPI.
    pub fn spawn_model(
        model: LoggerModel,
        opts: SimOptions,
    ) -> Result<SimHandle<LoggerModel>, SimError> {
        spawn(model, opts, move |shared, _faults| async move {
            Ok(Protocol::Lines(Box::new(ScpiResponder::new(shared))))
        })
    }
}
