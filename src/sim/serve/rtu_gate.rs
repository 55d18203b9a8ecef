//! RTU requests the tokio-modbus server cannot frame, answered in front of the relay.
//!
//! The server's RTU decoder must know each function code's length, so a request with any other
//! code is dropped without a word. A real slave delimits frames by line silence instead, checks
//! the CRC and answers a function it does not implement with exception 01 (illegal function).
//! [`RtuGate`] does the same: a frame that starts after a silence (or after a reply) with a code
//! the server cannot frame is held until its CRC checks, then answered here.

use std::time::{Duration, Instant};

use crate::rig::modbus::crc::{crc_ok, rtu_frame};

/// Silence that separates two RTU frames: t3.5 at 9600 baud is about 4 ms.
pub const FRAME_GAP: Duration = Duration::from_millis(4);
/// Longest RTU frame (address, 253-byte PDU, CRC); a longer held run is noise and is dropped.
pub const MAX_FRAME: usize = 256;
/// Modbus exception 01: illegal function.
pub const ILLEGAL_FUNCTION: u8 = 0x01;
/// MEI type the server frames under function 0x2B (read device identification).
const MEI_READ_DEVICE_ID: u8 = 0x0E;

/// What to do with bytes read from the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Pass them to the Modbus server.
    Forward,
    /// Keep them: an unframeable request is still arriving.
    Hold,
    /// The unframeable request is complete: send this reply (`None`: stay silent, as for another
    /// slave, a broadcast or a frame dropped as noise).
    Answer(Option<Vec<u8>>),
}

/// Watches the request stream of one RTU session.
#[derive(Debug)]
pub struct RtuGate {
    slave: u8,
    held: Option<Vec<u8>>,
    last_bytes: Option<Instant>,
}

/// Whether the tokio-modbus RTU server can frame a request that starts with `pdu`.
fn server_frames(pdu: &[u8]) -> bool {
    match pdu {
        [0x01..=0x07 | 0x0B | 0x0C | 0x0F | 0x10 | 0x11 | 0x16 | 0x17 | 0x18, ..] => true,
        [0x2B, mei, ..] => *mei == MEI_READ_DEVICE_ID,
        // Too short to tell: let the server wait for the rest.
        [0x2B] | [] => true,
        _ => false,
    }
}

impl RtuGate {
    /// A gate for slave id `slave`.
    pub fn new(slave: u8) -> RtuGate {
        RtuGate {
            slave,
            held: None,
            last_bytes: None,
        }
    }

    /// A reply went out: the next bytes begin a new request.
    pub fn replied(&mut self) {
        self.last_bytes = None;
    }

    /// Routes `bytes` read from the port at `now`.
    pub fn route(&mut self, bytes: &[u8], now: Instant) -> Route {
        let new_frame = self
            .last_bytes
            .is_none_or(|t| now.saturating_duration_since(t) >= FRAME_GAP);
        self.last_bytes = Some(now);
        if new_frame {
            self.held = None;
        }
        let frame = match self.held.as_mut() {
            Some(held) => {
                held.extend_from_slice(bytes);
                held
            }
            None if new_frame && !server_frames(bytes.get(1..).unwrap_or_default()) => {
                self.held.insert(bytes.to_vec())
            }
            None => return Route::Forward,
        };
        if crc_ok(frame) {
            let (address, function) = (frame.first().copied(), frame.get(1).copied());
            self.held = None;
            return Route::Answer(match (address, function) {
                (Some(a), Some(f)) if a == self.slave => {
                    Some(rtu_frame(a, &[f | 0x80, ILLEGAL_FUNCTION]))
                }
                _ => None,
            });
        }
        if frame.len() > MAX_FRAME {
            self.held = None;
            return Route::Answer(None);
        }
        Route::Hold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_function_is_answered_with_exception_01_once_its_crc_checks() {
        let t = Instant::now();
        let mut gate = RtuGate::new(1);
        let request = rtu_frame(1, &[0x41, 0x00, 0x01]);
        let (head, tail) = request.split_at(3);
        assert_eq!(gate.route(head, t), Route::Hold);
        assert_eq!(
            gate.route(tail, t + Duration::from_millis(1)),
            Route::Answer(Some(rtu_frame(1, &[0xC1, 0x01])))
        );
        gate.replied();
        // Another slave and a broadcast: silence.
        assert_eq!(gate.route(&rtu_frame(2, &[0x41]), t), Route::Answer(None));
        gate.replied();
        assert_eq!(
            gate.route(&rtu_frame(0, &[0x08, 0, 0]), t),
            Route::Answer(None)
        );
    }

    #[test]
    fn frames_the_server_knows_and_continuations_are_forwarded() {
        let t = Instant::now();
        let mut gate = RtuGate::new(1);
        let read = rtu_frame(1, &[0x03, 0x00, 0x00, 0x00, 0x01]);
        assert_eq!(gate.route(read.get(..2).unwrap(), t), Route::Forward);
        // The rest of the same frame arrives at once: not a new frame, even if it looks odd.
        assert_eq!(
            gate.route(read.get(2..).unwrap(), t + Duration::from_millis(1)),
            Route::Forward
        );
        assert_eq!(
            gate.route(&rtu_frame(1, &[0x2B, 0x0E, 0x01, 0x00]), t + FRAME_GAP * 3),
            Route::Forward
        );
    }

    #[test]
    fn noise_without_a_valid_crc_is_dropped_after_the_longest_frame() {
        let t = Instant::now();
        let mut gate = RtuGate::new(1);
        assert_eq!(gate.route(&[0x01, 0x99, 0x00], t), Route::Hold);
        let noise = vec![0x55; MAX_FRAME];
        assert_eq!(
            gate.route(&noise, t + Duration::from_millis(1)),
            Route::Answer(None)
        );
    }
}
