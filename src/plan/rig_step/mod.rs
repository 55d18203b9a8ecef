//! Typed parameters of rig steps: chamber profiles, drop sequences, thermal logging, camera
//! stress and steps on the device under test. Each rig step's `[items.steps.params]` table is read into one of these, with every
//! problem reported at its key, and the measurements the step declares in `produces` are checked
//! against what that kind of step can actually measure.

mod camera;
mod chamber;
mod drop;
mod dut;
pub mod thermal;

use serde::{Deserialize, Serialize};

pub use camera::{CameraMode, CameraStress, Concurrent};
pub use chamber::{
    ChamberProfile, ConstantProfile, CyclicProfile, ProfileKind, ShockMethod, ShockProfile,
};
pub use drop::{DropMode, DropOrientation, DropSequence, DropTarget};
pub use dut::{DutAction, DutStep};
pub use thermal::{ThermalChannel, ThermalLogging};

use super::diagnostic::Sink;
use super::reader::TableRef;
use super::step::Produced;
use super::RigKind;

/// The typed parameters of a rig step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rig", rename_all = "lowercase")]
pub enum RigStep {
    /// A climate-chamber profile.
    Chamber(ChamberProfile),
    /// A drop sequence.
    Drop(DropSequence),
    /// Thermocouple logging (temperature rise).
    Thermal(ThermalLogging),
    /// A camera stress or monitoring run.
    Camera(CameraStress),
    /// A step on the device under test.
    Dut(DutStep),
}

impl RigStep {
    /// True when a step of this kind and these parameters can measure `name`.
    pub fn can_measure(&self, name: &str) -> bool {
        match self {
            RigStep::Chamber(profile) => profile.can_measure(name),
            RigStep::Drop(_) => drop::MEASUREMENTS.contains(&name),
            RigStep::Thermal(logging) => logging.can_measure(name),
            RigStep::Camera(stress) => stress.can_measure(name),
            RigStep::Dut(step) => step.can_measure(name),
        }
    }

    /// The measurement names this step can produce, for messages.
    pub fn measurable(&self) -> Vec<String> {
        match self {
            RigStep::Chamber(profile) => profile.measurable(),
            RigStep::Drop(_) => drop::MEASUREMENTS.iter().map(|s| s.to_string()).collect(),
            RigStep::Thermal(logging) => logging.measurable(),
            RigStep::Camera(stress) => stress.measurable(),
            RigStep::Dut(step) => step.measurable(),
        }
    }
}

/// Reads a rig step's `params` table for its kind and checks its `produces` list.
pub(super) fn resolve_rig_step(
    sink: &mut Sink<'_>,
    kind: RigKind,
    params: Option<TableRef<'_, '_>>,
    params_path: &str,
    step_span: &std::ops::Range<usize>,
    produced: &[Produced],
) -> Option<RigStep> {
    let Some(params) = params else {
        sink.report(
            step_span,
            params_path,
            format!("a {} step needs a `params` table", kind.key()),
        );
        return None;
    };
    let spec = match kind {
        RigKind::Chamber => chamber::resolve(sink, params).map(RigStep::Chamber),
        RigKind::Drop => drop::resolve(sink, params).map(RigStep::Drop),
        RigKind::Thermal => thermal::resolve(sink, params).map(RigStep::Thermal),
        RigKind::Camera => camera::resolve(sink, params).map(RigStep::Camera),
        RigKind::Dut => dut::resolve(sink, params).map(RigStep::Dut),
    }?;
    for measurement in produced {
        let name = measurement.name.get_ref();
        if !spec.can_measure(name) {
            sink.report(
                &measurement.name.span(),
                &measurement.field,
                format!(
                    "a {} step cannot measure `{name}`; it measures: {} (values a person or the \
                     device's own software reports belong to a prompt step)",
                    kind.key(),
                    spec.measurable().join(", ")
                ),
            );
        }
    }
    Some(spec)
}
