//! `--station FILE` / `--sim`: which rigs a run uses, opened once the run directory exists.
//!
//! The station file's text is snapshotted into the run directory (`station.toml`) like the
//! plan, so `--resume` without `--station` or `--sim` reopens the same rigs; a snapshot of the
//! simulated station (`sim = true`) resumes on simulated time, as `--sim` does.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use super::exit::CliError;
use super::paths::{shipped, user_file};
use crate::clock::Clock;
use crate::journal::RunDir;
use crate::rig::drop::manual::OperatorChannel;
use crate::rig::RigError;
use crate::runner::rigs::RigSet;
use crate::runner::RunError;
use crate::station::{load_station, Station};
use crate::station::{open_station, SimFaults, StationSims};

/// Where the rigs are.
#[derive(Debug, Args, Clone, Default)]
pub struct StationArgs {
    /// Station file naming the rigs and their ports (see rigs/*.toml). Without it, items that
    /// need a rig are recorded as not tested.
    #[arg(long, value_name = "FILE", conflicts_with = "sim")]
    pub station: Option<PathBuf>,
    /// Use the simulated station (rigs/sim.toml): every rig is served by facebench's own
    /// simulators on pseudo-terminals, on simulated time.
    #[arg(long)]
    pub sim: bool,
}

/// A station to run with: the resolved file and its text (for the snapshot).
#[derive(Debug, Clone)]
pub struct ChosenStation {
    /// The resolved station.
    pub station: Station,
    /// The station file's text, as snapshotted into the run directory.
    pub text: String,
    /// Whether the run is on simulated time (`--sim`, or a resumed `--sim` run).
    pub sim_time: bool,
}

impl StationArgs {
    /// The station to use: the one named on the command line; else, when resuming
    /// `resume_dir`, the run's station snapshot; else none.
    pub fn load(&self, resume_dir: Option<&Path>) -> Result<Option<ChosenStation>, CliError> {
        let (path, sim_time) = match (&self.station, self.sim, resume_dir) {
            (Some(path), _, _) => (user_file(path)?.path, false),
            (None, true, _) => (shipped("rigs/sim.toml")?.path, true),
            (None, false, Some(dir)) => {
                let dir = RunDir::open(dir).map_err(CliError::input)?;
                if dir
                    .read_station_snapshot()
                    .map_err(CliError::input)?
                    .is_none()
                {
                    return Ok(None);
                }
                let path = dir.station_snapshot_path();
                let station = load_station(&path).map_err(CliError::input)?;
                let sim_time = station.sim;
                return read_chosen(&path, station, sim_time).map(Some);
            }
            (None, false, None) => return Ok(None),
        };
        let station = load_station(&path).map_err(CliError::input)?;
        read_chosen(&path, station, sim_time).map(Some)
    }
}

/// Pairs a loaded station with its file's text.
fn read_chosen(path: &Path, station: Station, sim_time: bool) -> Result<ChosenStation, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::input(anyhow::anyhow!("cannot read {}: {e}", path.display())))?;
    Ok(ChosenStation {
        station,
        text,
        sim_time,
    })
}

/// Opens a station's rigs for a session and keeps its simulators alive.
#[derive(Debug)]
pub struct StationOpener {
    station: Option<ChosenStation>,
    clock: Arc<dyn Clock>,
    sims: Option<StationSims>,
    change: Option<String>,
}

impl StationOpener {
    /// An opener for `station` (none: no rigs).
    pub fn new(station: Option<ChosenStation>, clock: Arc<dyn Clock>) -> StationOpener {
        StationOpener {
            station,
            clock,
            sims: None,
            change: None,
        }
    }

    /// A warning when [`StationOpener::open`] found that the run had used another station
    /// before (it is printed at once; log it once the run's log is open).
    pub fn station_change(&self) -> Option<&str> {
        self.change.as_deref()
    }

    /// The station's name for the journal.
    pub fn name(&self) -> String {
        self.station
            .as_ref()
            .map_or_else(|| "none".to_string(), |s| s.station.name.clone())
    }

    /// Snapshots the station into the run directory (keeping a different earlier one as
    /// `station.<n>.toml`, with a warning) and opens the rigs, with wire logs in the run
    /// directory, with a camera for each of `samples` units.
    pub fn open(&mut self, dir: &RunDir, samples: usize) -> Result<RigSet, RunError> {
        let Some(chosen) = &self.station else {
            return Ok(RigSet::none());
        };
        if let Some(kept) = dir.write_station_snapshot(&chosen.text)? {
            let warning = format!(
                "this run used another station before (kept as {}); it continues with station `{}`",
                kept.display(),
                chosen.station.name
            );
            eprintln!("warning: {warning}");
            self.change = Some(warning);
        }
        let (rigs, sims) = open_station(
            &chosen.station,
            Arc::clone(&self.clock),
            Some(dir.path()),
            Box::new(TerminalChannel),
            &SimFaults::default(),
            samples,
        )?;
        self.sims = Some(sims);
        Ok(rigs)
    }
}

/// Tells the operator at the terminal what to do with a manual drop rig.
#[derive(Debug)]
struct TerminalChannel;

impl OperatorChannel for TerminalChannel {
    fn instruct(&mut self, text: &str) -> Result<bool, RigError> {
        let mut err = io::stderr();
        let link = |source| RigError::Link {
            port: "terminal".to_string(),
            source,
        };
        write!(err, "{text}\n  [Enter] done  [n] could not do it: ").map_err(link)?;
        err.flush().map_err(link)?;
        let mut line = String::new();
        if io::stdin().lock().read_line(&mut line).map_err(link)? == 0 {
            return Ok(false);
        }
        Ok(!matches!(line.trim(), "n" | "N"))
    }
}
