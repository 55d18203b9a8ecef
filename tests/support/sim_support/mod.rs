//! Raw clients for the simulator tests: open the pty path or TCP address like a driver would,
//! send bytes, collect the reply.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use facebench::clock::SimClock;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A simulated clock starting now.
pub fn sim_clock() -> Arc<SimClock> {
    Arc::new(SimClock::starting_at(chrono::Utc::now()))
}

/// Opens a pty slave path as a serial port.
pub fn open_pty(path: &Path) -> tokio_serial::SerialStream {
    let builder = tokio_serial::new(path.to_string_lossy(), 9600);
    tokio_serial::SerialStream::open(&builder).expect("open the pty slave")
}

/// Writes `request` and reads until `done` says the reply is complete or `wait` passes.
pub async fn exchange<IO, F>(io: &mut IO, request: &[u8], wait: Duration, done: F) -> Vec<u8>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    F: Fn(&[u8]) -> bool,
{
    io.write_all(request).await.expect("write request");
    read_until(io, wait, done).await
}

/// Reads until `done` or `wait` passes; returns what arrived.
pub async fn read_until<IO, F>(io: &mut IO, wait: Duration, done: F) -> Vec<u8>
where
    IO: AsyncRead + Unpin,
    F: Fn(&[u8]) -> bool,
{
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    let deadline = tokio::time::Instant::now() + wait;
    while !done(&got) {
        match tokio::time::timeout_at(deadline, io.read(&mut buf)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Ok(Err(_)) => break,
        }
    }
    got
}

/// A line-ending predicate.
pub fn line(got: &[u8]) -> bool {
    got.ends_with(b"\n")
}

/// Sends one line protocol request and returns the reply as text.
pub async fn ask<IO: AsyncRead + AsyncWrite + Unpin>(io: &mut IO, request: &str) -> String {
    let reply = exchange(io, request.as_bytes(), Duration::from_secs(2), line).await;
    String::from_utf8_lossy(&reply).into_owned()
}

/// Modbus CRC-16 of `bytes` (little-endian on the wire), for building request literals.
pub fn crc16(bytes: &[u8]) -> [u8; 2] {
    let mut crc: u16 = 0xFFFF;
    for b in bytes {
        crc ^= u16::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc.to_le_bytes()
}

/// `bytes` followed by their CRC.
pub fn with_crc(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.extend_from_slice(&crc16(bytes));
    out
}

/// Whether an RTU frame of `len` bytes has arrived.
pub fn has_len(len: usize) -> impl Fn(&[u8]) -> bool {
    move |got: &[u8]| got.len() >= len
}

/// `STX body SUM CR LF`, built with the driver's codec.
pub fn pclink_frame(body: &str) -> Vec<u8> {
    let mut out = vec![0x02];
    out.extend_from_slice(body.as_bytes());
    let sum = facebench::rig::chamber::temi_pclink::frame::checksum(body.as_bytes());
    out.extend_from_slice(format!("{sum:02X}\r\n").as_bytes());
    out
}
