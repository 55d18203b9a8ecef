//! Running camera steps: soaks and monitors (frame rate, drops, stalls, bad frames, luma per
//! second), first-frame and open/close cycles, and resolution switching, one thread per stream.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::camera_intervals::write_intervals;
use super::series::{cell, SeriesWriter};
use super::{Measurements, StepContext, StepError};
use crate::camera::analysis::{AnalysisConfig, SeriesRow};
use crate::camera::stress::cycles::{run_cycles, CycleConfig, CycleRecord};
use crate::camera::stress::soak::{
    run_soak_observed, SoakConfig, SoakEnd, SoakOutcome, StreamBreak,
};
use crate::camera::stress::switching::{run_switching, SwitchConfig};
use crate::camera::stress::StopFlag;
use crate::camera::{CameraError, StreamConfig, StreamKind};
use crate::station::{stream_kind, CameraRig, CameraSource};

use crate::plan::rig_step::{CameraMode, CameraStress};

/// The per-second series header (`camera-<stream>.csv`).
pub const SERIES_HEADER: [&str; 12] = [
    "elapsed_s",
    "fps",
    "device_drops",
    "harness_drops",
    "stalls",
    "error_frames",
    "luma_mean",
    "luma_p5",
    "luma_p95",
    "clipped_fraction",
    "exposure",
    "note",
];
/// The cycle series header (`camera-cycles.csv`).
pub const CYCLES_HEADER: [&str; 5] = ["cycle", "open_ms", "first_frame_ms", "frames", "error"];

/// Default repeats of a first-frame step and cycles of an open/close step.
const DEFAULT_FIRST_FRAME_REPEATS: u32 = 20;
const DEFAULT_OPEN_CLOSE_CYCLES: u32 = 1000;
const DEFAULT_SWITCHES: u32 = 100;

/// Runs a camera step for `duration` (a monitor's partner step length, or the step's own).
pub fn run_camera_step(
    rig: &mut dyn CameraRig,
    stress: &CameraStress,
    duration: Duration,
    ctx: StepContext<'_>,
    stop: &StopFlag,
) -> Result<Measurements, StepError> {
    let fps = stress.nominal_fps.round().clamp(1.0, 1000.0) as u32;
    let mut streams = Vec::new();
    for name in &stress.streams {
        let kind = stream_kind(name)
            .ok_or_else(|| StepError::Unsupported(format!("unknown stream `{name}`")))?;
        // A stream the station has no camera for makes the item not tested.
        let source = rig.source(kind, fps).map_err(|error| match error {
            CameraError::NotSupported { what } => StepError::Unsupported(what),
            error => StepError::Camera(error),
        })?;
        streams.push((kind, source));
    }
    match stress.mode {
        CameraMode::Monitor | CameraMode::Soak | CameraMode::StreamCheck => {
            soak_streams(streams, stress, duration, ctx, stop)
        }
        CameraMode::FirstFrame | CameraMode::OpenClose => cycle_streams(streams, stress, ctx, stop),
        CameraMode::Switch => switch_streams(streams, stress, fps, stop),
    }
}

/// What one stream's soak gave.
struct StreamSoak {
    kind: StreamKind,
    outcome: SoakOutcome,
    window_fps: Vec<f64>,
    window_drop_rate: Vec<f64>,
}

