//! Simulated exposure controls: they hold what was written and read it back, like a UVC camera
//! in manual mode.

use std::time::Duration;

use crate::camera::error::CameraError;
use crate::camera::source::{ExposureControls, ExposureMode};

/// Exposure controls held in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimExposure {
    /// Current mode.
    pub mode: ExposureMode,
    /// Current absolute exposure.
    pub exposure: Duration,
    /// Whether auto-exposure may lower the frame rate.
    pub auto_priority: bool,
}

impl Default for SimExposure {
    /// Aperture-priority auto exposure at 10 ms, frame rate allowed to drop: a typical UVC
    /// camera's power-on state.
    fn default() -> Self {
        SimExposure {
            mode: ExposureMode::AperturePriority,
            exposure: Duration::from_millis(10),
            auto_priority: true,
        }
    }
}

impl ExposureControls for SimExposure {
    fn exposure_mode(&mut self) -> Result<ExposureMode, CameraError> {
        Ok(self.mode)
    }

    fn set_exposure_mode(&mut self, mode: ExposureMode) -> Result<(), CameraError> {
        self.mode = mode;
        Ok(())
    }

    fn exposure(&mut self) -> Result<Duration, CameraError> {
        Ok(self.exposure)
    }

    fn set_exposure(&mut self, exposure: Duration) -> Result<(), CameraError> {
        self.exposure = exposure;
        Ok(())
    }

    fn auto_priority(&mut self) -> Result<bool, CameraError> {
        Ok(self.auto_priority)
    }

    fn set_auto_priority(&mut self, allowed: bool) -> Result<(), CameraError> {
        self.auto_priority = allowed;
        Ok(())
    }
}
