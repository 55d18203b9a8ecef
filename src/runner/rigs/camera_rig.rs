//! The station's camera as the runner sees it: something that opens a frame source per stream.

use std::sync::Arc;

use crate::camera::synthetic::{SyntheticConfig, SyntheticSource};
use crate::camera::{CameraError, FrameRate, FrameSource, PixelFormat, StreamConfig, StreamKind};
use crate::clock::{Clock, SimClock};

/// A camera module with RGB, IR and depth streams.
pub trait CameraRig: Send + std::fmt::Debug {
    /// Makes a source for `stream` at `fps` (not yet opened), with the clock it runs on.
    fn source(&mut self, stream: StreamKind, fps: u32) -> Result<CameraSource, CameraError>;

    /// True when the sources keep their own simulated time: a monitor beside another step is
    /// then streamed after that step for as long as it took, instead of in parallel.
    fn own_clock(&self) -> bool;
}

/// A frame source and the clock its frames are timed on.
pub struct CameraSource {
    /// The source.
    pub source: Box<dyn FrameSource>,
    /// Its clock.
    pub clock: Arc<dyn Clock>,
    /// What it streams.
    pub config: StreamConfig,
}

/// Parses a plan's stream name.
pub fn stream_kind(name: &str) -> Option<StreamKind> {
    match name {
        "rgb" => Some(StreamKind::Rgb),
        "ir" => Some(StreamKind::Ir),
        "depth" => Some(StreamKind::Depth),
        _ => None,
    }
}

/// The simulated station's camera: synthetic 320×240 sources (YUYV colour, GREY infrared, Z16
/// depth), each on its own simulated clock, with pixels on one frame a second.
#[derive(Debug, Default)]
pub struct SyntheticCameraRig;

/// Size of the synthetic frames; small, because the analysis samples pixels once a second.
const WIDTH: u32 = 320;
const HEIGHT: u32 = 240;

impl SyntheticCameraRig {
    /// The stream configuration a synthetic `stream` uses.
    pub fn config(stream: StreamKind, fps: u32) -> StreamConfig {
        StreamConfig {
            format: match stream {
                StreamKind::Rgb => PixelFormat::Yuyv,
                StreamKind::Ir => PixelFormat::Grey,
                StreamKind::Depth => PixelFormat::Z16,
            },
            width: WIDTH,
            height: HEIGHT,
            rate: FrameRate::fps(fps),
            stream,
        }
    }
}

impl CameraRig for SyntheticCameraRig {
    fn source(&mut self, stream: StreamKind, fps: u32) -> Result<CameraSource, CameraError> {
        let stream_config = Self::config(stream, fps);
        let mut config = SyntheticConfig::new(stream_config);
        config.payload_every = fps.max(1);
        config.path = format!("synthetic:{}", stream.name());
        // Each stream's sensor starts up with its own jitter.
        config.startup.seed = stream as u64 + 1;
        let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        Ok(CameraSource {
            source: Box::new(SyntheticSource::new(config, Arc::clone(&clock))),
            clock,
            config: stream_config,
        })
    }

    fn own_clock(&self) -> bool {
        true
    }
}

impl std::fmt::Debug for CameraSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraSource")
            .field("capabilities", &self.source.capabilities())
            .finish_non_exhaustive()
    }
}
