//! The V4L2 backend (cargo feature `v4l`, Linux): a [`FrameSource`] on a `/dev/video*` node.
//!
//! What it gives the analysis that portable backends cannot: the driver's sequence number (so a
//! drop is an exact gap), the buffer's `CLOCK_MONOTONIC` timestamp, `bytesused`, the
//! `V4L2_BUF_FLAG_ERROR` flag, any FourCC (IR and depth nodes in `GREY`, `Y16 `, `Z16 `), exposure
//! controls by id, and a dequeue that never hangs: every `VIDIOC_DQBUF` is preceded by a `poll`
//! with the caller's timeout, so a stalled camera gives [`CameraError::Timeout`].
//!
//! - `ioctl`: the V4L2 calls as safe functions (on the `v4l` crate's kernel bindings).
//! - [`map`]: pure conversions (FourCC, rates, timestamps, frames, paths, errors), tested without
//!   a device.
//! - `controls`: [`ExposureControls`] by control id.
//! - [`list`]: devices, formats, sizes, rates and controls for `facebench camera list`.
//!
//! Buffers are memory-mapped; each frame is copied out (cut to `bytesused`) and its buffer queued
//! again at once, so slow analysis never starves the driver. Nothing here panics on driver data
//! or on errors while releasing a device that was unplugged.

mod controls;
// The only module with `unsafe` code: the V4L2 ioctls and the buffer mappings (see its docs).
#[allow(unsafe_code)]
mod ioctl;
pub mod list;
pub mod map;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::camera::{
    CameraError, ExposureControls, Frame, FrameRate, FrameSource, OpenInfo, SourceCapabilities,
    StreamConfig, StreamKind,
};
use crate::clock::Clock;

use controls::OpenNode;
use ioctl::{Mapping, Node, Ready};
use map::{camera_error, frame_from_buffer, BufferMeta, Fraction, FrameShape};

pub use list::{list_devices, ControlListing, DeviceListing, FormatListing, SizeListing};

/// Buffers requested by default (yavta's default; more than nokhwa's 4, so a slow consumer
/// has slack before the driver drops).
pub const DEFAULT_BUFFERS: u32 = 8;

/// What to open and how.
#[derive(Debug, Clone, PartialEq)]
pub struct V4lConfig {
    /// Device path: `/dev/videoN`, or better a `/dev/v4l/by-id/…` link that survives re-plugs.
    pub path: PathBuf,
    /// Format, size and rate to set on open; `None` keeps what the device has.
    pub wanted: Option<StreamConfig>,
    /// The sensor stream this node carries; `None` guesses from the format (Z16 depth,
    /// GREY/Y16 infrared, else colour).
    pub stream: Option<StreamKind>,
    /// Memory-mapped buffers to request.
    pub buffers: u32,
}

impl V4lConfig {
    /// Opens `path` as it is, with [`DEFAULT_BUFFERS`].
    pub fn new(path: impl Into<PathBuf>) -> V4lConfig {
        V4lConfig {
            path: path.into(),
            wanted: None,
            stream: None,
            buffers: DEFAULT_BUFFERS,
        }
    }
}

/// A V4L2 capture node as a [`FrameSource`].
#[derive(Debug)]
pub struct V4lSource {
    config: V4lConfig,
    clock: Arc<dyn Clock>,
    open: Option<OpenNode>,
    shape: Option<FrameShape>,
    streaming: Option<Streaming>,
}

/// The mapped buffers while streaming, and buffers dequeued but not yet queued again.
#[derive(Debug)]
struct Streaming {
    buffers: Vec<Mapping>,
    pending: Vec<u32>,
}

impl V4lSource {
    /// A source for `config`; `clock` stamps `ts_host` on every frame.
    pub fn new(config: V4lConfig, clock: Arc<dyn Clock>) -> V4lSource {
        V4lSource {
            config,
            clock,
            open: None,
            shape: None,
            streaming: None,
        }
    }

    /// The configured path (as given, before resolving links).
    pub fn path(&self) -> &Path {
        &self.config.path
    }

    /// What this source opens and how.
    pub fn config(&self) -> &V4lConfig {
        &self.config
    }

