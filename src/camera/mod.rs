//! The face camera: frame sources with per-frame metadata, frame analysis and stress loops.
//!
//! - [`frame`]: [`Frame`] and its vocabulary (pixel format, stream kind, flags, stream config).
//! - [`source`]: the [`FrameSource`] trait all backends implement, and [`ExposureControls`].
//! - [`error`]: [`CameraError`] and its classification from errno.
//! - Backends: `v4l` (V4L2, Linux, feature `v4l`), `nokhwa` (feature `nokhwa`), [`synthetic`]
//!   (deterministic, on the clock), [`replay`] (recordings), and the fault-injecting decorator
//!   [`faults`].
//! - [`analysis`]: per-frame accounting, fps and jitter, luma, MJPEG integrity, frozen frames,
//!   per-second series — O(1) memory per frame.
//! - [`stress`]: open/close cycles, soak with reconnection, format switching, two streams.
//! - [`select`]: the camera selector syntax (`v4l:…`, `nokhwa:…`, `synthetic`, `replay:…`) used
//!   by station files and the command line; [`open`]: from a selector to a source.

pub mod analysis;
pub mod error;
pub mod faults;
pub mod frame;
#[cfg(feature = "nokhwa")]
pub mod nokhwa;
pub mod open;
pub mod replay;
pub mod select;
pub mod source;
pub mod stress;
pub mod synthetic;
#[cfg(all(feature = "v4l", target_os = "linux"))]
pub mod v4l;

pub use error::CameraError;
pub use frame::{Frame, FrameFlags, FrameRate, PixelFormat, StreamConfig, StreamKind};
pub use source::{ExposureControls, ExposureMode, FrameSource, OpenInfo, SourceCapabilities};
