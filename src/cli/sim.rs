//! `facebench sim chamber | drop | thermal | android`: run one simulator until Ctrl-C and print
//! where to open it (`pty: /dev/pts/7`, or `tcp: 127.0.0.1:5020`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::builder::PossibleValue;
use clap::{Args, Subcommand, ValueEnum};

use super::exit::CliError;
use crate::clock::SystemClock;
use crate::rig::chamber::registers::RegisterMap;
use crate::rig::chamber::ChamberProtocol;
use crate::sim::android::{AndroidFault, SimAndroid};
use crate::sim::physics::chamber::{ChamberModel, ChamberParams};
use crate::sim::{
    Endpoint, FaultPlan, FaultSpec, ScaledClock, Serve, SimChamber, SimDropRig, SimHandle,
    SimOptions, SimThermalLogger,
};
use crate::station::{load_register_map, parse_register_map};

/// Simulator subcommands.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// A climate chamber.
    Chamber(ChamberArgs),
    /// A drop tester on the generic Modbus map.
    Drop(CommonArgs),
    /// A SCPI thermocouple logger.
    Thermal(ThermalArgs),
    /// An Android face terminal on the device side of the adb protocol over TCP
    /// (`adb connect 127.0.0.1:PORT`).
    Android(AndroidArgs),
}

/// `facebench sim android`.
#[derive(Debug, Args)]
pub struct AndroidArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:5555", value_name = "HOST:PORT")]
    pub listen: std::net::SocketAddr,
    /// The terminal's serial number (`ro.serialno`).
    #[arg(long, default_value = "FBSIM0000001", value_name = "SN")]
    pub serial: String,
    /// The face app's package (installed as a system app).
    #[arg(long, value_name = "PACKAGE")]
    pub face_app: Option<String>,
    /// A fault or behaviour: `wrong-sn=SN`, `not-system-app`, `disconnect=TEXT` (a command
    /// containing TEXT drops the link halfway), `slow=500ms`, `crash-every=10m` (face-app
    /// crashes in logcat), `usb-reenum-every=30m` (camera USB re-enumerations in dmesg),
    /// `auth` (hosts must authenticate; the first key offered is allowed). Repeatable.
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<AndroidFault>,
}

/// Flags every simulator takes.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Serve on 127.0.0.1:PORT instead of a pty (0 = any free port).
    #[arg(long, value_name = "PORT")]
    pub tcp: Option<u16>,
    /// Keep a symlink at PATH pointing at the current pty (survives unplug faults).
    #[arg(long, value_name = "PATH", conflicts_with = "tcp")]
    pub link: Option<PathBuf>,
    /// Inject a fault: KIND[=VALUE][@N|@everyN|@P%], e.g. `no-reply@25%`, `delay=500ms`,
    /// `garble@every10`, `bad-checksum@3`, `refuse=06`, `unplug=2s@20`, `sensor=103`. Repeatable.
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<FaultSpec>,
    /// Seed for random faults.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Simulated time runs N times faster than real time.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
    /// Bus address: RS-485 prefix (ESPEC), PC-link address, Modbus slave id.
    #[arg(long, default_value_t = 1)]
    pub address: u8,
    /// Modbus TCP (MBAP) framing instead of RTU framing; needs --tcp.
    #[arg(long, requires = "tcp")]
    pub modbus_tcp: bool,
}

/// `--protocol` takes a chamber protocol by its station-file name, except that TEMI over Modbus
/// is plain `temi` on the command line.
impl ValueEnum for ChamberProtocol {
    fn value_variants<'a>() -> &'a [Self] {
        &ChamberProtocol::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let (name, help) = match self {
            ChamberProtocol::Espec => ("espec", "ESPEC ASCII"),
            ChamberProtocol::WatlowF4 => ("watlow-f4", "Watlow F4 (Modbus RTU)"),
            ChamberProtocol::WatlowF4t => ("watlow-f4t", "Watlow F4T (Modbus, 32-bit floats)"),
            ChamberProtocol::TemiModbus => ("temi", "Samwontech TEMI over Modbus"),
            ChamberProtocol::TemiPclink => ("temi-pclink", "Samwontech TEMI PC-link with checksum"),
            ChamberProtocol::ModbusGeneric => (
                "modbus-generic",
                "Generic Modbus chamber with a register map",
            ),
        };
        Some(PossibleValue::new(name).help(help))
    }
}

