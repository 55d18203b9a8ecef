//! Every injected camera fault is detected with the exact count the injector logged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use facebench::camera::analysis::{AnalysisConfig, AnalysisSummary, FrameAnalyzer};
use facebench::camera::faults::{
    Disconnect, ExposureDrift, FaultLog, FaultPlan, FaultySource, Trigger,
};
use facebench::camera::stress::cycles::{run_cycles, CycleConfig};
use facebench::camera::stress::soak::{run_soak, SoakConfig, SoakEnd};
use facebench::camera::stress::StopFlag;
use facebench::camera::synthetic::{Pattern, SensorStartup, SyntheticConfig, SyntheticSource};
use facebench::camera::{
    CameraError, FrameRate, FrameSource, PixelFormat, StreamConfig, StreamKind,
};
use facebench::clock::{Clock, SimClock, SystemClock};

fn stream(format: PixelFormat) -> StreamConfig {
    StreamConfig {
        format,
        width: 64,
        height: 48,
        rate: FrameRate::fps(30),
        stream: StreamKind::Rgb,
    }
}

fn sim_clock() -> Arc<SimClock> {
    Arc::new(SimClock::starting_at(chrono::Utc::now()))
}

fn faulty(
    config: SyntheticConfig,
    plan: FaultPlan,
    clock: &Arc<SimClock>,
) -> FaultySource<SyntheticSource> {
    let clock: Arc<dyn Clock> = clock.clone();
    FaultySource::new(SyntheticSource::new(config, clock.clone()), plan, clock)
}

/// Pulls `frames` frames (timeouts do not count) through a fresh analyzer.
fn run_frames(
    source: &mut FaultySource<SyntheticSource>,
    clock: &SimClock,
    frames: usize,
    analysis: AnalysisConfig,
) -> (AnalysisSummary, FaultLog) {
    let mut analyzer = FrameAnalyzer::new(analysis);
    source.open().expect("open");
    source.start().expect("start");
    analyzer.on_stream_start();
    let mut got = 0;
    while got < frames {
        match source.next_frame(Duration::from_secs(1)) {
            Ok(frame) => {
                analyzer.on_frame(&frame, None);
                got += 1;
            }
            Err(CameraError::Timeout { .. }) => analyzer.on_timeout(clock.elapsed()),
            Err(e) => panic!("unexpected {e}"),
        }
    }
    (analyzer.finish(clock.elapsed()), source.log().snapshot())
}

fn run_plan(format: PixelFormat, plan: FaultPlan, frames: usize) -> (AnalysisSummary, FaultLog) {
    let clock = sim_clock();
    let config = SyntheticConfig::new(stream(format));
    let mut analysis = AnalysisConfig::for_stream(stream(format));
    analysis.mjpeg_decode_every = 1;
    let mut source = faulty(config, plan, &clock);
    run_frames(&mut source, &clock, frames, analysis)
}

fn plan() -> FaultPlan {
    FaultPlan::none(42)
}

#[test]
fn single_drops_and_bursts_are_counted_exactly() {
    let (s, log) = run_plan(
        PixelFormat::Grey,
        FaultPlan {
            drop: Trigger::every(100, 50),
            ..plan()
        },
        1000,
    );
    assert_eq!(log.dropped, 10);
    assert_eq!(s.counts.device_drops, 10);
    assert_eq!(s.counts.frames, 1000);

    let (s, log) = run_plan(
        PixelFormat::Grey,
        FaultPlan {
            burst: Trigger::every(500, 100),
            burst_len: 5,
            ..plan()
        },
        1000,
    );
    assert_eq!((log.bursts, log.dropped), (2, 10));
    assert_eq!(s.counts.device_drops, 10);
}

#[test]
fn random_drops_match_the_injector_log() {
    let (s, log) = run_plan(
        PixelFormat::Yuyv,
        FaultPlan {
            drop: Trigger::Chance(0.01),
            ..FaultPlan::none(7)
        },
        5000,
    );
    assert!(log.dropped > 20, "{log:?}");
    assert_eq!(s.counts.device_drops, log.dropped);
}

