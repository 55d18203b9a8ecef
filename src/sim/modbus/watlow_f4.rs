//! The Watlow F4 register map (registers used directly as PDU addresses; signed 16-bit values
//! with one implied decimal). Loop 1 is temperature, loop 2 humidity. FC03 and FC04 read the
//! same map.

use tokio_modbus::ExceptionCode;

use super::{from_i16_scaled, to_i16_scaled, RegisterDevice};
use crate::rig::chamber::watlow_f4::regs;
use crate::sim::physics::chamber::{ChamberMode, ChamberModel};

/// Decimals of the temperature values.
const DECIMALS: i32 = 1;

/// The F4 registers beyond the physics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatlowF4 {
    /// Which event output (1..8) switches the chamber on and off.
    pub power_event: u8,
    events: [u16; 8],
    profile_select: [u16; 2],
}

impl WatlowF4 {
    /// A map whose event output `power_event` is wired as "chamber on".
    pub fn new(power_event: u8) -> WatlowF4 {
        WatlowF4 {
            power_event: power_event.clamp(1, 8),
            events: [0; 8],
            profile_select: [1, 1],
        }
    }

    fn event_index(address: u16) -> Option<usize> {
        let offset = address.checked_sub(regs::EVENT_OUTPUT_BASE)?;
        (offset % 10 == 0 && offset < 80).then_some(usize::from(offset / 10))
    }
}

fn output_pct_x100(sp: f64, pv: f64) -> u16 {
    to_i16_scaled(((sp - pv) * 20.0).clamp(-100.0, 100.0), 2)
}

impl RegisterDevice for WatlowF4 {
    type Model = ChamberModel;

    fn read(
        &mut self,
        m: &mut ChamberModel,
        address: u16,
        _input: bool,
    ) -> Result<u16, ExceptionCode> {
        let humid = m.params.has_humidity;
        let secs = m.now.as_secs();
        let running = m.mode == ChamberMode::Run;
        Ok(match address {
            regs::MODEL_ID => regs::MODEL_F4,
            1 | 2 => 0,
            5 => 2601,
            regs::PV_INPUT1 | 108 => to_i16_scaled(m.temp_reading_c(), DECIMALS),
            103 => output_pct_x100(m.active_temp_sp_c(), m.temp_c),
            regs::PV_INPUT2 if humid => to_i16_scaled(m.rh_pct, DECIMALS),
            107 if humid => output_pct_x100(m.active_rh_sp_pct().unwrap_or(m.rh_pct), m.rh_pct),
            regs::PROFILE_STATE => {
                if running {
                    regs::PROFILE_RUNNING
                } else {
                    0
                }
            }
            regs::SP_LOOP1 => to_i16_scaled(m.temp_sp_c, DECIMALS),
            regs::SP_LOOP2 if humid => to_i16_scaled(m.rh_sp_pct.unwrap_or(0.0), DECIMALS),
            602 => to_i16_scaled(m.params.temp_range_c.0, DECIMALS),
            603 => to_i16_scaled(m.params.temp_range_c.1, DECIMALS),
            612 if humid => 0,
            613 if humid => 1000,
            606 | 616 => 1,
            607 | 617 => 0,
            608 => 0,
            618 if humid => 1,
            901 => 1,
            regs::PROFILE_RESUME | regs::PROFILE_HOLD | regs::PROFILE_TERMINATE => 0,
            1218 => u16::try_from(m.programs.len()).unwrap_or(u16::MAX),
            1219 => 256,
            1916 => (secs / 3600 % 24) as u16,
            1917 => (secs / 60 % 60) as u16,
            1918 => (secs % 60) as u16,
            1919 | 1920 => 1,
            1921 => 2026,
            regs::PROFILE_NUMBER => self.profile_select[0],
            regs::PROFILE_STEP => self.profile_select[1],
            4002 => 0,
            4100 => {
                if running {
                    self.profile_select[0]
                } else {
                    0
                }
            }
            4101 => m.program.as_ref().map_or(0, |r| (r.step + 1) as u16),
            4119..=4121 => {
                let left = m
                    .program
                    .as_ref()
                    .map_or(0, |r| r.step_remaining().as_secs());
                match address {
                    4119 => (left / 3600).min(u64::from(u16::MAX)) as u16,
                    4120 => (left / 60 % 60) as u16,
                    _ => (left % 60) as u16,
                }
            }
            4122 => to_i16_scaled(m.active_temp_sp_c(), DECIMALS),
            4123 if humid => to_i16_scaled(m.active_rh_sp_pct().unwrap_or(0.0), DECIMALS),
            a => match WatlowF4::event_index(a).and_then(|i| self.events.get(i)) {
                Some(v) => *v,
                None => return Err(ExceptionCode::IllegalDataAddress),
            },
        })
    }

    fn write(
        &mut self,
        m: &mut ChamberModel,
        address: u16,
        values: &[u16],
    ) -> Result<(), ExceptionCode> {
        for (i, value) in values.iter().enumerate() {
            let a = address.wrapping_add(i as u16);
            let v = *value;
            match a {
                regs::SP_LOOP1 => {
                    if !m.set_temp_sp(from_i16_scaled(v, DECIMALS)) {
                        return Err(ExceptionCode::IllegalDataValue);
                    }
                }
                regs::SP_LOOP2 if m.params.has_humidity => {
                    if !m.set_rh_sp(Some(from_i16_scaled(v, DECIMALS))) {
                        return Err(ExceptionCode::IllegalDataValue);
                    }
                }
                25 => {}
                regs::PROFILE_RESUME | regs::PROFILE_HOLD => {}
                regs::PROFILE_TERMINATE if v == 1 => {
                    if m.mode == ChamberMode::Run {
                        m.set_mode(ChamberMode::Constant);
                    }
                }
                regs::PROFILE_NUMBER | regs::PROFILE_STEP => {
                    if let Some(slot) = self
                        .profile_select
                        .get_mut(usize::from(a - regs::PROFILE_NUMBER))
                    {
                        *slot = v;
                    }
                }
                regs::PROFILE_ACTION => match v {
                    regs::PROFILE_ACTION_START => {
                        if !m.run_program(usize::from(self.profile_select[0])) {
                            return Err(ExceptionCode::IllegalDataValue);
                        }
                    }
                    _ => return Err(ExceptionCode::IllegalDataValue),
                },
                _ => {
                    let index =
                        WatlowF4::event_index(a).ok_or(ExceptionCode::IllegalDataAddress)?;
                    if v > 1 {
                        return Err(ExceptionCode::IllegalDataValue);
                    }
                    if let Some(slot) = self.events.get_mut(index) {
                        *slot = v;
                    }
                    if index + 1 == usize::from(self.power_event) {
                        m.set_mode(if v == 1 {
                            ChamberMode::Constant
                        } else {
                            ChamberMode::Standby
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn sensor_fault(&mut self, m: &mut ChamberModel, on: bool) -> bool {
        std::mem::replace(&mut m.sensor_fault, on)
    }
}
