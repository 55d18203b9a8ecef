//! ESPEC reply lines: `NA:` refusals, `OK:` acknowledgements and comma-separated data.
//!
//! Tolerant by design: spaces after commas (`23.0, 23.0, 28.0`), integers where floats are
//! usual (`25,85,100,0`), an empty humidity field on temperature-only chambers
//! (`23.5,,CONSTANT,0`), and any echo after `OK:`. Never panics on any input.

use crate::rig::link::ReplyError;
use crate::rig::ChamberMode;

/// Known `NA:` reasons and what they mean (ChamberConnect's error table).
const REASONS: [(&str, &str); 15] = [
    ("CMD ERR", "unknown command"),
    ("ADDR ERR", "wrong RS-485 address"),
    (
        "CONT NOT READY-1",
        "the chamber has no humidity control or PTC",
    ),
    ("CONT NOT READY-2", "no program is running"),
    ("CONT NOT READY-3", "not supported by this controller"),
    (
        "CONT NOT READY-4",
        "keys cannot be locked while the chamber is off",
    ),
    ("CONT NOT READY-5", "the time signal is not enabled"),
    ("CONT NOT READY", "the controller is not ready"),
    ("DATA NOT READY", "the program does not exist"),
    ("PARA ERR", "wrong parameter"),
    ("DATA OUT OF RANGE", "value outside the controller's range"),
    ("PROTECT ON", "the controller is key-protected"),
    ("PRGM WRITE ERR", "program write error"),
    ("INVALID REQ", "request not valid in this state"),
    ("CHB NOT READY", "the chamber is not ready"),
];

/// The reply line as text without its terminator; `NA:` becomes a refusal.
pub fn reply_text(line: &[u8]) -> Result<&str, ReplyError> {
    let text =
        std::str::from_utf8(line).map_err(|_| ReplyError::Garbled("not ASCII text".to_string()))?;
    let text = text.trim_end_matches(['\r', '\n']).trim();
    if let Some(reason) = text.strip_prefix("NA:") {
        let reason = reason.trim();
        let meaning = REASONS
            .iter()
            .find(|(code, _)| reason.starts_with(code))
            .map(|(_, meaning)| *meaning);
        return Err(ReplyError::Refused(match meaning {
            Some(meaning) => format!("NA:{reason} ({meaning})"),
            None => format!("NA:{reason}"),
        }));
    }
    if text.chars().any(|c| c.is_control()) {
        return Err(ReplyError::Garbled(
            "control characters in the reply".to_string(),
        ));
    }
    Ok(text)
}

/// Accepts the answer to a setting: `OK:` with any echo, or an empty line.
pub fn expect_ok(line: &[u8]) -> Result<(), ReplyError> {
    let text = reply_text(line)?;
    if text.is_empty() || text.starts_with("OK:") || text == "OK" {
        Ok(())
    } else {
        Err(ReplyError::Garbled("expected OK: or NA:".to_string()))
    }
}

/// Splits a data reply into trimmed fields.
pub fn fields(text: &str) -> Vec<&str> {
    text.split(',').map(str::trim).collect()
}

/// The field at `index`, or an error naming what is missing.
pub fn field<'a>(fields: &[&'a str], index: usize, what: &str) -> Result<&'a str, ReplyError> {
    fields
        .get(index)
        .copied()
        .ok_or_else(|| ReplyError::Garbled(format!("{what} missing (field {})", index + 1)))
}

/// A number field (int or float, optional sign).
pub fn number(fields: &[&str], index: usize, what: &str) -> Result<f64, ReplyError> {
    let text = field(fields, index, what)?;
    parse_number(text)
        .ok_or_else(|| ReplyError::Garbled(format!("{what} `{text}` is not a number")))
}

/// An optional number field: empty or non-numeric (`OFF`) is `None`.
pub fn optional_number(fields: &[&str], index: usize) -> Option<f64> {
    fields.get(index).and_then(|text| parse_number(text))
}

/// Parses `23`, `23.0`, `-40.5`, `+5`; rejects non-finite values.
pub fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let body = text.strip_prefix('+').unwrap_or(text);
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    body.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses a mode word (`MODE?` or `MODE?,DETAIL`).
pub fn parse_mode(word: &str) -> Result<ChamberMode, ReplyError> {
    let word = word.trim();
    Ok(match word {
        "OFF" => ChamberMode::Off,
        "STANDBY" => ChamberMode::Standby,
        "CONSTANT" => ChamberMode::Constant,
        "RUN" | "RMT RUN" => ChamberMode::Program,
        w if w.contains("PAUSE") || w.contains("END HOLD") => ChamberMode::Paused,
        "" => return Err(ReplyError::Garbled("empty mode".to_string())),
        w if w.chars().all(|c| c.is_ascii_uppercase() || c == ' ') => {
            ChamberMode::Other(w.to_string())
        }
        w => {
            return Err(ReplyError::Garbled(format!(
                "mode `{w}` is not a mode word"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_reason_and_meaning() {
        assert_eq!(
            reply_text(b"NA:DATA OUT OF RANGE\r\n"),
            Err(ReplyError::Refused(
                "NA:DATA OUT OF RANGE (value outside the controller's range)".into()
            ))
        );
        assert_eq!(
            reply_text(b"NA: CONT NOT READY-1\r\n"),
            Err(ReplyError::Refused(
                "NA:CONT NOT READY-1 (the chamber has no humidity control or PTC)".into()
            ))
        );
        assert_eq!(
            reply_text(b"NA:SOMETHING NEW\r\n"),
            Err(ReplyError::Refused("NA:SOMETHING NEW".into()))
        );
    }

    #[test]
    fn ok_variants_are_accepted() {
        for line in [
            &b"OK:TEMP, S30.0\r\n"[..],
            b"OK: TEMP, S23.0\r\n",
            b"OK:TEMP,S25\r\n",
            b"\r\n",
            b"OK\n",
        ] {
            assert_eq!(expect_ok(line), Ok(()), "{line:?}");
        }
        assert!(expect_ok(b"23.0,23.0\r\n").is_err());
    }

    #[test]
    fn numbers_are_tolerant_but_strict_about_garbage() {
        assert_eq!(parse_number(" 23"), Some(23.0));
        assert_eq!(parse_number("+5.5"), Some(5.5));
        assert_eq!(parse_number("-40.0"), Some(-40.0));
        for bad in ["", "OFF", "1e5", "inf", "NaN", "--", "2.3.4", "+"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn modes_including_detail_words() {
        assert_eq!(parse_mode("CONSTANT"), Ok(ChamberMode::Constant));
        assert_eq!(parse_mode("RMT RUN"), Ok(ChamberMode::Program));
        assert_eq!(parse_mode("RUN END HOLD"), Ok(ChamberMode::Paused));
        assert_eq!(parse_mode("RMT RUN PAUSE"), Ok(ChamberMode::Paused));
        assert_eq!(
            parse_mode("DEFROST"),
            Ok(ChamberMode::Other("DEFROST".into()))
        );
        assert!(parse_mode("").is_err());
        assert!(parse_mode("23.0").is_err());
    }
}
