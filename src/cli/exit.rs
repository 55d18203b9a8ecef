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

/// Lets a closed standard output end the process quietly with exit 0:
/// `facebench plan list | head -1` stops when `head` has read its line, without the panic
/// `println!` raises on a broken pipe (exit 101 and a backtrace hint).
///
/// Rust ignores SIGPIPE, so a write to a closed pipe fails with EPIPE and `println!` panics.
/// This installs a SIGPIPE handler that ends the process at once with exit 0, the reader having
/// had all it wanted. Only commands that do nothing but print may call it: a command that talks
/// to rigs or simulators over sockets must see EPIPE as an error it handles (a dropped client, a
/// rig to make safe), not end on the signal.
// The signal handler is a libc call (see the SAFETY notes).
#[allow(unsafe_code)]
pub fn end_quietly_on_closed_pipe() {
    #[cfg(unix)]
    {
        extern "C" fn on_sigpipe(_signal: libc::c_int) {
            // SAFETY: `_exit` is async-signal-safe; nothing is left to flush for a closed pipe.
            unsafe { libc::_exit(ALL_PASS.into()) }
        }
        let handler: extern "C" fn(libc::c_int) = on_sigpipe;
        // SAFETY: the handler only calls an async-signal-safe function; it is installed before
        // anything is printed.
        unsafe {
            libc::signal(libc::SIGPIPE, handler as libc::sighandler_t);
        }
    }
}
