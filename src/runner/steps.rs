//! Running an item's rig and wait steps in order for the samples that need it; the operator's
//! prompts are left to the session, which asks them once the rigs are done.
//!
//! The chamber, drop rig, thermal logger and waits are shared: they run once and their
//! measurements go to every sample. Camera steps run on each sample's own camera, one thread per
//! sample, and their measurements go to that sample only. A failed shared step fails every
//! sample; a failed camera fails its own sample, and the others go on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::rigs::camera::run_camera_step;
use super::rigs::{
    chamber, drop, dut, thermal, CameraRig, Measurements, RigSet, StepContext, StepError,
};
use crate::camera::stress::StopFlag;
use crate::clock::STOP_CHECK_SLICE;
use crate::plan::rig_step::{CameraStress, Concurrent, DutAction};
use crate::plan::{Item, RigKind, RigStep, Step, StepKind};

/// A step that failed, with what was measured before it did.
#[derive(Debug)]
pub struct StepFailure {
    /// Measurements of the steps that completed (and of the failed one, where it had any).
    pub measured: Measurements,
    /// Why the step failed (shared by every sample a shared step failed for).
    pub error: Arc<StepError>,
}

/// What an item's steps gave one sample.
pub type SampleOutcome = Result<Measurements, StepFailure>;

/// Runs the rig and wait steps of `item` for `samples` (sample numbers, from 1) and returns
/// each sample's merged measurements, in the order of `samples`. A camera step that runs beside
/// another step (`concurrent_with`) streams while that step runs; a camera on its own simulated
/// clock streams afterwards for as long as the step took. `progress` hears each wait and rig
/// step begin (`Some`) and end (`None`), for the terminal.
pub fn run_steps(
    item: &Item,
    rigs: &mut RigSet,
    ctx: StepContext<'_>,
    samples: &[u32],
    progress: &mut dyn FnMut(Option<&Step>),
) -> Vec<SampleOutcome> {
    let mut outcomes: Vec<SampleOutcome> =
        samples.iter().map(|_| Ok(Measurements::new())).collect();
    for step in &item.steps {
        if outcomes.iter().all(Result::is_err) {
            break;
        }
        match &step.rig {
            Some(RigStep::Camera(stress)) if stress.concurrent_with.is_some() => continue,
            Some(RigStep::Dut(dut)) if dut.action == DutAction::Logcat => continue,
            _ => {}
        }
        let capture = captures_logs(item, step) && rigs.dut.is_some();
        let live = live_samples(samples, &outcomes);
        let shown = step.kind != StepKind::Prompt || monitor_beside(item, step).is_some();
        if shown {
            progress(Some(step));
        }
        match (&step.kind, &step.rig, monitor_beside(item, step)) {
            (_, _, Some(monitor)) => {
                let mut cameras = Vec::new();
                let shared = maybe_capture(capture, rigs, ctx, |rigs| {
                    let (shared, watched) = run_beside(step, monitor, rigs, ctx, &live);
                    cameras = watched;
                    shared
                });
                merge_shared(&mut outcomes, shared);
                merge_cameras(&mut outcomes, samples, cameras);
            }
            (StepKind::Wait, _, None) => {
                let seconds = step.seconds.unwrap_or(0.0);
                tracing::info!(item = %item.id, seconds, "waiting: {}", step.text);
                let waited = ctx.sleep(Duration::from_secs_f64(seconds));
                merge_shared(&mut outcomes, waited.map(|()| Measurements::new()));
            }
            (StepKind::Prompt, _, None) => {}
            (StepKind::Rig(_), Some(RigStep::Camera(stress)), None) => {
                let duration =
                    Duration::from_secs_f64(stress.duration_s.unwrap_or(stress.window_s));
                let cameras = stoppable_camera_step(rigs, stress, duration, ctx, &live);
                merge_cameras(&mut outcomes, samples, cameras);
            }
            (StepKind::Rig(_), Some(rig_step), None) => {
                let shared =
                    maybe_capture(capture, rigs, ctx, |rigs| run_rig_step(rig_step, rigs, ctx));
                merge_shared(&mut outcomes, shared);
            }
            (StepKind::Rig(kind), None, None) => merge_shared(
                &mut outcomes,
                Err(StepError::Unsupported(format!(
                    "the {} step has no parameters",
                    kind.key()
                ))),
            ),
        }
        if shown {
            progress(None);
        }
    }
    outcomes
}

/// Runs `partner` with the DUT's logs captured around it when `capture`.
fn maybe_capture(
    capture: bool,
    rigs: &mut RigSet,
    ctx: StepContext<'_>,
    partner: impl FnOnce(&mut RigSet) -> Result<Measurements, StepError>,
) -> Result<Measurements, StepError> {
    if capture {
        dut::with_log_capture(rigs, ctx, partner)
    } else {
        partner(rigs)
    }
}

