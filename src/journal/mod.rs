//! The run journal: the single source of truth of a run.
//!
//! A run directory ([`RunDir`]) holds `journal.jsonl`, an append-only log of [`Entry`] lines,
//! each synced to disk before [`JournalWriter::record`] returns; `plan.toml`, the snapshot of the
//! plan the run started from (earlier ones kept as `plan.<n>.toml` when an edited plan was
//! accepted on resume); `facebench.log`, the tracing log; `attachments/`, copies of the
//! evidence files the operator named; `series/`, the measured series as CSV; `station.toml`, the
//! snapshot of the station file (earlier ones kept as `station.<n>.toml`); `run.lock`, the
//! lock naming the process writing the run; and `report/`, the rendered outputs. [`read_journal`] reads the journal back, tolerating (and reporting, as a
//! [`TruncatedTail`]) a broken last line left by a crash, and [`RunState`] folds the entries into
//! the latest result per item. Reports and resume read nothing else.
//!
//! # Crash safety
//!
//! Every event is one line written with a single `write_all` and then `sync_data`, so after a kill
//! or a power cut the journal holds every recorded event, plus at most one broken line at the
//! very end. The reader reports that tail instead of failing; [`JournalWriter::resume`] cuts it
//! off before appending, so the journal stays valid JSON lines. A broken line anywhere else is
//! a hard error naming the file and line: it is never skipped.
//!
//! # One writer at a time
//!
//! A new run, a resume and `facebench record` hold the directory's [`RunLock`] (an OS lock on
//! `run.lock`, released by the kernel however the holder ends) for as long as they write; a
//! second one is refused with [`JournalError::InUse`] naming the holder. A journal damaged by
//! two writers before there was a lock (repeated or skipped sequence numbers) is reported as
//! [`JournalError::SequenceGap`] with the way out: [`repair_journal`] (`facebench repair`)
//! renumbers it in file order and keeps a backup. Report files are written with
//! [`write_atomically`], so their final names only ever show complete files.
//!
//! # Starting and resuming
//!
//! A run starts with [`RunDir::create`], [`RunDir::write_plan_snapshot`],
//! [`JournalWriter::create`] and a `run_started` event. It continues with [`RunDir::open`],
//! [`JournalWriter::resume`] (which also returns the entries, for [`RunState::from_entries`])
//! and a `run_resumed` event carrying the size of the dropped tail, if any. A run killed before
//! its first event cannot be resumed ([`JournalError::NeverStarted`]); [`RunDir::create`]
//! reuses its directory.

mod atomic;
mod attachment;
pub mod event;
#[cfg(test)]
mod fixtures;
mod lock;
mod reader;
mod repair;
mod rundir;
mod state;
mod writer;

use std::io;
use std::path::PathBuf;

pub use atomic::write_atomically;
pub use event::{Entry, ItemResult, MeasuredSeries, ResultSource, RunEvent, JOURNAL_FORMAT};
pub use lock::{host_name, LockHolder, RunLock, LOCK_FILE};
pub use reader::{read_journal, JournalContents, TruncatedTail};
pub use repair::{repair_journal, Renumbered, RepairReport};
pub use rundir::RunDir;
pub use state::{HistoryEntry, RunState};
pub use writer::JournalWriter;

