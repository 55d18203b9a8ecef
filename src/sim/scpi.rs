//! A SCPI thermocouple logger (a 34970A-style data-acquisition unit) answered from a
//! [`LoggerModel`]. Channels are numbered from 101. Readings are `+2.53000000E+01`; an open
//! thermocouple reads `+9.90000000E+37`. Errors go to the queue read by `SYST:ERR?`.
//!
//! Commands: `*IDN?`, `*RST`, `*CLS`, `*OPC?`, `*ESR?`, `*ESE <n>`, `*ESE?`, `*STB?`,
//! `SYST:ERR?`, `CONF:TEMP TC,K,(@list)`, `ROUT:SCAN (@list)`, `ROUT:SCAN?`, `READ?`,
//! `MEAS:TEMP? TC,K[,1[,<resolution>]],(@list)`. Headers may be short or long
//! (`MEAS`/`MEASURE`, `ROUT`/`ROUTE`, `TEMP`/`TEMPERATURE`) and any case; parameters may have
//! spaces after their commas (`TC, K, (@101:103)`).
//!
//! Status as in IEEE 488.2: every error sets its class bit in the standard event status register
//! (`*ESR?` reads and clears it; command errors bit 5, execution errors bit 4, device errors
//! bit 3, query errors bit 2); `*STB?` shows the error queue (bit 2) and the event summary of the
//! bits enabled by `*ESE` (bit 5); `*CLS` clears the queue and the register.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::sim::physics::logger::LoggerModel;
use crate::sim::serve::framing::take_line;
use crate::sim::serve::{RequestFaults, Responder};
use crate::sim::shared::Shared;

/// First channel number.
pub const FIRST_CHANNEL: u32 = 101;
/// The value an open thermocouple reads.
pub const OPEN_CIRCUIT: f64 = 9.9e37;
const MAX_ERRORS: usize = 20;

/// A parsed SCPI request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScpiCommand {
    /// `*IDN?`.
    Identify,
    /// `*RST`.
    Reset,
    /// `*CLS`.
    Clear,
    /// `SYST:ERR?`.
    NextError,
    /// `*OPC?`: answers `1` once everything before it is done.
    OperationComplete,
    /// `*ESR?`: the standard event status register, read and cleared.
    EventStatus,
    /// `*ESE <n>`: which event bits are summarised in the status byte.
    SetEventEnable(u8),
    /// `*ESE?`.
    EventEnable,
    /// `*STB?`: the status byte.
    StatusByte,
    /// `CONF:TEMP TC,<type>,(@list)`: sets the scan list too.
    Configure(Vec<u32>),
    /// `ROUT:SCAN (@list)`.
    SetScan(Vec<u32>),
    /// `ROUT:SCAN?`.
    GetScan,
    /// `READ?`.
    Read,
    /// `MEAS:TEMP? TC,<type>,(@list)`.
    Measure(Vec<u32>),
}

/// A SCPI error: code and message as `SYST:ERR?` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScpiError {
    /// Negative SCPI error number.
    pub code: i16,
    /// Message.
    pub message: &'static str,
}

const UNDEFINED_HEADER: ScpiError = ScpiError {
    code: -113,
    message: "Undefined header",
};
const BAD_PARAMETER: ScpiError = ScpiError {
    code: -224,
    message: "Illegal parameter value",
};
const OUT_OF_RANGE: ScpiError = ScpiError {
    code: -222,
    message: "Data out of range",
};
const EXECUTION: ScpiError = ScpiError {
    code: -200,
    message: "Execution error",
};
const QUEUE_OVERFLOW: ScpiError = ScpiError {
    code: -350,
    message: "Queue overflow",
};

/// Standard event status register bits (IEEE 488.2).
const ESR_QUERY_ERROR: u8 = 1 << 2;
const ESR_DEVICE_ERROR: u8 = 1 << 3;
const ESR_EXECUTION_ERROR: u8 = 1 << 4;
const ESR_COMMAND_ERROR: u8 = 1 << 5;
/// Status byte bits: error queue not empty, event status summary.
const STB_ERROR_QUEUE: u8 = 1 << 2;
const STB_EVENT_SUMMARY: u8 = 1 << 5;

impl ScpiError {
    /// The event status bit of the error's class (−100s command, −200s execution, −300s device,
    /// −400s query).
    fn event_bit(&self) -> u8 {
        match self.code {
            -199..=-100 => ESR_COMMAND_ERROR,
            -299..=-200 => ESR_EXECUTION_ERROR,
            -499..=-400 => ESR_QUERY_ERROR,
            _ => ESR_DEVICE_ERROR,
        }
    }
}

