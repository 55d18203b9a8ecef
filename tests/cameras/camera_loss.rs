//! A camera that goes away in the middle of a runner camera step — a recording that ends early,
//! an injected unplug — is a recorded break with its cause in the series and a reconnect
//! attempt; the item is `no pass` by its criteria, or `error` when the camera does not come
//! back. Never a panic, never a pass.

use std::path::Path;
use std::time::Duration;

use facebench::camera::faults::{Disconnect, FaultPlan};
use facebench::catalog::Catalog;
use facebench::judge::Verdict;
use facebench::plan::rig_step::CameraMode;
use facebench::plan::{load_plan, Item, RigStep};
use facebench::runner::evaluate;
use facebench::runner::rigs::StepError;
use facebench::station::SimFaults;

use crate::camera_station::{open, recording, run, stress};

/// The desktop cashier plan's camera streaming soak (criteria: fps, drop rate, stalls, bad
/// frames, `usb_reenum` = 0).
fn soak_item() -> Item {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testplans/desktop-cashier.toml"
    );
    let plan = load_plan(Path::new(path), &Catalog::builtin()).unwrap();
    plan.plan
        .items
        .into_iter()
        .find(|item| item.id == "PER-003")
        .unwrap()
}

fn unplug(after_frames: u64, reappear_after: Duration) -> SimFaults {
    SimFaults {
        camera: Some(FaultPlan {
            disconnect: Some(Disconnect {
                after_frames,
                reappear_after,
                new_path: "synthetic:replugged".into(),
            }),
            ..FaultPlan::none(11)
        }),
        ..SimFaults::default()
    }
}

fn notes(series: &Path) -> Vec<String> {
    std::fs::read_to_string(series)
        .unwrap()
        .lines()
        .skip(1)
        // The note is the twelfth and last column; only it can hold commas.
        .filter_map(|line| {
            line.splitn(12, ',')
                .nth(11)
                .map(|note| note.trim_matches('"'))
        })
        .filter(|note| !note.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn an_unplug_that_comes_back_is_a_gap_with_its_cause_and_the_item_does_not_pass() {
    let item = soak_item();
    let Some(RigStep::Camera(soak)) = item.steps.iter().find_map(|s| s.rig.clone()) else {
        panic!("PER-003 has a camera step");
    };
    let text = "[camera]\nbackend = \"synthetic\"\n";
    let mut rigs = open(text, 1, &unplug(300, Duration::from_secs(3))).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let measured = run(rigs.cameras[0].as_mut(), &soak, 30, tmp.path(), "PER-003").unwrap();
    // One unplug per stream (rgb, ir, depth), each back after the 3 s it was gone.
    assert_eq!(measured["usb_reenum"], [3.0], "{measured:?}");
    let gap = measured["gap_s"][0];
    assert!((9.0..10.5).contains(&gap), "gap_s {gap}");
    let rgb = notes(&tmp.path().join("PER-003/camera-rgb.csv"));
    assert_eq!(rgb.len(), 1, "{rgb:?}");
    assert!(
        // 300 frames at 30 fps after the sensor's 0.1 s start-up.
        rgb[0].starts_with("camera lost at 10.1 s: disconnected"),
        "{rgb:?}"
    );
    assert!(rgb[0].contains("back after 3."), "{rgb:?}");
    assert!(rgb[0].contains("as synthetic:replugged"), "{rgb:?}");
    let evaluation = evaluate(&item, &measured, None);
    assert_eq!(evaluation.verdict, Verdict::NoPass, "{evaluation:?}");
    let reenum = evaluation
        .criteria
        .iter()
        .find(|c| c.measurement == "usb_reenum")
        .unwrap();
    assert_eq!(reenum.verdict, Verdict::NoPass);
}

#[test]
fn an_unplug_that_does_not_come_back_fails_the_step() {
    let text = "[camera]\nbackend = \"synthetic\"\n";
    let mut rigs = open(text, 1, &unplug(150, Duration::from_secs(3600))).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let soak = stress(CameraMode::Soak, &["rgb"]);
    let error = run(rigs.cameras[0].as_mut(), &soak, 20, tmp.path(), "PER-003").unwrap_err();
    let StepError::CameraLost(text) = &error else {
        panic!("expected a lost camera, got {error}");
    };
    assert!(text.contains("the rgb camera did not come back"), "{text}");
    assert!(
        text.contains("camera lost at 5.1 s: disconnected"),
        "{text}"
    );
    assert!(text.contains("not back after"), "{text}");
    // The break is in the series too, as the last row.
    let rgb = notes(&tmp.path().join("PER-003/camera-rgb.csv"));
    assert_eq!(rgb.len(), 1, "{rgb:?}");
    assert!(rgb[0].contains("not back after"), "{rgb:?}");
}

#[test]
fn a_recording_that_ends_before_the_step_is_a_break_and_the_item_does_not_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let short = recording(&tmp.path().join("short.fbrec"), 64, 48, 4);
    let text = format!("[camera]\nrgb = \"replay:{}\"\n", short.display());
    let mut rigs = open(&text, 1, &SimFaults::default()).unwrap();
    let mut soak = stress(CameraMode::Soak, &["rgb"]);
    soak.window_s = 60.0;
    let measured = run(rigs.cameras[0].as_mut(), &soak, 10, tmp.path(), "PER-R").unwrap();
    // The 4 s recording runs out twice in 10 s; each time the camera is reopened.
    assert_eq!(measured["usb_reenum"], [2.0], "{measured:?}");
    let rgb = notes(&tmp.path().join("PER-R/camera-rgb.csv"));
    assert_eq!(rgb.len(), 2, "{rgb:?}");
    for note in &rgb {
        assert!(note.contains(": end_of_stream (end of stream:"), "{note}");
        assert!(note.contains("back after"), "{note}");
    }
    assert_eq!(
        evaluate(&soak_item(), &measured, None).verdict,
        Verdict::NoPass
    );
}

#[test]
fn an_empty_recording_never_spins_and_never_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = recording(&tmp.path().join("empty.fbrec"), 64, 48, 0);
    let text = format!("[camera]\nrgb = \"replay:{}\"\n", empty.display());
    let mut rigs = open(&text, 1, &SimFaults::default()).unwrap();
    let soak = stress(CameraMode::Soak, &["rgb"]);
    match run(rigs.cameras[0].as_mut(), &soak, 30, tmp.path(), "PER-E") {
        Ok(measured) => {
            assert!(measured["usb_reenum"][0] >= 1.0, "{measured:?}");
            assert_ne!(
                evaluate(&soak_item(), &measured, None).verdict,
                Verdict::Pass
            );
        }
        Err(error) => assert!(matches!(error, StepError::CameraLost(_)), "{error}"),
    }
}
