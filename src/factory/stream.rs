//! The face camera's short stream check on the line: open, time the first frame, stream for
//! the station's duration through the camera analysis ([`FrameAnalyzer`]), close; then judge
//! the figures against the station's limits.

use std::time::Duration;

use crate::camera::analysis::{AnalysisConfig, FrameAnalyzer};
use crate::camera::error::CameraError;
use crate::camera::source::FrameSource;
use crate::clock::Clock;

use super::line::StreamLimits;

/// The longest wait for one frame once the stream runs.
const FRAME_TIMEOUT: Duration = Duration::from_millis(500);

/// What the stream check measured.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamFigures {
    /// Time from open to the first frame; `None` when no frame came.
    pub first_frame: Option<Duration>,
    /// Frames received.
    pub frames: u64,
    /// Delivered frame rate after the warm-up, when enough frames came.
    pub fps: Option<f64>,
    /// Frames the device dropped (sequence gaps, or long intervals without sequence numbers).
    pub drops: u64,
    /// Error, empty, wrong-size and corrupt frames.
    pub bad_frames: u64,
    /// Waits for a frame that timed out.
    pub timeouts: u64,
}

impl StreamFigures {
    /// Every way the figures miss `limits`, in words; empty when they pass.
    pub fn problems(&self, limits: &StreamLimits) -> Vec<String> {
        let mut problems = Vec::new();
        let max_ms = limits.max_first_frame.as_millis();
        match self.first_frame {
            None => problems.push("camera: no frame arrived".to_string()),
            Some(t) if t > limits.max_first_frame => problems.push(format!(
                "camera: first frame after {} ms (limit {max_ms} ms)",
                t.as_millis()
            )),
            Some(_) => {}
        }
        match self.fps {
            Some(fps) if fps < limits.min_fps => problems.push(format!(
                "camera: {fps:.1} fps (limit ≥ {} fps)",
                limits.min_fps
            )),
            Some(_) => {}
            None if self.first_frame.is_some() => problems.push(format!(
                "camera: too few frames after the warm-up for a frame rate ({} frames)",
                self.frames
            )),
            None => {}
        }
        if self.drops > limits.max_drops {
            problems.push(format!(
                "camera: {} dropped frames (limit {})",
                self.drops, limits.max_drops
            ));
        }
        if self.bad_frames > 0 {
            problems.push(format!("camera: {} bad frames", self.bad_frames));
        }
        problems
    }
}

/// Opens `source`, streams for `limits.duration` of `clock` time and closes it again (also on
/// failure). Fails only when the camera cannot be opened or started, or the stream breaks.
pub fn check_stream(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    limits: &StreamLimits,
) -> Result<StreamFigures, CameraError> {
    let opened_at = clock.elapsed();
    let info = source.open()?;
    let result = stream(source, clock, limits, info.config, opened_at);
    let _ = source.stop();
    source.close();
    result
}

fn stream(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    limits: &StreamLimits,
    config: crate::camera::frame::StreamConfig,
    opened_at: Duration,
) -> Result<StreamFigures, CameraError> {
    source.start()?;
    let mut analysis = AnalysisConfig::for_stream(config);
    analysis.warmup = limits.warmup;
    analysis.window = limits.duration;
    let mut analyzer = FrameAnalyzer::new(analysis);
    analyzer.on_stream_start();
    let mut first_frame = None;
    let end_at = opened_at + limits.max_first_frame + limits.duration;
    let mut stream_end = end_at;
    loop {
        let now = clock.elapsed();
        if now >= stream_end {
            break;
        }
        let wait = match first_frame {
            None => limits.max_first_frame,
            Some(_) => FRAME_TIMEOUT,
        }
        .min(stream_end - now);
        match source.next_frame(wait) {
            Ok(frame) => {
                if first_frame.is_none() {
                    let at = clock.elapsed();
                    first_frame = Some(at.saturating_sub(opened_at));
                    stream_end = at + limits.duration;
                }
                analyzer.on_frame(&frame, None);
            }
            Err(CameraError::Timeout { .. }) => {
                analyzer.on_timeout(clock.elapsed());
                if first_frame.is_none() {
                    break;
                }
            }
            Err(e) => return Err(e),
        }
    }
    let summary = analyzer.finish(clock.elapsed());
    Ok(StreamFigures {
        first_frame,
        frames: summary.counts.frames,
        fps: summary.timing.fps_delivered,
        drops: summary.counts.device_drops,
        bad_frames: summary.bad_frames(),
        timeouts: summary.counts.timeouts,
    })
}
