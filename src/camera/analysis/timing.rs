//! Frame rate and interval jitter, from device timestamps where the source has them (host
//! arrival times otherwise), after a warm-up that follows every stream start.
//!
//! - delivered fps = intervals counted / their summed duration (drops lower it);
//! - produced fps = sequence steps / the same duration (what the sensor made, drops included;
//!   equals delivered fps without a sequence);
//! - per-window fps: frames delivered per window of device time (default 10 s), min/mean/max and
//!   the number of windows off nominal by more than the tolerance;
//! - jitter = |interval − nominal| over intervals without a drop, p50/p99/max; the raw intervals
//!   are kept in a second histogram.

use std::time::Duration;

use super::histogram::DurationHistogram;
use super::metadata::FrameFindings;
use crate::camera::frame::Frame;

/// Settings of the timing analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimingConfig {
    /// Nominal frame interval.
    pub nominal_interval: Duration,
    /// Frames within this long after a stream's first frame are not counted.
    pub warmup: Duration,
    /// Length of an fps window.
    pub window: Duration,
    /// Relative tolerance of window fps against nominal (0.05 = ±5 %).
    pub fps_tolerance: f64,
}

/// Which clock the timing figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeBase {
    /// Device timestamps (preferred).
    #[default]
    Device,
    /// Host arrival times (the source has no device timestamps).
    Host,
}

/// Summary of the timing analysis.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TimingSummary {
    /// Which clock the figures come from.
    pub time_base: TimeBase,
    /// Intervals counted after warm-up.
    pub intervals: u64,
    /// Delivered frames per second over the counted intervals.
    pub fps_delivered: Option<f64>,
    /// Produced frames per second (sequence steps), drops included.
    pub fps_produced: Option<f64>,
    /// Complete fps windows.
    pub windows: u64,
    /// Lowest window fps.
    pub window_fps_min: Option<f64>,
    /// Mean window fps.
    pub window_fps_mean: Option<f64>,
    /// Highest window fps.
    pub window_fps_max: Option<f64>,
    /// Windows whose fps is off nominal by more than the tolerance.
    pub windows_off_nominal: u64,
    /// Median jitter.
    pub jitter_p50: Option<Duration>,
    /// 99th-percentile jitter.
    pub jitter_p99: Option<Duration>,
    /// Largest jitter.
    pub jitter_max: Option<Duration>,
    /// Longest interval (drops included).
    pub interval_max: Option<Duration>,
}

/// The running timing analysis. See the module documentation.
#[derive(Debug, Clone)]
pub struct FrameTiming {
    config: TimingConfig,
    time_base: TimeBase,
    stream_first: Option<Duration>,
    sum_dt: Duration,
    intervals: u64,
    seq_steps: u64,
    interval_hist: DurationHistogram,
    jitter_hist: DurationHistogram,
    window_start: Option<Duration>,
    window_frames: u64,
    windows: u64,
    window_fps_sum: f64,
    window_fps_min: f64,
    window_fps_max: f64,
    windows_off: u64,
}

impl FrameTiming {
    /// A fresh analysis.
    pub fn new(config: TimingConfig) -> FrameTiming {
        FrameTiming {
            config,
            time_base: TimeBase::Device,
            stream_first: None,
            sum_dt: Duration::ZERO,
            intervals: 0,
            seq_steps: 0,
            interval_hist: DurationHistogram::new(),
            jitter_hist: DurationHistogram::new(),
            window_start: None,
            window_frames: 0,
            windows: 0,
            window_fps_sum: 0.0,
            window_fps_min: f64::INFINITY,
            window_fps_max: 0.0,
            windows_off: 0,
        }
    }

    /// A stream (re)started: warm-up begins again and the open window is discarded.
    pub fn on_stream_start(&mut self) {
        self.stream_first = None;
        self.window_start = None;
        self.window_frames = 0;
    }

    /// Takes one frame, with what the metadata accounting found in it.
    pub fn on_frame(&mut self, frame: &Frame, findings: &FrameFindings) {
        let ts = match frame.ts_device {
            Some(ts) => ts,
            None => {
                self.time_base = TimeBase::Host;
                frame.ts_host
            }
        };
        let first = *self.stream_first.get_or_insert(ts);
        if ts.saturating_sub(first) < self.config.warmup {
            return;
        }
        let Some(window_start) = self.window_start else {
            // First frame after warm-up: intervals are counted from here on.
            self.window_start = Some(ts);
            return;
        };
        if let Some(dt) = findings.interval {
            if !findings.seq_repeat {
                self.sum_dt += dt;
                self.intervals += 1;
                self.seq_steps += 1 + findings.drops_before;
                self.interval_hist.record(dt);
                if findings.drops_before == 0 {
                    let nominal = self.config.nominal_interval;
                    self.jitter_hist.record(dt.max(nominal) - dt.min(nominal));
                }
            }
        }
        self.window_frames += 1;
        let span = ts.saturating_sub(window_start);
        if span >= self.config.window && !span.is_zero() {
            self.close_window(span);
            self.window_start = Some(ts);
            self.window_frames = 0;
        }
    }