fn soak_streams(
    streams: Vec<(StreamKind, CameraSource)>,
    stress: &CameraStress,
    duration: Duration,
    ctx: StepContext<'_>,
    stop: &StopFlag,
) -> Result<Measurements, StepError> {
    let results: Vec<Result<StreamSoak, StepError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = streams
            .into_iter()
            .map(|(kind, source)| {
                scope.spawn(move || soak_one(kind, source, stress, duration, ctx, stop))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(StepError::Panicked("a camera stream thread".into())))
            })
            .collect()
    });
    let soaks = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let mut m = Measurements::new();
    for s in &soaks {
        let c = &s.outcome.summary.counts;
        let luma = &s.outcome.summary.luma;
        add_total(&mut m, "device_drops", c.device_drops);
        add_total(&mut m, "harness_drops", c.harness_drops);
        add_total(&mut m, "stalls", c.stalls);
        add_total(&mut m, "bad_frames", s.outcome.summary.bad_frames());
        add_total(&mut m, "frozen_frames", s.outcome.summary.frozen_frames);
        add_total(&mut m, "dark_frames", luma.black_frames + luma.blown_frames);
        add_total(&mut m, "usb_reenum", s.outcome.break_count);
        let gap = m.entry("gap_s".to_string()).or_insert_with(|| vec![0.0]);
        gap[0] += gap_seconds(&s.outcome);
    }
    for s in soaks {
        let name = format!("fps_{}", s.kind.name());
        m.entry("fps".to_string())
            .or_default()
            .extend(&s.window_fps);
        m.entry(name).or_default().extend(s.window_fps);
        m.entry("drop_rate".to_string())
            .or_default()
            .extend(s.window_drop_rate);
        if let Some(upper) = s.outcome.drop_rate_upper {
            m.entry("drop_rate_upper".to_string())
                .or_default()
                .push(upper);
        }
        let luma = &s.outcome.summary.luma;
        for (name, value) in [
            ("luma_mean", luma.mean),
            ("luma_frame_min", luma.mean_min),
            ("luma_frame_max", luma.mean_max),
        ] {
            if let Some(value) = value {
                m.entry(name.to_string()).or_default().push(value);
            }
        }
    }
    Ok(m)
}

/// Per-window accumulation of the per-second rows.
#[derive(Debug, Default)]
struct Windows {
    seconds: u64,
    frames: u64,
    drops: u64,
    fps: Vec<f64>,
    drop_rate: Vec<f64>,
}

impl Windows {
    /// Ends the current window: its frame rate and drop rate join the series.
    fn close(&mut self) {
        self.fps.push(self.frames as f64 / self.seconds as f64);
        let expected = self.frames + self.drops;
        if expected > 0 {
            self.drop_rate.push(self.drops as f64 / expected as f64);
        }
        (self.seconds, self.frames, self.drops) = (0, 0, 0);
    }
}

/// What a soaking stream's sink and break observer share: the series file, the judging
/// windows, and the notes of breaks waiting for the next row.
struct SoakState {
    writer: SeriesWriter,
    windows: Windows,
    failure: Option<std::io::Error>,
    notes: Vec<String>,
    last_second: Option<u64>,
}

impl SoakState {
    /// Writes a row with the pending break notes; a write failure is kept for the end.
    fn write(&mut self, second: u64, mut cells: [String; 12]) {
        self.last_second = Some(second);
        cells[11] = std::mem::take(&mut self.notes).join("; ");
        if self.failure.is_none() {
            if let Err(error) = self.writer.row(cells) {
                self.failure = Some(error.source);
            }
        }
    }
}

