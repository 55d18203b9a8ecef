//! The client's side of the wire: request frames out, reply frames in, checked against the
//! request they answer.
//!
//! Pure functions over byte buffers, so every rule can be tested (and fuzzed) without a port:
//! [`Call::rtu_frame`] / [`Call::mbap_frame`] encode a request, and [`scan_rtu`] / [`scan_mbap`]
//! look at what has arrived so far and say whether it holds the reply ([`Step::Reply`]), a frame
//! or bytes that must be discarded with the reason ([`Step::Skip`]), or not enough bytes yet
//! ([`Step::Need`]). What is still unexplained when the time is up is named by
//! [`classify_rtu_leftover`] (CRC mismatch, truncated frame, noise) so a gap in a run records its
//! real cause instead of "no reply".

use std::fmt;

use super::crc::{crc16, crc_ok};

/// Largest RTU frame (Modbus over serial line, §2.5.1).
pub const MAX_RTU_FRAME: usize = 256;

/// The length of an MBAP header (transaction, protocol, length, unit).
pub const MBAP_HEADER: usize = 7;

/// One request the client can make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// FC03 (`input == false`) or FC04 (`input == true`): read `count` registers at `address`.
    Read {
        /// Input registers (FC04) rather than holding registers (FC03).
        input: bool,
        /// PDU address.
        address: u16,
        /// Number of registers.
        count: u16,
    },
    /// FC06: write `value` at `address`.
    WriteOne {
        /// PDU address.
        address: u16,
        /// Value written.
        value: u16,
    },
    /// FC16: write `values` from `address` on.
    WriteMany {
        /// PDU address.
        address: u16,
        /// Values written.
        values: Vec<u16>,
    },
}

/// A reply that matches its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The registers read.
    Words(Vec<u16>),
    /// A write was acknowledged with the expected echo.
    Written,
    /// The controller refused with this exception code.
    Exception(u8),
}

/// Why received bytes were not used as the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// A frame for our slave and function whose CRC does not match its bytes.
    CrcMismatch {
        /// CRC carried by the frame.
        received: u16,
        /// CRC computed over the frame's body.
        computed: u16,
    },
    /// A complete frame from another slave (or unit).
    WrongSlave {
        /// The address in the frame.
        got: u8,
        /// The address asked.
        expected: u8,
    },
    /// A complete frame answering another function.
    WrongFunction {
        /// The function code in the frame.
        got: u8,
        /// The function code asked.
        expected: u8,
    },
    /// A complete frame of the right function whose content does not answer this request
    /// (register count, echoed address or value): a late reply to an earlier request.
    Mismatch(String),
    /// A Modbus TCP reply to another transaction: a late reply to an earlier request.
    Stale {
        /// The transaction id in the frame.
        got: u16,
        /// The transaction id sent.
        expected: u16,
    },
    /// The start of our reply, cut short.
    Truncated {
        /// Bytes received.
        got: usize,
        /// Bytes the frame needs.
        expected: usize,
    },
    /// Bytes that are no Modbus frame at all.
    Noise,
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultKind::CrcMismatch { received, computed } => write!(
                f,
                "CRC mismatch (frame carries {received:#06X}, its bytes give {computed:#06X})"
            ),
            FaultKind::WrongSlave { got, expected } => {
                write!(f, "reply from slave {got}, expected slave {expected}")
            }
            FaultKind::WrongFunction { got, expected } => write!(
                f,
                "reply with function {got:#04X}, expected {expected:#04X}"
            ),
            FaultKind::Mismatch(detail) => write!(f, "reply does not match the request: {detail}"),
            FaultKind::Stale { got, expected } => write!(
                f,
                "reply to transaction {got}, expected transaction {expected}"
            ),
            FaultKind::Truncated { got, expected } => {
                write!(f, "truncated frame: {got} of {expected} bytes")
            }
            FaultKind::Noise => f.write_str("line noise, no Modbus frame"),
        }
    }
}

/// What a scan of the received bytes found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Not enough bytes yet.
    Need,
    /// The first `len` bytes are the reply.
    Reply {
        /// The reply.
        answer: Answer,
        /// Bytes it took.
        len: usize,
    },
    /// The first `len` bytes must be discarded; then scan again.
    Skip {
        /// Bytes to discard (at least 1).
        len: usize,
        /// Why.
        fault: FaultKind,
    },
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

impl Call {
    /// The function code.
    pub fn function(&self) -> u8 {
        match self {
            Call::Read { input: false, .. } => 3,
            Call::Read { input: true, .. } => 4,
            Call::WriteOne { .. } => 6,
            Call::WriteMany { .. } => 16,
        }
    }

