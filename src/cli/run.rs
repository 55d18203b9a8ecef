//! `facebench run`: run a plan's items for one unit or several (samples sharing the rigs, each
//! with its own camera), or resume a run.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::exit::{self, CliError};
use super::paths::{load_catalog, plan_path, user_file};
use super::progress::{BarObserver, LineObserver};
use super::station_args::{StationArgs, StationOpener};
use super::unit_args::UnitArgs;
use super::{interrupt, logging, summary};
use crate::clock::{Clock, SimClock, SystemClock};
use crate::live::status::StatusRecorder;
use crate::plan::{load_plan, Plan};
use crate::report::is_precheck;
use crate::runner::{AnswersFile, NewRun, RunOutcome, Selection, Session, TerminalOperator};

/// Arguments of `facebench run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Continue a killed or stopped run in this run directory.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["plan", "run_dir"])]
    pub resume: Option<PathBuf>,
    /// With --resume: continue even though the plan file changed since the run started.
    #[arg(long, requires = "resume")]
    pub accept_plan_change: bool,
    /// Plan file (default: the shipped plan of the unit's standard).
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Run directory to create (default: reports/<UTC time>-<vendor>-<model>).
    #[arg(long, value_name = "DIR")]
    pub run_dir: Option<PathBuf>,
    /// Take the operator's answers from this file instead of asking on the terminal.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Run only these items or sheets (ids like CLM-001, or climate | mechanical | …).
    #[arg(long, value_name = "ID", num_args = 1..)]
    pub only: Vec<String>,
    /// Run these items again even though they have a result (a new attempt; history is kept).
    #[arg(long, value_name = "ID", num_args = 1..)]
    pub rerun: Vec<String>,
    /// Use simulated time: waits complete at once (for rehearsals with simulators; implied by
    /// --sim).
    #[arg(long)]
    pub sim_clock: bool,
    /// Serve the live view (a web page) of this run while it runs, on ADDR (default
    /// 127.0.0.1:8700; another address needs --live-token).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = crate::live::DEFAULT_ADDR)]
    pub live: Option<std::net::SocketAddr>,
    /// With --live: the token every request must carry (`?token=T`); required off loopback.
    #[arg(long, value_name = "T", requires = "live")]
    pub live_token: Option<String>,
    /// The rigs.
    #[command(flatten)]
    pub station: StationArgs,
    /// The unit under test (new runs only).
    #[command(flatten)]
    pub unit: UnitArgs,
    /// Index the run into the results history as it runs: a SQLite file or a postgres:// URL
    /// (without a value: reports/history.sqlite; default: the FACEBENCH_DB environment
    /// variable, else no indexing). A database that is down never stops the run.
    #[arg(long, value_name = "PATH|URL", num_args = 0..=1, default_missing_value = "")]
    pub db: Option<String>,
}

