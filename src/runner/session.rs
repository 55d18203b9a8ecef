//! A run session: starts or resumes a run directory and executes the plan's items in order,
//! recording every outcome in the journal before moving on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use super::evaluate::{evaluate, Evaluation};
use super::operator::{Operator, Prompt, Reply};
use super::rigs::{RigSet, StepContext, StepError};
use super::steps::{run_steps, StepFailure};
use super::{RunError, RunObserver};
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::journal::{
    read_journal, ItemResult, JournalWriter, ResultSource, RunDir, RunEvent, RunState,
    JOURNAL_FORMAT,
};
use crate::judge::Verdict;
use crate::plan::{parse_plan, plan_sha256, Item, Plan, StepKind};
use crate::rig::RigError;
use crate::unit::Unit;

/// Kelvin within which the chamber counts as at its safe set point on teardown.
pub const SAFE_STATE_TOLERANCE_K: f64 = 2.0;

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every selected item has a result; the overall verdict of the run so far.
    Finished(Verdict),
    /// The operator stopped; `facebench run --resume` continues.
    Stopped,
}

/// Which items a session runs.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these item ids or sheet keys (empty: all).
    pub only: Vec<String>,
    /// Run these items again even though they have a result.
    pub rerun: Vec<String>,
}

impl Selection {
    fn includes(&self, item: &Item) -> bool {
        self.only.is_empty()
            || self
                .only
                .iter()
                .any(|k| k == &item.id || crate::catalog::Sheet::parse(k) == Some(item.sheet))
    }
}

/// A run directory opened for writing, with its plan and unit.
#[derive(Debug)]
pub struct Session {
    dir: RunDir,
    journal: JournalWriter,
    plan: Plan,
    unit: Unit,
    rigs: RigSet,
    stop: Arc<AtomicBool>,
    stop_cause: Arc<OnceLock<String>>,
    clock: Arc<dyn Clock>,
    done: BTreeSet<String>,
    attempts: BTreeMap<String, u32>,
    truncated_bytes: u64,
}

/// What starting a run needs.
#[derive(Debug)]
pub struct NewRun<'a> {
    /// Run directory to create.
    pub run_dir: &'a Path,
    /// Plan file path as given (recorded so resume can tell an edited plan).
    pub plan_path: &'a Path,
    /// The plan file's text.
    pub plan_text: &'a str,
    /// The resolved plan.
    pub plan: Plan,
    /// The unit under test.
    pub unit: Unit,
    /// Station name.
    pub station: String,
}

/// Opens the station's rigs, with a camera for each of the run's samples, once the run
/// directory exists (wire logs go into it).
pub type OpenRigs<'a> = &'a mut dyn FnMut(&RunDir, usize) -> Result<RigSet, RunError>;

impl Session {
    /// Creates a run directory, snapshots the plan and records `run_started`.
    pub fn start(
        new: NewRun<'_>,
        open_rigs: OpenRigs<'_>,
        clock: Arc<dyn Clock>,
    ) -> Result<Session, RunError> {
        let dir = RunDir::create(new.run_dir)?;
        dir.write_plan_snapshot(new.plan_text)?;
        let mut journal = JournalWriter::create(&dir, Arc::clone(&clock))?;
        journal.record(RunEvent::RunStarted {
            format: JOURNAL_FORMAT,
            facebench_version: env!("CARGO_PKG_VERSION").to_string(),
            plan_path: new.plan_path.display().to_string(),
            plan_sha256: plan_sha256(new.plan_text),
            standard: new.plan.standard.clone(),
            unit: new.unit.clone(),
            station: new.station.clone(),
            host: host_name(),
        })?;
        tracing::info!(run_dir = %new.run_dir.display(), "run started");
        let rigs = open_rigs(&dir, 1)?;
        Ok(Session {
            dir,
            journal,
            plan: new.plan,
            unit: new.unit,
            rigs,
            stop: Arc::new(AtomicBool::new(false)),
            stop_cause: Arc::default(),
            clock,
            done: BTreeSet::new(),
            attempts: BTreeMap::new(),
            truncated_bytes: 0,
        })
    }