    /// The PDU: function code and data.
    pub fn pdu(&self) -> Vec<u8> {
        let mut pdu = vec![self.function()];
        match self {
            Call::Read { address, count, .. } => {
                pdu.extend_from_slice(&address.to_be_bytes());
                pdu.extend_from_slice(&count.to_be_bytes());
            }
            Call::WriteOne { address, value } => {
                pdu.extend_from_slice(&address.to_be_bytes());
                pdu.extend_from_slice(&value.to_be_bytes());
            }
            Call::WriteMany { address, values } => {
                let count = u16::try_from(values.len()).unwrap_or(u16::MAX);
                pdu.extend_from_slice(&address.to_be_bytes());
                pdu.extend_from_slice(&count.to_be_bytes());
                pdu.push(u8::try_from(values.len() * 2).unwrap_or(u8::MAX));
                for value in values {
                    pdu.extend_from_slice(&value.to_be_bytes());
                }
            }
        }
        pdu
    }

    /// The RTU frame to `slave`.
    pub fn rtu_frame(&self, slave: u8) -> Vec<u8> {
        super::crc::rtu_frame(slave, &self.pdu())
    }

    /// The Modbus TCP frame (MBAP header and PDU) to `unit` as transaction `transaction`.
    pub fn mbap_frame(&self, transaction: u16, unit: u8) -> Vec<u8> {
        let pdu = self.pdu();
        let length = u16::try_from(pdu.len() + 1).unwrap_or(u16::MAX);
        let mut frame = Vec::with_capacity(MBAP_HEADER + pdu.len());
        frame.extend_from_slice(&transaction.to_be_bytes());
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(&length.to_be_bytes());
        frame.push(unit);
        frame.extend_from_slice(&pdu);
        frame
    }

    /// Checks a reply PDU (function code and data) against this request.
    pub fn check_reply(&self, pdu: &[u8]) -> Result<Answer, FaultKind> {
        let expected = self.function();
        let Some(&function) = pdu.first() else {
            return Err(FaultKind::Noise);
        };
        if function == expected | 0x80 {
            return match pdu {
                [_, code] => Ok(Answer::Exception(*code)),
                _ => Err(FaultKind::Mismatch(format!(
                    "exception reply of {} bytes",
                    pdu.len()
                ))),
            };
        }
        if function != expected {
            return Err(FaultKind::WrongFunction {
                got: function,
                expected,
            });
        }
        let data = pdu.get(1..).unwrap_or_default();
        match self {
            Call::Read { count, .. } => {
                let Some((&byte_count, words)) = data.split_first() else {
                    return Err(FaultKind::Mismatch("no byte count".to_string()));
                };
                if usize::from(byte_count) != words.len() || words.len() % 2 != 0 {
                    return Err(FaultKind::Mismatch(format!(
                        "byte count {byte_count} with {} data bytes",
                        words.len()
                    )));
                }
                let got = words.len() / 2;
                if got != usize::from(*count) {
                    return Err(FaultKind::Mismatch(format!(
                        "{got} register(s) instead of {count}"
                    )));
                }
                Ok(Answer::Words(
                    words
                        .chunks_exact(2)
                        .map(|w| u16::from_be_bytes([w[0], w[1]]))
                        .collect(),
                ))
            }
            Call::WriteOne { address, value } => match (be16(data, 0), be16(data, 2)) {
                (Some(a), Some(v)) if data.len() == 4 => {
                    if a == *address && v == *value {
                        Ok(Answer::Written)
                    } else {
                        Err(FaultKind::Mismatch(format!(
                            "echo {v:#06X} at {a} instead of {value:#06X} at {address}"
                        )))
                    }
                }
                _ => Err(FaultKind::Mismatch(format!(
                    "write echo of {} bytes",
                    data.len()
                ))),
            },
            Call::WriteMany { address, values } => match (be16(data, 0), be16(data, 2)) {
                (Some(a), Some(n)) if data.len() == 4 => {
                    let count = u16::try_from(values.len()).unwrap_or(u16::MAX);
                    if a == *address && n == count {
                        Ok(Answer::Written)
                    } else {
                        Err(FaultKind::Mismatch(format!(
                            "echo {n} register(s) at {a} instead of {count} at {address}"
                        )))
                    }
                }
                _ => Err(FaultKind::Mismatch(format!(
                    "write echo of {} bytes",
                    data.len()
                ))),
            },
        }
    }
}

