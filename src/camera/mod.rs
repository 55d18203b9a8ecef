//! The face camera: frame sources with per-frame metadata, frame analysis and stress loops.
//!
//! - [`frame`]: [`Frame`] and its vocabulary (pixel format, stream kind, flags, stream config).
//! - [`source`]: the [`FrameSource`] trait all backends implement, and [`ExposureControls`].
//! - [`error`]: [`CameraError`] and its classification from errno.

pub mod analysis;
pub mod error;
pub mod faults;
pub mod frame;
pub mod replay;
pub mod source;
pub mod stress;
pub mod synthetic;
#[cfg(feature = "nokhwa")]
pub mod nokhwa;
#[cfg(all(feature = "v4l", target_os = "linux"))]
pub mod v4l;

pub use error::CameraError;
pub use frame::{Frame, FrameFlags, FrameRate, PixelFormat, StreamConfig, StreamKind};
pub use source::{ExposureControls, ExposureMode, FrameSource, OpenInfo, SourceCapabilities};