fn soak_one(
    kind: StreamKind,
    mut camera: CameraSource,
    stress: &CameraStress,
    duration: Duration,
    ctx: StepContext<'_>,
    stop: &StopFlag,
) -> Result<StreamSoak, StepError> {
    let writer = ctx.series(&format!("camera-{}", kind.name()), &SERIES_HEADER)?;
    let state = Arc::new(Mutex::new(SoakState {
        writer,
        windows: Windows::default(),
        failure: None,
        notes: Vec::new(),
        last_second: None,
    }));
    let sink_state = Arc::clone(&state);
    let window_s = stress.window_s.max(1.0) as u64;
    let warmup = stress.warmup_s as u64;
    let sink = Box::new(move |row: &SeriesRow| {
        let mut state = sink_state.lock().unwrap_or_else(|e| e.into_inner());
        state.write(row.second, series_cells(row));
        // Warm-up and a trailing partial second (no rate) stay out of the windows.
        if row.second < warmup || row.fps.is_none() {
            return;
        }
        let windows = &mut state.windows;
        windows.seconds += 1;
        windows.frames += row.frames;
        windows.drops += row.device_drops;
        if windows.seconds == window_s {
            windows.close();
        }
    });
    let mut analysis = AnalysisConfig::for_stream(camera.config);
    analysis.warmup = Duration::from_secs_f64(stress.warmup_s);
    let mut config = SoakConfig::new(duration, analysis);
    config.frame_timeout = Duration::from_secs_f64(stress.stall_s.max(0.1));
    config.end_of_stream_is_break = true;
    let break_state = Arc::clone(&state);
    let outcome = run_soak_observed(
        camera.source.as_mut(),
        camera.clock.as_ref(),
        &config,
        stop,
        Some(sink),
        &mut |record| {
            let mut state = break_state.lock().unwrap_or_else(|e| e.into_inner());
            state.notes.push(break_note(record));
        },
    )
    .map_err(StepError::Camera)?;
    let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
    if !state.notes.is_empty() {
        // A break after the last row (the camera never came back): its own row.
        let second = state.last_second.map_or(0, |s| s + 1);
        let mut cells: [String; 12] = Default::default();
        cells[0] = second.to_string();
        state.write(second, cells);
    }
    let SoakState {
        writer,
        windows,
        failure,
        ..
    } = &mut *state;
    if let Some(source) = failure.take() {
        return Err(StepError::Series(super::series::SeriesError {
            path: writer.path().to_path_buf(),
            source,
        }));
    }
    writer.sync()?;
    write_intervals(&ctx, kind, &outcome.intervals)?;
    // A camera gone at the end of the step (lost for good, or still away when the step ended)
    // is an error: its missing seconds are in no window, so no criterion could see them.
    if outcome.end == SoakEnd::Lost || outcome.reconnects < outcome.break_count {
        let last = outcome.breaks.last().map_or_else(String::new, break_note);
        return Err(StepError::CameraLost(format!(
            "the {} camera did not come back: {last}",
            kind.name()
        )));
    }
    // A last, partial window counts when it covers half a window, or when it is all there is.
    if windows.seconds > 0 && (windows.fps.is_empty() || windows.seconds * 2 >= window_s) {
        windows.close();
    }
    Ok(StreamSoak {
        kind,
        outcome,
        window_fps: std::mem::take(&mut windows.fps),
        window_drop_rate: std::mem::take(&mut windows.drop_rate),
    })
}

/// A break as the series' note: cause, and whether and when the camera came back.
fn break_note(record: &StreamBreak) -> String {
    let cause = format!(
        "camera lost at {:.1} s: {} ({})",
        record.at.as_secs_f64(),
        record.kind,
        record.message
    );
    match record.back_after {
        Some(after) => format!(
            "{cause}; back after {:.1} s ({} reconnect attempt(s){})",
            after.as_secs_f64(),
            record.attempts,
            record
                .path_after
                .as_ref()
                .map(|p| format!(", as {p}"))
                .unwrap_or_default()
        ),
        None => format!(
            "{cause}; not back after {} reconnect attempt(s)",
            record.attempts
        ),
    }
}

/// Seconds without the camera: each break until it came back, or until the soak ended.
fn gap_seconds(outcome: &SoakOutcome) -> f64 {
    outcome
        .breaks
        .iter()
        .map(|b| {
            b.back_after
                .unwrap_or_else(|| outcome.elapsed.saturating_sub(b.at))
                .as_secs_f64()
        })
        .sum()
}

fn series_cells(row: &SeriesRow) -> [String; 12] {
    [
        row.second.to_string(),
        cell(row.fps),
        row.device_drops.to_string(),
        row.harness_drops.to_string(),
        row.timeouts.to_string(),
        row.bad_frames.to_string(),
        cell(row.luma_mean),
        String::new(),
        String::new(),
        String::new(),
        cell(row.exposure_ms),
        String::new(),
    ]
}

/// Adds `value` to the single-value total `name` (counts summed over streams).
fn add_total(m: &mut Measurements, name: &str, value: u64) {
    let total = m.entry(name.to_string()).or_insert_with(|| vec![0.0]);
    if let Some(sum) = total.first_mut() {
        *sum += value as f64;
    }
}

