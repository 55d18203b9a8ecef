//! Camera stress modes: open/close [`cycles`], [`soak`] (with reconnection after disconnects),
//! format/resolution [`switching`], and two streams at once ([`dual`]). Each returns an outcome
//! struct carrying the figures the criteria need, hands per-cycle / per-second records to a
//! sink as it goes, and stops cleanly with the results so far when its [`StopFlag`] is raised
//! (the CLI raises it on Ctrl-C).
//!
//! Helpers: [`binomial`] (Clopper–Pearson bounds), [`procstat`] (fd count and RSS from
//! `/proc/self`), [`trend`] (least-squares slope), [`reconnect`] (backoff).

pub mod binomial;
pub mod capture;
pub mod cycles;
pub mod dual;
pub mod procstat;
pub mod reconnect;
pub mod simulated;
pub mod soak;
pub mod switching;
pub mod trend;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A flag that asks a running stress loop to stop; cheap to clone and share across threads.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// A lowered flag.
    pub fn new() -> StopFlag {
        StopFlag::default()
    }

    /// Raises the flag.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the flag is raised.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