/// Runs `facebench run`.
pub fn execute(args: RunArgs) -> Result<ExitCode, CliError> {
    let history =
        crate::history::DbTarget::from_flag_or_env(args.db.as_deref()).map_err(CliError::input)?;
    let catalog = load_catalog()?;
    let station = args.station.load(args.resume.as_deref())?;
    let sim_time = station.as_ref().is_some_and(|s| s.sim_time);
    let simulated = args.sim_clock || sim_time;
    let clock: Arc<dyn Clock> = if simulated {
        Arc::new(SimClock::starting_at(chrono::Utc::now()))
    } else {
        Arc::new(SystemClock::new())
    };
    let live = match args.live {
        Some(addr) => Some(super::live::bind(addr, args.live_token.as_deref())?),
        None => None,
    };
    let mut opener = StationOpener::new(station, Arc::clone(&clock));
    let station_name = opener.name();
    let mut open_rigs = |dir: &crate::journal::RunDir, samples| opener.open(dir, samples);
    let mut answers: Option<AnswersFile>;
    let selection: Selection;
    let mut session = match &args.resume {
        Some(run_dir) => {
            let session = Session::resume(
                run_dir,
                &catalog,
                args.accept_plan_change,
                &mut open_rigs,
                Arc::clone(&clock),
            )?;
            (selection, answers) = check_inputs(&args, session.plan(), session.samples())?;
            if session.truncated_bytes() > 0 {
                eprintln!(
                    "note: dropped {} bytes of a journal line cut off by the crash; no recorded result was lost",
                    session.truncated_bytes()
                );
            }
            session
        }
        None => {
            let units = args.unit.register_all(&catalog)?;
            let standard = run_standard(&catalog, &units)?;
            let unit = &units[0];
            let plan_file = match &args.plan {
                Some(path) => user_file(path)?.path,
                None => plan_path(standard)?.path,
            };
            let loaded = load_plan(&plan_file, &catalog).map_err(CliError::input)?;
            // The software pre-check applies to every device type.
            if loaded.plan.standard != standard.id && !is_precheck(&loaded.plan) {
                return Err(CliError::input(anyhow::anyhow!(
                    "plan {} is for standard `{}`, but a {} unit needs `{}`",
                    plan_file.display(),
                    loaded.plan.standard,
                    unit.device_type,
                    standard.id
                )));
            }
            (selection, answers) = check_inputs(&args, &loaded.plan, units.len())?;
            let run_dir = args
                .run_dir
                .clone()
                .unwrap_or_else(|| default_run_dir(&unit.vendor, &unit.model));
            Session::start(
                NewRun {
                    run_dir: &run_dir,
                    plan_path: &plan_file,
                    plan_text: &loaded.text,
                    plan: loaded.plan,
                    units,
                    station: station_name,
                },
                &mut open_rigs,
                Arc::clone(&clock),
            )?
        }
    };
    logging::log_to(&session.dir().log_path()).map_err(CliError::harness)?;
    if let Some(warning) = opener.station_change() {
        tracing::warn!("{warning}");
    }
    let indexer = history
        .clone()
        .map(|target| super::history::start_indexing(target, session.dir().path()));
    let signals = interrupt::stop_on_signals(session.stop_flag(), session.stop_cause());
    // What the journal does not hold (step under way, prompt waiting) for the live view.
    let status = StatusRecorder::start(session.dir().path(), clock, simulated);
    let _live = match live {
        Some(listener) => Some(super::live::serve(
            listener,
            session.dir().path(),
            session.plan(),
        )?),
        None => None,
    };
    let outcome = match &mut answers {
        Some(answers) => {
            let mut bar = BarObserver::new();
            let mut observer = status.observer(&mut bar);
            session.run(&mut status.operator(answers), &mut observer, &selection)?
        }
        None => {
            let stdin = io::stdin();
            let mut terminal = TerminalOperator::new(stdin.lock(), io::stderr());
            let mut lines = LineObserver::default();
            let mut observer = status.observer(&mut lines);
            session.run(
                &mut status.operator(&mut terminal),
                &mut observer,
                &selection,
            )?
        }
    };
    drop(status);
    if let (Some(indexer), Some(target)) = (indexer, &history) {
        super::history::finish_indexing(indexer, target, session.dir().path());
    }
    let hint = resume_command(session.dir().path(), &selection, &args);
    finish(&session, outcome, signals.received(), &hint)
}

/// The command that continues a stopped run with the same choice of items (`--only`), the same
/// answers file and clock. `--rerun` is left out: its new attempts have begun, and repeating the
/// flag would start them over.
fn resume_command(run_dir: &Path, selection: &Selection, args: &RunArgs) -> String {
    let mut words = vec![
        "facebench".to_string(),
        "run".into(),
        "--resume".into(),
        shell_word(&run_dir.display().to_string()),
    ];
    if !selection.only.is_empty() {
        words.push("--only".into());
        words.extend(selection.only.iter().map(|entry| shell_word(entry)));
    }
    if let Some(answers) = &args.answers {
        words.push("--answers".into());
        words.push(shell_word(&answers.display().to_string()));
    }
    if args.sim_clock {
        words.push("--sim-clock".into());
    }
    words.join(" ")
}

/// `word` quoted for a POSIX shell when it holds anything but plain path characters.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@+,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Checks what the command line asks of `plan` before anything runs (see
/// [`check_selection`]) and loads the answers file, which must answer only items and
/// measurements the plan has.
fn check_inputs(
    args: &RunArgs,
    plan: &Plan,
    samples: usize,
) -> Result<(Selection, Option<AnswersFile>), CliError> {
    let selection = check_selection(plan, &args.only, &args.rerun)?;
    let Some(path) = args.answers.as_deref() else {
        return Ok((selection, None));
    };
    let found = user_file(path)?;
    let answers = AnswersFile::load(&found.path, &answers_base(&found), plan, samples)?;
    Ok((selection, Some(answers)))
}

