//! The state of a run, folded from its journal entries.

use std::collections::BTreeMap;

use serde::Serialize;

use super::event::{Entry, ItemResult, RunEvent};
use super::JournalError;
use crate::unit::Unit;

/// What the journal says about a run: the start record, the latest result of every item on
/// every sample with its history, and where the run stopped.
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
    /// The units under test, sample 1 first.
    pub units: Vec<Unit>,
    /// Station name.
    pub station: String,
    /// UTC time of the first entry.
    pub started_utc: chrono::DateTime<chrono::Utc>,
    /// UTC time of the last entry.
    pub last_utc: chrono::DateTime<chrono::Utc>,
    /// Latest result per item id and sample number.
    pub results: BTreeMap<String, BTreeMap<u32, ItemResult>>,
    /// Every result per item id, all samples, oldest first (corrections and re-runs included),
    /// each with the time the journal recorded it.
    pub history: BTreeMap<String, Vec<HistoryEntry>>,
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

/// One result of an item's history and when the journal recorded it. It reads as the result
/// it holds (`entry.verdict`, `entry.sample`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// UTC time of the journal entry.
    pub recorded_utc: chrono::DateTime<chrono::Utc>,
    /// The result.
    #[serde(flatten)]
    pub result: ItemResult,
}

impl std::ops::Deref for HistoryEntry {
    type Target = ItemResult;

    fn deref(&self) -> &ItemResult {
        &self.result
    }
}

impl RunState {
    /// Folds journal entries into the state of the run. The first entry must be `run_started`,
    /// and it may not appear again.
    ///
    /// The rules, in the order entries come:
    /// - `item_result`: becomes the latest result of its item on its sample (a re-run or a
    ///   `facebench record` correction is simply a later one) and is appended to the item's
    ///   history. Its sample must be one of the run's units.
    /// - `item_started`: counts one attempt of the item.
    /// - `interrupted` is the most recently started item whose last `item_started` has no later
    ///   `item_result`.
    /// - `sessions` is 1 plus the number of `run_resumed`; a resume that accepted a changed
    ///   plan makes its `plan_sha256` the one in force.
    /// - `finished` is set by `run_finished` and cleared by a later `run_resumed` or
    ///   `item_started`; a later correction (`item_result`) or `run_stopped` leaves it alone.
    pub fn from_entries(entries: &[Entry]) -> Result<RunState, JournalError> {
        let Some((first, rest)) = entries.split_first() else {
            return Err(JournalError::InvalidRun {
                seq: 0,
                message: "the journal has no entries".into(),
            });
        };
        let mut state = RunState::started(first)?;
        let mut open_starts: BTreeMap<&str, u64> = BTreeMap::new();
        for entry in rest {
            match &entry.event {
                RunEvent::RunStarted { .. } => {
                    return Err(JournalError::InvalidRun {
                        seq: entry.seq,
                        message: "run_started appears again after the first entry".into(),
                    })
                }
                RunEvent::RunResumed {
                    plan_sha256,
                    plan_changed,
                    ..
                } => {
                    state.sessions += 1;
                    state.finished = false;
                    if *plan_changed {
                        state.plan_sha256.clone_from(plan_sha256);
                    }
                }
                RunEvent::ItemStarted { item, .. } => {
                    *state.attempts.entry(item.clone()).or_default() += 1;
                    open_starts.insert(item, entry.seq);
                    state.finished = false;
                }
                RunEvent::ItemResult(result) => {
                    if result.sample == 0 || result.sample as usize > state.units.len() {
                        return Err(JournalError::InvalidRun {
                            seq: entry.seq,
                            message: format!(
                                "item_result for {} names sample {}; the run has {} unit(s)",
                                result.item,
                                result.sample,
                                state.units.len()
                            ),
                        });
                    }
                    open_starts.remove(result.item.as_str());
                    state
                        .history
                        .entry(result.item.clone())
                        .or_default()
                        .push(HistoryEntry {
                            recorded_utc: entry.utc,
                            result: result.clone(),
                        });
                    state
                        .results
                        .entry(result.item.clone())
                        .or_default()
                        .insert(result.sample, result.clone());
                }
                RunEvent::RunStopped { .. } => {}
                RunEvent::RunFinished { .. } => state.finished = true,
            }
            state.last_utc = entry.utc;
            state.last_seq = entry.seq;
        }
        state.interrupted = open_starts
            .into_iter()
            .max_by_key(|(_, seq)| *seq)
            .map(|(item, _)| item.to_string());
        Ok(state)
    }

