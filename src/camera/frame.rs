//! One captured frame and the vocabulary that describes it: pixel format, stream kind, flags and
//! the stream configuration (format, size, nominal rate).
//!
//! A [`Frame`] always carries the per-frame metadata a backend can give (sequence number, device
//! timestamp, bytes used, error flag). The payload is optional: replay files and metadata-only
//! synthetic runs keep pixels only for sampled frames, so `data` may be empty while `bytes_used`
//! still holds the device's figure.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A pixel format, named by its V4L2 FourCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// Packed 4:2:2, `Y0 U Y1 V` (FourCC `YUYV`); luma is every even byte.
    Yuyv,
    /// Motion JPEG (FourCC `MJPG`); one JPEG image per frame.
    Mjpeg,
    /// 8-bit greyscale (FourCC `GREY`), typical for IR nodes.
    Grey,
    /// 16-bit little-endian greyscale (FourCC `Y16 `).
    Y16,
    /// 16-bit little-endian depth in device units (FourCC `Z16 `); 0 means "no depth".
    Z16,
    /// 4:2:0 with a full luma plane followed by interleaved chroma (FourCC `NV12`).
    Nv12,
    /// Packed 8-bit RGB (FourCC `RGB3`).
    Rgb24,
    /// Any other FourCC, kept as the four bytes the driver reported.
    Other([u8; 4]),
}

impl PixelFormat {
    /// The V4L2 FourCC bytes.
    pub fn fourcc(self) -> [u8; 4] {
        match self {
            PixelFormat::Yuyv => *b"YUYV",
            PixelFormat::Mjpeg => *b"MJPG",
            PixelFormat::Grey => *b"GREY",
            PixelFormat::Y16 => *b"Y16 ",
            PixelFormat::Z16 => *b"Z16 ",
            PixelFormat::Nv12 => *b"NV12",
            PixelFormat::Rgb24 => *b"RGB3",
            PixelFormat::Other(code) => code,
        }
    }

    /// The format for a FourCC; unknown codes become [`PixelFormat::Other`].
    pub fn from_fourcc(code: [u8; 4]) -> PixelFormat {
        match &code {
            b"YUYV" => PixelFormat::Yuyv,
            b"MJPG" => PixelFormat::Mjpeg,
            b"GREY" => PixelFormat::Grey,
            b"Y16 " => PixelFormat::Y16,
            b"Z16 " => PixelFormat::Z16,
            b"NV12" => PixelFormat::Nv12,
            b"RGB3" => PixelFormat::Rgb24,
            _ => PixelFormat::Other(code),
        }
    }

    /// The exact payload size of one `width`×`height` frame for uncompressed formats;
    /// `None` for compressed or unknown formats (and on arithmetic overflow).
    pub fn frame_size(self, width: u32, height: u32) -> Option<usize> {
        let pixels = (width as usize).checked_mul(height as usize)?;
        match self {
            PixelFormat::Yuyv | PixelFormat::Y16 | PixelFormat::Z16 => pixels.checked_mul(2),
            PixelFormat::Grey => Some(pixels),
            PixelFormat::Nv12 => pixels.checked_add(pixels / 2),
            PixelFormat::Rgb24 => pixels.checked_mul(3),
            PixelFormat::Mjpeg | PixelFormat::Other(_) => None,
        }
    }

    /// Where the 8-bit luma of a `width`×`height` frame sits in the payload, for formats whose
    /// luma can be read without decoding (YUYV, GREY, NV12, and Y16 through its high byte).
    pub fn luma_layout(self, width: u32, height: u32) -> Option<LumaLayout> {
        let pixels = (width as usize).checked_mul(height as usize)?;
        let (offset, step) = match self {
            PixelFormat::Yuyv => (0, 2),
            PixelFormat::Grey | PixelFormat::Nv12 => (0, 1),
            PixelFormat::Y16 => (1, 2),
            _ => return None,
        };
        Some(LumaLayout {
            offset,
            step,
            count: pixels,
            width: width as usize,
        })
    }
}

impl fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.fourcc() {
            let c = if byte.is_ascii_graphic() || byte == b' ' {
                byte as char
            } else {
                '?'
            };
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// Where luma samples lie in a raw payload: sample `i` is byte `offset + i * step`,
/// for `count` samples in rows of `width`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LumaLayout {
    /// Byte offset of the first luma sample.
    pub offset: usize,
    /// Bytes between consecutive luma samples.
    pub step: usize,
    /// Number of luma samples (width × height).
    pub count: usize,
    /// Samples per row.
    pub width: usize,
}

/// Which sensor stream a frame comes from (a 3D module has all three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StreamKind {
    /// The colour stream.
    #[default]
    Rgb,
    /// The infrared stream.
    Ir,
    /// The depth stream.
    Depth,
}

impl StreamKind {
    /// A short lowercase name (`rgb`, `ir`, `depth`) for logs and file names.
    pub fn name(self) -> &'static str {
        match self {
            StreamKind::Rgb => "rgb",
            StreamKind::Ir => "ir",
            StreamKind::Depth => "depth",
        }
    }

    /// The stream for a one-byte code as stored in replay files (0 rgb, 1 ir, 2 depth).
    pub fn from_code(code: u8) -> Option<StreamKind> {
        match code {
            0 => Some(StreamKind::Rgb),
            1 => Some(StreamKind::Ir),
            2 => Some(StreamKind::Depth),
            _ => None,
        }
    }

    /// The one-byte code stored in replay files.
    pub fn code(self) -> u8 {
        match self {
            StreamKind::Rgb => 0,
            StreamKind::Ir => 1,
            StreamKind::Depth => 2,
        }
    }
}

