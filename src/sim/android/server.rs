//! The device side of the adb transport over TCP: accept a host, answer its `CNXN` with the
//! device banner (after `AUTH` when [`WireFaults::auth`] is on; no TLS), open a stream per `OPEN`, answer `shell:` and `reboot:`
//! services, and honour the flow control (one `WRTE` in flight per stream until the host's
//! `OKAY`).
//!
//! Each connection has a reader thread; each stream runs on its own thread and writes through
//! the connection's shared socket. A reboot drops every connection and refuses new ones (they
//! are closed at once) until the boot time has passed.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use super::device::{Device, ShellReply};
use crate::dut::android::auth;
use crate::dut::android::message::{
    Message, AUTH, CLSE, CNXN, MAX_PAYLOAD, OKAY, OPEN, VERSION, WRTE,
};
use rsa::rand_core::{OsRng, RngCore};
use rsa::RsaPublicKey;

/// Wire faults of the simulated device.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WireFaults {
    /// Every stream's reply is held back this long (real time).
    pub slow: Option<Duration>,
    /// A service whose name contains this text sends half its output, then the connection
    /// drops.
    pub disconnect_on: Option<String>,
    /// The device asks every host to authenticate (USB debugging authorization): a host must
    /// sign its token with a key it knows, or offer its public key, which the device's user
    /// allows at once.
    pub auth: bool,
}

/// How long a stream waits for the host's `OKAY` before giving up on it.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a following `logcat` looks for new lines (real time).
const FOLLOW_POLL: Duration = Duration::from_millis(50);

/// State shared by the listener and every connection.
#[derive(Debug)]
pub struct Shared {
    /// The device.
    pub device: Mutex<Device>,
    /// Its wire faults.
    pub faults: WireFaults,
    /// Set to stop serving.
    pub stop: AtomicBool,
    /// Open connections, to drop on a reboot or a stop.
    connections: Mutex<Vec<TcpStream>>,
    next_id: AtomicU32,
    /// Host keys the user has allowed.
    allowed_keys: Mutex<Vec<RsaPublicKey>>,
}

impl Shared {
    /// Shared state for `device`.
    pub fn new(device: Device, faults: WireFaults) -> Shared {
        Shared {
            device: Mutex::new(device),
            faults,
            stop: AtomicBool::new(false),
            connections: Mutex::new(Vec::new()),
            next_id: AtomicU32::new(1),
            allowed_keys: Mutex::new(Vec::new()),
        }
    }

    /// True when `signature` signs `token` with a key the user has allowed.
    fn signed_by_allowed_key(&self, token: &[u8], signature: &[u8]) -> bool {
        let keys = self.allowed_keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .any(|key| auth::signature_matches(key, token, signature))
    }

    /// How many host keys the user has allowed.
    pub fn allowed_key_count(&self) -> usize {
        self.allowed_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// The user allows a host key.
    fn allow(&self, key: RsaPublicKey) {
        let mut keys = self.allowed_keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.push(key);
    }

    /// The device, even if a stream thread panicked holding it.
    pub fn device(&self) -> MutexGuard<'_, Device> {
        self.device.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Resets every open connection (RST, not FIN): the link dies under the host, as when the
    /// device reboots, adbd is killed or a cable is pulled.
    pub fn drop_connections(&self) {
        let mut connections = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        for c in connections.drain(..) {
            // With no linger the last close sends RST; ending our reads (which sends nothing)
            // lets the connection's threads end and close it.
            let _ = socket2::SockRef::from(&c).set_linger(Some(Duration::ZERO));
            let _ = c.shutdown(Shutdown::Read);
        }
    }
}

/// Accepts hosts on `listener` until `shared.stop` is set (the stopper then connects once to
/// wake the accept).
pub fn serve(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        if shared.device().booting() {
            // adbd is down: the connection is reset at once.
            let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
            drop(stream);
            continue;
        }
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            if let Err(e) = connection(stream, &shared) {
                tracing::debug!("simulated android: connection ended: {e}");
            }
        });
    }
    shared.drop_connections();
}

type Writer = Arc<Mutex<TcpStream>>;

fn send(writer: &Writer, message: Message) -> io::Result<()> {
    let mut socket = writer.lock().unwrap_or_else(|e| e.into_inner());
    message.write_to(&mut *socket)
}

/// What a stream thread hears from its host.
enum Event {
    Okay,
    Close,
}

