//! Drawing run progress: an indicatif bar for scripted runs, plain lines otherwise, and for
//! every wait and rig step a bar with the time left (or a spinner with the time so far) and what
//! is happening. Bars draw on stderr only when it is a terminal.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::journal::ItemResult;
use crate::plan::{Item, Step};
use crate::runner::RunObserver;

/// The bar of the step under way, with the thread that moves it along in real time.
#[derive(Debug, Default)]
struct StepBar {
    shown: Option<(ProgressBar, Arc<AtomicBool>, JoinHandle<()>)>,
}

impl StepBar {
    /// Shows `step` of `item`: a bar over `planned` with the time left, or a spinner.
    fn start(
        &mut self,
        multi: &MultiProgress,
        item: &Item,
        step: &Step,
        planned: Option<Duration>,
    ) {
        self.finish();
        if multi.is_hidden() {
            return;
        }
        let what = format!("{} {}", item.id, step.text);
        let (bar, template) = match planned {
            Some(total) => (
                ProgressBar::new(total.as_secs().max(1)),
                "  {spinner} {msg}\n    [{bar:30}] {prefix}",
            ),
            None => (
                ProgressBar::no_length(),
                "  {spinner} {msg} ({elapsed_precise})",
            ),
        };
        let bar = multi.add(bar);
        bar.set_style(
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(what);
        let done = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (bar, done) = (bar.clone(), Arc::clone(&done));
            let started = Instant::now();
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    let elapsed = started.elapsed();
                    if let Some(total) = planned {
                        bar.set_position(elapsed.as_secs());
                        bar.set_prefix(format!(
                            "{} of {} elapsed, {} left",
                            hms(elapsed),
                            hms(total),
                            hms(total.saturating_sub(elapsed))
                        ));
                    }
                    bar.tick();
                    std::thread::park_timeout(Duration::from_millis(200));
                }
            })
        };
        self.shown = Some((bar, done, ticker));
    }

    /// Clears the bar of the step that ended.
    fn finish(&mut self) {
        if let Some((bar, done, ticker)) = self.shown.take() {
            done.store(true, Ordering::Relaxed);
            ticker.thread().unpark();
            let _ = ticker.join();
            bar.finish_and_clear();
        }
    }
}

/// `1:02:03` (hours may exceed 24: a 72 h soak shows `72:00:00`).
fn hms(duration: Duration) -> String {
    let s = duration.as_secs();
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Shows a progress bar over the items of a run (hidden when stderr is not a terminal).
#[derive(Debug)]
pub struct BarObserver {
    multi: MultiProgress,
    bar: ProgressBar,
    step: StepBar,
}

impl BarObserver {
    /// A hidden bar until the run starts.
    pub fn new() -> BarObserver {
        BarObserver {
            multi: MultiProgress::new(),
            bar: ProgressBar::hidden(),
            step: StepBar::default(),
        }
    }
}

impl RunObserver for BarObserver {
    fn step_started(&mut self, item: &Item, step: &Step, planned: Option<Duration>) {
        self.step.start(&self.multi, item, step, planned);
    }

    fn step_finished(&mut self) {
        self.step.finish();
    }

    fn run_started(&mut self, items: usize) {
        self.bar = self.multi.add(ProgressBar::new(items as u64));
        self.bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} items  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }

    fn item_started(&mut self, item: &Item) {
        self.bar
            .set_message(format!("{} {}", item.id, item.name_en));
    }

    fn item_finished(&mut self, result: &ItemResult) {
        self.step.finish();
        self.bar.inc(1);
        if self.bar.position() >= self.bar.length().unwrap_or(0) {
            self.bar.finish_and_clear();
        }
        tracing::debug!(item = %result.item, verdict = %result.verdict, "item done");
    }
}

/// Prints one line per finished item (interactive runs, where an items bar would fight the
/// prompts); a step's bar shows only while the step runs, never during a prompt.
#[derive(Debug, Default)]
pub struct LineObserver {
    multi: MultiProgress,
    step: StepBar,
}

impl RunObserver for LineObserver {
    fn step_started(&mut self, item: &Item, step: &Step, planned: Option<Duration>) {
        self.step.start(&self.multi, item, step, planned);
    }

    fn step_finished(&mut self) {
        self.step.finish();
    }

    fn item_finished(&mut self, result: &ItemResult) {
        self.step.finish();
        let reason = result
            .reason
            .as_deref()
            .map(|r| format!(" — {r}"))
            .unwrap_or_default();
        eprintln!("{:<8} {}{reason}", result.item, result.verdict);
    }
}