    /// The unit tested as `sample` (from 1).
    pub fn unit(&self, sample: u32) -> Option<&Unit> {
        self.units.get((sample as usize).checked_sub(1)?)
    }

    /// The first unit of the run (every run has one).
    pub fn first_unit(&self) -> &Unit {
        &self.units[0]
    }

    /// The units with their sample numbers, sample 1 first.
    pub fn samples(&self) -> impl Iterator<Item = (u32, &Unit)> {
        (1..).zip(&self.units)
    }

    /// The latest result of `item` on `sample`.
    pub fn result(&self, item: &str, sample: u32) -> Option<&ItemResult> {
        self.results.get(item)?.get(&sample)
    }

    /// The state right after the `run_started` entry.
    fn started(first: &Entry) -> Result<RunState, JournalError> {
        let RunEvent::RunStarted {
            facebench_version,
            plan_path,
            plan_sha256,
            standard,
            units,
            station,
            ..
        } = &first.event
        else {
            return Err(JournalError::InvalidRun {
                seq: first.seq,
                message: format!(
                    "the first entry is {}, expected run_started",
                    first.event.kind()
                ),
            });
        };
        if units.is_empty() {
            return Err(JournalError::InvalidRun {
                seq: first.seq,
                message: "run_started names no unit".into(),
            });
        }
        Ok(RunState {
            facebench_version: facebench_version.clone(),
            plan_path: plan_path.clone(),
            plan_sha256: plan_sha256.clone(),
            standard: standard.clone(),
            units: units.clone(),
            station: station.clone(),
            started_utc: first.utc,
            last_utc: first.utc,
            results: BTreeMap::new(),
            history: BTreeMap::new(),
            attempts: BTreeMap::new(),
            interrupted: None,
            sessions: 1,
            finished: false,
            last_seq: first.seq,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::event::ResultSource;
    use crate::journal::fixtures::{every_event, item_result, item_started, result, run_started};
    use crate::judge::Verdict;

    fn entries(events: Vec<RunEvent>) -> Vec<Entry> {
        events
            .into_iter()
            .zip(1..)
            .map(|(event, seq)| Entry {
                seq,
                utc: chrono::DateTime::UNIX_EPOCH + chrono::Duration::seconds(seq as i64),
                mono_ms: seq * 1000,
                event,
            })
            .collect()
    }

    #[test]
    fn the_start_record_fills_the_header() {
        let state = RunState::from_entries(&entries(vec![run_started()])).unwrap();
        assert_eq!(state.standard, "gb");
        assert_eq!(state.units[0].vendor, "Acme");
        assert_eq!(state.unit(1), state.units.first());
        assert_eq!(state.unit(0), None);
        assert_eq!(state.station, "sim");
        assert_eq!(state.sessions, 1);
        assert_eq!(state.last_seq, 1);
        assert_eq!(state.started_utc, state.last_utc);
        assert!(!state.finished);
        assert!(state.results.is_empty());
    }

    #[test]
    fn the_latest_result_wins_and_history_keeps_all() {
        let correction = result("1.1", Verdict::Pass, ResultSource::Record);
        let state = RunState::from_entries(&entries(vec![
            run_started(),
            item_started("1.1", 1),
            item_result("1.1", Verdict::NoPass),
            item_started("1.1", 2),
            item_result("1.1", Verdict::NoPass),
            RunEvent::ItemResult(correction.clone()),
        ]))
        .unwrap();
        assert_eq!(state.result("1.1", 1), Some(&correction));
        assert_eq!(state.history["1.1"].len(), 3);
        assert_eq!(state.history["1.1"][0].verdict, Verdict::NoPass);
        assert_eq!(state.attempts["1.1"], 2);
        assert_eq!(state.interrupted, None);
        assert_eq!(state.last_seq, 6);
    }

    #[test]
    fn an_item_started_without_a_later_result_is_interrupted() {
        let state = RunState::from_entries(&entries(vec![
            run_started(),
            item_started("1.1", 1),
            item_result("1.1", Verdict::Pass),
            item_started("1.2", 1),
            item_started("1.1", 2),
        ]))
        .unwrap();
        assert_eq!(state.interrupted.as_deref(), Some("1.1"));
        assert_eq!(state.attempts["1.2"], 1);
        assert_eq!(state.result("1.1", 1).unwrap().verdict, Verdict::Pass);
    }

    #[test]
    fn sessions_finished_and_plan_hash_follow_resumes() {
        let state = RunState::from_entries(&entries(every_event())).unwrap();
        assert_eq!(state.sessions, 2);
        assert!(state.finished);
        assert_eq!(state.plan_sha256, "bb".repeat(32));
        assert_eq!(state.facebench_version, "0.1.0");

        let mut events = every_event();
        events.push(result_event_correction());
        assert!(
            RunState::from_entries(&entries(events.clone()))
                .unwrap()
                .finished
        );
        events.push(item_started("1.1", 2));
        assert!(!RunState::from_entries(&entries(events)).unwrap().finished);
    }

    fn result_event_correction() -> RunEvent {
        RunEvent::ItemResult(result("1.1", Verdict::NoPass, ResultSource::Record))
    }

    #[test]
    fn a_journal_must_start_with_one_run_started() {
        let err = RunState::from_entries(&[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "journal entry seq 0: the journal has no entries"
        );

        let err = RunState::from_entries(&entries(vec![item_started("1.1", 1)])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "journal entry seq 1: the first entry is item_started, expected run_started"
        );

        let err = RunState::from_entries(&entries(vec![run_started(), run_started()])).unwrap_err();
        assert!(matches!(err, JournalError::InvalidRun { seq: 2, .. }));
    }

    #[test]
    fn results_are_kept_per_sample_and_a_result_for_an_unknown_sample_is_refused() {
        let mut second = result("1.1", Verdict::NoPass, ResultSource::Measured);
        second.sample = 2;
        let mut first_event = run_started();
        if let RunEvent::RunStarted { units, .. } = &mut first_event {
            let mut other = units[0].clone();
            other.device_sn = "ACME0000000000000000002".into();
            units.push(other);
        }
        let state = RunState::from_entries(&entries(vec![
            first_event.clone(),
            item_started("1.1", 1),
            item_result("1.1", Verdict::Pass),
            RunEvent::ItemResult(second.clone()),
        ]))
        .unwrap();
        assert_eq!(state.samples().count(), 2);
        assert_eq!(state.result("1.1", 1).unwrap().verdict, Verdict::Pass);
        assert_eq!(state.result("1.1", 2), Some(&second));
        assert_eq!(state.history["1.1"].len(), 2);

        second.sample = 3;
        let err = RunState::from_entries(&entries(vec![first_event, RunEvent::ItemResult(second)]))
            .unwrap_err();
        assert!(
            matches!(err, JournalError::InvalidRun { seq: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_format_1_journal_reads_as_one_sample() {
        let line = r#"{"seq":1,"utc":"2026-01-01T00:00:00Z","mono_ms":0,"type":"run_started",
            "format":1,"facebench_version":"0.1.0","plan_path":"p.toml","plan_sha256":"aa",
            "standard":"gb","unit":{"vendor":"Acme","model":"FP-1","device_type":"face-pos",
            "device_sn":"ACME0000000000000000001","camera_sn":"C","features":{"wifi":false,
            "bluetooth":false,"cellular_4g":false},"lab":"","operator":""},"station":"sim",
            "host":""}"#;
        let result = r#"{"seq":2,"utc":"2026-01-01T00:00:01Z","mono_ms":1,"type":"item_result",
            "item":"1.1","verdict":"pass","source":"measured","operator":""}"#;
        let entries: Vec<Entry> = [line, result]
            .iter()
            .map(|l| serde_json::from_str(&l.replace('\n', "")).unwrap())
            .collect();
        let state = RunState::from_entries(&entries).unwrap();
        assert_eq!(state.units.len(), 1);
        assert_eq!(state.result("1.1", 1).unwrap().device_sn, "");
    }
}
