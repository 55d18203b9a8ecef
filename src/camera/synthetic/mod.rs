//! A deterministic synthetic camera on the harness [`Clock`].
//!
//! `open` takes a while and the first frame comes some time after `start` ([`SensorStartup`],
//! spent on the clock); frame `n` is due `n × interval` after the first one, moved by a small
//! seeded jitter ([`FrameJitter`]) as a real camera's frames are; `next_frame` sleeps
//! on the clock until it is due, so on a [`SimClock`](crate::clock::SimClock) a 72 h soak at 30 fps runs
//! in seconds while on the system clock the source paces itself in real time. Device timestamps
//! are the due times on a device clock that reads [`DEVICE_EPOCH`] at `start`. A consumer that falls
//! more than `queue_depth` frames behind loses the older frames (the sequence advances over
//! them), as a V4L2 driver with that many buffers would.
//!
//! Payloads: raw formats are packed from a [`Pattern`]; MJPEG frames are encoded once per
//! configuration ([`MJPEG_VARIANTS`] distinct pictures, cycled). Only one frame in
//! `payload_every` carries pixels; the others carry metadata only (as in a replay file), which
//! is what keeps a simulated 72 h soak fast.

mod controls;
mod jitter;
pub mod pattern;
mod startup;

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;

use super::error::CameraError;
use super::frame::{Frame, FrameFlags, PixelFormat, StreamConfig};
use super::source::{ExposureControls, FrameSource, OpenInfo, SourceCapabilities};

pub use controls::SimExposure;
pub use jitter::FrameJitter;
pub use pattern::Pattern;
pub use startup::SensorStartup;
use startup::StartupTimes;

/// Device-clock time of `start` (a camera's clock does not start at 0).
pub const DEVICE_EPOCH: Duration = Duration::from_secs(1_000);
/// Distinct pictures cycled through by non-counter patterns (and by every MJPEG stream).
pub const MJPEG_VARIANTS: u64 = pattern::DITHER_PERIOD as u64;

/// How the synthetic camera behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticConfig {
    /// Format, size, rate and stream kind.
    pub stream: StreamConfig,
    /// What the camera sees.
    pub pattern: Pattern,
    /// The device path reported by `open`.
    pub path: String,
    /// Sequence number of the first frame after each `start` (set near `u32::MAX` to test wrap).
    pub first_seq: u32,
    /// Driver buffers: how far behind the consumer may fall before frames are lost.
    pub queue_depth: u32,
    /// One frame in this many carries its pixels (1 = all, 0 = none).
    pub payload_every: u32,
    /// Whether frames carry sequence numbers (false imitates nokhwa).
    pub with_sequence: bool,
    /// Whether frames carry device timestamps.
    pub with_device_timestamps: bool,
    /// How long `open` takes and the first frame after `start` comes.
    pub startup: SensorStartup,
    /// How far frame times stray from one interval apart.
    pub jitter: FrameJitter,
}

