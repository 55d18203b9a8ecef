//! The Modbus client every driver uses: one request at a time over any async transport, with a
//! per-attempt timeout, bounded retries, backoff on "server device busy" and checked replies.
//!
//! The client frames requests and reads replies itself ([`super::frame`]), so it can tell a
//! reply that answers the request from anything else on the line:
//!
//! - **Stale input** waiting before a request is discarded before the request goes out; after
//!   a timeout the client first listens (up to one more timeout) for the late reply and
//!   discards it, so a late answer is never taken for the next request's. A reply later still
//!   lands just after the next request went out, with the real reply right behind it: on the
//!   first request after a timeout the client listens [`ModbusPolicy::settle`] past a matching
//!   reply and, when a second one follows, uses that and records the first as late.
//! - **Checked replies**: slave (unit), function, byte count, echoed address and value, and for
//!   Modbus TCP the transaction id must match. A frame that does not is discarded, recorded as a
//!   wire fault (tracing and the wire log) and never used; the client keeps listening for the
//!   real reply until the attempt's timeout.
//! - **Exact causes**: when no attempt got a usable reply the error names the last fault seen,
//!   CRC mismatch, wrong slave, truncated frame or noise, with the bytes; only true silence is
//!   a timeout.
//!
//! Reads and single/multiple writes are retried after a timeout or a faulty reply: a Modbus
//! write of the same value to the same register is idempotent, and commands that are not (the
//! drop-rig command register) carry their own sequence number. After a link error (port gone,
//! stream closed) a client given a [`Reopen`] reopens the port once and retries.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::error::{register_bytes, Exception, ModbusError, Operation};
use super::frame::{
    classify_mbap_leftover, classify_rtu_leftover, scan_mbap, scan_rtu, Answer, Call, FaultKind,
    Step, WireFault,
};
use super::scale::ScaleError;
use crate::rig::error::ShowBytes;
use crate::rig::wire_log::WireLog;
use crate::rig::RigError;

/// Exception code 06: server device busy.
const BUSY: u8 = 0x06;

/// Timing and retry rules of one Modbus link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModbusPolicy {
    /// How long one attempt waits for a reply.
    pub timeout: Duration,
    /// Further attempts after a timeout or a faulty reply.
    pub retries: u32,
    /// Further attempts after exception 06 (server device busy).
    pub busy_retries: u32,
    /// First wait after a busy reply; doubles on each further busy reply, capped at 16×.
    pub busy_backoff: Duration,
    /// After a timeout the client listens up to one more timeout for the late reply; once
    /// bytes have come, this much silence ends the wait (the late reply is complete).
    pub settle: Duration,
}

impl Default for ModbusPolicy {
    fn default() -> Self {
        ModbusPolicy {
            timeout: Duration::from_millis(1000),
            retries: 2,
            busy_retries: 5,
            busy_backoff: Duration::from_millis(100),
            settle: Duration::from_millis(50),
        }
    }
}

impl ModbusPolicy {
    /// The Modbus policy for a station's link policy: its timeout (default 1 s), retries, and its
    /// backoff as the busy backoff.
    pub fn from_link(link: &crate::rig::link::LinkPolicy) -> ModbusPolicy {
        let default = ModbusPolicy::default();
        ModbusPolicy {
            timeout: link.timeout.unwrap_or(default.timeout),
            retries: link.retries,
            busy_backoff: link.backoff,
            ..default
        }
    }
}

/// Reopens a failed link (USB adapter re-plugged, gateway restarted) and attaches a fresh client.
pub type Reopen =
    Box<dyn FnMut() -> Pin<Box<dyn Future<Output = Result<ModbusClient, RigError>> + Send>> + Send>;

/// Any byte stream a client can talk over.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// How requests are framed, with the framing's per-link state.
#[derive(Debug, Clone, Copy)]
enum Wire {
    /// RTU to this slave address.
    Rtu { slave: u8 },
    /// Modbus TCP to this unit; `next` is the next transaction id.
    Tcp { unit: u8, next: u16 },
}

/// What one attempt got.
enum Outcome {
    /// A reply that answers the request.
    Answer(Answer),
    /// Nothing at all.
    Silent,
    /// Only bytes that do not answer the request; the last of them.
    Faulty(WireFault),
}

/// A Modbus client bound to one slave on one link.
pub struct ModbusClient {
    io: Box<dyn Io>,
    wire: Wire,
    port: String,
    policy: ModbusPolicy,
    late_possible: bool,
    log: Option<WireLog>,
    reopen: Option<Reopen>,
}

