//! The recording format, as bytes (no I/O here). Little-endian throughout.
//!
//! File header, [`HEADER_LEN`] bytes:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `FBCAMREC` |
//! | 8 | 2 | format version (1) |
//! | 10 | 4 | FourCC |
//! | 14 | 4 | width |
//! | 18 | 4 | height |
//! | 22 | 4 | nominal rate: frames … |
//! | 26 | 4 | … per this many seconds |
//! | 30 | 1 | stream (0 rgb, 1 ir, 2 depth) |
//!
//! Then one record per frame, [`RECORD_LEN`] bytes of metadata followed by `len` payload bytes
//! (`len` is 0 for frames recorded without pixels — metadata is kept for every frame):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | sequence |
//! | 4 | 8 | device timestamp, ns |
//! | 12 | 8 | host timestamp, ns |
//! | 20 | 4 | flags: V4L2 buffer bits, plus [`NO_SEQUENCE`] and [`NO_DEVICE_TS`] |
//! | 24 | 4 | bytes used |
//! | 28 | 4 | payload length `len` |
//!
//! This extends the reference layout (`seq, ts_ns, flags, len, payload`) with the host time
//! and `bytes_used`, which metadata-only frames need.

use std::time::Duration;

use crate::camera::frame::{FrameFlags, FrameRate, PixelFormat, StreamConfig, StreamKind};

/// File magic.
pub const MAGIC: [u8; 8] = *b"FBCAMREC";
/// Format version written.
pub const VERSION: u16 = 1;
/// File header length.
pub const HEADER_LEN: usize = 31;
/// Record metadata length.
pub const RECORD_LEN: usize = 32;
/// Flag bit: the frame had no sequence number.
pub const NO_SEQUENCE: u32 = 0x8000_0000;
/// Flag bit: the frame had no device timestamp.
pub const NO_DEVICE_TS: u32 = 0x4000_0000;
/// Largest payload a record may declare (a 4K RGB24 frame is 25 MB).
pub const MAX_PAYLOAD: u32 = 64 << 20;

/// Encodes the file header.
pub fn encode_header(config: &StreamConfig) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[0..8].copy_from_slice(&MAGIC);
    h[8..10].copy_from_slice(&VERSION.to_le_bytes());
    h[10..14].copy_from_slice(&config.format.fourcc());
    h[14..18].copy_from_slice(&config.width.to_le_bytes());
    h[18..22].copy_from_slice(&config.height.to_le_bytes());
    h[22..26].copy_from_slice(&config.rate.frames.to_le_bytes());
    h[26..30].copy_from_slice(&config.rate.per_seconds.to_le_bytes());
    h[30] = config.stream.code();
    h
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Decodes a file header; the error says what is wrong.
pub fn decode_header(h: &[u8]) -> Result<StreamConfig, String> {
    if h.len() < HEADER_LEN {
        return Err(format!(
            "file header cut short: {} of {HEADER_LEN} bytes",
            h.len()
        ));
    }
    if h.get(0..8) != Some(&MAGIC[..]) {
        return Err("not a facebench camera recording (bad magic)".into());
    }
    let version = u16::from_le_bytes([h[8], h[9]]);
    if version != VERSION {
        return Err(format!("unsupported recording version {version}"));
    }
    let fourcc: [u8; 4] = h
        .get(10..14)
        .and_then(|b| b.try_into().ok())
        .ok_or("bad FourCC")?;
    let field = |at| u32_at(h, at).ok_or_else(|| "file header cut short".to_string());
    let stream = StreamKind::from_code(h[30])
        .ok_or_else(|| format!("unknown stream code {} in file header", h[30]))?;
    Ok(StreamConfig {
        format: PixelFormat::from_fourcc(fourcc),
        width: field(14)?,
        height: field(18)?,
        rate: FrameRate {
            frames: field(22)?,
            per_seconds: field(26)?,
        },
        stream,
    })
}