    fn opened(&self, call: &'static str) -> Result<&OpenNode, CameraError> {
        self.open.as_ref().ok_or(CameraError::State {
            call,
            state: "closed",
        })
    }

    /// Sets format, size and rate on `node`; refuses a FourCC the driver replaced.
    fn apply(&self, open: &OpenNode, wanted: &StreamConfig) -> Result<StreamConfig, CameraError> {
        let err = |call: &str, e| camera_error(&open.path, call, Duration::ZERO, e);
        let code = map::fourcc_code(wanted.format);
        let pix = open
            .node
            .set_format(code, wanted.width, wanted.height)
            .map_err(|e| err("VIDIOC_S_FMT", e))?;
        if pix.fourcc != code {
            return Err(CameraError::Format {
                detail: format!(
                    "{}: asked for {} {}x{}, the driver chose {} {}x{}",
                    open.path,
                    wanted.format,
                    wanted.width,
                    wanted.height,
                    map::pixel_format(pix.fourcc),
                    pix.width,
                    pix.height
                ),
            });
        }
        let rate = match open
            .node
            .time_per_frame()
            .map_err(|e| err("VIDIOC_G_PARM", e))?
        {
            Some(_) => open
                .node
                .set_time_per_frame(Fraction::time_per_frame(wanted.rate))
                .map_err(|e| err("VIDIOC_S_PARM", e))?
                .frame_rate()
                .unwrap_or(wanted.rate),
            None => wanted.rate,
        };
        Ok(StreamConfig {
            format: map::pixel_format(pix.fourcc),
            width: pix.width,
            height: pix.height,
            rate,
            stream: self.config.stream.unwrap_or(wanted.stream),
        })
    }

    /// Reads the node's current format and rate.
    fn current(&self, open: &OpenNode) -> Result<StreamConfig, CameraError> {
        let err = |call: &str, e| camera_error(&open.path, call, Duration::ZERO, e);
        let pix = open.node.format().map_err(|e| err("VIDIOC_G_FMT", e))?;
        let format = map::pixel_format(pix.fourcc);
        let rate = open
            .node
            .time_per_frame()
            .map_err(|e| err("VIDIOC_G_PARM", e))?
            .and_then(Fraction::frame_rate)
            .unwrap_or(FrameRate::fps(0));
        Ok(StreamConfig {
            format,
            width: pix.width,
            height: pix.height,
            rate,
            stream: self
                .config
                .stream
                .unwrap_or_else(|| map::stream_kind_of(format)),
        })
    }

    fn set_shape(&mut self, config: &StreamConfig) {
        self.shape = Some(FrameShape {
            format: config.format,
            width: config.width,
            height: config.height,
            stream: config.stream,
        });
    }

    /// Requests, maps and queues the buffers; on failure releases what was set up.
    fn map_buffers(open: &OpenNode, count: u32) -> Result<Vec<Mapping>, CameraError> {
        let err = |call: &str, e| camera_error(&open.path, call, Duration::ZERO, e);
        let granted = open
            .node
            .request_buffers(count.max(1))
            .map_err(|e| err("VIDIOC_REQBUFS", e))?;
        let mapped = (0..granted)
            .map(|index| {
                let (offset, length) = open
                    .node
                    .query_buffer(index)
                    .map_err(|e| err("VIDIOC_QUERYBUF", e))?;
                let mapping = open
                    .node
                    .map(index, offset, length)
                    .map_err(|e| err("mmap", e))?;
                open.node.queue(index).map_err(|e| err("VIDIOC_QBUF", e))?;
                Ok(mapping)
            })
            .collect::<Result<Vec<_>, CameraError>>();
        match mapped {
            Ok(buffers) if !buffers.is_empty() => Ok(buffers),
            Ok(_) => Err(CameraError::Format {
                detail: format!("{}: the driver granted no buffers", open.path),
            }),
            Err(e) => {
                release_buffers(open);
                Err(e)
            }
        }
    }

