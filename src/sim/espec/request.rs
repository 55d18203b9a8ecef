//! Parsing ESPEC ASCII requests as a controller would: tolerant of spaces around commas and
//! letters, of lower case, and of an RS-485 address prefix (`1,TEMP?`).

use std::time::Duration;

/// A parsed request line.
#[derive(Debug, Clone, PartialEq)]
pub struct EspecRequest {
    /// RS-485 address prefix, if given.
    pub address: Option<u8>,
    /// The command.
    pub command: EspecCommand,
    /// The command text after the address, trimmed (echoed after `OK:`).
    pub echo: String,
}

/// Humidity set-point argument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HumiSetpoint {
    /// `SOFF`: humidity control off.
    Off,
    /// `S<value>`.
    Percent(f64),
}

/// The operating mode asked for by `MODE, …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeArg {
    /// `OFF`.
    Off,
    /// `STANDBY`.
    Standby,
    /// `CONSTANT`.
    Constant,
    /// `RUN<n>`.
    Run(u32),
}

/// One ESPEC command.
#[derive(Debug, Clone, PartialEq)]
pub enum EspecCommand {
    /// `MON?`.
    Mon,
    /// `TEMP?`.
    Temp,
    /// `HUMI?`.
    Humi,
    /// `MODE?` (`MODE?,DETAIL` when `detail`).
    Mode {
        /// Detailed form asked for.
        detail: bool,
    },
    /// `TYPE?`.
    Type,
    /// `ROM?`.
    Rom,
    /// `ALARM?`.
    Alarm,
    /// `PRGM MON?`.
    PrgmMon,
    /// `TEMP, S.. H.. L..`.
    SetTemp {
        /// Set point.
        sp: Option<f64>,
        /// Upper alarm limit.
        high: Option<f64>,
        /// Lower alarm limit.
        low: Option<f64>,
    },
    /// `HUMI, S..|SOFF H.. L..`.
    SetHumi {
        /// Set point or off.
        sp: Option<HumiSetpoint>,
        /// Upper alarm limit.
        high: Option<f64>,
        /// Lower alarm limit.
        low: Option<f64>,
    },
    /// `MODE, …`.
    SetMode(ModeArg),
    /// `POWER, ON|OFF`.
    Power(bool),
    /// `RUN PRGM, TEMP.. TIME h:mm [GOTEMP..] [HUMI..] [GOHUMI..]`: a one-step remote program.
    RunPrgm {
        /// Start temperature.
        temp_c: f64,
        /// Step time.
        time: Duration,
        /// End temperature (ramp), if any.
        go_temp_c: Option<f64>,
        /// Start humidity, if any.
        humi_pct: Option<f64>,
        /// End humidity, if any.
        go_humi_pct: Option<f64>,
    },
    /// `PRGM, END[, mode]`: end the running program.
    PrgmEnd(EndMode),
}

/// What the chamber does after `PRGM, END, …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndMode {
    /// `OFF`.
    Off,
    /// `STANDBY` (also the default without a mode).
    Standby,
    /// `CONST` / `CONSTANT`: constant mode at the constant set points.
    Constant,
    /// `HOLD`: constant mode holding the program's set points where it ended.
    Hold,
}

/// Why a request could not be parsed, named by the controller's own `NA:` reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EspecParseError {
    /// Unknown command: `NA:CMD ERR`.
    CmdErr,
    /// Known command, bad parameters: `NA:PARA ERR`.
    ParaErr,
}

