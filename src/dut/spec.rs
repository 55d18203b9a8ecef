//! What a station says about its device under test, and the opened DUT the runner drives.

use std::time::Duration;

use super::android::AdbLink;
use super::Dut;

/// The station's `[dut]` section, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct DutSpec {
    /// How the device is reached.
    pub backend: DutBackend,
    /// Every call's timeout.
    pub timeout: Duration,
    /// The face app's package, whose crashes are counted beside climate steps and which a
    /// `package` step checks by default.
    pub face_app: Option<String>,
    /// The camera's USB port as the kernel names it (`1-1`): only its disconnects count as
    /// re-enumerations (all USB disconnects when `None`).
    pub camera_usb: Option<String>,
}

/// The kinds of DUT link. Android over adb today; a Windows terminal (SN in a file, the face
/// service as a Windows service) would be a second variant with its own backend.
#[derive(Debug, Clone, PartialEq)]
pub enum DutBackend {
    /// An Android terminal over adb. In a simulated station the link is filled in when the
    /// simulated terminal starts.
    Adb {
        /// The link (`None` in a simulated station until it starts).
        link: Option<AdbLink>,
        /// The serial number of the simulated terminal (simulated stations only).
        sim_serial: Option<String>,
    },
}

/// The opened device under test of a station, with what the station says about it.
#[derive(Debug)]
pub struct DutRig {
    /// The device.
    pub dut: Box<dyn Dut>,
    /// See [`DutSpec::face_app`].
    pub face_app: Option<String>,
    /// See [`DutSpec::camera_usb`].
    pub camera_usb: Option<String>,
    /// The SN on the label of the unit under test, set by the runner before each item, for
    /// `sn_match`.
    pub label_sn: Option<String>,
}

impl DutRig {
    /// `dut` with the station's settings from `spec`.
    pub fn new(dut: Box<dyn Dut>, spec: &DutSpec) -> DutRig {
        DutRig {
            dut,
            face_app: spec.face_app.clone(),
            camera_usb: spec.camera_usb.clone(),
            label_sn: None,
        }
    }
}
