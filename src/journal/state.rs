//! The state of a run, folded from its journal entries.

use std::collections::BTreeMap;

use serde::Serialize;

use super::event::{Entry, ItemResult};
use crate::unit::Unit;

/// What the journal says about a run: the start record, the latest result of every item with
/// its history, and where the run stopped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunState {
    /// facebench version that started the run.
    pub facebench_version: String,
    /// Plan path as given at start.
    pub plan_path: String,
    /// SHA-256 of the plan snapshot.
    pub plan_sha256: String,
    /// Standard id.
    pub standard: String,
    /// Unit under test.
    pub unit: Unit,
    /// Station name.
    pub station: String,
    /// UTC time of the first entry.
    pub started_utc: chrono::DateTime<chrono::Utc>,
    /// UTC time of the last entry.
    pub last_utc: chrono::DateTime<chrono::Utc>,
    /// Latest result per item id.
    pub results: BTreeMap<String, ItemResult>,
    /// Every result per item id, oldest first (corrections and re-runs included).
    pub history: BTreeMap<String, Vec<ItemResult>>,
    /// Attempts started per item id.
    pub attempts: BTreeMap<String, u32>,
    /// An item that was started but has no result after its last start (killed mid-item).
    pub interrupted: Option<String>,
    /// Number of sessions (1 + resumes).
    pub sessions: u32,
    /// True once a `run_finished` entry is the latest session's last word.
    pub finished: bool,
    /// Sequence number of the last entry.
    pub last_seq: u64,
}

impl RunState {
    /// Folds journal entries (first entry must be `run_started`).
    pub fn from_entries(entries: &[Entry]) -> Result<RunState, super::JournalError> {
        let _ = entries;
        todo!("implemented in the journal task")
    }
}