impl SyntheticConfig {
    /// A source of `stream` with the gradient pattern, pixels on every frame, sequence numbers
    /// and device timestamps, four driver buffers, the default start-up times and frame jitter,
    /// at `/dev/synthetic0`.
    pub fn new(stream: StreamConfig) -> SyntheticConfig {
        SyntheticConfig {
            stream,
            pattern: Pattern::Gradient,
            path: "/dev/synthetic0".into(),
            first_seq: 0,
            queue_depth: 4,
            payload_every: 1,
            with_sequence: true,
            with_device_timestamps: true,
            startup: SensorStartup::default(),
            jitter: FrameJitter::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed,
    Open,
    Streaming,
}

/// The synthetic camera. See the module documentation.
#[derive(Debug)]
pub struct SyntheticSource {
    config: SyntheticConfig,
    clock: Arc<dyn Clock>,
    state: State,
    controls: SimExposure,
    /// Clock time of `start`.
    started_at: Duration,
    /// Draws the start-up times.
    startup: StartupTimes,
    /// Time from `start` to the first frame of this stream.
    first_due: Duration,
    /// Index (since `start`) of the next frame to deliver.
    next_index: u64,
    /// Frames lost because the consumer fell behind, since creation.
    lost_total: u64,
    /// Pre-rendered payloads, indexed by frame index modulo their count.
    variants: Vec<Arc<[u8]>>,
    empty: Arc<[u8]>,
}

impl SyntheticSource {
    /// A closed synthetic camera on `clock`.
    pub fn new(config: SyntheticConfig, clock: Arc<dyn Clock>) -> SyntheticSource {
        SyntheticSource {
            startup: StartupTimes::new(config.startup),
            config,
            clock,
            state: State::Closed,
            controls: SimExposure::default(),
            started_at: Duration::ZERO,
            first_due: Duration::ZERO,
            next_index: 0,
            lost_total: 0,
            variants: Vec::new(),
            empty: Arc::from(Vec::new()),
        }
    }

    /// Frames lost so far because the consumer fell more than `queue_depth` frames behind.
    pub fn lost_frames(&self) -> u64 {
        self.lost_total
    }

    /// The nominal time between frames.
    fn interval(&self) -> Duration {
        let rate = self.config.stream.rate;
        let nanos = u128::from(rate.per_seconds) * 1_000_000_000 / u128::from(rate.frames.max(1));
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// Clock offset of frame `index` after start: its nominal time (exact rational arithmetic,
    /// no drift) moved by its jitter. The first frame's time is the start-up's.
    fn due(&self, index: u64) -> Duration {
        let rate = self.config.stream.rate;
        let nominal = u128::from(index) * u128::from(rate.per_seconds) * 1_000_000_000
            / u128::from(rate.frames.max(1));
        let offset = match index {
            0 => 0,
            _ => self.config.jitter.offset_nanos(index, self.interval()),
        };
        let nanos = i128::try_from(nominal).unwrap_or(i128::MAX) + i128::from(offset);
        self.first_due.saturating_add(Duration::from_nanos(
            u64::try_from(nanos.max(0)).unwrap_or(u64::MAX),
        ))
    }

    /// Index of the newest frame due at clock offset `since_start` (0 before the first).
    fn newest_due(&self, since_start: Duration) -> u64 {
        let rate = self.config.stream.rate;
        let per = u128::from(rate.per_seconds).max(1) * 1_000_000_000;
        let since_first = since_start.saturating_sub(self.first_due);
        let nominal = since_first.as_nanos() * u128::from(rate.frames) / per;
        // The jitter moves a frame by less than an interval: the answer is next to the nominal.
        let mut index = u64::try_from(nominal).unwrap_or(u64::MAX);
        while index > 0 && self.due(index) > since_start {
            index -= 1;
        }
        while index < u64::MAX && self.due(index + 1) <= since_start {
            index += 1;
        }
        index
    }

    fn render_variants(&mut self) -> Result<(), CameraError> {
        let s = self.config.stream;
        let (w, h) = (s.width as usize, s.height as usize);
        let mut variants = Vec::new();
        let count = if self.config.pattern == Pattern::Counter && s.format != PixelFormat::Mjpeg {
            0
        } else {
            MJPEG_VARIANTS
        };
        for index in 0..count {
            let luma = pattern::render_luma(self.config.pattern, w, h, index);
            let bytes = if s.format == PixelFormat::Mjpeg {
                pattern::encode_jpeg(&luma, s.width, s.height)?
            } else {
                pattern::pack(&luma, s.format).ok_or_else(|| CameraError::Format {
                    detail: format!("the synthetic camera cannot produce {}", s.format),
                })?
            };
            variants.push(Arc::from(bytes));
        }
        if count == 0 && pattern::pack(&[], s.format).is_none() {
            return Err(CameraError::Format {
                detail: format!("the synthetic camera cannot produce {}", s.format),
            });
        }
        self.variants = variants;
        Ok(())
    }

    fn payload_for(&self, index: u64) -> Arc<[u8]> {
        let pick = usize::try_from(index % MJPEG_VARIANTS).unwrap_or(0);
        if let Some(bytes) = self.variants.get(pick) {
            return bytes.clone();
        }
        let s = self.config.stream;
        let luma = pattern::render_luma(
            self.config.pattern,
            s.width as usize,
            s.height as usize,
            index,
        );
        pattern::pack(&luma, s.format)
            .map(Arc::from)
            .unwrap_or_else(|| self.empty.clone())
    }

    fn bytes_used_for(&self, index: u64) -> u32 {
        let s = self.config.stream;
        let len = match s.format.frame_size(s.width, s.height) {
            Some(len) => len,
            None => {
                let pick = usize::try_from(index % MJPEG_VARIANTS).unwrap_or(0);
                self.variants.get(pick).map_or(0, |v| v.len())
            }
        };
        u32::try_from(len).unwrap_or(u32::MAX)
    }
}

impl FrameSource for SyntheticSource {
    fn open(&mut self) -> Result<OpenInfo, CameraError> {
        if self.state != State::Closed {
            return Err(CameraError::State {
                call: "open",
                state: "already open",
            });
        }
        let s = self.config.stream;
        if s.width == 0 || s.height == 0 || s.rate.frames == 0 || s.rate.per_seconds == 0 {
            return Err(CameraError::Format {
                detail: format!("the synthetic camera cannot run {s}"),
            });
        }
        if self.variants.is_empty() {
            self.render_variants()?;
        }
        self.clock.sleep(self.startup.open());
        self.state = State::Open;
        Ok(OpenInfo {
            path: self.config.path.clone(),
            driver: "synthetic".into(),
            card: format!("facebench synthetic {:?} camera", self.config.pattern),
            config: s,
        })
    }

    fn start(&mut self) -> Result<(), CameraError> {
        match self.state {
            State::Closed => Err(CameraError::State {
                call: "start",
                state: "closed",
            }),
            State::Streaming => Err(CameraError::State {
                call: "start",
                state: "streaming",
            }),
            State::Open => {
                self.state = State::Streaming;
                self.started_at = self.clock.elapsed();
                self.first_due = self.startup.first_frame();
                self.next_index = 0;
                Ok(())
            }
        }
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        if self.state != State::Streaming {
            return Err(CameraError::State {
                call: "next_frame",
                state: "not streaming",
            });
        }
        let since_start = self.clock.elapsed().saturating_sub(self.started_at);
        let due = self.due(self.next_index);
        if due > since_start {
            let wait = due - since_start;
            if wait > timeout {
                self.clock.sleep(timeout);
                return Err(CameraError::Timeout { waited: timeout });
            }
            self.clock.sleep(wait);
        }
        let now = self.clock.elapsed();
        let newest = self.newest_due(now.saturating_sub(self.started_at));
        let depth = u64::from(self.config.queue_depth.max(1));
        if newest >= self.next_index + depth {
            let lost = newest + 1 - depth - self.next_index;
            self.lost_total += lost;
            self.next_index += lost;
        }
        let index = self.next_index;
        self.next_index += 1;
        let s = self.config.stream;
        let every = u64::from(self.config.payload_every);
        let data = if every != 0 && index.is_multiple_of(every) {
            self.payload_for(index)
        } else {
            self.empty.clone()
        };
        Ok(Frame {
            seq: self
                .config
                .with_sequence
                .then(|| self.config.first_seq.wrapping_add(index as u32)),
            ts_device: self
                .config
                .with_device_timestamps
                .then(|| DEVICE_EPOCH + self.due(index)),
            ts_host: now,
            bytes_used: self.bytes_used_for(index),
            flags: FrameFlags {
                error: false,
                ts_monotonic: self.config.with_device_timestamps,
                ts_start_of_exposure: false,
            },
            format: s.format,
            width: s.width,
            height: s.height,
            stream: s.stream,
            data,
        })
    }

    fn stop(&mut self) -> Result<(), CameraError> {
        if self.state == State::Streaming {
            self.state = State::Open;
        }
        Ok(())
    }

    fn close(&mut self) {
        self.state = State::Closed;
    }

    fn controls(&mut self) -> Option<&mut dyn ExposureControls> {
        Some(&mut self.controls)
    }

    fn capabilities(&self) -> SourceCapabilities {
        SourceCapabilities {
            has_sequence: self.config.with_sequence,
            has_device_timestamps: self.config.with_device_timestamps,
            has_error_flag: true,
            has_bytes_used: true,
            has_exposure_controls: true,
            can_configure: true,
        }
    }

    fn configure(&mut self, wanted: &StreamConfig) -> Result<StreamConfig, CameraError> {
        if self.state != State::Open {
            return Err(CameraError::State {
                call: "configure",
                state: "not open and stopped",
            });
        }
        let previous = self.config.stream;
        self.config.stream = *wanted;
        if let Err(e) = self.render_variants() {
            self.config.stream = previous;
            return Err(e);
        }
        Ok(*wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::frame::{FrameRate, StreamKind};
    use crate::clock::SimClock;

    fn source(format: PixelFormat, pattern: Pattern) -> (SyntheticSource, Arc<SimClock>) {
        let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        let stream = StreamConfig {
            format,
            width: 320,
            height: 8,
            rate: FrameRate::fps(30),
            stream: StreamKind::Rgb,
        };
        let mut config = SyntheticConfig::new(stream);
        config.pattern = pattern;
        config.startup = SensorStartup::INSTANT;
        (SyntheticSource::new(config, clock.clone()), clock)
    }

    #[test]
    fn open_and_the_first_frame_take_seeded_start_up_time_on_the_clock() {
        let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        let stream = source(PixelFormat::Grey, Pattern::Gradient).0.config.stream;
        let mut cam = SyntheticSource::new(SyntheticConfig::new(stream), clock.clone());
        let timeout = Duration::from_secs(1);
        let mut opens = Vec::new();
        for _ in 0..5 {
            let t0 = clock.elapsed();
            cam.open().unwrap();
            let opened = clock.elapsed();
            opens.push(opened - t0);
            cam.start().unwrap();
            let first = cam.next_frame(timeout).unwrap();
            let to_first = clock.elapsed() - opened;
            assert!(
                (Duration::from_millis(90)..=Duration::from_millis(110)).contains(&to_first),
                "{to_first:?}"
            );
            assert_eq!(first.ts_device, Some(DEVICE_EPOCH + to_first));
            let second = cam.next_frame(timeout).unwrap();
            assert_eq!(clock.elapsed() - opened, to_first + cam.due(1) - cam.due(0));
            assert_eq!(second.seq, Some(1));
            cam.stop().unwrap();
            cam.close();
        }
        let (lo, hi) = (Duration::from_millis(30), Duration::from_millis(50));
        assert!(opens.iter().all(|d| (lo..=hi).contains(d)), "{opens:?}");
        assert!(opens.windows(2).any(|w| w[0] != w[1]), "{opens:?}");
    }

    #[test]
    fn paces_frames_on_the_clock_with_contiguous_sequence() {
        let (mut cam, clock) = source(PixelFormat::Grey, Pattern::Counter);
        cam.open().unwrap();
        cam.start().unwrap();
        let timeout = Duration::from_secs(1);
        let mut times = Vec::new();
        for i in 0..90u32 {
            let f = cam.next_frame(timeout).unwrap();
            assert_eq!(f.seq, Some(i));
            assert_eq!(pattern::read_counter(f.payload(), 320), Some(i));
            assert_eq!(f.ts_device, Some(DEVICE_EPOCH + cam.due(u64::from(i))));
            assert_eq!(f.ts_host, clock.elapsed());
            times.push(clock.elapsed());
        }
        // 90 frames at 30 fps: the last one is due at 89/30 s, moved by at most its jitter
        // (± 0.75 ms, late frames up to 4 ms more).
        let nominal = Duration::from_nanos(89_000_000_000 / 30);
        let last = clock.elapsed();
        assert!(
            nominal - Duration::from_micros(750) <= last
                && last <= nominal + Duration::from_micros(4_750),
            "{last:?}"
        );
        let intervals: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
        let (lo, hi) = (Duration::from_micros(27_800), Duration::from_micros(39_000));
        assert!(
            intervals.iter().all(|d| (lo..=hi).contains(d)),
            "{intervals:?}"
        );
        let distinct: std::collections::BTreeSet<_> = intervals.iter().collect();
        assert!(distinct.len() > 60, "intervals jitter: {distinct:?}");
        assert_eq!(cam.lost_frames(), 0);
    }

    #[test]
    fn frame_times_repeat_with_the_seed_and_are_exact_without_jitter() {
        let run = |jitter: FrameJitter| {
            let (mut cam, _clock) = source(PixelFormat::Grey, Pattern::Counter);
            cam.config.jitter = jitter;
            cam.open().unwrap();
            cam.start().unwrap();
            (0..300)
                .map(|_| cam.next_frame(Duration::from_secs(1)).unwrap().ts_device)
                .collect::<Vec<_>>()
        };
        assert_eq!(run(FrameJitter::default()), run(FrameJitter::default()));
        let reseeded = FrameJitter {
            seed: 2,
            ..FrameJitter::default()
        };
        assert_ne!(run(FrameJitter::default()), run(reseeded));
        let exact = run(FrameJitter::NONE);
        for (n, ts) in (0u64..).zip(&exact) {
            assert_eq!(
                *ts,
                Some(DEVICE_EPOCH + Duration::from_nanos(n * 1_000_000_000 / 30))
            );
        }
    }

    #[test]
    fn a_late_consumer_loses_frames_beyond_the_queue() {
        let (mut cam, clock) = source(PixelFormat::Yuyv, Pattern::Gradient);
        cam.open().unwrap();
        cam.start().unwrap();
        cam.next_frame(Duration::from_secs(1)).unwrap();
        // Frames 1..=30 are due (frame 30 at most 4.75 ms late, frame 31 not before 1.032 s);
        // the queue holds 4.
        clock.advance(Duration::from_millis(1_010));
        let f = cam.next_frame(Duration::from_secs(1)).unwrap();
        assert_eq!(f.seq, Some(27));
        assert_eq!(cam.lost_frames(), 26);
    }

    #[test]
    fn times_out_without_hanging_and_refuses_calls_out_of_order() {
        let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        let mut stream = source(PixelFormat::Grey, Pattern::Gradient).0.config;
        stream.stream.rate = FrameRate {
            frames: 1,
            per_seconds: 10,
        };
        let mut cam = SyntheticSource::new(stream, clock.clone());
        assert!(matches!(
            cam.next_frame(Duration::from_secs(1)),
            Err(CameraError::State { .. })
        ));
        cam.open().unwrap();
        cam.start().unwrap();
        cam.next_frame(Duration::from_secs(1)).unwrap();
        let err = cam.next_frame(Duration::from_secs(2)).unwrap_err();
        assert!(matches!(err, CameraError::Timeout { waited } if waited == Duration::from_secs(2)));
        assert_eq!(clock.elapsed(), cam.due(0) + Duration::from_secs(2));
    }

    #[test]
    fn mjpeg_frames_are_cached_and_distinct() {
        let (mut cam, _clock) = source(PixelFormat::Mjpeg, Pattern::MovingBar);
        cam.open().unwrap();
        cam.start().unwrap();
        let a = cam.next_frame(Duration::from_secs(1)).unwrap();
        let b = cam.next_frame(Duration::from_secs(1)).unwrap();
        assert_ne!(a.data, b.data);
        assert_eq!(a.bytes_used as usize, a.data.len());
        assert!(a.payload().starts_with(&[0xFF, 0xD8]));
    }

    #[test]
    fn configure_switches_format_and_rejects_unknown_ones() {
        let (mut cam, _clock) = source(PixelFormat::Grey, Pattern::Gradient);
        cam.open().unwrap();
        let mut wanted = cam.config.stream;
        wanted.format = PixelFormat::Other(*b"XXXX");
        assert!(cam.configure(&wanted).is_err());
        wanted.format = PixelFormat::Nv12;
        wanted.width = 64;
        assert_eq!(cam.configure(&wanted).unwrap(), wanted);
        cam.start().unwrap();
        let f = cam.next_frame(Duration::from_secs(1)).unwrap();
        assert_eq!(f.payload().len(), 64 * 8 * 3 / 2);
    }
}
