//! Indexing a run while it runs, without ever holding it up.
//!
//! [`LiveIndex::start`] spawns a thread with its own small runtime that watches the journal and
//! indexes what is new ([`super::index_run`]) whenever the file grows. The run never waits for
//! it: the thread only reads the run folder, and keeps nothing in memory between passes but the
//! journal length it last indexed, because the watermark lives in the database. A database that
//! is down, refuses, or is slow (every statement is bounded by a timeout) just makes the pass
//! fail; the thread warns once, drops the connection and tries again later from the watermark.
//! [`LiveIndex::finish`] asks for a final catch-up and waits for it at most a given time; if
//! the database is still unreachable the run ends normally and the outcome says so, for the
//! caller to point at `facebench history rebuild`.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::db::{HistoryDb, OpenMode};
use super::index::index_run;
use super::target::DbTarget;
use super::HistoryError;
use crate::journal::RunDir;

/// How the live indexer paces itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveSettings {
    /// How often the journal is looked at.
    pub poll: Duration,
    /// Bound on connecting and on each statement.
    pub timeout: Duration,
    /// Wait after a failed pass before the next try.
    pub retry: Duration,
}

impl Default for LiveSettings {
    fn default() -> LiveSettings {
        LiveSettings {
            poll: Duration::from_millis(500),
            timeout: Duration::from_secs(5),
            retry: Duration::from_secs(10),
        }
    }
}

/// How the run's indexing ended.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveOutcome {
    /// Every journal entry is in the history.
    Indexed {
        /// The last entry indexed.
        watermark: u64,
    },
    /// The final catch-up did not happen; the history may lack the run's latest entries.
    NotIndexed {
        /// Why.
        reason: String,
    },
}

/// A run being indexed from a background thread.
#[derive(Debug)]
pub struct LiveIndex {
    stop: Sender<Duration>,
    done: Receiver<LiveOutcome>,
    thread: Option<JoinHandle<()>>,
}

impl LiveIndex {
    /// Starts indexing the run in `run_dir` into `target`.
    pub fn start(target: DbTarget, run_dir: PathBuf, settings: LiveSettings) -> LiveIndex {
        let (stop, stop_rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("history-index".into())
            .spawn(move || {
                let outcome = Indexer::new(target, run_dir, settings).run(&stop_rx);
                let _ = done_tx.send(outcome);
            })
            .ok();
        LiveIndex { stop, done, thread }
    }

    /// Indexes what is left and stops, waiting at most `wait` for it.
    pub fn finish(mut self, wait: Duration) -> LiveOutcome {
        if self.thread.is_none() {
            return LiveOutcome::NotIndexed {
                reason: "the indexing thread could not be started".into(),
            };
        }
        let _ = self.stop.send(wait);
        // A little beyond `wait`: the thread bounds its own catch-up by `wait`.
        match self.done.recv_timeout(wait + Duration::from_millis(500)) {
            Ok(outcome) => {
                if let Some(thread) = self.thread.take() {
                    let _ = thread.join();
                }
                outcome
            }
            Err(_) => LiveOutcome::NotIndexed {
                reason: format!("the database did not answer within {} ms", wait.as_millis()),
            },
        }
    }
}

/// The background thread's state.
struct Indexer {
    target: DbTarget,
    run_dir: PathBuf,
    settings: LiveSettings,
    db: Option<HistoryDb>,
    /// Journal length when it was last indexed in full.
    indexed_len: Option<u64>,
    watermark: u64,
    /// The failure already warned about, so a database that stays down warns once.
    warned: Option<String>,
}

impl Indexer {
    fn new(target: DbTarget, run_dir: PathBuf, settings: LiveSettings) -> Indexer {
        Indexer {
            target,
            run_dir,
            settings,
            db: None,
            indexed_len: None,
            watermark: 0,
            warned: None,
        }
    }

    /// Passes until asked to stop, then the bounded final catch-up.
    fn run(mut self, stop: &Receiver<Duration>) -> LiveOutcome {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                return LiveOutcome::NotIndexed {
                    reason: format!("cannot start the indexing runtime: {e}"),
                }
            }
        };
        let mut next_try = Instant::now();
        let wait = loop {
            match stop.recv_timeout(self.settings.poll) {
                Ok(wait) => break wait,
                Err(RecvTimeoutError::Disconnected) => break Duration::ZERO,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if Instant::now() < next_try || !self.journal_grew() {
                continue;
            }
            if let Err(error) = runtime.block_on(self.pass()) {
                self.failed(&error);
                next_try = Instant::now() + self.settings.retry;
            }
        };
        let last = runtime.block_on(async { tokio::time::timeout(wait, self.pass()).await });
        let outcome = match last {
            Ok(Ok(())) => LiveOutcome::Indexed {
                watermark: self.watermark,
            },
            Ok(Err(error)) => LiveOutcome::NotIndexed {
                reason: error.to_string(),
            },
            Err(_) => LiveOutcome::NotIndexed {
                reason: format!(
                    "history database {}: no answer within {} ms",
                    self.target,
                    wait.as_millis()
                ),
            },
        };
        if let Some(db) = self.db.take() {
            runtime.block_on(async {
                let _ = tokio::time::timeout(self.settings.timeout, db.close()).await;
            });
        }
        outcome
    }

    /// True when the journal is not known to be indexed at its present length.
    fn journal_grew(&self) -> bool {
        let length = journal_len(&self.run_dir);
        length.is_none() || length != self.indexed_len
    }

    /// Connects if needed and indexes what is new.
    async fn pass(&mut self) -> Result<(), HistoryError> {
        let length = journal_len(&self.run_dir);
        let db = match &self.db {
            Some(db) => db.clone(),
            None => {
                let db =
                    HistoryDb::open(&self.target, OpenMode::Create, self.settings.timeout).await?;
                self.db = Some(db.clone());
                db
            }
        };
        match index_run(&db, &self.run_dir).await {
            Ok(report) => {
                self.watermark = report.watermark;
                self.indexed_len = length;
                if self.warned.take().is_some() {
                    tracing::info!(db = %self.target, "history database reachable again; indexing resumed");
                }
                Ok(())
            }
            Err(error) => {
                self.db = None;
                Err(error)
            }
        }
    }

    /// Warns about a failed pass, once per kind of failure.
    fn failed(&mut self, error: &HistoryError) {
        let text = error.to_string();
        if self.warned.as_deref() != Some(text.as_str()) {
            tracing::warn!(
                "history: {text}; the run goes on and is indexed when the database answers"
            );
            self.warned = Some(text);
        }
    }
}

/// The journal's length, when it can be read.
fn journal_len(run_dir: &Path) -> Option<u64> {
    std::fs::metadata(run_dir.join(RunDir::JOURNAL))
        .ok()
        .map(|meta| meta.len())
}
