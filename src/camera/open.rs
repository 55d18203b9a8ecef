//! From a [selector](crate::camera::select::SourceSpec) to a [`FrameSource`]: find the camera it
//! names ([`locate`]: is the node there, which node has this USB id, which nokhwa camera has
//! this name), then build the backend's source, optionally behind the fault injector.
//!
//! A camera that is not there is reported as "not found" naming the selector, what was looked
//! for and what is present, in every build; a backend left out of the build is named with the
//! cargo feature that brings it.

#[cfg(all(feature = "v4l", target_os = "linux"))]
mod usb_source;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::camera::faults::{FaultPlan, FaultySource};
use crate::camera::replay::{Pacing, ReplaySource};
use crate::camera::select::usb::{find_usb_node, usb_video_nodes, UsbLookup, SYSFS_VIDEO4LINUX};
use crate::camera::select::{NokhwaCamera, SourceSpec, V4lDevice, DEFAULT_SYNTHETIC};
use crate::camera::synthetic::{SyntheticConfig, SyntheticSource};
use crate::camera::{FrameSource, StreamConfig, StreamKind};
use crate::clock::Clock;

/// Why a selector cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{selector}: {kind}: {detail}")]
pub struct SourceError {
    /// The selector as written.
    pub selector: String,
    /// What kind of problem.
    pub kind: SourceProblem,
    /// What was looked for and what is there.
    pub detail: String,
}

/// The kinds of [`SourceError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceProblem {
    /// The camera is not there.
    NotFound,
    /// The selector fits several cameras.
    Ambiguous,
    /// This build has no backend for it.
    NotInBuild,
}

impl fmt::Display for SourceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceProblem::NotFound => "not found",
            SourceProblem::Ambiguous => "ambiguous",
            SourceProblem::NotInBuild => "not in this build",
        })
    }
}

/// A selector with its camera found: V4L2 devices as a node path, nokhwa cameras as an index.
#[derive(Debug, Clone, PartialEq)]
pub enum Located {
    /// Synthetic, in this mode.
    Synthetic(StreamConfig),
    /// A recording.
    Replay(PathBuf),
    /// A V4L2 node (as written, or the node a USB id names now).
    V4l {
        /// The node.
        path: PathBuf,
        /// Mode to set.
        mode: Option<StreamConfig>,
    },
    /// A nokhwa camera.
    Nokhwa {
        /// Its index.
        index: u32,
        /// Mode to ask for.
        mode: Option<StreamConfig>,
    },
}

/// Finds the camera `spec` names. Synthetic and replay selectors are always found (a missing
/// recording is reported when it is opened); hardware must be present now.
pub fn locate(spec: &SourceSpec) -> Result<Located, SourceError> {
    let error = |kind, detail: String| SourceError {
        selector: spec.to_string(),
        kind,
        detail,
    };
    match spec {
        SourceSpec::Synthetic(mode) => Ok(Located::Synthetic(mode.unwrap_or(DEFAULT_SYNTHETIC))),
        SourceSpec::Replay(path) => Ok(Located::Replay(path.clone())),
        SourceSpec::V4l { device, mode } => {
            let path = match device {
                V4lDevice::Path(path) if path.exists() => path.clone(),
                V4lDevice::Path(path) => {
                    return Err(error(
                        SourceProblem::NotFound,
                        format!(
                            "no device node {} (V4L2 nodes present: {})",
                            path.display(),
                            present_nodes(Path::new("/dev"))
                        ),
                    ))
                }
                V4lDevice::Usb(id) => {
                    let nodes = usb_video_nodes(Path::new(SYSFS_VIDEO4LINUX));
                    find_usb_node(&nodes, id).map_err(|lookup| {
                        let kind = match lookup {
                            UsbLookup::Ambiguous { .. } => SourceProblem::Ambiguous,
                            UsbLookup::NotFound { .. } => SourceProblem::NotFound,
                        };
                        error(
                            kind,
                            format!("looked for a capture node of USB device {id}; {lookup}"),
                        )
                    })?
                }
            };
            Ok(Located::V4l { path, mode: *mode })
        }
        SourceSpec::Nokhwa { camera, mode } => {
            let index = nokhwa_index(camera).map_err(|(kind, detail)| error(kind, detail))?;
            Ok(Located::Nokhwa { index, mode: *mode })
        }
    }
}

