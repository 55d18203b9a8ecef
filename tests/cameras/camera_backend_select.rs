//! Camera selectors on a machine without the cameras they name: `v4l:` paths, `v4l:usb:` ids and
//! `nokhwa:` indices and names parse, and opening them reports "not found" naming the selector,
//! what was looked for and what is there — in builds with and without the `v4l` and `nokhwa`
//! features (CI runs this module both ways).

use std::sync::Arc;

use facebench::camera::open::{open_source, SourceError, SourceProblem};
use facebench::camera::select::{NokhwaCamera, SourceSpec, UsbId, V4lDevice};
use facebench::clock::{Clock, SimClock};

fn open_error(text: &str) -> SourceError {
    let spec: SourceSpec = text.parse().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spec.to_string(), text, "selectors print as written");
    let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    match open_source(&spec, clock, None) {
        Ok(_) => panic!("{text} opened on a machine without that camera"),
        Err(error) => error,
    }
}

#[test]
fn a_v4l_node_that_is_not_there_is_not_found() {
    for text in [
        "v4l:/dev/video-facebench-absent",
        "v4l:/dev/v4l/by-id/usb-Facebench_Absent_0000-video-index0:1280x720@30/MJPG",
    ] {
        let error = open_error(text);
        assert_eq!(error.kind, SourceProblem::NotFound, "{error}");
        let message = error.to_string();
        assert!(message.starts_with(&format!("{text}: not found: no device node /dev/")));
        assert!(message.contains("(V4L2 nodes present: "), "{message}");
    }
}

#[test]
fn a_usb_camera_that_is_not_attached_is_not_found_with_the_ids_present() {
    let text = "v4l:usb:fbfb:0001:FACEBENCH-ABSENT:640x480@30/YUYV";
    let SourceSpec::V4l {
        device: V4lDevice::Usb(id),
        mode: Some(mode),
    } = text.parse().unwrap()
    else {
        panic!("{text} is a USB selector with a mode");
    };
    assert_eq!(
        id,
        UsbId {
            vendor: 0xfbfb,
            product: 0x0001,
            serial: Some("FACEBENCH-ABSENT".into())
        }
    );
    assert_eq!((mode.width, mode.height), (640, 480));
    let error = open_error(text);
    assert_eq!(error.kind, SourceProblem::NotFound, "{error}");
    let message = error.to_string();
    assert!(
        message.contains("looked for a capture node of USB device fbfb:0001:FACEBENCH-ABSENT; "),
        "{message}"
    );
    assert!(
        message.contains("USB cameras present: ") || message.contains("no USB camera is attached"),
        "{message}"
    );
}

#[test]
fn nokhwa_cameras_by_index_and_name_are_not_found_or_not_in_this_build() {
    for (text, looked_for) in [
        ("nokhwa:97", "camera index 97"),
        (
            "nokhwa:Facebench Absent Cam:1280x720@30/MJPG",
            "a camera named \"Facebench Absent Cam\"",
        ),
    ] {
        let spec: SourceSpec = text.parse().unwrap();
        assert!(matches!(
            spec,
            SourceSpec::Nokhwa {
                camera: NokhwaCamera::Index(97) | NokhwaCamera::Name(_),
                ..
            }
        ));
        let error = open_error(text);
        let message = error.to_string();
        assert!(message.starts_with(&format!("{text}: ")), "{message}");
        assert!(message.contains(looked_for), "{message}");
        if cfg!(feature = "nokhwa") {
            assert_eq!(error.kind, SourceProblem::NotFound, "{message}");
        } else {
            assert_eq!(error.kind, SourceProblem::NotInBuild, "{message}");
            assert!(
                message.contains("cargo build --features nokhwa"),
                "{message}"
            );
        }
    }
}