/// The length of the RTU reply frame starting at `buf[0]`, judged by its function code:
/// `None` when more bytes are needed to tell or the function is not one a reply can carry.
fn rtu_reply_len(buf: &[u8]) -> Option<usize> {
    match *buf.get(1)? {
        3 | 4 => Some(5 + usize::from(*buf.get(2)?)),
        6 | 16 => Some(8),
        f if f & 0x80 != 0 => Some(5),
        _ => None,
    }
}

/// A complete RTU frame with a good CRC at the start of `buf`, and its length.
fn rtu_frame_at(buf: &[u8]) -> Option<usize> {
    let len = rtu_reply_len(buf)?;
    (len <= MAX_RTU_FRAME && buf.get(..len).is_some_and(crc_ok)).then_some(len)
}

/// Looks for the reply of `slave` to `call` at the start of `buf` (RTU framing).
///
/// A good frame from another slave, for another function or with content that does not answer
/// the request is skipped with its reason; bytes before a later good frame are skipped as what
/// they look like ([`classify_rtu_leftover`]). Never panics, whatever the input.
pub fn scan_rtu(buf: &[u8], slave: u8, call: &Call) -> Step {
    if buf.is_empty() {
        return Step::Need;
    }
    if let Some(len) = rtu_frame_at(buf) {
        let address = buf[0];
        if address != slave {
            return Step::Skip {
                len,
                fault: FaultKind::WrongSlave {
                    got: address,
                    expected: slave,
                },
            };
        }
        return match call.check_reply(buf.get(1..len - 2).unwrap_or_default()) {
            Ok(answer) => Step::Reply { answer, len },
            Err(fault) => Step::Skip { len, fault },
        };
    }
    // The start of our normal reply, still arriving: its data may hold bytes that look like a
    // frame by chance, so no later frame is looked for.
    let arriving = buf.first() == Some(&slave)
        && buf.get(1) == Some(&call.function())
        && rtu_reply_len(buf).is_some_and(|len| len == call_reply_len(call) && buf.len() < len);
    if arriving {
        return Step::Need;
    }
    // Our frame may still be arriving; or a good frame further on proves the start is junk.
    match (1..buf.len()).find(|&at| rtu_frame_at(&buf[at..]).is_some()) {
        Some(at) => Step::Skip {
            len: at,
            fault: classify_rtu_leftover(&buf[..at], slave, call),
        },
        None if buf.len() > MAX_RTU_FRAME => Step::Skip {
            len: buf.len(),
            fault: FaultKind::Noise,
        },
        None => Step::Need,
    }
}

/// Names bytes that hold no usable frame (what is left when the reply time is up, or what
/// precedes a later good frame): the start of our reply cut short, our reply with a bad CRC,
/// or noise.
pub fn classify_rtu_leftover(buf: &[u8], slave: u8, call: &Call) -> FaultKind {
    let function = call.function();
    let ours = buf.first() == Some(&slave)
        && buf
            .get(1)
            .is_none_or(|&f| f == function || f == function | 0x80);
    if !ours {
        return FaultKind::Noise;
    }
    let Some(len) = rtu_reply_len(buf).filter(|&len| len <= MAX_RTU_FRAME) else {
        return FaultKind::Truncated {
            got: buf.len(),
            expected: call_reply_len(call),
        };
    };
    match buf.get(..len) {
        None => FaultKind::Truncated {
            got: buf.len(),
            expected: len,
        },
        Some(frame) => {
            let body = &frame[..len - 2];
            FaultKind::CrcMismatch {
                received: u16::from_le_bytes([frame[len - 2], frame[len - 1]]),
                computed: crc16(body),
            }
        }
    }
}

/// The length of a normal RTU reply to `call`.
fn call_reply_len(call: &Call) -> usize {
    match call {
        Call::Read { count, .. } => 5 + 2 * usize::from(*count),
        Call::WriteOne { .. } | Call::WriteMany { .. } => 8,
    }
}

/// Looks for the reply of `unit` to transaction `transaction` of `call` at the start of `buf`
/// (Modbus TCP framing). Never panics, whatever the input.
pub fn scan_mbap(buf: &[u8], transaction: u16, unit: u8, call: &Call) -> Step {
    let (Some(tid), Some(protocol), Some(length), Some(&address)) =
        (be16(buf, 0), be16(buf, 2), be16(buf, 4), buf.get(6))
    else {
        return Step::Need;
    };
    let length = usize::from(length);
    if protocol != 0 || !(2..=254).contains(&length) {
        // Not an MBAP header: the stream is out of step; drop everything received.
        return Step::Skip {
            len: buf.len(),
            fault: FaultKind::Noise,
        };
    }
    let len = 6 + length;
    let Some(pdu) = buf.get(MBAP_HEADER..len) else {
        return Step::Need;
    };
    let fault = if tid != transaction {
        FaultKind::Stale {
            got: tid,
            expected: transaction,
        }
    } else if address != unit {
        FaultKind::WrongSlave {
            got: address,
            expected: unit,
        }
    } else {
        match call.check_reply(pdu) {
            Ok(answer) => return Step::Reply { answer, len },
            Err(fault) => fault,
        }
    };
    Step::Skip { len, fault }
}

