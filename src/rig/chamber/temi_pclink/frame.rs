//! The Samwontech PC-link frame codec, for both the host and the instrument side.
//!
//! ```text
//! STX addr(2) CMD(3) ',' field ',' field … [SUM(2 hex)] CR LF
//! ```
//!
//! - `addr` is two decimal digits (01–99); `CMD` is three capital letters (`RSD`, `RRD`,
//!   `WSD`, `WRD`, `STD`, `CLD`, `AMI`).
//! - Replies put `OK` or `NG` first among the fields: `01RRD,OK,00DC,0226`, `01WSD,NG,04`.
//!   Some controllers answer an error without the command (`01NG04`); [`decode`] reads both.
//! - SUM (PC-link with checksum, the factory default) is the sum of the ASCII bytes from the
//!   address through the last data character, mod 256, as two capital hex digits.
//! - Data words are 4 hex digits, two's complement, decimal point removed (×10):
//!   [`encode_word`] / [`decode_word`].
//!
//! The simulator uses [`decode`] on requests and [`encode`] on replies; the driver the reverse.

use std::fmt;

/// Start of text.
pub const STX: u8 = 0x02;

/// One PC-link frame without STX, checksum and terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Device address, 1–99.
    pub address: u8,
    /// Three-letter command; empty for a bare `NG` error reply.
    pub command: String,
    /// Comma-separated fields after the command.
    pub fields: Vec<String>,
}

impl Frame {
    /// A frame from borrowed parts.
    pub fn new(address: u8, command: &str, fields: &[&str]) -> Frame {
        Frame {
            address,
            command: command.to_string(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
        }
    }

    /// The text the checksum covers: `01RRD,02,0001,0005`.
    pub fn body(&self) -> String {
        let mut body = format!("{:02}{}", self.address, self.command);
        for field in &self.fields {
            body.push(',');
            body.push_str(field);
        }
        body
    }

    /// For replies: `Some(Ok(data fields))` after `OK`, `Some(Err(code))` after `NG`, `None`
    /// when the first field is neither.
    pub fn status(&self) -> Option<Result<&[String], &str>> {
        let (first, rest) = self.fields.split_first()?;
        match first.as_str() {
            "OK" => Some(Ok(rest)),
            "NG" => Some(Err(rest.first().map_or("", String::as_str))),
            _ => None,
        }
    }
}

/// Why bytes are not a PC-link frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// More bytes are needed (no `CR LF` yet).
    Incomplete,
    /// The frame does not start with STX.
    NoStx,
    /// The address is not two decimal digits 01–99.
    BadAddress,
    /// The command is not three capital letters.
    BadCommand,
    /// Non-ASCII or control characters inside the frame.
    BadCharacter,
    /// Checksum mismatch.
    Checksum {
        /// Checksum computed over the body.
        expected: u8,
        /// Checksum text received.
        received: String,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Incomplete => f.write_str("incomplete frame (no CR LF)"),
            FrameError::NoStx => f.write_str("frame does not start with STX"),
            FrameError::BadAddress => f.write_str("address is not 01–99"),
            FrameError::BadCommand => f.write_str("command is not three capital letters"),
            FrameError::BadCharacter => f.write_str("non-ASCII or control character in frame"),
            FrameError::Checksum { expected, received } => {
                write!(f, "checksum {received} received, {expected:02X} computed")
            }
        }
    }
}

/// Sum of the bytes mod 256.
pub fn checksum(body: &[u8]) -> u8 {
    body.iter().fold(0u8, |sum, &b| sum.wrapping_add(b))
}

/// Encodes a frame, with the checksum when `with_sum`.
pub fn encode(frame: &Frame, with_sum: bool) -> Vec<u8> {
    let body = frame.body();
    let mut bytes = Vec::with_capacity(body.len() + 5);
    bytes.push(STX);
    bytes.extend_from_slice(body.as_bytes());
    if with_sum {
        bytes.extend_from_slice(format!("{:02X}", checksum(body.as_bytes())).as_bytes());
    }
    bytes.extend_from_slice(b"\r\n");
    bytes
}

/// Length of the first complete frame in `buffer` (through its LF), if any.
pub fn frame_len(buffer: &[u8]) -> Option<usize> {
    buffer.iter().position(|&b| b == b'\n').map(|end| end + 1)
}

