//! The run journal: the single source of truth of a run.
//!
//! A run directory ([`RunDir`]) holds `journal.jsonl`, an append-only log of [`Entry`] lines,
//! each synced to disk before [`JournalWriter::record`] returns; `plan.toml`, the snapshot of the
//! plan the run started from; `facebench.log`, the tracing log; and `attachments/`, copies of the
//! evidence files the operator named. [`JournalReader`] reads it back, tolerating (and
//! reporting) a truncated last line left by a crash, and [`RunState`] folds the entries into the
//! latest result per item. Reports and resume read nothing else.

pub mod event;
mod state;

pub use event::{Entry, ItemResult, MeasuredSeries, ResultSource, RunEvent, JOURNAL_FORMAT};
pub use state::RunState;

/// Errors reading or writing a run directory.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Placeholder until the journal task lands.
    #[error("journal: {0}")]
    Other(String),
}
