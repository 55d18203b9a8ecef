//! A scripted Modbus RTU slave: a register store that answers FC03/04/06/16 over any async
//! transport, logs every request byte for byte, and misbehaves on demand.
//!
//! It is deliberately independent of tokio-modbus (its own frame parser and CRC), so a driver
//! test exercises our client against a second implementation rather than against itself. Tests
//! use it over `tokio::io::duplex` or a pty; a [`WriteHook`] gives registers behaviour (a drop
//! rig that acknowledges commands). Test-only: shared by the test binaries through `#[path]`.

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use facebench::rig::modbus::crc::{crc_ok, rtu_frame};
use facebench::rig::modbus::frame::MAX_RTU_FRAME;

/// A Modbus request as the peer understood it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerRequest {
    /// FC03 read holding registers: address, count.
    ReadHolding(u16, u16),
    /// FC04 read input registers: address, count.
    ReadInput(u16, u16),
    /// FC06 write single register: address, value.
    WriteSingle(u16, u16),
    /// FC16 write multiple registers: address, values.
    WriteMultiple(u16, Vec<u16>),
    /// Any other function code, answered with exception 01.
    Other(u8),
}

/// Outcome of looking for one request frame at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// More bytes are needed.
    Incomplete,
    /// A frame with a good CRC: slave address, request, frame length in bytes.
    Frame(u8, PeerRequest, usize),
    /// The buffer cannot start a valid frame (bad CRC, impossible length): discard it.
    Garbage,
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

/// Parses one RTU request frame at the start of `buf`. Never panics, whatever the input.
pub fn parse_request(buf: &[u8]) -> Parsed {
    let (Some(&slave), Some(&function)) = (buf.first(), buf.get(1)) else {
        return Parsed::Incomplete;
    };
    let len = match function {
        3 | 4 | 6 => 8,
        16 => match buf.get(6) {
            Some(&byte_count) => 9 + usize::from(byte_count),
            None => return Parsed::Incomplete,
        },
        // Unknown function: its length is unknown too; take what arrived as one frame.
        _ if buf.len() >= 4 && crc_ok(buf) => buf.len(),
        _ if buf.len() >= MAX_RTU_FRAME => return Parsed::Garbage,
        _ => return Parsed::Incomplete,
    };
    if len > MAX_RTU_FRAME {
        return Parsed::Garbage;
    }
    let Some(frame) = buf.get(..len) else {
        return Parsed::Incomplete;
    };
    if !crc_ok(frame) {
        return Parsed::Garbage;
    }
    let field = |at| be16(frame, at).unwrap_or_default();
    let request = match function {
        3 => PeerRequest::ReadHolding(field(2), field(4)),
        4 => PeerRequest::ReadInput(field(2), field(4)),
        6 => PeerRequest::WriteSingle(field(2), field(4)),
        16 => {
            let count = field(4);
            let values: Vec<u16> = (0..usize::from(count))
                .map_while(|i| be16(frame, 7 + 2 * i))
                .collect();
            if values.len() != usize::from(count) || 2 * values.len() + 9 != len {
                return Parsed::Garbage;
            }
            PeerRequest::WriteMultiple(field(2), values)
        }
        other => PeerRequest::Other(other),
    };
    Parsed::Frame(slave, request, len)
}

/// How the peer misbehaves on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerFault {
    /// Answer with this exception code.
    Exception(u8),
    /// Do not answer at all (the request is not executed).
    Silent,
    /// Execute the request but lose the reply, as when the answer is corrupted on the line.
    LoseReply,
    /// Answer with the CRC's low byte flipped.
    BadCrc,
    /// Answer after this delay.
    Delay(Duration),
    /// Answer with these raw bytes instead of the real reply.
    Raw(Vec<u8>),
}

/// The registers of a peer.
pub type Registers = BTreeMap<u16, u16>;

/// Gives writes behaviour: called instead of storing the values; return an exception code to
/// refuse. [`store`] does the default.
pub type WriteHook = Box<dyn FnMut(&mut Registers, u16, &[u16]) -> Result<(), u8> + Send>;

/// Stores `values` at consecutive addresses from `address`.
pub fn store(registers: &mut Registers, address: u16, values: &[u16]) {
    for (offset, value) in values.iter().enumerate() {
        let Ok(offset) = u16::try_from(offset) else {
            break;
        };
        registers.insert(address.wrapping_add(offset), *value);
    }
}

