//! The Samwontech TEMI PC-link protocol with checksum (the controller's factory default, SUM):
//! `STX addr(2) CMD(3) ',' fields… SUM(2 hex) CR LF`, where SUM is the byte sum of everything
//! from the address to the last data character, modulo 256. Replies repeat address and command
//! and add `,OK`; errors are `STX addr NG code(2) SUM CR LF`.
//!
//! Commands: `RSD` read consecutive, `RRD` read random, `WSD` write consecutive, `WRD` write
//! random, `STD` register a random set, `CLD` read it back, `AMI` model and version. Counts and
//! D-numbers are decimal, data are four hex digits (two's complement, ×10).

use std::sync::Arc;

use crate::rig::chamber::temi_pclink::frame::{
    checksum, decode, encode, parse_word, word_text, Frame, FrameError, STX,
};
use crate::sim::physics::chamber::ChamberModel;
use crate::sim::serve::framing::take_stx_frame;
use crate::sim::serve::{RequestFaults, Responder};
use crate::sim::shared::Shared;
use crate::sim::temi_map::{self, TemiAccessError, TemiExtra};

/// Most registers one command may touch.
pub const MAX_REGISTERS: usize = 32;

/// NG codes of the TEMI manuals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NgCode {
    /// 01: unknown command.
    BadCommand = 1,
    /// 02: no such D-register.
    BadRegister = 2,
    /// 04: data not hex / out of range.
    DataError = 4,
    /// 08: wrong count or format.
    FormatError = 8,
    /// 11: checksum mismatch.
    ChecksumError = 11,
    /// 12: `CLD` without a registered set.
    MonitorError = 12,
}

/// Answers PC-link frames from a shared chamber model.
#[derive(Debug)]
pub struct PcLinkResponder {
    chamber: Arc<Shared<ChamberModel>>,
    address: u8,
    extra: TemiExtra,
    monitor_set: Option<Vec<u16>>,
}

fn ng(address: u8, command: &str, code: u8) -> Vec<u8> {
    encode(
        &Frame::new(address, command, &["NG", &format!("{code:02}")]),
        true,
    )
}

impl PcLinkResponder {
    /// A responder at bus `address` (1–99).
    pub fn new(chamber: Arc<Shared<ChamberModel>>, address: u8) -> PcLinkResponder {
        PcLinkResponder {
            chamber,
            address,
            extra: TemiExtra::default(),
            monitor_set: None,
        }
    }

    /// Answers one complete frame (`STX … SUM CR LF`). `None` = not for us (or no readable
    /// address to answer to).
    pub fn answer(&mut self, bytes: &[u8], faults: &RequestFaults) -> Option<Vec<u8>> {
        let request = match decode(bytes, true) {
            Ok(frame) => frame,
            Err(error) => {
                // Answer only when the address is readable and ours.
                let address: u8 = bytes
                    .get(1..3)
                    .and_then(|a| std::str::from_utf8(a).ok())
                    .and_then(|a| a.parse().ok())?;
                if address != self.address {
                    return None;
                }
                let command = bytes
                    .get(3..6)
                    .and_then(|c| std::str::from_utf8(c).ok())
                    .unwrap_or("");
                let code = match error {
                    FrameError::Checksum { .. } => NgCode::ChecksumError,
                    FrameError::BadCommand => NgCode::BadCommand,
                    _ => NgCode::FormatError,
                };
                return Some(ng(address, command, code as u8));
            }
        };
        if request.address != self.address {
            return None;
        }
        let command = request.command.clone();
        if let Some(refusal) = &faults.refusal {
            let code = refusal.as_deref().and_then(|c| c.parse().ok()).unwrap_or(0);
            return Some(ng(self.address, &command, code));
        }
        let args: Vec<&str> = request.fields.iter().map(String::as_str).collect();
        let sensor = !faults.sensors.is_empty();
        let result = match command.as_str() {
            "AMI" => Ok(vec!["TEMI2500 SIM".to_string(), "V1.00".to_string()]),
            "RSD" | "RRD" | "CLD" | "STD" | "WSD" | "WRD" => {
                let chamber = Arc::clone(&self.chamber);
                chamber.with(|m| {
                    let saved = m.sensor_fault;
                    m.sensor_fault |= sensor;
                    let r = self.registers(m, &command, &args);
                    m.sensor_fault = saved;
                    r
                })
            }
            _ => Err(NgCode::BadCommand),
        };
        Some(match result {
            Ok(words) => {
                let fields: Vec<&str> = std::iter::once("OK")
                    .chain(words.iter().map(String::as_str))
                    .collect();
                encode(&Frame::new(self.address, &command, &fields), true)
            }
            Err(code) => ng(self.address, &command, code as u8),
        })
    }

