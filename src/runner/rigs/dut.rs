//! Running steps on the device under test, and watching its logs beside a climate step.
//!
//! Every DUT step writes what it read to its series file (`dut-<action>.csv`: the property's
//! value, the command's output, the package's path), so the text behind a number is kept. A
//! screenshot is saved in the item's `dut-evidence/` folder, which the session attaches to the
//! item's results like an operator's evidence.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Measurements, RigSet, StepContext, StepError};
use crate::dut::{monitor, DutRig, LogSource};
use crate::plan::rig_step::{DutAction, DutStep};

/// How long a reboot step waits for the device when the plan gives no `timeout_s`.
const DEFAULT_REBOOT_TIMEOUT: Duration = Duration::from_secs(180);

/// The folder of an item's DUT evidence (screenshots) under the run's series folder.
pub fn evidence_dir(series_dir: &Path, item: &str) -> PathBuf {
    series_dir.join(item).join("dut-evidence")
}

fn flag(yes: bool) -> Vec<f64> {
    vec![if yes { 1.0 } else { 0.0 }]
}

/// Runs one DUT step (not a `logcat` capture, which runs beside another step).
pub fn run_dut_step(
    rig: &mut DutRig,
    step: &DutStep,
    ctx: StepContext<'_>,
) -> Result<Measurements, StepError> {
    let mut measured = Measurements::new();
    let mut series = ctx.series(&format!("dut-{}", step.action.key()), &["what", "value"])?;
    let device = rig.dut.describe();
    series.row(["device", device.as_str()])?;
    match step.action {
        DutAction::Property => {
            let name = step.property.as_deref().unwrap_or("ro.serialno");
            let value = rig.dut.property(name)?;
            series.row([name, value.as_str()])?;
            measured.insert("property_set".into(), flag(!value.is_empty()));
            measured.insert(
                "sn_valid".into(),
                flag(crate::sn::check(&value, None, None).is_ok()),
            );
            if let Some(label) = &rig.label_sn {
                measured.insert("sn_match".into(), flag(*label == value));
            }
            if let Ok(number) = value.trim().parse::<f64>() {
                measured.insert("value".into(), vec![number]);
            }
        }
        DutAction::Shell => {
            let command = step.command.as_deref().unwrap_or_default();
            let out = rig.dut.shell(command)?;
            series.row(["command", command])?;
            series.row(["output", out.stdout.as_str()])?;
            if let Some(code) = out.exit_code {
                measured.insert("exit_code".into(), vec![f64::from(code)]);
            }
            if let Some(pattern) = &step.expect {
                // Checked when the plan was read.
                let re = regex::Regex::new(pattern).map_err(|e| {
                    StepError::Unsupported(format!("`expect` is not a pattern: {e}"))
                })?;
                let found = re.captures(&out.stdout);
                measured.insert("output_match".into(), flag(found.is_some()));
                let number = found
                    .as_ref()
                    .and_then(|c| c.get(1))
                    .and_then(|m| m.as_str().trim().parse::<f64>().ok());
                if let Some(number) = number {
                    measured.insert("value".into(), vec![number]);
                }
            }
        }
        DutAction::Package => {
            let name = step
                .package
                .as_deref()
                .or(rig.face_app.as_deref())
                .ok_or_else(|| {
                    StepError::Unsupported(
                        "the package step names no `package` and the station's [dut] no \
                         `face_app`"
                            .to_string(),
                    )
                })?;
            let info = rig.dut.package(name)?;
            series.row(["package", name])?;
            let path = info
                .as_ref()
                .and_then(|i| i.path.clone())
                .unwrap_or_default();
            series.row(["path", path.as_str()])?;
            let version = info
                .as_ref()
                .and_then(|i| i.version.clone())
                .unwrap_or_default();
            series.row(["version", version.as_str()])?;
            measured.insert("installed".into(), flag(info.is_some()));
            measured.insert("system_app".into(), flag(info.is_some_and(|i| i.system)));
        }
        DutAction::Screenshot => {
            let png = rig.dut.screenshot()?;
            let folder = evidence_dir(ctx.series_dir, ctx.item);
            let fail = |source| super::series::SeriesError {
                path: folder.clone(),
                source,
            };
            std::fs::create_dir_all(&folder).map_err(fail)?;
            let taken = std::fs::read_dir(&folder).map_err(fail)?.count();
            let path = folder.join(format!("screenshot-{}.png", taken + 1));
            std::fs::write(&path, &png).map_err(|source| super::series::SeriesError {
                path: path.clone(),
                source,
            })?;
            series.row(["screenshot", path.to_string_lossy().as_ref()])?;
            measured.insert("screenshots".into(), vec![1.0]);
        }
        DutAction::Reboot => {
            let timeout = step
                .timeout_s
                .map_or(DEFAULT_REBOOT_TIMEOUT, Duration::from_secs_f64);
            let began = ctx.clock.elapsed();
            rig.dut.reboot_and_wait(timeout)?;
            let took = ctx.clock.elapsed().saturating_sub(began).as_secs_f64();
            series.row(["reboot_s", format!("{took:.1}").as_str()])?;
            measured.insert("reboot_s".into(), vec![took]);
        }
        DutAction::Logcat => {
            return Err(StepError::Unsupported(
                "a logcat capture runs beside another step (concurrent_with)".to_string(),
            ))
        }
    }
    series.sync()?;
    Ok(measured)
}

/// Runs `partner` (a climate or other step) while capturing the DUT's logcat and dmesg, and
/// adds `app_restarts` and `usb_reenum` to its measurements. Without a DUT, or when the DUT
/// cannot be read, `partner` runs alone and the counts are left to the operator (a warning is
/// logged; the step itself does not fail for it).
pub fn with_log_capture(
    rigs: &mut RigSet,
    ctx: StepContext<'_>,
    partner: impl FnOnce(&mut RigSet) -> Result<Measurements, StepError>,
) -> Result<Measurements, StepError> {
    let Some(rig) = rigs.dut.as_mut() else {
        return partner(rigs);
    };
    let marks = [LogSource::Logcat, LogSource::Dmesg].map(|source| rig.dut.log_mark(source));
    let mut measured = partner(rigs)?;
    let Some(rig) = rigs.dut.as_mut() else {
        return Ok(measured);
    };
    match capture_counts(rig, marks, ctx) {
        Ok(counts) => measured.extend(counts),
        Err(e) => tracing::warn!(
            item = ctx.item,
            "the device's logs could not be read ({e}); app_restarts and usb_reenum stay manual"
        ),
    }
    Ok(measured)
}

fn capture_counts(
    rig: &mut DutRig,
    marks: [Result<crate::dut::LogMark, crate::dut::DutError>; 2],
    ctx: StepContext<'_>,
) -> Result<Measurements, StepError> {
    let [logcat, dmesg] = marks;
    let logcat = rig.dut.log_since(&logcat?)?;
    let dmesg = rig.dut.log_since(&dmesg?)?;
    for (name, lines) in [("dut-logcat", &logcat), ("dut-dmesg", &dmesg)] {
        let mut series = ctx.series(name, &["line"])?;
        for line in lines {
            series.row([line.as_str()])?;
        }
        series.sync()?;
    }
    let mut counts = Measurements::new();
    if let Some(app) = &rig.face_app {
        let crashes = monitor::app_crashes(&logcat, app);
        counts.insert("app_restarts".into(), vec![crashes as f64]);
    }
    let reenum = monitor::usb_reenumerations(&dmesg, rig.camera_usb.as_deref());
    counts.insert("usb_reenum".into(), vec![reenum as f64]);
    Ok(counts)
}
