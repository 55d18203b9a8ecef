//! The adb transport message: a 24-byte little-endian header (command, arg0, arg1, payload
//! length, payload checksum, command ^ 0xffffffff) followed by the payload, as described in the
//! AOSP adb protocol notes. The checksum is the byte sum of the payload; peers from protocol
//! version 0x01000001 on do not check it, older ones do, so it is always sent. The host's direct
//! link ([`super::direct`]) and the simulated terminal ([`crate::sim::android`]) both use it.

use std::io::{self, Read, Write};

/// `CNXN`: connect (version, max payload, system identity).
pub const CNXN: u32 = u32::from_le_bytes(*b"CNXN");
/// `AUTH`: authentication (arg0: 1 token, 2 signature, 3 public key).
pub const AUTH: u32 = u32::from_le_bytes(*b"AUTH");
/// `OPEN`: open a stream to a service (local id, 0, service name).
pub const OPEN: u32 = u32::from_le_bytes(*b"OPEN");
/// `OKAY`: stream ready / write acknowledged.
pub const OKAY: u32 = u32::from_le_bytes(*b"OKAY");
/// `WRTE`: stream data.
pub const WRTE: u32 = u32::from_le_bytes(*b"WRTE");
/// `CLSE`: stream closed.
pub const CLSE: u32 = u32::from_le_bytes(*b"CLSE");
/// `STLS`: switch to TLS (Android 11+ wireless debugging).
pub const STLS: u32 = u32::from_le_bytes(*b"STLS");

/// The protocol version spoken here.
pub const VERSION: u32 = 0x0100_0001;
/// The largest payload accepted and offered here.
pub const MAX_PAYLOAD: u32 = 256 * 1024;

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Command word (`CNXN`, `OPEN`, ...).
    pub command: u32,
    /// First argument.
    pub arg0: u32,
    /// Second argument.
    pub arg1: u32,
    /// Payload.
    pub payload: Vec<u8>,
}

impl Message {
    /// A message with its payload.
    pub fn new(command: u32, arg0: u32, arg1: u32, payload: impl Into<Vec<u8>>) -> Message {
        Message {
            command,
            arg0,
            arg1,
            payload: payload.into(),
        }
    }

    /// The command as four letters (`OKAY`), or hex when it is not text.
    pub fn name(&self) -> String {
        name(self.command)
    }

    /// The wire bytes: header then payload.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(24 + self.payload.len());
        let length = u32::try_from(self.payload.len()).unwrap_or(u32::MAX);
        for word in [
            self.command,
            self.arg0,
            self.arg1,
            length,
            checksum(&self.payload),
            !self.command,
        ] {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        bytes.extend_from_slice(&self.payload);
        bytes
    }

    /// Writes the message.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.encode())?;
        out.flush()
    }

    /// Reads one message; a bad magic, an oversized payload or a wrong checksum (when the
    /// sender set one) is an `InvalidData` error naming the fault.
    pub fn read_from(input: &mut impl Read) -> io::Result<Message> {
        let mut header = [0u8; 24];
        input.read_exact(&mut header)?;
        let word =
            |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
        let (command, arg0, arg1, length, check, magic) =
            (word(0), word(4), word(8), word(12), word(16), word(20));
        if magic != !command {
            return Err(invalid(format!(
                "bad magic {magic:#010x} for command {}",
                name(command)
            )));
        }
        if length > MAX_PAYLOAD.max(1024 * 1024) {
            return Err(invalid(format!(
                "{} payload of {length} bytes is over the limit",
                name(command)
            )));
        }
        let mut payload = vec![0u8; length as usize];
        input.read_exact(&mut payload)?;
        if check != 0 && check != checksum(&payload) {
            return Err(invalid(format!(
                "{} payload checksum {check:#x}, computed {:#x}",
                name(command),
                checksum(&payload)
            )));
        }
        Ok(Message {
            command,
            arg0,
            arg1,
            payload,
        })
    }
}

/// The payload checksum: the sum of its bytes.
pub fn checksum(payload: &[u8]) -> u32 {
    payload
        .iter()
        .fold(0u32, |sum, &b| sum.wrapping_add(u32::from(b)))
}

fn name(command: u32) -> String {
    let bytes = command.to_le_bytes();
    if bytes.iter().all(u8::is_ascii_uppercase) {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        format!("{command:#010x}")
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_connect_message_has_the_documented_header() {
        let bytes = Message::new(CNXN, VERSION, MAX_PAYLOAD, &b"host::\0"[..]).encode();
        assert_eq!(&bytes[0..4], b"CNXN");
        assert_eq!(&bytes[4..8], &VERSION.to_le_bytes());
        assert_eq!(&bytes[12..16], &7u32.to_le_bytes());
        assert_eq!(&bytes[16..20], &checksum(b"host::\0").to_le_bytes());
        assert_eq!(&bytes[20..24], &(!CNXN).to_le_bytes());
        assert_eq!(&bytes[24..], b"host::\0");
    }

    #[test]
    fn a_wrong_magic_or_checksum_is_reported_not_accepted() {
        let mut bytes = Message::new(OKAY, 1, 2, &b"x"[..]).encode();
        bytes[16] ^= 1;
        let err = Message::read_from(&mut &bytes[..]).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
        bytes[16] ^= 1;
        bytes[20] ^= 1;
        let err = Message::read_from(&mut &bytes[..]).unwrap_err();
        assert!(err.to_string().contains("bad magic"), "{err}");
    }

    proptest! {
        #[test]
        fn messages_survive_a_round_trip(command in any::<u32>(), a in any::<u32>(), b in any::<u32>(),
                                         payload in proptest::collection::vec(any::<u8>(), 0..300)) {
            let message = Message::new(command, a, b, payload);
            let back = Message::read_from(&mut &message.encode()[..]).unwrap();
            prop_assert_eq!(back, message);
        }

        #[test]
        fn random_bytes_never_panic_the_reader(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = Message::read_from(&mut &bytes[..]);
        }
    }
}
