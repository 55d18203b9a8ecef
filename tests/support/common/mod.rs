//! Helpers shared by the CLI integration tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use facebench::clock::{Clock, SimClock};
use facebench::journal::{
    read_journal, ItemResult, JournalWriter, ResultSource, RunDir, RunEvent, RunState,
    JOURNAL_FORMAT,
};
use facebench::judge::Verdict;
use facebench::unit::{Features, Unit};

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

/// The simulated station with every rig, enough thermocouples for the temperature-rise item and
/// short (500 ms) link timeouts, so the tests that provoke timeouts do not wait seconds for each.
pub const SIM_STATION: &str = "tests/fixtures/stations/sim-short-timeouts.toml";
/// A short damp-heat hold and three drops, for [`SIM_STATION`].
pub const SIM_RIGS_PLAN: &str = "tests/fixtures/plans/sim-rigs-short.toml";

/// `facebench run` arguments: `options`, then `--run-dir RUN_DIR`, then `units` (the
/// `--unit FILE` pairs; [`DEMO_UNIT`] for the shipped demo unit).
pub fn run_args(run_dir: &Path, options: &[&str], units: &[&str]) -> Vec<String> {
    let run_dir = run_dir.to_str().expect("run dir is UTF-8");
    ["run"]
        .iter()
        .chain(options)
        .chain(&["--run-dir", run_dir])
        .chain(units)
        .map(|arg| arg.to_string())
        .collect()
}

/// [`run_args`] of [`SLOW_PLAN`] answered by [`SLOW_ANSWERS`], with `options`.
pub fn slow_run_args(run_dir: &Path, options: &[&str], units: &[&str]) -> Vec<String> {
    let slow = ["--plan", SLOW_PLAN, "--answers", SLOW_ANSWERS];
    run_args(run_dir, &[&slow[..], options].concat(), units)
}

/// [`run_args`] of [`SIM_RIGS_PLAN`] on [`SIM_STATION`] on simulated time, with `options`,
/// for the demo unit.
pub fn sim_rigs_run_args(run_dir: &Path, options: &[&str]) -> Vec<String> {
    let rigs = [
        "--station",
        SIM_STATION,
        "--sim-clock",
        "--plan",
        SIM_RIGS_PLAN,
    ];
    run_args(run_dir, &[&rigs[..], options].concat(), &DEMO_UNIT)
}

/// Packages the run in `run_dir` into the submission folder `out`, asserting it succeeds.
pub fn package(run_dir: &Path, out: &Path) {
    let packaged = run(&[
        "package",
        run_dir.to_str().expect("run dir is UTF-8"),
        "--out",
        out.to_str().expect("out dir is UTF-8"),
    ]);
    assert_eq!(code(&packaged), 0, "{packaged:?}");
}

/// A simulated clock starting now.
pub fn sim_clock() -> Arc<SimClock> {
    Arc::new(SimClock::starting_at(chrono::Utc::now()))
}

/// Unit `n` of the journal tests: an Acme FP-200 desktop cashier, SN ending in `n`, camera
/// `CAM-n`.
pub fn acme_unit(n: u32) -> Unit {
    Unit {
        vendor: "Acme".into(),
        model: "FP-200".into(),
        device_type: "desktop-cashier".into(),
        usage: None,
        device_sn: format!("ACME00000000000000000{n:02}"),
        camera_sn: format!("CAM-{n}"),
        camera_model: None,
        features: Features::default(),
        lab: "Lab 3".into(),
        operator: "li".into(),
    }
}

/// The `run_started` event of a run of the plan at `plan_path` (text hash `plan_sha256`,
/// `standard`) on `units`, at station `sim` on host `bench`.
pub fn run_started(
    plan_path: &str,
    plan_sha256: &str,
    standard: &str,
    units: Vec<Unit>,
) -> RunEvent {
    RunEvent::RunStarted {
        format: JOURNAL_FORMAT,
        facebench_version: env!("CARGO_PKG_VERSION").into(),
        plan_path: plan_path.into(),
        plan_sha256: plan_sha256.into(),
        standard: standard.into(),
        units,
        station: "sim".into(),
        host: "bench".into(),
    }
}

/// A measured `verdict` of `item` for sample `sample` (the unit [`acme_unit`]`(sample)`),
/// recorded by operator `li` with nothing else.
pub fn item_result(item: &str, sample: u32, verdict: Verdict) -> RunEvent {
    RunEvent::ItemResult(ItemResult {
        item: item.into(),
        sample,
        device_sn: acme_unit(sample).device_sn,
        verdict,
        source: ResultSource::Measured,
        operator: "li".into(),
        measurements: Vec::new(),
        criteria: Vec::new(),
        operator_verdict: None,
        reason: None,
        note: String::new(),
        attachments: Vec::new(),
    })
}

/// A new run directory `root/run` holding `plan_text` as its plan snapshot, and its journal
/// writer on `clock`.
pub fn new_run(root: &Path, plan_text: &str, clock: Arc<dyn Clock>) -> (RunDir, JournalWriter) {
    let dir = RunDir::create(&root.join("run")).expect("run dir is created");
    dir.write_plan_snapshot(plan_text)
        .expect("plan snapshot is written");
    let journal = JournalWriter::create(&dir, clock).expect("journal is created");
    (dir, journal)
}
