//! The runner: executes a plan's items for a unit and records every outcome in the journal.
//!
//! [`Session`] starts or resumes a run directory; [`Session::run`] walks the selected items in
//! plan order. Items that do not apply to the unit's device type are recorded as NA; items whose
//! rig is not configured at the station are recorded as *not tested* with that reason; manual
//! items ask an [`Operator`] (a person at a [`TerminalOperator`], or an [`AnswersFile`]) and are
//! judged with [`evaluate`]. Each result is on disk before the next item starts, so a killed run
//! resumes where it stopped. Progress goes to a [`RunObserver`]; drawing it is the CLI's job.

mod answers;
mod evaluate;
mod operator;
pub mod rigs;
mod session;
mod steps;
#[cfg(test)]
mod tests;

pub use answers::AnswersFile;
pub use evaluate::{evaluate, Evaluation};
pub use operator::{ItemAnswer, Operator, OperatorError, Prompt, Reply, TerminalOperator};
pub use session::{overall_verdict, NewRun, OpenRigs, RunOutcome, Selection, Session};

use std::path::PathBuf;
use std::time::Duration;

use crate::journal::{ItemResult, JournalError};
use crate::plan::{Item, PlanErrors, Step};

/// Why a run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The run directory or journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The plan is invalid.
    #[error("{0}")]
    Plan(#[from] PlanErrors),
    /// The operator's answers could not be read.
    #[error(transparent)]
    Operator(#[from] OperatorError),
    /// The station's rigs could not be opened.
    #[error(transparent)]
    Rigs(#[from] crate::station::OpenError),
    /// The plan file changed since the run started.
    #[error(
        "plan {plan_path} has changed since run {run_dir} started; resume with \
         --accept-plan-change to continue with the edited plan (the original stays in the run directory)"
    )]
    PlanChanged {
        /// The plan file.
        plan_path: PathBuf,
        /// The run directory.
        run_dir: PathBuf,
    },
}

impl RunError {
    /// True when the error is the user's input (plan, answers, run directory), not a harness fault.
    pub fn is_input_error(&self) -> bool {
        match self {
            RunError::Plan(_) | RunError::PlanChanged { .. } => true,
            RunError::Operator(OperatorError::Answers(_)) => true,
            RunError::Operator(OperatorError::Terminal(_)) => false,
            RunError::Journal(e) => e.is_input_error(),
            RunError::Rigs(_) => false,
        }
    }
}

/// Receives progress from a run. Every method has a no-op default.
pub trait RunObserver {
    /// The session will run `items` items.
    fn run_started(&mut self, items: usize) {
        let _ = items;
    }
    /// An item begins.
    fn item_started(&mut self, item: &Item) {
        let _ = item;
    }
    /// An item's result is on disk.
    fn item_finished(&mut self, result: &ItemResult) {
        let _ = result;
    }
    /// A wait or rig step of `item` begins; `planned` is how long it is to take on the run's
    /// clock, when the plan says.
    fn step_started(&mut self, item: &Item, step: &Step, planned: Option<Duration>) {
        let _ = (item, step, planned);
    }
    /// The step last started has ended.
    fn step_finished(&mut self) {}
}

/// An observer that ignores everything (tests, quiet mode).
#[derive(Debug, Default)]
pub struct QuietObserver;

impl RunObserver for QuietObserver {}
