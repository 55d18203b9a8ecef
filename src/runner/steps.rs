//! Running an item's rig and wait steps in order; the operator's prompts are left to the
//! session, which asks them once the rigs are done.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::rigs::camera::run_camera_step;
use super::rigs::{
    chamber, drop, thermal, CameraRig, Measurements, RigSet, StepContext, StepError,
};
use crate::camera::stress::StopFlag;
use crate::clock::STOP_CHECK_SLICE;
use crate::plan::rig_step::{CameraStress, Concurrent};
use crate::plan::{Item, RigKind, RigStep, Step, StepKind};

/// A step that failed, with what was measured before it did.
#[derive(Debug)]
pub struct StepFailure {
    /// Measurements of the steps that completed (and of the failed one, where it had any).
    pub measured: Measurements,
    /// Why the step failed.
    pub error: StepError,
}

/// Runs the rig and wait steps of `item` and merges their measurements. A camera step that
/// runs beside another step (`concurrent_with`) streams while that step runs; with a rig on its
/// own simulated clock it streams afterwards for as long as the step took.
pub fn run_steps(
    item: &Item,
    rigs: &mut RigSet,
    ctx: StepContext<'_>,
) -> Result<Measurements, StepFailure> {
    let mut measured = Measurements::new();
    for step in &item.steps {
        if let Some(RigStep::Camera(stress)) = &step.rig {
            if stress.concurrent_with.is_some() {
                continue;
            }
        }
        let beside = monitor_beside(item, step);
        let outcome = match (&step.kind, &step.rig) {
            (_, _) if beside.is_some() => run_beside(step, beside, rigs, ctx),
            (StepKind::Wait, _) => {
                let seconds = step.seconds.unwrap_or(0.0);
                tracing::info!(item = %item.id, seconds, "waiting: {}", step.text);
                ctx.sleep(Duration::from_secs_f64(seconds))
                    .map(|()| Measurements::new())
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

/// The camera monitor that runs beside `step`, if the item has one.
fn monitor_beside<'a>(item: &'a Item, step: &Step) -> Option<&'a CameraStress> {
    let kind = match step.kind {
        StepKind::Rig(RigKind::Chamber) => Concurrent::Chamber,
        StepKind::Rig(RigKind::Thermal) => Concurrent::Thermal,
        StepKind::Prompt => Concurrent::Prompt,
        _ => return None,
    };
    let first_of_kind = item.steps.iter().find(|s| s.kind == step.kind)?;
    if !std::ptr::eq(first_of_kind, step) {
        return None;
    }
    item.steps.iter().find_map(|s| match &s.rig {
        Some(RigStep::Camera(stress)) if stress.concurrent_with == Some(kind) => Some(stress),
        _ => None,
    })
}

/// Runs `step` with the camera monitor beside it.
fn run_beside(
    step: &Step,
    monitor: Option<&CameraStress>,
    rigs: &mut RigSet,
    ctx: StepContext<'_>,
) -> Result<Measurements, StepError> {
    let Some(monitor) = monitor else {
        return Ok(Measurements::new());
    };
    if rigs.cameras.is_empty() {
        return Err(StepError::Unsupported(format!(
            "station `{}` has no camera",
            rigs.station
        )));
    }
    let mut camera = rigs.cameras.remove(0);
    let began = ctx.clock.elapsed();
    let partner = |rigs: &mut RigSet| match &step.rig {
        Some(rig_step) => run_rig_step(rig_step, rigs, ctx),
        None => {
            // Beside an operator prompt the camera is watched for the step's duration (default
            // one window) while the operator works.
            let seconds = monitor.duration_s.unwrap_or(monitor.window_s);
            ctx.sleep(Duration::from_secs_f64(seconds))?;
            Ok(Measurements::new())
        }
    };
    let stop = StopFlag::new();
    let result = if camera.own_clock() {
        let partner_result = partner(rigs);
        let duration = ctx.clock.elapsed().saturating_sub(began);
        partner_result.and_then(|mut m| {
            m.extend(run_camera_step(
                camera.as_mut(),
                monitor,
                duration,
                ctx,
                &stop,
            )?);
            Ok(m)
        })
    } else {
        std::thread::scope(|scope| {
            let camera_ref = camera.as_mut();
            let stop_ref = &stop;
            let watcher = scope
                .spawn(move || run_camera_step(camera_ref, monitor, Duration::MAX, ctx, stop_ref));
            let partner_result = partner(rigs);
            stop.stop();
            let camera_result = watcher
                .join()
                .unwrap_or_else(|_| Err(StepError::Panicked("the camera monitor thread".into())));
            let mut m = partner_result?;
            m.extend(camera_result?);
            Ok(m)
        })
    };
    rigs.cameras.insert(0, camera);
    result
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
        RigStep::Camera(stress) => match rigs.cameras.first_mut().map(|c| c.as_mut()) {
            Some(camera) => {
                let duration =
                    Duration::from_secs_f64(stress.duration_s.unwrap_or(stress.window_s));
                stoppable_camera_step(camera, stress, duration, ctx)
            }
            None => Err(missing("camera")),
        },
    }
}

/// Runs a camera step on its own. A camera soak watches only its own stop flag, so a watcher
/// raises it within [`STOP_CHECK_SLICE`] of a run stop; the step then ends as stopped rather than
/// with a short result.
fn stoppable_camera_step(
    camera: &mut dyn CameraRig,
    stress: &CameraStress,
    duration: Duration,
    ctx: StepContext<'_>,
) -> Result<Measurements, StepError> {
    let camera_stop = StopFlag::new();
    let finished = AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            // Real-time slices whatever the run's clock (a real camera delivers frames in real
            // time); woken at once when the step ends.
            while !finished.load(Ordering::SeqCst) {
                if ctx.stop.load(Ordering::SeqCst) {
                    camera_stop.stop();
                    return;
                }
                std::thread::park_timeout(STOP_CHECK_SLICE);
            }
        });
        let result = run_camera_step(camera, stress, duration, ctx, &camera_stop);
        finished.store(true, Ordering::SeqCst);
        watcher.thread().unpark();
        result
    });
    ctx.check_stop()?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;
    use crate::plan::rig_step::CameraMode;
    use crate::runner::rigs::SyntheticCameraRig;

    fn soak(duration_s: f64) -> CameraStress {
        CameraStress {
            mode: CameraMode::Soak,
            streams: vec!["rgb".to_string()],
            nominal_fps: 30.0,
            concurrent_with: None,
            duration_s: Some(duration_s),
            warmup_s: 0.0,
            window_s: 10.0,
            stall_s: 2.0,
            drop_interval_factor: 1.5,
            repeats: None,
            pause_s: None,
            target: None,
        }
    }

    fn camera_step(stopped: bool) -> Result<Measurements, StepError> {
        let dir = tempfile::tempdir().unwrap();
        let clock = SimClock::starting_at(chrono::Utc::now());
        let stop = AtomicBool::new(stopped);
        let ctx = StepContext {
            clock: &clock,
            series_dir: dir.path(),
            item: "CAM-T",
            stop: &stop,
        };
        let stress = soak(30.0);
        let duration = Duration::from_secs(30);
        stoppable_camera_step(&mut SyntheticCameraRig, &stress, duration, ctx)
    }

    #[test]
    fn a_camera_step_measures_until_its_end_when_the_run_goes_on() {
        let measured = camera_step(false).expect("the soak completes");
        assert!(!measured.is_empty());
    }

    #[test]
    fn a_camera_step_of_a_stopped_run_ends_as_stopped_not_with_a_short_result() {
        assert!(matches!(camera_step(true), Err(StepError::Stopped)));
    }
}
