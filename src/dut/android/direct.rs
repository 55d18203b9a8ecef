//! The host side of a direct link to a device's adbd over TCP (`adb connect HOST:PORT` style):
//! `CNXN`, `AUTH` with the host's key, and one stream per request (`OPEN`, `WRTE`/`OKAY`,
//! `CLSE`).
//!
//! Written here rather than taken from adb_client 3.2, whose TCP transport adds a read of 0
//! bytes to what it has read and reads again: when a device closes the connection (every
//! reboot, an adbd restart, a dropped network) its read loops forever at full CPU. Here every
//! read is a `read_exact` bounded by the link's timeout, so an end of stream or silence is an
//! error at once.
//!
//! TLS (`STLS`, Android 11+ wireless debugging) is not spoken: such a device is reached through
//! the adb server after `adb pair` and `adb connect`.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use rsa::RsaPrivateKey;

use super::auth;
use super::message::{Message, AUTH, CLSE, CNXN, MAX_PAYLOAD, OKAY, OPEN, STLS, VERSION, WRTE};

/// What went wrong on a direct link.
#[derive(Debug)]
pub enum DirectError {
    /// The connection failed, closed or stayed silent.
    Io(io::Error),
    /// The device answered but refused (a service it would not open, TLS asked for).
    Refused(String),
    /// The device sent something that is not the protocol.
    Protocol(String),
}

impl From<io::Error> for DirectError {
    fn from(error: io::Error) -> DirectError {
        if error.kind() == io::ErrorKind::InvalidData {
            DirectError::Protocol(error.to_string())
        } else {
            DirectError::Io(error)
        }
    }
}

/// An authenticated connection to one device.
#[derive(Debug)]
pub struct DirectLink {
    stream: TcpStream,
    max_payload: u32,
    next_local: u32,
}

/// The name the host gives itself in `CNXN` and beside its public key.
const HOST_NAME: &str = "facebench";

