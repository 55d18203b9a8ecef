//! Rig errors: one enum for every driver, split by what the runner can do about them.
//!
//! The split that matters is "the instrument said no" ([`RigError::Refusal`]: it answered, and
//! refused) against "we could not talk to it" ([`RigError::Timeout`], [`RigError::Link`],
//! [`RigError::Disconnected`], [`RigError::Garbled`]). A refusal is a fact about the instrument
//! the runner may handle (a set point the chamber does not accept); a lost link is a harness
//! fault and gives the verdict `error`, never `no pass`. [`RigError::Limit`] is raised before
//! anything goes on the wire: the station's safe limits are never clamped silently.
//! Every variant names the port (or the setting) and [`RigError::help`] suggests a fix.

use std::fmt;
use std::io;
use std::time::Duration;

/// Why a rig operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RigError {
    /// The instrument did not answer within the request's timeout.
    #[error("{port}: no reply to `{command}` within {} ms", after.as_millis())]
    Timeout {
        /// Port path or `tcp:host:port`.
        port: String,
        /// The command as written on the wire, without its terminator.
        command: String,
        /// How long we waited (real time, even on a simulated clock).
        after: Duration,
    },
    /// The port could not be opened, written or read.
    #[error("{port}: the port failed")]
    Link {
        /// Port path or `tcp:host:port`.
        port: String,
        /// The operating-system error.
        #[source]
        source: io::Error,
    },
    /// The instrument answered and refused the command (ESPEC `NA:`, PC-link `NG`, a Modbus
    /// exception).
    #[error("{port}: `{command}` refused: {reply}")]
    Refusal {
        /// Port path or `tcp:host:port`.
        port: String,
        /// The refused command.
        command: String,
        /// The instrument's reason, in its words and, where known, ours.
        reply: String,
    },
    /// The reply could not be understood: bad checksum or CRC, wrong shape, unparseable number.
    #[error(
        "{port}: garbled reply to `{command}`: {problem}; got {}",
        ShowBytes(bytes)
    )]
    Garbled {
        /// Port path or `tcp:host:port`.
        port: String,
        /// The command that was answered.
        command: String,
        /// The reply bytes as received.
        bytes: Vec<u8>,
        /// What is wrong with them.
        problem: String,
    },
    /// A set point outside the station's safe limits; nothing was sent.
    #[error("{what} {value} is outside the station's safe limits [{min}, {max}]")]
    Limit {
        /// What was being set, with its unit (`temperature °C`).
        what: String,
        /// The requested value.
        value: f64,
        /// Lowest allowed value.
        min: f64,
        /// Highest allowed value.
        max: f64,
    },
    /// The rig or its protocol cannot do this.
    #[error("not supported: {what}")]
    NotSupported {
        /// The missing ability, e.g. `humidity control on a temperature-only chamber`.
        what: String,
    },
    /// The port closed (USB unplugged, peer hung up) and could not be reopened.
    #[error("{port}: disconnected")]
    Disconnected {
        /// Port path or `tcp:host:port`.
        port: String,
    },
}

impl RigError {
    /// A suggestion for the operator, where one is useful.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            RigError::Timeout { .. } => Some(
                "check the station file's baud, parity and address against the instrument's \
                 communication settings, that the cable is a null-modem where needed, and that \
                 the controller is in REMOTE / communication mode",
            ),
            RigError::Link { source, .. } => match source.kind() {
                io::ErrorKind::NotFound => Some(
                    "the port does not exist: check `port` in the station file \
                     (prefer a /dev/serial/by-id/ path, it survives re-plugging)",
                ),
                io::ErrorKind::PermissionDenied => {
                    Some("no permission on the port: add the user to the `dialout` group")
                }
                io::ErrorKind::ConnectionRefused => Some(
                    "nothing listens on that TCP port: check the gateway's IP and port \
                     (ESPEC LAN option: 57732, Modbus TCP: 502)",
                ),
                _ => None,
            },
            RigError::Refusal { .. } => Some(
                "the instrument answered but refused: check the value against the controller's \
                 own limits and that the chamber is not key-protected or in local mode",
            ),
            RigError::Garbled { .. } => Some(
                "replies arrive but make no sense: check baud, parity, data and stop bits, and \
                 that no second program has the port open",
            ),
            RigError::Limit { .. } => Some(
                "the station file's safe limits forbid this set point: fix the plan, or the \
                 limits if the chamber and the unit really allow it",
            ),
            RigError::NotSupported { .. } => None,
            RigError::Disconnected { .. } => Some(
                "the port vanished: check the USB cable and power; a /dev/serial/by-id/ path is \
                 reopened automatically when the adapter comes back",
            ),
        }
    }

    /// True when the instrument could not be reached (as opposed to refusing or a local limit):
    /// the harness, not the unit under test, is at fault.
    pub fn is_link_fault(&self) -> bool {
        matches!(
            self,
            RigError::Timeout { .. }
                | RigError::Link { .. }
                | RigError::Garbled { .. }
                | RigError::Disconnected { .. }
        )
    }

    /// The port the error names; `None` for errors raised before anything reached a port.
    pub fn port(&self) -> Option<&str> {
        match self {
            RigError::Timeout { port, .. }
            | RigError::Link { port, .. }
            | RigError::Refusal { port, .. }
            | RigError::Garbled { port, .. }
            | RigError::Disconnected { port } => Some(port),
            RigError::Limit { .. } | RigError::NotSupported { .. } => None,
        }
    }

    /// Shorthand for [`RigError::NotSupported`].
    pub fn not_supported(what: impl Into<String>) -> RigError {
        RigError::NotSupported { what: what.into() }
    }
}

/// Displays bytes as hex and, where printable, as text: `[4E 41 0D 0A] "NA\r\n"`.
#[derive(Debug, Clone, Copy)]
pub struct ShowBytes<'a>(pub &'a [u8]);

impl fmt::Display for ShowBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("nothing");
        }
        f.write_str("[")?;
        for (index, byte) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{byte:02X}")?;
        }
        f.write_str("] \"")?;
        for &byte in self.0 {
            write!(f, "{}", std::ascii::escape_default(byte))?;
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbled_shows_hex_and_text() {
        let error = RigError::Garbled {
            port: "/dev/ttyUSB0".into(),
            command: "TEMP?".into(),
            bytes: b"2\xff\r\n".to_vec(),
            problem: "not a number".into(),
        };
        assert_eq!(
            error.to_string(),
            "/dev/ttyUSB0: garbled reply to `TEMP?`: not a number; got [32 FF 0D 0A] \"2\\xff\\r\\n\""
        );
        assert!(error.is_link_fault());
        assert!(error.help().is_some());
    }

    #[test]
    fn timeout_names_port_command_and_wait() {
        let error = RigError::Timeout {
            port: "tcp:10.0.0.5:57732".into(),
            command: "MON?".into(),
            after: Duration::from_millis(1500),
        };
        assert_eq!(
            error.to_string(),
            "tcp:10.0.0.5:57732: no reply to `MON?` within 1500 ms"
        );
    }

    #[test]
    fn refusal_and_limit_are_not_link_faults() {
        let refusal = RigError::Refusal {
            port: "p".into(),
            command: "TEMP, S300.0".into(),
            reply: "DATA OUT OF RANGE".into(),
        };
        let limit = RigError::Limit {
            what: "temperature °C".into(),
            value: 300.0,
            min: -40.0,
            max: 150.0,
        };
        assert!(!refusal.is_link_fault());
        assert!(!limit.is_link_fault());
        assert_eq!(ShowBytes(b"").to_string(), "nothing");
    }
}