    /// Dequeues one ready buffer into a frame and queues it again.
    fn take_frame(
        open: &OpenNode,
        streaming: &mut Streaming,
        shape: FrameShape,
        clock: &dyn Clock,
        waited: Duration,
    ) -> Result<Frame, CameraError> {
        let d = open
            .node
            .dequeue()
            .map_err(|e| camera_error(&open.path, "VIDIOC_DQBUF", waited, e))?;
        let ts_host = clock.elapsed();
        let Some(mapping) = streaming.buffers.get(d.index as usize) else {
            return Err(CameraError::Format {
                detail: format!(
                    "{}: the driver returned buffer {} of {}",
                    open.path,
                    d.index,
                    streaming.buffers.len()
                ),
            });
        };
        let meta = BufferMeta {
            sequence: d.sequence,
            bytes_used: d.bytes_used,
            flags: d.flags,
            ts_sec: d.ts_sec,
            ts_usec: d.ts_usec,
        };
        let frame =
            mapping.read_dequeued(&d, |bytes| frame_from_buffer(meta, bytes, shape, ts_host));
        if open.node.queue(d.index).is_err() {
            // Retried (and reported) at the next call; this frame is good.
            streaming.pending.push(d.index);
        }
        frame.ok_or_else(|| CameraError::Format {
            detail: format!("{}: buffer {} is mapped out of order", open.path, d.index),
        })
    }
}

/// STREAMOFF is done; frees the driver's buffers (our mappings must be gone first).
fn release_buffers(open: &OpenNode) {
    if let Err(e) = open.node.request_buffers(0) {
        tracing::debug!("{}: VIDIOC_REQBUFS(0): {e}", open.path);
    }
}

impl FrameSource for V4lSource {
    fn open(&mut self) -> Result<OpenInfo, CameraError> {
        if self.open.is_some() {
            return Err(CameraError::State {
                call: "open",
                state: "open",
            });
        }
        let given = self.config.path.display().to_string();
        let resolved = map::resolve_node(&self.config.path)
            .map_err(|e| camera_error(&given, "resolve", Duration::ZERO, e))?;
        let path = resolved.display().to_string();
        let node =
            Node::open(&resolved).map_err(|e| camera_error(&path, "open", Duration::ZERO, e))?;
        let open = OpenNode { node, path };
        let caps = open
            .node
            .query_caps()
            .map_err(|e| camera_error(&open.path, "VIDIOC_QUERYCAP", Duration::ZERO, e))?;
        if !caps.is_video_capture() {
            return Err(CameraError::NotSupported {
                what: format!(
                    "{} ({} {}) is not a streaming video-capture node (caps {:#010x}); \
                     uvcvideo metadata nodes sit beside the video node",
                    open.path, caps.driver, caps.card, caps.caps
                ),
            });
        }
        let config = match self.config.wanted {
            Some(wanted) => self.apply(&open, &wanted)?,
            None => self.current(&open)?,
        };
        self.set_shape(&config);
        let info = OpenInfo {
            path: open.path.clone(),
            driver: caps.driver,
            card: caps.card,
            config,
        };
        self.open = Some(open);
        Ok(info)
    }

    fn start(&mut self) -> Result<(), CameraError> {
        if self.streaming.is_some() {
            return Err(CameraError::State {
                call: "start",
                state: "streaming",
            });
        }
        let open = self.opened("start")?;
        let buffers = Self::map_buffers(open, self.config.buffers)?;
        if let Err(e) = open.node.stream(true) {
            drop(buffers);
            release_buffers(open);
            return Err(camera_error(
                &open.path,
                "VIDIOC_STREAMON",
                Duration::ZERO,
                e,
            ));
        }
        self.streaming = Some(Streaming {
            buffers,
            pending: Vec::new(),
        });
        Ok(())
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        let open = self.open.as_ref().ok_or(CameraError::State {
            call: "next_frame",
            state: "closed",
        })?;
        let (Some(streaming), Some(shape)) = (self.streaming.as_mut(), self.shape) else {
            return Err(CameraError::State {
                call: "next_frame",
                state: "stopped",
            });
        };
        while let Some(index) = streaming.pending.pop() {
            if let Err(e) = open.node.queue(index) {
                streaming.pending.push(index);
                return Err(camera_error(&open.path, "VIDIOC_QBUF", Duration::ZERO, e));
            }
        }
        let started = Instant::now();
        loop {
            let left = timeout.saturating_sub(started.elapsed());
            let ready = open
                .node
                .wait_readable(left)
                .map_err(|e| camera_error(&open.path, "poll", timeout, e))?;
            match ready {
                Ready::TimedOut => return Err(CameraError::Timeout { waited: timeout }),
                Ready::Readable { error } => {
                    match Self::take_frame(open, streaming, shape, self.clock.as_ref(), timeout) {
                        Err(CameraError::Io { source, .. })
                            if source.kind() == std::io::ErrorKind::WouldBlock && !error =>
                        {
                            continue; // woken without a buffer: wait for the rest of the time
                        }
                        Err(CameraError::Io { source, .. })
                            if source.kind() == std::io::ErrorKind::WouldBlock =>
                        {
                            return Err(CameraError::Io {
                                path: format!("{} poll", open.path),
                                source: std::io::Error::other(
                                    "poll reported an error condition with no buffer to dequeue",
                                ),
                            });
                        }
                        other => return other,
                    }
                }
            }
        }
    }

