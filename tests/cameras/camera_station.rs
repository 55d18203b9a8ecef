//! Cameras in station files: `[camera]` selectors per stream and `[[camera.sample]]` tables per
//! sample, opened by `open_station` into one camera rig per sample that streams its own source;
//! every mistake is reported with file, line and field.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use facebench::camera::replay::ReplayWriter;
use facebench::camera::synthetic::{SyntheticConfig, SyntheticSource};
use facebench::camera::{FrameRate, FrameSource, PixelFormat, StreamConfig, StreamKind};
use facebench::clock::{Clock, SimClock};
use facebench::plan::rig_step::{CameraMode, CameraStress};
use facebench::rig::drop::manual::OperatorChannel;
use facebench::rig::RigError;
use facebench::runner::rigs::camera::run_camera_step;
use facebench::runner::rigs::{
    CameraRig, Measurements, RigSet, StationCameraRig, StepContext, StepError,
};
use facebench::station::{
    open_station, parse_station, OpenError, SampleCameras, SimFaults, StationErrors,
};

/// A manual drop rig's operator that is never asked (these stations have no drop rig).
#[derive(Debug)]
pub struct NoOperator;

impl OperatorChannel for NoOperator {
    fn instruct(&mut self, _text: &str) -> Result<bool, RigError> {
        Ok(false)
    }
}

/// Opens the station `text` for `samples` samples, with `faults` around every camera source.
pub fn open(text: &str, samples: usize, faults: &SimFaults) -> Result<RigSet, OpenError> {
    let station = parse_station(text, "rigs/t.toml", "t").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    open_station(&station, clock, None, Box::new(NoOperator), faults, samples)
        .map(|(rigs, _sims)| rigs)
}

/// A camera step of `mode` on `streams` at 30 fps, judged over 5 s windows, stalls after 1 s.
pub fn stress(mode: CameraMode, streams: &[&str]) -> CameraStress {
    CameraStress {
        mode,
        streams: streams.iter().map(|s| s.to_string()).collect(),
        nominal_fps: 30.0,
        concurrent_with: None,
        duration_s: None,
        warmup_s: 0.0,
        window_s: 5.0,
        stall_s: 1.0,
        drop_interval_factor: 1.5,
        repeats: None,
        pause_s: None,
        target: None,
    }
}

/// Runs `stress` for `seconds` on `rig`, writing series under `series_dir/item` (no sample
/// folder: the step runs outside a session).
pub fn run(
    rig: &mut dyn CameraRig,
    stress: &CameraStress,
    seconds: u64,
    series_dir: &Path,
    item: &str,
) -> Result<Measurements, StepError> {
    let clock = SimClock::starting_at(chrono::Utc::now());
    let stop = AtomicBool::new(false);
    let ctx = StepContext {
        clock: &clock,
        series_dir,
        item,
        sample: None,
        stop: &stop,
    };
    run_camera_step(
        rig,
        stress,
        Duration::from_secs(seconds),
        ctx,
        &facebench::camera::stress::StopFlag::new(),
    )
}

/// Records `seconds` of a synthetic `width`×`height` YUYV stream at 30 fps to `path`.
pub fn recording(path: &Path, width: u32, height: u32, seconds: u64) -> PathBuf {
    let config = StreamConfig {
        format: PixelFormat::Yuyv,
        width,
        height,
        rate: FrameRate::fps(30),
        stream: StreamKind::Rgb,
    };
    let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    let mut source = SyntheticSource::new(SyntheticConfig::new(config), clock);
    source.open().unwrap();
    source.start().unwrap();
    let mut writer = ReplayWriter::create(path, &config).unwrap();
    for i in 0..seconds * 30 {
        let frame = source.next_frame(Duration::from_secs(1)).unwrap();
        writer.write(&frame, i % 30 == 0).unwrap();
    }
    writer.finish().unwrap();
    path.to_path_buf()
}

