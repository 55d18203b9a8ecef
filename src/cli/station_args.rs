//! `--station FILE` / `--sim`: which rigs a run uses, opened once the run directory exists.

use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::exit::CliError;
use super::paths::shipped;
use crate::clock::Clock;
use crate::journal::RunDir;
use crate::rig::drop::manual::OperatorChannel;
use crate::rig::RigError;
use crate::runner::rigs::{open_station, RigSet, SimFaults, StationSims};
use crate::runner::RunError;
use crate::station::{load_station, Station};

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

impl StationArgs {
    /// The station file to use, if any.
    pub fn load(&self) -> Result<Option<Station>, CliError> {
        let path = match (&self.station, self.sim) {
            (Some(path), _) => path.clone(),
            (None, true) => shipped("rigs/sim.toml"),
            (None, false) => return Ok(None),
        };
        load_station(&path).map(Some).map_err(CliError::input)
    }
}

/// Opens a station's rigs for a session and keeps its simulators alive.
#[derive(Debug)]
pub struct StationOpener {
    station: Option<Station>,
    clock: Arc<dyn Clock>,
    sims: Option<StationSims>,
}

impl StationOpener {
    /// An opener for `station` (none: no rigs).
    pub fn new(station: Option<Station>, clock: Arc<dyn Clock>) -> StationOpener {
        StationOpener {
            station,
            clock,
            sims: None,
        }
    }

    /// The station's name for the journal.
    pub fn name(&self) -> String {
        self.station
            .as_ref()
            .map_or_else(|| "none".to_string(), |s| s.name.clone())
    }

    /// Opens the rigs, with wire logs in the run directory.
    pub fn open(&mut self, dir: &RunDir) -> Result<RigSet, RunError> {
        let Some(station) = &self.station else {
            return Ok(RigSet::none());
        };
        let (rigs, sims) = open_station(
            station,
            Arc::clone(&self.clock),
            Some(dir.path()),
            Box::new(TerminalChannel),
            &SimFaults::default(),
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
