//! The rows a run folder gives the history, derived from its journal alone.
//!
//! [`RunRows::after`] folds every entry (for the run header: units, sessions, status, overall
//! verdict) and turns the entries after a watermark into rows: attempts, results with their
//! measurement summaries and criterion outcomes, and corrections (a `facebench record` result
//! that replaces an earlier one: who, why, old → new). Nothing here touches a database, so what
//! is indexed is a pure function of the journal.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};

use sha2::{Digest, Sha256};

use crate::journal::{Entry, ItemResult, JournalError, ResultSource, RunDir, RunEvent, RunState};
use crate::judge::Verdict;

/// The run header: one row of `runs`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunHeader {
    /// Stable id: the first 16 hex digits of the SHA-256 of the journal's first line, so the
    /// same run keeps its id wherever its folder is moved.
    pub run_id: String,
    /// The run folder as indexed.
    pub run_dir: String,
    /// Test PC.
    pub host: String,
    /// Station name.
    pub station: String,
    /// Standard id.
    pub standard: String,
    /// Plan file as given at start.
    pub plan_path: String,
    /// SHA-256 of the plan in force.
    pub plan_sha256: String,
    /// facebench version that started the run.
    pub facebench_version: String,
    /// Sample 1's vendor, model and device type.
    pub vendor: String,
    /// Sample 1's model.
    pub model: String,
    /// Sample 1's device type.
    pub device_type: String,
    /// First entry, RFC 3339 UTC.
    pub started_utc: String,
    /// Last entry.
    pub last_utc: String,
    /// When the run finished or was stopped (`None` while it runs or after a kill).
    pub ended_utc: Option<String>,
    /// `finished`, `stopped` or `unfinished`.
    pub status: &'static str,
    /// The worst latest result over every item and sample (`None` before the first result).
    pub verdict: Option<Verdict>,
    /// 1 + resumes.
    pub sessions: u32,
    /// Sequence number of the last entry: the watermark once these rows are written.
    pub last_seq: u64,
}

/// One unit under test.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    /// Sample number, from 1.
    pub sample: u32,
    /// The unit.
    pub unit: crate::unit::Unit,
}

/// An `item_started` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRow {
    /// Item id.
    pub item: String,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// Journal sequence number.
    pub seq: u64,
    /// When it started.
    pub started_utc: String,
}

/// An `item_result` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    /// Journal sequence number.
    pub seq: u64,
    /// The attempt it belongs to (attempts started so far; 0 for a result entered without one).
    pub attempt: u32,
    /// When it was recorded.
    pub recorded_utc: String,
    /// The result.
    pub result: ItemResult,
    /// The verdict it replaced, when it is a `facebench record` correction.
    pub corrects: Option<Verdict>,
}

/// A measurement's summary.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Values.
    pub count: u64,
    /// Smallest.
    pub min: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Last value.
    pub last: Option<f64>,
}

impl Summary {
    /// Summarises finite values (others are left out).
    pub fn of(values: impl IntoIterator<Item = f64>) -> Summary {
        let mut summary = Summary::default();
        let mut sum = 0.0;
        for value in values.into_iter().filter(|v| v.is_finite()) {
            summary.count += 1;
            sum += value;
            summary.min = Some(summary.min.map_or(value, |m| m.min(value)));
            summary.max = Some(summary.max.map_or(value, |m| m.max(value)));
            summary.last = Some(value);
        }
        if summary.count > 0 {
            summary.mean = Some(sum / summary.count as f64);
        }
        summary
    }
}

/// What a journal gives the history after a watermark.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRows {
    /// The header, from every entry.
    pub header: RunHeader,
    /// Every unit.
    pub units: Vec<UnitRow>,
    /// Attempts started after the watermark.
    pub attempts: Vec<AttemptRow>,
    /// Results recorded after the watermark.
    pub results: Vec<ResultRow>,
    /// For every item and sample with a result after the watermark: the seq of its latest.
    pub latest: BTreeMap<(String, u32), u64>,
}

