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

use serde::Deserialize;
use toml::Spanned;

use super::resolve::Sink;
use crate::camera::select::SourceSpec;
use crate::camera::StreamKind;

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

/// `[camera]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCamera {
    backend: Option<Spanned<String>>,
    rgb: Option<Spanned<String>>,
    ir: Option<Spanned<String>>,
    depth: Option<Spanned<String>>,
    sample: Option<Vec<Spanned<RawStreams>>>,
}

/// Stream selectors as written, in `[camera]` or a `[[camera.sample]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStreams {
    rgb: Option<Spanned<String>>,
    ir: Option<Spanned<String>>,
    depth: Option<Spanned<String>>,
}

/// Resolves `[camera]`, reporting every problem to `sink`.
pub(super) fn resolve_camera(
    raw: &Spanned<RawCamera>,
    sim: bool,
    sink: &mut Sink<'_>,
) -> Option<CameraSection> {
    let before = sink.found.len();
    let camera = raw.get_ref();
    let synthetic = match camera
        .backend
        .as_ref()
        .map(|b| (b.get_ref().as_str(), b.span()))
    {
        None => false,
        Some(("synthetic", _)) => true,
        Some((other, span)) => {
            sink.push(
                span,
                "camera.backend",
                format!(
                    "unknown backend `{other}`: use \"synthetic\", or name each stream's camera \
                     (rgb = \"v4l:/dev/v4l/by-id/…\", ir = …, depth = …)"
                ),
            );
            false
        }
    };
    let streams = [&camera.rgb, &camera.ir, &camera.depth];
    let mut default = resolve_streams(streams, "camera", sink);
    if synthetic {
        default = default.or(&SampleCameras::synthetic());
    }
    let mut samples = Vec::new();
    for (index, table) in camera.sample.iter().flatten().enumerate() {
        let field = format!("camera.sample[{index}]");
        let table_streams = table.get_ref();
        let streams = [&table_streams.rgb, &table_streams.ir, &table_streams.depth];
        let own = resolve_streams(streams, &field, sink);
        if streams.iter().all(|s| s.is_none()) {
            sink.push(
                table.span(),
                &field,
                "names no camera: give rgb, ir or depth",
            );
        }
        check_sample(&own.or(&default), sim, table.span(), &field, sink);
        samples.push(own);
    }
    if samples.is_empty() && default.streams().next().is_none() {
        sink.push(
            raw.span(),
            "camera",
            "names no camera: give rgb / ir / depth selectors, [[camera.sample]] tables, or \
             backend = \"synthetic\"",
        );
    }
    check_sample(&default, sim, raw.span(), "camera", sink);
    (sink.found.len() == before).then(|| CameraSection {
        origin: sink.origin.to_string(),
        default,
        samples,
    })
}

/// Parses the selectors of one table (rgb, ir, depth).
fn resolve_streams(
    [rgb, ir, depth]: [&Option<Spanned<String>>; 3],
    table: &str,
    sink: &mut Sink<'_>,
) -> SampleCameras {
    let mut one = |value: &Option<Spanned<String>>, key: &str| {
        let value = value.as_ref()?;
        match value.get_ref().parse::<SourceSpec>() {
            Ok(spec) => Some(spec),
            Err(error) => {
                sink.push(value.span(), &format!("{table}.{key}"), error.to_string());
                None
            }
        }
    };
    SampleCameras {
        rgb: one(rgb, "rgb"),
        ir: one(ir, "ir"),
        depth: one(depth, "depth"),
    }
}

/// A sample's cameras run on one kind of time: all hardware or all simulated, and no hardware
/// in a simulated station.
fn check_sample(
    cameras: &SampleCameras,
    sim: bool,
    span: std::ops::Range<usize>,
    field: &str,
    sink: &mut Sink<'_>,
) {
    let hardware = cameras.streams().filter(|(_, s)| s.is_hardware()).count();
    if hardware == 0 {
        return;
    }
    if sim {
        sink.push(
            span,
            field,
            "a simulated station (sim = true) runs on simulated time: its cameras are \
             synthetic or replay; name hardware cameras in a real station file",
        );
    } else if hardware < cameras.streams().count() {
        sink.push(
            span,
            field,
            "mixes hardware cameras (v4l, nokhwa) with simulated ones (synthetic, replay): \
             one sample's streams run either in real time or on simulated time",
        );
    }
}