    /// Reopens a killed or stopped run. Refuses when the plan file it started from has changed,
    /// unless `accept_plan_change`, in which case the new plan is snapshotted and used.
    pub fn resume(
        run_dir: &Path,
        catalog: &Catalog,
        accept_plan_change: bool,
        open_rigs: OpenRigs<'_>,
        clock: Arc<dyn Clock>,
    ) -> Result<Session, RunError> {
        let dir = RunDir::open(run_dir)?;
        let (mut journal, contents) = JournalWriter::resume(&dir, Arc::clone(&clock))?;
        let state = RunState::from_entries(&contents.entries)?;
        let truncated_bytes = contents.truncated_tail.as_ref().map_or(0, |t| t.bytes);
        if let Some(tail) = &contents.truncated_tail {
            tracing::warn!(
                line = tail.line,
                bytes = tail.bytes,
                "dropped a truncated journal line"
            );
        }
        let snapshot = dir.read_plan_snapshot()?;
        let snapshot_origin = dir.plan_snapshot_path().display().to_string();
        let (plan_text, origin, changed) = match std::fs::read_to_string(&state.plan_path) {
            Ok(current) if plan_sha256(&current) != plan_sha256(&snapshot) => {
                if !accept_plan_change {
                    return Err(RunError::PlanChanged {
                        plan_path: PathBuf::from(&state.plan_path),
                        run_dir: run_dir.to_path_buf(),
                    });
                }
                dir.replace_plan_snapshot(&current)?;
                (current, state.plan_path.clone(), true)
            }
            _ => (snapshot, snapshot_origin, false),
        };
        let plan = parse_plan(&plan_text, &origin, catalog)?;
        journal.record(RunEvent::RunResumed {
            facebench_version: env!("CARGO_PKG_VERSION").to_string(),
            plan_sha256: plan_sha256(&plan_text),
            plan_changed: changed,
            truncated_bytes,
        })?;
        tracing::info!(run_dir = %run_dir.display(), done = state.results.len(), "run resumed");
        let rigs = open_rigs(&dir, 1)?;
        Ok(Session {
            dir,
            journal,
            plan,
            done: state.results.keys().cloned().collect(),
            attempts: state.attempts,
            unit: state.unit,
            rigs,
            stop: Arc::new(AtomicBool::new(false)),
            stop_cause: Arc::default(),
            clock,
            truncated_bytes,
        })
    }

    /// The run directory.
    pub fn dir(&self) -> &RunDir {
        &self.dir
    }

    /// The plan in use.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The flag that stops the run at the next poll of a rig step (set it from a Ctrl-C handler).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// Who or what stopped the run (e.g. `SIGTERM`), set before the stop flag by whoever sets it;
    /// the first cause stays. Without one, a stopped run is recorded as stopped by the operator.
    pub fn stop_cause(&self) -> Arc<OnceLock<String>> {
        Arc::clone(&self.stop_cause)
    }

    /// Bytes of a truncated journal line dropped when this session resumed (0 if none).
    pub fn truncated_bytes(&self) -> u64 {
        self.truncated_bytes
    }

