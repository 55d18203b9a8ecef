//! The Modbus client every driver uses: Modbus RTU and TCP as framings on the shared link
//! engine ([`crate::rig::link::engine`]), with checked replies and backoff on "server device
//! busy".
//!
//! The engine owns timeouts, retries, reopening, draining stale input, late replies and the
//! wire-log notes. This module adds what is Modbus's own:
//!
//! - **Checked replies** ([`super::frame`]): slave (unit), function, byte count, echoed address
//!   and value, and for Modbus TCP the transaction id must match. A frame that does not is
//!   discarded with its reason and never used; the engine keeps listening for the real reply
//!   until the attempt's timeout, and when none came the error names the last reason (CRC
//!   mismatch, wrong slave, truncated frame, noise) with the bytes.
//! - **Busy**: exception 06 is retried after the link's [`LinkPolicy::backoff`], doubling, up
//!   to [`BUSY_RETRIES`] times; other exceptions are refusals.
//!
//! The timing is the link's one [`LinkPolicy`]; a request waits [`DEFAULT_TIMEOUT`] for its
//! reply unless the policy sets a timeout. Reads and single/multiple writes are retried after
//! a timeout or a faulty reply: a Modbus
//! write of the same value to the same register is idempotent, and commands that are not (the
//! drop-rig command register) carry their own sequence number.

use std::time::Duration;

use super::error::{register_bytes, Exception, ModbusError, Operation};
use super::frame::{
    classify_mbap_leftover, classify_rtu_leftover, scan_mbap, scan_rtu, Answer, Call, Step,
};
use super::scale::ScaleError;
use crate::rig::link::{ByteStream, Framing, Link, LinkPolicy, Scan};
use crate::rig::wire_log::WireLog;

/// Exception code 06: server device busy.
const BUSY: u8 = 0x06;

/// How long a request waits for its reply when the link's policy sets no timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(1000);

/// Further attempts after exception 06 (server device busy); the wait starts at the policy's
/// backoff, doubles on each further busy reply and is capped at 16×.
pub const BUSY_RETRIES: u32 = 5;

/// How requests are framed, with the framing's per-link state.
#[derive(Debug, Clone, Copy)]
enum Wire {
    /// RTU to this slave address.
    Rtu { slave: u8 },
    /// Modbus TCP to this unit; `next` is the next transaction id.
    Tcp { unit: u8, next: u16 },
}

/// One Modbus request as the engine's [`Framing`].
struct Request<'a> {
    call: &'a Call,
    op: &'a Operation,
    wire: &'a mut Wire,
    /// The transaction id of the attempt in flight (Modbus TCP).
    transaction: u16,
}

impl Framing for Request<'_> {
    type Reply = Answer;

    fn label(&self) -> String {
        self.op.to_string()
    }

    fn timeout(&self) -> Duration {
        DEFAULT_TIMEOUT
    }

    fn idempotent(&self) -> bool {
        true
    }

    fn encode(&mut self) -> Vec<u8> {
        match self.wire {
            Wire::Rtu { slave } => self.call.rtu_frame(*slave),
            Wire::Tcp { unit, next } => {
                self.transaction = *next;
                *next = next.wrapping_add(1);
                self.call.mbap_frame(self.transaction, *unit)
            }
        }
    }

    fn scan(&self, received: &[u8]) -> Scan<Answer> {
        let step = match *self.wire {
            Wire::Rtu { slave } => scan_rtu(received, slave, self.call),
            Wire::Tcp { unit, .. } => scan_mbap(received, self.transaction, unit, self.call),
        };
        match step {
            Step::Need => Scan::Need,
            Step::Reply { answer, len } => Scan::Reply {
                len,
                reply: Ok(answer),
            },
            Step::Skip { len, fault } => Scan::Skip {
                len,
                problem: fault.to_string(),
            },
        }
    }

    fn leftover(&self, received: &[u8]) -> String {
        match *self.wire {
            Wire::Rtu { slave } => classify_rtu_leftover(received, slave, self.call),
            Wire::Tcp { .. } => classify_mbap_leftover(received),
        }
        .to_string()
    }
}

/// A Modbus client bound to one slave on one link.
#[derive(Debug)]
pub struct ModbusClient {
    link: Link<Box<dyn ByteStream>>,
    wire: Wire,
}