/// Decodes one complete frame (`STX … CR LF`), checking the checksum when `with_sum`.
pub fn decode(bytes: &[u8], with_sum: bool) -> Result<Frame, FrameError> {
    let inner = bytes
        .strip_suffix(b"\r\n")
        .or_else(|| bytes.strip_suffix(b"\n"))
        .ok_or(FrameError::Incomplete)?;
    let inner = inner.strip_prefix(&[STX]).ok_or(FrameError::NoStx)?;
    if inner.iter().any(|&b| !(0x20..0x7F).contains(&b)) {
        return Err(FrameError::BadCharacter);
    }
    let body = if with_sum {
        let split = inner.len().checked_sub(2).ok_or(FrameError::BadAddress)?;
        let (body, sum) = inner.split_at(split);
        let expected = checksum(body);
        let received = String::from_utf8_lossy(sum).into_owned();
        if u8::from_str_radix(&received, 16).ok() != Some(expected)
            || received.starts_with(['+', '-'])
        {
            return Err(FrameError::Checksum { expected, received });
        }
        body
    } else {
        inner
    };
    // Printable ASCII checked above, so this is valid UTF-8.
    let text = std::str::from_utf8(body).map_err(|_| FrameError::BadCharacter)?;
    let address = text.get(..2).ok_or(FrameError::BadAddress)?;
    if !address.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FrameError::BadAddress);
    }
    let address: u8 = address.parse().map_err(|_| FrameError::BadAddress)?;
    if address == 0 {
        return Err(FrameError::BadAddress);
    }
    let rest = text.get(2..).unwrap_or_default();
    if let Some(code) = rest.strip_prefix("NG") {
        // Bare error reply: `01NG04` (or `01NG,04`).
        return Ok(Frame {
            address,
            command: String::new(),
            fields: vec!["NG".to_string(), code.trim_start_matches(',').to_string()],
        });
    }
    let command = rest.get(..3).ok_or(FrameError::BadCommand)?;
    if !command.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(FrameError::BadCommand);
    }
    let after = rest.get(3..).unwrap_or_default();
    let fields = match after.strip_prefix(',') {
        Some(list) => list.split(',').map(str::to_string).collect(),
        None if after.is_empty() => Vec::new(),
        None => return Err(FrameError::BadCommand),
    };
    Ok(Frame {
        address,
        command: command.to_string(),
        fields,
    })
}

/// A raw register word as 4 capital hex digits.
pub fn word_text(raw: u16) -> String {
    format!("{raw:04X}")
}

/// Parses exactly 4 hex digits into a raw register word.
pub fn parse_word(text: &str) -> Option<u16> {
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(text, 16).ok()
}

/// A value ×10 as a two's-complement word; `None` outside −3276.8…3276.7 (or not a number).
pub fn tenths_word(value: f64) -> Option<u16> {
    let tenths = (value * 10.0).round();
    if !(f64::from(i16::MIN)..=f64::from(i16::MAX)).contains(&tenths) {
        return None;
    }
    // In range (checked above), so the cast is exact.
    Some(tenths as i16 as u16)
}

/// The value ×10 a two's-complement word holds.
pub fn word_tenths(raw: u16) -> f64 {
    f64::from(raw as i16) / 10.0
}

/// Encodes a value ×10 as a 4-hex-digit two's-complement word; `None` outside −3276.8…3276.7.
pub fn encode_word(value: f64) -> Option<String> {
    tenths_word(value).map(word_text)
}

/// Decodes a 4-hex-digit two's-complement word ×10.
pub fn decode_word(text: &str) -> Option<f64> {
    parse_word(text).map(word_tenths)
}