/// Names bytes left over from a Modbus TCP reply when the time is up: a frame cut short.
pub fn classify_mbap_leftover(buf: &[u8]) -> FaultKind {
    let expected = be16(buf, 4).map_or(MBAP_HEADER, |length| 6 + usize::from(length));
    FaultKind::Truncated {
        got: buf.len(),
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rig::modbus::crc::rtu_frame;

    const READ2: Call = Call::Read {
        input: false,
        address: 0,
        count: 2,
    };

    #[test]
    fn manual_read_reply_is_found() {
        let reply = [0x01, 0x03, 0x04, 0x00, 0xFA, 0x03, 0xE8, 0xDA, 0xBC];
        assert_eq!(
            scan_rtu(&reply, 1, &READ2),
            Step::Reply {
                answer: Answer::Words(vec![250, 1000]),
                len: 9
            }
        );
        assert_eq!(scan_rtu(&reply[..6], 1, &READ2), Step::Need);
        assert_eq!(
            READ2.rtu_frame(1),
            [0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xC4, 0x0B]
        );
    }

    #[test]
    fn leftovers_are_named() {
        let mut bad = rtu_frame(1, &[0x03, 0x04, 0, 1, 0, 2]);
        let last = bad.len() - 1;
        bad[last] ^= 0xFF;
        assert!(matches!(
            classify_rtu_leftover(&bad, 1, &READ2),
            FaultKind::CrcMismatch { .. }
        ));
        assert_eq!(
            classify_rtu_leftover(&bad[..5], 1, &READ2),
            FaultKind::Truncated {
                got: 5,
                expected: 9
            }
        );
        assert_eq!(
            classify_rtu_leftover(&[0x01], 1, &READ2),
            FaultKind::Truncated {
                got: 1,
                expected: 9
            }
        );
        assert_eq!(
            classify_rtu_leftover(&[0x55, 0xAA, 0x00], 1, &READ2),
            FaultKind::Noise
        );
    }

    #[test]
    fn noise_before_a_good_frame_is_skipped_then_the_frame_used() {
        let mut buf = vec![0x00, 0xFF, 0x13];
        buf.extend(rtu_frame(1, &[0x03, 0x04, 0, 1, 0, 2]));
        assert_eq!(
            scan_rtu(&buf, 1, &READ2),
            Step::Skip {
                len: 3,
                fault: FaultKind::Noise
            }
        );
        assert!(matches!(scan_rtu(&buf[3..], 1, &READ2), Step::Reply { .. }));
    }

    #[test]
    fn other_slave_and_other_count_are_skipped() {
        let other = rtu_frame(2, &[0x03, 0x04, 0, 1, 0, 2]);
        assert_eq!(
            scan_rtu(&other, 1, &READ2),
            Step::Skip {
                len: 9,
                fault: FaultKind::WrongSlave {
                    got: 2,
                    expected: 1
                }
            }
        );
        let short = rtu_frame(1, &[0x03, 0x02, 0, 1]);
        assert_eq!(
            scan_rtu(&short, 1, &READ2),
            Step::Skip {
                len: 7,
                fault: FaultKind::Mismatch("1 register(s) instead of 2".into())
            }
        );
    }

    #[test]
    fn mbap_matches_transaction_and_unit() {
        let call = Call::WriteOne {
            address: 20,
            value: 7,
        };
        let frame = call.mbap_frame(9, 1);
        assert_eq!(frame, [0, 9, 0, 0, 0, 6, 1, 6, 0, 20, 0, 7]);
        // A write echo is the request itself.
        assert_eq!(
            scan_mbap(&frame, 9, 1, &call),
            Step::Reply {
                answer: Answer::Written,
                len: 12
            }
        );
        assert_eq!(
            scan_mbap(&frame, 10, 1, &call),
            Step::Skip {
                len: 12,
                fault: FaultKind::Stale {
                    got: 9,
                    expected: 10
                }
            }
        );
        assert_eq!(scan_mbap(&frame[..9], 9, 1, &call), Step::Need);
    }
}
