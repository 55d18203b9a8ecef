//! Exposure controls of an open V4L2 node, by control id (names differ between kernels:
//! `exposure_absolute` vs `exposure_time_absolute`; the ids do not).
//!
//! Note for climate-chamber runs: a dark chamber drives auto-exposure to its longest time, and
//! with `EXPOSURE_AUTO_PRIORITY` on the camera may then halve its frame rate. Stress loops should
//! switch priority off (`set_auto_priority(false)`) or run a manual-exposure phase, and log the
//! exposure value beside fps.

use std::time::Duration;

use crate::camera::source::{
    exposure_from_v4l2_units, exposure_to_v4l2_units, V4L2_CID_EXPOSURE_ABSOLUTE,
    V4L2_CID_EXPOSURE_AUTO, V4L2_CID_EXPOSURE_AUTO_PRIORITY,
};
use crate::camera::{CameraError, ExposureControls, ExposureMode};

use super::ioctl::Node;
use super::map::camera_error;

/// An open node with the path it was opened from; its exposure controls are the node's.
#[derive(Debug)]
pub struct OpenNode {
    /// The open node.
    pub node: Node,
    /// The node's path (after resolving by-id links), for error messages.
    pub path: String,
}

impl OpenNode {
    fn get(&self, id: u32, call: &str) -> Result<i64, CameraError> {
        self.node
            .control(id)
            .map(i64::from)
            .map_err(|e| control_error(&self.path, call, e))
    }

    fn set(&self, id: u32, value: i64, call: &str) -> Result<(), CameraError> {
        let value = i32::try_from(value).map_err(|_| CameraError::Format {
            detail: format!("{call}: value {value} does not fit a 32-bit control"),
        })?;
        self.node
            .set_control(id, value)
            .map_err(|e| control_error(&self.path, call, e))
    }
}

/// A control the driver does not have (`EINVAL` on G/S_CTRL) is "not supported"; everything
/// else is classified like any other V4L2 error.
fn control_error(path: &str, call: &str, e: std::io::Error) -> CameraError {
    if e.raw_os_error() == Some(libc::EINVAL) {
        return CameraError::NotSupported {
            what: format!("{call} on {path} (no such control, or value out of range)"),
        };
    }
    camera_error(path, call, Duration::ZERO, e)
}

impl ExposureControls for OpenNode {
    fn exposure_mode(&mut self) -> Result<ExposureMode, CameraError> {
        let menu = self.get(V4L2_CID_EXPOSURE_AUTO, "get EXPOSURE_AUTO")?;
        ExposureMode::from_v4l2_menu(menu).ok_or_else(|| CameraError::Format {
            detail: format!(
                "{}: EXPOSURE_AUTO reads {menu}, not a known mode",
                self.path
            ),
        })
    }

    fn set_exposure_mode(&mut self, mode: ExposureMode) -> Result<(), CameraError> {
        self.set(
            V4L2_CID_EXPOSURE_AUTO,
            mode.v4l2_menu(),
            "set EXPOSURE_AUTO",
        )
    }

    fn exposure(&mut self) -> Result<Duration, CameraError> {
        self.get(V4L2_CID_EXPOSURE_ABSOLUTE, "get EXPOSURE_ABSOLUTE")
            .map(exposure_from_v4l2_units)
    }

    fn set_exposure(&mut self, exposure: Duration) -> Result<(), CameraError> {
        self.set(
            V4L2_CID_EXPOSURE_ABSOLUTE,
            exposure_to_v4l2_units(exposure),
            "set EXPOSURE_ABSOLUTE",
        )
    }

    fn auto_priority(&mut self) -> Result<bool, CameraError> {
        self.get(
            V4L2_CID_EXPOSURE_AUTO_PRIORITY,
            "get EXPOSURE_AUTO_PRIORITY",
        )
        .map(|v| v != 0)
    }

    fn set_auto_priority(&mut self, allowed: bool) -> Result<(), CameraError> {
        self.set(
            V4L2_CID_EXPOSURE_AUTO_PRIORITY,
            i64::from(allowed),
            "set EXPOSURE_AUTO_PRIORITY",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_controls_are_not_supported_and_others_classified() {
        let e = control_error(
            "/dev/video0",
            "get EXPOSURE_AUTO",
            std::io::Error::from_raw_os_error(libc::EINVAL),
        );
        assert!(
            matches!(e, CameraError::NotSupported { ref what } if what.contains("/dev/video0"))
        );
        let gone = control_error(
            "/dev/video0",
            "set EXPOSURE_ABSOLUTE",
            std::io::Error::from_raw_os_error(libc::ENODEV),
        );
        assert!(gone.is_gone());
    }

    #[test]
    fn controls_on_a_non_v4l2_file_error_without_panicking() {
        let mut controls = OpenNode {
            node: Node::open(std::path::Path::new("/dev/null")).unwrap(),
            path: "/dev/null".into(),
        };
        assert!(controls.exposure_mode().is_err());
        assert!(controls.set_exposure(Duration::from_millis(10)).is_err());
        assert!(controls.auto_priority().is_err());
        // Values too large for a 32-bit control are refused before any ioctl.
        let err = controls
            .set_exposure(Duration::from_secs(1 << 40))
            .unwrap_err();
        assert!(matches!(err, CameraError::Format { .. }), "{err}");
    }
}
