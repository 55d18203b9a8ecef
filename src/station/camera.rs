//! The station's `[camera]` section: which camera serves each stream of each sample.
//!
//! ```toml
//! [camera]                       # defaults for every sample
//! rgb = "v4l:/dev/v4l/by-id/usb-Orbbec_Gemini-video-index0:1920x1080@30/YUYV"
//! ir = "v4l:usb:2bc5:0510:AY3A1120033:640x400@30/GREY"
//!
//! [[camera.sample]]              # sample 1 (the first --unit): its own cameras
//! rgb = "v4l:/dev/v4l/by-id/usb-Acme_Cam_A1-video-index0"
//! [[camera.sample]]              # sample 2; streams a table leaves out come from [camera]
//! rgb = "v4l:/dev/v4l/by-id/usb-Acme_Cam_B2-video-index0"
//! ```
//!
//! `backend = "synthetic"` makes every stream the simulated station's synthetic camera. A
//! sample's cameras are all hardware (`v4l:`, `nokhwa:`) or all simulated (`synthetic`,
//! `replay:`), and a `sim = true` station has no hardware cameras: simulated cameras keep their
//! own simulated time, hardware streams in real time.

use crate::camera::select::SourceSpec;
use crate::camera::StreamKind;
use crate::config::{Fields, TableRef};
use crate::diagnostic::Sink;

/// The cameras of one sample, by stream (`None`: the station has no camera for that stream).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SampleCameras {
    /// The colour stream.
    pub rgb: Option<SourceSpec>,
    /// The infrared stream.
    pub ir: Option<SourceSpec>,
    /// The depth stream.
    pub depth: Option<SourceSpec>,
}

impl SampleCameras {
    /// Every stream on the synthetic camera (`backend = "synthetic"`).
    pub fn synthetic() -> SampleCameras {
        SampleCameras {
            rgb: Some(SourceSpec::Synthetic(None)),
            ir: Some(SourceSpec::Synthetic(None)),
            depth: Some(SourceSpec::Synthetic(None)),
        }
    }

    /// The selector of `stream`.
    pub fn get(&self, stream: StreamKind) -> Option<&SourceSpec> {
        match stream {
            StreamKind::Rgb => self.rgb.as_ref(),
            StreamKind::Ir => self.ir.as_ref(),
            StreamKind::Depth => self.depth.as_ref(),
        }
    }

    /// The streams that have a camera, with their selectors.
    pub fn streams(&self) -> impl Iterator<Item = (StreamKind, &SourceSpec)> {
        [StreamKind::Rgb, StreamKind::Ir, StreamKind::Depth]
            .into_iter()
            .filter_map(|stream| self.get(stream).map(|spec| (stream, spec)))
    }

    /// True when any stream is real hardware (streamed in real time).
    pub fn is_hardware(&self) -> bool {
        self.streams().any(|(_, spec)| spec.is_hardware())
    }

    /// These cameras, with `fallback`'s for the streams these leave out.
    fn or(&self, fallback: &SampleCameras) -> SampleCameras {
        SampleCameras {
            rgb: self.rgb.clone().or_else(|| fallback.rgb.clone()),
            ir: self.ir.clone().or_else(|| fallback.ir.clone()),
            depth: self.depth.clone().or_else(|| fallback.depth.clone()),
        }
    }
}

/// A station's cameras.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraSection {
    /// The station file, for problems found once the run's sample count is known.
    pub origin: String,
    /// The cameras of every sample, for the streams its own table leaves out.
    pub default: SampleCameras,
    /// `[[camera.sample]]` tables, in `--unit` order.
    pub samples: Vec<SampleCameras>,
}

