//! The wire log: every byte written to or read from a rig, stamped, as hex and as text.
//!
//! [`WireLog::create`] opens (appends to) `wire-<rig>.log` in the run directory; [`Logged`]
//! wraps any stream and records what passes through it, so the same log serves the ASCII
//! drivers and the Modbus ones. One line per read or write:
//!
//! ```text
//! 2026-11-28T12:40:01.123456Z /dev/ttyUSB0 TX [54 45 4D 50 3F 0D 0A] "TEMP?\r\n"
//! 2026-11-28T12:40:01.171002Z /dev/ttyUSB0 RX [32 33 2E 30 2C ...] "23.0,..."
//! ```
//!
//! Stamps are wall-clock UTC, not the run's clock: wire timing is real even when the run uses
//! a simulated clock. A failing log write is reported once through `tracing` and never stops
//! the rig.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::error::ShowBytes;

/// Direction of a logged transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Host to instrument.
    Tx,
    /// Instrument to host.
    Rx,
}

/// An append-only wire log shared by clones (one file per rig).
#[derive(Debug, Clone)]
pub struct WireLog {
    inner: Arc<Mutex<LogFile>>,
}

#[derive(Debug)]
struct LogFile {
    file: File,
    path: PathBuf,
    port: String,
    failed: bool,
}

impl WireLog {
    /// The file name for `rig` (`chamber` → `wire-chamber.log`).
    pub fn file_name(rig: &str) -> String {
        format!("wire-{rig}.log")
    }

    /// Opens `dir/wire-<rig>.log` for appending; lines name `port`.
    pub fn create(dir: &Path, rig: &str, port: &str) -> io::Result<WireLog> {
        let path = dir.join(WireLog::file_name(rig));
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(WireLog {
            inner: Arc::new(Mutex::new(LogFile {
                file,
                path,
                port: port.to_string(),
                failed: false,
            })),
        })
    }

    /// Appends one transfer.
    pub fn record(&self, direction: Direction, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut log = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let stamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ");
        let arrow = match direction {
            Direction::Tx => "TX",
            Direction::Rx => "RX",
        };
        let line = format!("{stamp} {} {arrow} {}\n", log.port, ShowBytes(bytes));
        if let Err(error) = log.file.write_all(line.as_bytes()) {
            if !log.failed {
                tracing::warn!(
                    "wire log {}: {error}; further failures are not reported",
                    log.path.display()
                );
                log.failed = true;
            }
        }
    }

    /// Appends a free-text note (reconnects, retries) so the log tells the whole story.
    pub fn note(&self, text: &str) {
        let mut log = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let stamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ");
        let line = format!("{stamp} {} -- {text}\n", log.port);
        // A failed note is as harmless as a failed record; `record` reports the first failure.
        let _ = log.file.write_all(line.as_bytes());
    }
}

/// A stream that copies every transfer to a [`WireLog`] (or passes through when it has none).
#[derive(Debug)]
pub struct Logged<T> {
    inner: T,
    log: Option<WireLog>,
}

impl<T> Logged<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, log: Option<WireLog>) -> Logged<T> {
        Logged { inner, log }
    }

    /// The log, if any.
    pub fn log(&self) -> Option<&WireLog> {
        self.log.as_ref()
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Logged<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(log)) = (&poll, &this.log) {
            if let Some(fresh) = buf.filled().get(before..) {
                log.record(Direction::Rx, fresh);
            }
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Logged<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let (Poll::Ready(Ok(written)), Some(log)) = (&poll, &this.log) {
            if let Some(sent) = buf.get(..*written) {
                log.record(Direction::Tx, sent);
            }
        }
        poll
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn both_directions_are_logged_with_hex_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let log = WireLog::create(dir.path(), "chamber", "/dev/ttyS9").unwrap();
        let (host, mut peer) = tokio::io::duplex(64);
        let mut host = Logged::new(host, Some(log.clone()));
        host.write_all(b"TEMP?\r\n").await.unwrap();
        peer.write_all(b"23.0\r\n").await.unwrap();
        let mut reply = [0u8; 6];
        host.read_exact(&mut reply).await.unwrap();
        log.note("reconnected");
        let text = std::fs::read_to_string(dir.path().join("wire-chamber.log")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].ends_with("/dev/ttyS9 TX [54 45 4D 50 3F 0D 0A] \"TEMP?\\r\\n\""));
        assert!(lines[1].ends_with("/dev/ttyS9 RX [32 33 2E 30 0D 0A] \"23.0\\r\\n\""));
        assert!(lines[2].ends_with("/dev/ttyS9 -- reconnected"));
        assert!(lines[0].starts_with("20") && lines[0].contains('T'));
    }
}
