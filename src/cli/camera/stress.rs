//! `camera stress`: the camera checklist plan (`testplans/camera-checklist.toml`, or `--plan`)
//! run by the session like any plan, with the `--source` selector as the station's camera. The
//! run directory is a normal one (journal, plan snapshot, series, `report/`); the checklist
//! workbook is built from its journal with the plan's criteria, and `--resume` continues a
//! killed or stopped run.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::open::backend_limits;
use super::shorthand::{items_for, Shorthand};
use super::{clock_for, StressArgs, StressMode};
use crate::cli::exit::{self, CliError};
use crate::cli::paths::{load_catalog, shipped, user_file};
use crate::cli::progress::LineObserver;
use crate::cli::{interrupt, logging, summary};
use crate::journal::{read_journal, RunDir, RunState};
use crate::judge::Verdict;
use crate::plan::{load_plan, parse_plan, Plan};
use crate::report::{checklist_from_run, write_checklist, CameraCheck};
use crate::runner::rigs::{RigSet, StationCameraRig};
use crate::runner::{NewRun, RunError, RunOutcome, Selection, Session, TerminalOperator};
use crate::station::SampleCameras;
use crate::unit::{Features, Unit};

/// The shipped checklist plan, relative to `testplans/`.
pub const CHECKLIST_PLAN: &str = "camera-checklist.toml";

/// Runs `camera stress`.
pub fn run(args: StressArgs) -> Result<ExitCode, CliError> {
    if args.mode == Some(StressMode::Dual) && args.source2.is_none() {
        return Err(CliError::input(anyhow::anyhow!(
            "--mode dual needs --source2 (e.g. the IR node)"
        )));
    }
    let mut specs = vec![&args.source];
    specs.extend(args.source2.as_ref());
    let clock = clock_for(args.sim_clock, &specs)?;
    let faults = if args.faults.is_empty() {
        None
    } else {
        Some(super::parse_faults(&args.faults).map_err(CliError::input)?)
    };
    // The station's camera rig, as a station naming `--source` as the plan's `rgb` stream and
    // `--source2` as its `ir` and `depth` streams would give; a synthetic source has pixels on
    // every frame, so every frame's content is judged.
    let cameras = SampleCameras {
        rgb: Some(args.source.clone()),
        ir: args.source2.clone(),
        depth: args.source2.clone(),
    };
    let station = station_name(&args);
    let mut open_rigs = |_: &RunDir, samples: usize| -> Result<RigSet, RunError> {
        let rig = || {
            StationCameraRig::new("the camera", cameras.clone(), faults.clone())
                .with_pixels_on_every_frame()
        };
        Ok(RigSet {
            station: station.clone(),
            cameras: (0..samples).map(|_| Box::new(rig()) as _).collect(),
            ..RigSet::default()
        })
    };
    let catalog = load_catalog()?;
    let mut session = match &args.resume {
        Some(run_dir) => {
            warn_on_other_camera(run_dir, &station);
            Session::resume(run_dir, &catalog, false, &mut open_rigs, clock)?
        }
        None => {
            let new = prepare(&args, &catalog)?;
            Session::start(
                NewRun {
                    run_dir: &new.run_dir,
                    plan_path: &new.plan_path,
                    plan_text: &new.text,
                    plan: new.plan,
                    units: vec![unit(&args)],
                    station: station.clone(),
                },
                &mut open_rigs,
                clock,
            )?
        }
    };
    logging::log_to(&session.dir().log_path()).map_err(CliError::harness)?;
    let only = items_for(session.plan(), args.mode, args.source2.is_some());
    if only.is_empty() {
        return Err(CliError::input(anyhow::anyhow!(
            "the plan has no camera item for --mode {}",
            args.mode.map_or("(all)", StressMode::name)
        )));
    }
    let left_out: Vec<&str> = session
        .plan()
        .items
        .iter()
        .filter(|i| !only.contains(&i.id))
        .map(|i| i.id.as_str())
        .collect();
    if args.mode.is_none() && !left_out.is_empty() {
        eprintln!(
            "not run without --source2 (not tested): {}",
            left_out.join(", ")
        );
    }
    let signals = interrupt::stop_on_signals(session.stop_flag(), session.stop_cause());
    let selection = Selection {
        only: only.clone(),
        rerun: Vec::new(),
    };
    let stdin = io::stdin();
    let mut operator = TerminalOperator::new(stdin.lock(), io::stderr());
    let outcome = session.run(&mut operator, &mut LineObserver::default(), &selection)?;
    let verdict = report(session.dir(), session.plan(), &only, &args)?;
    let run_dir = session.dir().path().display().to_string();
    match outcome {
        RunOutcome::Finished(_) => Ok(exit::for_verdict(verdict)),
        RunOutcome::Stopped => {
            println!(
                "stopped; continue with: facebench camera stress --source {}{} --resume {run_dir}",
                args.source,
                args.source2
                    .as_ref()
                    .map(|s| format!(" --source2 {s}"))
                    .unwrap_or_default()
            );
            Ok(signals
                .received()
                .map_or(exit::for_verdict(verdict), |signal| {
                    ExitCode::from(signal.exit_code())
                }))
        }
    }
}

