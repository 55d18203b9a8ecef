//! Pure conversions between V4L2 values and the camera vocabulary: FourCC, frame rates, buffer
//! timestamps, the frame built from a dequeued buffer, device paths, errors and control types.
//! Nothing here touches a device, so all of it is tested without one.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::camera::{CameraError, Frame, FrameFlags, FrameRate, PixelFormat, StreamKind};

/// A V4L2 fraction (`v4l2_fract`), used for the time per frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    /// Numerator.
    pub numerator: u32,
    /// Denominator.
    pub denominator: u32,
}

impl Fraction {
    /// The time per frame of a frame rate: `timeperframe n/d` is `d/n` frames per second.
    pub fn time_per_frame(rate: FrameRate) -> Fraction {
        Fraction {
            numerator: rate.per_seconds,
            denominator: rate.frames,
        }
    }

    /// The frame rate of a time per frame; `None` for a zero numerator or denominator.
    pub fn frame_rate(self) -> Option<FrameRate> {
        if self.numerator == 0 || self.denominator == 0 {
            return None;
        }
        Some(FrameRate {
            frames: self.denominator,
            per_seconds: self.numerator,
        })
    }
}

/// The kernel's little-endian `u32` FourCC of a pixel format.
pub fn fourcc_code(format: PixelFormat) -> u32 {
    u32::from_le_bytes(format.fourcc())
}

/// The pixel format of a kernel FourCC.
pub fn pixel_format(code: u32) -> PixelFormat {
    PixelFormat::from_fourcc(code.to_le_bytes())
}

/// The sensor stream a node most likely carries, from its format: `Z16` is depth, `GREY` and
/// `Y16` are infrared, everything else colour. A station file can override it.
pub fn stream_kind_of(format: PixelFormat) -> StreamKind {
    match format {
        PixelFormat::Z16 => StreamKind::Depth,
        PixelFormat::Grey | PixelFormat::Y16 => StreamKind::Ir,
        _ => StreamKind::Rgb,
    }
}

/// A buffer timestamp (`struct timeval`) as time since the clock's origin; `None` when the
/// driver left it zero or it is negative (no usable device time). Microseconds beyond one
/// second carry into the seconds.
pub fn buffer_timestamp(sec: i64, usec: i64) -> Option<Duration> {
    if sec < 0 || usec < 0 || (sec == 0 && usec == 0) {
        return None;
    }
    let micros = u64::try_from(sec)
        .ok()?
        .checked_mul(1_000_000)?
        .checked_add(u64::try_from(usec).ok()?)?;
    Some(Duration::from_micros(micros))
}

/// What the backend knows about a dequeued buffer besides its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferMeta {
    /// Driver sequence number.
    pub sequence: u32,
    /// Bytes the driver filled.
    pub bytes_used: u32,
    /// `V4L2_BUF_FLAG_*`.
    pub flags: u32,
    /// Timestamp seconds.
    pub ts_sec: i64,
    /// Timestamp microseconds.
    pub ts_usec: i64,
}

/// The stream a frame belongs to: format, size and sensor stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameShape {
    /// Pixel format.
    pub format: PixelFormat,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Sensor stream.
    pub stream: StreamKind,
}

/// Builds a frame from a dequeued buffer: the payload is the mapped `buffer` cut to
/// `bytes_used` (and never past the buffer, whatever the driver claims), copied out so the
/// buffer can be queued again at once. A timestamp that is not `CLOCK_MONOTONIC` is still kept
/// (the flag tells the analysis), except a zero one.
pub fn frame_from_buffer(
    meta: BufferMeta,
    buffer: &[u8],
    shape: FrameShape,
    ts_host: Duration,
) -> Frame {
    let used = (meta.bytes_used as usize).min(buffer.len());
    let payload = buffer.get(..used).unwrap_or(&[]);
    Frame {
        seq: Some(meta.sequence),
        ts_device: buffer_timestamp(meta.ts_sec, meta.ts_usec),
        ts_host,
        bytes_used: u32::try_from(used).unwrap_or(u32::MAX),
        flags: FrameFlags::from_v4l2(meta.flags),
        format: shape.format,
        width: shape.width,
        height: shape.height,
        stream: shape.stream,
        data: Arc::from(payload),
    }
}

/// Resolves a device path to the node it names: `/dev/v4l/by-id/…` and `/dev/v4l/by-path/…`
/// are symlinks to `/dev/videoN`, whose number can change after a re-plug, so this runs on every
/// open. A missing path keeps its `ENOENT`.
pub fn resolve_node(path: &Path) -> io::Result<PathBuf> {
    std::fs::canonicalize(path)
}

/// Classifies an error of the V4L2 call `call` on `path` ([`CameraError::from_io`]), naming the
/// call in the path of an otherwise unclassified I/O error (`/dev/video0 VIDIOC_S_FMT`).
pub fn camera_error(path: &str, call: &str, waited: Duration, source: io::Error) -> CameraError {
    match CameraError::from_io(path, waited, source) {
        CameraError::Io { path, source } => CameraError::Io {
            path: format!("{path} {call}"),
            source,
        },
        other => other,
    }
}

