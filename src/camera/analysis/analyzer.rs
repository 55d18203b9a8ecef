//! The frame analyzer: feeds every frame through the metadata accounting and timing, and frames
//! that carry pixels through the content checks (MJPEG structure, frozen hash, luma), then keeps
//! streaming aggregates and per-second rows. Memory is O(1) in the number of frames.

use std::time::Duration;

use super::frozen::FrozenDetector;
use super::histogram::DurationHistogram;
use super::luma::{
    frame_luma, luma_histogram, stats_from_histogram, LumaSampling, LumaStats, LumaThresholds,
};
use super::metadata::{MetadataAccount, MetadataConfig, MetadataCounts};
use super::mjpeg::{check_mjpeg, MjpegDefect};
use super::series::{SeriesBuilder, SeriesEvent, SeriesRow};
use super::timing::{FrameTiming, TimingConfig, TimingSummary};
use crate::camera::frame::{Frame, PixelFormat, StreamConfig};

/// Where per-second rows go.
pub type SeriesSink = Box<dyn FnMut(&SeriesRow) + Send>;

/// Settings of the analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalysisConfig {
    /// The stream as configured (nominal rate, expected frame size).
    pub stream: StreamConfig,
    /// Intervals above this multiple of nominal count as drops where there is no sequence.
    pub gap_factor: f64,
    /// Frames this long after each stream start are left out of fps and jitter.
    pub warmup: Duration,
    /// Length of an fps window.
    pub window: Duration,
    /// Relative fps tolerance per window.
    pub fps_tolerance: f64,
    /// Analyse luma on one frame with pixels in this many (0 = never).
    pub luma_every: u32,
    /// Luma sub-sampling.
    pub luma_sampling: LumaSampling,
    /// Clipping, black and blown-out thresholds.
    pub thresholds: LumaThresholds,
    /// Also walk the MJPEG scan data (slower).
    pub mjpeg_deep: bool,
    /// For MJPEG, decode one frame with pixels in this many to get its luma (0 = never).
    pub mjpeg_decode_every: u32,
}

impl AnalysisConfig {
    /// Defaults for `stream`: 1.5× gap factor, 3 s warm-up, 10 s windows, ±5 %, luma on every
    /// raw frame with pixels (4 × 4 sub-sampling), MJPEG decoded for luma on one frame in 15.
    pub fn for_stream(stream: StreamConfig) -> AnalysisConfig {
        AnalysisConfig {
            stream,
            gap_factor: 1.5,
            warmup: Duration::from_secs(3),
            window: Duration::from_secs(10),
            fps_tolerance: 0.05,
            luma_every: 1,
            luma_sampling: LumaSampling::default(),
            thresholds: LumaThresholds::default(),
            mjpeg_deep: false,
            mjpeg_decode_every: 15,
        }
    }
}

/// Counts of MJPEG structure defects by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MjpegDefects {
    /// Frames without SOI.
    pub no_soi: u64,
    /// Frames without EOI (truncated or cleared).
    pub no_eoi: u64,
    /// Frames with broken header segments or no scan.
    pub bad_headers: u64,
    /// Frames with a stray marker in the scan (deep check).
    pub bad_scan: u64,
    /// Frames whose header size differs from the stream's (never decoded).
    pub wrong_size: u64,
    /// Frames that passed the structure check but failed to decode.
    pub decode_failures: u64,
}

impl MjpegDefects {
    /// All corrupt MJPEG frames.
    pub fn total(&self) -> u64 {
        self.no_soi
            + self.no_eoi
            + self.bad_headers
            + self.bad_scan
            + self.wrong_size
            + self.decode_failures
    }
}

/// Streaming aggregates of per-frame luma.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LumaSummary {
    /// Frames analysed for luma.
    pub frames: u64,
    /// Mean of the frame means.
    pub mean: Option<f64>,
    /// Lowest frame mean.
    pub mean_min: Option<f64>,
    /// Highest frame mean.
    pub mean_max: Option<f64>,
    /// 5th percentile of frame means (to the level).
    pub mean_p5: Option<u8>,
    /// 95th percentile of frame means (to the level).
    pub mean_p95: Option<u8>,
    /// Largest clipped-high fraction seen.
    pub clipped_high_max: Option<f64>,
    /// Black frames.
    pub black_frames: u64,
    /// Blown-out frames.
    pub blown_frames: u64,
    /// The last frame's statistics.
    pub last: Option<LumaStats>,
}

