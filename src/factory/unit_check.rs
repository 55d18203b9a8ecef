//! One unit on the line: the label SN against the rule and the line's codes, the device's own
//! SN over adb against the label, the camera SN (present, not another unit's), the camera's
//! stream check, and the duplicate checks against the device list. Every reason is collected;
//! a failing device link or camera blocks this unit only.

use std::time::Duration;

use crate::camera::source::FrameSource;
use crate::clock::Clock;
use crate::dut::{Dut, DutError};
use crate::sn;

use super::devices::{DeviceList, DeviceRecord, LineResult};
use super::line::{CameraSnSource, Line};
use super::stream::{check_stream, StreamFigures};

/// Everything the line learnt about one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitOutcome {
    /// The row written to the device list.
    pub record: DeviceRecord,
    /// The device list line it was written on.
    pub line: u64,
    /// The SN the device reported, when it answered.
    pub device_sn: Option<String>,
    /// The camera figures, when the camera streamed.
    pub stream: Option<StreamFigures>,
    /// Clock time the checks took.
    pub took: Duration,
}

/// What a unit check needs besides the label: the line, its device list, a way to reach the
/// unit and its camera, and the clock.
pub struct Station<'a> {
    /// The line's settings.
    pub line: &'a Line,
    /// The device list, appended to after each unit.
    pub devices: &'a mut DeviceList,
    /// Connects to the unit now on the jig.
    pub connect: &'a mut dyn FnMut() -> Result<Box<dyn Dut>, DutError>,
    /// Opens the unit's face camera (not yet opened).
    pub camera: &'a mut dyn FnMut() -> Result<Box<dyn FrameSource>, String>,
    /// The clock the camera runs on.
    pub clock: &'a dyn Clock,
}

impl std::fmt::Debug for Station<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station")
            .field("line", &self.line.name)
            .field("devices", &self.devices.path())
            .finish_non_exhaustive()
    }
}

impl Station<'_> {
    /// Checks the unit labelled `label`, appends its row to the device list (synced to disk)
    /// and returns the outcome. Fails only when the device list cannot be written: then the
    /// line must stop, since results would be lost.
    pub fn check(
        &mut self,
        label: &str,
    ) -> Result<UnitOutcome, super::devices::DeviceListError> {
        let started = self.clock.elapsed();
        let label = label.trim();
        let mut reasons = Vec::new();
        if let Err(errors) = sn::check(
            label,
            Some(&self.line.vendor_code),
            Some(&self.line.model_code),
        ) {
            reasons.extend(errors.0.iter().map(|v| format!("label SN: {v}")));
        }
        if let Some(line) = self.devices.passed(label) {
            reasons.push(format!(
                "duplicate: SN {label} already passed ({} line {line})",
                self.devices.path().display()
            ));
        }
        let (device_sn, camera_sn) = self.ask_device(label, &mut reasons);
        if let Some(owner) = camera_sn
            .as_deref()
            .and_then(|c| self.devices.camera_owner(c))
            .filter(|owner| *owner != label)
        {
            reasons.push(format!(
                "duplicate: camera SN {} already passed with unit {owner}",
                camera_sn.as_deref().unwrap_or_default()
            ));
        }
        let stream = self.check_camera(&mut reasons);
        let record = DeviceRecord {
            sn: label.to_string(),
            camera_sn: camera_sn.unwrap_or_default(),
            model: self.line.model.clone(),
            time_utc: self.clock.now_utc(),
            station: self.line.name.clone(),
            result: if reasons.is_empty() {
                LineResult::Pass
            } else {
                LineResult::Blocked
            },
            reasons,
        };
        let line = self.devices.append(&record)?;
        Ok(UnitOutcome {
            record,
            line,
            device_sn,
            stream,
            took: self.clock.elapsed().saturating_sub(started),
        })
    }

    /// The device's SN (compared with the label) and the camera SN, as far as the link allows.
    fn ask_device(
        &mut self,
        label: &str,
        reasons: &mut Vec<String>,
    ) -> (Option<String>, Option<String>) {
        let mut dut = match (self.connect)() {
            Ok(dut) => dut,
            Err(e) => {
                reasons.push(format!("device: {e}"));
                return (None, None);
            }
        };
        let device_sn = match dut.property(&self.line.dut.sn_property) {
            Ok(sn) => {
                let sn = sn.trim().to_string();
                if sn.is_empty() {
                    reasons.push(format!(
                        "device: property {} is empty (no SN written)",
                        self.line.dut.sn_property
                    ));
                } else if sn != label {
                    reasons.push(format!(
                        "device SN {sn} differs from the label SN {label}"
                    ));
                }
                Some(sn)
            }
            Err(e) => {
                reasons.push(format!("device: {e}"));
                None
            }
        };
        let camera = match &self.line.camera_sn {
            CameraSnSource::Property(name) => dut.property(name),
            CameraSnSource::Command(command) => dut.shell(command).map(|out| out.stdout),
        };
        let camera_sn = match camera {
            Ok(text) if text.trim().is_empty() => {
                reasons.push("camera SN: the unit reports none".to_string());
                None
            }
            Ok(text) => Some(text.trim().to_string()),
            Err(e) => {
                reasons.push(format!("camera SN: {e}"));
                None
            }
        };
        (device_sn, camera_sn)
    }

    /// Streams the face camera and adds the reasons its figures miss the limits.
    fn check_camera(&mut self, reasons: &mut Vec<String>) -> Option<StreamFigures> {
        let mut source = match (self.camera)() {
            Ok(source) => source,
            Err(e) => {
                reasons.push(format!("camera: {e}"));
                return None;
            }
        };
        match check_stream(source.as_mut(), self.clock, &self.line.camera) {
            Ok(figures) => {
                reasons.extend(figures.problems(&self.line.camera));
                Some(figures)
            }
            Err(e) => {
                reasons.push(format!("camera {}: {e}", self.line.camera.source_text));
                None
            }
        }
    }
}
