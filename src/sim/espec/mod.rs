//! The ESPEC ASCII protocol (P-300 / SCP-220 family, SH/SU series) answered from a
//! [`ChamberModel`]: queries answer bare comma-separated data, settings answer `OK:` directly
//! followed by the echoed command (`OK:TEMP, S30.0`, the controller's form in the ESPEC manuals;
//! no space after the colon), errors answer `NA:` and a reason, every line ends CR LF.

pub mod request;

use std::sync::Arc;
use std::time::Duration;

use crate::sim::physics::chamber::{ChamberMode, ChamberModel};
use crate::sim::physics::program::{Program, ProgramStep, StepKind};
use crate::sim::serve::framing::take_line;
use crate::sim::serve::{RequestFaults, Responder};
use crate::sim::shared::Shared;
use request::{parse_request, EndMode, EspecCommand, EspecParseError, HumiSetpoint, ModeArg};

/// The name of the one-step program `RUN PRGM` starts (reported as `RMT RUN`).
pub const REMOTE_PROGRAM: &str = "REMOTE";

/// Answers ESPEC requests from a shared chamber model.
#[derive(Debug)]
pub struct EspecResponder {
    chamber: Arc<Shared<ChamberModel>>,
    address: u8,
}

impl EspecResponder {
    /// A responder at RS-485 `address` (requests without an address prefix are always answered).
    pub fn new(chamber: Arc<Shared<ChamberModel>>, address: u8) -> EspecResponder {
        EspecResponder { chamber, address }
    }
}

fn mode_word(mode: ChamberMode) -> &'static str {
    match mode {
        ChamberMode::Off => "OFF",
        ChamberMode::Standby => "STANDBY",
        ChamberMode::Constant => "CONSTANT",
        ChamberMode::Run => "RUN",
    }
}

/// `MODE?,DETAIL`: a remote program (`RUN PRGM`) is `RMT RUN`.
fn detail_word(m: &ChamberModel) -> &'static str {
    match &m.program {
        Some(run) if m.mode == ChamberMode::Run && run.program.name == REMOTE_PROGRAM => "RMT RUN",
        _ => mode_word(m.mode),
    }
}

/// The humidity set point `HUMI?` shows: the program's while one runs, else the constant one
/// (shown in standby too, as `TEMP?` shows the temperature set point).
fn shown_rh_sp(m: &ChamberModel) -> Option<f64> {
    match m.mode {
        ChamberMode::Run => m.active_rh_sp_pct(),
        _ => m.rh_sp_pct,
    }
}

fn to_mode(arg: ModeArg) -> ChamberMode {
    match arg {
        ModeArg::Off => ChamberMode::Off,
        ModeArg::Standby | ModeArg::Run(_) => ChamberMode::Standby,
        ModeArg::Constant => ChamberMode::Constant,
    }
}

