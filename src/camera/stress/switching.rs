//! Format and resolution switching: for each round, walk the list of stream configurations —
//! stop, configure, start, read some frames, check each frame has the accepted format and size.

use std::time::Duration;

use super::StopFlag;
use crate::camera::analysis::histogram::DurationHistogram;
use crate::camera::error::CameraError;
use crate::camera::frame::StreamConfig;
use crate::camera::source::FrameSource;
use crate::clock::Clock;

/// Settings of a switching run.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchConfig {
    /// The configurations to walk, in order, each round.
    pub configs: Vec<StreamConfig>,
    /// Rounds over the list.
    pub rounds: u32,
    /// Frames to read after each switch.
    pub frames_per_config: u32,
    /// Longest wait for a frame.
    pub frame_timeout: Duration,
}

/// One switch, as handed to the record sink.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchRecord {
    /// Round number from 0.
    pub round: u32,
    /// What was asked.
    pub wanted: StreamConfig,
    /// What the device accepted.
    pub accepted: Option<StreamConfig>,
    /// Time from `start` to the first frame.
    pub first_frame_latency: Option<Duration>,
    /// Frames received.
    pub frames: u32,
    /// Frames whose format or size differs from what was accepted.
    pub mismatched_frames: u32,
    /// The error that ended this switch early: (kind name, message).
    pub error: Option<(&'static str, String)>,
}

/// The figures of a switching run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SwitchOutcome {
    /// Switches attempted.
    pub switches: u32,
    /// Switches that failed (refused, no frame, or an error).
    pub failures: u32,
    /// Switches where the device accepted something other than what was asked.
    pub substituted: u32,
    /// Frames with the wrong format or size, all told.
    pub mismatched_frames: u64,
    /// 99th-percentile start → first frame latency.
    pub first_frame_p99: Option<Duration>,
    /// Longest start → first frame latency.
    pub first_frame_max: Option<Duration>,
    /// The run was stopped early.
    pub stopped_early: bool,
}

fn one_switch(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    config: &SwitchConfig,
    record: &mut SwitchRecord,
) -> Result<(), CameraError> {
    let accepted = source.configure(&record.wanted)?;
    record.accepted = Some(accepted);
    let t0 = clock.elapsed();
    source.start()?;
    let mut result = Ok(());
    for _ in 0..config.frames_per_config.max(1) {
        match source.next_frame(config.frame_timeout) {
            Ok(frame) => {
                if record.frames == 0 {
                    record.first_frame_latency = Some(clock.elapsed().saturating_sub(t0));
                }
                record.frames += 1;
                if (frame.format, frame.width, frame.height)
                    != (accepted.format, accepted.width, accepted.height)
                {
                    record.mismatched_frames += 1;
                }
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let stopped = source.stop();
    result.and(stopped)
}

/// Runs the switching test on `source` (closed on entry, closed on return). Fails only if the
/// first open fails.
pub fn run_switching(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    config: &SwitchConfig,
    stop: &StopFlag,
    sink: &mut dyn FnMut(&SwitchRecord),
) -> Result<SwitchOutcome, CameraError> {
    source.open()?;
    let mut out = SwitchOutcome::default();
    let mut latencies = DurationHistogram::new();
    'rounds: for round in 0..config.rounds {
        for wanted in &config.configs {
            if stop.is_stopped() {
                out.stopped_early = true;
                break 'rounds;
            }
            let mut record = SwitchRecord {
                round,
                wanted: *wanted,
                accepted: None,
                first_frame_latency: None,
                frames: 0,
                mismatched_frames: 0,
                error: None,
            };
            if let Err(e) = one_switch(source, clock, config, &mut record) {
                record.error = Some((e.kind_name(), e.to_string()));
                let _ = source.stop();
            }
            out.switches += 1;
            if record.error.is_some() || record.frames == 0 {
                out.failures += 1;
            }
            if record.accepted.is_some_and(|a| a != *wanted) {
                out.substituted += 1;
            }
            out.mismatched_frames += u64::from(record.mismatched_frames);
            if let Some(latency) = record.first_frame_latency {
                latencies.record(latency);
            }
            sink(&record);
        }
    }
    source.close();
    out.first_frame_p99 = latencies.quantile(0.99);
    out.first_frame_max = latencies.max();
    Ok(out)
}