impl DirectLink {
    /// Connects to `addr` and completes the handshake, signing a token with `key` and, when the
    /// device does not know it, offering its public key (the device then asks its user; the
    /// wait for that is bounded by `timeout` like every read).
    pub fn connect(
        addr: SocketAddr,
        key: Option<&RsaPrivateKey>,
        timeout: Duration,
    ) -> Result<DirectLink, DirectError> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        let _ = stream.set_nodelay(true);
        let mut link = DirectLink {
            stream,
            max_payload: MAX_PAYLOAD,
            next_local: 1,
        };
        link.send(Message::new(
            CNXN,
            VERSION,
            MAX_PAYLOAD,
            format!("host::{HOST_NAME}\0"),
        ))?;
        let mut signed = false;
        let mut offered = false;
        loop {
            let message = match link.receive() {
                Err(DirectError::Io(e)) if offered && is_silence(&e) => {
                    return Err(DirectError::Refused(format!(
                        "the device did not accept the host's adb key within {} ms: allow USB \
                         debugging from this computer on the device's screen, then try again",
                        timeout.as_millis()
                    )))
                }
                received => received?,
            };
            match (message.command, message.arg0) {
                (CNXN, _) => {
                    link.max_payload = message.arg1.clamp(1024, MAX_PAYLOAD);
                    return Ok(link);
                }
                (AUTH, auth::TOKEN) => {
                    let Some(key) = key else {
                        return Err(DirectError::Refused(
                            "the device asks for authentication and no adb key is set".into(),
                        ));
                    };
                    if !signed {
                        let signature = auth::sign_token(key, &message.payload)
                            .map_err(DirectError::Protocol)?;
                        link.send(Message::new(AUTH, auth::SIGNATURE, 0, signature))?;
                        signed = true;
                    } else if !offered {
                        let public = auth::public_key_payload(&key.to_public_key(), HOST_NAME)
                            .map_err(DirectError::Refused)?;
                        link.send(Message::new(AUTH, auth::PUBLIC_KEY, 0, public))?;
                        offered = true;
                    } else {
                        return Err(DirectError::Refused(
                            "the device did not accept the host's adb key (allow USB debugging \
                             from this computer on the device)"
                                .into(),
                        ));
                    }
                }
                (STLS, _) => {
                    return Err(DirectError::Refused(
                        "the device asks for TLS (Android 11+ wireless debugging): pair it with \
                         `adb pair`, `adb connect` it, and use the adb server link (serial)"
                            .into(),
                    ))
                }
                _ => {
                    return Err(DirectError::Protocol(format!(
                        "{} before the connection was accepted",
                        message.name()
                    )))
                }
            }
        }
    }

    /// Runs `command` in a shell and returns what it wrote (the v1 shell service has no exit
    /// code).
    pub fn shell(&mut self, command: &str) -> Result<Vec<u8>, DirectError> {
        let (local, remote) = self.open(&format!("shell:{command}"))?;
        let mut output = Vec::new();
        loop {
            let message = self.receive()?;
            if message.arg1 != local {
                continue; // a late message of an earlier stream
            }
            match message.command {
                WRTE => {
                    output.extend_from_slice(&message.payload);
                    self.send(Message::new(OKAY, local, remote, Vec::new()))?;
                }
                CLSE => {
                    self.send(Message::new(CLSE, local, remote, Vec::new()))?;
                    return Ok(output);
                }
                _ => {}
            }
        }
    }

    /// Asks the device to reboot and waits until the connection closes as it goes down, so
    /// that looking for the device coming back never meets the old boot still up. Silence
    /// until the timeout is an error (the request may still have been taken).
    pub fn reboot(&mut self) -> Result<(), DirectError> {
        self.open("reboot:")?;
        loop {
            match self.receive() {
                Ok(_) => {} // the stream's CLSE, or anything else said before going down
                Err(DirectError::Io(e)) if is_closed(&e) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    /// Opens a stream to `service`: our id and the device's.
    fn open(&mut self, service: &str) -> Result<(u32, u32), DirectError> {
        let local = self.next_local;
        self.next_local = self.next_local.wrapping_add(1).max(1);
        self.send(Message::new(OPEN, local, 0, format!("{service}\0")))?;
        loop {
            let message = self.receive()?;
            match message.command {
                OKAY if message.arg1 == local => return Ok((local, message.arg0)),
                CLSE if message.arg1 == local => {
                    return Err(DirectError::Refused(format!(
                        "the device would not open `{service}`"
                    )))
                }
                _ => {} // a late message of an earlier stream
            }
        }
    }

    fn send(&mut self, message: Message) -> Result<(), DirectError> {
        if message.payload.len() > self.max_payload as usize {
            return Err(DirectError::Protocol(format!(
                "{} of {} bytes is over the device's {}-byte limit",
                message.name(),
                message.payload.len(),
                self.max_payload
            )));
        }
        Ok(message.write_to(&mut self.stream)?)
    }

    fn receive(&mut self) -> Result<Message, DirectError> {
        Ok(Message::read_from(&mut self.stream)?)
    }
}

/// True for a read that ended because the device closed or reset the connection.
pub(super) fn is_closed(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
    )
}

/// True for a read that ended because nothing came within the timeout.
pub(super) fn is_silence(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::time::Instant;

    /// A device that accepts, reads the host's `CNXN`, writes `reply` and closes cleanly.
    fn device_that_closes(reply: Vec<u8>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let _ = Message::read_from(&mut socket);
            let _ = io::Write::write_all(&mut socket, &reply);
        });
        addr
    }

    #[test]
    fn a_device_closing_mid_message_is_an_error_at_once_not_a_spin() {
        let half_header = Message::new(CNXN, VERSION, MAX_PAYLOAD, b"device::\0".to_vec()).encode();
        let addr = device_that_closes(half_header[..10].to_vec());
        let started = Instant::now();
        let error = DirectLink::connect(addr, None, Duration::from_secs(5)).unwrap_err();
        assert!(
            matches!(&error, DirectError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof),
            "{error:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(4));
    }

    #[test]
    fn a_key_the_user_never_allows_is_a_refusal_that_says_what_to_do() {
        let path = super::super::key::sim_key_path();
        super::super::key::ensure_key(&path).unwrap();
        let key = auth::load_key(&path).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let device = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut heard = Vec::new();
            // CNXN, then the signature: each answered with a token; then the public key,
            // answered by nothing while the user does not tap Allow.
            for _ in 0..3 {
                let message = Message::read_from(&mut socket).unwrap();
                heard.push((message.command, message.arg0));
                if heard.len() < 3 {
                    let token = Message::new(AUTH, auth::TOKEN, 0, vec![9u8; 20]);
                    token.write_to(&mut socket).unwrap();
                }
            }
            std::thread::sleep(Duration::from_millis(400));
            heard
        });
        let error = DirectLink::connect(addr, Some(&key), Duration::from_millis(100)).unwrap_err();
        assert!(
            matches!(&error, DirectError::Refused(r) if r.contains("allow USB debugging")),
            "{error:?}"
        );
        assert_eq!(
            device.join().unwrap(),
            [
                (CNXN, VERSION),
                (AUTH, auth::SIGNATURE),
                (AUTH, auth::PUBLIC_KEY)
            ]
        );
    }

    #[test]
    fn tls_and_missing_keys_are_refusals_that_say_what_to_do() {
        let stls = Message::new(STLS, 1, 0, Vec::new()).encode();
        let error = DirectLink::connect(device_that_closes(stls), None, Duration::from_secs(5))
            .unwrap_err();
        assert!(
            matches!(&error, DirectError::Refused(r) if r.contains("adb pair")),
            "{error:?}"
        );
        let token = Message::new(AUTH, auth::TOKEN, 0, vec![1u8; 20]).encode();
        let error = DirectLink::connect(device_that_closes(token), None, Duration::from_secs(5))
            .unwrap_err();
        assert!(
            matches!(&error, DirectError::Refused(r) if r.contains("no adb key")),
            "{error:?}"
        );
    }
}
