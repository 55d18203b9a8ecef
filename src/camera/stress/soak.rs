//! The soak: stream for a duration, analyse every frame, stream per-second rows to a sink, and
//! ride out disconnects (record the break, reconnect with backoff, continue). A raised
//! [`StopFlag`] ends the soak cleanly with the results so far.

use std::time::Duration;

use super::binomial;
use super::procstat::sample_self;
use super::reconnect::{reconnect, ReconnectPolicy};
use super::trend::Trend;
use super::StopFlag;
use crate::camera::analysis::histogram::DurationHistogram;
use crate::camera::analysis::{AnalysisConfig, AnalysisSummary, FrameAnalyzer, SeriesSink};
use crate::camera::error::CameraError;
use crate::camera::source::FrameSource;
use crate::clock::Clock;

/// Breaks kept in full in the outcome; later ones are only counted.
pub const MAX_BREAKS_KEPT: usize = 1000;

/// Settings of a soak.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoakConfig {
    /// How long to stream (clock time).
    pub duration: Duration,
    /// Longest wait for a frame before it counts as a timeout.
    pub frame_timeout: Duration,
    /// The analysis.
    pub analysis: AnalysisConfig,
    /// Reconnection after a break.
    pub reconnect: ReconnectPolicy,
    /// Read the exposure control this often (zero: never).
    pub exposure_every: Duration,
    /// Sample the process's RSS and fds this often (zero: never).
    pub process_every: Duration,
    /// Confidence of the drop-rate upper bound (0.95).
    pub confidence: f64,
    /// A finite source running out (a replayed recording) is a break like an unplug — recorded,
    /// then reconnected — rather than the end of the soak. Runner steps set it: there a
    /// recording shorter than the step is a camera that went away.
    pub end_of_stream_is_break: bool,
}

impl SoakConfig {
    /// A soak of `duration` with `analysis`: 1 s frame timeout, default reconnection, exposure
    /// read each second, process sampled each minute, 95 % confidence.
    pub fn new(duration: Duration, analysis: AnalysisConfig) -> SoakConfig {
        SoakConfig {
            duration,
            frame_timeout: Duration::from_secs(1),
            analysis,
            reconnect: ReconnectPolicy::default(),
            exposure_every: Duration::from_secs(1),
            process_every: Duration::from_secs(60),
            confidence: 0.95,
            end_of_stream_is_break: false,
        }
    }
}

/// A break in the stream (disconnect or stream error) and what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamBreak {
    /// Clock time of the break, since the soak began.
    pub at: Duration,
    /// Error kind (`disconnected`, `io` …).
    pub kind: &'static str,
    /// The error message.
    pub message: String,
    /// Frames received before the break.
    pub frames_before: u64,
    /// Reconnection attempts.
    pub attempts: u32,
    /// How long until the stream was back, if it came back.
    pub back_after: Option<Duration>,
    /// The path it came back under.
    pub path_after: Option<String>,
}

/// How the soak ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SoakEnd {
    /// It ran its full duration.
    #[default]
    Completed,
    /// The stop flag was raised.
    Stopped,
    /// The camera was lost and did not come back.
    Lost,
    /// A finite source (a replayed recording) ran out of frames.
    EndOfStream,
}

/// The figures of a soak.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SoakOutcome {
    /// How it ended.
    pub end: SoakEnd,
    /// Clock time it ran.
    pub elapsed: Duration,
    /// Everything the analysis found.
    pub summary: AnalysisSummary,
    /// The frame intervals counted after warm-up (drops included).
    pub intervals: DurationHistogram,
    /// Device drop rate: drops / (frames + drops).
    pub drop_rate: Option<f64>,
    /// One-sided Clopper–Pearson upper bound of the drop rate at the configured confidence.
    pub drop_rate_upper: Option<f64>,
    /// Breaks (the first [`MAX_BREAKS_KEPT`]).
    pub breaks: Vec<StreamBreak>,
    /// Breaks, all told.
    pub break_count: u64,
    /// Breaks after which the stream came back.
    pub reconnects: u64,
    /// RSS slope in KiB per hour of clock time (after the first five samples).
    pub rss_slope_kib_per_hour: Option<f64>,
    /// fd slope per hour of clock time (after the first five samples).
    pub fd_slope_per_hour: Option<f64>,
}

/// Runs a soak on `source` (closed on entry, closed on return). Fails only if the first open
/// or start fails; later breaks are recorded and ridden out. A `config.duration` too long to
/// add to the clock (`Duration::MAX`) streams until `stop` is raised.
pub fn run_soak(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    config: &SoakConfig,
    stop: &StopFlag,
    series: Option<SeriesSink>,
) -> Result<SoakOutcome, CameraError> {
    run_soak_observed(source, clock, config, stop, series, &mut |_| {})
}

