//! One session on an open port: read requests, answer them, apply wire faults.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::rtu_gate::{Route, RtuGate};
use super::{Ctx, SessionEnd};
use crate::sim::faults::WireFault;

/// Faults that change how one request is answered (decided before answering it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFaults {
    /// `Some(code or reason)`: refuse the command the protocol's way.
    pub refusal: Option<Option<String>>,
    /// Sensors reading out of range while answering (`None` = main sensor, `Some(n)` = channel).
    pub sensors: Vec<Option<u32>>,
}

/// A request/reply protocol answered one request at a time (ESPEC, PC-link, SCPI).
pub trait Responder: Send + 'static {
    /// Splits the first complete request off `buf`; `None` until one is complete.
    fn take_request(&mut self, buf: &mut Vec<u8>) -> Option<Vec<u8>>;
    /// Answers `request`; `None` when the protocol sends nothing (another bus address).
    fn respond(&mut self, request: &[u8], faults: &RequestFaults) -> Option<Vec<u8>>;
    /// Breaks the reply's checksum; returns false for protocols without one.
    fn break_checksum(&self, _reply: &mut [u8]) -> bool {
        false
    }
    /// Trailing terminator bytes that garbling leaves alone.
    fn terminator_len(&self) -> usize {
        2
    }
}

/// How a simulator answers on its port.
pub enum Protocol {
    /// A line or frame protocol answered in-process.
    Lines(Box<dyn Responder>),
    /// Modbus: bytes are relayed to a tokio-modbus server on a private loopback port.
    Modbus {
        /// Address of the private server.
        backend: SocketAddr,
        /// True for RTU framing (a CRC ends each reply), false for Modbus TCP (MBAP).
        rtu: bool,
        /// The slave id answered (RTU requests the server cannot frame are answered here).
        slave: u8,
    },
}

impl std::fmt::Debug for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protocol::Lines(_) => f.write_str("Protocol::Lines"),
            Protocol::Modbus {
                backend,
                rtu,
                slave,
            } => {
                write!(f, "Protocol::Modbus({backend}, rtu={rtu}, slave={slave})")
            }
        }
    }
}

/// Serves `io` until the peer hangs up, a fault unplugs it, or the handle changes its wishes.
pub(crate) async fn run<IO>(mut io: IO, protocol: &mut Protocol, ctx: &mut Ctx) -> SessionEnd
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    match protocol {
        Protocol::Lines(responder) => lines(&mut io, responder.as_mut(), ctx).await,
        Protocol::Modbus {
            backend,
            rtu,
            slave,
        } => {
            let gate = rtu.then(|| RtuGate::new(*slave));
            relay(&mut io, *backend, gate, ctx).await
        }
    }
}

enum Delivery {
    Sent,
    Unplug(Duration),
    Failed,
}

async fn deliver<IO: AsyncWrite + Unpin>(
    io: &mut IO,
    mut reply: Vec<u8>,
    tail: usize,
    ctx: &Ctx,
    break_checksum: impl Fn(&mut [u8]) -> bool,
) -> Delivery {
    let wire = ctx.faults.lock().map(|mut f| f.wire()).unwrap_or_default();
    let mut delay = Duration::ZERO;
    for fault in &wire {
        match *fault {
            WireFault::NoReply => return Delivery::Sent,
            WireFault::Unplug(d) => return Delivery::Unplug(d),
            WireFault::Delay(d) => delay += d,
            WireFault::Garble => garble(&mut reply, tail, ctx),
            WireFault::BadChecksum => {
                if !break_checksum(&mut reply) {
                    garble(&mut reply, tail, ctx);
                }
            }
        }
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match io.write_all(&reply).await {
        Ok(()) => {
            let _ = io.flush().await;
            Delivery::Sent
        }
        Err(_) => Delivery::Failed,
    }
}

fn garble(reply: &mut [u8], tail: usize, ctx: &Ctx) {
    if let Ok(mut f) = ctx.faults.lock() {
        f.garble(reply, tail);
    }
}

async fn lines<IO>(io: &mut IO, responder: &mut dyn Responder, ctx: &mut Ctx) -> SessionEnd
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        let n = tokio::select! {
            r = io.read(&mut chunk) => match r {
                Ok(0) | Err(_) => return SessionEnd::Closed,
                Ok(n) => n,
            },
            _ = ctx.wanted.changed() => return SessionEnd::Control,
        };
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        while let Some(request) = responder.take_request(&mut buf) {
            let faults = match ctx.faults.lock() {
                Ok(mut f) => RequestFaults {
                    refusal: f.refusal(),
                    sensors: f.sensors(),
                },
                Err(_) => RequestFaults::default(),
            };
            let Some(reply) = responder.respond(&request, &faults) else {
                continue;
            };
            let tail = responder.terminator_len();
            match deliver(io, reply, tail, ctx, |r| responder.break_checksum(r)).await {
                Delivery::Sent => {}
                Delivery::Unplug(d) => return SessionEnd::Unplug(d),
                Delivery::Failed => return SessionEnd::Closed,
            }
        }
    }
}