fn connection(stream: TcpStream, shared: &Arc<Shared>) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    shared
        .connections
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(stream.try_clone()?);
    let mut reader = stream.try_clone()?;
    let writer: Writer = Arc::new(Mutex::new(stream));
    let mut max_payload = MAX_PAYLOAD;
    let mut streams: HashMap<u32, Sender<Event>> = HashMap::new();
    let mut authorized = !shared.faults.auth;
    let mut token = [0u8; 20];
    let accept = || {
        let banner = shared.device().config().banner();
        send(
            &writer,
            Message::new(CNXN, VERSION, MAX_PAYLOAD, banner.into_bytes()),
        )
    };
    let challenge = |token: &mut [u8; 20]| {
        OsRng.fill_bytes(token);
        send(&writer, Message::new(AUTH, auth::TOKEN, 0, token.to_vec()))
    };
    loop {
        let message = Message::read_from(&mut reader)?;
        match message.command {
            CNXN => {
                max_payload = message.arg1.clamp(1024, MAX_PAYLOAD);
                if authorized {
                    accept()?;
                } else {
                    challenge(&mut token)?;
                }
            }
            AUTH if message.arg0 == auth::SIGNATURE => {
                authorized = shared.signed_by_allowed_key(&token, &message.payload);
                if authorized {
                    accept()?;
                } else {
                    challenge(&mut token)?;
                }
            }
            AUTH if message.arg0 == auth::PUBLIC_KEY => {
                let key = auth::parse_public_key_payload(&message.payload)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                shared.allow(key);
                authorized = true;
                accept()?;
            }
            OPEN if !authorized => {
                send(&writer, Message::new(CLSE, 0, message.arg0, Vec::new()))?;
            }
            OPEN => {
                let local = shared.next_id.fetch_add(1, Ordering::SeqCst);
                let service = String::from_utf8_lossy(&message.payload)
                    .trim_end_matches('\0')
                    .to_string();
                let (tx, rx) = mpsc::channel();
                streams.insert(local, tx);
                let stream = Stream {
                    writer: Arc::clone(&writer),
                    shared: Arc::clone(shared),
                    local,
                    remote: message.arg0,
                    max_payload,
                    events: rx,
                };
                thread::spawn(move || stream.run(&service));
            }
            OKAY => {
                if let Some(tx) = streams.get(&message.arg1) {
                    let _ = tx.send(Event::Okay);
                }
            }
            CLSE => {
                if let Some(tx) = streams.remove(&message.arg1) {
                    let _ = tx.send(Event::Close);
                }
            }
            WRTE => {
                // Input to a stream (nothing the simulated services read): acknowledge it.
                send(
                    &writer,
                    Message::new(OKAY, message.arg1, message.arg0, Vec::new()),
                )?;
            }
            _ => {} // STLS or anything else: ignored.
        }
    }
}

/// One open stream.
struct Stream {
    writer: Writer,
    shared: Arc<Shared>,
    local: u32,
    remote: u32,
    max_payload: u32,
    events: Receiver<Event>,
}

impl Stream {
    fn run(self, service: &str) {
        if let Err(e) = self.serve(service) {
            tracing::debug!("simulated android: stream `{service}` ended: {e}");
        }
    }

    fn message(&self, command: u32, payload: Vec<u8>) -> Message {
        Message::new(command, self.local, self.remote, payload)
    }

    fn serve(&self, service: &str) -> io::Result<()> {
        let reply = if let Some(command) = service.strip_prefix("shell:") {
            self.shared.device().shell(command)
        } else if service.starts_with("reboot:") {
            ShellReply::Reboot
        } else {
            // Unknown service: the device closes the stream without opening it.
            return send(&self.writer, Message::new(CLSE, 0, self.remote, Vec::new()));
        };
        send(&self.writer, self.message(OKAY, Vec::new()))?;
        if let Some(delay) = self.shared.faults.slow {
            thread::sleep(delay);
        }
        let disconnect = self
            .shared
            .faults
            .disconnect_on
            .as_deref()
            .is_some_and(|text| service.contains(text));
        match reply {
            ShellReply::Output(bytes) if disconnect => {
                self.write(&bytes[..bytes.len() / 2])?;
                self.shared.drop_connections();
                return Ok(());
            }
            ShellReply::Output(bytes) => {
                if !self.write(&bytes)? {
                    return Ok(());
                }
            }
            ShellReply::FollowLogcat => self.follow_logcat()?,
            ShellReply::Reboot => {
                send(&self.writer, self.message(CLSE, Vec::new()))?;
                self.shared.device().reboot();
                self.shared.drop_connections();
                return Ok(());
            }
        }
        send(&self.writer, self.message(CLSE, Vec::new()))
    }

    /// Sends `bytes` in `WRTE`s, each after the previous one's `OKAY`; false when the host
    /// closed the stream meanwhile.
    fn write(&self, bytes: &[u8]) -> io::Result<bool> {
        for chunk in bytes.chunks(self.max_payload as usize) {
            send(&self.writer, self.message(WRTE, chunk.to_vec()))?;
            match self.events.recv_timeout(ACK_TIMEOUT) {
                Ok(Event::Okay) => {}
                Ok(Event::Close) | Err(RecvTimeoutError::Disconnected) => return Ok(false),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no OKAY from the host",
                    ))
                }
            }
        }
        Ok(true)
    }

    /// Streams the logcat buffer, then each new line, until the host closes the stream or the
    /// simulator stops.
    fn follow_logcat(&self) -> io::Result<()> {
        let mut sent = 0;
        while !self.shared.stop.load(Ordering::SeqCst) {
            let lines = self.shared.device().logcat();
            let fresh: String = lines
                .iter()
                .skip(sent)
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            sent = lines.len().max(sent);
            if !fresh.is_empty() && !self.write(fresh.as_bytes())? {
                return Ok(());
            }
            match self.events.recv_timeout(FOLLOW_POLL) {
                Ok(Event::Close) | Err(RecvTimeoutError::Disconnected) => return Ok(()),
                Ok(Event::Okay) | Err(RecvTimeoutError::Timeout) => {}
            }
        }
        Ok(())
    }
}

/// The address of a listener, for the stopper's wake-up connection.
pub fn wake(addr: SocketAddr) {
    let _ = TcpStream::connect_timeout(&addr, Duration::from_millis(200));
}