/// Everything the analysis found.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AnalysisSummary {
    /// Metadata counts (frames, drops, stalls, error/empty/wrong-size frames …).
    pub counts: MetadataCounts,
    /// Frame rate and jitter.
    pub timing: TimingSummary,
    /// Corrupt MJPEG frames by kind.
    pub mjpeg: MjpegDefects,
    /// Frames whose content equals the previous frame's.
    pub frozen_frames: u64,
    /// Longest run of frozen frames.
    pub longest_frozen_run: u64,
    /// Luma aggregates.
    pub luma: LumaSummary,
    /// Frames that carried pixels.
    pub payload_frames: u64,
}

impl AnalysisSummary {
    /// Error-flagged, empty, wrong-size and corrupt frames together.
    pub fn bad_frames(&self) -> u64 {
        self.counts.error_frames
            + self.counts.empty_frames
            + self.counts.wrong_size_frames
            + self.mjpeg.total()
    }
}

/// The analyzer. See the module documentation.
pub struct FrameAnalyzer {
    config: AnalysisConfig,
    meta: MetadataAccount,
    timing: FrameTiming,
    frozen: FrozenDetector,
    mjpeg: MjpegDefects,
    payload_frames: u64,
    luma: LumaSummary,
    luma_sum: f64,
    luma_means: [u64; 256],
    series: SeriesBuilder,
    sink: Option<SeriesSink>,
    last_host: Duration,
}

impl std::fmt::Debug for FrameAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameAnalyzer")
            .field("config", &self.config)
            .field("summary", &self.summary())
            .finish()
    }
}

impl FrameAnalyzer {
    /// A fresh analyzer without a series sink.
    pub fn new(config: AnalysisConfig) -> FrameAnalyzer {
        let nominal = config
            .stream
            .rate
            .interval()
            .unwrap_or(Duration::from_secs(1));
        let s = config.stream;
        let expected_size = s
            .format
            .frame_size(s.width, s.height)
            .and_then(|n| u32::try_from(n).ok());
        FrameAnalyzer {
            config,
            meta: MetadataAccount::new(MetadataConfig {
                nominal_interval: nominal,
                gap_factor: config.gap_factor,
                expected_size,
            }),
            timing: FrameTiming::new(TimingConfig {
                nominal_interval: nominal,
                warmup: config.warmup,
                window: config.window,
                fps_tolerance: config.fps_tolerance,
            }),
            frozen: FrozenDetector::default(),
            mjpeg: MjpegDefects::default(),
            payload_frames: 0,
            luma: LumaSummary::default(),
            luma_sum: 0.0,
            luma_means: [0; 256],
            series: SeriesBuilder::new(),
            sink: None,
            last_host: Duration::ZERO,
        }
    }

