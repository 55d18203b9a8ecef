//! A panic inside an item's steps, on the runner's thread or in a camera worker thread, makes
//! the item `error` (exit 3), never `not tested`, and the run goes on.

use std::path::Path;
use std::sync::Arc;

use facebench::camera::StreamKind;
use facebench::catalog::Catalog;
use facebench::clock::SimClock;
use facebench::journal::{read_journal, RunDir, RunState};
use facebench::judge::Verdict;
use facebench::plan::parse_plan;
use facebench::rig::drop::{DropRig, DropSetup, DropStatus};
use facebench::rig::RigError;
use facebench::runner::rigs::{CameraRig, CameraSource, RigSet};
use facebench::runner::{
    NewRun, Operator, OperatorError, Prompt, QuietObserver, Reply, RunOutcome, Selection, Session,
};
use facebench::unit::Unit;

/// A drop item and an item whose camera monitor runs beside the operator's prompt.
const PLAN: &str = include_str!("../fixtures/plans/worker-panic.toml");

/// A drop rig whose driver has a bug.
#[derive(Debug)]
struct PanickingDropRig;

impl DropRig for PanickingDropRig {
    fn configure(&mut self, _setup: &DropSetup) -> Result<(), RigError> {
        panic!("drop driver bug");
    }
    fn start(&mut self) -> Result<(), RigError> {
        Ok(())
    }
    fn abort(&mut self) -> Result<(), RigError> {
        Ok(())
    }
    fn status(&mut self) -> Result<DropStatus, RigError> {
        Err(RigError::not_supported("status"))
    }
}

/// A camera streamed on the runner's clock (so a monitor runs in its own thread) whose sources
/// panic when made.
#[derive(Debug)]
struct PanickingCamera;

impl CameraRig for PanickingCamera {
    fn source(
        &mut self,
        _stream: StreamKind,
        _fps: u32,
    ) -> Result<CameraSource, facebench::camera::CameraError> {
        panic!("camera backend bug");
    }
    fn own_clock(&self) -> bool {
        false
    }
}

/// Passes every prompt.
#[derive(Debug)]
struct Passes;

impl Operator for Passes {
    fn answer(&mut self, _prompt: &Prompt<'_>) -> Result<Reply, OperatorError> {
        Ok(Reply::Answer(facebench::runner::ItemAnswer {
            verdict: Some(Verdict::Pass),
            ..Default::default()
        }))
    }
    fn source_name(&self) -> String {
        "test".into()
    }
    fn is_scripted(&self) -> bool {
        true
    }
}

#[test]
fn a_panicking_step_or_worker_thread_makes_the_item_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let plan =
        parse_plan(PLAN, "panic.toml", &Catalog::builtin()).unwrap_or_else(|e| panic!("{e}"));
    let unit_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testplans/units/demo-unit.toml"),
    )
    .unwrap();
    let unit: Unit = toml::from_str(&unit_text).unwrap();
    let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    let mut open = |_: &RunDir, _samples: usize| {
        Ok(RigSet {
            station: "buggy".into(),
            drop: Some(Box::new(PanickingDropRig)),
            cameras: vec![Box::new(PanickingCamera)],
            ..RigSet::default()
        })
    };
    let mut session = Session::start(
        NewRun {
            run_dir: &run_dir,
            plan_path: Path::new("panic.toml"),
            plan_text: PLAN,
            plan,
            units: vec![unit],
            station: "buggy".into(),
        },
        &mut open,
        clock,
    )
    .unwrap();
    let outcome = session
        .run(&mut Passes, &mut QuietObserver, &Selection::default())
        .unwrap();
    assert_eq!(outcome, RunOutcome::Finished(Verdict::Error));
    let dir = RunDir::open(&run_dir).unwrap();
    let state = RunState::from_entries(&read_journal(&dir).unwrap().entries).unwrap();
    for id in ["DRP-001", "CAM-001"] {
        let result = &state.results[id][&1];
        assert_eq!(result.verdict, Verdict::Error, "{id}: {result:?}");
        assert!(
            result
                .reason
                .as_deref()
                .unwrap_or_default()
                .contains("panicked"),
            "{id}: {result:?}"
        );
    }
}
