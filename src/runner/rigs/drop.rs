//! Running a drop sequence: one configure → start → wait per face, edge or corner.

use std::time::Duration;

use super::series::cell;
use super::{Measurements, StepContext, StepError};
use crate::plan::rig_step::{DropOrientation, DropSequence};
use crate::rig::{DropRig, DropSetup, DropState, Orientation};

/// How often the rig is polled while a drop is under way.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Longest a single drop may take before the step gives up (positioning a tall rig included).
pub const DROP_TIMEOUT: Duration = Duration::from_secs(300);

/// The series file header; `height_mm` is the height the rig reported while armed at the
/// release point (empty when the rig reports none).
pub const HEADER: [&str; 7] = [
    "drop",
    "utc",
    "target",
    "height_set_mm",
    "height_mm",
    "state",
    "note",
];

/// Runs every drop of the sequence and returns its measurements.
pub fn run_sequence(
    rig: &mut dyn DropRig,
    sequence: &DropSequence,
    ctx: StepContext<'_>,
) -> Result<Measurements, StepError> {
    let mut series = ctx.series("drop", &HEADER)?;
    let mut drops_done = 0u32;
    let mut faults = 0u32;
    let mut heights = Vec::new();
    for (index, target) in sequence.sequence.iter().enumerate() {
        ctx.check_stop()?;
        let setup = DropSetup {
            height_mm: sequence.height_mm,
            orientation: match target.orientation {
                DropOrientation::Face => Orientation::Face,
                DropOrientation::Edge => Orientation::Edge,
                DropOrientation::Corner => Orientation::Corner,
            },
            target_id: target.id.clone(),
            count: 1,
            interval_s: sequence.interval_s.unwrap_or(0.0),
        };
        rig.configure(&setup)?;
        rig.start()?;
        let began = ctx.clock.elapsed();
        let mut armed_height = None;
        let status = loop {
            if let Err(stopped) = ctx.sleep(POLL_INTERVAL) {
                rig.abort()?;
                return Err(stopped);
            }
            let status = rig.status()?;
            if matches!(status.state, DropState::Ready | DropState::Releasing) {
                armed_height = status.actual_height_mm.or(armed_height);
            }
            if matches!(
                status.state,
                DropState::Done | DropState::Fault | DropState::InterlockOpen
            ) {
                break status;
            }
            if ctx.clock.elapsed() - began > DROP_TIMEOUT {
                rig.abort()?;
                return Err(StepError::NotReached(format!(
                    "drop {} ({} {}) did not complete within {} s",
                    index + 1,
                    setup.orientation,
                    target.id,
                    DROP_TIMEOUT.as_secs()
                )));
            }
        };
        let done = status.state == DropState::Done;
        if done {
            drops_done += 1;
        } else {
            faults += 1;
        }
        if let Some(height) = armed_height {
            heights.push(height);
        }
        series.row([
            (index + 1).to_string(),
            ctx.clock.now_utc().to_rfc3339(),
            format!("{} {}", setup.orientation, target.id),
            cell(Some(sequence.height_mm)),
            cell(armed_height),
            format!("{:?}", status.state),
            status.fault.clone().unwrap_or_default(),
        ])?;
        if !done {
            return Err(StepError::NotReached(format!(
                "drop {} ({} {}) stopped: {}",
                index + 1,
                setup.orientation,
                target.id,
                status
                    .fault
                    .unwrap_or_else(|| format!("{:?}", status.state))
            )));
        }
    }
    series.sync()?;
    let mut m = Measurements::new();
    m.insert("drops_done".to_string(), vec![f64::from(drops_done)]);
    m.insert("drop_faults".to_string(), vec![f64::from(faults)]);
    if !heights.is_empty() {
        m.insert("drop_height".to_string(), heights);
    }
    Ok(m)
}