impl std::fmt::Debug for ModbusClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModbusClient")
            .field("port", &self.port)
            .field("wire", &self.wire)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl ModbusClient {
    fn new<T>(io: T, wire: Wire, port: String, policy: ModbusPolicy) -> ModbusClient
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        ModbusClient {
            io: Box::new(io),
            wire,
            port,
            policy,
            late_possible: false,
            log: None,
            reopen: None,
        }
    }

    /// Modbus RTU to `slave` over `io` (serial port, pty, RTU-over-TCP socket, duplex pipe).
    /// `port` names the link in every error.
    pub fn rtu<T>(io: T, port: impl Into<String>, slave: u8, policy: ModbusPolicy) -> ModbusClient
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        ModbusClient::new(io, Wire::Rtu { slave }, port.into(), policy)
    }

    /// Modbus TCP (MBAP framing) to unit `unit` over `io`, usually a `TcpStream` to port 502.
    pub fn tcp<T>(io: T, port: impl Into<String>, unit: u8, policy: ModbusPolicy) -> ModbusClient
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        ModbusClient::new(io, Wire::Tcp { unit, next: 1 }, port.into(), policy)
    }

    /// Lets the client reopen the link once per request after a link error (port vanished,
    /// stream closed) and retry on the fresh link.
    pub fn with_reopen(mut self, reopen: Reopen) -> ModbusClient {
        self.reopen = Some(reopen);
        self
    }

    /// Notes every discarded frame (with its reason) in `log` as well as through `tracing`.
    pub fn with_log(mut self, log: Option<WireLog>) -> ModbusClient {
        self.log = log;
        self
    }

    /// Replaces the link by a freshly opened one; false when reopening is impossible or failed.
    async fn try_reopen(&mut self, cause: &io::Error) -> bool {
        let Some(reopen) = self.reopen.as_mut() else {
            return false;
        };
        tracing::warn!(port = %self.port, %cause, "link failed; reopening");
        match reopen().await {
            Ok(fresh) => {
                self.io = fresh.io;
                self.wire = fresh.wire;
                self.late_possible = false;
                true
            }
            Err(error) => {
                tracing::warn!(port = %self.port, %error, "reopening failed");
                false
            }
        }
    }

    /// The name of the link, as used in errors.
    pub fn port(&self) -> &str {
        &self.port
    }

    /// Reads `count` holding registers (FC03) starting at PDU address `address`.
    pub async fn read_holding(
        &mut self,
        what: &'static str,
        address: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusError> {
        self.read_words(false, what, address, count).await
    }

    /// Reads `count` input registers (FC04) starting at PDU address `address`.
    pub async fn read_input(
        &mut self,
        what: &'static str,
        address: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusError> {
        self.read_words(true, what, address, count).await
    }

    /// Reads `count` registers of one table; the reply must carry exactly `count` registers.
    async fn read_words(
        &mut self,
        input: bool,
        what: &'static str,
        address: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusError> {
        let call = Call::Read {
            input,
            address,
            count,
        };
        let op = self.operation(&call, what, address, count);
        match self.call(&op, &call).await? {
            Answer::Words(words) => Ok(words),
            Answer::Written | Answer::Exception(_) => Err(self.bad_reply(
                &op,
                "a write acknowledgement to a read".to_string(),
                Vec::new(),
            )),
        }
    }

    /// Reads holding registers a controller may lack: an exception reply (typically 02, illegal
    /// data address) gives `None`; timeouts and link errors are still errors.
    pub async fn read_holding_if_present(
        &mut self,
        what: &'static str,
        address: u16,
        count: u16,
    ) -> Result<Option<Vec<u16>>, ModbusError> {
        match self.read_holding(what, address, count).await {
            Ok(words) => Ok(Some(words)),
            Err(e) if e.exception().is_some() => {
                tracing::debug!(port = %self.port, error = %e, "optional registers absent");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Reads one holding register.
    pub async fn read_one(&mut self, what: &'static str, address: u16) -> Result<u16, ModbusError> {
        let words = self.read_holding(what, address, 1).await?;
        Ok(words.first().copied().unwrap_or_default())
    }

    /// Reads two consecutive holding registers (a 32-bit value), in wire order.
    pub async fn read_pair(
        &mut self,
        what: &'static str,
        address: u16,
    ) -> Result<[u16; 2], ModbusError> {
        let words = self.read_holding(what, address, 2).await?;
        match words.as_slice() {
            [a, b] => Ok([*a, *b]),
            _ => Err(self.bad_reply(
                &Operation {
                    function: 3,
                    address,
                    count: 2,
                    what,
                },
                format!("{} register(s) instead of 2", words.len()),
                register_bytes(&words),
            )),
        }
    }

    /// Writes one register (FC06) and checks the echo.
    pub async fn write_register(
        &mut self,
        what: &'static str,
        address: u16,
        value: u16,
    ) -> Result<(), ModbusError> {
        let call = Call::WriteOne { address, value };
        let op = self.operation(&call, what, address, 1);
        self.write(&op, &call).await
    }

    /// Writes consecutive registers (FC16) and checks the echoed address and count.
    pub async fn write_registers(
        &mut self,
        what: &'static str,
        address: u16,
        words: &[u16],
    ) -> Result<(), ModbusError> {
        let count = u16::try_from(words.len()).unwrap_or(u16::MAX);
        let call = Call::WriteMany {
            address,
            values: words.to_vec(),
        };
        let op = self.operation(&call, what, address, count);
        self.write(&op, &call).await
    }

    async fn write(&mut self, op: &Operation, call: &Call) -> Result<(), ModbusError> {
        match self.call(op, call).await? {
            Answer::Written => Ok(()),
            Answer::Words(words) => Err(self.bad_reply(
                op,
                "registers in reply to a write".to_string(),
                register_bytes(&words),
            )),
            Answer::Exception(_) => Err(self.bad_reply(
                op,
                "an exception that was not reported".to_string(),
                Vec::new(),
            )),
        }
    }

    fn operation(&self, call: &Call, what: &'static str, address: u16, count: u16) -> Operation {
        Operation {
            function: call.function(),
            address,
            count,
            what,
        }
    }

    /// Builds the error for registers `words`, read at `address`, that cannot be used.
    pub fn value_error(
        &self,
        what: &'static str,
        address: u16,
        words: &[u16],
        source: ScaleError,
    ) -> ModbusError {
        ModbusError::Value {
            port: self.port.clone(),
            op: Operation {
                function: 3,
                address,
                count: u16::try_from(words.len()).unwrap_or(u16::MAX),
                what,
            },
            bytes: register_bytes(words),
            source,
        }
    }

    /// Makes the request, with retries, busy backoff and one reopen; exceptions other than busy
    /// are errors.
    async fn call(&mut self, op: &Operation, call: &Call) -> Result<Answer, ModbusError> {
        let policy = self.policy;
        let mut attempts: u32 = 0;
        let mut busy: u32 = 0;
        let mut backoff = policy.busy_backoff;
        let mut reopened = false;
        let mut last_fault: Option<WireFault> = None;
        loop {
            attempts += 1;
            let outcome = match self.attempt(op, call).await {
                Ok(outcome) => outcome,
                Err(source) => {
                    if !reopened && self.try_reopen(&source).await {
                        reopened = true;
                        attempts -= 1;
                        continue;
                    }
                    return Err(ModbusError::Link {
                        port: self.port.clone(),
                        op: op.clone(),
                        source,
                    });
                }
            };
            match outcome {
                Outcome::Answer(Answer::Exception(BUSY)) if busy < policy.busy_retries => {
                    busy += 1;
                    attempts -= 1;
                    tracing::debug!(port = %self.port, %op, busy, "controller busy, backing off");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(policy.busy_backoff * 16);
                    continue;
                }
                Outcome::Answer(Answer::Exception(code)) => {
                    return Err(ModbusError::Exception {
                        port: self.port.clone(),
                        op: op.clone(),
                        exception: Exception(code),
                    })
                }
                Outcome::Answer(answer) => return Ok(answer),
                Outcome::Silent => {}
                Outcome::Faulty(fault) => last_fault = Some(fault),
            }
            self.late_possible = true;
            if attempts > policy.retries {
                return Err(match last_fault {
                    None => ModbusError::Timeout {
                        port: self.port.clone(),
                        op: op.clone(),
                        timeout: policy.timeout,
                        attempts,
                    },
                    Some(fault) => ModbusError::Wire {
                        port: self.port.clone(),
                        op: op.clone(),
                        fault,
                        attempts,
                    },
                });
            }
            tracing::debug!(port = %self.port, %op, attempts, "retrying");
        }
    }

    /// One request on a clean line: stale input discarded first, then the frame, then the reply
    /// until the timeout. An `Err` is a link failure.
    async fn attempt(&mut self, op: &Operation, call: &Call) -> io::Result<Outcome> {
        // After a timeout the late reply is waited for and discarded; should it come later
        // still, it lands just after this request went out and the real reply follows it.
        let mut suspect = std::mem::take(&mut self.late_possible);
        if suspect {
            self.discard(op, self.policy.timeout).await?;
        }
        self.discard(op, Duration::ZERO).await?;
        let (frame, transaction) = match &mut self.wire {
            Wire::Rtu { slave } => (call.rtu_frame(*slave), 0),
            Wire::Tcp { unit, next } => {
                let transaction = *next;
                *next = next.wrapping_add(1);
                (call.mbap_frame(transaction, *unit), transaction)
            }
        };
        self.io.write_all(&frame).await?;
        self.io.flush().await?;

        let mut deadline = Instant::now() + self.policy.timeout;
        let mut found: Option<(Answer, Vec<u8>)> = None;
        let mut buf: Vec<u8> = Vec::new();
        let mut chunk = [0u8; 256];
        let mut fault = None;
        loop {
            loop {
                let step = match self.wire {
                    Wire::Rtu { slave } => scan_rtu(&buf, slave, call),
                    Wire::Tcp { unit, .. } => scan_mbap(&buf, transaction, unit, call),
                };
                match step {
                    Step::Need => break,
                    Step::Reply { answer, len } if suspect => {
                        // Keep it, and listen a moment for a second reply that would prove
                        // this one late.
                        let bytes = buf.drain(..len.min(buf.len())).collect();
                        found = Some((answer, bytes));
                        suspect = false;
                        deadline = deadline.min(Instant::now() + self.policy.settle);
                    }
                    Step::Reply { answer, .. } => {
                        if let Some((_, bytes)) = found {
                            let kind = FaultKind::Mismatch(
                                "a late reply to an earlier request, followed by the real one"
                                    .to_string(),
                            );
                            self.record(op, WireFault { kind, bytes });
                        }
                        return Ok(Outcome::Answer(answer));
                    }
                    Step::Skip { len, fault: kind } => {
                        let bytes: Vec<u8> = buf.drain(..len.clamp(1, buf.len())).collect();
                        fault = Some(self.record(op, WireFault { kind, bytes }));
                    }
                }
            }
            match tokio::time::timeout_at(deadline, self.io.read(&mut chunk)).await {
                Err(_elapsed) => break,
                Ok(Ok(0)) => return Err(closed()),
                Ok(Ok(n)) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Ok(Err(error)) => return Err(error),
            }
        }
        if let Some((answer, _)) = found {
            return Ok(Outcome::Answer(answer));
        }
        if !buf.is_empty() {
            let kind = match self.wire {
                Wire::Rtu { slave } => classify_rtu_leftover(&buf, slave, call),
                Wire::Tcp { .. } => classify_mbap_leftover(&buf),
            };
            fault = Some(self.record(op, WireFault { kind, bytes: buf }));
        }
        Ok(fault.map_or(Outcome::Silent, Outcome::Faulty))
    }

    /// Discards input: what is already waiting (`listen` zero), or, after a timeout, a late
    /// reply arriving within `listen` (ended early by [`ModbusPolicy::settle`] of silence once
    /// bytes have come).
    async fn discard(&mut self, op: &Operation, listen: Duration) -> io::Result<()> {
        let mut dropped: Vec<u8> = Vec::new();
        let mut chunk = [0u8; 256];
        let until = Instant::now() + listen;
        loop {
            let quiet = if dropped.is_empty() {
                until.saturating_duration_since(Instant::now())
            } else {
                self.policy
                    .settle
                    .min(until.saturating_duration_since(Instant::now()))
            };
            match tokio::time::timeout(quiet, self.io.read(&mut chunk)).await {
                Ok(Ok(0)) => return Err(closed()),
                Ok(Ok(n)) => dropped.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Ok(Err(error)) => return Err(error),
                Err(_quiet) => break,
            }
        }
        if !dropped.is_empty() {
            let what = if listen.is_zero() {
                "stale input before the request"
            } else {
                "late reply to the previous attempt"
            };
            let text = format!("{}: discarded {what} {}", op, ShowBytes(&dropped));
            tracing::warn!(port = %self.port, "{text}");
            if let Some(log) = &self.log {
                log.note(&text);
            }
        }
        Ok(())
    }

    /// Reports a discarded frame and returns it.
    fn record(&self, op: &Operation, fault: WireFault) -> WireFault {
        let text = format!(
            "{op}: discarded {}: {}",
            ShowBytes(&fault.bytes),
            fault.kind
        );
        tracing::warn!(port = %self.port, "{text}");
        if let Some(log) = &self.log {
            log.note(&text);
        }
        fault
    }

    fn bad_reply(&self, op: &Operation, detail: String, bytes: Vec<u8>) -> ModbusError {
        ModbusError::BadReply {
            port: self.port.clone(),
            op: op.clone(),
            detail,
            bytes,
        }
    }
}

/// The error for a stream that ended.
fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "the peer closed the link")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rig::link::LinkPolicy;

    #[test]
    fn station_link_policy_sets_timeout_retries_and_backoff() {
        let link = LinkPolicy {
            timeout: Some(Duration::from_millis(2500)),
            retries: 4,
            backoff: Duration::from_millis(300),
        };
        let policy = ModbusPolicy::from_link(&link);
        assert_eq!(policy.timeout, Duration::from_millis(2500));
        assert_eq!(policy.retries, 4);
        assert_eq!(policy.busy_backoff, Duration::from_millis(300));
        assert_eq!(policy.busy_retries, ModbusPolicy::default().busy_retries);
        let unset = ModbusPolicy::from_link(&LinkPolicy {
            timeout: None,
            ..link
        });
        assert_eq!(unset.timeout, ModbusPolicy::default().timeout);
    }
}
