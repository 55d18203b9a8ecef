//! The opened rigs of a station ([`RigSet`]): what [`super::open_station`] builds and the
//! runner drives. It lives with the station, below the runner, so opening a station needs
//! nothing from the runner.

use super::camera_rig::CameraRig;
use super::SafeState;
use crate::dut::DutRig;
use crate::plan::RigKind;
use crate::rig::{Chamber, DropRig, ThermalLogger};

/// The opened rigs of a station. Kinds the station does not configure are `None`, and items
/// that need them are recorded as not tested.
#[derive(Debug, Default)]
pub struct RigSet {
    /// Station name (for reasons and the journal).
    pub station: String,
    /// The climate chamber.
    pub chamber: Option<Box<dyn Chamber>>,
    /// Where the chamber is left on teardown.
    pub safe_state: Option<SafeState>,
    /// The drop rig.
    pub drop: Option<Box<dyn DropRig>>,
    /// The thermocouple logger.
    pub thermal: Option<Box<dyn ThermalLogger>>,
    /// The face camera of each sample, in sample order (sample 1 first); empty when the
    /// station has no camera.
    pub cameras: Vec<Box<dyn CameraRig>>,
    /// The device under test over its debug link, when the station reaches it.
    pub dut: Option<DutRig>,
}

impl RigSet {
    /// A station with no rigs.
    pub fn none() -> RigSet {
        RigSet {
            station: "none".to_string(),
            ..RigSet::default()
        }
    }

    /// True when the station has a rig of this kind.
    pub fn has(&self, kind: RigKind) -> bool {
        match kind {
            RigKind::Chamber => self.chamber.is_some(),
            RigKind::Drop => self.drop.is_some(),
            RigKind::Thermal => self.thermal.is_some(),
            RigKind::Camera => !self.cameras.is_empty(),
            RigKind::Dut => self.dut.is_some(),
        }
    }
}
