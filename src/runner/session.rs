//! A run session: starts or resumes a run directory and executes the plan's items in order on
//! every unit of the run (its samples), recording every outcome in the journal before moving on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use super::evaluate::{evaluate, Evaluation};
use super::operator::{ItemAnswer, Operator, Prompt, Reply};
use super::rigs::dut::evidence_dir;
use super::rigs::{Measurements, RigSet, StepContext, StepError};
use super::steps::{planned_duration, preparation_steps, run_steps, SampleOutcome, StepFailure};
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

/// A run directory opened for writing, with its plan and units.
#[derive(Debug)]
pub struct Session {
    dir: RunDir,
    journal: JournalWriter,
    plan: Plan,
    units: Vec<Unit>,
    rigs: RigSet,
    stop: Arc<AtomicBool>,
    stop_cause: Arc<OnceLock<String>>,
    clock: Arc<dyn Clock>,
    /// (item id, sample) pairs that have a result.
    done: BTreeSet<(String, u32)>,
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
    /// The units under test, sample 1 first (at least one).
    pub units: Vec<Unit>,
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
            units: new.units.clone(),
            station: new.station.clone(),
            host: host_name(),
        })?;
        tracing::info!(run_dir = %new.run_dir.display(), "run started");
        let rigs = open_rigs(&dir, new.units.len())?;
        Ok(Session {
            dir,
            journal,
            plan: new.plan,
            units: new.units,
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
        let rigs = open_rigs(&dir, state.units.len())?;
        let done = state
            .results
            .iter()
            .flat_map(|(item, by_sample)| by_sample.keys().map(|s| (item.clone(), *s)))
            .collect();
        Ok(Session {
            dir,
            journal,
            plan,
            done,
            attempts: state.attempts,
            units: state.units,
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

    /// How many units (samples) the run has.
    pub fn samples(&self) -> usize {
        self.units.len()
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
        let todo: Vec<(&Item, Vec<u32>)> = plan
            .items
            .iter()
            .filter(|i| selection.includes(i))
            .map(|i| (i, self.samples_to_run(i, selection.rerun.contains(&i.id))))
            .filter(|(_, samples)| !samples.is_empty())
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

    /// The samples `item` still has to run on: those without a result, or all on a re-run.
    fn samples_to_run(&self, item: &Item, rerun: bool) -> Vec<u32> {
        (1..=self.units.len() as u32)
            .filter(|s| rerun || !self.done.contains(&(item.id.clone(), *s)))
            .collect()
    }

    /// The unit tested as `sample`.
    fn unit(&self, sample: u32) -> &Unit {
        &self.units[sample as usize - 1]
    }

    /// Runs items in order; the id of the item the operator stopped at, if any.
    fn run_items(
        &mut self,
        todo: &[(&Item, Vec<u32>)],
        operator: &mut dyn Operator,
        observer: &mut dyn RunObserver,
    ) -> Result<Option<String>, RunError> {
        for (item, samples) in todo {
            if self.stop.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(Some(item.id.clone()));
            }
            observer.item_started(item);
            if self
                .run_item(item, samples, operator, observer)?
                .is_stopped()
            {
                return Ok(Some(item.id.clone()));
            }
        }
        Ok(None)
    }

    /// Runs one item on `samples`, recording each sample's result as soon as it is known.
    fn run_item(
        &mut self,
        item: &Item,
        samples: &[u32],
        operator: &mut dyn Operator,
        observer: &mut dyn RunObserver,
    ) -> Result<ItemRun, RunError> {
        let mut to_run = Vec::new();
        for &sample in samples {
            let device_type = &self.unit(sample).device_type;
            if item.applies_to_device(device_type) {
                to_run.push(sample);
                continue;
            }
            let reason = format!("does not apply to device type {device_type}");
            let result = self.decision(item, sample, Verdict::NotApplicable, reason);
            observer.item_finished(&self.record_result(result)?);
        }
        if to_run.is_empty() {
            return Ok(ItemRun::Done);
        }
        if let Some(kind) = item.rigs_needed().into_iter().find(|k| !self.rigs.has(*k)) {
            let reason = format!(
                "needs a {} rig; station `{}` has none configured",
                kind.key(),
                self.rigs.station
            );
            for sample in to_run {
                let result = self.decision(item, sample, Verdict::NotTested, reason.clone());
                observer.item_finished(&self.record_result(result)?);
            }
            return Ok(ItemRun::Done);
        }
        let attempt = self.attempts.get(&item.id).copied().unwrap_or(0) + 1;
        self.attempts.insert(item.id.clone(), attempt);
        self.journal.record(RunEvent::ItemStarted {
            item: item.id.clone(),
            attempt,
        })?;
        let mut prepared = BTreeMap::new();
        let preparation = preparation_steps(item);
        if preparation > 0 {
            for sample in std::mem::take(&mut to_run) {
                let prompt = self.prompt(item, &item.steps[..preparation], attempt, sample);
                match operator.prepare(&prompt)? {
                    None | Some(Reply::NoAnswer) => to_run.push(sample),
                    Some(Reply::Stop) => return Ok(ItemRun::Stopped),
                    Some(Reply::Skip(reason)) => {
                        let result = ItemResult {
                            source: ResultSource::Operator,
                            ..self.decision(item, sample, Verdict::NotTested, skipped(&reason))
                        };
                        observer.item_finished(&self.record_result(result)?);
                    }
                    Some(Reply::Answer(answer)) => {
                        prepared.insert(sample, answer);
                        to_run.push(sample);
                    }
                }
            }
            if to_run.is_empty() {
                return Ok(ItemRun::Done);
            }
        }
        let series_dir = self.dir.series_dir();
        let label_sn = self.unit(to_run[0]).device_sn.clone();
        if let Some(dut) = self.rigs.dut.as_mut() {
            dut.label_sn = Some(label_sn);
        }
        let evidence_dir = evidence_dir(&series_dir, &item.id);
        // Screenshots of an earlier attempt were attached to its results already.
        let _ = std::fs::remove_dir_all(&evidence_dir);
        let ctx = StepContext {
            clock: self.clock.as_ref(),
            series_dir: &series_dir,
            item: &item.id,
            sample: None,
            stop: &self.stop,
        };
        let mut progress = |step: Option<&crate::plan::Step>| match step {
            Some(step) => observer.step_started(item, step, planned_duration(step)),
            None => observer.step_finished(),
        };
        let outcomes = run_steps_guarded(item, &mut self.rigs, ctx, &to_run, &mut progress);
        let stopped = |outcome: &SampleOutcome| matches!(outcome, Err(failure) if matches!(*failure.error, StepError::Stopped));
        if outcomes.iter().any(stopped) {
            return Ok(ItemRun::Stopped);
        }
        let evidence = self.attach_evidence(&item.id, &evidence_dir)?;
        for (sample, outcome) in to_run.into_iter().zip(outcomes) {
            let mut result = match outcome {
                Ok(values) => {
                    let prepared = prepared.remove(&sample);
                    match self.answered_result(item, sample, attempt, values, prepared, operator)? {
                        Some(result) => result,
                        None => return Ok(ItemRun::Stopped),
                    }
                }
                Err(StepFailure { measured, error }) => {
                    let verdict = match *error {
                        StepError::Unsupported(_) | StepError::Rig(RigError::Limit { .. }) => {
                            Verdict::NotTested
                        }
                        _ => Verdict::Error,
                    };
                    tracing::error!(item = %item.id, sample, "rig step failed: {error}");
                    let evaluation = evaluate(item, &measured, None);
                    ItemResult {
                        verdict,
                        reason: Some(error.to_string()),
                        ..self.measured_result(item, sample, evaluation, ResultSource::Measured)
                    }
                }
            };
            result.attachments.extend(evidence.iter().cloned());
            observer.item_finished(&self.record_result(result)?);
        }
        Ok(ItemRun::Done)
    }

    /// Copies the screenshots the item's DUT steps saved into its attachments, once for every
    /// sample's result.
    fn attach_evidence(&self, item: &str, folder: &Path) -> Result<Vec<String>, RunError> {
        let Ok(entries) = std::fs::read_dir(folder) else {
            return Ok(Vec::new());
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        Ok(files
            .iter()
            .map(|path| self.dir.copy_attachment(item, path))
            .collect::<Result<_, _>>()?)
    }

    /// The operator's prompt for `steps` (their prompt steps) of `item` on `sample`.
    fn prompt<'a>(
        &'a self,
        item: &'a Item,
        steps: &'a [crate::plan::Step],
        attempt: u32,
        sample: u32,
    ) -> Prompt<'a> {
        Prompt {
            item,
            steps: steps
                .iter()
                .filter(|s| s.kind == StepKind::Prompt)
                .collect(),
            attempt,
            sample,
            unit: self.unit(sample),
            samples: self.units.len(),
        }
    }

    /// The result of a sample whose steps completed: judged from what was measured, after the
    /// operator answered the item's prompts for this sample (those of its preparation already,
    /// when `prepared` holds their answer); `None` when the operator stopped.
    fn answered_result(
        &mut self,
        item: &Item,
        sample: u32,
        attempt: u32,
        mut values: Measurements,
        prepared: Option<ItemAnswer>,
        operator: &mut dyn Operator,
    ) -> Result<Option<ItemResult>, RunError> {
        let asked = if prepared.is_some() {
            preparation_steps(item)
        } else {
            0
        };
        let mut prompt = self.prompt(item, &item.steps[asked..], attempt, sample);
        // A prompt whose every value a rig measured (the device under test's crash and
        // re-enumeration counts) is not asked.
        prompt.steps.retain(|step| {
            step.verdict
                || step.produces.is_empty()
                || !step.produces.iter().all(|m| values.contains_key(&m.name))
        });
        let source = if operator.is_scripted() {
            ResultSource::Answers
        } else {
            ResultSource::Operator
        };
        if let Some(prepared) = prepared {
            for (name, series) in prepared.values {
                values.entry(name).or_insert(series);
            }
            if prompt.steps.is_empty() {
                let evaluation = evaluate(item, &values, None);
                return Ok(Some(self.measured_result(item, sample, evaluation, source)));
            }
        }
        if prompt.steps.is_empty() {
            let evaluation = evaluate(item, &values, None);
            return Ok(Some(self.measured_result(
                item,
                sample,
                evaluation,
                ResultSource::Measured,
            )));
        }
        let not_tested = |reason: String| ItemResult {
            verdict: Verdict::NotTested,
            reason: Some(reason),
            ..self.measured_result(item, sample, evaluate(item, &values, None), source)
        };
        let result = match operator.answer(&prompt)? {
            Reply::Stop => return Ok(None),
            Reply::Skip(reason) => not_tested(skipped(&reason)),
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
                    ..self.measured_result(item, sample, evaluation, source)
                }
            }
        };
        Ok(Some(result))
    }

    /// A result carrying an evaluation.
    fn measured_result(
        &self,
        item: &Item,
        sample: u32,
        evaluation: Evaluation,
        source: ResultSource,
    ) -> ItemResult {
        let unit = self.unit(sample);
        ItemResult {
            item: item.id.clone(),
            sample,
            device_sn: unit.device_sn.clone(),
            verdict: evaluation.verdict,
            source,
            operator: unit.operator.clone(),
            measurements: evaluation.measurements,
            criteria: evaluation.criteria,
            operator_verdict: None,
            reason: evaluation.reason,
            note: String::new(),
            attachments: Vec::new(),
        }
    }

    /// A result the runner decides without measurements.
    fn decision(&self, item: &Item, sample: u32, verdict: Verdict, reason: String) -> ItemResult {
        let unit = self.unit(sample);
        ItemResult {
            item: item.id.clone(),
            sample,
            device_sn: unit.device_sn.clone(),
            verdict,
            source: ResultSource::Runner,
            operator: unit.operator.clone(),
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
        self.done.insert((result.item.clone(), result.sample));
        tracing::info!(
            item = %result.item,
            sample = result.sample,
            verdict = %result.verdict,
            "item recorded"
        );
        Ok(result)
    }
}

/// The not-tested reason of an item the operator skipped.
fn skipped(reason: &str) -> String {
    format!("skipped by operator: {reason}")
}

/// Whether an item ran to its end or the run was stopped in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ItemRun {
    Done,
    Stopped,
}

