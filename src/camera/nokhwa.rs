//! The nokhwa backend (cargo feature `nokhwa`): the portable path for Windows (Media Foundation)
//! and macOS (AVFoundation) benches; on Linux it goes through nokhwa's own V4L2 layer.
//!
//! Its limits, which every listing and stress summary states ([`LIMITS`]):
//! - no sequence numbers, so drops are *estimated* from intervals above 1.5× nominal;
//! - no device timestamp we can trust (nokhwa converts the driver's monotonic time to wall-clock
//!   time), so frames carry only the host arrival time;
//! - no `bytesused`: on Linux nokhwa copies the whole buffer, so MJPEG payloads are cut after
//!   their last end-of-image marker here;
//! - `frame()` blocks forever on a stalled camera, so the camera lives on its own capture thread
//!   and `next_frame` waits on a channel with the caller's timeout; a thread stuck in a stalled
//!   camera is left behind on `close` (reported in the log) rather than hanging the harness;
//! - no exposure controls through this backend (nokhwa 0.10 maps "Exposure" to
//!   `V4L2_CID_EXPOSURE`, not the UVC absolute exposure, and cannot switch auto/manual); use the
//!   `v4l` backend for exposure checks.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use nokhwa::utils::{
    CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
};
use nokhwa::{Camera, NokhwaError};

use crate::camera::{
    CameraError, Frame, FrameFlags, FrameRate, FrameSource, OpenInfo, PixelFormat,
    SourceCapabilities, StreamConfig, StreamKind,
};
use crate::clock::Clock;

/// The one-line statement of this backend's limits, printed by `camera list` and stress runs.
pub const LIMITS: &str =
    "nokhwa: no sequence numbers, drops estimated from intervals > 1.5× nominal";

/// Frames the capture thread may queue ahead of the consumer; when full, new frames are
/// discarded (they show as interval gaps, i.e. estimated drops).
const QUEUE_FRAMES: usize = 8;

/// How long `open` waits for the OS camera API before giving up on it.
const OPEN_WAIT: Duration = Duration::from_secs(10);

/// How long `close` waits for the capture thread before leaving it behind.
const CLOSE_WAIT: Duration = Duration::from_secs(3);

/// Every frame format nokhwa knows, for requests that do not name one.
const ALL_FORMATS: [FrameFormat; 6] = [
    FrameFormat::MJPEG,
    FrameFormat::YUYV,
    FrameFormat::NV12,
    FrameFormat::GRAY,
    FrameFormat::RAWRGB,
    FrameFormat::RAWBGR,
];

/// The pixel format of a nokhwa frame format.
pub fn pixel_format(format: FrameFormat) -> PixelFormat {
    match format {
        FrameFormat::MJPEG => PixelFormat::Mjpeg,
        FrameFormat::YUYV => PixelFormat::Yuyv,
        FrameFormat::NV12 => PixelFormat::Nv12,
        FrameFormat::GRAY => PixelFormat::Grey,
        FrameFormat::RAWRGB => PixelFormat::Rgb24,
        FrameFormat::RAWBGR => PixelFormat::Other(*b"BGR3"),
    }
}

/// The nokhwa frame format for a pixel format; `None` for formats nokhwa cannot open (Y16, Z16
/// and other IR/depth formats: use the `v4l` backend for those nodes).
pub fn frame_format(format: PixelFormat) -> Option<FrameFormat> {
    ALL_FORMATS.into_iter().find(|f| pixel_format(*f) == format)
}

/// The nokhwa format for a stream configuration (whole frames per second only: nokhwa 0.10
/// cannot express 30000/1001).
pub fn camera_format(config: &StreamConfig) -> Result<CameraFormat, CameraError> {
    let format = frame_format(config.format).ok_or_else(|| CameraError::NotSupported {
        what: format!(
            "nokhwa cannot capture {}; use the v4l backend",
            config.format
        ),
    })?;
    let fps = if config.rate.per_seconds == 1 {
        config.rate.frames
    } else {
        return Err(CameraError::NotSupported {
            what: format!("nokhwa cannot set the fractional rate {}", config.rate),
        });
    };
    Ok(CameraFormat::new(
        Resolution::new(config.width, config.height),
        format,
        fps,
    ))
}