/// Parses one request line (without its terminator).
pub fn parse_request(line: &[u8]) -> Result<EspecRequest, EspecParseError> {
    let text = std::str::from_utf8(line).map_err(|_| EspecParseError::CmdErr)?;
    let text = text.trim();
    let mut fields: Vec<String> = text
        .split(',')
        .map(|f| {
            f.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_uppercase()
        })
        .collect();
    let mut echo = text.to_string();
    let mut address = None;
    if fields.len() > 1
        && fields
            .first()
            .is_some_and(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
    {
        address = Some(
            fields
                .remove(0)
                .parse()
                .map_err(|_| EspecParseError::CmdErr)?,
        );
        echo = text
            .split_once(',')
            .map_or("", |(_, rest)| rest)
            .trim()
            .to_string();
    }
    let head = fields.first().cloned().unwrap_or_default();
    let args: Vec<&str> = fields.iter().skip(1).map(String::as_str).collect();
    let command = parse_command(&head, &args)?;
    Ok(EspecRequest {
        address,
        command,
        echo,
    })
}

fn parse_command(head: &str, args: &[&str]) -> Result<EspecCommand, EspecParseError> {
    use EspecCommand as C;
    let detail = args.first().is_some_and(|a| *a == "DETAIL");
    Ok(match head {
        "MON?" => C::Mon,
        "TEMP?" => C::Temp,
        "HUMI?" => C::Humi,
        "MODE?" => C::Mode { detail },
        "TYPE?" => C::Type,
        "ROM?" => C::Rom,
        "ALARM?" => C::Alarm,
        "PRGM MON?" => C::PrgmMon,
        "TEMP" => {
            let parts = letter_values(arg(args)?, &["S", "H", "L"])?;
            let sp = number(parts.first())?;
            let high = number(parts.get(1))?;
            let low = number(parts.get(2))?;
            if sp.is_none() && high.is_none() && low.is_none() {
                return Err(EspecParseError::ParaErr);
            }
            C::SetTemp { sp, high, low }
        }
        "HUMI" => {
            let parts = letter_values(arg(args)?, &["S", "H", "L"])?;
            let sp = match parts.first().and_then(Option::as_deref) {
                None => None,
                Some("OFF") => Some(HumiSetpoint::Off),
                Some(v) => Some(HumiSetpoint::Percent(parse_f64(v)?)),
            };
            let high = number(parts.get(1))?;
            let low = number(parts.get(2))?;
            if sp.is_none() && high.is_none() && low.is_none() {
                return Err(EspecParseError::ParaErr);
            }
            C::SetHumi { sp, high, low }
        }
        "MODE" => C::SetMode(parse_mode(arg(args)?)?),
        "POWER" => match arg(args)? {
            "ON" => C::Power(true),
            "OFF" => C::Power(false),
            _ => return Err(EspecParseError::ParaErr),
        },
        "RUN PRGM" => parse_run_prgm(arg(args)?)?,
        "PRGM" => match args {
            ["END"] => C::PrgmEnd(EndMode::Standby),
            ["END", mode] => C::PrgmEnd(match *mode {
                "OFF" => EndMode::Off,
                "STANDBY" => EndMode::Standby,
                "CONST" | "CONSTANT" => EndMode::Constant,
                "HOLD" => EndMode::Hold,
                _ => return Err(EspecParseError::ParaErr),
            }),
            _ => return Err(EspecParseError::ParaErr),
        },
        _ => return Err(EspecParseError::CmdErr),
    })
}

fn arg<'a>(args: &[&'a str]) -> Result<&'a str, EspecParseError> {
    match args {
        [one] => Ok(one),
        _ => Err(EspecParseError::ParaErr),
    }
}

fn parse_f64(text: &str) -> Result<f64, EspecParseError> {
    let value: f64 = text.trim().parse().map_err(|_| EspecParseError::ParaErr)?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(EspecParseError::ParaErr)
    }
}

fn number(part: Option<&Option<String>>) -> Result<Option<f64>, EspecParseError> {
    part.and_then(Option::as_deref).map(parse_f64).transpose()
}

/// Splits `S23.0 H80 L-40` (spaces optional) into the values of each key, in `keys` order.
fn letter_values(text: &str, keys: &[&str]) -> Result<Vec<Option<String>>, EspecParseError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut values = vec![None; keys.len()];
    let mut rest = compact.as_str();
    while !rest.is_empty() {
        let key = keys
            .iter()
            .position(|k| rest.starts_with(k))
            .ok_or(EspecParseError::ParaErr)?;
        let after = rest.get(1..).unwrap_or_default();
        let end = after
            .find(|c: char| keys.iter().any(|k| k.starts_with(c)))
            .unwrap_or(after.len());
        let value = after.get(..end).unwrap_or_default();
        if value.is_empty() {
            return Err(EspecParseError::ParaErr);
        }
        if let Some(slot) = values.get_mut(key) {
            *slot = Some(value.to_string());
        }
        rest = after.get(end..).unwrap_or_default();
    }
    Ok(values)
}

fn parse_mode(text: &str) -> Result<ModeArg, EspecParseError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(match compact.as_str() {
        "OFF" => ModeArg::Off,
        "STANDBY" => ModeArg::Standby,
        "CONSTANT" => ModeArg::Constant,
        other => match other.strip_prefix("RUN") {
            Some(n) => ModeArg::Run(n.parse().map_err(|_| EspecParseError::ParaErr)?),
            None => return Err(EspecParseError::ParaErr),
        },
    })
}

