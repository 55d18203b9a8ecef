//! A scripted camera: the station's synthetic camera at a scripted frame rate, behind the
//! camera fault injector with scripted drops, black frames and an unplug that lasts.

use std::time::Duration;

use crate::camera::faults::{Disconnect, FaultPlan, Trigger};
use crate::camera::select::SourceSpec;
use crate::camera::StreamKind;
use crate::station::{CameraRig, SampleCameras, StationCameraRig, SyntheticCameraRig};

/// What the fake camera does; every field off by default (a healthy camera at the plan's rate).
#[derive(Debug, Clone, Default)]
pub struct CameraScript {
    /// The frame rate it delivers, whatever the plan asks for.
    pub fps: Option<u32>,
    /// One frame in this many is dropped by the device.
    pub drop_every: Option<u64>,
    /// One frame in this many is black.
    pub black_every: Option<u64>,
    /// Unplugged for good after this many frames.
    pub lost_after_frames: Option<u64>,
}

/// How long a lost camera stays away: longer than any step under test.
const LOST_FOR: Duration = Duration::from_secs(365 * 24 * 3600);

impl CameraScript {
    /// The camera rig of one sample, every stream following this script.
    pub fn rig(&self) -> Box<dyn CameraRig> {
        let spec = |stream: StreamKind| {
            Some(SourceSpec::Synthetic(
                self.fps.map(|fps| SyntheticCameraRig::config(stream, fps)),
            ))
        };
        let cameras = SampleCameras {
            rgb: spec(StreamKind::Rgb),
            ir: spec(StreamKind::Ir),
            depth: spec(StreamKind::Depth),
        };
        let every = |n: Option<u64>| n.map_or(Trigger::Never, |n| Trigger::every(n, n - 1));
        let plan = FaultPlan {
            drop: every(self.drop_every),
            black: every(self.black_every),
            disconnect: self.lost_after_frames.map(|after_frames| Disconnect {
                after_frames,
                reappear_after: LOST_FOR,
                new_path: "synthetic:gone".to_string(),
            }),
            ..FaultPlan::none(1)
        };
        let rig = StationCameraRig::new("fake camera", cameras, Some(plan));
        // Black frames are seen only on frames that carry pixels.
        Box::new(match self.black_every {
            Some(_) => rig.with_pixels_on_every_frame(),
            None => rig,
        })
    }
}
