//! A transport wrapper that discards stale input before the next request is written.
//!
//! After a timeout the controller may still answer late. tokio-modbus clears only its own frame
//! buffer before a request, so a late reply still in the port would be taken as the answer to the
//! next request (two reads of one register each look alike). [`DrainBeforeWrite`] empties whatever
//! input is already waiting when its [`DrainFlag`] is raised, just before the next bytes go out.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// At most this many bytes are discarded per drain, so a chattering line cannot stall a write.
const MAX_DRAIN_BYTES: usize = 4096;

/// Raised by the client after a timeout; lowered by the wrapper once it has drained.
#[derive(Debug, Clone, Default)]
pub struct DrainFlag(Arc<AtomicBool>);

impl DrainFlag {
    /// Asks the wrapper to discard pending input before the next write.
    pub fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

/// Wraps a transport; see the module documentation.
#[derive(Debug)]
pub struct DrainBeforeWrite<T> {
    inner: T,
    flag: DrainFlag,
    port: String,
}

impl<T> DrainBeforeWrite<T> {
    /// Wraps `inner`, draining whenever `flag` is raised. `port` names the link in logs.
    pub fn new(inner: T, flag: DrainFlag, port: String) -> Self {
        DrainBeforeWrite { inner, flag, port }
    }
}

impl<T: AsyncRead + Unpin> DrainBeforeWrite<T> {
    fn drain(&mut self, cx: &mut Context<'_>) {
        let mut scratch = [0u8; 256];
        let mut dropped: Vec<u8> = Vec::new();
        while dropped.len() < MAX_DRAIN_BYTES {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut self.inner).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => {
                    dropped.extend_from_slice(buf.filled());
                }
                // Nothing waiting, end of stream or an error: the next read reports the latter.
                _ => break,
            }
        }
        if !dropped.is_empty() {
            tracing::debug!(port = %self.port, bytes = ?dropped, "discarded stale input before request");
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for DrainBeforeWrite<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for DrainBeforeWrite<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.flag.take() {
            this.drain(cx);
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn stale_bytes_are_dropped_only_when_raised() {
        let (near, mut far) = tokio::io::duplex(64);
        let flag = DrainFlag::default();
        let mut io = DrainBeforeWrite::new(near, flag.clone(), "test".into());

        far.write_all(b"late").await.unwrap();
        io.write_all(b"q1").await.unwrap();
        let mut got = [0u8; 4];
        io.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"late", "without the flag nothing is discarded");

        far.write_all(b"stale").await.unwrap();
        tokio::task::yield_now().await;
        flag.raise();
        io.write_all(b"q2").await.unwrap();
        far.write_all(b"ok").await.unwrap();
        let mut got = [0u8; 2];
        io.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ok");

        let mut sent = [0u8; 4];
        far.read_exact(&mut sent).await.unwrap();
        assert_eq!(&sent, b"q1q2");
    }
}