#[test]
fn drops_without_sequence_numbers_come_from_intervals() {
    let clock = sim_clock();
    let mut config = SyntheticConfig::new(stream(PixelFormat::Grey));
    config.with_sequence = false;
    let mut source = faulty(
        config,
        FaultPlan {
            drop: Trigger::every(100, 50),
            burst: Trigger::every(1000, 500),
            burst_len: 3,
            ..plan()
        },
        &clock,
    );
    let (s, log) = run_frames(
        &mut source,
        &clock,
        1000,
        AnalysisConfig::for_stream(stream(PixelFormat::Grey)),
    );
    // Ten single drops (50, 150 … 950) and one burst of three (500..=502).
    assert_eq!(log.dropped, 13);
    assert_eq!(s.counts.device_drops, 13);
    assert_eq!(s.counts.drops_by_timing, 13);
}

#[test]
fn sequence_wrap_is_not_a_drop() {
    let clock = sim_clock();
    let mut config = SyntheticConfig::new(stream(PixelFormat::Grey));
    config.first_seq = u32::MAX - 10;
    let mut source = faulty(
        config,
        FaultPlan {
            drop: Trigger::every(20, 5),
            ..plan()
        },
        &clock,
    );
    let (s, log) = run_frames(
        &mut source,
        &clock,
        100,
        AnalysisConfig::for_stream(stream(PixelFormat::Grey)),
    );
    assert_eq!(log.dropped, 5); // indices 5, 25, 45, 65, 85 (frame 105 is never pulled)
    assert_eq!(s.counts.device_drops, 5);
    assert_eq!(s.counts.seq_restarts, 0);
}

#[test]
fn stalls_time_out_and_count_once_each() {
    let clock = sim_clock();
    let config = SyntheticConfig::new(stream(PixelFormat::Grey));
    let mut source = faulty(
        config,
        FaultPlan {
            stall: Trigger::every(300, 200),
            stall_for: Duration::from_millis(2500),
            ..plan()
        },
        &clock,
    );
    let (s, log) = run_frames(
        &mut source,
        &clock,
        1000,
        AnalysisConfig::for_stream(stream(PixelFormat::Grey)),
    );
    assert_eq!(log.stalls, 3);
    assert_eq!(s.counts.stalls, 3);
    // 2.5 s with a 1 s timeout: two timeouts per stall.
    assert_eq!(s.counts.timeouts, 6);
    // Frames due during a stall beyond the four driver buffers are lost, and counted.
    let lost = source.inner().lost_frames();
    assert!(lost > 0);
    assert_eq!(s.counts.device_drops, lost);
}

#[test]
fn a_stalled_source_times_out_in_real_time() {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let mut config = SyntheticConfig::new(stream(PixelFormat::Grey));
    // Frames from the instant of `start`: the 50 ms timeouts below are about the stall only.
    config.startup = SensorStartup::INSTANT;
    let mut source = FaultySource::new(
        SyntheticSource::new(config, clock.clone()),
        FaultPlan {
            stall: Trigger::At(vec![2]),
            stall_for: Duration::from_secs(3600),
            ..plan()
        },
        clock,
    );
    source.open().unwrap();
    source.start().unwrap();
    let timeout = Duration::from_millis(50);
    source.next_frame(timeout).unwrap();
    source.next_frame(timeout).unwrap();
    for _ in 0..3 {
        let t0 = Instant::now();
        let err = source.next_frame(timeout).unwrap_err();
        let took = t0.elapsed();
        assert!(matches!(err, CameraError::Timeout { waited } if waited == timeout));
        assert!(took >= timeout && took < Duration::from_secs(1), "{took:?}");
    }
}