struct PeerState {
    registers: Registers,
    frames: Vec<Vec<u8>>,
    requests: Vec<PeerRequest>,
    next_faults: VecDeque<PeerFault>,
    address_faults: BTreeMap<u16, PeerFault>,
    hook: Option<WriteHook>,
    strict: bool,
}

/// A scripted Modbus RTU slave; clones share the same registers and logs.
#[derive(Clone)]
pub struct RegisterPeer {
    slave: u8,
    state: Arc<Mutex<PeerState>>,
}

impl std::fmt::Debug for RegisterPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterPeer")
            .field("slave", &self.slave)
            .finish_non_exhaustive()
    }
}

enum Reply {
    None,
    Bytes(Vec<u8>, Duration),
}

impl RegisterPeer {
    /// A peer answering as slave `slave`, every register 0, unknown addresses allowed.
    pub fn new(slave: u8) -> RegisterPeer {
        RegisterPeer {
            slave,
            state: Arc::new(Mutex::new(PeerState {
                registers: Registers::new(),
                frames: Vec::new(),
                requests: Vec::new(),
                next_faults: VecDeque::new(),
                address_faults: BTreeMap::new(),
                hook: None,
                strict: false,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PeerState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Only registers set beforehand exist; others answer exception 02 (illegal data address).
    pub fn strict(self) -> RegisterPeer {
        self.lock().strict = true;
        self
    }

    /// Sets registers from `address` on.
    pub fn set(&self, address: u16, values: &[u16]) {
        store(&mut self.lock().registers, address, values);
    }

    /// One register (0 when never set).
    pub fn get(&self, address: u16) -> u16 {
        self.lock().registers.get(&address).copied().unwrap_or(0)
    }

    /// Installs the write hook.
    pub fn on_write(&self, hook: WriteHook) {
        self.lock().hook = Some(hook);
    }

    /// Misbehaves on the next request (faults queue up, one per request).
    pub fn fail_next(&self, fault: PeerFault) {
        self.lock().next_faults.push_back(fault);
    }

    /// Misbehaves on every request touching `address`, until [`RegisterPeer::heal`].
    pub fn fail_at(&self, address: u16, fault: PeerFault) {
        self.lock().address_faults.insert(address, fault);
    }

    /// Removes every queued and per-address fault.
    pub fn heal(&self) {
        let mut state = self.lock();
        state.next_faults.clear();
        state.address_faults.clear();
    }

    /// Every request frame received for this slave, byte for byte, in order.
    pub fn frames(&self) -> Vec<Vec<u8>> {
        self.lock().frames.clone()
    }

    /// Every request received for this slave, decoded, in order.
    pub fn requests(&self) -> Vec<PeerRequest> {
        self.lock().requests.clone()
    }

    /// The writes received (FC06 and FC16), as (address, values).
    pub fn writes(&self) -> Vec<(u16, Vec<u16>)> {
        self.requests()
            .into_iter()
            .filter_map(|r| match r {
                PeerRequest::WriteSingle(a, v) => Some((a, vec![v])),
                PeerRequest::WriteMultiple(a, v) => Some((a, v)),
                _ => None,
            })
            .collect()
    }

    /// Forgets the request log.
    pub fn clear_log(&self) {
        let mut state = self.lock();
        state.frames.clear();
        state.requests.clear();
    }

    /// Answers requests on `io` until it closes.
    pub async fn serve<T: AsyncRead + AsyncWrite + Unpin>(&self, mut io: T) -> std::io::Result<()> {
        let mut buf: Vec<u8> = Vec::new();
        let mut chunk = [0u8; MAX_RTU_FRAME];
        loop {
            let n = io.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            loop {
                match parse_request(&buf) {
                    Parsed::Incomplete => break,
                    Parsed::Garbage => {
                        // A real slave stays silent on a bad frame and waits for line silence.
                        buf.clear();
                        break;
                    }
                    Parsed::Frame(slave, request, len) => {
                        let frame: Vec<u8> = buf.drain(..len.min(buf.len())).collect();
                        if slave != self.slave {
                            continue;
                        }
                        if let Reply::Bytes(bytes, delay) = self.answer(frame, request) {
                            if !delay.is_zero() {
                                tokio::time::sleep(delay).await;
                            }
                            io.write_all(&bytes).await?;
                            io.flush().await?;
                        }
                    }
                }
            }
        }
    }

    fn answer(&self, frame: Vec<u8>, request: PeerRequest) -> Reply {
        let mut state = self.lock();
        state.frames.push(frame);
        state.requests.push(request.clone());
        let touched = touched(&request);
        let fault = state.next_faults.pop_front().or_else(|| {
            touched.clone().find_map(|a| {
                u16::try_from(a)
                    .ok()
                    .and_then(|a| state.address_faults.get(&a).cloned())
            })
        });
        let function = function_of(&request);
        let pdu = match fault {
            Some(PeerFault::Silent) => return Reply::None,
            Some(PeerFault::Raw(bytes)) => return Reply::Bytes(bytes, Duration::ZERO),
            Some(PeerFault::Exception(code)) => vec![function | 0x80, code],
            _ => match self.execute(&mut state, &request, touched) {
                Ok(pdu) => pdu,
                Err(code) => vec![function | 0x80, code],
            },
        };
        if fault == Some(PeerFault::LoseReply) {
            return Reply::None;
        }
        let mut bytes = rtu_frame(self.slave, &pdu);
        let delay = match fault {
            Some(PeerFault::BadCrc) => {
                let body = bytes.len().saturating_sub(2);
                if let Some(b) = bytes.get_mut(body) {
                    *b ^= 0xFF;
                }
                Duration::ZERO
            }
            Some(PeerFault::Delay(d)) => d,
            _ => Duration::ZERO,
        };
        Reply::Bytes(bytes, delay)
    }

    fn execute(
        &self,
        state: &mut PeerState,
        request: &PeerRequest,
        mut touched: std::ops::Range<u32>,
    ) -> Result<Vec<u8>, u8> {
        let exists = |state: &PeerState, a: u32| {
            !state.strict || u16::try_from(a).is_ok_and(|a| state.registers.contains_key(&a))
        };
        if touched.end > 0x1_0000 || !touched.all(|a| exists(state, a)) {
            return Err(2);
        }
        match request {
            PeerRequest::ReadHolding(address, count) | PeerRequest::ReadInput(address, count) => {
                if *count == 0 || *count > 125 {
                    return Err(3);
                }
                let function = function_of(request);
                let mut pdu = vec![function, (count * 2) as u8];
                for offset in 0..*count {
                    let value = state
                        .registers
                        .get(&address.wrapping_add(offset))
                        .copied()
                        .unwrap_or(0);
                    pdu.extend_from_slice(&value.to_be_bytes());
                }
                Ok(pdu)
            }
            PeerRequest::WriteSingle(address, value) => {
                write(state, *address, &[*value])?;
                let mut pdu = vec![6];
                pdu.extend_from_slice(&address.to_be_bytes());
                pdu.extend_from_slice(&value.to_be_bytes());
                Ok(pdu)
            }
            PeerRequest::WriteMultiple(address, values) => {
                if values.is_empty() || values.len() > 123 {
                    return Err(3);
                }
                write(state, *address, values)?;
                let mut pdu = vec![16];
                pdu.extend_from_slice(&address.to_be_bytes());
                pdu.extend_from_slice(&(values.len() as u16).to_be_bytes());
                Ok(pdu)
            }
            PeerRequest::Other(_) => Err(1),
        }
    }
}

fn write(state: &mut PeerState, address: u16, values: &[u16]) -> Result<(), u8> {
    match state.hook.as_mut() {
        Some(hook) => hook(&mut state.registers, address, values),
        None => {
            store(&mut state.registers, address, values);
            Ok(())
        }
    }
}

fn function_of(request: &PeerRequest) -> u8 {
    match request {
        PeerRequest::ReadHolding(..) => 3,
        PeerRequest::ReadInput(..) => 4,
        PeerRequest::WriteSingle(..) => 6,
        PeerRequest::WriteMultiple(..) => 16,
        PeerRequest::Other(f) => *f,
    }
}

fn touched(request: &PeerRequest) -> std::ops::Range<u32> {
    let (address, count) = match request {
        PeerRequest::ReadHolding(a, n) | PeerRequest::ReadInput(a, n) => (*a, u32::from(*n)),
        PeerRequest::WriteSingle(a, _) => (*a, 1),
        PeerRequest::WriteMultiple(a, v) => (*a, v.len() as u32),
        PeerRequest::Other(_) => (0, 0),
    };
    u32::from(address)..u32::from(address) + count
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn parses_the_temi_manual_request_and_half_frames() {
        let frame = [0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xC4, 0x0B];
        assert_eq!(
            parse_request(&frame),
            Parsed::Frame(1, PeerRequest::ReadHolding(0, 2), 8)
        );
        for cut in 0..frame.len() {
            assert_eq!(
                parse_request(&frame[..cut]),
                Parsed::Incomplete,
                "cut {cut}"
            );
        }
        let mut bad = frame;
        bad[7] ^= 1;
        assert_eq!(parse_request(&bad), Parsed::Garbage);
        let write = rtu_frame(1, &[16, 0, 10, 0, 2, 4, 0x12, 0x34, 0x56, 0x78]);
        assert_eq!(
            parse_request(&write),
            Parsed::Frame(1, PeerRequest::WriteMultiple(10, vec![0x1234, 0x5678]), 13)
        );
        // Byte count disagreeing with the register count.
        let liar = rtu_frame(1, &[16, 0, 10, 0, 3, 4, 0x12, 0x34, 0x56, 0x78]);
        assert_eq!(parse_request(&liar), Parsed::Garbage);
    }

    #[test]
    fn random_and_truncated_input_never_panics() {
        let mut x: u32 = 0xC0FF_EE11;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for _ in 0..50_000 {
            let len = (next() % 40) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if let Some(f) = bytes.get_mut(1) {
                *f = [3, 4, 6, 16, 0x2B][(next() % 5) as usize];
            }
            let _ = parse_request(&bytes);
            let framed = rtu_frame(
                bytes.first().copied().unwrap_or(1),
                bytes.get(1..).unwrap_or_default(),
            );
            for cut in 0..=framed.len() {
                let _ = parse_request(&framed[..cut]);
            }
        }
    }

    #[tokio::test]
    async fn answers_reads_writes_and_faults() {
        let peer = RegisterPeer::new(1);
        peer.set(0, &[0x00FA, 0x03E8]);
        let (mut near, far) = tokio::io::duplex(512);
        let server = peer.clone();
        tokio::spawn(async move { server.serve(far).await });

        near.write_all(&[0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xC4, 0x0B])
            .await
            .unwrap();
        let mut reply = [0u8; 9];
        near.read_exact(&mut reply).await.unwrap();
        assert_eq!(
            reply,
            [0x01, 0x03, 0x04, 0x00, 0xFA, 0x03, 0xE8, 0xDA, 0xBC]
        );

        peer.fail_next(PeerFault::Exception(6));
        near.write_all(&[0x01, 0x06, 0x00, 0x63, 0x00, 0x02, 0xF8, 0x15])
            .await
            .unwrap();
        let mut reply = [0u8; 5];
        near.read_exact(&mut reply).await.unwrap();
        assert_eq!(reply.to_vec(), rtu_frame(1, &[0x86, 0x06]));
        assert_eq!(peer.get(0x63), 0, "a refused write stores nothing");

        near.write_all(&[0x01, 0x06, 0x00, 0x63, 0x00, 0x02, 0xF8, 0x15])
            .await
            .unwrap();
        let mut reply = [0u8; 8];
        near.read_exact(&mut reply).await.unwrap();
        assert_eq!(reply, [0x01, 0x06, 0x00, 0x63, 0x00, 0x02, 0xF8, 0x15]);
        assert_eq!(peer.get(0x63), 2);
        assert_eq!(peer.writes(), vec![(0x63, vec![2]), (0x63, vec![2])]);
        assert_eq!(peer.frames().len(), 3);
    }

    #[tokio::test]
    async fn strict_peer_refuses_unknown_addresses() {
        let peer = RegisterPeer::new(7).strict();
        peer.set(100, &[1]);
        let (mut near, far) = tokio::io::duplex(512);
        let server = peer.clone();
        tokio::spawn(async move { server.serve(far).await });
        near.write_all(&rtu_frame(7, &[3, 0, 100, 0, 2]))
            .await
            .unwrap();
        let mut reply = [0u8; 5];
        near.read_exact(&mut reply).await.unwrap();
        assert_eq!(reply.to_vec(), rtu_frame(7, &[0x83, 0x02]));
    }
}
