//! Camera stress and monitoring steps.

use serde::{Deserialize, Serialize};

use crate::plan::diagnostic::Sink;
use crate::plan::ranges::{self, DURATION_H, DURATION_S, FRAME_RATE_FPS, INTERVAL_FACTOR};
use crate::plan::reader::TableRef;

/// What a camera step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraMode {
    /// Stream and watch the camera for as long as the step it runs beside.
    Monitor,
    /// Stream each stream for a short fixed time and check it.
    StreamCheck,
    /// Open → first frame, repeated.
    FirstFrame,
    /// Continuous streaming for a duration.
    Soak,
    /// Open/close cycles.
    OpenClose,
    /// Stream and resolution switching.
    Switch,
}

impl CameraMode {
    const KEYS: [&'static str; 6] = [
        "monitor",
        "stream_check",
        "first_frame",
        "soak",
        "open_close",
        "switch",
    ];

    fn parse(text: &str) -> Option<CameraMode> {
        Some(match text {
            "monitor" => CameraMode::Monitor,
            "stream_check" => CameraMode::StreamCheck,
            "first_frame" => CameraMode::FirstFrame,
            "soak" => CameraMode::Soak,
            "open_close" => CameraMode::OpenClose,
            "switch" => CameraMode::Switch,
            _ => return None,
        })
    }

    /// Measurements this mode produces.
    fn measurements(self) -> &'static [&'static str] {
        const STREAMING: &[&str] = &[
            "fps",
            "fps_rgb",
            "fps_ir",
            "fps_depth",
            "drop_rate",
            "drop_rate_upper",
            "device_drops",
            "harness_drops",
            "stalls",
            "bad_frames",
            "frozen_frames",
            "dark_frames",
            "usb_reenum",
            "gap_s",
            "luma_mean",
            "luma_frame_min",
            "luma_frame_max",
        ];
        match self {
            CameraMode::Monitor | CameraMode::StreamCheck | CameraMode::Soak => STREAMING,
            CameraMode::FirstFrame => &["first_frame_ms", "open_ms", "open_failures"],
            CameraMode::OpenClose => &[
                "first_frame_ms",
                "open_ms",
                "open_failures",
                "failed_cycles",
                "cycles_done",
                "rss_slope",
                "fd_slope",
            ],
            CameraMode::Switch => &["switches_done", "switch_failures", "switch_wrong_frames"],
        }
    }
}

/// Which step a monitoring camera step runs beside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Concurrent {
    /// The item's chamber step.
    Chamber,
    /// The item's thermal logging step.
    Thermal,
    /// The item's operator prompt (e.g. ESD discharges).
    Prompt,
}

/// A camera step's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraStress {
    /// What the step does.
    pub mode: CameraMode,
    /// Streams to use (`rgb`, `ir`, `depth`).
    pub streams: Vec<String>,
    /// Nominal frame rate, fps.
    pub nominal_fps: f64,
    /// Step it runs beside, if any.
    pub concurrent_with: Option<Concurrent>,
    /// Streaming duration, s (soak, stream check).
    pub duration_s: Option<f64>,
    /// Seconds after start excluded from rate and drop statistics.
    pub warmup_s: f64,
    /// Window over which frame rate and drop rate are judged, s.
    pub window_s: f64,
    /// A gap longer than this is a stall, s.
    pub stall_s: f64,
    /// An interval above this many nominal intervals is a drop (backends without sequence numbers).
    pub drop_interval_factor: f64,
    /// Repeats (first frame) or cycles (open/close) or switches (switch).
    pub repeats: Option<u32>,
    /// Pause between repeats, s.
    pub pause_s: Option<f64>,
    /// What the camera looks at (recorded for the report).
    pub target: Option<String>,
}

impl CameraStress {
    /// True when this step can measure `name`.
    pub fn can_measure(&self, name: &str) -> bool {
        self.mode.measurements().contains(&name)
    }

