//! The events a run journal records, one JSON object per line.
//!
//! Format version [`JOURNAL_FORMAT`]. Each line is an [`Entry`]: a sequence number, a UTC stamp,
//! a monotonic offset from the start of the run (or of the resumed session), and one [`RunEvent`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::{CriterionOutcome, Verdict};
use crate::unit::Unit;

/// Journal format version, written in [`RunEvent::RunStarted`].
pub const JOURNAL_FORMAT: u32 = 1;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 1-based sequence number, strictly increasing across sessions of a run.
    pub seq: u64,
    /// Wall-clock time (UTC) when the event was recorded.
    pub utc: DateTime<Utc>,
    /// Monotonic milliseconds since this session of the run started.
    pub mono_ms: u64,
    /// The event.
    #[serde(flatten)]
    pub event: RunEvent,
}

/// Where a result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResultSource {
    /// Measured by the runner from rigs or the camera.
    Measured,
    /// Entered by the operator at the prompt.
    Operator,
    /// Taken from an answers file.
    Answers,
    /// Entered or corrected afterwards with `facebench record`.
    Record,
    /// Decided by the runner without running (no rig configured, not applicable, skipped).
    Runner,
}

/// A measured series of one measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuredSeries {
    /// Measurement name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Values in order (one value for a manual reading).
    pub values: Vec<f64>,
}

/// The outcome of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    /// Item id.
    pub item: String,
    /// The item verdict (worst of its criteria and the operator's judgement).
    pub verdict: Verdict,
    /// Where the result came from.
    pub source: ResultSource,
    /// Who entered or ran it.
    pub operator: String,
    /// Measurements taken.
    #[serde(default)]
    pub measurements: Vec<MeasuredSeries>,
    /// Criterion outcomes.
    #[serde(default)]
    pub criteria: Vec<CriterionOutcome>,
    /// The operator's own judgement, where a prompt asked for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_verdict: Option<Verdict>,
    /// Why the verdict is not tested / NA / error, or why a correction was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Operator note.
    #[serde(default)]
    pub note: String,
    /// Evidence files (paths as given, or relative to the run directory once copied in).
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// Everything a run journal records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunEvent {
    /// First line of every journal.
    RunStarted {
        /// [`JOURNAL_FORMAT`].
        format: u32,
        /// facebench version that started the run.
        facebench_version: String,
        /// Plan file the run was started from, as given.
        plan_path: String,
        /// SHA-256 (hex) of the plan text; the text itself is snapshotted in the run directory.
        plan_sha256: String,
        /// Standard id.
        standard: String,
        /// The unit under test.
        unit: Unit,
        /// Station name (`none` when no rigs are configured).
        station: String,
        /// Host name of the test PC, when known.
        host: String,
    },
    /// A killed or stopped run was continued.
    RunResumed {
        /// facebench version doing the resume.
        facebench_version: String,
        /// SHA-256 of the plan file at resume time.
        plan_sha256: String,
        /// True when the plan had changed and the operator accepted it.
        plan_changed: bool,
        /// Bytes of an incomplete last line dropped on resume, if any.
        truncated_bytes: u64,
    },
    /// An item began (attempt 1, or higher on a re-run).
    ItemStarted {
        /// Item id.
        item: String,
        /// Attempt number, from 1.
        attempt: u32,
    },
    /// An item has a result (new, re-run or corrected).
    ItemResult(ItemResult),
    /// The operator stopped the run; it can be resumed.
    RunStopped {
        /// Why.
        reason: String,
    },
    /// Every selected item has a result.
    RunFinished {
        /// Overall verdict at that moment.
        verdict: Verdict,
    },
}

impl RunEvent {
    /// The event's `type` tag as written in the journal, e.g. `item_result`.
    pub fn kind(&self) -> &'static str {
        match self {
            RunEvent::RunStarted { .. } => "run_started",
            RunEvent::RunResumed { .. } => "run_resumed",
            RunEvent::ItemStarted { .. } => "item_started",
            RunEvent::ItemResult(_) => "item_result",
            RunEvent::RunStopped { .. } => "run_stopped",
            RunEvent::RunFinished { .. } => "run_finished",
        }
    }
}