/// Answers one parsed command (the reply without its CR LF).
pub fn answer(m: &mut ChamberModel, command: &EspecCommand, echo: &str) -> String {
    use EspecCommand as C;
    let ok = || format!("OK:{echo}");
    let humid = m.params.has_humidity;
    match command {
        C::Mon => {
            let humi = if humid {
                format!("{:.0}", m.rh_pct)
            } else {
                String::new()
            };
            format!(
                "{:.1},{humi},{},{}",
                m.temp_reading_c(),
                mode_word(m.mode),
                m.alarms.len()
            )
        }
        C::Temp => format!(
            "{:.1},{:.1},{:.1},{:.1}",
            m.temp_reading_c(),
            m.active_temp_sp_c(),
            m.temp_limits_c.0,
            m.temp_limits_c.1
        ),
        C::Humi if !humid => "NA:CONT NOT READY-1".to_string(),
        C::Humi => {
            let sp = match shown_rh_sp(m) {
                Some(sp) => format!("{sp:.0}"),
                None => "OFF".to_string(),
            };
            format!(
                "{:.0},{sp},{:.0},{:.0}",
                m.rh_pct, m.rh_limits_pct.0, m.rh_limits_pct.1
            )
        }
        C::Mode { detail: true } => detail_word(m).to_string(),
        C::Mode { detail: false } => mode_word(m.mode).to_string(),
        C::Type if humid => format!("T,T,P300,{:.1}", m.params.temp_range_c.1),
        C::Type => format!("T,P300,{:.1}", m.params.temp_range_c.1),
        C::Rom => "P300 SIM 1.00".to_string(),
        C::Alarm => std::iter::once(m.alarms.len().to_string())
            .chain(m.alarms.iter().map(u16::to_string))
            .collect::<Vec<_>>()
            .join(","),
        C::PrgmMon => match &m.program {
            Some(run) if m.mode == ChamberMode::Run => {
                let left = run.step_remaining().as_secs();
                let humi = run
                    .rh_sp_pct()
                    .map(|h| format!("{h:.0}"))
                    .unwrap_or_default();
                format!(
                    "{},{:.1},{humi},{}:{:02},0,0",
                    run.step + 1,
                    run.temp_sp_c(),
                    left / 3600,
                    left / 60 % 60
                )
            }
            _ => "NA:CONT NOT READY-2".to_string(),
        },
        C::SetTemp { sp, high, low } => {
            let limit_ok = |v: &Option<f64>| v.is_none_or(|v| (-200.0..=400.0).contains(&v));
            if sp.is_some_and(|v| !m.temp_in_range(v)) || !limit_ok(high) || !limit_ok(low) {
                return "NA:DATA OUT OF RANGE".to_string();
            }
            if let Some(v) = sp {
                m.set_temp_sp(*v);
            }
            m.temp_limits_c = (
                high.unwrap_or(m.temp_limits_c.0),
                low.unwrap_or(m.temp_limits_c.1),
            );
            ok()
        }
        C::SetHumi { .. } if !humid => "NA:CONT NOT READY-1".to_string(),
        C::SetHumi { sp, high, low } => {
            let in_range = |v: &Option<f64>| v.is_none_or(|v| (0.0..=100.0).contains(&v));
            let sp_value = match sp {
                Some(HumiSetpoint::Percent(p)) => Some(Some(*p)),
                Some(HumiSetpoint::Off) => Some(None),
                None => None,
            };
            if !in_range(&sp_value.flatten()) || !in_range(high) || !in_range(low) {
                return "NA:DATA OUT OF RANGE".to_string();
            }
            if let Some(value) = sp_value {
                m.set_rh_sp(value);
            }
            m.rh_limits_pct = (
                high.unwrap_or(m.rh_limits_pct.0),
                low.unwrap_or(m.rh_limits_pct.1),
            );
            ok()
        }
        C::SetMode(ModeArg::Run(n)) => {
            if m.run_program(*n as usize) {
                ok()
            } else {
                "NA:DATA NOT READY".to_string()
            }
        }
        C::SetMode(mode) => {
            m.set_mode(to_mode(*mode));
            ok()
        }
        C::Power(on) => {
            m.set_mode(if *on {
                ChamberMode::Standby
            } else {
                ChamberMode::Off
            });
            ok()
        }
        C::RunPrgm {
            temp_c,
            time,
            go_temp_c,
            humi_pct,
            go_humi_pct,
        } => {
            let temps_ok = m.temp_in_range(*temp_c) && go_temp_c.is_none_or(|t| m.temp_in_range(t));
            let humi_ok = [humi_pct, go_humi_pct]
                .iter()
                .all(|h| h.is_none_or(|h| (0.0..=100.0).contains(&h)));
            if !humid && (humi_pct.is_some() || go_humi_pct.is_some()) {
                return "NA:CONT NOT READY-1".to_string();
            }
            if !temps_ok || !humi_ok {
                return "NA:DATA OUT OF RANGE".to_string();
            }
            m.temp_sp_c = *temp_c;
            m.rh_sp_pct = humi_pct.or(m.rh_sp_pct);
            m.start_program(remote_program(
                *temp_c,
                *time,
                *go_temp_c,
                *humi_pct,
                *go_humi_pct,
            ));
            ok()
        }
        C::PrgmEnd(end) => {
            if m.mode != ChamberMode::Run {
                return "NA:CONT NOT READY-2".to_string();
            }
            if *end == EndMode::Hold {
                m.temp_sp_c = m.active_temp_sp_c();
                m.rh_sp_pct = m.active_rh_sp_pct();
            }
            m.set_mode(match end {
                EndMode::Off => ChamberMode::Off,
                EndMode::Standby => ChamberMode::Standby,
                EndMode::Constant | EndMode::Hold => ChamberMode::Constant,
            });
            ok()
        }
    }
}

fn remote_program(
    temp_c: f64,
    time: Duration,
    go_temp_c: Option<f64>,
    humi_pct: Option<f64>,
    go_humi_pct: Option<f64>,
) -> Program {
    let ramp = go_temp_c.is_some() || go_humi_pct.is_some();
    Program {
        name: REMOTE_PROGRAM.to_string(),
        steps: vec![ProgramStep {
            kind: if ramp { StepKind::Ramp } else { StepKind::Soak },
            temp_c: go_temp_c.unwrap_or(temp_c),
            rh_pct: go_humi_pct.or(humi_pct),
            duration: time,
        }],
        end: ChamberMode::Constant,
    }
}

impl Responder for EspecResponder {
    fn take_request(&mut self, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
        take_line(buf)
    }

    fn respond(&mut self, line: &[u8], faults: &RequestFaults) -> Option<Vec<u8>> {
        let reply = match parse_request(line) {
            Ok(req) if req.address.is_some_and(|a| a != self.address) => return None,
            Ok(_) if faults.refusal.is_some() => {
                let reason = faults.refusal.clone().flatten();
                format!("NA:{}", reason.as_deref().unwrap_or("INVALID REQ"))
            }
            Ok(req) => {
                let sensor = !faults.sensors.is_empty();
                self.chamber.with(|m| {
                    let saved = m.sensor_fault;
                    m.sensor_fault |= sensor;
                    let reply = answer(m, &req.command, &req.echo);
                    m.sensor_fault = saved;
                    reply
                })
            }
            Err(EspecParseError::CmdErr) => "NA:CMD ERR".to_string(),
            Err(EspecParseError::ParaErr) => "NA:PARA ERR".to_string(),
        };
        Some(format!("{reply}\r\n").into_bytes())
    }
}
