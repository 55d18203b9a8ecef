//! `camera stress`: runs one mode with a live line, then prints and writes the results.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::open::{backend_limits, open_source};
use super::verdicts::{dual_row, from_cycles, from_soak, from_switching, CameraLimits};
use super::{camera_failure, clock_for, stop_on_ctrl_c, StressArgs, StressMode};
use crate::camera::analysis::{AnalysisConfig, SeriesRow, SeriesSink};
use crate::camera::stress::cycles::{run_cycles, CycleConfig, CycleRecord};
use crate::camera::stress::dual::{run_dual, StreamJob};
use crate::camera::stress::soak::{run_soak, SoakConfig, SoakOutcome};
use crate::camera::stress::switching::{run_switching, SwitchConfig, SwitchRecord};
use crate::camera::stress::StopFlag;
use crate::camera::{CameraError, FrameSource, OpenInfo, StreamConfig};
use crate::cli::exit::{self, CliError};
use crate::clock::{Clock, SimClock};
use crate::judge::Verdict;
use crate::report::{write_checklist, CameraCheck, CameraChecklist, CheckOutcome};

/// Rows of checks, in the order they were judged.
type Rows = Vec<(CameraCheck, CheckOutcome)>;

/// Runs `camera stress`.
pub fn run(args: StressArgs) -> Result<ExitCode, CliError> {
    let mut specs = vec![&args.source];
    if let Some(second) = &args.source2 {
        specs.push(second);
    }
    let clock = clock_for(args.sim_clock, &specs)?;
    let faults = if args.faults.is_empty() {
        None
    } else {
        Some(super::parse_faults(&args.faults).map_err(CliError::input)?)
    };
    let mut source =
        open_source(&args.source, Arc::clone(&clock), faults.clone()).map_err(CliError::input)?;
    let out_dir = args.out.clone().unwrap_or_else(|| default_out(&args));
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| CliError::harness(anyhow::anyhow!("{}: {e}", out_dir.display())))?;
    let stop = StopFlag::new();
    stop_on_ctrl_c(stop.clone());
    let bar = live_line();
    let limits = CameraLimits::default();
    let estimated = !source.capabilities().has_sequence;
    let rows = match args.mode {
        StressMode::Cycles => {
            let config = CycleConfig {
                cycles: args.cycles,
                ..CycleConfig::default()
            };
            let mut csv = CsvOut::create(&out_dir.join("cycles.csv"), &CYCLE_COLUMNS)?;
            let outcome = run_cycles(source.as_mut(), clock.as_ref(), &config, &stop, &mut |r| {
                bar.set_message(format!(
                    "cycle {}/{}  {}",
                    r.cycle + 1,
                    args.cycles,
                    cycle_line(r)
                ));
                csv.row(&cycle_cells(r));
            });
            csv.finish()?;
            from_cycles(&outcome, &limits)
        }
        StressMode::Soak => {
            let info = probe(source.as_mut(), &args.source.to_string())?;
            let (outcome, config) = soak(
                source.as_mut(),
                clock.as_ref(),
                &info,
                &args,
                &out_dir,
                "series.csv",
                &stop,
                &bar,
            )?;
            from_soak(&outcome, config.rate.as_f64(), estimated, &limits)
        }
        StressMode::Switch => {
            let info = probe(source.as_mut(), &args.source.to_string())?;
            let mut configs = vec![info.config];
            configs.extend(args.switch_to.iter().copied());
            if configs.len() < 2 {
                return Err(CliError::input(anyhow::anyhow!(
                    "--mode switch needs at least one --switch-to MODE besides the source's own"
                )));
            }
            let config = SwitchConfig {
                configs,
                rounds: args.cycles,
                frames_per_config: 5,
                frame_timeout: Duration::from_secs(2),
            };
            let outcome = run_switching(
                source.as_mut(),
                clock.as_ref(),
                &config,
                &stop,
                &mut |r: &SwitchRecord| {
                    bar.set_message(format!(
                        "round {}/{}  {}",
                        r.round + 1,
                        args.cycles,
                        super::ModeText(r.wanted)
                    ));
                },
            )
            .map_err(|e| camera_failure(&format!("switching {}", args.source), e))?;
            from_switching(&outcome, &limits)
        }
        StressMode::Dual => dual(
            source, &args, &clock, faults, &out_dir, &stop, &bar, &limits,
        )?,
    };
    bar.finish_and_clear();
    report(&args, &rows, &out_dir)
}

fn default_out(args: &StressArgs) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    PathBuf::from("reports").join(format!("camera-{stamp}-{}", args.mode.name()))
}

fn live_line() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Opens and closes the source once to learn its stream configuration.
fn probe(source: &mut dyn FrameSource, label: &str) -> Result<OpenInfo, CliError> {
    let info = source
        .open()
        .map_err(|e| camera_failure(&format!("opening {label}"), e))?;
    source.close();
    Ok(info)
}

