//! Plays a recording back as a [`FrameSource`]: frames come with their recorded sequence,
//! device timestamps, flags and bytes used; pixels where they were kept. Paced on the clock by
//! the recorded device (else host) timestamps, or as fast as read. A damaged file gives a
//! [`CameraError::Recording`] naming the file and byte offset; the end gives
//! [`CameraError::EndOfStream`].

use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::format::{decode_header, RecordHeader, HEADER_LEN, RECORD_LEN};
use crate::camera::error::CameraError;
use crate::camera::frame::{Frame, StreamConfig};
use crate::camera::source::{FrameSource, OpenInfo, SourceCapabilities};
use crate::clock::Clock;

/// One record: its metadata and payload.
type Record = (RecordHeader, Arc<[u8]>);

/// How fast a recording plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// At the recorded pace, sleeping on the clock between frames.
    Recorded,
    /// As fast as the file reads.
    Unpaced,
}

/// A recording played back. See the module documentation.
#[derive(Debug)]
pub struct ReplaySource {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    pacing: Pacing,
    config: Option<StreamConfig>,
    reader: Option<BufReader<File>>,
    offset: u64,
    streaming: bool,
    /// (first recorded time, clock time at start) for pacing.
    origin: Option<(Duration, Duration)>,
    pending: Option<Record>,
    has_sequence: bool,
    has_device_ts: bool,
}

impl ReplaySource {
    /// A closed player of the recording at `path`.
    pub fn new(path: &Path, clock: Arc<dyn Clock>, pacing: Pacing) -> ReplaySource {
        ReplaySource {
            path: path.to_path_buf(),
            clock,
            pacing,
            config: None,
            reader: None,
            offset: 0,
            streaming: false,
            origin: None,
            pending: None,
            has_sequence: true,
            has_device_ts: true,
        }
    }

    fn damaged(&self, offset: u64, detail: String) -> CameraError {
        CameraError::Recording {
            path: self.path.clone(),
            offset,
            detail,
        }
    }

    /// Reads exactly `buf.len()` bytes; `Ok(false)` at a clean end of file (nothing read).
    fn read_exact_or_end(&mut self, buf: &mut [u8], what: &str) -> Result<bool, CameraError> {
        let start = self.offset;
        let Some(reader) = self.reader.as_mut() else {
            return Err(CameraError::State {
                call: "next_frame",
                state: "closed",
            });
        };
        let mut filled = 0;
        while filled < buf.len() {
            let rest = buf.get_mut(filled..).unwrap_or_default();
            match reader.read(rest) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(CameraError::Io {
                        path: self.path.display().to_string(),
                        source,
                    })
                }
            }
        }
        self.offset += filled as u64;
        if filled == 0 {
            return Ok(false);
        }
        if filled < buf.len() {
            return Err(self.damaged(
                start,
                format!("{what} cut short: {filled} of {} bytes", buf.len()),
            ));
        }
        Ok(true)
    }

    /// The next record, or `None` at the end of the file.
    fn read_record(&mut self) -> Result<Option<Record>, CameraError> {
        let at = self.offset;
        let mut meta = [0u8; RECORD_LEN];
        if !self.read_exact_or_end(&mut meta, "frame record")? {
            return Ok(None);
        }
        let header = RecordHeader::decode(&meta).map_err(|d| self.damaged(at, d))?;
        let mut payload = vec![0u8; header.len as usize];
        if header.len > 0 && !self.read_exact_or_end(&mut payload, "frame payload")? {
            return Err(self.damaged(
                at + RECORD_LEN as u64,
                format!("frame payload missing: 0 of {} bytes", header.len),
            ));
        }
        Ok(Some((header, Arc::from(payload))))
    }

    fn rewind(&mut self) -> Result<(), CameraError> {
        let path = self.path.display().to_string();
        if let Some(reader) = self.reader.as_mut() {
            reader
                .seek(SeekFrom::Start(HEADER_LEN as u64))
                .map_err(|source| CameraError::Io { path, source })?;
        }
        self.offset = HEADER_LEN as u64;
        Ok(())
    }
}

impl FrameSource for ReplaySource {
    fn open(&mut self) -> Result<OpenInfo, CameraError> {
        let path = self.path.display().to_string();
        let file =
            File::open(&self.path).map_err(|e| CameraError::from_io(&path, Duration::ZERO, e))?;
        self.reader = Some(BufReader::with_capacity(1 << 20, file));
        self.offset = 0;
        let mut header = [0u8; HEADER_LEN];
        let complete = self.read_exact_or_end(&mut header, "file header");
        let config = match complete {
            Ok(true) => decode_header(&header).map_err(|d| self.damaged(0, d)),
            Ok(false) => Err(self.damaged(0, "empty file".into())),
            Err(e) => Err(e),
        };
        let config = match config {
            Ok(config) => config,
            Err(e) => {
                self.reader = None;
                return Err(e);
            }
        };
        self.config = Some(config);
        Ok(OpenInfo {
            path,
            driver: "replay".into(),
            card: "facebench recording".into(),
            config,
        })
    }

    fn start(&mut self) -> Result<(), CameraError> {
        if self.reader.is_none() {
            return Err(CameraError::State {
                call: "start",
                state: "closed",
            });
        }
        self.rewind()?;
        self.streaming = true;
        self.origin = None;
        self.pending = None;
        Ok(())
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        let (Some(config), true) = (self.config, self.streaming) else {
            return Err(CameraError::State {
                call: "next_frame",
                state: "not streaming",
            });
        };
        let (header, data) = match self.pending.take() {
            Some(record) => record,
            None => match self.read_record()? {
                Some(record) => record,
                None => {
                    return Err(CameraError::EndOfStream {
                        path: self.path.display().to_string(),
                    })
                }
            },
        };
        self.has_sequence &= header.seq.is_some();
        self.has_device_ts &= header.ts_device.is_some();
        if self.pacing == Pacing::Recorded {
            let recorded = header.ts_device.unwrap_or(header.ts_host);
            let now = self.clock.elapsed();
            let (first, started) = *self.origin.get_or_insert((recorded, now));
            let due = started + recorded.saturating_sub(first);
            if due > now {
                if due - now > timeout {
                    self.clock.sleep(timeout);
                    self.pending = Some((header, data));
                    return Err(CameraError::Timeout { waited: timeout });
                }
                self.clock.sleep(due - now);
            }
        }
        Ok(Frame {
            seq: header.seq,
            ts_device: header.ts_device,
            ts_host: self.clock.elapsed(),
            bytes_used: header.bytes_used,
            flags: header.flags,
            format: config.format,
            width: config.width,
            height: config.height,
            stream: config.stream,
            data,
        })
    }

    fn stop(&mut self) -> Result<(), CameraError> {
        self.streaming = false;
        Ok(())
    }

    fn close(&mut self) {
        self.streaming = false;
        self.reader = None;
    }

    fn capabilities(&self) -> SourceCapabilities {
        SourceCapabilities {
            has_sequence: self.has_sequence,
            has_device_timestamps: self.has_device_ts,
            has_error_flag: true,
            has_bytes_used: true,
            has_exposure_controls: false,
            can_configure: false,
        }
    }
}