fn errors(text: &str) -> Vec<String> {
    match parse_station(text, "rigs/t.toml", "t") {
        Ok(station) => panic!("expected errors, got {station:?}"),
        Err(StationErrors(found)) => found.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn two_samples_of_a_synthetic_station_stream_their_own_cameras() {
    let text = "\
[camera]
ir = \"synthetic\"

[[camera.sample]]
rgb = \"synthetic:320x240@30/YUYV\"

[[camera.sample]]
rgb = \"synthetic:160x120@30/MJPG\"
";
    let mut rigs = open(text, 2, &SimFaults::default()).unwrap();
    assert_eq!(rigs.cameras.len(), 2);
    let tmp = tempfile::tempdir().unwrap();
    let check = stress(CameraMode::StreamCheck, &["rgb", "ir"]);
    let mut configs = Vec::new();
    for (index, rig) in rigs.cameras.iter_mut().enumerate() {
        assert!(rig.own_clock(), "synthetic cameras keep their own time");
        configs.push(rig.source(StreamKind::Rgb, 30).unwrap().config);
        let ir = rig.source(StreamKind::Ir, 30).unwrap().config;
        assert_eq!((ir.stream, ir.format), (StreamKind::Ir, PixelFormat::Grey));
        let item = format!("FUN-S{}", index + 1);
        let m = run(rig.as_mut(), &check, 10, tmp.path(), &item).unwrap();
        for name in ["fps_rgb", "fps_ir"] {
            assert!(
                // The first window holds the sensor's 0.1 s start-up.
                m[name].iter().all(|fps| (fps - 30.0).abs() < 0.7),
                "{name}: {m:?}"
            );
        }
        assert_eq!(m["usb_reenum"], [0.0]);
        assert_eq!(m["gap_s"], [0.0]);
        let series = std::fs::read_to_string(tmp.path().join(&item).join("camera-rgb.csv"));
        assert!(series.unwrap().lines().count() >= 10);
    }
    assert_eq!(
        (configs[0].width, configs[0].format),
        (320, PixelFormat::Yuyv)
    );
    assert_eq!(
        (configs[1].width, configs[1].format),
        (160, PixelFormat::Mjpeg)
    );
}

#[test]
fn two_samples_replay_their_own_recordings() {
    let tmp = tempfile::tempdir().unwrap();
    let first = recording(&tmp.path().join("a.fbrec"), 64, 48, 6);
    let second = recording(&tmp.path().join("b.fbrec"), 32, 24, 6);
    let text = format!(
        "[[camera.sample]]\nrgb = \"replay:{}\"\n[[camera.sample]]\nrgb = \"replay:{}\"\n",
        first.display(),
        second.display()
    );
    let mut rigs = open(&text, 2, &SimFaults::default()).unwrap();
    let soak = stress(CameraMode::Soak, &["rgb"]);
    for (rig, width) in rigs.cameras.iter_mut().zip([64, 32]) {
        assert!(rig.own_clock());
        let source = rig.source(StreamKind::Rgb, 30).unwrap();
        assert_eq!(
            source.config.width, width,
            "each sample plays its own recording"
        );
        let m = run(rig.as_mut(), &soak, 5, tmp.path(), &format!("PER-{width}")).unwrap();
        assert_eq!(m["usb_reenum"], [0.0], "{m:?}");
        assert!((m["fps"][0] - 30.0).abs() < 0.5, "{m:?}");
    }
}

#[test]
fn a_station_without_cameras_for_every_sample_says_which_file_and_field() {
    let text = "[[camera.sample]]\nrgb = \"synthetic\"\n[[camera.sample]]\nrgb = \"synthetic\"\n";
    assert_eq!(
        open(text, 2, &SimFaults::default()).unwrap().cameras.len(),
        2
    );
    let error = open(text, 3, &SimFaults::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("rigs/t.toml camera.sample"), "{error}");
    assert!(error.contains("sample 3"), "{error}");
    assert!(error.contains("2 sample(s)"), "{error}");
    // A default covers the samples without a table of their own.
    let with_default = format!("[camera]\nir = \"synthetic\"\n{text}");
    let rigs = open(&with_default, 3, &SimFaults::default()).unwrap();
    assert_eq!(rigs.cameras.len(), 3);
}

#[test]
fn a_missing_recording_or_device_stops_the_station_before_the_run() {
    let text = "[camera]\nrgb = \"replay:/nonexistent/facebench.fbrec\"\n";
    let error = open(text, 1, &SimFaults::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(
            "rigs/t.toml sample 1 rgb camera: replay:/nonexistent/facebench.fbrec: not found"
        ),
        "{error}"
    );
    let text = "[camera]\nrgb = \"v4l:/dev/video-facebench-none\"\n";
    let error = open(text, 1, &SimFaults::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("sample 1 rgb camera"), "{error}");
    assert!(
        error.contains("no device node /dev/video-facebench-none"),
        "{error}"
    );
}

#[test]
fn the_simulated_station_keeps_its_synthetic_cameras() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rigs/sim.toml"));
    let station = parse_station(&text.unwrap(), "rigs/sim.toml", "sim").unwrap();
    let camera = station.camera.unwrap();
    for stream in [StreamKind::Rgb, StreamKind::Ir, StreamKind::Depth] {
        let spec = camera.sample(5).unwrap();
        assert_eq!(spec.get(stream).unwrap().to_string(), "synthetic");
    }
}

#[test]
fn the_example_lab_station_names_hardware_cameras_for_two_samples() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rigs/example-cameras.toml");
    let station = facebench::station::load_station(Path::new(path)).unwrap();
    let camera = station.camera.unwrap();
    assert_eq!(camera.samples.len(), 2);
    for index in 0..2 {
        let sample = camera.sample(index).unwrap();
        assert!(sample.is_hardware());
        assert_eq!(sample.streams().count(), 3);
        let depth = sample.get(StreamKind::Depth).unwrap().to_string();
        assert!(depth.starts_with("v4l:usb:2bc5:0510:AY3A"), "{depth}");
    }
    let error = camera.sample(2).unwrap_err();
    assert!(
        error.contains("example-cameras.toml camera.sample"),
        "{error}"
    );
}