/// The soak settings for a stream: stall timeout `max(1 s, 5 × nominal interval)`.
fn soak_config(config: StreamConfig, duration: Duration) -> SoakConfig {
    let mut soak = SoakConfig::new(duration, AnalysisConfig::for_stream(config));
    if let Some(interval) = config.rate.interval() {
        soak.frame_timeout = (interval * 5).max(Duration::from_secs(1));
    }
    soak
}

#[allow(clippy::too_many_arguments)]
fn soak(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    info: &OpenInfo,
    args: &StressArgs,
    out_dir: &Path,
    file: &str,
    stop: &StopFlag,
    bar: &ProgressBar,
) -> Result<(SoakOutcome, StreamConfig), CliError> {
    let csv = Arc::new(Mutex::new(CsvOut::create(
        &out_dir.join(file),
        &SERIES_COLUMNS,
    )?));
    let outcome = run_soak(
        source,
        clock,
        &soak_config(info.config, args.duration),
        stop,
        Some(series_sink(Arc::clone(&csv), bar.clone(), String::new())),
    )
    .map_err(|e| camera_failure(&format!("soaking {}", args.source), e))?;
    finish_shared(csv)?;
    Ok((outcome, info.config))
}

#[allow(clippy::too_many_arguments)]
fn dual(
    mut first: Box<dyn FrameSource>,
    args: &StressArgs,
    clock: &Arc<dyn Clock>,
    faults: Option<crate::camera::faults::FaultPlan>,
    out_dir: &Path,
    stop: &StopFlag,
    bar: &ProgressBar,
    limits: &CameraLimits,
) -> Result<Rows, CliError> {
    let second_spec = args.source2.as_ref().ok_or_else(|| {
        CliError::input(anyhow::anyhow!(
            "--mode dual needs --source2 (e.g. the IR node)"
        ))
    })?;
    // Each simulated stream needs its own simulated clock: a clock shared by two sleeping
    // sources would advance for both whenever either sleeps, and each would see the other's
    // sleeps as lost frames. Real time is shared as it is.
    let clock_b: Arc<dyn Clock> = if args.sim_clock {
        Arc::new(SimClock::starting_at(clock.now_utc()))
    } else {
        Arc::clone(clock)
    };
    let mut second =
        open_source(second_spec, Arc::clone(&clock_b), faults).map_err(CliError::input)?;
    let info_a = probe(first.as_mut(), &args.source.to_string())?;
    let info_b = probe(second.as_mut(), &second_spec.to_string())?;
    let csv_a = Arc::new(Mutex::new(CsvOut::create(
        &out_dir.join("series-a.csv"),
        &SERIES_COLUMNS,
    )?));
    let csv_b = Arc::new(Mutex::new(CsvOut::create(
        &out_dir.join("series-b.csv"),
        &SERIES_COLUMNS,
    )?));
    let estimated_a = !first.capabilities().has_sequence;
    let estimated_b = !second.capabilities().has_sequence;
    let (a, b) = run_dual(
        StreamJob {
            source: first.as_mut(),
            clock: clock.as_ref(),
            config: soak_config(info_a.config, args.duration),
            series: Some(series_sink(Arc::clone(&csv_a), bar.clone(), "A ".into())),
        },
        StreamJob {
            source: second.as_mut(),
            clock: clock_b.as_ref(),
            config: soak_config(info_b.config, args.duration),
            series: Some(series_sink(
                Arc::clone(&csv_b),
                ProgressBar::hidden(),
                "B ".into(),
            )),
        },
        stop,
    );
    finish_shared(csv_a)?;
    finish_shared(csv_b)?;
    let rows_of = |r: Result<SoakOutcome, CameraError>, fps: f64, estimated: bool| match r {
        Ok(outcome) => from_soak(&outcome, fps, estimated, limits),
        Err(e) => vec![(
            CameraCheck::SoakFps,
            CheckOutcome {
                figures: format!("did not start: {e}"),
                limit: String::new(),
                verdict: if e.is_gone() {
                    Verdict::NoPass
                } else {
                    Verdict::Error
                },
                note: String::new(),
            },
        )],
    };
    let rows_a = rows_of(a, info_a.config.rate.as_f64(), estimated_a);
    let rows_b = rows_of(b, info_b.config.rate.as_f64(), estimated_b);
    let mut rows = vec![dual_row(&rows_a, &rows_b)];
    rows.extend(rows_a);
    Ok(rows)
}

fn series_sink(csv: Arc<Mutex<CsvOut>>, bar: ProgressBar, prefix: String) -> SeriesSink {
    Box::new(move |row: &SeriesRow| {
        bar.set_message(format!(
            "{prefix}t={}s  {} fps  drops {}  bad {}  timeouts {}",
            row.second,
            row.fps.map_or("-".to_string(), |fps| format!("{fps:.1}")),
            row.device_drops,
            row.bad_frames,
            row.timeouts
        ));
        if let Ok(mut csv) = csv.lock() {
            csv.row(&series_cells(row));
        }
    })
}

const SERIES_COLUMNS: [&str; 9] = [
    "second",
    "frames",
    "fps",
    "device_drops",
    "harness_drops",
    "timeouts",
    "bad_frames",
    "luma_mean",
    "exposure_ms",
];