fn parse_run_prgm(text: &str) -> Result<EspecCommand, EspecParseError> {
    let mut temp = None;
    let mut time = None;
    let mut go_temp = None;
    let mut humi = None;
    let mut go_humi = None;
    for word in text.split_whitespace() {
        if let Some(v) = word.strip_prefix("GOTEMP") {
            go_temp = Some(parse_f64(v)?);
        } else if let Some(v) = word.strip_prefix("GOHUMI") {
            go_humi = Some(parse_f64(v)?);
        } else if let Some(v) = word.strip_prefix("TEMP") {
            temp = Some(parse_f64(v)?);
        } else if let Some(v) = word.strip_prefix("HUMI") {
            humi = Some(parse_f64(v)?);
        } else if let Some(v) = word.strip_prefix("TIME") {
            let (h, m) = v.split_once(':').ok_or(EspecParseError::ParaErr)?;
            let h: u64 = h.parse().map_err(|_| EspecParseError::ParaErr)?;
            let m: u64 = m.parse().map_err(|_| EspecParseError::ParaErr)?;
            if m >= 60 || h > 999 {
                return Err(EspecParseError::ParaErr);
            }
            time = Some(Duration::from_secs(h * 3600 + m * 60));
        } else {
            return Err(EspecParseError::ParaErr);
        }
    }
    Ok(EspecCommand::RunPrgm {
        temp_c: temp.ok_or(EspecParseError::ParaErr)?,
        time: time.ok_or(EspecParseError::ParaErr)?,
        go_temp_c: go_temp,
        humi_pct: humi,
        go_humi_pct: go_humi,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> EspecCommand {
        parse_request(line.as_bytes()).unwrap().command
    }

    #[test]
    fn spacing_case_and_address_are_tolerated() {
        assert_eq!(cmd("TEMP, S23.0"), cmd("temp,s 23.0"));
        assert_eq!(
            cmd("TEMP, S23.0 H80.0 L-40.0"),
            EspecCommand::SetTemp {
                sp: Some(23.0),
                high: Some(80.0),
                low: Some(-40.0)
            }
        );
        let r = parse_request(b" 1, MON? ").unwrap();
        assert_eq!(
            (r.address, r.command, r.echo.as_str()),
            (Some(1), EspecCommand::Mon, "MON?")
        );
        assert_eq!(
            cmd("HUMI, SOFF"),
            EspecCommand::SetHumi {
                sp: Some(HumiSetpoint::Off),
                high: None,
                low: None
            }
        );
        assert_eq!(cmd("MODE, RUN 3"), EspecCommand::SetMode(ModeArg::Run(3)));
        assert_eq!(cmd("PRGM  MON?"), EspecCommand::PrgmMon);
        assert_eq!(cmd("MODE?,DETAIL"), EspecCommand::Mode { detail: true });
        assert_eq!(
            cmd("PRGM, END, CONST"),
            EspecCommand::PrgmEnd(EndMode::Constant)
        );
        assert_eq!(cmd("PRGM,END,HOLD"), EspecCommand::PrgmEnd(EndMode::Hold));
        assert_eq!(cmd("PRGM, END"), EspecCommand::PrgmEnd(EndMode::Standby));
        assert_eq!(
            cmd("RUN PRGM, TEMP25.0 TIME1:30 GOTEMP40.0 HUMI50 GOHUMI90"),
            EspecCommand::RunPrgm {
                temp_c: 25.0,
                time: Duration::from_secs(5400),
                go_temp_c: Some(40.0),
                humi_pct: Some(50.0),
                go_humi_pct: Some(90.0)
            }
        );
    }

    #[test]
    fn unknown_commands_and_bad_parameters_are_told_apart() {
        assert_eq!(parse_request(b"FOO?"), Err(EspecParseError::CmdErr));
        assert_eq!(parse_request(b"TEMP, S"), Err(EspecParseError::ParaErr));
        assert_eq!(parse_request(b"TEMP, X5"), Err(EspecParseError::ParaErr));
        assert_eq!(parse_request(b"TEMP, Snan"), Err(EspecParseError::ParaErr));
        assert_eq!(parse_request(b"MODE, WARP"), Err(EspecParseError::ParaErr));
        assert_eq!(
            parse_request(b"PRGM, END, RUN1"),
            Err(EspecParseError::ParaErr)
        );
        assert_eq!(parse_request(b"\xff\xfe"), Err(EspecParseError::CmdErr));
    }
}