#[test]
fn frozen_and_duplicated_frames() {
    let (s, log) = run_plan(
        PixelFormat::Grey,
        FaultPlan {
            frozen: Trigger::every(200, 100),
            frozen_len: 3,
            ..plan()
        },
        1000,
    );
    assert_eq!(log.frozen, 15);
    assert_eq!(s.frozen_frames, 15);
    assert_eq!(s.longest_frozen_run, 3);
    assert_eq!(s.counts.device_drops, 0);

    let (s, log) = run_plan(
        PixelFormat::Yuyv,
        FaultPlan {
            duplicate: Trigger::every(250, 10),
            ..plan()
        },
        1000,
    );
    assert_eq!(log.duplicated, 4);
    assert_eq!(s.counts.seq_repeats, 4);
    assert_eq!(s.frozen_frames, 0);
    assert_eq!(s.counts.device_drops, 0);
}

#[test]
fn corrupt_mjpeg_is_counted_by_kind() {
    let (s, log) = run_plan(
        PixelFormat::Mjpeg,
        FaultPlan {
            truncate: Trigger::every(100, 0),
            clear_eoi: Trigger::every(100, 50),
            ..plan()
        },
        1000,
    );
    assert_eq!((log.truncated, log.eoi_cleared), (10, 10));
    assert_eq!(s.mjpeg.total(), 20);
    assert!(s.mjpeg.no_eoi >= 10);
    assert_eq!(s.mjpeg.decode_failures, 0);
    assert_eq!(s.bad_frames(), 20);
}

#[test]
fn error_flagged_empty_and_backwards_frames() {
    let (s, log) = run_plan(
        PixelFormat::Nv12,
        FaultPlan {
            error_flag: Trigger::every(50, 0),
            empty: Trigger::every(125, 1),
            ts_backwards: Trigger::every(100, 3),
            ..plan()
        },
        1000,
    );
    assert_eq!(
        (log.error_flagged, log.emptied, log.ts_backwards),
        (20, 8, 10)
    );
    assert_eq!(s.counts.error_frames, 20);
    assert_eq!(s.counts.empty_frames, 8);
    assert_eq!(s.counts.ts_backwards, 10);
    assert_eq!(s.counts.wrong_size_frames, 0);
    assert_eq!(s.counts.device_drops, 0);
    // A truncated raw frame is the wrong size.
    let (s, _) = run_plan(
        PixelFormat::Yuyv,
        FaultPlan {
            truncate: Trigger::every(100, 0),
            ..plan()
        },
        500,
    );
    assert_eq!(s.counts.wrong_size_frames, 5);
}

#[test]
fn black_and_blown_frames_in_raw_and_mjpeg() {
    for format in [PixelFormat::Grey, PixelFormat::Yuyv, PixelFormat::Mjpeg] {
        let (s, log) = run_plan(
            format,
            FaultPlan {
                black: Trigger::every(100, 7),
                blown: Trigger::every(100, 9),
                ..plan()
            },
            1000,
        );
        assert_eq!((log.blacked, log.blown), (10, 10), "{format}");
        assert_eq!(s.luma.black_frames, 10, "{format}");
        assert_eq!(s.luma.blown_frames, 10, "{format}");
    }
}

#[test]
fn jitter_shows_in_the_percentiles() {
    let (s, _) = run_plan(
        PixelFormat::Grey,
        FaultPlan {
            jitter: Duration::from_millis(1),
            ..plan()
        },
        3000,
    );
    // The difference of two N(0, 1 ms) stamps has σ = 1.41 ms: median |x| ≈ 0.95 ms,
    // p99 ≈ 3.6 ms.
    let p50 = s.timing.jitter_p50.unwrap().as_secs_f64() * 1e3;
    let p99 = s.timing.jitter_p99.unwrap().as_secs_f64() * 1e3;
    assert!((0.75..1.2).contains(&p50), "{p50}");
    assert!((2.9..4.5).contains(&p99), "{p99}");
    assert_eq!(s.counts.device_drops, 0);
}

