//! The unit under test: who made it, what it is, and where it is tested.

use serde::{Deserialize, Serialize};

/// Radio features that decide which national certificates a unit needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Features {
    /// Has Wi-Fi.
    pub wifi: bool,
    /// Has Bluetooth.
    pub bluetooth: bool,
    /// Has a 4G module.
    pub cellular_4g: bool,
}

/// A registered unit under test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Vendor (device maker) name as it appears in file names.
    pub vendor: String,
    /// Model name as it appears in file names.
    pub model: String,
    /// Device-type id from the catalog.
    pub device_type: String,
    /// Usage variant, for device types whose standard depends on use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    /// The 23-character device serial number.
    pub device_sn: String,
    /// The face camera's serial number.
    pub camera_sn: String,
    /// Radio features.
    pub features: Features,
    /// Testing lab.
    pub lab: String,
    /// Operator name.
    pub operator: String,
}