impl CameraSection {
    /// The cameras of sample `index` (0 = the first unit); an error naming the file and the
    /// field when the station gives that sample none.
    pub fn sample(&self, index: usize) -> Result<SampleCameras, String> {
        let default = &self.default;
        match self.samples.get(index) {
            Some(own) => Ok(own.or(default)),
            None if default.streams().next().is_some() => Ok(default.clone()),
            None => Err(format!(
                "{} camera.sample: the run has sample {} but the station names cameras for {} \
                 sample(s) ([[camera.sample]] tables) and no default for the others \
                 ([camera] rgb / ir / depth)",
                self.origin,
                index + 1,
                self.samples.len()
            )),
        }
    }
}

const CAMERA_KEYS: &[&str] = &["backend", "rgb", "ir", "depth", "sample"];
const STREAM_KEYS: &[&str] = &["rgb", "ir", "depth"];

/// Resolves `[camera]`, reporting every problem to `sink`.
pub(super) fn resolve_camera(
    sink: &mut Sink<'_>,
    table: TableRef<'_, '_>,
    sim: bool,
) -> Option<CameraSection> {
    let before = sink.count();
    let camera = table.open(sink, CAMERA_KEYS);
    let synthetic = match camera.opt_string(sink, "backend") {
        None => false,
        Some(backend) if backend.get_ref() == "synthetic" => true,
        Some(other) => {
            sink.report(
                &other.span(),
                &camera.path_of("backend"),
                format!(
                    "unknown backend `{}`: use \"synthetic\", or name each stream's camera \
                     (rgb = \"v4l:/dev/v4l/by-id/…\", ir = …, depth = …)",
                    other.get_ref()
                ),
            );
            false
        }
    };
    let mut default = resolve_streams(sink, &camera);
    if synthetic {
        default = default.or(&SampleCameras::synthetic());
    }
    let mut samples = Vec::new();
    for sample in camera.opt_tables(sink, "sample") {
        let table = sample.open(sink, STREAM_KEYS);
        let own = resolve_streams(sink, &table);
        if STREAM_KEYS.iter().all(|key| table.key_span(key).is_none()) {
            sink.report(
                &table.span(),
                table.path(),
                "names no camera: give rgb, ir or depth",
            );
        }
        check_sample(sink, &own.or(&default), sim, &table);
        samples.push(own);
    }
    // A section whose keys were wrong names no camera as a consequence: say only the cause.
    if samples.is_empty() && default.streams().next().is_none() && sink.count() == before {
        sink.report(
            &camera.span(),
            camera.path(),
            "names no camera: give rgb / ir / depth selectors, [[camera.sample]] tables, or \
             backend = \"synthetic\"",
        );
    }
    check_sample(sink, &default, sim, &camera);
    (sink.count() == before).then(|| CameraSection {
        origin: sink.origin().to_string(),
        default,
        samples,
    })
}

/// Parses the selectors of one table (rgb, ir, depth).
fn resolve_streams(sink: &mut Sink<'_>, table: &Fields<'_, '_>) -> SampleCameras {
    let mut one = |key: &str| {
        let value = table.opt_string(sink, key)?;
        match value.get_ref().parse::<SourceSpec>() {
            Ok(spec) => Some(spec),
            Err(error) => {
                sink.report(&value.span(), &table.path_of(key), error.to_string());
                None
            }
        }
    };
    SampleCameras {
        rgb: one("rgb"),
        ir: one("ir"),
        depth: one("depth"),
    }
}

/// A sample's cameras run on one kind of time: all hardware or all simulated, and no hardware
/// in a simulated station.
fn check_sample(sink: &mut Sink<'_>, cameras: &SampleCameras, sim: bool, table: &Fields<'_, '_>) {
    let hardware = cameras.streams().filter(|(_, s)| s.is_hardware()).count();
    if hardware == 0 {
        return;
    }
    let message = if sim {
        "a simulated station (sim = true) runs on simulated time: its cameras are \
         synthetic or replay; name hardware cameras in a real station file"
    } else if hardware < cameras.streams().count() {
        "mixes hardware cameras (v4l, nokhwa) with simulated ones (synthetic, replay): \
         one sample's streams run either in real time or on simulated time"
    } else {
        return;
    };
    sink.report(&table.span(), table.path(), message);
}
