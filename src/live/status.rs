//! The run's live status file, `RUN_DIR/live-status.json`: what the runner knows and the journal
//! does not (the step under way with its elapsed and remaining time on the run's clock, the
//! operator prompt waiting). The runner's process writes it through [`StatusRecorder`], whose
//! [`StatusObserver`] and [`StatusOperator`] wrap the run's observer and operator; the live
//! view only reads it.
//!
//! Writes never hold up the run: a change only marks the status dirty, and a writer thread
//! replaces the file atomically ([`write_atomically`]) at most every [`MIN_WRITE_GAP`], and every
//! [`TICK`] while a step runs so its elapsed time moves.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::journal::{write_atomically, ItemResult};
use crate::plan::{Item, Step};
use crate::runner::{Operator, OperatorError, Prompt, Reply, RunObserver};

/// The status file's name in the run directory.
pub const STATUS_FILE: &str = "live-status.json";
/// Shortest real time between two writes of the status file.
pub const MIN_WRITE_GAP: Duration = Duration::from_millis(200);
/// Real time between two writes while a step runs (its elapsed time moves).
pub const TICK: Duration = Duration::from_secs(2);

/// The content of the status file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStatus {
    /// When the runner wrote it (wall clock).
    pub updated_utc: Option<DateTime<Utc>>,
    /// True when the run uses simulated time.
    pub simulated_clock: bool,
    /// The item under way.
    pub item: Option<String>,
    /// The wait or rig step under way.
    pub step: Option<StepStatus>,
    /// The operator prompt waiting for an answer.
    pub prompt: Option<PromptStatus>,
    /// True once the runner's session ended (finished, stopped or failed).
    pub ended: bool,
}

/// A wait or rig step under way, timed on the run's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepStatus {
    /// Its item.
    pub item: String,
    /// The plan's text of the step.
    pub text: String,
    /// Seconds since it began.
    pub elapsed_s: f64,
    /// Seconds the plan gives it, when it says.
    pub planned_s: Option<f64>,
    /// Seconds left of `planned_s`.
    pub remaining_s: Option<f64>,
}

/// A prompt waiting for the operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptStatus {
    /// Its item.
    pub item: String,
    /// The unit it asks about (sample number).
    pub sample: u32,
    /// The prompt steps' texts.
    pub lines: Vec<String>,
}

