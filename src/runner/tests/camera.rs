//! A camera monitor beside a chamber step on the scripted camera: frame rate and drops
//! recorded, a slow or dropping camera judged no pass, a lost camera an error.

use super::{judged, measured, result, Bench};
use crate::fake::{CameraScript, ChamberScript, FakeChamber};
use crate::judge::Verdict;
use crate::station::RigSet;

/// A rig set with a healthy chamber and one camera per script (sample 1 first).
pub(super) fn chamber_and_cameras(bench: &Bench, cameras: &[CameraScript]) -> RigSet {
    RigSet {
        chamber: Some(Box::new(FakeChamber::new(
            ChamberScript::healthy(),
            bench.clock(),
        ))),
        cameras: cameras.iter().map(CameraScript::rig).collect(),
        ..RigSet::none()
    }
}

#[test]
fn a_monitor_beside_a_chamber_step_records_frame_rate_and_drops() {
    let bench = Bench::new();
    let rigs = chamber_and_cameras(&bench, &[CameraScript::default()]);
    let state = bench.run("CAM-COLD", 1, rigs);
    let cold = result(&state, "CAM-COLD", 1);
    assert_eq!(cold.verdict, Verdict::Pass, "{cold:?}");
    // One judging window a minute for the eight-minute step (a minute's settle, one more to see
    // it held, the six-minute dwell), each at the nominal rate.
    let fps = measured(cold, "fps");
    assert_eq!(fps.len(), 8, "{fps:?}");
    assert!(fps.iter().all(|f| (f - 30.0).abs() < 0.5), "{fps:?}");
    assert_eq!(measured(cold, "device_drops"), [0.0]);
    assert!(!measured(cold, "chamber_temp").is_empty());
    let series = bench.series("CAM-COLD/sample-1/camera-rgb.csv");
    assert!(series.lines().count() > 480, "a row a second");
}

#[test]
fn a_camera_that_drops_frames_gives_no_pass_with_its_count() {
    let bench = Bench::new();
    let dropping = CameraScript {
        drop_every: Some(10),
        ..CameraScript::default()
    };
    let state = bench.run("CAM-COLD", 1, chamber_and_cameras(&bench, &[dropping]));
    let cold = result(&state, "CAM-COLD", 1);
    assert_eq!(cold.verdict, Verdict::NoPass, "{cold:?}");
    let (drops, verdict) = judged(cold, "device_drops");
    assert_eq!(verdict, Verdict::NoPass);
    // One frame in ten of 30 frames a second for the step's eight minutes: 1,440.
    let drops = drops.unwrap();
    assert!((1400.0..=1480.0).contains(&drops), "{drops}");
    let (slowest, _) = judged(cold, "fps");
    assert!((slowest.unwrap() - 27.0).abs() < 0.5, "{slowest:?}");
}

#[test]
fn a_slow_camera_gives_no_pass_on_its_frame_rate() {
    let bench = Bench::new();
    let slow = CameraScript {
        fps: Some(20),
        ..CameraScript::default()
    };
    let state = bench.run("CAM-COLD", 1, chamber_and_cameras(&bench, &[slow]));
    let cold = result(&state, "CAM-COLD", 1);
    assert_eq!(judged(cold, "fps").1, Verdict::NoPass);
    assert!(measured(cold, "fps").iter().all(|f| (f - 20.0).abs() < 0.5));
    assert_eq!(judged(cold, "device_drops"), (Some(0.0), Verdict::Pass));
}

#[test]
fn a_camera_lost_for_good_is_an_error_not_a_no_pass() {
    let bench = Bench::new();
    let lost = CameraScript {
        lost_after_frames: Some(3000),
        ..CameraScript::default()
    };
    let state = bench.run("CAM-COLD", 1, chamber_and_cameras(&bench, &[lost]));
    let cold = result(&state, "CAM-COLD", 1);
    assert_eq!(cold.verdict, Verdict::Error, "{cold:?}");
    let reason = cold.reason.as_deref().unwrap();
    assert!(
        reason.contains("the rgb camera did not come back"),
        "{reason}"
    );
}

#[test]
fn black_frames_are_counted_and_pull_the_darkest_frame_down() {
    let bench = Bench::new();
    let dark = CameraScript {
        black_every: Some(100),
        ..CameraScript::default()
    };
    let state = bench.run("CAM-COLD", 1, chamber_and_cameras(&bench, &[dark]));
    let cold = result(&state, "CAM-COLD", 1);
    // One frame in 100 of 30 frames a second for the step's eight minutes: 144.
    let dark_frames = measured(cold, "dark_frames")[0];
    assert!((135.0..=150.0).contains(&dark_frames), "{dark_frames}");
    let darkest = measured(cold, "luma_frame_min")[0];
    let mean = measured(cold, "luma_mean")[0];
    assert!(
        darkest < 10.0 && mean > 50.0,
        "darkest {darkest}, mean {mean}"
    );
}