/// Whether `word` is the SCPI header `long` in long or short form (`short` = its first letters).
fn header_is(word: &str, short: &str, long: &str) -> bool {
    word.eq_ignore_ascii_case(short) || word.eq_ignore_ascii_case(long)
}

/// Parses a channel list `(@101:103,105)`.
pub fn parse_channels(text: &str) -> Result<Vec<u32>, ScpiError> {
    let inner = text
        .trim()
        .strip_prefix("(@")
        .and_then(|t| t.strip_suffix(')'))
        .ok_or(BAD_PARAMETER)?;
    let mut channels = Vec::new();
    for part in inner.split(',') {
        let part = part.trim();
        let (from, to) = match part.split_once(':') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (part, part),
        };
        let from: u32 = from.parse().map_err(|_| BAD_PARAMETER)?;
        let to: u32 = to.parse().map_err(|_| BAD_PARAMETER)?;
        if to < from || to - from > 1000 {
            return Err(BAD_PARAMETER);
        }
        channels.extend(from..=to);
    }
    Ok(channels)
}

/// Parses the `TC,K[,1[,<resolution>]],(@list)` argument of CONF and MEAS (spaces allowed
/// around the commas; `DEF` for the type, the placeholder and the resolution).
fn parse_tc_args(args: &str) -> Result<Vec<u32>, ScpiError> {
    let start = args.find('(').ok_or(BAD_PARAMETER)?;
    let (params, list) = args.split_at(start);
    let params = params.trim().strip_suffix(',').ok_or(BAD_PARAMETER)?;
    let params: Vec<&str> = params.split(',').map(str::trim).collect();
    let is_def = |p: &str| p.eq_ignore_ascii_case("DEF");
    let ok = match params.as_slice() {
        [probe, kind, rest @ ..] => {
            header_is(probe, "TC", "TCOUPLE")
                && (is_def(kind)
                    || (kind.len() == 1 && "BEJKNRST".contains(kind.to_ascii_uppercase().as_str())))
                && match rest {
                    [] => true,
                    [one] => *one == "1" || is_def(one),
                    [one, resolution] => (*one == "1" || is_def(one)) && is_resolution(resolution),
                    _ => false,
                }
        }
        _ => false,
    };
    if !ok {
        return Err(BAD_PARAMETER);
    }
    parse_channels(list)
}

/// A resolution argument: `MIN`, `MAX`, `DEF` or a positive number.
fn is_resolution(text: &str) -> bool {
    ["MIN", "MAX", "DEF"]
        .iter()
        .any(|w| text.eq_ignore_ascii_case(w))
        || text.parse::<f64>().is_ok_and(|v| v.is_finite() && v > 0.0)
}

/// The `*ESE` argument: a register value 0–255.
fn parse_register(text: &str) -> Result<u8, ScpiError> {
    let value: f64 = text.trim().parse().map_err(|_| BAD_PARAMETER)?;
    if value.is_finite() && (0.0..=255.0).contains(&value) {
        Ok(value.round() as u8)
    } else {
        Err(OUT_OF_RANGE)
    }
}

/// Parses one line.
pub fn parse_command(line: &[u8]) -> Result<ScpiCommand, ScpiError> {
    let text = std::str::from_utf8(line)
        .map_err(|_| UNDEFINED_HEADER)?
        .trim();
    let (head, args) = match text.split_once(char::is_whitespace) {
        Some((h, a)) => (h, a.trim()),
        None => (text, ""),
    };
    let words: Vec<&str> = head.trim_start_matches(':').split(':').collect();
    let is =
        |i: usize, short: &str, long: &str| words.get(i).is_some_and(|w| header_is(w, short, long));
    let query = head.ends_with('?');
    let cmd = match (words.len(), query) {
        (1, true) if head.eq_ignore_ascii_case("*IDN?") => ScpiCommand::Identify,
        (1, false) if head.eq_ignore_ascii_case("*RST") => ScpiCommand::Reset,
        (1, false) if head.eq_ignore_ascii_case("*CLS") => ScpiCommand::Clear,
        (1, true) if head.eq_ignore_ascii_case("*OPC?") => ScpiCommand::OperationComplete,
        (1, true) if head.eq_ignore_ascii_case("*ESR?") => ScpiCommand::EventStatus,
        (1, true) if head.eq_ignore_ascii_case("*ESE?") => ScpiCommand::EventEnable,
        (1, false) if head.eq_ignore_ascii_case("*ESE") => {
            ScpiCommand::SetEventEnable(parse_register(args)?)
        }
        (1, true) if head.eq_ignore_ascii_case("*STB?") => ScpiCommand::StatusByte,
        (1, true) if head.eq_ignore_ascii_case("READ?") => ScpiCommand::Read,
        (2, true) if is(0, "SYST", "SYSTEM") && is(1, "ERR?", "ERROR?") => ScpiCommand::NextError,
        (2, false) if is(0, "ROUT", "ROUTE") && is(1, "SCAN", "SCAN") => {
            ScpiCommand::SetScan(parse_channels(args)?)
        }
        (2, true) if is(0, "ROUT", "ROUTE") && is(1, "SCAN?", "SCAN?") => ScpiCommand::GetScan,
        (2, false) if is(0, "CONF", "CONFIGURE") && is(1, "TEMP", "TEMPERATURE") => {
            ScpiCommand::Configure(parse_tc_args(args)?)
        }
        (2, true) if is(0, "MEAS", "MEASURE") && is(1, "TEMP?", "TEMPERATURE?") => {
            ScpiCommand::Measure(parse_tc_args(args)?)
        }
        _ => return Err(UNDEFINED_HEADER),
    };
    Ok(cmd)
}

