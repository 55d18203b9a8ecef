//! The Watlow F4T register map: every value is 32 bits in two registers, low word first —
//! IEEE floats for temperatures, integers for Watlow enumerations. Loop N sits at a stride of
//! 160 registers; loop 1 is temperature, loop 2 humidity.

use tokio_modbus::ExceptionCode;

use super::RegisterDevice;
use crate::sim::physics::chamber::{ChamberMode, ChamberModel};

use crate::rig::chamber::watlow_f4t::regs::{
    ACTION_PAUSE, ACTION_RESUME, ACTION_START, ACTION_TERMINATE, CONTROL_AUTO, CONTROL_OFF,
    LOOP1_CONTROL_MODE as CONTROL_MODE, LOOP1_CURRENT_SP as WORKING_SP, LOOP1_PV as PROCESS_VALUE,
    LOOP1_RANGE_MAX as RANGE_HIGH, LOOP1_RANGE_MIN as RANGE_LOW, LOOP1_SP as SET_POINT,
    LOOP_STRIDE, PROFILE_CONTROL, PROFILE_NUMBER, PROFILE_RESUME, PROFILE_START, PROFILE_STATUS,
    PROFILE_STEP, STATUS_RUNNING,
};

const MODE_AUTO: u32 = CONTROL_AUTO as u32;
const MODE_OFF: u32 = CONTROL_OFF as u32;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Float(f64),
    Int(u32),
}

/// The F4T registers beyond the physics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatlowF4t {
    profile: u32,
    step: u32,
}

impl WatlowF4t {
    /// A map with no profile selected.
    pub fn new() -> WatlowF4t {
        WatlowF4t::default()
    }

    /// The value whose first register is `base`, on loop `lp` (0 = temperature, 1 = humidity).
    fn value(&self, m: &ChamberModel, base: u16) -> Option<Value> {
        let (lp, offset) = loop_of(base)?;
        if lp == 1 && !m.params.has_humidity {
            return None;
        }
        let controlling = matches!(m.mode, ChamberMode::Constant | ChamberMode::Run);
        Some(match (lp, offset) {
            (_, o) if o == CONTROL_MODE => {
                Value::Int(if controlling { MODE_AUTO } else { MODE_OFF })
            }
            (0, o) if o == RANGE_LOW => Value::Float(m.params.temp_range_c.0),
            (0, o) if o == RANGE_HIGH => Value::Float(m.params.temp_range_c.1),
            (0, o) if o == SET_POINT => Value::Float(m.temp_sp_c),
            (0, o) if o == WORKING_SP => Value::Float(m.active_temp_sp_c()),
            (0, o) if o == PROCESS_VALUE => Value::Float(m.temp_reading_c()),
            (1, o) if o == RANGE_LOW => Value::Float(0.0),
            (1, o) if o == RANGE_HIGH => Value::Float(100.0),
            (1, o) if o == SET_POINT => Value::Float(m.rh_sp_pct.unwrap_or(0.0)),
            (1, o) if o == WORKING_SP => Value::Float(m.active_rh_sp_pct().unwrap_or(0.0)),
            (1, o) if o == PROCESS_VALUE => Value::Float(m.rh_pct),
            _ => return None,
        })
    }
}

/// Splits an address into (loop index, loop-1 address) for loops 1 and 2.
fn loop_of(address: u16) -> Option<(u8, u16)> {
    let loop2 = address.checked_sub(LOOP_STRIDE);
    match loop2 {
        Some(a) if (CONTROL_MODE..=PROCESS_VALUE + 1).contains(&a) => Some((1, a)),
        _ if (CONTROL_MODE..=PROCESS_VALUE + 1).contains(&address) => Some((0, address)),
        _ => None,
    }
}

fn words(v: Value) -> [u16; 2] {
    let bits = match v {
        Value::Float(f) => (f as f32).to_bits(),
        Value::Int(i) => i,
    };
    [(bits & 0xFFFF) as u16, (bits >> 16) as u16]
}

impl RegisterDevice for WatlowF4t {
    type Model = ChamberModel;

