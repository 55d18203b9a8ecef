//! Running an item's rig and wait steps in order; the operator's prompts are left to the
//! session, which asks them once the rigs are done.

use std::time::Duration;

use super::rigs::{chamber, drop, thermal, Measurements, RigSet, StepContext, StepError};
use crate::plan::{Item, RigStep, StepKind};

/// A step that failed, with what was measured before it did.
#[derive(Debug)]
pub struct StepFailure {
    /// Measurements of the steps that completed (and of the failed one, where it had any).
    pub measured: Measurements,
    /// Why the step failed.
    pub error: StepError,
}

/// Runs the rig and wait steps of `item` and merges their measurements.
pub fn run_steps(
    item: &Item,
    rigs: &mut RigSet,
    ctx: StepContext<'_>,
) -> Result<Measurements, StepFailure> {
    let mut measured = Measurements::new();
    for step in &item.steps {
        let outcome = match (&step.kind, &step.rig) {
            (StepKind::Wait, _) => {
                let seconds = step.seconds.unwrap_or(0.0);
                tracing::info!(item = %item.id, seconds, "waiting: {}", step.text);
                ctx.clock.sleep(Duration::from_secs_f64(seconds));
                Ok(Measurements::new())
            }
            (StepKind::Prompt, _) => continue,
            (StepKind::Rig(_), Some(rig_step)) => run_rig_step(rig_step, rigs, ctx),
            (StepKind::Rig(kind), None) => Err(StepError::Unsupported(format!(
                "the {} step has no parameters",
                kind.key()
            ))),
        };
        match outcome {
            Ok(m) => measured.extend(m),
            Err(error) => return Err(StepFailure { measured, error }),
        }
    }
    Ok(measured)
}

fn run_rig_step(
    step: &RigStep,
    rigs: &mut RigSet,
    ctx: StepContext<'_>,
) -> Result<Measurements, StepError> {
    let station = rigs.station.clone();
    let missing = |kind: &str| StepError::Unsupported(format!("station `{station}` has no {kind}"));
    match step {
        RigStep::Chamber(profile) => match rigs.chamber.as_deref_mut() {
            Some(chamber) => chamber::run_profile(chamber, profile, ctx),
            None => Err(missing("chamber")),
        },
        RigStep::Drop(sequence) => match rigs.drop.as_deref_mut() {
            Some(rig) => drop::run_sequence(rig, sequence, ctx),
            None => Err(missing("drop rig")),
        },
        RigStep::Thermal(logging) => match rigs.thermal.as_deref_mut() {
            Some(logger) => thermal::run_logging(logger, logging, ctx),
            None => Err(missing("thermal logger")),
        },
        RigStep::Camera(_) => Err(missing("camera")),
    }
}