/// Reads a run directory's status file; `None` when there is none or it cannot be read (a run
/// from before the live view, or one whose runner has not written it yet).
pub fn read_status(run_dir: &Path) -> Option<RunStatus> {
    let text = std::fs::read(run_dir.join(STATUS_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// What the recorder knows; the step's start is kept on the run's clock.
#[derive(Debug, Default)]
struct Known {
    item: Option<String>,
    step: Option<(String, String, Duration, Option<Duration>)>,
    prompt: Option<PromptStatus>,
    ended: bool,
    dirty: bool,
}

#[derive(Debug)]
struct Shared {
    known: Mutex<Known>,
    wake: Condvar,
}

/// Keeps `RUN_DIR/live-status.json` up to date from a writer thread; dropping it writes the
/// final status (`ended`) and stops the thread.
#[derive(Debug)]
pub struct StatusRecorder {
    shared: Arc<Shared>,
    clock: Arc<dyn Clock>,
    writer: Option<JoinHandle<()>>,
}

impl StatusRecorder {
    /// Starts the writer for the run directory `run_dir`, timing steps on `clock`.
    pub fn start(run_dir: &Path, clock: Arc<dyn Clock>, simulated: bool) -> StatusRecorder {
        let shared = Arc::new(Shared {
            known: Mutex::new(Known {
                dirty: true,
                ..Known::default()
            }),
            wake: Condvar::new(),
        });
        let target = run_dir.join(STATUS_FILE);
        let writer = {
            let (shared, clock) = (Arc::clone(&shared), Arc::clone(&clock));
            std::thread::spawn(move || write_loop(&shared, &target, clock.as_ref(), simulated))
        };
        StatusRecorder {
            shared,
            clock,
            writer: Some(writer),
        }
    }

    fn change(&self, apply: impl FnOnce(&mut Known)) {
        let mut known = self
            .shared
            .known
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        apply(&mut known);
        known.dirty = true;
        self.shared.wake.notify_one();
    }

    /// Wraps the run's observer so item and step changes reach the status file.
    pub fn observer<'a>(&'a self, inner: &'a mut dyn RunObserver) -> StatusObserver<'a> {
        StatusObserver {
            recorder: self,
            inner,
        }
    }

    /// Wraps the run's operator so a prompt waiting shows in the status file.
    pub fn operator<'a>(&'a self, inner: &'a mut dyn Operator) -> StatusOperator<'a> {
        StatusOperator {
            recorder: self,
            inner,
        }
    }
}

impl Drop for StatusRecorder {
    fn drop(&mut self) {
        self.change(|known| {
            known.ended = true;
            known.step = None;
            known.prompt = None;
        });
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// Writes whenever the status is dirty (at most every [`MIN_WRITE_GAP`]) and every [`TICK`]
/// while a step runs, until the run ended.
fn write_loop(shared: &Shared, target: &Path, clock: &dyn Clock, simulated: bool) {
    let lock = || shared.known.lock().unwrap_or_else(PoisonError::into_inner);
    let mut last_write: Option<Instant> = None;
    loop {
        let mut known = lock();
        loop {
            let since = last_write.map_or(TICK, |at| at.elapsed());
            if known.dirty || (known.step.is_some() && since >= TICK) {
                break;
            }
            let wait = if known.step.is_some() {
                TICK.saturating_sub(since)
            } else {
                Duration::from_secs(3600)
            };
            known = shared
                .wake
                .wait_timeout(known, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let gap = last_write.map_or(Duration::ZERO, |at| {
            MIN_WRITE_GAP.saturating_sub(at.elapsed())
        });
        if !known.ended && !gap.is_zero() {
            drop(known);
            std::thread::sleep(gap);
            known = lock();
        }
        let status = snapshot(&known, clock, simulated);
        known.dirty = false;
        drop(known);
        let written = write_atomically(
            target,
            |file| {
                serde_json::to_writer_pretty(file, &status)
                    .map_err(|e| format!("{}: {e}", target.display()))
            },
            |path, e| format!("{}: {e}", path.display()),
        );
        if let Err(error) = written {
            tracing::warn!("live status not written: {error}");
        }
        last_write = Some(Instant::now());
        if status.ended {
            return;
        }
    }
}

fn snapshot(known: &Known, clock: &dyn Clock, simulated: bool) -> RunStatus {
    let now = clock.elapsed();
    RunStatus {
        updated_utc: Some(Utc::now()),
        simulated_clock: simulated,
        item: known.item.clone(),
        step: known.step.as_ref().map(|(item, text, started, planned)| {
            let elapsed = now.saturating_sub(*started);
            StepStatus {
                item: item.clone(),
                text: text.clone(),
                elapsed_s: elapsed.as_secs_f64(),
                planned_s: planned.map(|p| p.as_secs_f64()),
                remaining_s: planned.map(|p| p.saturating_sub(elapsed).as_secs_f64()),
            }
        }),
        prompt: known.prompt.clone(),
        ended: known.ended,
    }
}

/// The run's observer, with item and step changes copied to the status file.
pub struct StatusObserver<'a> {
    recorder: &'a StatusRecorder,
    inner: &'a mut dyn RunObserver,
}

impl std::fmt::Debug for StatusObserver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatusObserver")
    }
}

impl RunObserver for StatusObserver<'_> {
    fn run_started(&mut self, items: usize) {
        self.inner.run_started(items);
    }

    fn item_started(&mut self, item: &Item) {
        let id = item.id.clone();
        self.recorder.change(|known| known.item = Some(id));
        self.inner.item_started(item);
    }

    fn item_finished(&mut self, result: &ItemResult) {
        self.recorder.change(|known| {
            known.item = None;
            known.step = None;
        });
        self.inner.item_finished(result);
    }

    fn step_started(&mut self, item: &Item, step: &Step, planned: Option<Duration>) {
        let (id, text) = (item.id.clone(), step.text.clone());
        let started = self.recorder.clock.elapsed();
        self.recorder
            .change(|known| known.step = Some((id, text, started, planned)));
        self.inner.step_started(item, step, planned);
    }

    fn step_finished(&mut self) {
        self.recorder.change(|known| known.step = None);
        self.inner.step_finished();
    }
}

/// The run's operator, with the prompt waiting copied to the status file while it waits.
pub struct StatusOperator<'a> {
    recorder: &'a StatusRecorder,
    inner: &'a mut dyn Operator,
}

impl std::fmt::Debug for StatusOperator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StatusOperator").field(&self.inner).finish()
    }
}

impl StatusOperator<'_> {
    /// Shows `prompt` as waiting while `ask` runs (only a person's prompt waits: answers from
    /// a file are not shown).
    fn waiting<T>(&mut self, prompt: &Prompt<'_>, ask: impl FnOnce(&mut dyn Operator) -> T) -> T {
        let shown = !self.inner.is_scripted() && !prompt.steps.is_empty();
        if shown {
            let waiting = PromptStatus {
                item: prompt.item.id.clone(),
                sample: prompt.sample,
                lines: prompt.steps.iter().map(|s| s.text.clone()).collect(),
            };
            self.recorder.change(|known| known.prompt = Some(waiting));
        }
        let answer = ask(&mut *self.inner);
        if shown {
            self.recorder.change(|known| known.prompt = None);
        }
        answer
    }
}

impl Operator for StatusOperator<'_> {
    fn answer(&mut self, prompt: &Prompt<'_>) -> Result<Reply, OperatorError> {
        self.waiting(prompt, |inner| inner.answer(prompt))
    }

    fn prepare(&mut self, prompt: &Prompt<'_>) -> Result<Option<Reply>, OperatorError> {
        self.waiting(prompt, |inner| inner.prepare(prompt))
    }

    fn source_name(&self) -> String {
        self.inner.source_name()
    }

    fn is_scripted(&self) -> bool {
        self.inner.is_scripted()
    }
}