/// True when the DUT's logs are captured for the length of `step`: every climate (chamber)
/// step, and the first step of the kind a `logcat` DUT step names in `concurrent_with`.
fn captures_logs(item: &Item, step: &Step) -> bool {
    let kind = match step.kind {
        StepKind::Rig(RigKind::Chamber) => return true,
        StepKind::Rig(RigKind::Thermal) => Concurrent::Thermal,
        _ => return false,
    };
    let first_of_kind = item.steps.iter().find(|s| s.kind == step.kind);
    first_of_kind.is_some_and(|first| std::ptr::eq(first, step))
        && item.steps.iter().any(|s| {
            matches!(&s.rig, Some(RigStep::Dut(d))
                if d.action == DutAction::Logcat && d.concurrent_with == Some(kind))
        })
}

/// How long `step` is planned to take on the run's clock, when the plan says: a wait's
/// seconds, a camera run's duration. Chamber, drop and thermal steps end when the rig is done.
pub fn planned_duration(step: &Step) -> Option<Duration> {
    let seconds = match (&step.kind, &step.rig) {
        (StepKind::Wait, _) => step.seconds,
        (_, Some(RigStep::Camera(stress))) => Some(stress.duration_s.unwrap_or(stress.window_s)),
        _ => None,
    }?;
    (seconds.is_finite() && seconds > 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// How many of `item`'s first steps are its preparation: the prompt steps before its first rig
/// or wait step, which the operator answers before that step runs (not after a 24 h exposure).
/// 0 when no rig or wait step follows, or when a camera streams beside a prompt (the prompts are
/// then part of what the camera watches and keep their place).
pub fn preparation_steps(item: &Item) -> usize {
    let beside_prompt = item
        .steps
        .iter()
        .any(|step| matches!(&step.rig, Some(RigStep::Camera(c)) if c.concurrent_with.is_some()));
    let leading = item
        .steps
        .iter()
        .take_while(|step| step.kind == StepKind::Prompt)
        .count();
    if beside_prompt || leading == item.steps.len() {
        0
    } else {
        leading
    }
}

/// The samples whose steps have not failed.
fn live_samples(samples: &[u32], outcomes: &[SampleOutcome]) -> Vec<u32> {
    samples
        .iter()
        .zip(outcomes)
        .filter(|(_, outcome)| outcome.is_ok())
        .map(|(sample, _)| *sample)
        .collect()
}

/// Adds a shared step's outcome to every sample still running.
fn merge_shared(outcomes: &mut [SampleOutcome], shared: Result<Measurements, StepError>) {
    let shared = shared.map_err(Arc::new);
    for outcome in outcomes.iter_mut() {
        let Ok(measured) = outcome else { continue };
        match &shared {
            Ok(m) => measured.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            Err(error) => {
                *outcome = Err(StepFailure {
                    measured: std::mem::take(measured),
                    error: Arc::clone(error),
                })
            }
        }
    }
}

/// Adds each sample's camera outcome to that sample.
fn merge_cameras(outcomes: &mut [SampleOutcome], samples: &[u32], cameras: Vec<CameraOutcome>) {
    for (sample, camera) in cameras {
        let Some(index) = samples.iter().position(|s| *s == sample) else {
            continue;
        };
        let Ok(measured) = &mut outcomes[index] else {
            continue;
        };
        match camera {
            Ok(m) => measured.extend(m),
            Err(error) => {
                outcomes[index] = Err(StepFailure {
                    measured: std::mem::take(measured),
                    error: Arc::new(error),
                })
            }
        }
    }
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

/// What a sample's camera step gave, with its sample number.
type CameraOutcome = (u32, Result<Measurements, StepError>);

/// The cameras of `samples`, each with its sample number; a sample without a camera at the
/// station gets an error instead.
type SampleCameras<'a> = Vec<(u32, Result<&'a mut (dyn CameraRig + 'static), StepError>)>;

fn sample_cameras<'a>(rigs: &'a mut RigSet, samples: &[u32]) -> SampleCameras<'a> {
    let station = rigs.station.clone();
    let mut cameras: Vec<Option<&'a mut (dyn CameraRig + 'static)>> =
        rigs.cameras.iter_mut().map(|c| Some(c.as_mut())).collect();
    samples
        .iter()
        .map(|&sample| {
            let camera = (sample as usize)
                .checked_sub(1)
                .and_then(|index| cameras.get_mut(index))
                .and_then(Option::take)
                .ok_or_else(|| {
                    StepError::Unsupported(format!(
                        "station `{station}` has no camera for sample {sample}"
                    ))
                });
            (sample, camera)
        })
        .collect()
}

/// Streams every camera of `cameras` for `duration` at once, one thread each, until `stop`.
fn stream_cameras(
    cameras: SampleCameras<'_>,
    stress: &CameraStress,
    duration: Duration,
    ctx: StepContext<'_>,
    stop: &StopFlag,
) -> Vec<CameraOutcome> {
    std::thread::scope(|scope| {
        let running: Vec<_> = cameras
            .into_iter()
            .map(|(sample, camera)| {
                let ctx = StepContext {
                    sample: Some(sample),
                    ..ctx
                };
                let handle = camera.map(|camera| {
                    scope.spawn(move || run_camera_step(camera, stress, duration, ctx, stop))
                });
                (sample, handle)
            })
            .collect();
        running
            .into_iter()
            .map(|(sample, handle)| {
                let result = handle.and_then(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(StepError::Panicked(format!(
                            "the camera of sample {sample}"
                        )))
                    })
                });
                (sample, result)
            })
            .collect()
    })
}

