//! The V4L2 backend without a camera: a missing `/dev/v4l/by-id` link, a node that is no V4L2
//! device, and call order. With a camera (`FACEBENCH_TEST_V4L=/dev/video0 cargo test --features
//! v4l --test camera_backend_v4l -- --ignored`), a real capture: sequence numbers advance,
//! payloads are cut to `bytesused`, a timeout returns instead of hanging, exposure reads back.
#![cfg(all(feature = "v4l", target_os = "linux"))]

use std::sync::Arc;
use std::time::{Duration, Instant};

use facebench::camera::v4l::{list_devices, V4lConfig, V4lSource};
use facebench::camera::{CameraError, FrameSource};
use facebench::clock::SystemClock;

fn source(path: &str) -> V4lSource {
    V4lSource::new(V4lConfig::new(path), Arc::new(SystemClock::new()))
}

#[test]
fn a_vanished_by_id_link_is_not_found_and_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("usb-Acme_FaceCam_SN1-video-index0");
    std::os::unix::fs::symlink(dir.path().join("video42"), &link).unwrap();
    let mut camera = source(link.to_str().unwrap());
    for _ in 0..3 {
        let err = camera.open().unwrap_err();
        assert!(matches!(err, CameraError::NotFound { .. }), "{err}");
        assert!(err.is_gone());
    }
    camera.close();
}

#[test]
fn a_file_that_is_no_v4l2_node_is_refused_without_panicking_or_hanging() {
    let started = Instant::now();
    let mut camera = source("/dev/null");
    let err = camera.open().unwrap_err();
    assert!(err.to_string().contains("VIDIOC_QUERYCAP"), "{err}");
    assert!(matches!(
        camera.next_frame(Duration::from_millis(50)),
        Err(CameraError::State {
            state: "closed",
            ..
        })
    ));
    assert!(camera.controls().is_none());
    camera.close();
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn listing_never_fails_without_cameras() {
    // On CI there are no /dev/video* nodes; on a bench each listed node names itself.
    for device in list_devices() {
        assert!(device.path.to_string_lossy().starts_with("/dev/video"));
    }
}

#[test]
#[ignore = "needs a camera: FACEBENCH_TEST_V4L=/dev/video0"]
fn a_real_camera_streams_with_sequence_and_times_out_cleanly() {
    let Ok(path) = std::env::var("FACEBENCH_TEST_V4L") else {
        eprintln!("FACEBENCH_TEST_V4L not set; skipping");
        return;
    };
    let mut camera = source(&path);
    let info = camera.open().unwrap();
    camera.start().unwrap();
    let mut last_seq = None;
    for _ in 0..30 {
        let frame = camera.next_frame(Duration::from_secs(2)).unwrap();
        assert!(frame.payload().len() <= frame.bytes_used as usize);
        assert_eq!(
            (frame.width, frame.height),
            (info.config.width, info.config.height)
        );
        let seq = frame.seq.unwrap();
        if let Some(last) = last_seq {
            assert!(seq > last, "sequence must advance: {last} → {seq}");
        }
        last_seq = Some(seq);
        assert!(frame.ts_device.is_some());
    }
    camera.stop().unwrap();
    // Stopped: asking for a frame is a state error, not a hang.
    assert!(camera.next_frame(Duration::from_millis(100)).is_err());
    if let Some(controls) = camera.controls() {
        if let Ok(exposure) = controls.exposure() {
            assert!(exposure < Duration::from_secs(10));
        }
    }
    camera.close();
    // Open again: the node is released.
    camera.open().unwrap();
    camera.close();
}
