//! `facebench camera`: list cameras, record a replay file, and run stress modes.
//!
//! - `camera list`: the synthetic source, V4L2 nodes (formats, sizes, rates, controls) and
//!   nokhwa cameras, as this build supports them.
//! - `camera record --source … --out FILE --seconds N`: a replay recording.
//! - `camera stress --source … [--mode cycles|soak|switch|dual]`: the camera checklist plan
//!   (`testplans/camera-checklist.toml`) run by the session, journal and judge of every plan,
//!   with the selector as the camera; Ctrl-C stops cleanly and `--resume` continues; the
//!   checklist workbook is built from the journal with the plan's criteria.
//!
//! Submodules: `spec` (`--source` selectors), `faults` (`--fault`, durations), `open`
//! (building sources), `rig` (the selectors as the run's camera), `shorthand` (flags applied
//! to the plan), `stress` (the run).

mod faults;
mod list;
mod open;
mod shorthand;
mod spec;
mod stress;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::exit::CliError;
use crate::camera::replay::{keep_every, ReplayWriter};
use crate::camera::stress::StopFlag;
use crate::camera::CameraError;
use crate::clock::{Clock, SimClock, SystemClock};

pub use faults::{parse_duration, parse_faults, FAULT_HELP};
pub use spec::{parse_mode, ModeText, SourceSpec, SpecError};

/// `facebench camera` subcommands.
#[derive(Debug, Subcommand)]
pub enum CameraCommand {
    /// List cameras: the synthetic source, V4L2 nodes and nokhwa cameras, with formats, sizes,
    /// rates and controls.
    List,
    /// Record a source to a replay file (metadata of every frame, pixels of some).
    Record(RecordArgs),
    /// Run the camera checklist plan on a camera: first frame, open/close cycles, a soak,
    /// format switching and two streams at once.
    Stress(Box<StressArgs>),
}

/// Arguments of `camera record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The source: synthetic[:mode], v4l:PATH[:mode], v4l:usb:VID:PID[:SERIAL][:mode],
    /// nokhwa:INDEX|NAME[:mode] or replay:FILE.
    #[arg(long)]
    pub source: SourceSpec,
    /// The recording to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// How long to record (clock seconds).
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Keep the pixels of one frame in this many (0: metadata only).
    #[arg(long, default_value_t = 30)]
    pub keep_every: u32,
    /// Simulated time (synthetic and replay sources only).
    #[arg(long)]
    pub sim_clock: bool,
}

/// The stress modes: which of the checklist plan's items run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StressMode {
    /// The first-frame and open/close items (open, first frame, close, N times).
    Cycles,
    /// The single-stream soak items (stream for a duration, analysing every frame).
    Soak,
    /// The format-switching items (switch format and size back and forth).
    Switch,
    /// The items that soak two streams at once (--source and --source2).
    Dual,
}

impl StressMode {
    /// The mode as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            StressMode::Cycles => "cycles",
            StressMode::Soak => "soak",
            StressMode::Switch => "switch",
            StressMode::Dual => "dual",
        }
    }
}

/// Arguments of `camera stress`.
#[derive(Debug, Args)]
pub struct StressArgs {
    /// The source: synthetic[:mode], v4l:PATH[:mode], v4l:usb:VID:PID[:SERIAL][:mode],
    /// nokhwa:INDEX|NAME[:mode] or replay:FILE. The plan's `rgb` stream.
    #[arg(long)]
    pub source: SourceSpec,
    /// The second node (e.g. the IR node): the plan's `ir` and `depth` streams (dual stream).
    #[arg(long)]
    pub source2: Option<SourceSpec>,
    /// Run only the items of this mode (default: the whole checklist).
    #[arg(long, value_enum)]
    pub mode: Option<StressMode>,
    /// Sets the plan's open/close cycles and format switches.
    #[arg(long, conflicts_with = "resume")]
    pub cycles: Option<u32>,
    /// Sets the plan's soak durations: 250ms, 10s, 30m, 72h, 3d.
    #[arg(long, value_parser = parse_duration, conflicts_with = "resume")]
    pub duration: Option<Duration>,
    /// The checklist plan (default: testplans/camera-checklist.toml).
    #[arg(long, value_name = "FILE", conflicts_with = "resume")]
    pub plan: Option<PathBuf>,
    /// Inject a fault (repeatable): drop=every:100, stall=at:300, stall-for=2s, … (see docs).
    #[arg(long = "fault", value_name = "NAME=VALUE")]
    pub faults: Vec<String>,
    /// Run the session on simulated time (no hardware source allowed). Synthetic and replay
    /// sources always stream on their own simulated time, as in a station run: a 72 h soak of
    /// the synthetic camera runs in seconds either way.
    #[arg(long)]
    pub sim_clock: bool,
    /// The run directory to create (default: reports/camera-<UTC time>).
    #[arg(long, value_name = "DIR", conflicts_with = "resume")]
    pub out: Option<PathBuf>,
    /// Continue a killed or stopped run (give the same --source, --source2, --fault and --mode).
    #[arg(long, value_name = "RUN_DIR")]
    pub resume: Option<PathBuf>,
    /// Vendor, for the checklist workbook.
    #[arg(long, default_value = "vendor")]
    pub vendor: String,
    /// Unit model, for the checklist workbook.
    #[arg(long, default_value = "model")]
    pub model: String,
    /// Device SN, for the checklist workbook.
    #[arg(long, default_value = "")]
    pub device_sn: String,
    /// Camera serial number, for the checklist workbook.
    #[arg(long, default_value = "")]
    pub camera_sn: String,
    /// Camera module model, for the checklist workbook.
    #[arg(long)]
    pub camera_model: Option<String>,
}

