//! Executing rig steps: chamber profiles, drop sequences, thermal logging, camera stress and
//! steps on the device under test,
//! each writing its series file and returning the measurements the item's criteria judge.

pub mod camera;
pub mod camera_intervals;
pub mod chamber;
pub mod drop;
pub mod dut;
pub mod series;
mod teardown;
pub mod thermal;

/// The station's rigs as the runner receives them (defined in [`crate::station`], which opens
/// them without depending on the runner).
pub use crate::station::{CameraRig, CameraSource, RigSet, StationCameraRig, SyntheticCameraRig};

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::clock::Clock;
use crate::rig::RigError;
use series::{SeriesError, SeriesWriter};

/// Measured series by measurement name.
pub type Measurements = BTreeMap<String, Vec<f64>>;

/// What every rig step needs besides its rig.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    /// The run's clock (simulated in demos and tests).
    pub clock: &'a dyn Clock,
    /// `RUN_DIR/series`.
    pub series_dir: &'a Path,
    /// The item being run.
    pub item: &'a str,
    /// The sample whose camera a camera step streams (`None` for the shared rigs); its series
    /// go in `sample-<N>/` of the item's folder.
    pub sample: Option<u32>,
    /// Set when the run is asked to stop (Ctrl-C, SIGTERM, SIGHUP): waits end within
    /// [`crate::clock::STOP_CHECK_SLICE`] and steps end at once.
    pub stop: &'a AtomicBool,
}

impl StepContext<'_> {
    /// Creates the step's series file `name` with `header`, in the item's folder (or its
    /// sample's).
    pub fn series(&self, name: &str, header: &[&str]) -> Result<SeriesWriter, SeriesError> {
        let mut folder = self.series_dir.join(self.item);
        if let Some(sample) = self.sample {
            folder.push(format!("sample-{sample}"));
        }
        SeriesWriter::create(&folder, name, header)
    }

    /// Fails with [`StepError::Stopped`] once a stop was asked for.
    pub fn check_stop(&self) -> Result<(), StepError> {
        if self.stop.load(Ordering::Relaxed) {
            Err(StepError::Stopped)
        } else {
            Ok(())
        }
    }

    /// Waits `duration` of the run's clock; fails with [`StepError::Stopped`] as soon as a stop
    /// is asked for, before or during the wait.
    pub fn sleep(&self, duration: Duration) -> Result<(), StepError> {
        if self.clock.sleep_unless_stopped(duration, self.stop) {
            Err(StepError::Stopped)
        } else {
            Ok(())
        }
    }
}

/// Why a rig step could not complete. None of these is a device failure: the item's verdict is
/// `error` (harness) or `not tested` (unsupported), never `no pass`.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The rig failed or could not be reached.
    #[error(transparent)]
    Rig(#[from] RigError),
    /// The camera failed (could not be opened, or a harness fault).
    #[error(transparent)]
    Camera(#[from] crate::camera::CameraError),
    /// The device under test failed or could not be reached.
    #[error(transparent)]
    Dut(#[from] crate::dut::DutError),
    /// A camera went away mid-step and did not come back (the series notes the break).
    #[error("{0}")]
    CameraLost(String),
    /// A series file could not be written.
    #[error(transparent)]
    Series(#[from] SeriesError),
    /// The station's rig cannot do what the step asks.
    #[error("{0}")]
    Unsupported(String),
    /// The rig did not reach a condition in time (a chamber that cannot hold its set point).
    #[error("{0}")]
    NotReached(String),
    /// The operator stopped the run.
    #[error("stopped by the operator")]
    Stopped,
    /// A thread doing the step panicked: a facebench fault, so the item is an error.
    #[error("{0} panicked (a facebench fault; the log has the details)")]
    Panicked(String),
}