/// The meaning of an `NG` error code.
pub fn ng_meaning(code: &str) -> &'static str {
    match code {
        "01" => "bad command",
        "02" => "bad D-register number",
        "04" => "data error (not hex)",
        "08" => "format error (wrong count or format)",
        "11" => "checksum error",
        "12" => "monitor command error (CLD without STD)",
        "00" => "other error",
        _ => "unknown error code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_of(text: &str) -> u8 {
        checksum(text.as_bytes())
    }

    #[test]
    fn manual_checksums() {
        assert_eq!(sum_of("01RRD,02,0001,0005"), 0xB5);
        assert_eq!(sum_of("01WSD,02,0102,01F4,0320"), 0xC4);
        assert_eq!(sum_of("01WRD,OK"), 0x14);
        assert_eq!(sum_of("01STD,04,0001,0002,0005,0006"), 0x9A);
    }

    #[test]
    fn manual_read_example_byte_exact() {
        let request = Frame::new(1, "RRD", &["02", "0001", "0005"]);
        assert_eq!(encode(&request, true), b"\x0201RRD,02,0001,0005B5\r\n");
        let reply = decode(b"\x0201RRD,OK,00DC,022618\r\n", true).unwrap();
        assert_eq!(reply, Frame::new(1, "RRD", &["OK", "00DC", "0226"]));
        let data = reply.status().unwrap().unwrap();
        assert_eq!(decode_word(&data[0]), Some(22.0));
        assert_eq!(decode_word(&data[1]), Some(55.0));
        assert_eq!(encode(&reply, true), b"\x0201RRD,OK,00DC,022618\r\n");
    }

    #[test]
    fn manual_write_example_byte_exact() {
        let request = Frame::new(1, "WSD", &["02", "0102", "01F4", "0320"]);
        assert_eq!(encode(&request, true), b"\x0201WSD,02,0102,01F4,0320C4\r\n");
        assert_eq!(
            decode(b"\x0201WSD,02,0102,01F4,0320C4\r\n", true),
            Ok(request)
        );
        assert_eq!(
            encode(&Frame::new(1, "WRD", &["OK"]), true),
            b"\x0201WRD,OK14\r\n"
        );
        assert_eq!(
            encode(&Frame::new(1, "WRD", &["OK"]), false),
            b"\x0201WRD,OK\r\n"
        );
    }

    #[test]
    fn errors_and_half_frames() {
        assert_eq!(decode(b"", true), Err(FrameError::Incomplete));
        assert_eq!(
            decode(b"\x0201RRD,OK,00", true),
            Err(FrameError::Incomplete)
        );
        assert_eq!(decode(b"01RRD,OK14\r\n", true), Err(FrameError::NoStx));
        assert_eq!(
            decode(b"\x0201WRD,OK15\r\n", true),
            Err(FrameError::Checksum {
                expected: 0x14,
                received: "15".into()
            })
        );
        assert_eq!(decode(b"\x02\r\n", false), Err(FrameError::BadAddress));
        assert_eq!(decode(b"\x02xxRRD\r\n", false), Err(FrameError::BadAddress));
        assert_eq!(decode(b"\x0201rrd\r\n", false), Err(FrameError::BadCommand));
        assert_eq!(
            decode(b"\x0201RR\xff\r\n", false),
            Err(FrameError::BadCharacter)
        );
        assert_eq!(frame_len(b"\x0201WRD,OK14\r"), None);
        assert_eq!(frame_len(b"\x0201WRD,OK14\r\n\x02"), Some(13));
    }

    #[test]
    fn ng_replies_in_both_shapes() {
        let with_command =
            decode(&encode(&Frame::new(1, "RSD", &["NG", "02"]), true), true).unwrap();
        assert_eq!(with_command.status(), Some(Err("02")));
        let body = "01NG04";
        let bare = format!("\x02{body}{:02X}\r\n", sum_of(body));
        assert_eq!(
            decode(bare.as_bytes(), true).unwrap().status(),
            Some(Err("04"))
        );
        assert_eq!(ng_meaning("11"), "checksum error");
    }

    #[test]
    fn words_are_twos_complement_tenths() {
        assert_eq!(encode_word(22.0).as_deref(), Some("00DC"));
        assert_eq!(encode_word(-22.1).as_deref(), Some("FF23"));
        assert_eq!(decode_word("FF23"), Some(-22.1));
        assert_eq!(encode_word(5000.0), None);
        assert_eq!(encode_word(f64::NAN), None);
        assert_eq!(decode_word("0DC"), None);
        assert_eq!(decode_word("+0DC"), None);
        assert_eq!(decode_word("00dc"), Some(22.0));
    }

    #[test]
    fn random_and_truncated_input_never_panics() {
        let good = b"\x0201RRD,OK,00DC,022618\r\n";
        for cut in 0..=good.len() {
            let _ = decode(&good[..cut], true);
            let _ = decode(&good[cut..], false);
        }
        const ALPHABET: &[u8] = b"\x0201RDWSOKNG,0F\r\n\xff";
        let mut noise = crate::rig::noise::Noise(0x2545_f491);
        for _ in 0..20_000 {
            let bytes = noise.bytes(ALPHABET, 39);
            let _ = decode(&bytes, noise.next().is_multiple_of(2));
            let _ = frame_len(&bytes);
        }
    }
}
