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
//! a simulated clock. Recording never blocks the rig: [`Logged`]'s poll functions only stamp the
//! transfer and hand it to a writer thread through a bounded queue. The thread writes through a
//! buffer and flushes whenever the queue runs empty, so the file trails the wire by a burst at
//! most. If the disk falls so far behind that the queue fills, transfers are counted instead of
//! queued and the log says how many are missing. A failing log write is reported once through
//! `tracing` and never stops the rig.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::error::ShowBytes;

/// Transfers the queue holds before new ones are counted as missing instead.
const QUEUE_CAPACITY: usize = 8192;

/// Direction of a logged transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Host to instrument.
    Tx,
    /// Instrument to host.
    Rx,
}

/// An append-only wire log shared by clones (one file per rig). The last clone dropped writes
/// out what is queued and stops the writer thread.
#[derive(Debug, Clone)]
pub struct WireLog {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    queue: Option<SyncSender<Entry>>,
    missing: Arc<AtomicU64>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// One queued line, or a request to confirm everything before it is written.
#[derive(Debug)]
enum Entry {
    Transfer {
        stamp: DateTime<Utc>,
        direction: Direction,
        bytes: Vec<u8>,
    },
    Note {
        stamp: DateTime<Utc>,
        text: String,
    },
    Flush(SyncSender<()>),
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
        let (queue, entries) = mpsc::sync_channel(QUEUE_CAPACITY);
        let missing = Arc::new(AtomicU64::new(0));
        let writer = LogWriter {
            out: BufWriter::new(file),
            path,
            port: port.to_string(),
            missing: Arc::clone(&missing),
            failed: false,
        };
        let handle = std::thread::Builder::new()
            .name(format!("wire-log-{rig}"))
            .spawn(move || writer.run(entries))?;
        Ok(WireLog {
            shared: Arc::new(Shared {
                queue: Some(queue),
                missing,
                writer: Mutex::new(Some(handle)),
            }),
        })
    }

    /// Queues one transfer (never blocks).
    pub fn record(&self, direction: Direction, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.enqueue(Entry::Transfer {
            stamp: Utc::now(),
            direction,
            bytes: bytes.to_vec(),
        });
    }

    /// Queues a free-text note (reconnects, retries) so the log tells the whole story.
    pub fn note(&self, text: &str) {
        self.enqueue(Entry::Note {
            stamp: Utc::now(),
            text: text.to_string(),
        });
    }

    /// Blocks until everything queued so far is in the file (for readers of a live log).
    pub fn flush(&self) {
        let (done, confirmed) = mpsc::sync_channel(1);
        if let Some(queue) = &self.shared.queue {
            if queue.send(Entry::Flush(done)).is_ok() {
                let _ = confirmed.recv();
            }
        }
    }

    fn enqueue(&self, entry: Entry) {
        let Some(queue) = &self.shared.queue else {
            return;
        };
        if let Err(TrySendError::Full(_)) = queue.try_send(entry) {
            self.shared.missing.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Closing the queue lets the writer drain it and end.
        drop(self.queue.take());
        let handle = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

/// The writer thread's side: formats queued entries into the file.
struct LogWriter {
    out: BufWriter<File>,
    path: PathBuf,
    port: String,
    missing: Arc<AtomicU64>,
    failed: bool,
}

impl LogWriter {
    fn run(mut self, entries: Receiver<Entry>) {
        loop {
            let entry = match entries.try_recv() {
                Ok(entry) => entry,
                Err(TryRecvError::Empty) => {
                    self.flush();
                    match entries.recv() {
                        Ok(entry) => entry,
                        Err(_) => break,
                    }
                }
                Err(TryRecvError::Disconnected) => break,
            };
            self.write(entry);
        }
        self.flush();
    }

    fn write(&mut self, entry: Entry) {
        let missing = self.missing.swap(0, Ordering::Relaxed);
        if missing > 0 {
            let line = format!(
                "{} {} -- {missing} transfers not logged: the log writer fell behind\n",
                stamp(&Utc::now()),
                self.port
            );
            self.put(&line);
        }
        let line = match entry {
            Entry::Transfer {
                stamp: at,
                direction,
                bytes,
            } => {
                let arrow = match direction {
                    Direction::Tx => "TX",
                    Direction::Rx => "RX",
                };
                format!(
                    "{} {} {arrow} {}\n",
                    stamp(&at),
                    self.port,
                    ShowBytes(&bytes)
                )
            }
            Entry::Note { stamp: at, text } => format!("{} {} -- {text}\n", stamp(&at), self.port),
            Entry::Flush(done) => {
                self.flush();
                let _ = done.send(());
                return;
            }
        };
        self.put(&line);
    }

    fn put(&mut self, line: &str) {
        let written = self.out.write_all(line.as_bytes());
        self.report(written);
    }

    fn flush(&mut self) {
        let flushed = self.out.flush();
        self.report(flushed);
    }

    fn report(&mut self, result: io::Result<()>) {
        if let Err(error) = result {
            if !self.failed {
                tracing::warn!(
                    "wire log {}: {error}; further failures are not reported",
                    self.path.display()
                );
                self.failed = true;
            }
        }
    }
}

fn stamp(at: &DateTime<Utc>) -> impl std::fmt::Display {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ")
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
        log.flush();
        let text = std::fs::read_to_string(dir.path().join("wire-chamber.log")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].ends_with("/dev/ttyS9 TX [54 45 4D 50 3F 0D 0A] \"TEMP?\\r\\n\""));
        assert!(lines[1].ends_with("/dev/ttyS9 RX [32 33 2E 30 0D 0A] \"23.0\\r\\n\""));
        assert!(lines[2].ends_with("/dev/ttyS9 -- reconnected"));
        assert!(lines[0].starts_with("20") && lines[0].contains('T'));
    }

    #[test]
    fn the_last_clone_dropped_writes_out_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let log = WireLog::create(dir.path(), "drop", "/dev/ttyS8").unwrap();
        let clone = log.clone();
        for _ in 0..1000 {
            clone.record(Direction::Tx, b"R\r");
        }
        drop(clone);
        drop(log);
        let text = std::fs::read_to_string(dir.path().join("wire-drop.log")).unwrap();
        assert_eq!(text.lines().count(), 1000);
        assert!(text
            .lines()
            .all(|line| line.ends_with("TX [52 0D] \"R\\r\"")));
    }
}
