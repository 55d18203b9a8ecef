//! Stress modes on simulated and replayed cameras: format switching, two streams at once, a
//! soak stopped by its flag, and open/close cycles whose fd trend tells a leak from none.

use std::fs::File;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use facebench::camera::analysis::AnalysisConfig;
use facebench::camera::replay::{Pacing, ReplaySource, ReplayWriter};
use facebench::camera::stress::cycles::{run_cycles, CycleConfig};
use facebench::camera::stress::dual::{run_dual, StreamJob};
use facebench::camera::stress::soak::{run_soak, SoakConfig, SoakEnd};
use facebench::camera::stress::switching::{run_switching, SwitchConfig};
use facebench::camera::stress::StopFlag;
use facebench::camera::synthetic::{SyntheticConfig, SyntheticSource};
use facebench::camera::{
    CameraError, Frame, FrameRate, FrameSource, OpenInfo, PixelFormat, SourceCapabilities,
    StreamConfig, StreamKind,
};
use facebench::clock::{Clock, SimClock};

fn stream(format: PixelFormat, width: u32, height: u32, kind: StreamKind) -> StreamConfig {
    StreamConfig {
        format,
        width,
        height,
        rate: FrameRate::fps(30),
        stream: kind,
    }
}

fn sim() -> Arc<SimClock> {
    Arc::new(SimClock::starting_at(chrono::Utc::now()))
}

fn synthetic(config: StreamConfig, clock: &Arc<SimClock>) -> SyntheticSource {
    let clock: Arc<dyn Clock> = clock.clone();
    SyntheticSource::new(SyntheticConfig::new(config), clock)
}

#[test]
fn switching_walks_formats_and_counts_refusals() {
    let clock = sim();
    let mut source = synthetic(stream(PixelFormat::Yuyv, 64, 48, StreamKind::Rgb), &clock);
    let configs = vec![
        stream(PixelFormat::Mjpeg, 64, 48, StreamKind::Rgb),
        stream(PixelFormat::Yuyv, 32, 16, StreamKind::Rgb),
        stream(PixelFormat::Other(*b"H264"), 64, 48, StreamKind::Rgb),
        stream(PixelFormat::Nv12, 16, 16, StreamKind::Rgb),
    ];
    let config = SwitchConfig {
        configs,
        rounds: 3,
        frames_per_config: 4,
        frame_timeout: Duration::from_secs(1),
    };
    let mut records = Vec::new();
    let out = run_switching(
        &mut source,
        clock.as_ref(),
        &config,
        &StopFlag::new(),
        &mut |r| records.push(r.clone()),
    )
    .unwrap();
    assert_eq!(out.switches, 12);
    assert_eq!(out.failures, 3); // the H264 request, each round
    assert_eq!(out.mismatched_frames, 0);
    assert_eq!(out.substituted, 0);
    let refused = records.iter().filter(|r| r.error.is_some()).count();
    assert_eq!(refused, 3);
    assert!(records
        .iter()
        .filter(|r| r.error.is_none())
        .all(|r| r.frames == 4));
    assert!(out.first_frame_max.unwrap() < Duration::from_millis(34));
}

#[test]
fn two_streams_soak_side_by_side() {
    let (clock_rgb, clock_ir) = (sim(), sim());
    let rgb_config = stream(PixelFormat::Mjpeg, 64, 48, StreamKind::Rgb);
    let ir_config = stream(PixelFormat::Grey, 64, 48, StreamKind::Ir);
    let mut rgb = synthetic(rgb_config, &clock_rgb);
    let mut ir = synthetic(ir_config, &clock_ir);
    let rows = Arc::new(Mutex::new(0u64));
    let counted = rows.clone();
    let (a, b) = run_dual(
        StreamJob {
            source: &mut rgb,
            clock: clock_rgb.as_ref(),
            config: SoakConfig::new(
                Duration::from_secs(60),
                AnalysisConfig::for_stream(rgb_config),
            ),
            series: Some(Box::new(move |_| *counted.lock().unwrap() += 1)),
        },
        StreamJob {
            source: &mut ir,
            clock: clock_ir.as_ref(),
            config: SoakConfig::new(
                Duration::from_secs(60),
                AnalysisConfig::for_stream(ir_config),
            ),
            series: None,
        },
        &StopFlag::new(),
    );
    for out in [a.unwrap(), b.unwrap()] {
        assert_eq!(out.end, SoakEnd::Completed);
        assert!(
            (1799..=1801).contains(&out.summary.counts.frames),
            "{:?}",
            out.summary.counts
        );
        assert_eq!(out.summary.bad_frames(), 0);
        assert!((out.summary.timing.fps_produced.unwrap() - 30.0).abs() < 1e-6);
        // 1 800 frames without a drop: the 95 % upper bound is 1 − 0.05^(1/n).
        let n = out.summary.counts.frames as f64;
        let want = 1.0 - 0.05f64.powf(1.0 / n);
        assert!((out.drop_rate_upper.unwrap() - want).abs() < want * 1e-6);
    }
    // Sixty whole seconds, plus the last frame (due at exactly 60 s) in a partial row.
    assert_eq!(*rows.lock().unwrap(), 61);
}