#[test]
fn exposure_drift_darkens_the_picture() {
    let (s, _) = run_plan(
        PixelFormat::Yuyv,
        FaultPlan {
            exposure_drift: Some(ExposureDrift {
                start: Duration::from_secs(5),
                per_second: 0.05,
                floor: 0.2,
            }),
            ..plan()
        },
        900,
    );
    let (lo, hi) = (s.luma.mean_min.unwrap(), s.luma.mean_max.unwrap());
    assert!(lo < hi * 0.5, "{lo} {hi}");
}

#[test]
fn a_dark_scene_halves_the_rate_only_with_auto_exposure_priority() {
    for priority in [true, false] {
        let clock = sim_clock();
        let config = SyntheticConfig::new(stream(PixelFormat::Grey));
        let mut source = faulty(
            config,
            FaultPlan {
                dark_scene_from: Some(Duration::from_secs(20)),
                ..plan()
            },
            &clock,
        );
        source
            .controls()
            .unwrap()
            .set_auto_priority(priority)
            .unwrap();
        let mut analysis = AnalysisConfig::for_stream(stream(PixelFormat::Grey));
        analysis.window = Duration::from_secs(5);
        let soak = SoakConfig::new(Duration::from_secs(60), analysis);
        let out = run_soak(&mut source, clock.as_ref(), &soak, &StopFlag::new(), None).unwrap();
        let t = out.summary.timing;
        let log = source.log().snapshot();
        assert_eq!(out.summary.counts.device_drops, 0);
        if priority {
            assert!((t.window_fps_min.unwrap() - 15.0).abs() < 0.5, "{t:?}");
            assert!((t.window_fps_max.unwrap() - 30.0).abs() < 0.5, "{t:?}");
            assert!(log.halved > 500);
        } else {
            assert!((t.window_fps_min.unwrap() - 30.0).abs() < 0.5, "{t:?}");
            assert_eq!(log.halved, 0);
        }
    }
}

#[test]
fn a_disconnect_mid_soak_is_recorded_and_the_camera_found_again() {
    let clock = sim_clock();
    let mut config = SyntheticConfig::new(stream(PixelFormat::Yuyv));
    config.path = "/dev/video0".into();
    let mut source = faulty(
        config,
        FaultPlan {
            disconnect: Some(Disconnect {
                after_frames: 300,
                reappear_after: Duration::from_secs(2),
                new_path: "/dev/video2".into(),
            }),
            ..plan()
        },
        &clock,
    );
    let soak = SoakConfig::new(
        Duration::from_secs(60),
        AnalysisConfig::for_stream(stream(PixelFormat::Yuyv)),
    );
    let out = run_soak(&mut source, clock.as_ref(), &soak, &StopFlag::new(), None).unwrap();
    assert_eq!(out.end, SoakEnd::Completed);
    assert_eq!((out.break_count, out.reconnects), (1, 1));
    let b = &out.breaks[0];
    assert_eq!(b.kind, "disconnected");
    assert!(b.message.contains("/dev/video0"));
    assert_eq!(b.frames_before, 300);
    assert_eq!(b.path_after.as_deref(), Some("/dev/video2"));
    assert!(b.attempts > 1);
    let back = b.back_after.unwrap();
    assert!(
        back >= Duration::from_secs(2) && back < Duration::from_secs(4),
        "{back:?}"
    );
    assert_eq!(out.summary.counts.stream_starts, 2);
    assert_eq!(out.summary.counts.device_drops, 0);
    assert!(source.log().snapshot().gone_opens > 0);
}

