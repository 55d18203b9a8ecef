//! Drawing run progress: an indicatif bar for scripted runs, plain lines otherwise.

use indicatif::{ProgressBar, ProgressStyle};

use crate::journal::ItemResult;
use crate::plan::Item;
use crate::runner::RunObserver;

/// Shows a progress bar over the items of a run (hidden when stderr is not a terminal).
#[derive(Debug)]
pub struct BarObserver {
    bar: ProgressBar,
}

impl BarObserver {
    /// A hidden bar until the run starts.
    pub fn new() -> BarObserver {
        BarObserver {
            bar: ProgressBar::hidden(),
        }
    }
}

impl RunObserver for BarObserver {
    fn run_started(&mut self, items: usize) {
        self.bar = ProgressBar::new(items as u64);
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
        self.bar.inc(1);
        if self.bar.position() >= self.bar.length().unwrap_or(0) {
            self.bar.finish_and_clear();
        }
        tracing::debug!(item = %result.item, verdict = %result.verdict, "item done");
    }
}

/// Prints one line per finished item (interactive runs, where a bar would fight the prompts).
#[derive(Debug, Default)]
pub struct LineObserver;

impl RunObserver for LineObserver {
    fn item_finished(&mut self, result: &ItemResult) {
        let reason = result
            .reason
            .as_deref()
            .map(|r| format!(" — {r}"))
            .unwrap_or_default();
        eprintln!("{:<8} {}{reason}", result.item, result.verdict);
    }
}