/// Runs `step` with the camera monitor beside it on the cameras of `samples`: the step's
/// outcome (shared) and each camera's.
fn run_beside(
    step: &Step,
    monitor: &CameraStress,
    rigs: &mut RigSet,
    ctx: StepContext<'_>,
    samples: &[u32],
) -> (Result<Measurements, StepError>, Vec<CameraOutcome>) {
    // The cameras leave the rig set for the step, so the partner step can borrow the rest.
    let mut camera_set = RigSet {
        station: rigs.station.clone(),
        cameras: std::mem::take(&mut rigs.cameras),
        ..RigSet::default()
    };
    let (own_clock, real_time): (SampleCameras<'_>, SampleCameras<'_>) =
        sample_cameras(&mut camera_set, samples)
            .into_iter()
            .partition(|(_, camera)| camera.as_ref().map_or(true, |c| c.own_clock()));
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
    // Real cameras stream in real time while the partner step runs.
    let stop = StopFlag::new();
    let real_samples: Vec<u32> = real_time.iter().map(|(sample, _)| *sample).collect();
    let (shared, mut results) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| stream_cameras(real_time, monitor, Duration::MAX, ctx, &stop));
        let shared = partner(rigs);
        stop.stop();
        let results = watcher.join().unwrap_or_else(|_| {
            let panicked = |sample| StepError::Panicked(format!("the camera of sample {sample}"));
            real_samples
                .iter()
                .map(|&s| (s, Err(panicked(s))))
                .collect()
        });
        (shared, results)
    });
    // Cameras on their own simulated clock stream afterwards for as long as the step took.
    let duration = ctx.clock.elapsed().saturating_sub(began);
    if shared.is_ok() {
        results.extend(stream_cameras(
            own_clock,
            monitor,
            duration,
            ctx,
            &StopFlag::new(),
        ));
    }
    rigs.cameras = camera_set.cameras;
    (shared, results)
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
        RigStep::Dut(dut_step) => match rigs.dut.as_mut() {
            Some(rig) => dut::run_dut_step(rig, dut_step, ctx),
            None => Err(missing("device under test ([dut])")),
        },
        RigStep::Camera(_) => Err(StepError::Unsupported(
            "a camera step runs on each sample's camera, not as a shared rig step".into(),
        )),
    }
}

/// Runs a camera step on the cameras of `samples`. A camera soak watches only its own stop
/// flag, so a watcher raises it within [`STOP_CHECK_SLICE`] of a run stop; every sample's step
/// then ends as stopped rather than with a short result.
fn stoppable_camera_step(
    rigs: &mut RigSet,
    stress: &CameraStress,
    duration: Duration,
    ctx: StepContext<'_>,
    samples: &[u32],
) -> Vec<CameraOutcome> {
    let camera_stop = StopFlag::new();
    let finished = AtomicBool::new(false);
    let cameras = sample_cameras(rigs, samples);
    let results = std::thread::scope(|scope| {
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
        let results = stream_cameras(cameras, stress, duration, ctx, &camera_stop);
        finished.store(true, Ordering::SeqCst);
        watcher.thread().unpark();
        results
    });
    if ctx.check_stop().is_err() {
        return samples
            .iter()
            .map(|s| (*s, Err(StepError::Stopped)))
            .collect();
    }
    results
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
        camera_steps(stopped, 1).remove(0).1
    }

    fn camera_steps(stopped: bool, samples: u32) -> Vec<CameraOutcome> {
        let dir = tempfile::tempdir().unwrap();
        let clock = SimClock::starting_at(chrono::Utc::now());
        let stop = AtomicBool::new(stopped);
        let ctx = StepContext {
            clock: &clock,
            series_dir: dir.path(),
            item: "CAM-T",
            sample: None,
            stop: &stop,
        };
        let stress = soak(30.0);
        let duration = Duration::from_secs(30);
        let mut rigs = RigSet {
            cameras: (0..samples)
                .map(|_| Box::new(SyntheticCameraRig) as Box<dyn CameraRig>)
                .collect(),
            ..RigSet::none()
        };
        let samples: Vec<u32> = (1..=samples).collect();
        stoppable_camera_step(&mut rigs, &stress, duration, ctx, &samples)
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

    #[test]
    fn each_sample_streams_its_own_camera_into_its_own_folder() {
        let results = camera_steps(false, 2);
        assert_eq!(results.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [1, 2]);
        for (_, result) in results {
            assert!(result.expect("the soak completes").contains_key("fps"));
        }
    }
}