/// Formats a reading as the instrument does: `+2.53000000E+01`.
pub fn format_reading(value: f64) -> String {
    let text = format!("{value:.8E}");
    let (mantissa, exponent) = text.split_once('E').unwrap_or((text.as_str(), "0"));
    let exp: i32 = exponent.parse().unwrap_or(0);
    let sign = if mantissa.starts_with('-') { "" } else { "+" };
    format!(
        "{sign}{mantissa}E{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

/// Answers SCPI lines from a shared logger model.
#[derive(Debug)]
pub struct ScpiResponder {
    logger: Arc<Shared<LoggerModel>>,
    scan: Vec<u32>,
    errors: VecDeque<ScpiError>,
    /// Standard event status register.
    esr: u8,
    /// Standard event status enable register (`*ESE`).
    ese: u8,
}

impl ScpiResponder {
    /// A responder with an empty scan list.
    pub fn new(logger: Arc<Shared<LoggerModel>>) -> ScpiResponder {
        ScpiResponder {
            logger,
            scan: Vec::new(),
            errors: VecDeque::new(),
            esr: 0,
            ese: 0,
        }
    }

    fn push_error(&mut self, e: ScpiError) {
        self.esr |= e.event_bit();
        if self.errors.len() >= MAX_ERRORS {
            self.errors.pop_back();
            self.errors.push_back(QUEUE_OVERFLOW);
        } else {
            self.errors.push_back(e);
        }
    }

    fn check(&self, channels: &[u32]) -> Result<(), ScpiError> {
        let count = self.logger.with(|m| m.channels.len()) as u32;
        let ok = channels
            .iter()
            .all(|c| c.checked_sub(FIRST_CHANNEL).is_some_and(|i| i < count));
        if ok && !channels.is_empty() {
            Ok(())
        } else {
            Err(OUT_OF_RANGE)
        }
    }

    fn readings(&self, channels: &[u32], open: &[Option<u32>]) -> String {
        self.logger.with(|m| {
            channels
                .iter()
                .map(|c| {
                    let forced = open.iter().any(|o| o.is_none_or(|o| o == *c));
                    let value = (!forced)
                        .then(|| {
                            c.checked_sub(FIRST_CHANNEL)
                                .and_then(|i| m.reading_c(i as usize))
                        })
                        .flatten()
                        .unwrap_or(OPEN_CIRCUIT);
                    format_reading(value)
                })
                .collect::<Vec<_>>()
                .join(",")
        })
    }

    /// Answers one parsed command: `Ok(None)` for commands without a reply.
    fn execute(
        &mut self,
        cmd: ScpiCommand,
        open: &[Option<u32>],
    ) -> Result<Option<String>, ScpiError> {
        Ok(match cmd {
            ScpiCommand::Identify => Some("FACEBENCH,SIM34970A,SIM00001,1.0-1.0-1.0".to_string()),
            ScpiCommand::Reset => {
                self.scan.clear();
                None
            }
            ScpiCommand::Clear => {
                self.errors.clear();
                self.esr = 0;
                None
            }
            ScpiCommand::OperationComplete => Some("1".to_string()),
            ScpiCommand::EventStatus => Some(std::mem::take(&mut self.esr).to_string()),
            ScpiCommand::SetEventEnable(mask) => {
                self.ese = mask;
                None
            }
            ScpiCommand::EventEnable => Some(self.ese.to_string()),
            ScpiCommand::StatusByte => {
                let queue = if self.errors.is_empty() {
                    0
                } else {
                    STB_ERROR_QUEUE
                };
                let summary = if self.esr & self.ese != 0 {
                    STB_EVENT_SUMMARY
                } else {
                    0
                };
                Some((queue | summary).to_string())
            }
            ScpiCommand::NextError => Some(match self.errors.pop_front() {
                Some(e) => format!("{:+},\"{}\"", e.code, e.message),
                None => "+0,\"No error\"".to_string(),
            }),
            ScpiCommand::Configure(ch) | ScpiCommand::SetScan(ch) => {
                self.check(&ch)?;
                self.scan = ch;
                self.logger.with(LoggerModel::scan_configured);
                None
            }
            ScpiCommand::GetScan => Some(format!(
                "(@{})",
                self.scan
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            )),
            ScpiCommand::Read => {
                if self.scan.is_empty() {
                    return Err(EXECUTION);
                }
                Some(self.readings(&self.scan, open))
            }
            ScpiCommand::Measure(ch) => {
                self.check(&ch)?;
                Some(self.readings(&ch, open))
            }
        })
    }
}

impl Responder for ScpiResponder {
    fn take_request(&mut self, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
        take_line(buf)
    }

    fn respond(&mut self, line: &[u8], faults: &RequestFaults) -> Option<Vec<u8>> {
        // A program message may hold several units separated by `;`; the replies of its
        // queries come back on one line, separated by `;`.
        let mut replies = Vec::new();
        for unit in line.split(|b| *b == b';') {
            if unit.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let result = match parse_command(unit) {
                Ok(
                    cmd @ (ScpiCommand::NextError
                    | ScpiCommand::EventStatus
                    | ScpiCommand::StatusByte
                    | ScpiCommand::Clear),
                ) => self.execute(cmd, &[]),
                Ok(_) if faults.refusal.is_some() => Err(EXECUTION),
                Ok(cmd) => self.execute(cmd, &faults.sensors),
                Err(e) => Err(e),
            };
            match result {
                Ok(Some(text)) => replies.push(text),
                Ok(None) => {}
                Err(e) => {
                    // An error abandons the rest of the message, as instruments do.
                    self.push_error(e);
                    break;
                }
            }
        }
        (!replies.is_empty()).then(|| format!("{}\n", replies.join(";")).into_bytes())
    }

    fn terminator_len(&self) -> usize {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_formatted_like_the_instrument() {
        assert_eq!(format_reading(25.3), "+2.53000000E+01");
        assert_eq!(format_reading(-0.5), "-5.00000000E-01");
        assert_eq!(format_reading(OPEN_CIRCUIT), "+9.90000000E+37");
    }

    #[test]
    fn channel_lists_and_headers_parse() {
        assert_eq!(
            parse_channels("(@101:103,105)").unwrap(),
            vec![101, 102, 103, 105]
        );
        assert_eq!(
            parse_command(b"meas:temperature? TC,K,(@101:102)").unwrap(),
            ScpiCommand::Measure(vec![101, 102])
        );
        assert_eq!(
            parse_command(b":ROUTE:SCAN (@101)").unwrap(),
            ScpiCommand::SetScan(vec![101])
        );
        assert_eq!(parse_command(b"MEAS:TEMP? RTD,(@101)"), Err(BAD_PARAMETER));
        assert_eq!(parse_command(b"FOO"), Err(UNDEFINED_HEADER));
        for spaced in [
            &b"MEAS:TEMP? TC, K, (@101:103)"[..],
            b"MEAS:TEMP? TC,K,1,DEF,(@101:103)",
            b"MEAS:TEMP? TC , K , 1 , 0.1 , (@101:103)",
            b"MEAS:TEMP? TC,DEF,(@101, 102:103)",
        ] {
            assert_eq!(
                parse_command(spaced),
                Ok(ScpiCommand::Measure(vec![101, 102, 103])),
                "{}",
                String::from_utf8_lossy(spaced)
            );
        }
        for bad in [
            &b"MEAS:TEMP? TC,K,2,(@101)"[..],
            b"MEAS:TEMP? TC,K,1,-1,(@101)",
            b"MEAS:TEMP? TC,K,1,DEF,9,(@101)",
            b"MEAS:TEMP? TC,K (@101)",
            b"MEAS:TEMP? TC,Q,(@101)",
        ] {
            assert_eq!(parse_command(bad), Err(BAD_PARAMETER));
        }
        assert_eq!(
            parse_command(b"*ese 36"),
            Ok(ScpiCommand::SetEventEnable(36))
        );
        assert_eq!(parse_command(b"*ESE 300"), Err(OUT_OF_RANGE));
        assert_eq!(parse_channels("(@105:101)"), Err(BAD_PARAMETER));
    }
}