/// The metadata of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Sequence number, if the frame had one.
    pub seq: Option<u32>,
    /// Device timestamp, if the frame had one.
    pub ts_device: Option<Duration>,
    /// Host timestamp.
    pub ts_host: Duration,
    /// Frame flags.
    pub flags: FrameFlags,
    /// Bytes the device filled.
    pub bytes_used: u32,
    /// Payload bytes that follow.
    pub len: u32,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl RecordHeader {
    /// Encodes the record metadata.
    pub fn encode(&self) -> [u8; RECORD_LEN] {
        let mut r = [0u8; RECORD_LEN];
        let mut flags = self.flags.to_v4l2();
        if self.seq.is_none() {
            flags |= NO_SEQUENCE;
        }
        if self.ts_device.is_none() {
            flags |= NO_DEVICE_TS;
        }
        r[0..4].copy_from_slice(&self.seq.unwrap_or(0).to_le_bytes());
        r[4..12].copy_from_slice(&nanos(self.ts_device.unwrap_or_default()).to_le_bytes());
        r[12..20].copy_from_slice(&nanos(self.ts_host).to_le_bytes());
        r[20..24].copy_from_slice(&flags.to_le_bytes());
        r[24..28].copy_from_slice(&self.bytes_used.to_le_bytes());
        r[28..32].copy_from_slice(&self.len.to_le_bytes());
        r
    }

    /// Decodes record metadata; the error says what is wrong.
    pub fn decode(r: &[u8]) -> Result<RecordHeader, String> {
        let short = || format!("record cut short: {} of {RECORD_LEN} bytes", r.len());
        let seq = u32_at(r, 0).ok_or_else(short)?;
        let ts_device = u64_at(r, 4).ok_or_else(short)?;
        let ts_host = u64_at(r, 12).ok_or_else(short)?;
        let flags = u32_at(r, 20).ok_or_else(short)?;
        let bytes_used = u32_at(r, 24).ok_or_else(short)?;
        let len = u32_at(r, 28).ok_or_else(short)?;
        if len > MAX_PAYLOAD {
            return Err(format!(
                "implausible payload length {len} (limit {MAX_PAYLOAD})"
            ));
        }
        Ok(RecordHeader {
            seq: (flags & NO_SEQUENCE == 0).then_some(seq),
            ts_device: (flags & NO_DEVICE_TS == 0).then(|| Duration::from_nanos(ts_device)),
            ts_host: Duration::from_nanos(ts_host),
            flags: FrameFlags::from_v4l2(flags),
            bytes_used,
            len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_record_round_trip_on_byte_literals() {
        let config = StreamConfig {
            format: PixelFormat::Mjpeg,
            width: 640,
            height: 480,
            rate: FrameRate {
                frames: 30000,
                per_seconds: 1001,
            },
            stream: StreamKind::Ir,
        };
        let h = encode_header(&config);
        assert_eq!(&h[..8], b"FBCAMREC");
        assert_eq!(&h[10..14], b"MJPG");
        assert_eq!(&h[14..18], &[0x80, 0x02, 0, 0]);
        assert_eq!(decode_header(&h), Ok(config));
        assert!(decode_header(&h[..20]).unwrap_err().contains("cut short"));
        let mut bad = h;
        bad[30] = 9;
        assert!(decode_header(&bad).unwrap_err().contains("stream code 9"));

        let rec = RecordHeader {
            seq: None,
            ts_device: Some(Duration::from_nanos(0x0102_0304_0506_0708)),
            ts_host: Duration::from_millis(5),
            flags: FrameFlags {
                error: true,
                ..FrameFlags::default()
            },
            bytes_used: 1234,
            len: 0,
        };
        let bytes = rec.encode();
        assert_eq!(&bytes[4..12], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&bytes[20..24], &[0x40, 0, 0, 0x80]);
        assert_eq!(RecordHeader::decode(&bytes), Ok(rec));
        assert!(RecordHeader::decode(&bytes[..31])
            .unwrap_err()
            .contains("31 of 32"));
        let mut huge = bytes;
        huge[28..32].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(RecordHeader::decode(&huge)
            .unwrap_err()
            .contains("implausible"));
    }
}