/// Errors reading or writing a run directory.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The run directory does not exist.
    #[error("run directory {} does not exist", path.display())]
    MissingRunDir {
        /// The directory asked for.
        path: PathBuf,
    },
    /// The path exists but holds no journal.
    #[error("not a facebench run directory: no {} in {}", RunDir::JOURNAL, path.display())]
    NotARunDir {
        /// The directory asked for.
        path: PathBuf,
    },
    /// A new run directory was asked for where a non-empty one (or a file) already exists.
    #[error("cannot create run directory {}: it already exists and is not empty", path.display())]
    RunDirExists {
        /// The directory asked for.
        path: PathBuf,
    },
    /// An evidence file to attach cannot be read.
    #[error("cannot read attachment {}", path.display())]
    Attachment {
        /// The file as named by the operator.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A file-system operation failed.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done, e.g. `read journal`.
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A journal line that is not the last one does not parse.
    #[error("{}:{line}: corrupt journal line: {message}", path.display())]
    CorruptLine {
        /// The journal file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The serde message.
        message: String,
    },
    /// Another process holds the run directory's lock.
    #[error("run directory {} is in use by {holder}", path.display())]
    InUse {
        /// The run directory.
        path: PathBuf,
        /// Who holds it (pid, host, since, command).
        holder: String,
    },
    /// The run was stopped before its first event: there is nothing to resume.
    #[error(
        "run directory {} was stopped before its run started (its journal has no event): \
         start the run again with --run-dir {} (the directory is reused)",
        path.display(),
        path.display()
    )]
    NeverStarted {
        /// The run directory.
        path: PathBuf,
    },
    /// Journal lines parse but their sequence numbers are not 1, 2, 3, …
    #[error(
        "{}:{line}: {}; the journal was written by two processes at once (or edited): \
         `facebench repair {}` renumbers it in file order and keeps a backup",
        path.display(),
        describe_gap(*expected, *found),
        path.parent().unwrap_or(path).display()
    )]
    SequenceGap {
        /// The journal file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The `seq` that was expected.
        expected: u64,
        /// The `seq` found.
        found: u64,
    },
    /// An event cannot be recorded: it would break the journal's shape or not read back.
    #[error("{}: cannot record {event}: {message}", path.display())]
    Unrecordable {
        /// The journal file.
        path: PathBuf,
        /// The event type, e.g. `item_result`.
        event: &'static str,
        /// Why.
        message: String,
    },
    /// An earlier write or sync failed and could not be undone; the journal must be resumed.
    #[error(
        "{}: journal writer stopped after an earlier write failure; resume the run to continue",
        path.display()
    )]
    WriterBroken {
        /// The journal file.
        path: PathBuf,
    },
    /// The entries do not describe a run (folding them into a [`RunState`] failed).
    #[error("journal entry seq {seq}: {message}")]
    InvalidRun {
        /// Sequence number of the offending entry (0 when there are no entries).
        seq: u64,
        /// What is wrong.
        message: String,
    },
}

/// What is wrong with a sequence number, for [`JournalError::SequenceGap`].
fn describe_gap(expected: u64, found: u64) -> String {
    if found < expected {
        format!("sequence number {found} again (or out of order), expected {expected}")
    } else {
        format!("sequence number {found}, expected {expected} ({found} skips ahead)")
    }
}

impl JournalError {
    /// True when the error lies in what the user named (a wrong, used or damaged run
    /// directory, an evidence file that is not there, a path that is a directory or cannot be
    /// read) rather than in the harness or the machine (a failing disk, an event that cannot be
    /// written).
    pub fn is_input_error(&self) -> bool {
        match self {
            JournalError::MissingRunDir { .. }
            | JournalError::NotARunDir { .. }
            | JournalError::RunDirExists { .. }
            | JournalError::InUse { .. }
            | JournalError::NeverStarted { .. }
            | JournalError::Attachment { .. }
            | JournalError::CorruptLine { .. }
            | JournalError::SequenceGap { .. }
            | JournalError::InvalidRun { .. } => true,
            JournalError::Io { source, .. } => matches!(
                source.kind(),
                io::ErrorKind::NotFound
                    | io::ErrorKind::PermissionDenied
                    | io::ErrorKind::IsADirectory
                    | io::ErrorKind::NotADirectory
                    | io::ErrorKind::InvalidData
            ),
            JournalError::Unrecordable { .. } | JournalError::WriterBroken { .. } => false,
        }
    }

    /// Wraps an I/O error with what was being done and to which path.
    fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> JournalError {
        JournalError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
