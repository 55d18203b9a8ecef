//! The [`FrameSource`] trait every camera backend implements (V4L2, nokhwa, synthetic, replay,
//! and the fault-injecting decorator), and the optional [`ExposureControls`].
//!
//! Life cycle: `open` → (`configure`) → `start` → `next_frame`… → `stop` → (`start` again) →
//! `close`. `open` may be called again after `close` (open/close cycles, reconnection). All calls
//! block; stress loops run each source on its own thread, so a source must be `Send`.
//! `next_frame` must return [`CameraError::Timeout`] rather than wait past its timeout.

use std::time::Duration;

use super::error::CameraError;
use super::frame::{Frame, StreamConfig};

/// What `open` found.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenInfo {
    /// The device node actually opened (e.g. `/dev/video2`), which can change after a re-plug.
    pub path: String,
    /// Driver name (`uvcvideo`, `synthetic`, `replay` …).
    pub driver: String,
    /// Device name as the driver reports it.
    pub card: String,
    /// The stream configuration in effect after opening.
    pub config: StreamConfig,
}

/// What a source can report per frame and do; the analysis adapts to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SourceCapabilities {
    /// Frames carry a driver sequence number, so drops are exact gaps.
    pub has_sequence: bool,
    /// Frames carry a monotonic device timestamp, so fps and jitter use device time.
    pub has_device_timestamps: bool,
    /// Frames carry the driver's error flag.
    pub has_error_flag: bool,
    /// `bytes_used` is the device's figure (not the buffer length).
    pub has_bytes_used: bool,
    /// [`FrameSource::controls`] returns exposure controls.
    pub has_exposure_controls: bool,
    /// [`FrameSource::configure`] can change format, size and rate.
    pub can_configure: bool,
}

/// A camera stream: blocking, object-safe, one per sensor stream.
pub trait FrameSource: Send {
    /// Opens the device (resolving its path anew each time) and reports what was opened.
    fn open(&mut self) -> Result<OpenInfo, CameraError>;

    /// Starts streaming (STREAMON). Sequence numbers restart at the driver's origin.
    fn start(&mut self) -> Result<(), CameraError>;

    /// The next frame, waiting at most `timeout`; [`CameraError::Timeout`] if none came.
    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError>;

    /// Stops streaming (STREAMOFF); the device stays open.
    fn stop(&mut self) -> Result<(), CameraError>;

    /// Releases the device. Never fails: errors on release are logged by the backend.
    fn close(&mut self);

    /// The exposure controls, where the backend has them.
    fn controls(&mut self) -> Option<&mut dyn ExposureControls> {
        None
    }

    /// What this source reports and can do.
    fn capabilities(&self) -> SourceCapabilities;

    /// Sets format, size and rate while open and stopped; returns what the device accepted
    /// (which may differ, e.g. the nearest size). Defaults to "not supported".
    fn configure(&mut self, wanted: &StreamConfig) -> Result<StreamConfig, CameraError> {
        Err(CameraError::NotSupported {
            what: format!("changing the stream to {wanted}"),
        })
    }
}

impl<S: FrameSource + ?Sized> FrameSource for Box<S> {
    fn open(&mut self) -> Result<OpenInfo, CameraError> {
        (**self).open()
    }
    fn start(&mut self) -> Result<(), CameraError> {
        (**self).start()
    }
    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        (**self).next_frame(timeout)
    }
    fn stop(&mut self) -> Result<(), CameraError> {
        (**self).stop()
    }
    fn close(&mut self) {
        (**self).close()
    }
    fn controls(&mut self) -> Option<&mut dyn ExposureControls> {
        (**self).controls()
    }
    fn capabilities(&self) -> SourceCapabilities {
        (**self).capabilities()
    }
    fn configure(&mut self, wanted: &StreamConfig) -> Result<StreamConfig, CameraError> {
        (**self).configure(wanted)
    }
}

/// The auto-exposure mode (V4L2 `EXPOSURE_AUTO` menu).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExposureMode {
    /// Fully automatic exposure (menu 0).
    Auto,
    /// Manual exposure: the absolute value applies (menu 1).
    Manual,
    /// Fixed exposure time, automatic iris (menu 2).
    ShutterPriority,
    /// Automatic exposure time, fixed iris (menu 3); what most UVC cameras call "auto".
    AperturePriority,
}