/// The stream configuration of a nokhwa format.
pub fn stream_config(format: CameraFormat) -> StreamConfig {
    StreamConfig {
        format: pixel_format(format.format()),
        width: format.width(),
        height: format.height(),
        rate: FrameRate::fps(format.frame_rate()),
        stream: StreamKind::Rgb,
    }
}

/// An MJPEG payload cut after its last end-of-image marker (`FF D9`), dropping the padding
/// nokhwa copies from the rest of the buffer. Payloads without the marker are left whole, so
/// the analysis still sees them as corrupt.
pub fn trim_mjpeg(data: &[u8]) -> &[u8] {
    let end = data
        .windows(2)
        .rposition(|w| w == [0xFF, 0xD9])
        .map_or(data.len(), |at| at + 2);
    data.get(..end).unwrap_or(data)
}

/// Classifies a nokhwa error by its text (nokhwa flattens OS errors into strings).
pub fn classify(path: &str, error: NokhwaError) -> CameraError {
    let text = error.to_string();
    if text.contains("No such device") {
        CameraError::Disconnected { path: path.into() }
    } else if text.contains("busy") || text.contains("Busy") {
        CameraError::Busy { path: path.into() }
    } else if text.contains("No such file") {
        CameraError::NotFound { path: path.into() }
    } else {
        CameraError::Driver(Box::new(error))
    }
}

/// What to open.
#[derive(Debug, Clone, PartialEq)]
pub struct NokhwaConfig {
    /// Camera index as the OS enumerates it.
    pub index: u32,
    /// Format to ask for; `None` takes the first the camera offers.
    pub wanted: Option<StreamConfig>,
}

/// Commands to the capture thread.
#[derive(Debug)]
enum Command {
    Start,
    Stop,
    Configure(CameraFormat),
    Close,
}

/// Answers from the capture thread.
type Reply = Result<Option<CameraFormat>, CameraError>;

/// The capture thread and its channels.
#[derive(Debug)]
struct Worker {
    commands: Sender<Command>,
    replies: Receiver<Reply>,
    frames: Receiver<Result<Frame, CameraError>>,
    thread: JoinHandle<()>,
}

/// A nokhwa camera as a [`FrameSource`].
#[derive(Debug)]
pub struct NokhwaSource {
    config: NokhwaConfig,
    clock: Arc<dyn Clock>,
    worker: Option<Worker>,
    streaming: bool,
}

impl NokhwaSource {
    /// A source for `config`; `clock` stamps `ts_host` on every frame.
    pub fn new(config: NokhwaConfig, clock: Arc<dyn Clock>) -> NokhwaSource {
        NokhwaSource {
            config,
            clock,
            worker: None,
            streaming: false,
        }
    }

    fn label(&self) -> String {
        format!("nokhwa:{}", self.config.index)
    }

    fn call(
        &mut self,
        command: Command,
        name: &'static str,
    ) -> Result<Option<CameraFormat>, CameraError> {
        let label = self.label();
        let worker = self.worker.as_ref().ok_or(CameraError::State {
            call: name,
            state: "closed",
        })?;
        let gone = || CameraError::Disconnected {
            path: label.clone(),
        };
        // A reply that came after its call timed out (stalled camera) must not answer this one.
        while worker.replies.try_recv().is_ok() {}
        worker.commands.send(command).map_err(|_| gone())?;
        match worker.replies.recv_timeout(CLOSE_WAIT) {
            Ok(reply) => reply,
            Err(_) => Err(CameraError::Timeout { waited: CLOSE_WAIT }),
        }
    }
}