/// `/dev/video*` nodes in `dir`, for "not found" messages.
fn present_nodes(dir: &Path) -> String {
    let mut nodes: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|name| {
            name.strip_prefix("video")
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .map(|name| dir.join(name).display().to_string())
        .collect();
    nodes.sort();
    if nodes.is_empty() {
        "none".to_string()
    } else {
        nodes.join(", ")
    }
}

#[cfg(feature = "nokhwa")]
fn nokhwa_index(camera: &NokhwaCamera) -> Result<u32, (SourceProblem, String)> {
    let found = crate::camera::nokhwa::query_cameras().map_err(|e| {
        (
            SourceProblem::NotFound,
            format!("looked for camera {camera}, but nokhwa could not list cameras: {e}"),
        )
    })?;
    let present = || {
        if found.is_empty() {
            "nokhwa found no cameras".to_string()
        } else {
            let list: Vec<String> = found
                .iter()
                .map(|(index, name)| format!("{index} \"{name}\""))
                .collect();
            format!("cameras present: {}", list.join(", "))
        }
    };
    let matches: Vec<u32> = match camera {
        NokhwaCamera::Index(index) => found
            .iter()
            .filter(|(i, _)| i == index)
            .map(|(i, _)| *i)
            .collect(),
        NokhwaCamera::Name(name) => found
            .iter()
            .filter(|(_, n)| n.trim().eq_ignore_ascii_case(name.trim()))
            .map(|(i, _)| *i)
            .collect(),
    };
    let looked_for = match camera {
        NokhwaCamera::Index(index) => format!("camera index {index}"),
        NokhwaCamera::Name(name) => format!("a camera named \"{name}\""),
    };
    match matches.as_slice() {
        [] => Err((
            SourceProblem::NotFound,
            format!("looked for {looked_for}; {}", present()),
        )),
        [index] => Ok(*index),
        _ => Err((
            SourceProblem::Ambiguous,
            format!(
                "{} cameras are {looked_for}: {}; select one by index",
                matches.len(),
                present()
            ),
        )),
    }
}

#[cfg(not(feature = "nokhwa"))]
fn nokhwa_index(camera: &NokhwaCamera) -> Result<u32, (SourceProblem, String)> {
    let looked_for = match camera {
        NokhwaCamera::Index(index) => format!("camera index {index}"),
        NokhwaCamera::Name(name) => format!("a camera named \"{name}\""),
    };
    Err((
        SourceProblem::NotInBuild,
        format!(
            "cannot look for {looked_for}: this facebench was built without the nokhwa backend \
             (cargo build --features nokhwa)"
        ),
    ))
}

/// What the backend cannot tell, to print beside its results (empty when nothing is missing).
pub fn backend_limits(spec: &SourceSpec) -> &'static str {
    match spec {
        #[cfg(feature = "nokhwa")]
        SourceSpec::Nokhwa { .. } => crate::camera::nokhwa::LIMITS,
        _ => "",
    }
}

/// Whether the selector names real hardware (where simulated time makes no sense).
pub fn is_hardware(spec: &SourceSpec) -> bool {
    spec.is_hardware()
}

/// The source a selector names (not yet opened), on `clock`, wrapped in the fault injector when
/// `faults` is given. Hardware must be present ([`locate`]) and its backend built.
pub fn open_source(
    spec: &SourceSpec,
    clock: Arc<dyn Clock>,
    faults: Option<FaultPlan>,
) -> Result<Box<dyn FrameSource>, SourceError> {
    open_stream(spec, None, clock, faults)
}

/// [`open_source`] for a known sensor stream (`None`: guessed from the format): frames of a
/// station's `ir` camera are infrared whatever FourCC the device sends.
pub fn open_stream(
    spec: &SourceSpec,
    stream: Option<StreamKind>,
    clock: Arc<dyn Clock>,
    faults: Option<FaultPlan>,
) -> Result<Box<dyn FrameSource>, SourceError> {
    let inner: Box<dyn FrameSource> = match locate(spec)? {
        Located::Synthetic(mode) => {
            let mode = StreamConfig {
                stream: stream.unwrap_or(mode.stream),
                ..mode
            };
            Box::new(SyntheticSource::new(
                SyntheticConfig::new(mode),
                Arc::clone(&clock),
            ))
        }
        Located::Replay(path) => Box::new(ReplaySource::new(
            &path,
            Arc::clone(&clock),
            Pacing::Recorded,
        )),
        Located::V4l { path, mode } => hardware::v4l(spec, path, mode, stream, Arc::clone(&clock))?,
        Located::Nokhwa { index, mode } => hardware::nokhwa(index, mode, Arc::clone(&clock))?,
    };
    Ok(match faults {
        Some(plan) => Box::new(FaultySource::new(inner, plan, clock)),
        None => inner,
    })
}

/// The hardware backends, or why this build has none.
mod hardware {
    use super::*;