/// Flips the CRC of an RTU reply.
fn break_crc(reply: &mut [u8]) -> bool {
    match reply.last_mut() {
        Some(last) => {
            *last ^= 0xA5;
            true
        }
        None => false,
    }
}

/// Relays requests to the Modbus server and its replies back; with RTU framing, `gate` answers
/// the requests the server cannot frame.
async fn relay<IO>(
    io: &mut IO,
    backend: SocketAddr,
    mut gate: Option<RtuGate>,
    ctx: &mut Ctx,
) -> SessionEnd
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let rtu = gate.is_some();
    let mut upstream: Option<TcpStream> = None;
    let mut from_port = [0u8; 512];
    let mut from_server = [0u8; 512];
    loop {
        let event = match upstream.as_mut() {
            Some(server) => tokio::select! {
                r = io.read(&mut from_port) => Relay::Port(r),
                r = server.read(&mut from_server) => Relay::Server(r),
                _ = ctx.wanted.changed() => return SessionEnd::Control,
            },
            None => tokio::select! {
                r = io.read(&mut from_port) => Relay::Port(r),
                _ = ctx.wanted.changed() => return SessionEnd::Control,
            },
        };
        match event {
            Relay::Port(Ok(0) | Err(_)) => return SessionEnd::Closed,
            Relay::Port(Ok(n)) => {
                let bytes = from_port.get(..n).unwrap_or_default();
                let route = gate
                    .as_mut()
                    .map_or(Route::Forward, |g| g.route(bytes, Instant::now()));
                match route {
                    Route::Forward => {}
                    Route::Hold | Route::Answer(None) => continue,
                    Route::Answer(Some(reply)) => {
                        if let Some(g) = gate.as_mut() {
                            g.replied();
                        }
                        match deliver(io, reply, 0, ctx, break_crc).await {
                            Delivery::Sent => continue,
                            Delivery::Unplug(d) => return SessionEnd::Unplug(d),
                            Delivery::Failed => return SessionEnd::Closed,
                        }
                    }
                }
                if upstream.is_none() {
                    match TcpStream::connect(backend).await {
                        Ok(s) => {
                            let _ = s.set_nodelay(true);
                            upstream = Some(s);
                        }
                        Err(_) => return SessionEnd::Closed,
                    }
                }
                if let Some(server) = upstream.as_mut() {
                    if server.write_all(bytes).await.is_err() {
                        upstream = None;
                    }
                }
            }
            // The server gave up on undecodable input: reconnect on the next request.
            Relay::Server(Ok(0) | Err(_)) => upstream = None,
            Relay::Server(Ok(n)) => {
                let reply = from_server.get(..n).unwrap_or_default().to_vec();
                if let Some(g) = gate.as_mut() {
                    g.replied();
                }
                let delivery = if rtu {
                    deliver(io, reply, 0, ctx, break_crc).await
                } else {
                    deliver(io, reply, 0, ctx, |_| false).await
                };
                match delivery {
                    Delivery::Sent => {}
                    Delivery::Unplug(d) => return SessionEnd::Unplug(d),
                    Delivery::Failed => return SessionEnd::Closed,
                }
            }
        }
    }
}

enum Relay {
    Port(std::io::Result<usize>),
    Server(std::io::Result<usize>),
}