/// [`run_soak`], handing each break to `on_break` once it is ridden out (the camera back or
/// given up on), before the stream's next per-second row.
pub fn run_soak_observed(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    config: &SoakConfig,
    stop: &StopFlag,
    series: Option<SeriesSink>,
    on_break: &mut dyn FnMut(&StreamBreak),
) -> Result<SoakOutcome, CameraError> {
    source.open()?;
    if let Err(e) = source.start() {
        source.close();
        return Err(e);
    }
    let begin = clock.elapsed();
    let mut analyzer = FrameAnalyzer::new(config.analysis);
    if let Some(sink) = series {
        analyzer = analyzer.with_series(sink, begin);
    }
    analyzer.on_stream_start();
    let mut out = SoakOutcome::default();
    let end_at = begin.saturating_add(config.duration);
    // A stream that breaks again before a single frame since it came back waits this long
    // before the next reconnection, doubling, so a source that opens at once and fails at
    // once (an empty recording) cannot spin without time passing.
    let mut flapping = Duration::ZERO;
    let mut frames_since_start = 0u64;
    let mut next_exposure = begin;
    let mut next_process = begin;
    let mut rss = Trend::skipping(5);
    let mut fds = Trend::skipping(5);
    loop {
        let now = clock.elapsed();
        if stop.is_stopped() {
            out.end = SoakEnd::Stopped;
            break;
        }
        if now >= end_at {
            break;
        }
        if !config.process_every.is_zero() && now >= next_process {
            next_process = now + config.process_every;
            let hours = now.saturating_sub(begin).as_secs_f64() / 3600.0;
            let sample = sample_self();
            if let Some(kib) = sample.rss_kib {
                rss.add(hours, kib as f64);
            }
            if let Some(n) = sample.fds {
                fds.add(hours, n as f64);
            }
        }
        let timeout = config.frame_timeout.min(end_at - now);
        match source.next_frame(timeout) {
            // The soak covers [begin, end): a frame due at its very end belongs to what follows.
            Ok(frame) if frame.ts_host >= end_at => break,
            Ok(frame) => {
                let mut exposure = None;
                if !config.exposure_every.is_zero() && frame.ts_host >= next_exposure {
                    next_exposure = frame.ts_host + config.exposure_every;
                    exposure = source.controls().and_then(|c| c.exposure().ok());
                }
                analyzer.on_frame(&frame, exposure);
                frames_since_start += 1;
            }
            Err(CameraError::Timeout { .. }) => {
                // A timeout cut short by the end of the soak is no stall.
                if timeout == config.frame_timeout {
                    analyzer.on_timeout(clock.elapsed());
                }
            }
            Err(CameraError::EndOfStream { .. }) if !config.end_of_stream_is_break => {
                out.end = SoakEnd::EndOfStream;
                break;
            }
            Err(e) => {
                flapping = if frames_since_start == 0 {
                    (flapping * 2)
                        .max(config.reconnect.first_backoff)
                        .min(config.reconnect.max_backoff)
                } else {
                    Duration::ZERO
                };
                frames_since_start = 0;
                let gap = Gap {
                    end_at,
                    begin,
                    settle: flapping,
                };
                let (back, record) =
                    ride_out(source, clock, config, stop, gap, &e, &analyzer, &mut out);
                on_break(&record);
                if !back {
                    if out.end != SoakEnd::Stopped && clock.elapsed() < end_at {
                        out.end = SoakEnd::Lost;
                    }
                    break;
                }
                analyzer.on_stream_start();
            }
        }
    }
    let _ = source.stop();
    source.close();
    let finished = clock.elapsed();
    out.elapsed = finished.saturating_sub(begin);
    out.summary = analyzer.finish(finished);
    out.intervals = analyzer.interval_histogram().clone();
    let c = out.summary.counts;
    let n = c.frames + c.device_drops;
    out.drop_rate = (n > 0).then(|| c.device_drops as f64 / n as f64);
    out.drop_rate_upper = binomial::upper_bound(c.device_drops, n, config.confidence);
    out.rss_slope_kib_per_hour = rss.slope();
    out.fd_slope_per_hour = fds.slope();
    Ok(out)
}

/// When a break happens within the soak, and how long to wait before reconnecting.
struct Gap {
    /// The soak's end, clock time.
    end_at: Duration,
    /// The soak's start, clock time.
    begin: Duration,
    /// Wait before the first reconnection (a stream that broke again before any frame).
    settle: Duration,
}

/// Records a break and reconnects; true when streaming again, with the break's record.
#[allow(clippy::too_many_arguments)]
fn ride_out(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    config: &SoakConfig,
    stop: &StopFlag,
    gap: Gap,
    error: &CameraError,
    analyzer: &FrameAnalyzer,
    out: &mut SoakOutcome,
) -> (bool, StreamBreak) {
    let Gap {
        end_at,
        begin,
        settle,
    } = gap;
    let broke_at = clock.elapsed();
    tracing::warn!(error = %error, "camera stream broke; reconnecting");
    let _ = source.stop();
    source.close();
    clock.sleep(settle.min(end_at.saturating_sub(broke_at)));
    let attempt = reconnect(source, clock, &config.reconnect, stop, end_at);
    let back = attempt.result.is_ok();
    if stop.is_stopped() {
        out.end = SoakEnd::Stopped;
    }
    out.break_count += 1;
    out.reconnects += u64::from(back);
    let record = StreamBreak {
        at: broke_at.saturating_sub(begin),
        kind: error.kind_name(),
        message: error.to_string(),
        frames_before: analyzer.summary().counts.frames,
        attempts: attempt.attempts,
        back_after: back.then(|| clock.elapsed().saturating_sub(broke_at)),
        path_after: attempt.result.ok().map(|info| info.path),
    };
    if out.breaks.len() < MAX_BREAKS_KEPT {
        out.breaks.push(record.clone());
    }
    (back, record)
}