    /// Measurement names this step produces.
    pub fn measurable(&self) -> Vec<String> {
        self.mode
            .measurements()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }
}

const KEYS: &[&str] = &[
    "mode",
    "streams",
    "nominal_fps",
    "concurrent_with",
    "duration_s",
    "duration_h",
    "warmup_s",
    "window_s",
    "stall_s",
    "drop_interval_factor",
    "repeats",
    "cycles",
    "switches",
    "pause_s",
    "target",
];
const STREAMS: [&str; 3] = ["rgb", "ir", "depth"];

/// Reads a camera step's params.
pub(super) fn resolve(sink: &mut Sink<'_>, params: TableRef<'_, '_>) -> Option<CameraStress> {
    let f = params.open(sink, KEYS);
    let mode = f.choice(
        sink,
        "mode",
        "camera mode",
        &CameraMode::KEYS,
        CameraMode::parse,
    );
    let mut streams = Vec::new();
    let mut streams_ok = true;
    for stream in f.opt_strings(sink, "streams").unwrap_or_default() {
        if STREAMS.contains(&stream.get_ref().as_str()) {
            streams.push(stream.into_inner());
        } else {
            sink.report(
                &stream.span(),
                &f.path_of("streams"),
                format!(
                    "unknown stream `{}`; expected rgb, ir or depth",
                    stream.get_ref()
                ),
            );
            streams_ok = false;
        }
    }
    if streams.is_empty() && streams_ok {
        streams.push("rgb".to_string());
    }
    let nominal_fps = ranges::or_default(sink, &f, "nominal_fps", FRAME_RATE_FPS, 30.0);
    let concurrent_with = f.opt_choice(
        sink,
        "concurrent_with",
        "step to run beside",
        &["chamber", "thermal", "prompt"],
        |s| match s {
            "chamber" => Some(Concurrent::Chamber),
            "thermal" => Some(Concurrent::Thermal),
            "prompt" => Some(Concurrent::Prompt),
            _ => None,
        },
    );
    let duration_s = ranges::optional(sink, &f, "duration_s", DURATION_S);
    let duration_h = ranges::optional(sink, &f, "duration_h", DURATION_H);
    let warmup_s = ranges::optional(sink, &f, "warmup_s", DURATION_S);
    let window_s = ranges::or_default(sink, &f, "window_s", DURATION_S, 60.0);
    let stall_s = ranges::or_default(sink, &f, "stall_s", DURATION_S, 1.0);
    let factor = ranges::or_default(sink, &f, "drop_interval_factor", INTERVAL_FACTOR, 1.5);
    let repeats = ["repeats", "cycles", "switches"]
        .iter()
        .find(|key| f.key_span(key).is_some())
        .map_or(Some(None), |key| ranges::opt_count(sink, &f, key));
    let pause_s = ranges::optional(sink, &f, "pause_s", DURATION_S);
    let target = f.opt_string(sink, "target").map(|t| t.into_inner());
    let mode = mode?.into_inner();
    if mode == CameraMode::Monitor
        && concurrent_with.is_none()
        && f.key_span("concurrent_with").is_none()
    {
        f.report_missing(
            sink,
            "concurrent_with",
            ": a monitor step runs beside a chamber, thermal or prompt step",
        );
        return None;
    }
    let duration_s = match (duration_s?, duration_h?) {
        (Some(s), _) => Some(s),
        (None, Some(h)) => Some(h * 3600.0),
        (None, None) => None,
    };
    Some(CameraStress {
        mode,
        streams: streams_ok.then_some(streams)?,
        nominal_fps: nominal_fps?,
        concurrent_with: concurrent_with.map(|c| c.into_inner()),
        duration_s,
        warmup_s: warmup_s?.unwrap_or(3.0),
        window_s: window_s?,
        stall_s: stall_s?,
        drop_interval_factor: factor?,
        repeats: repeats?,
        pause_s: pause_s?,
        target,
    })
}