impl ModbusClient {
    /// Modbus RTU to `slave` over `io` (serial port, pty, RTU-over-TCP socket, duplex pipe).
    /// `port` names the link in every error.
    pub fn rtu<T>(io: T, port: impl Into<String>, slave: u8, policy: LinkPolicy) -> ModbusClient
    where
        T: ByteStream + 'static,
    {
        ModbusClient::rtu_on(Link::new(io, port, policy).boxed(), slave)
    }

    /// Modbus TCP (MBAP framing) to unit `unit` over `io`, usually a `TcpStream` to port 502.
    pub fn tcp<T>(io: T, port: impl Into<String>, unit: u8, policy: LinkPolicy) -> ModbusClient
    where
        T: ByteStream + 'static,
    {
        ModbusClient::tcp_on(Link::new(io, port, policy).boxed(), unit)
    }

    /// Modbus RTU to `slave` on a link (which may reopen its port and keep a wire log), with
    /// the link's policy.
    pub fn rtu_on(link: Link<Box<dyn ByteStream>>, slave: u8) -> ModbusClient {
        ModbusClient {
            link,
            wire: Wire::Rtu { slave },
        }
    }

    /// Modbus TCP to `unit` on a link (which may reopen its port and keep a wire log), with the
    /// link's policy.
    pub fn tcp_on(link: Link<Box<dyn ByteStream>>, unit: u8) -> ModbusClient {
        ModbusClient {
            link,
            wire: Wire::Tcp { unit, next: 1 },
        }
    }

    /// Notes every discarded frame (with its reason) in `log` as well as through `tracing`.
    pub fn with_log(mut self, log: Option<WireLog>) -> ModbusClient {
        self.link = self.link.with_log(log);
        self
    }

    /// The name of the link, as used in errors.
    pub fn port(&self) -> &str {
        self.link.port()
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
                tracing::debug!(port = %self.port(), error = %e, "optional registers absent");
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
            port: self.port().to_string(),
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

    /// Makes the request on the link, backing off while the controller is busy; exceptions
    /// other than busy are errors.
    async fn call(&mut self, op: &Operation, call: &Call) -> Result<Answer, ModbusError> {
        let mut busy: u32 = 0;
        let first = self.link.policy().backoff;
        let mut backoff = first;
        loop {
            let mut request = Request {
                call,
                op,
                wire: &mut self.wire,
                transaction: 0,
            };
            match self.link.transact(&mut request).await? {
                Answer::Exception(BUSY) if busy < BUSY_RETRIES => {
                    busy += 1;
                    tracing::debug!(port = %self.port(), %op, busy, "controller busy, backing off");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(first * 16);
                }
                Answer::Exception(code) => {
                    return Err(ModbusError::Exception {
                        port: self.port().to_string(),
                        op: op.clone(),
                        exception: Exception(code),
                    })
                }
                answer => return Ok(answer),
            }
        }
    }

    fn bad_reply(&self, op: &Operation, detail: String, bytes: Vec<u8>) -> ModbusError {
        ModbusError::BadReply {
            port: self.port().to_string(),
            op: op.clone(),
            detail,
            bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rig::RigError;

    #[test]
    fn a_request_waits_the_modbus_default_unless_the_policy_sets_a_timeout() {
        let call = Call::Read {
            input: false,
            address: 100,
            count: 1,
        };
        let op = Operation {
            function: 3,
            address: 100,
            count: 1,
            what: "PV",
        };
        let mut wire = Wire::Rtu { slave: 1 };
        let request = Request {
            call: &call,
            op: &op,
            wire: &mut wire,
            transaction: 0,
        };
        assert_eq!(request.timeout(), DEFAULT_TIMEOUT);
    }

    #[tokio::test]
    async fn a_policy_timeout_replaces_the_default() {
        let (near, _far) = tokio::io::duplex(64);
        let policy = LinkPolicy {
            timeout: Some(Duration::from_millis(30)),
            retries: 0,
            ..LinkPolicy::default()
        };
        let mut client = ModbusClient::rtu(near, "mem", 1, policy);
        let error: RigError = client.read_one("PV", 100).await.unwrap_err().into();
        let RigError::Timeout { after, .. } = error else {
            panic!("expected a timeout, got {error:?}");
        };
        assert_eq!(after, Duration::from_millis(30));
    }
}