    fn close_window(&mut self, span: Duration) {
        let fps = self.window_frames as f64 / span.as_secs_f64();
        self.windows += 1;
        self.window_fps_sum += fps;
        self.window_fps_min = self.window_fps_min.min(fps);
        self.window_fps_max = self.window_fps_max.max(fps);
        let nominal = self.config.nominal_interval.as_secs_f64();
        if nominal > 0.0 && ((fps * nominal) - 1.0).abs() > self.config.fps_tolerance {
            self.windows_off += 1;
        }
    }

    /// The intervals counted so far (drops included), as a histogram.
    pub fn interval_histogram(&self) -> &DurationHistogram {
        &self.interval_hist
    }

    /// The figures so far.
    pub fn summary(&self) -> TimingSummary {
        let secs = self.sum_dt.as_secs_f64();
        let rate = |n: u64| (n > 0 && secs > 0.0).then(|| n as f64 / secs);
        let has_windows = self.windows > 0;
        TimingSummary {
            time_base: self.time_base,
            intervals: self.intervals,
            fps_delivered: rate(self.intervals),
            fps_produced: rate(self.seq_steps),
            windows: self.windows,
            window_fps_min: has_windows.then_some(self.window_fps_min),
            window_fps_mean: has_windows.then(|| self.window_fps_sum / self.windows as f64),
            window_fps_max: has_windows.then_some(self.window_fps_max),
            windows_off_nominal: self.windows_off,
            jitter_p50: self.jitter_hist.quantile(0.5),
            jitter_p99: self.jitter_hist.quantile(0.99),
            jitter_max: self.jitter_hist.max(),
            interval_max: self.interval_hist.max(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::analysis::metadata::{MetadataAccount, MetadataConfig};
    use crate::camera::frame::{FrameFlags, PixelFormat, StreamKind};
    use std::sync::Arc;

    fn run(seqs_and_ts_ms: &[(u32, u64)], warmup: Duration) -> TimingSummary {
        let nominal = Duration::from_millis(100);
        let mut meta = MetadataAccount::new(MetadataConfig {
            nominal_interval: nominal,
            gap_factor: 1.5,
            expected_size: None,
        });
        let mut timing = FrameTiming::new(TimingConfig {
            nominal_interval: nominal,
            warmup,
            window: Duration::from_secs(1),
            fps_tolerance: 0.05,
        });
        for &(seq, ms) in seqs_and_ts_ms {
            let frame = Frame {
                seq: Some(seq),
                ts_device: Some(Duration::from_millis(ms)),
                ts_host: Duration::ZERO,
                bytes_used: 1,
                flags: FrameFlags::default(),
                format: PixelFormat::Grey,
                width: 1,
                height: 1,
                stream: StreamKind::Rgb,
                data: Arc::from(Vec::new()),
            };
            let findings = meta.on_frame(&frame);
            timing.on_frame(&frame, &findings);
        }
        timing.summary()
    }

    #[test]
    fn warmup_is_excluded_and_drops_lower_delivered_fps_only() {
        // 10 fps for 3 s; frames 25 and 26 lost; warm-up 1 s.
        let frames: Vec<(u32, u64)> = (0..=30u32)
            .filter(|s| *s != 25 && *s != 26)
            .map(|s| (s, u64::from(s) * 100))
            .collect();
        let s = run(&frames, Duration::from_secs(1));
        // Counted from frame 10 (t = 1.0 s) to frame 30 (t = 3.0 s): 18 intervals, 20 seq steps.
        assert_eq!(s.intervals, 18);
        assert!((s.fps_delivered.unwrap() - 9.0).abs() < 1e-9);
        assert!((s.fps_produced.unwrap() - 10.0).abs() < 1e-9);
        assert_eq!(s.windows, 2);
        assert!((s.window_fps_max.unwrap() - 10.0).abs() < 1e-9);
        assert!((s.window_fps_min.unwrap() - 8.0).abs() < 1e-9);
        assert_eq!(s.windows_off_nominal, 1);
        assert_eq!(s.jitter_max, Some(Duration::ZERO));
        assert_eq!(s.interval_max, Some(Duration::from_millis(300)));
    }

    #[test]
    fn jitter_percentiles_come_from_normal_intervals() {
        let mut frames = Vec::new();
        let mut t = 0;
        for s in 0..200u32 {
            frames.push((s, t));
            t += if s % 50 == 49 { 130 } else { 100 };
        }
        let s = run(&frames, Duration::ZERO);
        assert_eq!(s.jitter_p50, Some(Duration::ZERO));
        assert_eq!(s.jitter_max, Some(Duration::from_millis(30)));
        assert_eq!(s.jitter_p99, Some(Duration::from_millis(30)));
    }
}