    /// Sends per-second rows to `sink`, second 0 starting at host time `origin`.
    pub fn with_series(mut self, sink: SeriesSink, origin: Duration) -> FrameAnalyzer {
        self.sink = Some(sink);
        self.series = SeriesBuilder::starting_at(origin);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &AnalysisConfig {
        &self.config
    }

    fn record(&mut self, at: Duration, event: &SeriesEvent) {
        self.last_host = self.last_host.max(at);
        if let Some(sink) = self.sink.as_mut() {
            self.series.record(at, event, sink);
        }
    }

    /// A stream (re)started.
    pub fn on_stream_start(&mut self) {
        self.meta.on_stream_start();
        self.timing.on_stream_start();
        self.frozen.reset();
    }

    /// `next_frame` timed out at host time `at`.
    pub fn on_timeout(&mut self, at: Duration) {
        self.meta.on_timeout();
        self.record(
            at,
            &SeriesEvent {
                timeout: true,
                ..SeriesEvent::default()
            },
        );
    }

    /// Our own queue discarded `frames` frames at host time `at`.
    pub fn on_harness_drop(&mut self, at: Duration, frames: u64) {
        self.meta.on_harness_drop(frames);
        self.record(
            at,
            &SeriesEvent {
                harness_drops: frames,
                ..SeriesEvent::default()
            },
        );
    }

    /// Analyses one frame; `exposure` is the control value read with it, if any.
    pub fn on_frame(&mut self, frame: &Frame, exposure: Option<Duration>) {
        let before = self.meta.counts();
        let findings = self.meta.on_frame(frame);
        self.timing.on_frame(frame, &findings);
        let mut luma_mean = None;
        let mut corrupt = false;
        if frame.has_payload() && frame.bytes_used > 0 {
            self.payload_frames += 1;
            let payload = frame.payload();
            if frame.format == PixelFormat::Mjpeg {
                corrupt = self.check_mjpeg(payload, frame.width, frame.height);
            }
            if !findings.seq_repeat {
                self.frozen.on_payload(payload);
            }
            let every = u64::from(self.config.luma_every);
            if !corrupt && every != 0 && self.payload_frames.is_multiple_of(every) {
                if let Some(stats) = self.frame_luma(frame) {
                    luma_mean = Some(stats.mean);
                    self.add_luma(stats);
                }
            }
        }
        let after = self.meta.counts();
        let bad = corrupt
            || after.error_frames > before.error_frames
            || after.empty_frames > before.empty_frames
            || after.wrong_size_frames > before.wrong_size_frames;
        self.record(
            frame.ts_host,
            &SeriesEvent {
                frame: true,
                device_drops: findings.drops_before,
                bad,
                luma_mean,
                exposure,
                ..SeriesEvent::default()
            },
        );
    }

    /// Checks an MJPEG payload and its size against the frame's; true when it is corrupt (so
    /// it is never handed to the decoder, which would allocate whatever size it claims).
    fn check_mjpeg(&mut self, payload: &[u8], width: u32, height: u32) -> bool {
        match check_mjpeg(payload, self.config.mjpeg_deep) {
            Ok(info) if (u32::from(info.width), u32::from(info.height)) == (width, height) => false,
            Ok(_) => {
                self.mjpeg.wrong_size += 1;
                true
            }
            Err(defect) => {
                let d = &mut self.mjpeg;
                match defect {
                    MjpegDefect::NoStartOfImage | MjpegDefect::Empty => d.no_soi += 1,
                    MjpegDefect::NoEndOfImage => d.no_eoi += 1,
                    MjpegDefect::BadMarkerInScan { .. } => d.bad_scan += 1,
                    MjpegDefect::NotAMarker { .. }
                    | MjpegDefect::BadSegmentLength { .. }
                    | MjpegDefect::NoStartOfScan
                    | MjpegDefect::NoFrameHeader => d.bad_headers += 1,
                }
                true
            }
        }
    }

    fn frame_luma(&mut self, frame: &Frame) -> Option<LumaStats> {
        if frame.format != PixelFormat::Mjpeg {
            return frame_luma(frame, self.config.luma_sampling, &self.config.thresholds);
        }
        let every = u64::from(self.config.mjpeg_decode_every);
        if every == 0 || !self.payload_frames.is_multiple_of(every) {
            return None;
        }
        let decoded =
            match image::load_from_memory_with_format(frame.payload(), image::ImageFormat::Jpeg) {
                Ok(image) => image.to_luma8(),
                Err(_) => {
                    self.mjpeg.decode_failures += 1;
                    return None;
                }
            };
        let layout = PixelFormat::Grey.luma_layout(decoded.width(), decoded.height())?;
        let hist = luma_histogram(decoded.as_raw(), layout, self.config.luma_sampling);
        stats_from_histogram(&hist, &self.config.thresholds)
    }

    fn add_luma(&mut self, stats: LumaStats) {
        let l = &mut self.luma;
        l.frames += 1;
        self.luma_sum += stats.mean;
        l.mean_min = Some(l.mean_min.map_or(stats.mean, |m| m.min(stats.mean)));
        l.mean_max = Some(l.mean_max.map_or(stats.mean, |m| m.max(stats.mean)));
        l.clipped_high_max = Some(
            l.clipped_high_max
                .map_or(stats.clipped_high, |m| m.max(stats.clipped_high)),
        );
        l.black_frames += u64::from(stats.black);
        l.blown_frames += u64::from(stats.blown);
        l.last = Some(stats);
        let level = stats.mean.round().clamp(0.0, 255.0) as usize;
        if let Some(bin) = self.luma_means.get_mut(level) {
            *bin += 1;
        }
    }

    /// The figures so far.
    pub fn summary(&self) -> AnalysisSummary {
        let mut luma = self.luma;
        if luma.frames > 0 {
            luma.mean = Some(self.luma_sum / luma.frames as f64);
            let percentile = |q: f64| {
                let rank = ((q * luma.frames as f64).ceil() as u64).max(1);
                let mut seen = 0;
                self.luma_means.iter().position(|&n| {
                    seen += n;
                    seen >= rank
                })
            };
            luma.mean_p5 = percentile(0.05).map(|v| v as u8);
            luma.mean_p95 = percentile(0.95).map(|v| v as u8);
        }
        AnalysisSummary {
            counts: self.meta.counts(),
            timing: self.timing.summary(),
            mjpeg: self.mjpeg,
            frozen_frames: self.frozen.frozen_frames,
            longest_frozen_run: self.frozen.longest_run,
            luma,
            payload_frames: self.payload_frames,
        }
    }

    /// The frame intervals counted after warm-up (drops included), as a histogram.
    pub fn interval_histogram(&self) -> &DurationHistogram {
        self.timing.interval_histogram()
    }

    /// Closes the last series row at host time `at` and returns the summary.
    pub fn finish(&mut self, at: Duration) -> AnalysisSummary {
        let at = at.max(self.last_host);
        if let Some(sink) = self.sink.as_mut() {
            self.series.finish(at, sink);
        }
        self.summary()
    }
}
