//! Unit tests of the runner on the scripted fakes of [`crate::fake`]: whole sessions of short
//! items on the simulated clock, with no pty, no simulator thread and no real wait, judged
//! from the journal as a report would read it.
//!
//! Each module covers one kind of rig step; [`Bench`] holds the simulated clock the fakes and
//! the session share, and runs one item of `bench-plan.toml` on a rig set of fakes.

mod camera;
mod climate;
mod drop;
mod dut;
mod samples;
mod thermal;

use std::sync::Arc;

use super::{NewRun, RunOutcome, Selection, Session};
use super::{Operator, OperatorError, Prompt, QuietObserver, Reply};
use crate::catalog::Catalog;
use crate::clock::{Clock, SimClock};
use crate::journal::{read_journal, ItemResult, RunState};
use crate::judge::Verdict;
use crate::plan::parse_plan;
use crate::station::RigSet;
use crate::unit::{Features, Unit};

/// The plan every test picks one item from.
const PLAN: &str = include_str!("bench-plan.toml");

/// A bench of fakes on one simulated clock, and a folder for one run.
struct Bench {
    clock: Arc<SimClock>,
    dir: tempfile::TempDir,
}

impl Bench {
    fn new() -> Bench {
        Bench {
            clock: Arc::new(SimClock::starting_at(chrono::Utc::now())),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The text of the run's series file `path` (under `RUN_DIR/series/`).
    fn series(&self, path: &str) -> String {
        let path = self.dir.path().join("run/series").join(path);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The clock to hand to the fakes.
    fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock) as Arc<dyn Clock>
    }

    /// Runs `item` of the plan on `samples` units with `rigs` and returns the run's state.
    fn run(&self, item: &str, samples: usize, rigs: RigSet) -> RunState {
        let run_dir = self.dir.path().join("run");
        let plan = parse_plan(PLAN, "bench-plan.toml", &Catalog::builtin()).unwrap();
        let new = NewRun {
            run_dir: &run_dir,
            plan_path: std::path::Path::new("bench-plan.toml"),
            plan_text: PLAN,
            plan,
            units: (1..=samples).map(unit).collect(),
            station: "fakes".to_string(),
        };
        let mut rigs = Some(rigs);
        let mut open = |_: &crate::journal::RunDir, _: usize| Ok(rigs.take().unwrap());
        let mut session = Session::start(new, &mut open, self.clock()).unwrap();
        let selection = Selection {
            only: vec![item.to_string()],
            rerun: Vec::new(),
        };
        let outcome = session
            .run(&mut NoPrompts, &mut QuietObserver, &selection)
            .unwrap();
        assert!(matches!(outcome, RunOutcome::Finished(_)), "{outcome:?}");
        RunState::from_entries(&read_journal(session.dir()).unwrap().entries).unwrap()
    }
}

/// Sample `n`'s unit.
fn unit(n: usize) -> Unit {
    Unit {
        vendor: "Acme".into(),
        model: "FP-1".into(),
        device_type: "desktop-single-screen".into(),
        usage: None,
        device_sn: format!("ACME{n:019}"),
        camera_sn: format!("CAM-{n}"),
        camera_model: None,
        features: Features {
            wifi: true,
            bluetooth: false,
            cellular_4g: false,
        },
        lab: "Lab 3".into(),
        operator: "li".into(),
    }
}

/// The plan's fake items have no prompts: an operator asked anything is a test failure.
#[derive(Debug)]
struct NoPrompts;

impl Operator for NoPrompts {
    fn answer(&mut self, prompt: &Prompt<'_>) -> Result<Reply, OperatorError> {
        panic!("no prompt expected, asked about {}", prompt.item.id)
    }

    fn source_name(&self) -> String {
        "no prompts".to_string()
    }

    fn is_scripted(&self) -> bool {
        true
    }
}

/// Sample `sample`'s result of `item`.
fn result<'a>(state: &'a RunState, item: &str, sample: u32) -> &'a ItemResult {
    state
        .result(item, sample)
        .unwrap_or_else(|| panic!("{item} has no result on sample {sample}"))
}

/// The values measured as `name`.
fn measured<'a>(result: &'a ItemResult, name: &str) -> &'a [f64] {
    result
        .measurements
        .iter()
        .find(|m| m.name == name)
        .map(|m| m.values.as_slice())
        .unwrap_or_else(|| panic!("{} measured no {name}: {result:?}", result.item))
}

/// The aggregated figure the criterion on `name` judged, with its verdict.
fn judged(result: &ItemResult, name: &str) -> (Option<f64>, Verdict) {
    let outcome = result
        .criteria
        .iter()
        .find(|c| c.measurement == name)
        .unwrap_or_else(|| panic!("{} has no criterion on {name}", result.item));
    (outcome.value, outcome.verdict)
}
