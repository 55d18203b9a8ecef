//! The events a run journal records, one JSON object per line.
//!
//! Format version [`JOURNAL_FORMAT`]. Each line is an [`Entry`]: a sequence number, a UTC stamp,
//! a monotonic offset from the start of the run (or of the resumed session), and one [`RunEvent`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::{CriterionOutcome, Verdict};
use crate::unit::Unit;

/// Journal format version, written in [`RunEvent::RunStarted`].
///
/// - 1: one unit (`unit` in `run_started`), results without a sample number.
/// - 2: several units (`units`), each result names its `sample` and the unit's `device_sn`.
///   Format-1 journals read as format 2 with one sample.
pub const JOURNAL_FORMAT: u32 = 2;

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

/// The outcome of one item on one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    /// Item id.
    pub item: String,
    /// Which unit of the run: 1 for the first `--unit` (and for every result of a format-1
    /// journal).
    #[serde(default = "first_sample")]
    pub sample: u32,
    /// That unit's device serial number, so every result names its unit on its own line
    /// (empty in format-1 journals).
    #[serde(default)]
    pub device_sn: String,
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
        /// The units under test, sample 1 first (format 1 wrote one `unit`).
        #[serde(alias = "unit", deserialize_with = "one_or_more_units")]
        units: Vec<Unit>,
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

fn first_sample() -> u32 {
    1
}

/// Reads `units` (a list) or format 1's `unit` (one table).
fn one_or_more_units<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Unit>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMore {
        One(Box<Unit>),
        More(Vec<Unit>),
    }
    Ok(match OneOrMore::deserialize(d)? {
        OneOrMore::One(unit) => vec![*unit],
        OneOrMore::More(units) => units,
    })
}
