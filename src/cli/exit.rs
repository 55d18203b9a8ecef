//! Process exit codes and the error type that carries one.

use std::process::ExitCode;

/// Every item passed (not-tested and NA items are listed in the summary but do not fail a run).
pub const ALL_PASS: u8 = 0;
/// At least one item is `no pass`.
pub const SOME_NO_PASS: u8 = 1;
/// Usage or input error: bad flags, plan, answers, unit, serial number or run directory.
pub const INPUT_ERROR: u8 = 2;
/// Harness error: an item ended in `error`, or facebench itself failed (disk, terminal).
pub const HARNESS_ERROR: u8 = 3;

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct CliError {
    /// Exit code.
    pub code: u8,
    /// The error chain to print.
    pub error: anyhow::Error,
}

impl CliError {
    /// A usage or input error (exit 2).
    pub fn input(error: impl Into<anyhow::Error>) -> CliError {
        CliError {
            code: INPUT_ERROR,
            error: error.into(),
        }
    }

    /// A harness error (exit 3).
    pub fn harness(error: impl Into<anyhow::Error>) -> CliError {
        CliError {
            code: HARNESS_ERROR,
            error: error.into(),
        }
    }
}

impl From<crate::runner::RunError> for CliError {
    fn from(error: crate::runner::RunError) -> Self {
        if error.is_input_error() {
            CliError::input(error)
        } else {
            CliError::harness(error)
        }
    }
}

/// The exit code for a run's overall verdict.
pub fn for_verdict(verdict: crate::judge::Verdict) -> ExitCode {
    use crate::judge::Verdict;
    ExitCode::from(match verdict {
        Verdict::NoPass => SOME_NO_PASS,
        Verdict::Error => HARNESS_ERROR,
        Verdict::Pass | Verdict::NotApplicable | Verdict::NotTested => ALL_PASS,
    })
}

impl From<crate::runner::OperatorError> for CliError {
    fn from(error: crate::runner::OperatorError) -> Self {
        crate::runner::RunError::from(error).into()
    }
}