    /// Runs the selected items that have no result yet (and those asked to re-run), in plan order.
    pub fn run(
        &mut self,
        operator: &mut dyn Operator,
        observer: &mut dyn RunObserver,
        selection: &Selection,
    ) -> Result<RunOutcome, RunError> {
        let plan = self.plan.clone();
        let todo: Vec<&Item> = plan
            .items
            .iter()
            .filter(|i| selection.includes(i))
            .filter(|i| !self.done.contains(&i.id) || selection.rerun.contains(&i.id))
            .collect();
        observer.run_started(todo.len());
        let outcome = self.run_items(&todo, operator, observer);
        if let Err(error) = self
            .rigs
            .make_safe(self.clock.as_ref(), SAFE_STATE_TOLERANCE_K)
        {
            tracing::error!("could not leave the chamber in its safe state: {error}");
        }
        if let Some(stopped_at) = outcome? {
            let reason = match self.stop_cause.get() {
                Some(cause) => format!("stopped by {cause} at {stopped_at}"),
                None => format!("operator stopped at {stopped_at}"),
            };
            self.journal.record(RunEvent::RunStopped { reason })?;
            return Ok(RunOutcome::Stopped);
        }
        let state = RunState::from_entries(&read_journal(&self.dir)?.entries)?;
        let verdict = overall_verdict(&self.plan, &state);
        self.journal.record(RunEvent::RunFinished { verdict })?;
        Ok(RunOutcome::Finished(verdict))
    }

