//! Recordings: a synthetic stream recorded and played back gives the same frames and the same
//! analysis; damaged files give errors naming the file and offset, never a panic.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use facebench::camera::analysis::{AnalysisConfig, AnalysisSummary, FrameAnalyzer};
use facebench::camera::faults::{FaultPlan, FaultySource, Trigger};
use facebench::camera::replay::format::{HEADER_LEN, RECORD_LEN};
use facebench::camera::replay::{Pacing, ReplaySource, ReplayWriter};
use facebench::camera::synthetic::{Pattern, SyntheticConfig, SyntheticSource};
use facebench::camera::{
    CameraError, Frame, FrameRate, FrameSource, PixelFormat, StreamConfig, StreamKind,
};
use facebench::clock::{Clock, SimClock};

fn stream() -> StreamConfig {
    StreamConfig {
        format: PixelFormat::Yuyv,
        width: 320,
        height: 8,
        rate: FrameRate::fps(30),
        stream: StreamKind::Ir,
    }
}

fn clock() -> Arc<SimClock> {
    Arc::new(SimClock::starting_at(chrono::Utc::now()))
}

/// Records 300 faulty synthetic frames (pixels on every third) and returns them.
fn record(path: &Path) -> Vec<Frame> {
    let clock = clock();
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut config = SyntheticConfig::new(stream());
    config.pattern = Pattern::Counter;
    let mut source = FaultySource::new(
        SyntheticSource::new(config, dyn_clock.clone()),
        FaultPlan {
            drop: Trigger::every(37, 5),
            error_flag: Trigger::every(50, 3),
            empty: Trigger::every(90, 1),
            ..FaultPlan::none(3)
        },
        dyn_clock,
    );
    source.open().unwrap();
    source.start().unwrap();
    let mut writer = ReplayWriter::create(path, &stream()).unwrap();
    let mut frames = Vec::new();
    for i in 0..300u64 {
        let frame = source.next_frame(Duration::from_secs(1)).unwrap();
        writer.write(&frame, i % 3 == 0).unwrap();
        frames.push(frame);
    }
    assert_eq!(writer.counts().0, 300);
    writer.finish().unwrap();
    frames
}

fn analyse(source: &mut dyn FrameSource, clock: &dyn Clock) -> AnalysisSummary {
    let mut config = AnalysisConfig::for_stream(stream());
    config.warmup = Duration::from_secs(1);
    let mut analyzer = FrameAnalyzer::new(config);
    source.open().unwrap();
    source.start().unwrap();
    analyzer.on_stream_start();
    loop {
        match source.next_frame(Duration::from_secs(1)) {
            Ok(frame) => analyzer.on_frame(&frame, None),
            Err(CameraError::EndOfStream { .. }) => break,
            Err(e) => panic!("{e}"),
        }
    }
    source.close();
    analyzer.finish(clock.elapsed())
}

#[test]
fn round_trip_keeps_metadata_for_all_and_pixels_for_sampled_frames() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rgb.fbcam");
    let recorded = record(&path);
    let clock = clock();
    let mut replay = ReplaySource::new(&path, clock.clone(), Pacing::Recorded);
    let info = replay.open().unwrap();
    assert_eq!(info.config, stream());
    assert_eq!(info.driver, "replay");
    replay.start().unwrap();
    let t0 = clock.elapsed();
    for (i, want) in recorded.iter().enumerate() {
        let got = replay.next_frame(Duration::from_secs(1)).unwrap();
        assert_eq!(got.seq, want.seq, "frame {i}");
        assert_eq!(got.ts_device, want.ts_device);
        assert_eq!(got.flags, want.flags);
        assert_eq!(got.bytes_used, want.bytes_used);
        assert_eq!(got.stream, StreamKind::Ir);
        if i % 3 == 0 {
            assert_eq!(got.payload(), want.payload(), "frame {i}");
        } else {
            assert!(!got.has_payload());
        }
    }
    // Paced replay takes the recorded time on the clock.
    let span = recorded.last().unwrap().ts_device.unwrap() - recorded[0].ts_device.unwrap();
    assert_eq!(clock.elapsed() - t0, span);
    assert!(matches!(
        replay.next_frame(Duration::from_secs(1)),
        Err(CameraError::EndOfStream { .. })
    ));
}