fn cycle_streams(
    streams: Vec<(StreamKind, CameraSource)>,
    stress: &CameraStress,
    ctx: StepContext<'_>,
    stop: &StopFlag,
) -> Result<Measurements, StepError> {
    let open_close = stress.mode == CameraMode::OpenClose;
    let default_cycles = if open_close {
        DEFAULT_OPEN_CLOSE_CYCLES
    } else {
        DEFAULT_FIRST_FRAME_REPEATS
    };
    let config = CycleConfig {
        cycles: stress.repeats.unwrap_or(default_cycles),
        frames_per_cycle: if open_close { 5 } else { 1 },
        frame_timeout: Duration::from_secs(2),
        settle: Duration::from_secs_f64(stress.pause_s.unwrap_or(0.0)),
        sample_process: open_close,
        ..CycleConfig::default()
    };
    let mut series = ctx.series("camera-cycles", &CYCLES_HEADER)?;
    let mut m = Measurements::new();
    let mut cycles_done: Option<u32> = None;
    for (_kind, mut camera) in streams {
        let mut failure = None;
        let outcome = run_cycles(
            camera.source.as_mut(),
            camera.clock.as_ref(),
            &config,
            stop,
            &mut |r: &CycleRecord| {
                let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
                if let Some(v) = ms(r.first_frame_latency) {
                    m.entry("first_frame_ms".to_string()).or_default().push(v);
                }
                if let Some(v) = ms(r.open_latency) {
                    m.entry("open_ms".to_string()).or_default().push(v);
                }
                let written = series.row([
                    r.cycle.to_string(),
                    cell(ms(r.open_latency)),
                    cell(ms(r.first_frame_latency)),
                    r.frames.to_string(),
                    r.error
                        .as_ref()
                        .map(|(kind, text)| format!("{kind}: {text}"))
                        .unwrap_or_default(),
                ]);
                if let Err(error) = written {
                    failure.get_or_insert(error);
                }
            },
        );
        if let Some(error) = failure {
            return Err(error.into());
        }
        add_total(&mut m, "open_failures", u64::from(outcome.open_failures));
        if open_close {
            let failed = outcome.cycles_run.saturating_sub(outcome.cycles_with_frame);
            add_total(&mut m, "failed_cycles", u64::from(failed));
        }
        cycles_done = Some(cycles_done.map_or(outcome.cycles_with_frame, |c| {
            c.min(outcome.cycles_with_frame)
        }));
        if let Some(slope) = outcome.rss_slope_kib_per_cycle {
            m.entry("rss_slope".to_string()).or_default().push(slope);
        }
        if let Some(slope) = outcome.fd_slope_per_cycle {
            m.entry("fd_slope".to_string()).or_default().push(slope);
        }
    }
    if let Some(done) = cycles_done {
        m.insert("cycles_done".to_string(), vec![f64::from(done)]);
    }
    Ok(m)
}

fn switch_streams(
    streams: Vec<(StreamKind, CameraSource)>,
    stress: &CameraStress,
    fps: u32,
    stop: &StopFlag,
) -> Result<Measurements, StepError> {
    let mut m = Measurements::new();
    let switches = stress.repeats.unwrap_or(DEFAULT_SWITCHES);
    for (_kind, mut camera) in streams {
        let base = camera.config;
        let half = StreamConfig {
            width: (base.width / 2).max(1),
            height: (base.height / 2).max(1),
            rate: crate::camera::FrameRate::fps(fps),
            ..base
        };
        let config = SwitchConfig {
            configs: vec![base, half],
            rounds: switches.div_ceil(2),
            frames_per_config: 3,
            frame_timeout: Duration::from_secs(2),
        };
        let outcome = run_switching(
            camera.source.as_mut(),
            camera.clock.as_ref(),
            &config,
            stop,
            &mut |_| {},
        )
        .map_err(StepError::Camera)?;
        add_total(&mut m, "switches_done", u64::from(outcome.switches));
        add_total(&mut m, "switch_failures", u64::from(outcome.failures));
        add_total(&mut m, "switch_wrong_frames", outcome.mismatched_frames);
    }
    Ok(m)
}