/// Per-frame flags, mapped to and from the V4L2 `v4l2_buffer.flags` bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameFlags {
    /// The driver marked the buffer as corrupted (`V4L2_BUF_FLAG_ERROR`).
    pub error: bool,
    /// The device timestamp is CLOCK_MONOTONIC (`V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC`).
    pub ts_monotonic: bool,
    /// The timestamp marks the start of exposure rather than end of frame
    /// (`V4L2_BUF_FLAG_TSTAMP_SRC_SOE`).
    pub ts_start_of_exposure: bool,
}

impl FrameFlags {
    /// `V4L2_BUF_FLAG_ERROR`.
    pub const V4L2_ERROR: u32 = 0x0000_0040;
    /// `V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC`.
    pub const V4L2_TIMESTAMP_MONOTONIC: u32 = 0x0000_2000;
    /// `V4L2_BUF_FLAG_TSTAMP_SRC_SOE`.
    pub const V4L2_TSTAMP_SRC_SOE: u32 = 0x0001_0000;

    /// Flags from V4L2 buffer flag bits; other bits are ignored.
    pub fn from_v4l2(bits: u32) -> FrameFlags {
        FrameFlags {
            error: bits & Self::V4L2_ERROR != 0,
            ts_monotonic: bits & Self::V4L2_TIMESTAMP_MONOTONIC != 0,
            ts_start_of_exposure: bits & Self::V4L2_TSTAMP_SRC_SOE != 0,
        }
    }

    /// The V4L2 bits for these flags.
    pub fn to_v4l2(self) -> u32 {
        let mut bits = 0;
        if self.error {
            bits |= Self::V4L2_ERROR;
        }
        if self.ts_monotonic {
            bits |= Self::V4L2_TIMESTAMP_MONOTONIC;
        }
        if self.ts_start_of_exposure {
            bits |= Self::V4L2_TSTAMP_SRC_SOE;
        }
        bits
    }
}

/// A nominal frame rate as a fraction, so NTSC rates (30000/1001) stay exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRate {
    /// Frames …
    pub frames: u32,
    /// … per this many seconds.
    pub per_seconds: u32,
}

impl FrameRate {
    /// A whole number of frames per second.
    pub fn fps(frames: u32) -> FrameRate {
        FrameRate {
            frames,
            per_seconds: 1,
        }
    }

    /// The rate in frames per second (0 for a degenerate 0/0 rate).
    pub fn as_f64(self) -> f64 {
        if self.per_seconds == 0 {
            0.0
        } else {
            f64::from(self.frames) / f64::from(self.per_seconds)
        }
    }

    /// The nominal interval between frames; `None` for a zero rate.
    pub fn interval(self) -> Option<Duration> {
        if self.frames == 0 {
            return None;
        }
        let nanos = u64::from(self.per_seconds) * 1_000_000_000 / u64::from(self.frames);
        Some(Duration::from_nanos(nanos))
    }
}

impl fmt::Display for FrameRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.per_seconds == 1 {
            write!(f, "{} fps", self.frames)
        } else {
            write!(f, "{:.3} fps", self.as_f64())
        }
    }
}

/// What a stream delivers: pixel format, size, nominal rate and which sensor stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamConfig {
    /// Pixel format.
    pub format: PixelFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Nominal frame rate.
    pub rate: FrameRate,
    /// Which sensor stream.
    pub stream: StreamKind,
}

impl fmt::Display for StreamConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}x{} @ {}",
            self.stream.name(),
            self.format,
            self.width,
            self.height,
            self.rate
        )
    }
}

/// One captured frame with its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The driver's sequence number (`v4l2_buffer.sequence`); `None` where the backend has none.
    pub seq: Option<u32>,
    /// The device's monotonic timestamp; `None` where the backend has none.
    pub ts_device: Option<Duration>,
    /// When the harness received the frame, on its [`Clock`](crate::clock::Clock).
    pub ts_host: Duration,
    /// Bytes the device filled (`v4l2_buffer.bytesused`), even when `data` was not kept.
    pub bytes_used: u32,
    /// Per-frame flags.
    pub flags: FrameFlags,
    /// Pixel format of the payload.
    pub format: PixelFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Which sensor stream.
    pub stream: StreamKind,
    /// The payload (at most `bytes_used` bytes), shared so clones are cheap; empty when the
    /// source kept metadata only for this frame.
    pub data: Arc<[u8]>,
}

impl Frame {
    /// The payload bytes: `data` cut to `bytes_used`.
    pub fn payload(&self) -> &[u8] {
        let len = (self.bytes_used as usize).min(self.data.len());
        self.data.get(..len).unwrap_or(&[])
    }

    /// Whether the frame carries its pixels (not only metadata).
    pub fn has_payload(&self) -> bool {
        !self.data.is_empty()
    }
}