#[test]
fn replayed_analysis_matches_the_live_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ir.fbcam");
    let recorded = record(&path);
    let clock = clock();
    let mut replay = ReplaySource::new(&path, clock.clone(), Pacing::Unpaced);
    let s = analyse(&mut replay, clock.as_ref());
    assert_eq!(s.counts.frames, 300);
    let drops: u64 = recorded
        .windows(2)
        .map(|w| u64::from(w[1].seq.unwrap() - w[0].seq.unwrap() - 1))
        .sum();
    assert!(drops > 0);
    assert_eq!(s.counts.device_drops, drops);
    assert_eq!(
        s.counts.error_frames,
        recorded.iter().filter(|f| f.flags.error).count() as u64
    );
    assert_eq!(
        s.counts.empty_frames,
        recorded.iter().filter(|f| f.bytes_used == 0).count() as u64
    );
    // Device timestamps, not the unpaced replay's host times, give the frame rate.
    let fps = s.timing.fps_produced.unwrap();
    assert!((fps - 30.0).abs() < 0.01, "{fps}");
}

#[test]
fn damaged_files_name_the_file_and_offset_and_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.fbcam");
    record(&path);
    let whole = std::fs::read(&path).unwrap();
    let cut_path = dir.path().join("damaged.fbcam");
    let first_payload = RECORD_LEN + 320 * 8 * 2;
    for cut in [
        0,
        5,
        HEADER_LEN - 1,
        HEADER_LEN + 10,
        HEADER_LEN + RECORD_LEN + 100,
        HEADER_LEN + first_payload + 7,
        whole.len() - 1,
    ] {
        std::fs::write(&cut_path, &whole[..cut]).unwrap();
        let mut replay = ReplaySource::new(&cut_path, clock(), Pacing::Unpaced);
        let err = match replay.open() {
            Err(e) => e,
            Ok(_) => {
                replay.start().unwrap();
                loop {
                    match replay.next_frame(Duration::from_secs(1)) {
                        Ok(_) => continue,
                        Err(e) => break e,
                    }
                }
            }
        };
        let CameraError::Recording {
            path,
            offset,
            detail,
        } = &err
        else {
            panic!("cut at {cut}: {err}");
        };
        assert_eq!(path, &cut_path);
        assert!(*offset <= cut as u64, "cut at {cut}: offset {offset}");
        let message = err.to_string();
        assert!(message.contains("damaged.fbcam"), "{message}");
        assert!(
            message.contains(&format!("byte offset {offset}")),
            "{message}"
        );
        assert!(!detail.is_empty());
    }
    // Random garbage: an error, never a panic.
    let mut state = 0x1234_5678_9ABC_DEF0u64;
    for round in 0..200 {
        let mut bytes = whole[..HEADER_LEN].to_vec();
        for _ in 0..(round * 7 % 500) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push(state as u8);
        }
        if round % 2 == 1 {
            bytes[0] ^= 0xFF;
        }
        std::fs::write(&cut_path, &bytes).unwrap();
        let mut replay = ReplaySource::new(&cut_path, clock(), Pacing::Unpaced);
        if replay.open().is_ok() {
            replay.start().unwrap();
            for _ in 0..1000 {
                if replay.next_frame(Duration::from_secs(1)).is_err() {
                    break;
                }
            }
        }
    }
}

#[test]
fn a_missing_file_is_not_found() {
    let mut replay = ReplaySource::new(Path::new("/nonexistent/x.fbcam"), clock(), Pacing::Unpaced);
    assert!(matches!(replay.open(), Err(CameraError::NotFound { .. })));
}
