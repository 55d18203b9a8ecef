//! The Modbus client every driver uses: one request at a time over any async transport, with a
//! per-attempt timeout, bounded retries, backoff on "server device busy" and checked replies.
//!
//! Reads and single/multiple writes are retried after a timeout or a mismatched reply: a Modbus
//! write of the same value to the same register is idempotent, and commands that are not (the
//! drop-rig command register) carry their own sequence number. After a link error (port gone,
//! stream closed) a client given a [`Reopen`] reopens the port once and retries.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_modbus::client::{Client as _, Context};
use tokio_modbus::{ExceptionCode, Request, Response, Slave};

use super::drain::{DrainBeforeWrite, DrainFlag};
use super::error::{register_bytes, Exception, ModbusError, Operation};
use super::scale::ScaleError;
use crate::rig::RigError;

/// Timing and retry rules of one Modbus link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModbusPolicy {
    /// How long one attempt waits for a reply.
    pub timeout: Duration,
    /// Further attempts after a timeout or a mismatched reply.
    pub retries: u32,
    /// Further attempts after exception 06 (server device busy).
    pub busy_retries: u32,
    /// First wait after a busy reply; doubles on each further busy reply, capped at 16×.
    pub busy_backoff: Duration,
    /// Quiet time after a timeout or mismatched reply before the next request, so a late reply
    /// lands and is discarded instead of being taken as the next answer.
    pub settle: Duration,
}