impl FrameSource for NokhwaSource {
    fn open(&mut self) -> Result<OpenInfo, CameraError> {
        if self.worker.is_some() {
            return Err(CameraError::State {
                call: "open",
                state: "open",
            });
        }
        let wanted = self.config.wanted.as_ref().map(camera_format).transpose()?;
        let (commands, command_rx) = mpsc::channel();
        let (reply_tx, replies) = mpsc::channel();
        let (frame_tx, frames) = mpsc::sync_channel(QUEUE_FRAMES);
        let (opened_tx, opened_rx) = mpsc::channel();
        let index = self.config.index;
        let label = self.label();
        let clock = Arc::clone(&self.clock);
        let thread = std::thread::Builder::new()
            .name(label.clone())
            .spawn(move || {
                capture_thread(
                    index, wanted, clock, command_rx, reply_tx, frame_tx, opened_tx,
                )
            })
            .map_err(|e| CameraError::Driver(Box::new(e)))?;
        let opened = match opened_rx.recv_timeout(OPEN_WAIT) {
            Ok(opened) => opened,
            Err(RecvTimeoutError::Timeout) => {
                // The thread is stuck inside the OS camera API; leave it rather than hang.
                tracing::warn!("{label}: open did not return within {OPEN_WAIT:?}");
                return Err(CameraError::Timeout { waited: OPEN_WAIT });
            }
            Err(RecvTimeoutError::Disconnected) => {
                Err(CameraError::Driver("nokhwa capture thread ended".into()))
            }
        };
        let (name, format) = match opened {
            Ok(found) => found,
            Err(e) => {
                let _ = thread.join();
                return Err(e);
            }
        };
        self.worker = Some(Worker {
            commands,
            replies,
            frames,
            thread,
        });
        Ok(OpenInfo {
            path: label,
            driver: "nokhwa".into(),
            card: name,
            config: stream_config(format),
        })
    }

    fn start(&mut self) -> Result<(), CameraError> {
        if let Some(worker) = &self.worker {
            while worker.frames.try_recv().is_ok() {} // stale frames of an earlier run
        }
        self.call(Command::Start, "start")?;
        self.streaming = true;
        Ok(())
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        let worker = self.worker.as_ref().ok_or(CameraError::State {
            call: "next_frame",
            state: "closed",
        })?;
        if !self.streaming {
            return Err(CameraError::State {
                call: "next_frame",
                state: "stopped",
            });
        }
        match worker.frames.recv_timeout(timeout) {
            Ok(frame) => frame,
            Err(RecvTimeoutError::Timeout) => Err(CameraError::Timeout { waited: timeout }),
            Err(RecvTimeoutError::Disconnected) => {
                Err(CameraError::Driver("nokhwa capture thread ended".into()))
            }
        }
    }

    fn stop(&mut self) -> Result<(), CameraError> {
        if !self.streaming {
            return Ok(());
        }
        self.streaming = false;
        self.call(Command::Stop, "stop").map(|_| ())
    }

    fn close(&mut self) {
        self.streaming = false;
        let Some(worker) = self.worker.take() else {
            return;
        };
        if worker.commands.send(Command::Close).is_ok()
            && worker.replies.recv_timeout(CLOSE_WAIT).is_err()
        {
            tracing::warn!(
                "{}: capture thread did not answer close within {CLOSE_WAIT:?} (camera stalled?); \
                 leaving it behind",
                self.label()
            );
            return;
        }
        if worker.thread.join().is_err() {
            tracing::warn!("{}: capture thread panicked", self.label());
        }
    }

    fn capabilities(&self) -> SourceCapabilities {
        SourceCapabilities {
            has_sequence: false,
            has_device_timestamps: false,
            has_error_flag: false,
            has_bytes_used: false,
            has_exposure_controls: false,
            can_configure: true,
        }
    }

    fn configure(&mut self, wanted: &StreamConfig) -> Result<StreamConfig, CameraError> {
        if self.streaming {
            return Err(CameraError::State {
                call: "configure",
                state: "streaming",
            });
        }
        let format = camera_format(wanted)?;
        let chosen = self.call(Command::Configure(format), "configure")?;
        Ok(stream_config(chosen.unwrap_or(format)))
    }
}

impl Drop for NokhwaSource {
    fn drop(&mut self) {
        self.close();
    }
}

