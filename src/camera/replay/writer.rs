//! Writes recordings: metadata for every frame, pixels for the frames the caller keeps.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::format::{encode_header, RecordHeader, MAX_PAYLOAD};
use crate::camera::error::CameraError;
use crate::camera::frame::{Frame, StreamConfig};

/// A recording being written. Call [`finish`](ReplayWriter::finish) to flush it.
#[derive(Debug)]
pub struct ReplayWriter {
    path: PathBuf,
    out: BufWriter<File>,
    frames: u64,
    payloads: u64,
}

impl ReplayWriter {
    /// Creates (or truncates) the recording at `path` for a stream of `config`.
    pub fn create(path: &Path, config: &StreamConfig) -> Result<ReplayWriter, CameraError> {
        let io = |source| CameraError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = File::create(path).map_err(io)?;
        let mut out = BufWriter::new(file);
        out.write_all(&encode_header(config)).map_err(io)?;
        Ok(ReplayWriter {
            path: path.to_path_buf(),
            out,
            frames: 0,
            payloads: 0,
        })
    }

    /// Appends a frame: always its metadata, and its payload when `keep_payload` is set and the
    /// frame has one (payloads above the format's limit are left out).
    pub fn write(&mut self, frame: &Frame, keep_payload: bool) -> Result<(), CameraError> {
        let payload = frame.payload();
        let keep = keep_payload
            && !payload.is_empty()
            && u32::try_from(payload.len()).is_ok_and(|n| n <= MAX_PAYLOAD);
        let header = RecordHeader {
            seq: frame.seq,
            ts_device: frame.ts_device,
            ts_host: frame.ts_host,
            flags: frame.flags,
            bytes_used: frame.bytes_used,
            len: if keep { payload.len() as u32 } else { 0 },
        };
        self.out
            .write_all(&header.encode())
            .and_then(|()| {
                if keep {
                    self.out.write_all(payload)
                } else {
                    Ok(())
                }
            })
            .map_err(|source| CameraError::Io {
                path: self.path.display().to_string(),
                source,
            })?;
        self.frames += 1;
        self.payloads += u64::from(keep);
        Ok(())
    }

    /// Frames written so far, and how many of them with pixels.
    pub fn counts(&self) -> (u64, u64) {
        (self.frames, self.payloads)
    }

    /// Flushes the recording to disk.
    pub fn finish(mut self) -> Result<(), CameraError> {
        let path = self.path.display().to_string();
        self.out
            .flush()
            .and_then(|()| self.out.get_ref().sync_all())
            .map_err(|source| CameraError::Io { path, source })
    }
}

/// Whether frame number `index` (from 0) keeps its pixels when one frame in `every` does, or
/// at most one per `min_spacing` of host time (whichever is sparser); a helper for recorders.
pub fn keep_every(index: u64, every: u32) -> bool {
    every != 0 && index.is_multiple_of(u64::from(every))
}

/// Spacing helper: true when `at` is at least `spacing` after `last` (or nothing was kept yet),
/// updating `last`.
pub fn keep_spaced(at: Duration, spacing: Duration, last: &mut Option<Duration>) -> bool {
    let keep = last.is_none_or(|l| at.saturating_sub(l) >= spacing);
    if keep {
        *last = Some(at);
    }
    keep
}
