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
    pub fn check(&mut self, label: &str) -> Result<UnitOutcome, super::devices::DeviceListError> {
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
                    reasons.push(format!("device SN {sn} differs from the label SN {label}"));
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::camera::select::{parse_mode, SourceSpec};
    use crate::camera::synthetic::{SyntheticConfig, SyntheticSource};
    use crate::clock::SimClock;
    use crate::factory::line::{DutLink, StreamLimits};
    use crate::fake::dut::{DutFault, DutScript, FakeDut};

    const SN_1: &str = "FBAD120261100017KQ2M9XA";
    const SN_2: &str = "FBAD120261100027KQ2M9XB";
    const SN_3: &str = "FBAD120261100037KQ2M9XC";
    const CAMERA_PROPERTY: &str = "persist.vendor.camera.sn";

    fn line(dir: &std::path::Path) -> Line {
        Line {
            name: "line-1".into(),
            model: "FP-200".into(),
            vendor_code: "FB".into(),
            model_code: "D1".into(),
            device_list: dir.join("devices.csv"),
            dut: DutLink {
                link: crate::dut::android::AdbLink::Direct {
                    addr: ([127, 0, 0, 1], 5555).into(),
                    key: None,
                },
                timeout: Duration::from_millis(100),
                sn_property: "ro.serialno".into(),
            },
            camera_sn: CameraSnSource::Property(CAMERA_PROPERTY.into()),
            camera: StreamLimits {
                source: SourceSpec::Synthetic(None),
                source_text: "synthetic".into(),
                duration: Duration::from_secs(2),
                warmup: Duration::from_millis(500),
                min_fps: 28.0,
                max_drops: 0,
                max_first_frame: Duration::from_millis(1500),
            },
        }
    }

    /// The unit on the jig: its SN, camera SN and faults.
    struct Jig {
        sn: String,
        camera_sn: String,
        faults: Vec<DutFault>,
    }

    fn run(
        line: &Line,
        devices: &mut DeviceList,
        clock: &Arc<SimClock>,
        label: &str,
        jig: &Jig,
    ) -> UnitOutcome {
        let dyn_clock: Arc<dyn Clock> = clock.clone();
        let mut script = DutScript::healthy(&jig.sn);
        script
            .properties
            .insert(CAMERA_PROPERTY.into(), jig.camera_sn.clone());
        script.faults = jig.faults.clone();
        let dut_clock = Arc::clone(&dyn_clock);
        let mut connect = move || -> Result<Box<dyn Dut>, DutError> {
            Ok(Box::new(FakeDut::new(
                script.clone(),
                Arc::clone(&dut_clock),
            )))
        };
        let camera_clock = Arc::clone(&dyn_clock);
        let mut camera = move || -> Result<Box<dyn FrameSource>, String> {
            let mode = parse_mode("640x480@30/YUYV").map_err(|e| e.to_string())?;
            Ok(Box::new(SyntheticSource::new(
                SyntheticConfig::new(mode),
                Arc::clone(&camera_clock),
            )))
        };
        Station {
            line,
            devices,
            connect: &mut connect,
            camera: &mut camera,
            clock: clock.as_ref(),
        }
        .check(label)
        .expect("device list writable")
    }

    fn jig(sn: &str, camera_sn: &str) -> Jig {
        Jig {
            sn: sn.into(),
            camera_sn: camera_sn.into(),
            faults: Vec::new(),
        }
    }

    #[test]
    fn each_fault_blocks_its_unit_with_its_reason_and_the_line_goes_on() {
        let dir = tempfile::tempdir().expect("dir");
        let line = line(dir.path());
        let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        let mut devices = DeviceList::open(&line.device_list).expect("list");

        let pass = run(&line, &mut devices, &clock, SN_1, &jig(SN_1, "CAM-1"));
        assert_eq!(
            pass.record.result,
            LineResult::Pass,
            "{:?}",
            pass.record.reasons
        );
        let figures = pass.stream.expect("streamed");
        assert!(
            figures.fps.is_some_and(|fps| (fps - 30.0).abs() < 1.0),
            "{figures:?}"
        );
        assert!(figures.first_frame.is_some());

        let mismatch = run(&line, &mut devices, &clock, SN_2, &jig(SN_3, "CAM-2"));
        assert_eq!(
            mismatch.record.reasons,
            [format!("device SN {SN_3} differs from the label SN {SN_2}")]
        );

        let bad_rule = run(
            &line,
            &mut devices,
            &clock,
            "XXAD1202611000",
            &jig("XXAD1202611000", "CAM-3"),
        );
        assert_eq!(bad_rule.record.result, LineResult::Blocked);
        assert!(
            bad_rule
                .record
                .reasons
                .iter()
                .all(|r| r.starts_with("label SN: ")),
            "{:?}",
            bad_rule.record.reasons
        );

        let again = run(&line, &mut devices, &clock, SN_1, &jig(SN_1, "CAM-1"));
        assert_eq!(again.record.result, LineResult::Blocked);
        assert!(
            again.record.reasons[0].starts_with(&format!("duplicate: SN {SN_1} already passed (")),
            "{:?}",
            again.record.reasons
        );
        assert!(
            again.record.reasons[0].ends_with("devices.csv line 2)"),
            "{:?}",
            again.record.reasons
        );

        let camera_reused = run(&line, &mut devices, &clock, SN_2, &jig(SN_2, "CAM-1"));
        assert_eq!(
            camera_reused.record.reasons,
            [format!(
                "duplicate: camera SN CAM-1 already passed with unit {SN_1}"
            )]
        );

        let mut lost = jig(SN_3, "CAM-3");
        lost.faults = vec![DutFault::LinkLost("getprop".into())];
        let disconnected = run(&line, &mut devices, &clock, SN_3, &lost);
        assert_eq!(disconnected.record.result, LineResult::Blocked);
        assert!(
            disconnected
                .record
                .reasons
                .iter()
                .any(|r| r.starts_with("device: fake dut: link lost during `getprop ro.serialno`")),
            "{:?}",
            disconnected.record.reasons
        );
        assert_eq!(disconnected.record.camera_sn, "");

        let next = run(&line, &mut devices, &clock, SN_3, &jig(SN_3, "CAM-3"));
        assert_eq!(
            next.record.result,
            LineResult::Pass,
            "{:?}",
            next.record.reasons
        );
        assert_eq!(devices.passed_count(), 2);

        let rows: Vec<String> = std::fs::read_to_string(&line.device_list)
            .expect("list")
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(rows.len(), 8, "{rows:?}");
        assert!(
            rows[1].starts_with(&format!("{SN_1},CAM-1,FP-200,"))
                && rows[1].ends_with(",line-1,PASS,"),
            "{}",
            rows[1]
        );
        assert!(
            rows[6].contains(",line-1,BLOCKED,device: fake dut: link lost"),
            "{}",
            rows[6]
        );
    }

    #[test]
    fn a_camera_that_will_not_open_blocks_the_unit() {
        let dir = tempfile::tempdir().expect("dir");
        let line = line(dir.path());
        let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        let mut devices = DeviceList::open(&line.device_list).expect("list");
        let mut connect = || -> Result<Box<dyn Dut>, DutError> {
            Err(DutError::Link {
                device: "adb 127.0.0.1:5555".into(),
                command: "connect".into(),
                reason: "connection refused".into(),
            })
        };
        let mut camera =
            || -> Result<Box<dyn FrameSource>, String> { Err("no /dev/video0".into()) };
        let outcome = Station {
            line: &line,
            devices: &mut devices,
            connect: &mut connect,
            camera: &mut camera,
            clock: clock.as_ref(),
        }
        .check(SN_1)
        .expect("written");
        assert_eq!(
            outcome.record.reasons,
            [
                "device: adb 127.0.0.1:5555: link lost during `connect`: connection refused",
                "camera: no /dev/video0"
            ]
        );
    }
}