/// Text from a fixed-size, NUL-padded C char array (driver, card and control names), lossy on
/// invalid UTF-8 and trimmed.
pub fn c_text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(bytes.get(..end).unwrap_or(&[]))
        .trim()
        .to_string()
}

/// The name of a `V4L2_CTRL_TYPE_*` value.
pub fn control_type_name(kind: u32) -> &'static str {
    match kind {
        1 => "int",
        2 => "bool",
        3 => "menu",
        4 => "button",
        5 => "int64",
        6 => "class",
        7 => "string",
        8 => "bitmask",
        9 => "intmenu",
        _ => "compound",
    }
}

/// Whether a control of this type holds a 32-bit value `VIDIOC_G_CTRL` can read.
pub fn control_has_value(kind: u32) -> bool {
    matches!(kind, 1 | 2 | 3 | 8 | 9)
}

/// `V4L2_CTRL_FLAG_*` names worth showing in a listing.
pub fn control_flag_names(flags: u32) -> Vec<&'static str> {
    const NAMES: [(u32, &str); 6] = [
        (0x0001, "disabled"),
        (0x0002, "grabbed"),
        (0x0004, "read-only"),
        (0x0010, "inactive"),
        (0x0040, "write-only"),
        (0x0080, "volatile"),
    ];
    NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::error::{EBUSY, EIO, ENODEV, ENOENT};

    #[test]
    fn fourcc_codes_match_the_kernel() {
        // Values of V4L2_PIX_FMT_* from videodev2.h.
        assert_eq!(fourcc_code(PixelFormat::Yuyv), 0x5659_5559);
        assert_eq!(fourcc_code(PixelFormat::Mjpeg), 0x4750_4a4d);
        assert_eq!(fourcc_code(PixelFormat::Grey), 0x5945_5247);
        assert_eq!(fourcc_code(PixelFormat::Y16), 0x2036_3159);
        assert_eq!(fourcc_code(PixelFormat::Z16), 0x2036_315a);
        for format in [
            PixelFormat::Yuyv,
            PixelFormat::Mjpeg,
            PixelFormat::Grey,
            PixelFormat::Y16,
            PixelFormat::Z16,
            PixelFormat::Nv12,
            PixelFormat::Rgb24,
            PixelFormat::Other(*b"Y10 "),
        ] {
            assert_eq!(pixel_format(fourcc_code(format)), format);
        }
        assert_eq!(stream_kind_of(PixelFormat::Z16), StreamKind::Depth);
        assert_eq!(stream_kind_of(PixelFormat::Y16), StreamKind::Ir);
        assert_eq!(stream_kind_of(PixelFormat::Grey), StreamKind::Ir);
        assert_eq!(stream_kind_of(PixelFormat::Mjpeg), StreamKind::Rgb);
    }

    #[test]
    fn frame_rates_and_time_per_frame() {
        let ntsc = FrameRate {
            frames: 30_000,
            per_seconds: 1001,
        };
        let tpf = Fraction::time_per_frame(ntsc);
        assert_eq!(
            tpf,
            Fraction {
                numerator: 1001,
                denominator: 30_000
            }
        );
        assert_eq!(tpf.frame_rate(), Some(ntsc));
        assert_eq!(
            Fraction::time_per_frame(FrameRate::fps(30)).frame_rate(),
            Some(FrameRate::fps(30))
        );
        let zero = Fraction {
            numerator: 0,
            denominator: 30,
        };
        assert_eq!(zero.frame_rate(), None);
        assert_eq!(
            Fraction {
                numerator: 1,
                denominator: 0
            }
            .frame_rate(),
            None
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(buffer_timestamp(0, 0), None);
        assert_eq!(buffer_timestamp(-1, 5), None);
        assert_eq!(buffer_timestamp(5, -1), None);
        assert_eq!(
            buffer_timestamp(12, 345_678),
            Some(Duration::new(12, 345_678_000))
        );
        assert_eq!(buffer_timestamp(0, 1), Some(Duration::from_micros(1)));
        // A driver that overflows usec: carried, not lost.
        assert_eq!(
            buffer_timestamp(1, 1_500_000),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(buffer_timestamp(i64::MAX, i64::MAX), None);
    }

    fn shape() -> FrameShape {
        FrameShape {
            format: PixelFormat::Mjpeg,
            width: 64,
            height: 48,
            stream: StreamKind::Rgb,
        }
    }

    #[test]
    fn frames_are_cut_to_bytes_used_and_keep_metadata() {
        let buffer = [0xFFu8, 0xD8, 1, 2, 3, 0xFF, 0xD9, 0, 0, 0];
        let meta = BufferMeta {
            sequence: 41,
            bytes_used: 7,
            flags: FrameFlags::V4L2_ERROR | FrameFlags::V4L2_TIMESTAMP_MONOTONIC,
            ts_sec: 100,
            ts_usec: 250,
        };
        let frame = frame_from_buffer(meta, &buffer, shape(), Duration::from_secs(3));
        assert_eq!(frame.seq, Some(41));
        assert_eq!(frame.bytes_used, 7);
        assert_eq!(frame.payload(), &buffer[..7]);
        assert!(frame.flags.error && frame.flags.ts_monotonic);
        assert_eq!(frame.ts_device, Some(Duration::new(100, 250_000)));
        assert_eq!(frame.ts_host, Duration::from_secs(3));
        assert_eq!((frame.width, frame.height), (64, 48));
    }

    #[test]
    fn lying_bytes_used_never_reads_past_the_buffer() {
        let buffer = [7u8; 16];
        for bytes_used in [0u32, 1, 15, 16, 17, 4096, u32::MAX] {
            let meta = BufferMeta {
                sequence: 0,
                bytes_used,
                flags: 0,
                ts_sec: 0,
                ts_usec: 0,
            };
            let frame = frame_from_buffer(meta, &buffer, shape(), Duration::ZERO);
            assert_eq!(frame.payload().len(), (bytes_used as usize).min(16));
            assert_eq!(frame.bytes_used as usize, frame.payload().len());
            assert_eq!(frame.ts_device, None);
        }
        let empty = frame_from_buffer(
            BufferMeta {
                sequence: 1,
                bytes_used: 100,
                flags: 0,
                ts_sec: 1,
                ts_usec: 0,
            },
            &[],
            shape(),
            Duration::ZERO,
        );
        assert!(empty.payload().is_empty());
    }

    #[test]
    fn errors_are_classified_and_name_the_call() {
        let waited = Duration::from_millis(200);
        let gone = camera_error(
            "/dev/video2",
            "VIDIOC_DQBUF",
            waited,
            io::Error::from_raw_os_error(ENODEV),
        );
        assert!(matches!(gone, CameraError::Disconnected { ref path } if path == "/dev/video2"));
        let busy = camera_error(
            "/dev/video2",
            "VIDIOC_STREAMON",
            waited,
            io::Error::from_raw_os_error(EBUSY),
        );
        assert!(matches!(busy, CameraError::Busy { .. }));
        let missing = camera_error(
            "/dev/v4l/by-id/x",
            "open",
            waited,
            io::Error::from_raw_os_error(ENOENT),
        );
        assert!(missing.is_gone());
        let eio = camera_error(
            "/dev/video2",
            "VIDIOC_QBUF",
            waited,
            io::Error::from_raw_os_error(EIO),
        );
        assert_eq!(eio.errno(), Some(EIO));
        assert!(eio.to_string().contains("/dev/video2 VIDIOC_QBUF"), "{eio}");
        let stall = camera_error(
            "/dev/video2",
            "poll",
            waited,
            io::Error::new(io::ErrorKind::TimedOut, "x"),
        );
        assert!(matches!(stall, CameraError::Timeout { waited: w } if w == waited));
    }

    #[test]
    fn by_id_links_resolve_to_their_node_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let video0 = dir.path().join("video0");
        let video3 = dir.path().join("video3");
        std::fs::write(&video0, b"").unwrap();
        std::fs::write(&video3, b"").unwrap();
        let by_id = dir.path().join("by-id");
        std::fs::create_dir(&by_id).unwrap();
        let link = by_id.join("usb-Acme_FaceCam_SN123-video-index0");
        std::os::unix::fs::symlink("../video0", &link).unwrap();
        assert_eq!(resolve_node(&link).unwrap(), video0.canonicalize().unwrap());
        // Re-plug: udev points the same link at a new node.
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink("../video3", &link).unwrap();
        assert_eq!(resolve_node(&link).unwrap(), video3.canonicalize().unwrap());
        // Unplugged: the link dangles, and the errno says "not found".
        std::fs::remove_file(&video3).unwrap();
        let err = resolve_node(&link).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(ENOENT));
    }

    #[test]
    fn c_text_stops_at_nul_and_survives_garbage() {
        assert_eq!(c_text(b"uvcvideo\0\0\0\0"), "uvcvideo");
        assert_eq!(c_text(b"no nul at all"), "no nul at all");
        assert_eq!(c_text(b""), "");
        assert_eq!(c_text(b"\0abc"), "");
        assert_eq!(c_text(&[0xFF, 0xFE, b'x', 0]), "\u{FFFD}\u{FFFD}x");
        // Every byte pattern of a short array: never panics.
        for a in 0..=255u8 {
            for b in [0u8, 0x80, 0xC3, 0xFF] {
                let _ = c_text(&[a, b, a]);
            }
        }
    }

    #[test]
    fn control_vocabulary() {
        assert_eq!(control_type_name(3), "menu");
        assert_eq!(control_type_name(0x0106), "compound");
        assert!(control_has_value(1) && control_has_value(3) && !control_has_value(7));
        assert_eq!(
            control_flag_names(0x0010 | 0x0080),
            vec!["inactive", "volatile"]
        );
        assert!(control_flag_names(0).is_empty());
    }
}