impl RunRows {
    /// The rows of `entries` (a whole journal of the run in `dir`) after sequence number
    /// `after` (0: all of them).
    pub fn after(
        run_id: String,
        dir: &RunDir,
        entries: &[Entry],
        after: u64,
    ) -> Result<RunRows, JournalError> {
        let state = RunState::from_entries(entries)?;
        let header = header(run_id, dir, entries, &state);
        let units = state
            .samples()
            .map(|(sample, unit)| UnitRow {
                sample,
                unit: unit.clone(),
            })
            .collect();
        let mut attempts_so_far: BTreeMap<&str, u32> = BTreeMap::new();
        let mut previous: BTreeMap<(&str, u32), Verdict> = BTreeMap::new();
        let mut rows = RunRows {
            header,
            units,
            attempts: Vec::new(),
            results: Vec::new(),
            latest: BTreeMap::new(),
        };
        let mut touched: BTreeSet<(String, u32)> = BTreeSet::new();
        for entry in entries {
            let new = entry.seq > after;
            match &entry.event {
                RunEvent::ItemStarted { item, attempt } => {
                    let count = attempts_so_far.entry(item).or_default();
                    *count += 1;
                    if new {
                        rows.attempts.push(AttemptRow {
                            item: item.clone(),
                            attempt: (*attempt).max(*count),
                            seq: entry.seq,
                            started_utc: utc(&entry.utc),
                        });
                    }
                }
                RunEvent::ItemResult(result) => {
                    let key = (result.item.as_str(), result.sample);
                    let earlier = previous.insert(key, result.verdict);
                    if new {
                        touched.insert((result.item.clone(), result.sample));
                        rows.results.push(ResultRow {
                            seq: entry.seq,
                            attempt: attempts_so_far
                                .get(result.item.as_str())
                                .copied()
                                .unwrap_or(0),
                            recorded_utc: utc(&entry.utc),
                            result: result.clone(),
                            corrects: earlier.filter(|_| result.source == ResultSource::Record),
                        });
                    }
                }
                _ => {}
            }
        }
        let mut latest_seq: BTreeMap<(&str, u32), u64> = BTreeMap::new();
        for entry in entries {
            if let RunEvent::ItemResult(result) = &entry.event {
                latest_seq.insert((result.item.as_str(), result.sample), entry.seq);
            }
        }
        rows.latest = touched
            .into_iter()
            .filter_map(|(item, sample)| {
                let seq = *latest_seq.get(&(item.as_str(), sample))?;
                Some(((item, sample), seq))
            })
            .collect();
        Ok(rows)
    }
}

/// The header row of a run.
fn header(run_id: String, dir: &RunDir, entries: &[Entry], state: &RunState) -> RunHeader {
    let host = match entries.first().map(|e| &e.event) {
        Some(RunEvent::RunStarted { host, .. }) => host.clone(),
        _ => String::new(),
    };
    let last_session = entries
        .iter()
        .rev()
        .take_while(|e| !matches!(e.event, RunEvent::RunResumed { .. }));
    let mut ended = None;
    let mut stopped = false;
    for entry in last_session {
        match entry.event {
            RunEvent::RunFinished { .. } | RunEvent::RunStopped { .. } if ended.is_none() => {
                ended = Some(utc(&entry.utc));
                stopped = matches!(entry.event, RunEvent::RunStopped { .. });
            }
            RunEvent::ItemStarted { .. } if ended.is_none() => break,
            _ => {}
        }
    }
    let status = if state.finished {
        "finished"
    } else if stopped {
        "stopped"
    } else {
        "unfinished"
    };
    let first = state.first_unit();
    RunHeader {
        run_id,
        run_dir: dir.path().display().to_string(),
        host,
        station: state.station.clone(),
        standard: state.standard.clone(),
        plan_path: state.plan_path.clone(),
        plan_sha256: state.plan_sha256.clone(),
        facebench_version: state.facebench_version.clone(),
        vendor: first.vendor.clone(),
        model: first.model.clone(),
        device_type: first.device_type.clone(),
        started_utc: utc(&state.started_utc),
        last_utc: utc(&state.last_utc),
        ended_utc: if status == "unfinished" { None } else { ended },
        status,
        verdict: Verdict::worst(
            state
                .results
                .values()
                .flat_map(|by_sample| by_sample.values().map(|r| r.verdict)),
        ),
        sessions: state.sessions,
        last_seq: state.last_seq,
    }
}

/// A time as stored: RFC 3339 UTC with milliseconds, which sorts in time order as text.
pub fn utc(time: &chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A verdict as stored: its journal spelling (`pass`, `no-pass`, `na`, `not-tested`, `error`).
pub fn verdict_key(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::NoPass => "no-pass",
        Verdict::NotApplicable => "na",
        Verdict::NotTested => "not-tested",
        Verdict::Error => "error",
    }
}

/// A result source as stored: its journal spelling.
pub fn source_key(source: ResultSource) -> &'static str {
    match source {
        ResultSource::Measured => "measured",
        ResultSource::Operator => "operator",
        ResultSource::Answers => "answers",
        ResultSource::Record => "record",
        ResultSource::Runner => "runner",
    }
}

/// The id of the run in `dir`: see [`RunHeader::run_id`].
pub fn run_id(dir: &RunDir) -> Result<String, JournalError> {
    let path = dir.journal_path();
    let file = std::fs::File::open(&path).map_err(|source| JournalError::Io {
        action: "read journal",
        path: path.clone(),
        source,
    })?;
    let mut first = Vec::new();
    BufReader::new(file)
        .read_until(b'\n', &mut first)
        .map_err(|source| JournalError::Io {
            action: "read journal",
            path,
            source,
        })?;
    let digest = Sha256::digest(first.strip_suffix(b"\n").unwrap_or(&first));
    Ok(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_skips_non_finite_values() {
        let summary = Summary::of([2.0, f64::NAN, 4.0, 3.0]);
        assert_eq!(summary.count, 3);
        assert_eq!((summary.min, summary.max), (Some(2.0), Some(4.0)));
        assert_eq!((summary.mean, summary.last), (Some(3.0), Some(3.0)));
        assert_eq!(Summary::of([]).mean, None);
    }
}