impl ExposureMode {
    /// The V4L2 `V4L2_CID_EXPOSURE_AUTO` menu index.
    pub fn v4l2_menu(self) -> i64 {
        match self {
            ExposureMode::Auto => 0,
            ExposureMode::Manual => 1,
            ExposureMode::ShutterPriority => 2,
            ExposureMode::AperturePriority => 3,
        }
    }

    /// The mode for a V4L2 menu index.
    pub fn from_v4l2_menu(index: i64) -> Option<ExposureMode> {
        match index {
            0 => Some(ExposureMode::Auto),
            1 => Some(ExposureMode::Manual),
            2 => Some(ExposureMode::ShutterPriority),
            3 => Some(ExposureMode::AperturePriority),
            _ => None,
        }
    }

    /// Whether the camera chooses the exposure time itself.
    pub fn is_automatic(self) -> bool {
        matches!(self, ExposureMode::Auto | ExposureMode::AperturePriority)
    }
}

/// Exposure controls of a camera (UVC: `EXPOSURE_AUTO` 0x009a0901, `EXPOSURE_ABSOLUTE`
/// 0x009a0902 in units of 100 µs, `EXPOSURE_AUTO_PRIORITY` 0x009a0903).
pub trait ExposureControls {
    /// The current auto-exposure mode.
    fn exposure_mode(&mut self) -> Result<ExposureMode, CameraError>;
    /// Sets the auto-exposure mode.
    fn set_exposure_mode(&mut self, mode: ExposureMode) -> Result<(), CameraError>;
    /// The absolute exposure time as the device reports it. Under automatic exposure many UVC
    /// cameras report a stale or default value; trust image statistics then.
    fn exposure(&mut self) -> Result<Duration, CameraError>;
    /// Sets the absolute exposure time (takes effect in manual mode).
    fn set_exposure(&mut self, exposure: Duration) -> Result<(), CameraError>;
    /// Whether auto-exposure may lower the frame rate (`EXPOSURE_AUTO_PRIORITY`).
    fn auto_priority(&mut self) -> Result<bool, CameraError>;
    /// Allows or forbids auto-exposure to lower the frame rate.
    fn set_auto_priority(&mut self, allowed: bool) -> Result<(), CameraError>;
}

/// V4L2 control id of `EXPOSURE_AUTO`.
pub const V4L2_CID_EXPOSURE_AUTO: u32 = 0x009a_0901;
/// V4L2 control id of `EXPOSURE_ABSOLUTE` (units of 100 µs).
pub const V4L2_CID_EXPOSURE_ABSOLUTE: u32 = 0x009a_0902;
/// V4L2 control id of `EXPOSURE_AUTO_PRIORITY`.
pub const V4L2_CID_EXPOSURE_AUTO_PRIORITY: u32 = 0x009a_0903;

/// Converts an exposure time to V4L2 `EXPOSURE_ABSOLUTE` units of 100 µs (rounded, saturating).
pub fn exposure_to_v4l2_units(exposure: Duration) -> i64 {
    let units = (exposure.as_nanos() + 50_000) / 100_000;
    i64::try_from(units).unwrap_or(i64::MAX)
}

/// Converts V4L2 `EXPOSURE_ABSOLUTE` units of 100 µs to a time; negative values become zero.
pub fn exposure_from_v4l2_units(units: i64) -> Duration {
    Duration::from_micros(u64::try_from(units).unwrap_or(0).saturating_mul(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_units_round_trip() {
        assert_eq!(exposure_to_v4l2_units(Duration::from_millis(10)), 100);
        assert_eq!(exposure_from_v4l2_units(156), Duration::from_micros(15_600));
        assert_eq!(exposure_from_v4l2_units(-3), Duration::ZERO);
        for mode in [
            ExposureMode::Auto,
            ExposureMode::Manual,
            ExposureMode::ShutterPriority,
            ExposureMode::AperturePriority,
        ] {
            assert_eq!(ExposureMode::from_v4l2_menu(mode.v4l2_menu()), Some(mode));
        }
        assert_eq!(ExposureMode::from_v4l2_menu(9), None);
    }

    #[test]
    fn trait_is_object_safe() {
        fn takes(_: Option<Box<dyn FrameSource>>) {}
        takes(None);
    }
}