/// `facebench sim chamber`.
#[derive(Debug, Args)]
pub struct ChamberArgs {
    /// Wire protocol.
    #[arg(long, value_enum)]
    pub protocol: ChamberProtocol,
    /// TOML file with the `[registers]`-style table of a modbus-generic chamber (as in a station
    /// file); default: temp PV 100, SP 300, humidity PV 104, SP 319 (i16 ×0.1), run/stop 2000.
    #[arg(long, value_name = "FILE")]
    pub registers: Option<PathBuf>,
    /// A temperature-only chamber: no humidity control (ESPEC answers `HUMI` commands with
    /// `NA:CONT NOT READY-1`).
    #[arg(long)]
    pub no_humidity: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `facebench sim thermal`.
#[derive(Debug, Args)]
pub struct ThermalArgs {
    /// Number of thermocouple channels (101, 102, …).
    #[arg(long, default_value_t = 10)]
    pub channels: usize,
    #[command(flatten)]
    pub common: CommonArgs,
}

fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if speed.is_finite() && (0.001..=1.0e6).contains(&speed) {
        Ok(speed)
    } else {
        Err(format!("{text}: speed must be between 0.001 and 1000000"))
    }
}

const DEFAULT_GENERIC_MAP: &str = r#"
temp_pv = { address = 100, format = "i16", scale = 0.1 }
temp_sp = { address = 300, format = "i16", scale = 0.1 }
humidity_pv = { address = 104, format = "i16", scale = 0.1 }
humidity_sp = { address = 319, format = "i16", scale = 0.1 }
run_stop = { address = 2000, run = 1, stop = 0 }
"#;

fn load_map(path: Option<&PathBuf>) -> Result<RegisterMap, CliError> {
    match path {
        Some(p) => load_register_map(p),
        None => parse_register_map(DEFAULT_GENERIC_MAP, "the default map"),
    }
    .map_err(CliError::input)
}

fn options(common: &CommonArgs) -> SimOptions {
    SimOptions {
        clock: Arc::new(ScaledClock::new(common.speed)),
        faults: FaultPlan {
            seed: common.seed,
            specs: common.faults.clone(),
        },
        serve: match common.tcp {
            Some(port) => Serve::Tcp { port },
            None => Serve::Pty {
                link: common.link.clone(),
            },
        },
        address: common.address,
        modbus_tcp: common.modbus_tcp,
    }
}

/// Runs a simulator subcommand until Ctrl-C.
pub fn execute(command: SimCommand) -> Result<ExitCode, CliError> {
    match command {
        SimCommand::Chamber(args) => {
            let name = args
                .protocol
                .to_possible_value()
                .map_or_else(String::new, |v| format!("{} chamber", v.get_name()));
            // Started on its own it behaves as a powered controller: constant mode at ambient.
            let model = ChamberModel::powered(ChamberParams {
                has_humidity: !args.no_humidity,
                ..ChamberParams::default()
            });
            let opts = options(&args.common);
            let handle = match args.protocol {
                ChamberProtocol::ModbusGeneric => {
                    SimChamber::spawn_generic(load_map(args.registers.as_ref())?, model, opts)
                }
                protocol => SimChamber::spawn_model(protocol, model, opts),
            };
            serve_until_interrupt(&name, handle)
        }
        SimCommand::Drop(common) => {
            serve_until_interrupt("drop rig", SimDropRig::spawn(options(&common)))
        }
        SimCommand::Android(args) => serve_android(args),
        SimCommand::Thermal(args) => serve_until_interrupt(
            "thermal logger",
            SimThermalLogger::spawn(args.channels, options(&args.common)),
        ),
    }
}

fn serve_android(args: AndroidArgs) -> Result<ExitCode, CliError> {
    let mut terminal = SimAndroid::new(&args.serial);
    if let Some(app) = &args.face_app {
        terminal.config.rename_face_app(app);
    }
    let terminal = args
        .faults
        .iter()
        .fold(terminal, |terminal, fault| terminal.with_fault(fault));
    let handle = terminal
        .spawn(args.listen, Arc::new(SystemClock::new()))
        .with_context(|| format!("cannot listen on {}", args.listen))
        .map_err(CliError::harness)?;
    println!("tcp: {}", handle.addr());
    println!(
        "simulated Android terminal {} running; `adb connect {}`; Ctrl-C stops it",
        args.serial,
        handle.addr()
    );
    wait_for_interrupt()?;
    drop(handle);
    Ok(ExitCode::SUCCESS)
}

fn serve_until_interrupt<M: crate::sim::physics::Model>(
    what: &str,
    handle: Result<SimHandle<M>, crate::sim::SimError>,
) -> Result<ExitCode, CliError> {
    let handle = handle
        .with_context(|| format!("cannot start the simulated {what}"))
        .map_err(CliError::harness)?;
    match handle.endpoint() {
        Some(Endpoint::Pty(path)) => println!("pty: {}", path.display()),
        Some(Endpoint::Tcp(addr)) => println!("tcp: {addr}"),
        None => {}
    }
    if let Some(link) = handle.link() {
        println!("link: {}", link.display());
    }
    println!("simulated {what} running; Ctrl-C stops it");
    wait_for_interrupt()?;
    drop(handle);
    Ok(ExitCode::SUCCESS)
}

fn wait_for_interrupt() -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("tokio runtime")
        .map_err(CliError::harness)?;
    runtime
        .block_on(tokio::signal::ctrl_c())
        .context("waiting for Ctrl-C")
        .map_err(CliError::harness)
}