    #[cfg(all(feature = "v4l", target_os = "linux"))]
    pub fn v4l(
        spec: &SourceSpec,
        path: PathBuf,
        mode: Option<StreamConfig>,
        stream: Option<StreamKind>,
        clock: Arc<dyn Clock>,
    ) -> Result<Box<dyn FrameSource>, SourceError> {
        use crate::camera::v4l::{V4lConfig, V4lSource};
        let mut config = V4lConfig::new(path);
        config.wanted = mode;
        config.stream = stream;
        Ok(match spec {
            SourceSpec::V4l {
                device: V4lDevice::Usb(id),
                ..
            } => Box::new(super::usb_source::UsbV4lSource::new(
                id.clone(),
                config,
                clock,
            )),
            _ => Box::new(V4lSource::new(config, clock)),
        })
    }

    #[cfg(not(all(feature = "v4l", target_os = "linux")))]
    pub fn v4l(
        spec: &SourceSpec,
        path: PathBuf,
        _mode: Option<StreamConfig>,
        _stream: Option<StreamKind>,
        _clock: Arc<dyn Clock>,
    ) -> Result<Box<dyn FrameSource>, SourceError> {
        Err(SourceError {
            selector: spec.to_string(),
            kind: SourceProblem::NotInBuild,
            detail: format!(
                "{} is there, but this facebench was built without the V4L2 backend \
                 (Linux: cargo build --features v4l)",
                path.display()
            ),
        })
    }

    #[cfg(feature = "nokhwa")]
    pub fn nokhwa(
        index: u32,
        mode: Option<StreamConfig>,
        clock: Arc<dyn Clock>,
    ) -> Result<Box<dyn FrameSource>, SourceError> {
        use crate::camera::nokhwa::{NokhwaConfig, NokhwaSource};
        Ok(Box::new(NokhwaSource::new(
            NokhwaConfig {
                index,
                wanted: mode,
            },
            clock,
        )))
    }

    /// Never reached: without the feature, [`locate`] cannot find a nokhwa camera.
    #[cfg(not(feature = "nokhwa"))]
    pub fn nokhwa(
        index: u32,
        _mode: Option<StreamConfig>,
        _clock: Arc<dyn Clock>,
    ) -> Result<Box<dyn FrameSource>, SourceError> {
        Err(SourceError {
            selector: format!("nokhwa:{index}"),
            kind: SourceProblem::NotInBuild,
            detail: "this facebench was built without the nokhwa backend \
                     (cargo build --features nokhwa)"
                .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;

    fn clock() -> Arc<dyn Clock> {
        Arc::new(SimClock::starting_at(chrono::Utc::now()))
    }

    #[test]
    fn synthetic_and_replay_always_build_and_hardware_is_flagged() {
        for text in ["synthetic", "replay:/nonexistent.fbrec"] {
            let spec: SourceSpec = text.parse().unwrap();
            assert!(open_source(&spec, clock(), None).is_ok());
            assert!(!is_hardware(&spec));
        }
        let synthetic = locate(&"synthetic".parse().unwrap()).unwrap();
        assert_eq!(synthetic, Located::Synthetic(DEFAULT_SYNTHETIC));
        let nokhwa: SourceSpec = "nokhwa:0".parse().unwrap();
        assert!(is_hardware(&nokhwa));
        #[cfg(feature = "nokhwa")]
        assert!(backend_limits(&nokhwa).contains("drops estimated from intervals > 1.5× nominal"));
        assert!(backend_limits(&"synthetic".parse().unwrap()).is_empty());
    }

    #[test]
    fn a_synthetic_stream_takes_the_stream_it_is_opened_for() {
        let spec: SourceSpec = "synthetic:64x48@30/YUYV".parse().unwrap();
        let mut source = open_stream(&spec, Some(StreamKind::Ir), clock(), None).unwrap();
        assert_eq!(source.open().unwrap().config.stream, StreamKind::Ir);
    }

    #[test]
    fn a_missing_node_is_not_found_naming_the_node_and_what_is_there() {
        let spec: SourceSpec = "v4l:/dev/video-facebench-none:640x480@30/YUYV"
            .parse()
            .unwrap();
        let error = open_source(&spec, clock(), None).err().unwrap();
        assert_eq!(error.kind, SourceProblem::NotFound);
        let text = error.to_string();
        assert!(
            text.starts_with("v4l:/dev/video-facebench-none:640x480@30/YUYV: not found: no device node /dev/video-facebench-none (V4L2 nodes present: "),
            "{text}"
        );
    }

    #[test]
    fn present_nodes_are_listed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(present_nodes(dir.path()), "none");
        for name in ["video2", "video0", "videoX", "tty0"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let listed = present_nodes(dir.path());
        let expected = format!(
            "{}, {}",
            dir.path().join("video0").display(),
            dir.path().join("video2").display()
        );
        assert_eq!(listed, expected);
    }
}