    fn registers(
        &mut self,
        m: &mut ChamberModel,
        command: &str,
        args: &[&str],
    ) -> Result<Vec<String>, NgCode> {
        let read_list = |m: &ChamberModel, extra: &TemiExtra, regs: &[u16]| {
            regs.iter()
                .map(|d| temi_map::read(m, extra, *d).map(word_text))
                .collect::<Result<Vec<_>, _>>()
                .map_err(access_ng)
        };
        match command {
            "RSD" => {
                let [count, start] = args else {
                    return Err(NgCode::FormatError);
                };
                let count = parse_count(count)?;
                let start = parse_d(start)?;
                let regs: Vec<u16> = (0..count as u16).map(|i| start.saturating_add(i)).collect();
                read_list(m, &self.extra, &regs)
            }
            "RRD" | "STD" => {
                let (count, rest) = args.split_first().ok_or(NgCode::FormatError)?;
                let count = parse_count(count)?;
                if rest.len() != count {
                    return Err(NgCode::FormatError);
                }
                let regs = rest
                    .iter()
                    .map(|d| parse_d(d))
                    .collect::<Result<Vec<_>, _>>()?;
                if command == "STD" {
                    self.monitor_set = Some(regs);
                    Ok(Vec::new())
                } else {
                    read_list(m, &self.extra, &regs)
                }
            }
            "CLD" => {
                if !args.is_empty() {
                    return Err(NgCode::FormatError);
                }
                let regs = self.monitor_set.clone().ok_or(NgCode::MonitorError)?;
                read_list(m, &self.extra, &regs)
            }
            "WSD" => {
                let [count, start, values @ ..] = args else {
                    return Err(NgCode::FormatError);
                };
                let count = parse_count(count)?;
                let start = parse_d(start)?;
                if values.len() != count {
                    return Err(NgCode::FormatError);
                }
                let values = values
                    .iter()
                    .map(|v| parse_hex(v))
                    .collect::<Result<Vec<_>, _>>()?;
                for (i, v) in values.into_iter().enumerate() {
                    let d = start.saturating_add(i as u16);
                    temi_map::write(m, &mut self.extra, d, v).map_err(access_ng)?;
                }
                Ok(Vec::new())
            }
            "WRD" => {
                let (count, rest) = args.split_first().ok_or(NgCode::FormatError)?;
                let count = parse_count(count)?;
                if rest.len() != count * 2 {
                    return Err(NgCode::FormatError);
                }
                let pairs = rest
                    .chunks(2)
                    .map(|p| match p {
                        [d, v] => Ok((parse_d(d)?, parse_hex(v)?)),
                        _ => Err(NgCode::FormatError),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                for (d, v) in pairs {
                    temi_map::write(m, &mut self.extra, d, v).map_err(access_ng)?;
                }
                Ok(Vec::new())
            }
            _ => Err(NgCode::BadCommand),
        }
    }
}

fn access_ng(e: TemiAccessError) -> NgCode {
    match e {
        TemiAccessError::BadRegister => NgCode::BadRegister,
        TemiAccessError::BadValue => NgCode::DataError,
    }
}

fn parse_count(text: &str) -> Result<usize, NgCode> {
    let n: usize = digits(text, 2)?.parse().map_err(|_| NgCode::FormatError)?;
    if (1..=MAX_REGISTERS).contains(&n) {
        Ok(n)
    } else {
        Err(NgCode::FormatError)
    }
}

fn parse_d(text: &str) -> Result<u16, NgCode> {
    digits(text, 4)?.parse().map_err(|_| NgCode::FormatError)
}

fn digits(text: &str, len: usize) -> Result<&str, NgCode> {
    if text.len() == len && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text)
    } else {
        Err(NgCode::FormatError)
    }
}

/// Four hex digits; lower case or other characters are a data error (NG04), a wrong length a
/// format error (NG08).
fn parse_hex(text: &str) -> Result<u16, NgCode> {
    if text.len() != 4 {
        return Err(NgCode::FormatError);
    }
    if text.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err(NgCode::DataError);
    }
    parse_word(text).ok_or(NgCode::DataError)
}

impl Responder for PcLinkResponder {
    fn take_request(&mut self, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
        take_stx_frame(buf)
    }

    fn respond(&mut self, body: &[u8], faults: &RequestFaults) -> Option<Vec<u8>> {
        let frame = [&[STX][..], body, b"\r\n"].concat();
        self.answer(&frame, faults)
    }

    fn break_checksum(&self, reply: &mut [u8]) -> bool {
        let len = reply.len();
        if len < 5 || !reply.ends_with(b"\r\n") {
            return false;
        }
        let Some(body) = reply.get(1..len - 4) else {
            return false;
        };
        // Any other sum will do: one more than the true one.
        let wrong = format!("{:02X}", checksum(body).wrapping_add(1));
        if let Some(slot) = reply.get_mut(len - 4..len - 2) {
            slot.copy_from_slice(wrong.as_bytes());
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;

    #[test]
    fn the_manual_read_example_is_answered_with_its_checksum() {
        let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        let mut model = ChamberModel::new(crate::sim::physics::chamber::ChamberParams::default());
        model.temp_c = 22.0;
        model.rh_pct = 55.0;
        let mut r = PcLinkResponder::new(Arc::new(Shared::new(model, clock)), 1);
        let reply = r.answer(b"\x0201RRD,02,0001,0005B5\r\n", &RequestFaults::default());
        assert_eq!(reply.as_deref(), Some(&b"\x0201RRD,OK,00DC,022618\r\n"[..]));
        let mut broken = reply.unwrap_or_default();
        assert!(r.break_checksum(&mut broken));
        assert_eq!(broken, b"\x0201RRD,OK,00DC,022619\r\n");
    }
}
