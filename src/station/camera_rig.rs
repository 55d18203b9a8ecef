//! The station's camera as the runner sees it: something that opens a frame source per stream.
//! [`StationCameraRig`] opens the selectors a station file names for one sample;
//! [`SyntheticCameraRig`] is the simulated station's camera.

use std::sync::Arc;

use super::SampleCameras;
use crate::camera::faults::{FaultPlan, FaultySource};
use crate::camera::open::{open_stream, SourceError, SourceProblem};
use crate::camera::select::SourceSpec;
use crate::camera::synthetic::{SyntheticConfig, SyntheticSource};
use crate::camera::{CameraError, FrameRate, FrameSource, PixelFormat, StreamConfig, StreamKind};
use crate::clock::{Clock, SimClock, SystemClock};

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
        Ok(synthetic_source(Self::config(stream, fps), false))
    }

    fn own_clock(&self) -> bool {
        true
    }
}

/// A synthetic camera in `config` on its own simulated clock, with pixels on one frame a second
/// (enough for the per-second luma of a long run), or on every frame when `every_frame`.
fn synthetic_source(config: StreamConfig, every_frame: bool) -> CameraSource {
    let mut synthetic = SyntheticConfig::new(config);
    synthetic.payload_every = if every_frame {
        1
    } else {
        config.rate.frames.div_ceil(config.rate.per_seconds).max(1)
    };
    synthetic.path = format!("synthetic:{}", config.stream.name());
    // Each stream's sensor starts up with its own jitter.
    synthetic.startup.seed = config.stream as u64 + 1;
    let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    CameraSource {
        source: Box::new(SyntheticSource::new(synthetic, Arc::clone(&clock))),
        clock,
        config,
    }
}

/// One sample's cameras as a station file names them: each stream opens its selector —
/// synthetic and replay sources on their own simulated clock, hardware on the wall clock —
/// behind the fault injector when the rig has faults (rehearsals and tests).
#[derive(Debug)]
pub struct StationCameraRig {
    label: String,
    cameras: SampleCameras,
    faults: Option<FaultPlan>,
    pixels_on_every_frame: bool,
}

impl StationCameraRig {
    /// The cameras of a sample called `label` in messages (`sample 2`).
    pub fn new(
        label: impl Into<String>,
        cameras: SampleCameras,
        faults: Option<FaultPlan>,
    ) -> StationCameraRig {
        StationCameraRig {
            label: label.into(),
            cameras,
            faults,
            pixels_on_every_frame: false,
        }
    }

    /// Gives synthetic cameras pixels on every frame rather than one a second, so every frame's
    /// content is judged (the camera checklist; a long chamber run keeps one a second).
    pub fn with_pixels_on_every_frame(mut self) -> StationCameraRig {
        self.pixels_on_every_frame = true;
        self
    }

    /// The selectors it opens.
    pub fn cameras(&self) -> &SampleCameras {
        &self.cameras
    }

    /// The source of `spec` for `stream` at `fps`, behind the rig's faults.
    fn open(
        &self,
        spec: &SourceSpec,
        stream: StreamKind,
        fps: u32,
    ) -> Result<CameraSource, CameraError> {
        let camera = match spec {
            SourceSpec::Synthetic(mode) => synthetic_source(
                match mode {
                    Some(mode) => StreamConfig { stream, ..*mode },
                    None => SyntheticCameraRig::config(stream, fps),
                },
                self.pixels_on_every_frame,
            ),
            _ => self.open_selector(spec, stream)?,
        };
        Ok(match &self.faults {
            Some(plan) => CameraSource {
                source: Box::new(FaultySource::new(
                    camera.source,
                    plan.clone(),
                    Arc::clone(&camera.clock),
                )),
                ..camera
            },
            None => camera,
        })
    }

    /// A replay or hardware selector's source, its mode read from the recording or the device
    /// when the selector names none.
    fn open_selector(
        &self,
        spec: &SourceSpec,
        stream: StreamKind,
    ) -> Result<CameraSource, CameraError> {
        let clock: Arc<dyn Clock> = if spec.is_hardware() {
            Arc::new(SystemClock::new())
        } else {
            Arc::new(SimClock::starting_at(chrono::Utc::now()))
        };
        let mut source = open_stream(spec, Some(stream), Arc::clone(&clock), None)
            .map_err(|e| unavailable(&self.label, stream, e))?;
        let config = match spec.mode() {
            Some(mode) => mode,
            None => {
                let info = source.open()?;
                source.close();
                info.config
            }
        };
        Ok(CameraSource {
            source,
            clock,
            config: StreamConfig { stream, ..config },
        })
    }
}

/// A selector that cannot be opened now, as a camera error: a missing camera is not found, a
/// backend this build lacks makes the item not tested.
fn unavailable(label: &str, stream: StreamKind, error: SourceError) -> CameraError {
    match error.kind {
        SourceProblem::NotInBuild => CameraError::NotSupported {
            what: format!("{label} {} camera: {error}", stream.name()),
        },
        SourceProblem::NotFound | SourceProblem::Ambiguous => CameraError::NotFound {
            path: format!("{label} {} ({error})", stream.name()),
        },
    }
}

impl CameraRig for StationCameraRig {
    fn source(&mut self, stream: StreamKind, fps: u32) -> Result<CameraSource, CameraError> {
        match self.cameras.get(stream) {
            Some(spec) => self.open(spec, stream, fps),
            None => Err(CameraError::NotSupported {
                what: format!(
                    "the station names no {} camera for {}",
                    stream.name(),
                    self.label
                ),
            }),
        }
    }

    fn own_clock(&self) -> bool {
        !self.cameras.is_hardware()
    }
}

impl std::fmt::Debug for CameraSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraSource")
            .field("capabilities", &self.source.capabilities())
            .finish_non_exhaustive()
    }
}