impl ItemRun {
    fn is_stopped(self) -> bool {
        self == ItemRun::Stopped
    }
}

/// Runs an item's steps, turning a panic in them into a step failure of every sample: the item
/// is recorded as an error and the run goes on to make the rigs safe, rather than dying with the
/// chamber at its set point and panicking again on every resume.
fn run_steps_guarded(
    item: &Item,
    rigs: &mut RigSet,
    ctx: StepContext<'_>,
    samples: &[u32],
    progress: &mut dyn FnMut(Option<&crate::plan::Step>),
) -> Vec<SampleOutcome> {
    let run = std::panic::AssertUnwindSafe(|| run_steps(item, rigs, ctx, samples, progress));
    std::panic::catch_unwind(run).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(item = %item.id, "a step panicked: {message}");
        let error = Arc::new(StepError::Panicked(format!("a step of {}", item.id)));
        samples
            .iter()
            .map(|_| {
                Err(StepFailure {
                    measured: Measurements::new(),
                    error: Arc::clone(&error),
                })
            })
            .collect()
    })
}

/// The run's overall verdict over the plan's items on every sample (an item without a result
/// on a sample is not tested).
pub fn overall_verdict(plan: &Plan, state: &RunState) -> Verdict {
    let verdicts = plan.items.iter().flat_map(|item| {
        state.samples().map(|(sample, _)| {
            state
                .result(&item.id, sample)
                .map_or(Verdict::NotTested, |r| r.verdict)
        })
    });
    Verdict::worst(verdicts).unwrap_or(Verdict::NotTested)
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_default()
}
