//! `facebench repair`: renumber a journal damaged by two processes writing it at once.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::exit::CliError;
use super::record::journal_error;
use crate::journal::{repair_journal, RepairReport, RunDir};

/// How many renumbered entries are listed one by one.
const LISTED: usize = 20;

/// Arguments of `facebench repair`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// The run directory.
    pub run_dir: PathBuf,
}

/// Runs `facebench repair`: keeps a backup of the journal, renumbers its events in file order
/// and says what changed.
pub fn execute(args: RepairArgs) -> Result<ExitCode, CliError> {
    let dir = RunDir::open(&args.run_dir).map_err(CliError::input)?;
    let report = repair_journal(&dir).map_err(journal_error)?;
    print!("{}", describe(&dir, &report));
    Ok(ExitCode::SUCCESS)
}

/// What the repair did, one line per change (the first [`LISTED`] renumbered entries).
fn describe(dir: &RunDir, report: &RepairReport) -> String {
    let journal = dir.journal_path();
    let Some(backup) = &report.backup else {
        return format!(
            "{}: {} events numbered 1 to {}; nothing to repair\n",
            journal.display(),
            report.entries,
            report.entries
        );
    };
    let mut text = format!(
        "{}: kept the journal as it was in {}\n",
        journal.display(),
        backup.display()
    );
    if let Some(tail) = &report.dropped_tail {
        text.push_str(&format!("dropped the broken {tail}\n"));
    }
    text.push_str(&format!(
        "renumbered {} of {} events in file order\n",
        report.renumbered.len(),
        report.entries
    ));
    for change in report.renumbered.iter().take(LISTED) {
        text.push_str(&format!(
            "  line {}: seq {} -> {}\n",
            change.line, change.from, change.to
        ));
    }
    if report.renumbered.len() > LISTED {
        text.push_str(&format!(
            "  … and {} more\n",
            report.renumbered.len() - LISTED
        ));
    }
    text
}