impl Default for ModbusPolicy {
    fn default() -> Self {
        ModbusPolicy {
            timeout: Duration::from_millis(1000),
            retries: 2,
            busy_retries: 5,
            busy_backoff: Duration::from_millis(100),
            settle: Duration::from_millis(100),
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

/// A Modbus client bound to one slave on one link.
pub struct ModbusClient {
    ctx: Context,
    port: String,
    policy: ModbusPolicy,
    drain: DrainFlag,
    quiet_needed: bool,
    reopen: Option<Reopen>,
}

impl std::fmt::Debug for ModbusClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModbusClient")
            .field("port", &self.port)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl ModbusClient {
    /// Modbus RTU to `slave` over `io` (serial port, pty, RTU-over-TCP socket, duplex pipe).
    /// `port` names the link in every error.
    pub fn rtu<T>(io: T, port: impl Into<String>, slave: u8, policy: ModbusPolicy) -> ModbusClient
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let port = port.into();
        let drain = DrainFlag::default();
        let io = DrainBeforeWrite::new(io, drain.clone(), port.clone());
        let ctx = tokio_modbus::client::rtu::attach_slave(io, Slave(slave));
        ModbusClient {
            ctx,
            port,
            policy,
            drain,
            quiet_needed: false,
            reopen: None,
        }
    }

    /// Modbus TCP (MBAP framing) to unit `unit` over `io`, usually a `TcpStream` to port 502.
    pub fn tcp<T>(io: T, port: impl Into<String>, unit: u8, policy: ModbusPolicy) -> ModbusClient
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug + 'static,
    {
        let port = port.into();
        let drain = DrainFlag::default();
        let io = DrainBeforeWrite::new(io, drain.clone(), port.clone());
        let ctx = tokio_modbus::client::tcp::attach_slave(io, Slave(unit));
        ModbusClient {
            ctx,
            port,
            policy,
            drain,
            quiet_needed: false,
            reopen: None,
        }
    }

    /// Lets the client reopen the link once per request after a link error (port vanished,
    /// stream closed) and retry on the fresh link.
    pub fn with_reopen(mut self, reopen: Reopen) -> ModbusClient {
        self.reopen = Some(reopen);
        self
    }

    /// Replaces the link by a freshly opened one; false when reopening is impossible or failed.
    async fn try_reopen(&mut self, cause: &std::io::Error) -> bool {
        let Some(reopen) = self.reopen.as_mut() else {
            return false;
        };
        tracing::warn!(port = %self.port, %cause, "link failed; reopening");
        match reopen().await {
            Ok(fresh) => {
                self.ctx = fresh.ctx;
                self.drain = fresh.drain;
                self.quiet_needed = false;
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
        self.read_words(RegisterTable::Holding, what, address, count)
            .await
    }

    /// Reads `count` input registers (FC04) starting at PDU address `address`.
    pub async fn read_input(
        &mut self,
        what: &'static str,
        address: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusError> {
        self.read_words(RegisterTable::Input, what, address, count)
            .await
    }

    /// Reads `count` registers of one table; the reply must be of the same table.
    async fn read_words(
        &mut self,
        table: RegisterTable,
        what: &'static str,
        address: u16,
        count: u16,
    ) -> Result<Vec<u16>, ModbusError> {
        let (function, request) = match table {
            RegisterTable::Holding => (3, Request::ReadHoldingRegisters(address, count)),
            RegisterTable::Input => (4, Request::ReadInputRegisters(address, count)),
        };
        let op = Operation {
            function,
            address,
            count,
            what,
        };
        match (table, self.call(&op, request).await?) {
            (RegisterTable::Holding, Response::ReadHoldingRegisters(words))
            | (RegisterTable::Input, Response::ReadInputRegisters(words)) => {
                self.check_count(&op, words)
            }
            (_, other) => Err(self.unexpected(&op, &other)),
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
        let op = Operation {
            function: 6,
            address,
            count: 1,
            what,
        };
        match self
            .call(&op, Request::WriteSingleRegister(address, value))
            .await?
        {
            Response::WriteSingleRegister(a, v) if a == address && v == value => Ok(()),
            Response::WriteSingleRegister(a, v) => Err(self.bad_reply(
                &op,
                format!("echo {v:#06X} at {a} instead of {value:#06X} at {address}"),
                register_bytes(&[a, v]),
            )),
            other => Err(self.unexpected(&op, &other)),
        }
    }

    /// Writes consecutive registers (FC16) and checks the echoed address and count.
    pub async fn write_registers(
        &mut self,
        what: &'static str,
        address: u16,
        words: &[u16],
    ) -> Result<(), ModbusError> {
        let count = u16::try_from(words.len()).unwrap_or(u16::MAX);
        let op = Operation {
            function: 16,
            address,
            count,
            what,
        };
        match self
            .call(&op, Request::WriteMultipleRegisters(address, words.into()))
            .await?
        {
            Response::WriteMultipleRegisters(a, n) if a == address && n == count => Ok(()),
            Response::WriteMultipleRegisters(a, n) => Err(self.bad_reply(
                &op,
                format!("echo {n} register(s) at {a} instead of {count} at {address}"),
                register_bytes(&[a, n]),
            )),
            other => Err(self.unexpected(&op, &other)),
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

    async fn call(
        &mut self,
        op: &Operation,
        request: Request<'_>,
    ) -> Result<Response, ModbusError> {
        let policy = self.policy;
        let mut attempts: u32 = 0;
        let mut busy: u32 = 0;
        let mut backoff = policy.busy_backoff;
        let mut reopened = false;
        loop {
            if self.quiet_needed {
                // A late reply to an earlier request may still be on its way: let it land,
                // then have it discarded before this request goes out.
                tokio::time::sleep(policy.settle).await;
                self.drain.raise();
                self.quiet_needed = false;
            }
            attempts += 1;
            let outcome =
                tokio::time::timeout(policy.timeout, self.ctx.call(request.clone())).await;
            let failure = match outcome {
                Ok(Ok(Ok(response))) => return Ok(response),
                Ok(Ok(Err(ExceptionCode::ServerDeviceBusy))) if busy < policy.busy_retries => {
                    busy += 1;
                    attempts -= 1;
                    tracing::debug!(port = %self.port, %op, busy, "controller busy, backing off");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(policy.busy_backoff * 16);
                    continue;
                }
                Ok(Ok(Err(code))) => {
                    return Err(ModbusError::Exception {
                        port: self.port.clone(),
                        op: op.clone(),
                        exception: Exception::from(code),
                    })
                }
                Ok(Err(tokio_modbus::Error::Transport(e)))
                    if e.kind() == std::io::ErrorKind::InvalidData =>
                {
                    // The decoder gave up on garbage; tokio-modbus closes the stream after that.
                    return Err(self.bad_reply(op, format!("undecodable reply: {e}"), Vec::new()));
                }
                Ok(Err(tokio_modbus::Error::Transport(source))) => {
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
                Ok(Err(tokio_modbus::Error::Protocol(p))) => {
                    Some(format!("reply does not match the request: {p}"))
                }
                Err(_elapsed) => None,
            };
            self.quiet_needed = true;
            if attempts > policy.retries {
                return Err(match failure {
                    None => ModbusError::Timeout {
                        port: self.port.clone(),
                        op: op.clone(),
                        timeout: policy.timeout,
                        attempts,
                    },
                    Some(detail) => self.bad_reply(op, detail, Vec::new()),
                });
            }
            tracing::debug!(port = %self.port, %op, attempts, ?failure, "retrying");
        }
    }

    fn check_count(&self, op: &Operation, words: Vec<u16>) -> Result<Vec<u16>, ModbusError> {
        if words.len() == usize::from(op.count) {
            Ok(words)
        } else {
            Err(self.bad_reply(
                op,
                format!("{} register(s) instead of {}", words.len(), op.count),
                register_bytes(&words),
            ))
        }
    }

    fn unexpected(&self, op: &Operation, response: &Response) -> ModbusError {
        self.bad_reply(op, format!("unexpected response {response:?}"), Vec::new())
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

/// The two readable register tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RegisterTable {
    /// Holding registers (FC03).
    Holding,
    /// Input registers (FC04).
    Input,
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