fn series_cells(row: &SeriesRow) -> Vec<String> {
    let opt = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or_default();
    vec![
        row.second.to_string(),
        row.frames.to_string(),
        opt(row.fps),
        row.device_drops.to_string(),
        row.harness_drops.to_string(),
        row.timeouts.to_string(),
        row.bad_frames.to_string(),
        opt(row.luma_mean),
        opt(row.exposure_ms),
    ]
}

const CYCLE_COLUMNS: [&str; 8] = [
    "cycle",
    "open_ms",
    "first_frame_ms",
    "frames",
    "path",
    "error",
    "fds",
    "rss_kib",
];

fn millis(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.3}", d.as_secs_f64() * 1000.0))
        .unwrap_or_default()
}

fn cycle_cells(r: &CycleRecord) -> Vec<String> {
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    vec![
        r.cycle.to_string(),
        millis(r.open_latency),
        millis(r.first_frame_latency),
        r.frames.to_string(),
        r.path.clone().unwrap_or_default(),
        r.error
            .as_ref()
            .map(|(kind, message)| format!("{kind}: {message}"))
            .unwrap_or_default(),
        opt(r.process.fds),
        opt(r.process.rss_kib),
    ]
}

fn cycle_line(r: &CycleRecord) -> String {
    match &r.error {
        Some((kind, _)) => kind.to_string(),
        None => format!("first frame {} ms", millis(r.first_frame_latency)),
    }
}

/// A CSV file written as results arrive; the first write error is kept and reported at the end.
struct CsvOut {
    path: PathBuf,
    writer: csv::Writer<File>,
    error: Option<csv::Error>,
}

impl CsvOut {
    fn create(path: &Path, header: &[&str]) -> Result<CsvOut, CliError> {
        let fail = |e: csv::Error| CliError::harness(anyhow::anyhow!("{}: {e}", path.display()));
        let mut writer = csv::Writer::from_path(path).map_err(fail)?;
        writer.write_record(header).map_err(fail)?;
        Ok(CsvOut {
            path: path.to_path_buf(),
            writer,
            error: None,
        })
    }

    fn row(&mut self, cells: &[String]) {
        if self.error.is_none() {
            if let Err(e) = self.writer.write_record(cells) {
                self.error = Some(e);
            }
        }
    }

    fn finish(mut self) -> Result<(), CliError> {
        let flushed = self.writer.flush().map_err(csv::Error::from);
        match self.error.take().map_or(flushed, Err) {
            Ok(()) => Ok(()),
            Err(e) => Err(CliError::harness(anyhow::anyhow!(
                "{}: {e}",
                self.path.display()
            ))),
        }
    }
}

fn finish_shared(csv: Arc<Mutex<CsvOut>>) -> Result<(), CliError> {
    // Still shared only if a stream thread was left behind; its rows are already written.
    let Ok(mutex) = Arc::try_unwrap(csv) else {
        return Ok(());
    };
    match mutex.into_inner() {
        Ok(csv) => csv.finish(),
        Err(poisoned) => poisoned.into_inner().finish(),
    }
}

/// Prints the figures and verdicts, writes `summary.txt` and the checklist workbook.
fn report(args: &StressArgs, rows: &Rows, out_dir: &Path) -> Result<ExitCode, CliError> {
    let mut text = format!(
        "camera stress --mode {} --source {}\n",
        args.mode.name(),
        args.source
    );
    let limits = backend_limits(&args.source);
    if !limits.is_empty() {
        text.push_str(limits);
        text.push('\n');
    }
    for (check, outcome) in rows {
        text.push_str(&format!(
            "{} {:<36} {:<10} {}  (limit: {}){}\n",
            check.number(),
            check.name(),
            outcome.verdict.label(),
            outcome.figures,
            if outcome.limit.is_empty() {
                "—"
            } else {
                &outcome.limit
            },
            if outcome.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", outcome.note)
            }
        ));
    }
    let verdict = Verdict::worst(rows.iter().map(|(_, o)| o.verdict)).unwrap_or(Verdict::NotTested);
    text.push_str(&format!("verdict: {verdict}\n"));
    print!("{text}");
    let summary = out_dir.join("summary.txt");
    std::fs::write(&summary, &text)
        .map_err(|e| CliError::harness(anyhow::anyhow!("{}: {e}", summary.display())))?;
    let mut checklist = CameraChecklist {
        vendor: args.vendor.clone(),
        model: args.model.clone(),
        device_sn: args.device_sn.clone(),
        camera_serial: args.camera_sn.clone(),
        source: args.source.to_string(),
        backend_note: limits.to_string(),
        tested: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        ..CameraChecklist::default()
    };
    for (check, outcome) in rows {
        checklist
            .outcomes
            .entry(*check)
            .or_insert_with(|| outcome.clone());
    }
    let workbook = write_checklist(out_dir, &checklist).map_err(CliError::harness)?;
    println!("results: {} and {}", summary.display(), workbook.display());
    Ok(exit::for_verdict(verdict))
}
