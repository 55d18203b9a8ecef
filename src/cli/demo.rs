//! `facebench demo`: a full simulated lab run that writes real reports.
//!
//! Registers two samples of the shipped demo model (a desktop single-screen terminal, as the
//! network asks for two test units per model), runs the whole desktop cashier plan on both in
//! one run on the simulated station (simulated chamber, drop rig and thermal logger shared by
//! both, a synthetic camera each) with the shipped operator answers on a simulated clock,
//! writes the workbook, CSV, JSON and the PDF test report, and packages the submission folder.
//! Then it runs the software pre-check of the first unit against a simulated Android terminal
//! over adb ([`super::demo_precheck`]) and adds its workbook to the same submission folder.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::demo_precheck::run_precheck;
use super::exit::{self, CliError};
use super::paths::{load_catalog, plan_path, shipped};
use super::progress::BarObserver;
use super::report::print_bundles;
use super::station_args::{StationArgs, StationOpener};
use super::summary::report_run_with;
use super::unit_args::{load_unit_file, register_unit};
use super::{loaded_run::LoadedRun, logging};
use crate::clock::{Clock, SimClock};
use crate::plan::load_plan;
use crate::report::package;
use crate::runner::{AnswersFile, NewRun, Session};

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
    let mut opener = StationOpener::new(station, Arc::clone(&clock));
    let station_name = opener.name();
    let answers_file = shipped("testplans/answers/demo-desktop-cashier.toml")?;
    let mut answers = AnswersFile::load(
        &answers_file.path,
        &answers_file.root,
        &loaded.plan,
        units.len(),
    )?;
    let mut session = Session::start(
        NewRun {
            run_dir: &run_dir,
            plan_path: &plan_file,
            plan_text: &loaded.text,
            plan: loaded.plan,
            units,
            station: station_name,
        },
        &mut |dir, samples| opener.open(dir, samples),
        clock,
    )?;
    logging::log_to(&session.dir().log_path()).map_err(CliError::harness)?;
    session.run(&mut answers, &mut BarObserver::new(), &selection)?;
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
