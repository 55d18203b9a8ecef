//! Open/close cycles: open, start, read a few frames, stop, close, N times. Each cycle records
//! its open latency, first-frame latency (open → first frame), frames received and any error;
//! the process's fd count and RSS are sampled after every close, and their trends judged.

use std::time::Duration;

use super::procstat::{sample_self, ProcSample};
use super::trend::Trend;
use super::StopFlag;
use crate::camera::analysis::histogram::DurationHistogram;
use crate::camera::error::CameraError;
use crate::camera::source::FrameSource;
use crate::clock::Clock;

/// Settings of an open/close run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleConfig {
    /// Cycles to run.
    pub cycles: u32,
    /// Frames to read in each cycle (at least one is attempted).
    pub frames_per_cycle: u32,
    /// Longest wait for a frame.
    pub frame_timeout: Duration,
    /// Pause after each close.
    pub settle: Duration,
    /// Cycles left out of the fd and RSS trends (start-up allocations).
    pub trend_skip: u32,
    /// Sample fd count and RSS after each cycle.
    pub sample_process: bool,
}

impl Default for CycleConfig {
    /// 1 000 cycles of 5 frames, 2 s frame timeout, no pause, trends after cycle 100.
    fn default() -> Self {
        CycleConfig {
            cycles: 1000,
            frames_per_cycle: 5,
            frame_timeout: Duration::from_secs(2),
            settle: Duration::ZERO,
            trend_skip: 100,
            sample_process: true,
        }
    }
}

/// One cycle, as handed to the record sink.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleRecord {
    /// Cycle number from 0.
    pub cycle: u32,
    /// Time `open` took, when it succeeded.
    pub open_latency: Option<Duration>,
    /// Time from calling `open` to the first frame, when one came.
    pub first_frame_latency: Option<Duration>,
    /// Frames received.
    pub frames: u32,
    /// The device path `open` reported.
    pub path: Option<String>,
    /// The error that ended the cycle early: (kind name, message).
    pub error: Option<(&'static str, String)>,
    /// Process resources after the close.
    pub process: ProcSample,
}

/// The figures of an open/close run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CycleOutcome {
    /// Cycles run.
    pub cycles_run: u32,
    /// Cycles that received at least one frame.
    pub cycles_with_frame: u32,
    /// Opens that failed.
    pub open_failures: u32,
    /// Of which busy (EBUSY).
    pub busy_failures: u32,
    /// Cycles whose open succeeded but no frame came.
    pub no_frame_cycles: u32,
    /// Median open latency.
    pub open_latency_p50: Option<Duration>,
    /// 99th-percentile open latency.
    pub open_latency_p99: Option<Duration>,
    /// Median first-frame latency.
    pub first_frame_p50: Option<Duration>,
    /// 99th-percentile first-frame latency.
    pub first_frame_p99: Option<Duration>,
    /// Longest first-frame latency.
    pub first_frame_max: Option<Duration>,
    /// Open fds after the first counted cycle and after the last.
    pub fds_first_last: Option<(u64, u64)>,
    /// Least-squares fd slope per cycle (after `trend_skip`).
    pub fd_slope_per_cycle: Option<f64>,
    /// RSS after the first counted cycle and after the last, KiB.
    pub rss_first_last_kib: Option<(u64, u64)>,
    /// Least-squares RSS slope per cycle in KiB (after `trend_skip`).
    pub rss_slope_kib_per_cycle: Option<f64>,
    /// The run was stopped before all cycles ran.
    pub stopped_early: bool,
}

fn error_of(e: &CameraError) -> Option<(&'static str, String)> {
    Some((e.kind_name(), e.to_string()))
}

/// Runs one cycle; fills `record` and returns the first-frame latency.
fn one_cycle(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    config: &CycleConfig,
    record: &mut CycleRecord,
) {
    let t0 = clock.elapsed();
    match source.open() {
        Ok(info) => {
            record.open_latency = Some(clock.elapsed().saturating_sub(t0));
            record.path = Some(info.path);
        }
        Err(e) => {
            record.error = error_of(&e);
            return;
        }
    }
    if let Err(e) = source.start() {
        record.error = error_of(&e);
        source.close();
        return;
    }
    for _ in 0..config.frames_per_cycle.max(1) {
        match source.next_frame(config.frame_timeout) {
            Ok(_) => {
                if record.frames == 0 {
                    record.first_frame_latency = Some(clock.elapsed().saturating_sub(t0));
                }
                record.frames += 1;
            }
            Err(e) => {
                record.error = error_of(&e);
                break;
            }
        }
    }
    if let Err(e) = source.stop() {
        record.error.get_or_insert((e.kind_name(), e.to_string()));
    }
    source.close();
}

/// Runs open/close cycles on `source`, handing each record to `sink`, until done or stopped.
pub fn run_cycles(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    config: &CycleConfig,
    stop: &StopFlag,
    sink: &mut dyn FnMut(&CycleRecord),
) -> CycleOutcome {
    let mut out = CycleOutcome::default();
    let mut open_hist = DurationHistogram::new();
    let mut first_hist = DurationHistogram::new();
    let mut fd_trend = Trend::skipping(u64::from(config.trend_skip));
    let mut rss_trend = Trend::skipping(u64::from(config.trend_skip));
    for cycle in 0..config.cycles {
        if stop.is_stopped() {
            out.stopped_early = true;
            break;
        }
        let mut record = CycleRecord {
            cycle,
            open_latency: None,
            first_frame_latency: None,
            frames: 0,
            path: None,
            error: None,
            process: ProcSample::default(),
        };
        one_cycle(source, clock, config, &mut record);
        if config.sample_process {
            record.process = sample_self();
        }
        out.cycles_run += 1;
        match (record.open_latency, record.error.as_ref()) {
            (None, Some((kind, _))) => {
                out.open_failures += 1;
                out.busy_failures += u32::from(*kind == "busy");
            }
            (Some(latency), _) => {
                open_hist.record(latency);
                if record.frames == 0 {
                    out.no_frame_cycles += 1;
                }
            }
            (None, None) => {}
        }
        if let Some(latency) = record.first_frame_latency {
            out.cycles_with_frame += 1;
            first_hist.record(latency);
        }
        let x = f64::from(cycle);
        if let Some(fds) = record.process.fds {
            fd_trend.add(x, fds as f64);
        }
        if let Some(rss) = record.process.rss_kib {
            rss_trend.add(x, rss as f64);
        }
        sink(&record);
        if !config.settle.is_zero() {
            clock.sleep(config.settle);
        }
    }
    out.open_latency_p50 = open_hist.quantile(0.5);
    out.open_latency_p99 = open_hist.quantile(0.99);
    out.first_frame_p50 = first_hist.quantile(0.5);
    out.first_frame_p99 = first_hist.quantile(0.99);
    out.first_frame_max = first_hist.max();
    let pair = |t: &Trend| Some((t.first()? as u64, t.last()? as u64));
    out.fds_first_last = pair(&fd_trend);
    out.fd_slope_per_cycle = fd_trend.slope();
    out.rss_first_last_kib = pair(&rss_trend);
    out.rss_slope_kib_per_cycle = rss_trend.slope();
    out
}