/// Runs `facebench camera …`.
pub fn execute(command: CameraCommand) -> Result<ExitCode, CliError> {
    match command {
        CameraCommand::List => {
            list::print_list();
            Ok(ExitCode::SUCCESS)
        }
        CameraCommand::Record(args) => record(args),
        CameraCommand::Stress(args) => stress::run(*args),
    }
}

/// The clock for a source: simulated only where no hardware is involved.
fn clock_for(sim_clock: bool, sources: &[&SourceSpec]) -> Result<Arc<dyn Clock>, CliError> {
    if !sim_clock {
        return Ok(Arc::new(SystemClock::new()));
    }
    if let Some(hw) = sources.iter().find(|s| open::is_hardware(s)) {
        return Err(CliError::input(anyhow::anyhow!(
            "--sim-clock cannot drive real hardware ({hw}); use a synthetic or replay source"
        )));
    }
    Ok(Arc::new(SimClock::starting_at(chrono::Utc::now())))
}

/// Raises `stop` on Ctrl-C, through tokio's signal support (already a dependency; no extra
/// crate). The watcher thread lives until the process ends.
fn stop_on_ctrl_c(stop: StopFlag) {
    let spawned = std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            if runtime.block_on(tokio::signal::ctrl_c()).is_ok() {
                eprintln!("\nstopping: finishing the current step and writing results…");
                stop.stop();
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("no Ctrl-C handler: {e}");
    }
}

/// Maps a camera error to an exit code: unusable input (bad file, missing device) is exit 2,
/// anything else a harness error.
fn camera_failure(context: &str, error: CameraError) -> CliError {
    let error = anyhow::Error::new(error).context(context.to_string());
    match error.downcast_ref::<CameraError>() {
        Some(CameraError::NotFound { .. } | CameraError::Recording { .. }) => {
            CliError::input(error)
        }
        _ => CliError::harness(error),
    }
}

fn record(args: RecordArgs) -> Result<ExitCode, CliError> {
    let clock = clock_for(args.sim_clock, &[&args.source])?;
    let mut source =
        open::open_source(&args.source, Arc::clone(&clock), None).map_err(CliError::input)?;
    let stop = StopFlag::new();
    stop_on_ctrl_c(stop.clone());
    let info = source
        .open()
        .map_err(|e| camera_failure(&format!("opening {}", args.source), e))?;
    let mut writer = ReplayWriter::create(&args.out, &info.config)
        .map_err(|e| camera_failure("creating the recording", e))?;
    if let Err(e) = source.start() {
        source.close();
        return Err(camera_failure(&format!("starting {}", args.source), e));
    }
    let end = clock.elapsed() + Duration::from_secs(args.seconds);
    let timeout = info
        .config
        .rate
        .interval()
        .map_or(Duration::from_secs(1), |i| {
            (i * 5).max(Duration::from_secs(1))
        });
    let (mut index, mut timeouts) = (0u64, 0u64);
    let mut failure = None;
    while clock.elapsed() < end && !stop.is_stopped() {
        match source.next_frame(timeout) {
            Ok(frame) => {
                if let Err(e) = writer.write(&frame, keep_every(index, args.keep_every)) {
                    failure = Some(camera_failure("writing the recording", e));
                    break;
                }
                index += 1;
            }
            Err(CameraError::Timeout { .. }) => timeouts += 1,
            Err(e) => {
                failure = Some(camera_failure(&format!("reading {}", args.source), e));
                break;
            }
        }
    }
    let _ = source.stop();
    source.close();
    let (frames, payloads) = writer.counts();
    writer
        .finish()
        .map_err(|e| camera_failure("finishing the recording", e))?;
    println!(
        "recorded {frames} frames ({payloads} with pixels, {timeouts} timeouts) of {} to {}",
        info.config,
        args.out.display()
    );
    match failure {
        Some(e) => Err(e),
        None => Ok(ExitCode::SUCCESS),
    }
}
