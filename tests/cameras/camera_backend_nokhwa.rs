//! The nokhwa backend without a camera: opening a camera that is not there fails with an error
//! (no panic, no hang), calls out of order are state errors, and the backend states its limits.
#![cfg(feature = "nokhwa")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use facebench::camera::nokhwa::{NokhwaConfig, NokhwaSource, LIMITS};
use facebench::camera::{CameraError, FrameSource};
use facebench::clock::SystemClock;

fn source(index: u32) -> NokhwaSource {
    NokhwaSource::new(
        NokhwaConfig {
            index,
            wanted: None,
        },
        Arc::new(SystemClock::new()),
    )
}

#[test]
fn a_missing_camera_fails_to_open_quickly_and_cleanly() {
    let started = Instant::now();
    let mut camera = source(97);
    let err = camera.open().unwrap_err();
    assert!(!err.to_string().is_empty());
    assert!(matches!(
        camera.next_frame(Duration::from_millis(20)),
        Err(CameraError::State {
            state: "closed",
            ..
        })
    ));
    // Opening again after a failure works the same way (the capture thread was joined).
    assert!(camera.open().is_err());
    camera.close();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn capabilities_and_limits_say_drops_are_estimated() {
    let camera = source(0);
    let caps = camera.capabilities();
    assert!(!caps.has_sequence && !caps.has_device_timestamps && !caps.has_exposure_controls);
    assert_eq!(
        LIMITS,
        "nokhwa: no sequence numbers, drops estimated from intervals > 1.5× nominal"
    );
}