/// Owns the camera (nokhwa's `Camera` is not `Send`): opens it, then serves commands and, while
/// streaming, pushes frames.
fn capture_thread(
    index: u32,
    wanted: Option<CameraFormat>,
    clock: Arc<dyn Clock>,
    commands: Receiver<Command>,
    replies: Sender<Reply>,
    frames: SyncSender<Result<Frame, CameraError>>,
    opened: Sender<Result<(String, CameraFormat), CameraError>>,
) {
    let label = format!("nokhwa:{index}");
    let wanted_formats: Vec<FrameFormat> = match wanted {
        Some(format) => vec![format.format()],
        None => ALL_FORMATS.to_vec(),
    };
    let request_type = wanted.map_or(RequestedFormatType::None, RequestedFormatType::Exact);
    let request = RequestedFormat::with_formats(request_type, &wanted_formats);
    let mut camera = match Camera::new(CameraIndex::Index(index), request) {
        Ok(camera) => camera,
        Err(e) => {
            let _ = opened.send(Err(classify(&label, e)));
            return;
        }
    };
    let format = camera.camera_format();
    if opened
        .send(Ok((camera.info().human_name(), format)))
        .is_err()
    {
        return;
    }
    let mut shape = stream_config(format);
    let mut streaming = false;
    loop {
        let command = if streaming {
            match commands.try_recv() {
                Ok(command) => Some(command),
                Err(mpsc::TryRecvError::Empty) => None,
                Err(mpsc::TryRecvError::Disconnected) => break,
            }
        } else {
            match commands.recv() {
                Ok(command) => Some(command),
                Err(_) => break,
            }
        };
        match command {
            Some(Command::Start) => {
                let result = camera.open_stream().map_err(|e| classify(&label, e));
                streaming = result.is_ok();
                let _ = replies.send(result.map(|()| None));
            }
            Some(Command::Stop) => {
                streaming = false;
                let result = camera.stop_stream().map_err(|e| classify(&label, e));
                let _ = replies.send(result.map(|()| None));
            }
            Some(Command::Configure(format)) => {
                let formats = [format.format()];
                let request =
                    RequestedFormat::with_formats(RequestedFormatType::Exact(format), &formats);
                let result = camera
                    .set_camera_requset(request)
                    .map_err(|e| classify(&label, e));
                if let Ok(chosen) = &result {
                    shape = stream_config(*chosen);
                }
                let _ = replies.send(result.map(Some));
            }
            Some(Command::Close) => {
                if streaming {
                    let _ = camera.stop_stream();
                }
                let _ = replies.send(Ok(None));
                break;
            }
            None => {
                let frame = camera
                    .frame()
                    .map(|buffer| to_frame(buffer.buffer(), &shape, clock.elapsed()))
                    .map_err(|e| classify(&label, e));
                match frames.try_send(frame) {
                    Ok(()) | Err(TrySendError::Full(_)) => {}
                    Err(TrySendError::Disconnected(_)) => break,
                }
            }
        }
    }
    // nokhwa's `Drop for Camera` unwraps `stop_stream()`: keep a failure there from taking the
    // thread down with a panic message in the middle of a stress run.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(camera)));
}

/// A frame from nokhwa's buffer: no sequence, no device time, payload trimmed for MJPEG.
fn to_frame(data: &[u8], shape: &StreamConfig, ts_host: Duration) -> Frame {
    let payload = if shape.format == PixelFormat::Mjpeg {
        trim_mjpeg(data)
    } else {
        data
    };
    Frame {
        seq: None,
        ts_device: None,
        ts_host,
        bytes_used: u32::try_from(payload.len()).unwrap_or(u32::MAX),
        flags: FrameFlags::default(),
        format: shape.format,
        width: shape.width,
        height: shape.height,
        stream: shape.stream,
        data: Arc::from(payload),
    }
}

/// One camera as nokhwa lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct NokhwaListing {
    /// Index to open it with (`nokhwa:<index>`).
    pub index: String,
    /// Human-readable name.
    pub name: String,
    /// Backend description.
    pub description: String,
    /// Formats it offers (empty when it could not be opened).
    pub formats: Vec<StreamConfig>,
    /// Why it could not be queried.
    pub error: Option<String>,
}

/// The cameras nokhwa finds, as (index, name), without opening them: what a `nokhwa:INDEX` or
/// `nokhwa:NAME` selector is matched against.
pub fn query_cameras() -> Result<Vec<(u32, String)>, CameraError> {
    let found =
        nokhwa::query(nokhwa::utils::ApiBackend::Auto).map_err(|e| classify("nokhwa", e))?;
    Ok(found
        .into_iter()
        .filter_map(|info| Some((info.index().as_index().ok()?, info.human_name())))
        .collect())
}

