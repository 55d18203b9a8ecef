//! `facebench factory --station line.toml`: the per-unit check of a production line.
//!
//! Interactive: the operator scans or types each label SN, one per line (a barcode scanner
//! acting as a keyboard ends each scan with Enter); an empty line is ignored, end of input
//! (Ctrl-D) or `quit` ends the shift. Non-interactive: `--sn SN` (repeatable) or `--sns FILE`
//! (one SN per line) checks those units in order and ends; the exit code is 1 when any unit
//! was blocked. See [`crate::factory`].

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::exit::{self, CliError};
use crate::camera::open::open_source;
use crate::camera::source::FrameSource;
use crate::clock::{Clock, SystemClock};
use crate::dut::android::AdbDut;
use crate::dut::{Dut, DutError};
use crate::factory::{banner, load_line, DeviceList, Line, LineResult, Station};

/// Arguments of `facebench factory`.
#[derive(Debug, Args)]
pub struct FactoryArgs {
    /// The line's station file (`[line]`, `[dut]`, `[camera_sn]`, `[camera]`).
    #[arg(long)]
    pub station: PathBuf,
    /// Check this label SN and end (repeatable); without it, SNs are read from standard input.
    #[arg(long = "sn", value_name = "SN")]
    pub sns: Vec<String>,
    /// Check the label SNs in this file (one per line) and end.
    #[arg(long = "sns", value_name = "FILE", conflicts_with = "sns")]
    pub sns_file: Option<PathBuf>,
}

/// Tally of a shift.
#[derive(Debug, Default)]
struct Tally {
    passed: u64,
    blocked: u64,
}

/// Runs the factory check.
pub fn execute(args: FactoryArgs) -> Result<ExitCode, CliError> {
    let line = load_line(&args.station).map_err(CliError::input)?;
    let mut devices = DeviceList::open(&line.device_list).map_err(CliError::input)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    println!(
        "facebench factory: {} ({}), vendor code {}, model code {}; device list {} ({} passed so far)",
        line.name,
        line.model,
        line.vendor_code,
        line.model_code,
        devices.path().display(),
        devices.passed_count()
    );
    let mut tally = Tally::default();
    let interactive = args.sns.is_empty() && args.sns_file.is_none();
    let mut each = |label: &str| check_one(&line, &mut devices, &clock, label, &mut tally);
    if let Some(file) = &args.sns_file {
        for label in read_sn_file(file)? {
            each(&label)?;
        }
    } else if !interactive {
        for label in &args.sns {
            each(label)?;
        }
    } else {
        let stdin = std::io::stdin();
        prompt();
        for input in stdin.lock().lines() {
            let input = input.map_err(CliError::harness)?;
            let label = input.trim();
            if label.eq_ignore_ascii_case("quit") {
                break;
            }
            if !label.is_empty() {
                each(label)?;
            }
            prompt();
        }
    }
    println!(
        "\n{} units: {} PASS, {} BLOCKED; device list {}",
        tally.passed + tally.blocked,
        tally.passed,
        tally.blocked,
        line.device_list.display()
    );
    Ok(if tally.blocked > 0 && !interactive {
        ExitCode::from(exit::SOME_NO_PASS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Asks for the next label.
fn prompt() {
    print!("scan label SN> ");
    let _ = std::io::stdout().flush();
}

/// Checks one unit and shows its banner. Only a device list that cannot be written stops the
/// line.
fn check_one(
    line: &Line,
    devices: &mut DeviceList,
    clock: &Arc<dyn Clock>,
    label: &str,
    tally: &mut Tally,
) -> Result<(), CliError> {
    let mut connect = || connect_dut(line, clock);
    let mut camera = || -> Result<Box<dyn FrameSource>, String> {
        open_source(&line.camera.source, Arc::clone(clock), None).map_err(|e| e.to_string())
    };
    let outcome = Station {
        line,
        devices,
        connect: &mut connect,
        camera: &mut camera,
        clock: clock.as_ref(),
    }
    .check(label)
    .map_err(CliError::harness)?;
    match outcome.record.result {
        LineResult::Pass => tally.passed += 1,
        LineResult::Blocked => tally.blocked += 1,
    }
    print!("{}", banner(&outcome));
    let _ = std::io::stdout().flush();
    Ok(())
}

/// The label SNs of an `--sns` file: one per line, blank lines and `#` comments skipped.
fn read_sn_file(path: &Path) -> Result<Vec<String>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::input(anyhow::anyhow!("{}: {e}", path.display())))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// Connects to the unit on the jig over adb, failing early (within the link's timeout) when
/// it is not there.
fn connect_dut(line: &Line, clock: &Arc<dyn Clock>) -> Result<Box<dyn Dut>, DutError> {
    let mut dut = AdbDut::new(line.dut.link.clone(), line.dut.timeout, Arc::clone(clock));
    dut.connect()?;
    Ok(Box::new(dut))
}
