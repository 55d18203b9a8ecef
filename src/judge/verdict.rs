//! The five verdicts and how they combine.


use serde::{Deserialize, Serialize};

/// The result of a criterion, an item, a sheet or a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every criterion met.
    Pass,
    /// The device under test failed a criterion.
    NoPass,
    /// The item does not apply to this unit.
    #[serde(rename = "na")]
    NotApplicable,
    /// The item was not run (skipped, no rig, stopped early, or no data).
    NotTested,
    /// The harness failed (lost link, bad instrument reply): never blamed on the device.
    Error,
}
