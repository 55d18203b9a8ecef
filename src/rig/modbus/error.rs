//! Errors of the Modbus layer: each names the port and the operation, and keeps "the controller
//! refused" ([`ModbusError::Exception`]) apart from "we could not reach it"
//! ([`ModbusError::Link`], the link engine's own [`RigError`]).

use tokio_modbus::ExceptionCode;

use super::scale::ScaleError;
use crate::rig::RigError;

/// One Modbus operation, as it appears in messages: `FC03 read 2 register(s) at 100 (input 1 PV)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Modbus function code (3 read holding, 4 read input, 6 write single, 16 write multiple).
    pub function: u8,
    /// PDU (0-based) register address.
    pub address: u16,
    /// Number of registers.
    pub count: u16,
    /// What the registers mean to the driver.
    pub what: &'static str,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = match self.function {
            3 | 4 => "read",
            6 | 16 => "write",
            _ => "call",
        };
        write!(
            f,
            "FC{:02} {verb} {} register(s) at {} ({})",
            self.function, self.count, self.address, self.what
        )
    }
}

/// A Modbus exception code sent by the controller, with its standard name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exception(pub u8);

impl Exception {
    /// The standard name of the exception code.
    pub fn name(self) -> &'static str {
        match self.0 {
            0x01 => "illegal function",
            0x02 => "illegal data address",
            0x03 => "illegal data value",
            0x04 => "server device failure",
            0x05 => "acknowledge",
            0x06 => "server device busy",
            0x07 => "negative acknowledge",
            0x08 => "memory parity error",
            0x0A => "gateway path unavailable",
            0x0B => "gateway target device failed to respond",
            _ => "non-standard exception",
        }
    }
}

impl From<ExceptionCode> for Exception {
    fn from(code: ExceptionCode) -> Self {
        Exception(u8::from(code))
    }
}

impl std::fmt::Display for Exception {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exception {:02X} ({})", self.0, self.name())
    }
}

/// What went wrong with one Modbus operation.
#[derive(Debug, thiserror::Error)]
pub enum ModbusError {
    /// The controller answered with a Modbus exception: it is reachable and said no.
    #[error("{port}: {op} refused: {exception}")]
    Exception {
        /// Port or address of the link.
        port: String,
        /// The refused operation.
        op: Operation,
        /// The exception sent.
        exception: Exception,
    },
    /// No usable reply: silence, only stray or broken frames, or a lost port, as the link
    /// engine reports it (naming the port, the operation and the bytes).
    #[error(transparent)]
    Link(#[from] RigError),
    /// A reply arrived but does not answer the request (wrong slave, function, count or echo).
    #[error("{port}: bad reply to {op}: {detail}")]
    BadReply {
        /// Port or address of the link.
        port: String,
        /// The operation.
        op: Operation,
        /// What was wrong.
        detail: String,
        /// The reply's data bytes as decoded (register values big-endian); empty when the reply
        /// could not be decoded at all.
        bytes: Vec<u8>,
    },
    /// Registers arrived but hold a value the driver cannot use (NaN, bad scale, out of range).
    #[error("{port}: {op}: unusable value")]
    Value {
        /// Port or address of the link.
        port: String,
        /// The operation.
        op: Operation,
        /// The registers as received, big-endian.
        bytes: Vec<u8>,
        /// The scaling problem.
        #[source]
        source: ScaleError,
    },
}

/// The error for a set point that cannot be encoded in its register: a [`RigError::Limit`] with
/// the register's own range (nothing was sent).
pub fn unencodable(what: &str, error: ScaleError) -> RigError {
    match error {
        ScaleError::OutOfRange {
            value, min, max, ..
        } => RigError::Limit {
            what: format!("{what} (register range)"),
            value,
            min,
            max,
        },
        ScaleError::NotANumber { value } => RigError::Limit {
            what: what.to_string(),
            value,
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        },
        other => RigError::not_supported(format!("{what}: {other}")),
    }
}

/// The big-endian bytes of registers, as they travelled on the wire.
pub fn register_bytes(words: &[u16]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_be_bytes()).collect()
}

impl From<ModbusError> for RigError {
    fn from(error: ModbusError) -> RigError {
        match error {
            ModbusError::Exception {
                port,
                op,
                exception,
            } => RigError::Refusal {
                port,
                command: op.to_string(),
                reply: exception.to_string(),
            },
            ModbusError::Link(error) => error,
            ModbusError::BadReply {
                port,
                op,
                detail,
                bytes,
            } => RigError::Garbled {
                port,
                command: op.to_string(),
                bytes,
                problem: detail,
            },
            ModbusError::Value {
                port,
                op,
                bytes,
                source,
            } => RigError::Garbled {
                port,
                command: op.to_string(),
                bytes,
                problem: source.to_string(),
            },
        }
    }
}

impl ModbusError {
    /// The port or address named by the error.
    pub fn port(&self) -> &str {
        match self {
            ModbusError::Exception { port, .. }
            | ModbusError::BadReply { port, .. }
            | ModbusError::Value { port, .. } => port,
            ModbusError::Link(error) => error.port().unwrap_or_default(),
        }
    }

    /// The exception code when the controller refused.
    pub fn exception(&self) -> Option<Exception> {
        match self {
            ModbusError::Exception { exception, .. } => Some(*exception),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_port_operation_and_exception() {
        let op = Operation {
            function: 6,
            address: 20,
            count: 1,
            what: "drop command",
        };
        let e = ModbusError::Exception {
            port: "/dev/ttyUSB1".into(),
            op,
            exception: Exception::from(ExceptionCode::ServerDeviceBusy),
        };
        assert_eq!(
            e.to_string(),
            "/dev/ttyUSB1: FC06 write 1 register(s) at 20 (drop command) refused: exception 06 (server device busy)"
        );
        assert_eq!(e.port(), "/dev/ttyUSB1");
        assert_eq!(e.exception(), Some(Exception(6)));
        assert_eq!(Exception(0x99).name(), "non-standard exception");
    }
}