/// The cameras nokhwa finds, with their formats (each camera is opened briefly).
pub fn list_cameras() -> Result<Vec<NokhwaListing>, CameraError> {
    let found =
        nokhwa::query(nokhwa::utils::ApiBackend::Auto).map_err(|e| classify("nokhwa", e))?;
    Ok(found
        .into_iter()
        .map(|info| {
            let mut listing = NokhwaListing {
                index: info.index().as_string(),
                name: info.human_name(),
                description: info.description().to_string(),
                formats: Vec::new(),
                error: None,
            };
            let request = RequestedFormat::with_formats(RequestedFormatType::None, &ALL_FORMATS);
            match Camera::new(info.index().clone(), request)
                .and_then(|mut camera| camera.compatible_camera_formats())
            {
                Ok(formats) => listing.formats = formats.into_iter().map(stream_config).collect(),
                Err(e) => listing.error = Some(e.to_string()),
            }
            listing
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_map_both_ways_and_ir_depth_are_refused() {
        for format in ALL_FORMATS {
            assert_eq!(frame_format(pixel_format(format)), Some(format));
        }
        assert_eq!(frame_format(PixelFormat::Z16), None);
        assert_eq!(frame_format(PixelFormat::Y16), None);
        let depth = StreamConfig {
            format: PixelFormat::Z16,
            width: 640,
            height: 480,
            rate: FrameRate::fps(30),
            stream: StreamKind::Depth,
        };
        assert!(matches!(
            camera_format(&depth),
            Err(CameraError::NotSupported { .. })
        ));
        let ntsc = StreamConfig {
            format: PixelFormat::Mjpeg,
            rate: FrameRate {
                frames: 30_000,
                per_seconds: 1001,
            },
            ..depth
        };
        assert!(matches!(
            camera_format(&ntsc),
            Err(CameraError::NotSupported { .. })
        ));
        let ok = StreamConfig {
            format: PixelFormat::Mjpeg,
            rate: FrameRate::fps(30),
            stream: StreamKind::Rgb,
            ..depth
        };
        let format = camera_format(&ok).unwrap();
        assert_eq!(stream_config(format), ok);
    }

    #[test]
    fn mjpeg_padding_is_trimmed_and_broken_frames_kept_whole() {
        let padded = [0xFF, 0xD8, 1, 0xFF, 0xD9, 0, 0, 0];
        assert_eq!(trim_mjpeg(&padded), &padded[..5]);
        let no_eoi = [0xFF, 0xD8, 1, 2, 3];
        assert_eq!(trim_mjpeg(&no_eoi), &no_eoi[..]);
        assert_eq!(trim_mjpeg(&[]), &[] as &[u8]);
        assert_eq!(trim_mjpeg(&[0xFF]), &[0xFF]);
        // Any byte soup: never panics, never grows.
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for len in 0..200 {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed >> 24) as u8 | 0xF0
                })
                .collect();
            assert!(trim_mjpeg(&data).len() <= data.len());
        }
    }

    #[test]
    fn frames_carry_no_sequence_and_host_time_only() {
        let shape = StreamConfig {
            format: PixelFormat::Mjpeg,
            width: 4,
            height: 2,
            rate: FrameRate::fps(30),
            stream: StreamKind::Rgb,
        };
        let frame = to_frame(
            &[0xFF, 0xD8, 0xFF, 0xD9, 0, 0],
            &shape,
            Duration::from_millis(33),
        );
        assert_eq!(frame.seq, None);
        assert_eq!(frame.ts_device, None);
        assert_eq!(frame.ts_host, Duration::from_millis(33));
        assert_eq!(frame.payload(), &[0xFF, 0xD8, 0xFF, 0xD9]);
    }

    #[test]
    fn errors_are_classified_from_their_text() {
        let gone = classify(
            "nokhwa:0",
            NokhwaError::ReadFrameError("No such device (os error 19)".into()),
        );
        assert!(gone.is_gone());
        let busy = classify(
            "nokhwa:0",
            NokhwaError::OpenDeviceError("0".into(), "Device or resource busy".into()),
        );
        assert!(matches!(busy, CameraError::Busy { .. }));
        let other = classify("nokhwa:0", NokhwaError::GeneralError("odd".into()));
        assert!(matches!(other, CameraError::Driver(_)));
    }

    #[test]
    fn unopened_source_refuses_calls_and_states_its_limits() {
        let mut source = NokhwaSource::new(
            NokhwaConfig {
                index: 0,
                wanted: None,
            },
            Arc::new(crate::clock::SystemClock::new()),
        );
        assert!(!source.capabilities().has_sequence);
        assert!(matches!(source.start(), Err(CameraError::State { .. })));
        assert!(matches!(
            source.next_frame(Duration::from_millis(1)),
            Err(CameraError::State { .. })
        ));
        source.close();
        assert!(
            LIMITS.contains("no sequence numbers, drops estimated from intervals > 1.5× nominal")
        );
    }
}
