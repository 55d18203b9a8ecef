//! `facebench demo`: a full simulated lab run that writes real reports.
//!
//! Registers two samples of the shipped demo model (a desktop single-screen terminal, as the
//! network asks for two test units per model), runs the whole desktop cashier plan on both in
//! one run on the simulated station (simulated chamber, drop rig and thermal logger shared by
//! both, a synthetic camera each) with the shipped operator answers on a simulated clock,
//! writes the workbook, CSV, JSON and the PDF test report, and packages the submission folder.
//! Then it runs the software pre-check of the first unit against a simulated Android terminal
//! over adb ([`super::demo_precheck`]) and adds its workbook to the same submission folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::demo_precheck::run_precheck;
use super::exit::{self, CliError};
use super::paths::{load_catalog, plan_path, shipped};
use super::progress::BarObserver;
use super::report::print_bundles;
use super::station_args::{ChosenStation, StationArgs, StationOpener};
use super::summary::report_run_with;
use super::unit_args::{load_unit_file, register_unit};
use super::{loaded_run::LoadedRun, logging};
use crate::clock::{Clock, SimClock};
use crate::plan::{load_plan, LoadedPlan};
use crate::report::package;
use crate::runner::{AnswersFile, NewRun, Selection, Session};
use crate::unit::Unit;

/// The demo's units (files under `testplans/units/`): two samples of one model.
const DEMO_UNITS: [&str; 2] = ["demo-unit.toml", "demo-unit-2.toml"];

/// Arguments of `facebench demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output folder (default: reports/demo-<UTC time>); it gets `run/` and `submission/`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only these items or sheets (ids like COT-001, or climate | coating | …): a quick
    /// rehearsal; the others are reported as not tested.
    #[arg(long, value_name = "ID", num_args = 1..)]
    pub only: Vec<String>,
}

/// Runs the demo.
pub fn execute(args: DemoArgs) -> Result<ExitCode, CliError> {
    let started = std::time::Instant::now();
    let catalog = load_catalog()?;
    let units = DEMO_UNITS
        .iter()
        .map(|file| {
            let unit = load_unit_file(&shipped(&format!("testplans/units/{file}"))?.path)?;
            register_unit(unit, &catalog, None, None)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let unit = &units[0];
    let precheck_unit = unit.clone();
    let standard = catalog
        .standard_for(&unit.device_type, None)
        .map_err(CliError::input)?
        .clone();
    let plan_file = plan_path(&standard)?.path;
    let loaded = load_plan(&plan_file, &catalog).map_err(CliError::input)?;
    let selection = super::run::check_selection(&loaded.plan, &args.only, &[])?;
    let out = args.out.unwrap_or_else(|| {
        PathBuf::from("reports").join(format!(
            "demo-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        ))
    });
    let run_dir = out.join("run");
    println!(
        "facebench demo: {} samples of {} {} ({}), {} v{} plan, {} items",
        units.len(),
        unit.vendor,
        unit.model,
        unit.device_type,
        standard.name_zh,
        standard.version,
        loaded.plan.items.len()
    );
    let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    let station = StationArgs {
        station: None,
        sim: true,
    }
    .load(None)?;
    DemoRun {
        station,
        clock,
        plan_file: &plan_file,
        loaded,
        answers: "testplans/answers/demo-desktop-cashier.toml",
        units,
        run_dir: &run_dir,
        selection: &selection,
        log: true,
    }
    .run()?;
    let report = report_run_with(&run_dir, true)?;
    let run = LoadedRun::open(&run_dir)?;
    let submission = out.join("submission");
    let bundles = package(
        run.dir.path(),
        &submission,
        &run.plan,
        &run.standard,
        &run.state,
    )
    .map_err(CliError::harness)?;
    print_bundles(&bundles);
    let prechecks = run_precheck(&out, &submission, &precheck_unit, &catalog)?;
    for precheck in &prechecks {
        print!("{precheck}");
    }
    println!("run directory: {}", run_dir.display());
    println!("pre-check run: {}", out.join("precheck-run").display());
    println!("submission:    {}", submission.display());
    println!("demo took {:.1} s", started.elapsed().as_secs_f64());
    let overall = crate::judge::Verdict::worst(
        std::iter::once(report.overall).chain(prechecks.iter().map(|p| p.overall)),
    )
    .unwrap_or(report.overall);
    Ok(exit::for_verdict(overall))
}

/// One of the demo's runs: a plan on a station with shipped operator answers, from start to
/// its last item.
pub(super) struct DemoRun<'a> {
    /// The station the run opens.
    pub station: Option<ChosenStation>,
    /// The run's clock.
    pub clock: Arc<dyn Clock>,
    /// Where the plan was read from.
    pub plan_file: &'a Path,
    /// The plan.
    pub loaded: LoadedPlan,
    /// The shipped answers file (relative to the shipped data).
    pub answers: &'a str,
    /// The samples.
    pub units: Vec<Unit>,
    /// The run folder to make.
    pub run_dir: &'a Path,
    /// The items to run.
    pub selection: &'a Selection,
    /// Whether the run's log file takes the process's log output.
    pub log: bool,
}

impl DemoRun<'_> {
    /// Starts the run and runs its selection.
    pub fn run(self) -> Result<(), CliError> {
        let mut opener = StationOpener::new(self.station, Arc::clone(&self.clock));
        let answers_file = shipped(self.answers)?;
        let mut answers = AnswersFile::load(
            &answers_file.path,
            &answers_file.root,
            &self.loaded.plan,
            self.units.len(),
        )?;
        let mut session = Session::start(
            NewRun {
                run_dir: self.run_dir,
                plan_path: self.plan_file,
                plan_text: &self.loaded.text,
                plan: self.loaded.plan,
                units: self.units,
                station: opener.name(),
            },
            &mut |dir, samples| opener.open(dir, samples),
            self.clock,
        )?;
        if self.log {
            logging::log_to(&session.dir().log_path()).map_err(CliError::harness)?;
        }
        session.run(&mut answers, &mut BarObserver::new(), self.selection)?;
        Ok(())
    }
}