#[test]
fn busy_opens_fail_k_of_n_cycles() {
    let clock = sim_clock();
    let config = SyntheticConfig::new(stream(PixelFormat::Grey));
    let mut source = faulty(
        config,
        FaultPlan {
            busy_on_open: Some((3, 10)),
            ..plan()
        },
        &clock,
    );
    let cycles = CycleConfig {
        cycles: 100,
        frames_per_cycle: 2,
        trend_skip: 10,
        ..CycleConfig::default()
    };
    let mut records = Vec::new();
    let out = run_cycles(
        &mut source,
        clock.as_ref(),
        &cycles,
        &StopFlag::new(),
        &mut |r| records.push(r.clone()),
    );
    assert_eq!(out.cycles_run, 100);
    assert_eq!(out.open_failures, 30);
    assert_eq!(out.busy_failures, 30);
    assert_eq!(out.cycles_with_frame, 70);
    assert_eq!(source.log().snapshot().busy_opens, 30);
    assert_eq!(records.len(), 100);
    for block in records.chunks(10) {
        assert_eq!(block.iter().filter(|r| r.error.is_some()).count(), 3);
    }
    // The first frame is measured on the clock: open 40 ± 10 ms, then 100 ± 10 ms to the first
    // frame, seeded jitter so the cycles differ.
    let latencies: Vec<Duration> = records
        .iter()
        .filter_map(|r| r.first_frame_latency)
        .collect();
    let (lo, hi) = (Duration::from_millis(120), Duration::from_millis(160));
    assert!(
        latencies.iter().all(|l| (lo..=hi).contains(l)),
        "{latencies:?}"
    );
    assert!(latencies.iter().any(|l| *l != latencies[0]));
    assert!((lo..=hi).contains(&out.first_frame_p99.unwrap()));
    for r in records.iter().filter(|r| r.error.is_none()) {
        let open = r.open_latency.unwrap();
        assert!((Duration::from_millis(30)..=Duration::from_millis(50)).contains(&open));
    }
    assert!(out.fd_slope_per_cycle.is_some());
}

#[test]
fn pattern_counter_survives_the_decorator() {
    let clock = sim_clock();
    let mut config = SyntheticConfig::new(StreamConfig {
        width: 320,
        height: 8,
        ..stream(PixelFormat::Grey)
    });
    config.pattern = Pattern::Counter;
    let mut source = faulty(config, plan(), &clock);
    source.open().unwrap();
    source.start().unwrap();
    for i in 0..5u32 {
        let f = source.next_frame(Duration::from_secs(1)).unwrap();
        assert_eq!(
            facebench::camera::synthetic::pattern::read_counter(f.payload(), 320),
            Some(i)
        );
    }
}

#[test]
fn a_slow_consumer_causes_harness_drops_counted_apart_from_device_drops() {
    use facebench::camera::stress::capture::{CaptureEvent, CaptureThread};
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let mut config = SyntheticConfig::new(StreamConfig {
        rate: FrameRate::fps(200),
        ..stream(PixelFormat::Grey)
    });
    config.queue_depth = 1_000_000; // the simulated driver never loses frames itself
    let mut source = SyntheticSource::new(config, clock.clone());
    source.open().unwrap();
    source.start().unwrap();
    let capture = CaptureThread::spawn(Box::new(source), clock.clone(), 2, Duration::from_secs(1));
    let mut analyzer = FrameAnalyzer::new(AnalysisConfig::for_stream(StreamConfig {
        rate: FrameRate::fps(200),
        ..stream(PixelFormat::Grey)
    }));
    analyzer.on_stream_start();
    for _ in 0..15 {
        match capture.recv(Duration::from_secs(2)) {
            Some(CaptureEvent::Frame {
                frame,
                harness_drops_before,
            }) => {
                analyzer.on_harness_drop(clock.elapsed(), harness_drops_before);
                analyzer.on_frame(&frame, None);
            }
            other => panic!("{other:?}"),
        }
        // Slow analysis: 20 ms a frame against a 5 ms frame interval.
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut source = capture.finish().unwrap();
    source.stop().unwrap();
    source.close();
    let s = analyzer.summary();
    assert_eq!(s.counts.frames, 15);
    assert!(s.counts.harness_drops > 20, "{:?}", s.counts);
    // Every sequence gap is a frame our queue discarded: none is the device's.
    assert_eq!(s.counts.device_drops, 0);
}
