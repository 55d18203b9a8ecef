//! The camera checklist of a run, built from the journal: each checklist row is judged on the
//! criteria the plan's camera items set for the measurements that row is about.

use crate::journal::RunState;
use crate::judge::Verdict;
use crate::plan::{Plan, RigKind};

use super::checklist::{CameraCheck, CameraChecklist, CheckOutcome};

/// The measurements each checklist row is judged on.
const ROWS: [(CameraCheck, &[&str]); 11] = [
    (CameraCheck::OpenClose, &["open_failures", "cycles_done"]),
    (CameraCheck::FirstFrame, &["first_frame_ms"]),
    (
        CameraCheck::SoakFps,
        &["fps", "fps_rgb", "fps_ir", "fps_depth"],
    ),
    (
        CameraCheck::DropRate,
        &["drop_rate", "drop_rate_upper", "device_drops"],
    ),
    (CameraCheck::Stalls, &["stalls"]),
    (CameraCheck::ErrorFrames, &["bad_frames"]),
    (CameraCheck::FrozenBlack, &["frozen_frames", "dark_frames"]),
    (CameraCheck::Exposure, &["luma_mean"]),
    (CameraCheck::ResourceTrend, &["rss_slope", "fd_slope"]),
    (CameraCheck::DualStream, &[]),
    (
        CameraCheck::FormatSwitch,
        &["switches_done", "switch_failures"],
    ),
];

/// The checklist for the run's unit. A row no camera item measured stays *not tested*.
pub fn checklist_from_run(plan: &Plan, state: &RunState) -> CameraChecklist {
    let camera_items: Vec<&str> = plan
        .items
        .iter()
        .filter(|i| i.rigs_needed().contains(&RigKind::Camera))
        .map(|i| i.id.as_str())
        .collect();
    let mut checklist = CameraChecklist {
        vendor: state.first_unit().vendor.clone(),
        model: state.first_unit().model.clone(),
        device_sn: state.first_unit().device_sn.clone(),
        camera_serial: state.first_unit().camera_sn.clone(),
        source: format!("station `{}`", state.station),
        tested: format!(
            "{} – {} UTC",
            state.started_utc.format("%F %T"),
            state.last_utc.format("%F %T")
        ),
        ..CameraChecklist::default()
    };
    for (check, measurements) in ROWS {
        let mut figures = Vec::new();
        let mut limits = Vec::new();
        let mut verdicts = Vec::new();
        for id in &camera_items {
            let Some(result) = state.result(id, 1) else {
                continue;
            };
            for outcome in result
                .criteria
                .iter()
                .filter(|c| measurements.contains(&c.measurement.as_str()))
            {
                let value = outcome.value.map_or("—".to_string(), |v| {
                    format!("{v:.6}")
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_string()
                });
                figures.push(format!("{id} {}: {value}", outcome.measurement));
                limits.push(format!(
                    "{id} {}: {}",
                    outcome.measurement, outcome.requirement
                ));
                verdicts.push(outcome.verdict);
            }
        }
        if let Some(verdict) = Verdict::worst(verdicts) {
            checklist.outcomes.insert(
                check,
                CheckOutcome {
                    figures: figures.join("\n"),
                    limit: limits.join("\n"),
                    verdict,
                    note: String::new(),
                },
            );
        }
    }
    checklist
}