/// A new run's directory and the plan it runs, with the short-hand flags applied.
struct Prepared {
    run_dir: PathBuf,
    plan_path: PathBuf,
    text: String,
    plan: Plan,
}

/// Loads the plan and applies the flags. An edited plan is recorded as the run's own snapshot
/// (`RUN_DIR/plan.toml`), so a resume reads it back rather than refusing a changed file.
fn prepare(args: &StressArgs, catalog: &crate::catalog::Catalog) -> Result<Prepared, CliError> {
    let plan_file = match &args.plan {
        Some(path) => user_file(path)?.path,
        None => shipped(&format!("testplans/{CHECKLIST_PLAN}"))?.path,
    };
    let loaded = load_plan(&plan_file, catalog).map_err(CliError::input)?;
    let run_dir = args.out.clone().unwrap_or_else(default_out);
    let flags = Shorthand {
        duration: args.duration,
        cycles: args.cycles,
    };
    if flags.is_empty() {
        return Ok(Prepared {
            run_dir,
            plan_path: plan_file,
            text: loaded.text,
            plan: loaded.plan,
        });
    }
    let origin = plan_file.display().to_string();
    let text = flags
        .apply(&loaded.text, &origin, &loaded.plan)
        .map_err(CliError::input)?;
    let plan_path = run_dir.join(RunDir::PLAN_SNAPSHOT);
    let plan = parse_plan(&text, &origin, catalog).map_err(CliError::input)?;
    Ok(Prepared {
        run_dir,
        plan_path,
        text,
        plan,
    })
}

/// The unit of the checklist, from the flags.
fn unit(args: &StressArgs) -> Unit {
    Unit {
        vendor: args.vendor.clone(),
        model: args.model.clone(),
        device_type: String::new(),
        usage: None,
        device_sn: args.device_sn.clone(),
        camera_sn: args.camera_sn.clone(),
        camera_model: args.camera_model.clone(),
        features: Features::default(),
        lab: String::new(),
        operator: String::new(),
    }
}

/// The station name the journal records: the sources the run streams.
fn station_name(args: &StressArgs) -> String {
    match &args.source2 {
        Some(second) => format!("camera {} + {second}", args.source),
        None => format!("camera {}", args.source),
    }
}

/// Warns when a resumed run started with other sources than it continues with (its results so
/// far stand; the journal keeps the first sources as the run's station).
fn warn_on_other_camera(run_dir: &Path, station: &str) {
    let started = RunDir::open(run_dir)
        .and_then(|dir| read_journal(&dir))
        .and_then(|contents| RunState::from_entries(&contents.entries));
    if let Ok(state) = started {
        if state.station != station {
            eprintln!(
                "warning: {} started with `{}` and continues with `{station}`",
                run_dir.display(),
                state.station
            );
        }
    }
}

fn default_out() -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    Path::new("reports").join(format!("camera-{stamp}"))
}

/// Writes the run's reports and the checklist workbook from the journal, prints each checklist
/// row, and returns the verdict of the items this invocation ran (an item without a result is
/// not tested).
fn report(
    dir: &RunDir,
    plan: &Plan,
    ran: &[String],
    args: &StressArgs,
) -> Result<Verdict, CliError> {
    let written = summary::report_run(dir.path())?;
    let contents = read_journal(dir).map_err(CliError::harness)?;
    let state = RunState::from_entries(&contents.entries).map_err(CliError::harness)?;
    let mut checklist = checklist_from_run(plan, &state);
    if let Some(files) = written.files.first() {
        checklist = checklist.with_camera_charts(&files.charts);
    }
    checklist.backend_note = backend_limits(&args.source).to_string();
    let path = write_checklist(&dir.report_dir(), &checklist).map_err(CliError::harness)?;
    for check in CameraCheck::ALL {
        let (verdict, figures) = checklist
            .outcomes
            .get(&check)
            .map_or((Verdict::NotTested, "not run".to_string()), |o| {
                (o.verdict, o.figures.replace('\n', "; "))
            });
        println!(
            "{} {:<36} {:<10} {figures}",
            check.number(),
            check.name(),
            verdict.label()
        );
    }
    if !checklist.backend_note.is_empty() {
        println!("{}", checklist.backend_note);
    }
    println!("checklist: {}", path.display());
    let verdicts = ran.iter().map(|id| {
        state
            .result(id, 1)
            .map_or(Verdict::NotTested, |r| r.verdict)
    });
    Ok(Verdict::worst(verdicts).unwrap_or(Verdict::NotTested))
}