    /// Runs items in order; the id of the item the operator stopped at, if any.
    fn run_items(
        &mut self,
        todo: &[&Item],
        operator: &mut dyn Operator,
        observer: &mut dyn RunObserver,
    ) -> Result<Option<String>, RunError> {
        for item in todo {
            if self.stop.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(Some(item.id.clone()));
            }
            observer.item_started(item);
            match self.run_item(item, operator)? {
                Some(result) => observer.item_finished(&result),
                None => return Ok(Some(item.id.clone())),
            }
        }
        Ok(None)
    }

    /// Runs one item; `None` when the operator stopped the run.
    fn run_item(
        &mut self,
        item: &Item,
        operator: &mut dyn Operator,
    ) -> Result<Option<ItemResult>, RunError> {
        if !item.applies_to_device(&self.unit.device_type) {
            let reason = format!("does not apply to device type {}", self.unit.device_type);
            return self
                .record_decision(item, Verdict::NotApplicable, reason)
                .map(Some);
        }
        if let Some(kind) = item.rigs_needed().into_iter().find(|k| !self.rigs.has(*k)) {
            let reason = format!(
                "needs a {} rig; station `{}` has none configured",
                kind.key(),
                self.rigs.station
            );
            return self
                .record_decision(item, Verdict::NotTested, reason)
                .map(Some);
        }
        let attempt = self.attempts.get(&item.id).copied().unwrap_or(0) + 1;
        self.attempts.insert(item.id.clone(), attempt);
        self.journal.record(RunEvent::ItemStarted {
            item: item.id.clone(),
            attempt,
        })?;
        let series_dir = self.dir.series_dir();
        let ctx = StepContext {
            clock: self.clock.as_ref(),
            series_dir: &series_dir,
            item: &item.id,
            stop: &self.stop,
        };
        let mut values = match run_steps_guarded(item, &mut self.rigs, ctx) {
            Ok(measured) => measured,
            Err(StepFailure {
                error: StepError::Stopped,
                ..
            }) => return Ok(None),
            Err(StepFailure { measured, error }) => {
                let verdict = match error {
                    StepError::Unsupported(_) | StepError::Rig(RigError::Limit { .. }) => {
                        Verdict::NotTested
                    }
                    _ => Verdict::Error,
                };
                tracing::error!(item = %item.id, "rig step failed: {error}");
                let evaluation = evaluate(item, &measured, None);
                let result = ItemResult {
                    verdict,
                    reason: Some(error.to_string()),
                    ..self.measured_result(item, evaluation, ResultSource::Measured)
                };
                return self.record_result(result).map(Some);
            }
        };
        let prompt = Prompt {
            item,
            steps: item
                .steps
                .iter()
                .filter(|s| s.kind == StepKind::Prompt)
                .collect(),
            attempt,
        };
        if prompt.steps.is_empty() {
            let result =
                self.measured_result(item, evaluate(item, &values, None), ResultSource::Measured);
            return self.record_result(result).map(Some);
        }
        let source = if operator.is_scripted() {
            ResultSource::Answers
        } else {
            ResultSource::Operator
        };
        let not_tested = |reason: String| ItemResult {
            verdict: Verdict::NotTested,
            reason: Some(reason),
            ..self.measured_result(item, evaluate(item, &values, None), source)
        };
        let result = match operator.answer(&prompt)? {
            Reply::Stop => return Ok(None),
            Reply::Skip(reason) => not_tested(format!("skipped by operator: {reason}")),
            Reply::NoAnswer => ItemResult {
                source: ResultSource::Runner,
                ..not_tested(format!("no answer in {}", operator.source_name()))
            },
            Reply::Answer(answer) => {
                for (name, series) in answer.values {
                    values.entry(name).or_insert(series);
                }
                let evaluation = evaluate(item, &values, answer.verdict);
                let attachments = answer
                    .attachments
                    .iter()
                    .map(|path| self.dir.copy_attachment(&item.id, path))
                    .collect::<Result<Vec<_>, _>>()?;
                ItemResult {
                    operator_verdict: answer.verdict,
                    note: answer.note,
                    attachments,
                    ..self.measured_result(item, evaluation, source)
                }
            }
        };
        self.record_result(result).map(Some)
    }

    /// A result carrying an evaluation.
    fn measured_result(
        &self,
        item: &Item,
        evaluation: Evaluation,
        source: ResultSource,
    ) -> ItemResult {
        ItemResult {
            item: item.id.clone(),
            verdict: evaluation.verdict,
            source,
            operator: self.unit.operator.clone(),
            measurements: evaluation.measurements,
            criteria: evaluation.criteria,
            operator_verdict: None,
            reason: evaluation.reason,
            note: String::new(),
            attachments: Vec::new(),
        }
    }

    fn record_decision(
        &mut self,
        item: &Item,
        verdict: Verdict,
        reason: String,
    ) -> Result<ItemResult, RunError> {
        let result = self.decision(item, verdict, reason);
        self.record_result(result)
    }

    /// A result the runner decides without measurements.
    fn decision(&self, item: &Item, verdict: Verdict, reason: String) -> ItemResult {
        ItemResult {
            item: item.id.clone(),
            verdict,
            source: ResultSource::Runner,
            operator: self.unit.operator.clone(),
            measurements: Vec::new(),
            criteria: Vec::new(),
            operator_verdict: None,
            reason: Some(reason),
            note: String::new(),
            attachments: Vec::new(),
        }
    }

    fn record_result(&mut self, result: ItemResult) -> Result<ItemResult, RunError> {
        self.journal.record(RunEvent::ItemResult(result.clone()))?;
        self.done.insert(result.item.clone());
        tracing::info!(item = %result.item, verdict = %result.verdict, "item recorded");
        Ok(result)
    }
}

/// Runs an item's steps, turning a panic in them into a step failure: the item is recorded as
/// an error and the run goes on to make the rigs safe, rather than dying with the chamber at
/// its set point and panicking again on every resume.
fn run_steps_guarded(
    item: &Item,
    rigs: &mut RigSet,
    ctx: StepContext<'_>,
) -> Result<super::rigs::Measurements, StepFailure> {
    let run = std::panic::AssertUnwindSafe(|| run_steps(item, rigs, ctx));
    std::panic::catch_unwind(run).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(item = %item.id, "a step panicked: {message}");
        Err(StepFailure {
            measured: super::rigs::Measurements::new(),
            error: StepError::Panicked(format!("a step of {}", item.id)),
        })
    })
}

/// The run's overall verdict over the plan's items (an item without a result is not tested).
pub fn overall_verdict(plan: &Plan, state: &RunState) -> Verdict {
    let verdicts = plan.items.iter().map(|item| {
        state
            .results
            .get(&item.id)
            .map_or(Verdict::NotTested, |r| r.verdict)
    });
    Verdict::worst(verdicts).unwrap_or(Verdict::NotTested)
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_default()
}