    fn read(
        &mut self,
        m: &mut ChamberModel,
        address: u16,
        _input: bool,
    ) -> Result<u16, ExceptionCode> {
        let running = m.mode == ChamberMode::Run;
        for (base, half) in [(address, 0usize), (address.wrapping_sub(1), 1)] {
            let value = match base {
                PROFILE_NUMBER => Some(Value::Int(self.profile)),
                PROFILE_STEP => Some(Value::Int(self.step)),
                PROFILE_START | PROFILE_RESUME | PROFILE_CONTROL => Some(Value::Int(0)),
                PROFILE_STATUS => Some(Value::Int(if running {
                    u32::from(STATUS_RUNNING)
                } else {
                    0
                })),
                b => self.value(m, b),
            };
            if let Some(v) = value {
                return words(v)
                    .get(half)
                    .copied()
                    .ok_or(ExceptionCode::IllegalDataAddress);
            }
        }
        Err(ExceptionCode::IllegalDataAddress)
    }

    fn write(
        &mut self,
        m: &mut ChamberModel,
        address: u16,
        values: &[u16],
    ) -> Result<(), ExceptionCode> {
        // A single register write carries an enumeration's low word; otherwise whole pairs.
        let pairs: Vec<(u16, u32)> = match values {
            [one] => vec![(address, u32::from(*one))],
            _ if values.len().is_multiple_of(2) => values
                .chunks(2)
                .enumerate()
                .map(|(i, w)| {
                    let low = u32::from(w.first().copied().unwrap_or(0));
                    let high = u32::from(w.get(1).copied().unwrap_or(0));
                    (address.wrapping_add(2 * i as u16), low | high << 16)
                })
                .collect(),
            _ => return Err(ExceptionCode::IllegalDataValue),
        };
        let single = values.len() == 1;
        for (a, raw) in pairs {
            let float = f64::from(f32::from_bits(raw));
            match a {
                PROFILE_NUMBER => self.profile = raw,
                PROFILE_STEP => self.step = raw,
                PROFILE_START if raw == u32::from(ACTION_START) => {
                    if !m.run_program(self.profile as usize) {
                        return Err(ExceptionCode::IllegalDataValue);
                    }
                }
                PROFILE_CONTROL if raw == u32::from(ACTION_TERMINATE) => {
                    if m.mode == ChamberMode::Run {
                        m.set_mode(ChamberMode::Constant);
                    }
                }
                PROFILE_CONTROL | PROFILE_RESUME
                    if raw == u32::from(ACTION_PAUSE) || raw == u32::from(ACTION_RESUME) => {}
                _ => match loop_of(a) {
                    Some((0, CONTROL_MODE)) => match raw {
                        MODE_AUTO => m.set_mode(ChamberMode::Constant),
                        MODE_OFF => m.set_mode(ChamberMode::Standby),
                        _ => return Err(ExceptionCode::IllegalDataValue),
                    },
                    Some((lp, SET_POINT)) if !single => {
                        let ok = if lp == 0 {
                            m.set_temp_sp(float)
                        } else {
                            m.set_rh_sp(Some(float))
                        };
                        if !ok {
                            return Err(ExceptionCode::IllegalDataValue);
                        }
                    }
                    Some(_) => return Err(ExceptionCode::IllegalDataValue),
                    None => return Err(ExceptionCode::IllegalDataAddress),
                },
            }
        }
        Ok(())
    }

    fn sensor_fault(&mut self, m: &mut ChamberModel, on: bool) -> bool {
        std::mem::replace(&mut m.sensor_fault, on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::physics::chamber::ChamberParams;

    #[test]
    fn floats_are_low_word_first_and_set_points_need_both_words() {
        let mut m = ChamberModel::new(ChamberParams::default());
        let mut map = WatlowF4t::new();
        let [low, high] = words(Value::Float(40.0));
        map.write(&mut m, SET_POINT, &[low, high]).unwrap();
        assert_eq!(m.temp_sp_c, 40.0);
        assert_eq!(map.read(&mut m, SET_POINT, false), Ok(low));
        assert_eq!(map.read(&mut m, SET_POINT + 1, false), Ok(high));
        assert_eq!(high, 0x4220);
        assert_eq!(
            map.write(&mut m, SET_POINT, &[low]),
            Err(ExceptionCode::IllegalDataValue)
        );
        map.write(&mut m, CONTROL_MODE, &[10]).unwrap();
        assert_eq!(m.mode, ChamberMode::Constant);
        let humi_sp = SET_POINT + LOOP_STRIDE;
        assert_eq!(humi_sp, 2942);
        map.write(&mut m, humi_sp, &words(Value::Float(85.0)))
            .unwrap();
        assert_eq!(m.rh_sp_pct, Some(85.0));
        assert_eq!(
            map.read(&mut m, 100, false),
            Err(ExceptionCode::IllegalDataAddress)
        );
    }
}