/// The selection flags in the plan's own spelling: `--only` entries are item ids or sheets,
/// `--rerun` entries item ids, matched without regard to case (`cot-001`, `Coating`,
/// `coating reliability`, `涂层类可靠性`, `COT`); an unknown entry is an input error that
/// suggests the closest id.
pub(super) fn check_selection(
    plan: &Plan,
    only: &[String],
    rerun: &[String],
) -> Result<Selection, CliError> {
    let resolve = |flag: &str, entry: &String, sheets_too: bool| {
        if let Some(item) = plan.items.iter().find(|i| i.id.eq_ignore_ascii_case(entry)) {
            return Ok(item.id.clone());
        }
        if sheets_too {
            if let Some(sheet) = sheet_named(entry) {
                return Ok(sheet.key().to_string());
            }
        }
        let what = if sheets_too { "item or sheet" } else { "item" };
        Err(CliError::input(anyhow::anyhow!(
            "{flag} {entry}: {} (see `facebench plan show`)",
            plan.no_such(what, &entry.to_ascii_uppercase())
        )))
    };
    Ok(Selection {
        only: only
            .iter()
            .map(|entry| resolve("--only", entry, true))
            .collect::<Result<_, _>>()?,
        rerun: rerun
            .iter()
            .map(|entry| resolve("--rerun", entry, false))
            .collect::<Result<_, _>>()?,
    })
}

/// A sheet by its key, Chinese or English name or id prefix, in any case.
fn sheet_named(text: &str) -> Option<crate::catalog::Sheet> {
    let text = text.trim();
    crate::catalog::Sheet::ALL.into_iter().find(|sheet| {
        [
            sheet.key(),
            sheet.name_zh(),
            sheet.name_en(),
            sheet.id_prefix(),
        ]
        .iter()
        .any(|name| name.eq_ignore_ascii_case(text))
    })
}

/// The standard every unit of the run is tested to: one plan runs per run, so units whose
/// device types need different standards cannot share it.
fn run_standard<'c>(
    catalog: &'c crate::catalog::Catalog,
    units: &[crate::unit::Unit],
) -> Result<&'c crate::catalog::Standard, CliError> {
    let standard_of = |unit: &crate::unit::Unit| {
        catalog
            .standard_for(&unit.device_type, unit.usage.as_deref())
            .map_err(CliError::input)
    };
    let first = standard_of(&units[0])?;
    for (sample, unit) in (1..).zip(units) {
        let standard = standard_of(unit)?;
        if standard.id != first.id {
            return Err(CliError::input(anyhow::anyhow!(
                "sample {sample} ({} {}, {}) is tested to standard `{}`, sample 1 to `{}`: one \
                 run follows one plan, so run them separately",
                unit.vendor,
                unit.model,
                unit.device_type,
                standard.id,
                first.id
            )));
        }
    }
    Ok(first)
}

/// Writes the reports and prints the summary. The exit code follows the verdict, also when the
/// operator stopped the run; a run a signal stopped exits 128 + the signal's number.
fn finish(
    session: &Session,
    outcome: RunOutcome,
    signal: Option<interrupt::StopSignal>,
    resume_hint: &str,
) -> Result<ExitCode, CliError> {
    let run_dir = session.dir().path().to_path_buf();
    let report = summary::report_run(&run_dir)?;
    match outcome {
        RunOutcome::Finished(_) => {
            println!("run finished");
            Ok(exit::for_verdict(report.overall))
        }
        RunOutcome::Stopped => {
            println!("run stopped; continue with: {resume_hint}");
            // What is recorded so far decides: a no pass or an error before the operator's stop
            // is not hidden by stopping (items not run yet are not tested, which does not fail a
            // run). A signal's stop says so in its own code.
            Ok(signal.map_or(exit::for_verdict(report.overall), |signal| {
                ExitCode::from(signal.exit_code())
            }))
        }
    }
}

/// Relative evidence paths in an answers file are taken from the directory it is run in, or,
/// for answers under a shipped data folder's `testplans/`, from that folder.
fn answers_base(found: &super::paths::Found) -> PathBuf {
    let testplans = found.root.join("testplans");
    match (found.path.canonicalize(), testplans.canonicalize()) {
        (Ok(file), Ok(dir)) if file.starts_with(&dir) => found.root.clone(),
        _ => PathBuf::from("."),
    }
}

/// `reports/<UTC time>-<vendor>-<model>`, with the names made safe for a path.
pub fn default_run_dir(vendor: &str, model: &str) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let name = crate::report::safe_file_component(&format!("{stamp}-{vendor}-{model}"));
    Path::new("reports").join(name)
}
