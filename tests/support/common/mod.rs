//! Helpers shared by the CLI integration tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use facebench::journal::{read_journal, RunDir, RunState};

/// The facebench binary, run from the crate root.
pub fn facebench() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_facebench"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// Runs facebench with arguments and returns its output.
pub fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    facebench()
        .args(args)
        .output()
        .expect("facebench binary runs")
}

/// Stdout and stderr as text.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The exit code (panics if the process was killed).
pub fn code(output: &Output) -> i32 {
    output.status.code().expect("process exited normally")
}

/// The folded journal of a run directory.
pub fn state(run_dir: &Path) -> RunState {
    let dir = RunDir::open(run_dir).expect("run dir opens");
    let contents = read_journal(&dir).expect("journal reads");
    RunState::from_entries(&contents.entries).expect("journal folds")
}

/// Arguments that register the shipped demo unit.
pub const DEMO_UNIT: [&str; 2] = ["--unit", "testplans/units/demo-unit.toml"];

/// The slow fixture plan and its answers.
pub const SLOW_PLAN: &str = "tests/fixtures/plans/slow-desktop.toml";
/// Answers for [`SLOW_PLAN`].
pub const SLOW_ANSWERS: &str = "tests/fixtures/answers/slow-desktop.toml";
