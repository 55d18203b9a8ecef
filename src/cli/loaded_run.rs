//! Opening an existing run directory: its journal folded into a state, and its plan snapshot.

use std::path::Path;

use super::exit::CliError;
use super::paths::load_catalog;
use crate::catalog::Standard;
use crate::journal::{read_journal, RunDir, RunState};
use crate::plan::{parse_plan, Plan};

/// A run directory read back.
#[derive(Debug)]
pub struct LoadedRun {
    /// The directory.
    pub dir: RunDir,
    /// The journal folded.
    pub state: RunState,
    /// The plan snapshot, resolved.
    pub plan: Plan,
    /// The plan's standard.
    pub standard: Standard,
}

impl LoadedRun {
    /// Reads a run directory; every failure names the path.
    pub fn open(run_dir: &Path) -> Result<LoadedRun, CliError> {
        let catalog = load_catalog()?;
        let dir = RunDir::open(run_dir).map_err(CliError::input)?;
        let contents = read_journal(&dir).map_err(CliError::input)?;
        if let Some(tail) = &contents.truncated_tail {
            eprintln!(
                "note: {}: line {} is cut off ({} bytes, a crash artefact); it is ignored",
                dir.journal_path().display(),
                tail.line,
                tail.bytes
            );
        }
        let state = RunState::from_entries(&contents.entries).map_err(CliError::input)?;
        let text = dir.read_plan_snapshot().map_err(CliError::input)?;
        let origin = dir.plan_snapshot_path().display().to_string();
        let plan = parse_plan(&text, &origin, &catalog).map_err(CliError::input)?;
        let standard = catalog.standard(&plan.standard).cloned().ok_or_else(|| {
            CliError::input(anyhow::anyhow!(
                "{origin}: standard `{}` is not in the catalog",
                plan.standard
            ))
        })?;
        Ok(LoadedRun {
            dir,
            state,
            plan,
            standard,
        })
    }
}