#[test]
fn a_hardware_camera_gone_when_its_step_starts_is_a_camera_error_naming_it() {
    let cameras = SampleCameras {
        rgb: Some("v4l:/dev/video-facebench-absent".parse().unwrap()),
        ..SampleCameras::default()
    };
    let mut rig = StationCameraRig::new("sample 2", cameras, None);
    assert!(
        !rig.own_clock(),
        "hardware streams in real time beside its partner step"
    );
    let tmp = tempfile::tempdir().unwrap();
    let check = stress(CameraMode::StreamCheck, &["rgb"]);
    let error = run(&mut rig, &check, 2, tmp.path(), "FUN-005").unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, StepError::Camera(_)), "{text}");
    assert!(text.contains("sample 2 rgb"), "{text}");
    assert!(
        text.contains("no device node /dev/video-facebench-absent"),
        "{text}"
    );
}

#[test]
fn a_stream_the_station_does_not_name_makes_the_step_unsupported() {
    let mut rigs = open("[camera]\nrgb = \"synthetic\"\n", 1, &SimFaults::default()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let check = stress(CameraMode::StreamCheck, &["rgb", "depth"]);
    let error = run(rigs.cameras[0].as_mut(), &check, 2, tmp.path(), "FUN-005").unwrap_err();
    match error {
        StepError::Unsupported(what) => {
            assert!(what.contains("no depth camera for sample 1"), "{what}")
        }
        other => panic!("expected unsupported, got {other}"),
    }
}

#[test]
fn camera_mistakes_point_at_line_column_and_field() {
    let found = errors("[camera]\nrbg = \"synthetic\"\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("rigs/t.toml:2:1"), "{}", found[0]);
    assert!(found[0].contains("rbg"), "{}", found[0]);

    let found = errors("[[camera.sample]]\nrgb = \"synthetic\"\nserial = \"x\"\n");
    assert!(found[0].starts_with("rigs/t.toml:3:1"), "{}", found[0]);
    assert!(found[0].contains("serial"), "{}", found[0]);

    let text = "\
[camera]
backend = \"v4l\"
ir = \"v4l:usb:zz:1\"

[[camera.sample]]
depth = \"webcam:0\"

[[camera.sample]]
";
    let found = errors(text);
    let expect = [
        "rigs/t.toml:2:11 camera.backend: unknown backend `v4l`",
        "rigs/t.toml:3:6 camera.ir: \"v4l:usb:zz:1\": vendor id \"zz\" is not a hexadecimal",
        "rigs/t.toml:6:9 camera.sample[0].depth: \"webcam:0\": expected synthetic",
        "rigs/t.toml:8:1 camera.sample[1]: names no camera",
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for (found, expect) in found.iter().zip(expect) {
        assert!(found.starts_with(expect), "{found}\n  expected: {expect}");
    }

    let found = errors("sim = true\n[camera]\nrgb = \"v4l:/dev/video0\"\n");
    assert!(
        found[0].contains("camera: a simulated station"),
        "{found:?}"
    );
    let found = errors("[camera]\nrgb = \"v4l:/dev/video0\"\nir = \"synthetic\"\n");
    assert!(found[0].contains("mixes hardware cameras"), "{found:?}");
    let found = errors("[camera]\n");
    assert!(found[0].contains("camera: names no camera"), "{found:?}");
}