    fn stop(&mut self) -> Result<(), CameraError> {
        let Some(streaming) = self.streaming.take() else {
            return Ok(());
        };
        let open = self.opened("stop")?;
        let result = open
            .node
            .stream(false)
            .map_err(|e| camera_error(&open.path, "VIDIOC_STREAMOFF", Duration::ZERO, e));
        drop(streaming);
        release_buffers(open);
        result
    }

    fn close(&mut self) {
        if let Err(e) = self.stop() {
            tracing::warn!("{}: stopping before close: {e}", self.config.path.display());
        }
        self.open = None;
        self.shape = None;
    }

    fn controls(&mut self) -> Option<&mut dyn ExposureControls> {
        self.open
            .as_mut()
            .map(|open| open as &mut dyn ExposureControls)
    }

    fn capabilities(&self) -> SourceCapabilities {
        SourceCapabilities {
            has_sequence: true,
            has_device_timestamps: true,
            has_error_flag: true,
            has_bytes_used: true,
            has_exposure_controls: true,
            can_configure: true,
        }
    }

    fn configure(&mut self, wanted: &StreamConfig) -> Result<StreamConfig, CameraError> {
        if self.streaming.is_some() {
            return Err(CameraError::State {
                call: "configure",
                state: "streaming",
            });
        }
        let open = self.opened("configure")?;
        let config = self.apply(open, wanted)?;
        self.set_shape(&config);
        Ok(config)
    }
}

impl Drop for V4lSource {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    fn source(path: &str) -> V4lSource {
        V4lSource::new(V4lConfig::new(path), Arc::new(SystemClock::new()))
    }

    #[test]
    fn calls_out_of_order_are_state_errors() {
        let mut s = source("/dev/null");
        assert!(matches!(
            s.start(),
            Err(CameraError::State {
                state: "closed",
                ..
            })
        ));
        assert!(matches!(
            s.next_frame(Duration::from_millis(1)),
            Err(CameraError::State {
                state: "closed",
                ..
            })
        ));
        assert!(s.stop().is_ok());
        assert!(s.controls().is_none());
        s.close();
        s.close();
    }

    #[test]
    fn missing_device_is_not_found() {
        let mut s = source("/dev/v4l/by-id/usb-nobody-video-index0");
        let err = s.open().unwrap_err();
        assert!(matches!(err, CameraError::NotFound { .. }), "{err}");
        assert!(err.is_gone());
    }

    #[test]
    fn a_non_v4l2_node_is_refused_cleanly() {
        let mut s = source("/dev/null");
        let err = s.open().unwrap_err();
        // ENOTTY from VIDIOC_QUERYCAP: an I/O error naming the node and the call.
        assert!(
            err.to_string().contains("/dev/null VIDIOC_QUERYCAP"),
            "{err}"
        );
        assert!(s.controls().is_none());
    }

    #[test]
    fn capabilities_promise_exact_drops() {
        let caps = source("/dev/video0").capabilities();
        assert!(caps.has_sequence && caps.has_device_timestamps && caps.has_error_flag);
        assert!(caps.has_bytes_used && caps.has_exposure_controls && caps.can_configure);
    }
}