#[test]
fn a_raised_stop_flag_ends_the_soak_with_results_so_far() {
    // A 72 h soak, and one without an end (a hardware monitor beside a partner step).
    for duration in [Duration::from_secs(72 * 3600), Duration::MAX] {
        let clock = sim();
        let config = stream(PixelFormat::Grey, 32, 32, StreamKind::Ir);
        let mut source = synthetic(config, &clock);
        let stop = StopFlag::new();
        let raise = stop.clone();
        let out = run_soak(
            &mut source,
            clock.as_ref(),
            &SoakConfig::new(duration, AnalysisConfig::for_stream(config)),
            &stop,
            Some(Box::new(move |row| {
                if row.second == 9 {
                    raise.stop();
                }
            })),
        )
        .unwrap();
        assert_eq!(out.end, SoakEnd::Stopped);
        assert!(out.elapsed >= Duration::from_secs(10) && out.elapsed < Duration::from_secs(11));
        assert!(out.summary.counts.frames >= 300);
    }
}

/// A source that leaks one file descriptor per open, wrapped around a replay.
struct Leaky {
    inner: ReplaySource,
    leaked: Vec<File>,
}

impl FrameSource for Leaky {
    fn open(&mut self) -> Result<OpenInfo, CameraError> {
        if let Ok(file) = File::open("/proc/self/status") {
            self.leaked.push(file);
        }
        self.inner.open()
    }
    fn start(&mut self) -> Result<(), CameraError> {
        self.inner.start()
    }
    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        self.inner.next_frame(timeout)
    }
    fn stop(&mut self) -> Result<(), CameraError> {
        self.inner.stop()
    }
    fn close(&mut self) {
        self.inner.close()
    }
    fn capabilities(&self) -> SourceCapabilities {
        self.inner.capabilities()
    }
}

#[cfg(target_os = "linux")]
#[test]
fn open_close_cycles_tell_an_fd_leak_from_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cycle.fbcam");
    let config = stream(PixelFormat::Grey, 16, 16, StreamKind::Ir);
    let clock = sim();
    {
        let mut source = synthetic(config, &clock);
        source.open().unwrap();
        source.start().unwrap();
        let mut writer = ReplayWriter::create(&path, &config).unwrap();
        for _ in 0..10 {
            writer
                .write(&source.next_frame(Duration::from_secs(1)).unwrap(), true)
                .unwrap();
        }
        writer.finish().unwrap();
    }
    let cycles = CycleConfig {
        cycles: 300,
        frames_per_cycle: 3,
        trend_skip: 20,
        ..CycleConfig::default()
    };
    let mut clean = ReplaySource::new(&path, clock.clone(), Pacing::Recorded);
    let out = run_cycles(
        &mut clean,
        clock.as_ref(),
        &cycles,
        &StopFlag::new(),
        &mut |_| {},
    );
    assert_eq!(out.cycles_with_frame, 300);
    // Other tests in this binary open files too; a leak-free source stays near zero.
    assert!(out.fd_slope_per_cycle.unwrap().abs() < 0.05, "{out:?}");

    let mut leaky = Leaky {
        inner: ReplaySource::new(&path, clock.clone(), Pacing::Recorded),
        leaked: Vec::new(),
    };
    let out = run_cycles(
        &mut leaky,
        clock.as_ref(),
        &cycles,
        &StopFlag::new(),
        &mut |_| {},
    );
    let slope = out.fd_slope_per_cycle.unwrap();
    assert!((slope - 1.0).abs() < 0.05, "{slope}");
    let (first, last) = out.fds_first_last.unwrap();
    assert!(last >= first + 270, "{first} {last}");
}
