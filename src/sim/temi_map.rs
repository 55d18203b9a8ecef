//! The Samwontech TEMI D-register map shared by the PC-link and Modbus simulators: values are
//! signed 16-bit, ×10, addressed by D-number (Modbus address = D-number − 1).
//!
//! | D-reg | meaning |
//! |---|---|
//! | D0001 / D0002 | temperature PV / working SP (read only) |
//! | D0005 / D0006 | humidity PV / working SP (read only) |
//! | D0100 | pattern number |
//! | D0101 | operation: write 1 = RUN (fixed set point), 4 = STOP; reads back 1 or 4 |
//! | D0102 / D0103 | fixed-mode temperature / humidity set point |
//! | D0106 | temperature slope, ×10 °C/min |
//!
//! The operation register differs per model (see the reference's gaps); D0101 follows the
//! TEMI2500 firmware driver.

use crate::rig::chamber::temi_pclink::frame::{tenths_word, word_tenths};
use crate::sim::physics::chamber::{ChamberMode, ChamberModel};

use crate::rig::chamber::temi_modbus::regs::{OPERATION_RUN as OP_RUN, OPERATION_STOP as OP_STOP};

/// Why a register access failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemiAccessError {
    /// No such D-register, or not writable.
    BadRegister,
    /// The value is out of range.
    BadValue,
}

/// State of the registers that are not physics (pattern number, slope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TemiExtra {
    /// D0100.
    pub pattern: u16,
    /// D0106.
    pub slope: u16,
}

/// Encodes an engineering value as a signed ×10 register, pinned at the ends of the range.
pub fn to_reg_x10(value: f64) -> u16 {
    tenths_word(value).unwrap_or(if value < 0.0 { 0x8000 } else { 0x7FFF })
}

/// Reads D-register `d`.
pub fn read(m: &ChamberModel, extra: &TemiExtra, d: u16) -> Result<u16, TemiAccessError> {
    Ok(match d {
        1 => to_reg_x10(m.temp_reading_c()),
        2 => to_reg_x10(m.active_temp_sp_c()),
        5 => to_reg_x10(m.rh_pct),
        6 => to_reg_x10(m.active_rh_sp_pct().unwrap_or(0.0)),
        100 => extra.pattern,
        101 => match m.mode {
            ChamberMode::Constant | ChamberMode::Run => OP_RUN,
            ChamberMode::Off | ChamberMode::Standby => OP_STOP,
        },
        102 => to_reg_x10(m.temp_sp_c),
        103 => to_reg_x10(m.rh_sp_pct.unwrap_or(0.0)),
        106 => extra.slope,
        _ => return Err(TemiAccessError::BadRegister),
    })
}

/// Writes D-register `d`.
pub fn write(
    m: &mut ChamberModel,
    extra: &mut TemiExtra,
    d: u16,
    raw: u16,
) -> Result<(), TemiAccessError> {
    match d {
        100 => extra.pattern = raw,
        101 => match raw {
            OP_RUN => m.set_mode(ChamberMode::Constant),
            OP_STOP => m.set_mode(ChamberMode::Standby),
            _ => return Err(TemiAccessError::BadValue),
        },
        102 => {
            if !m.set_temp_sp(word_tenths(raw)) {
                return Err(TemiAccessError::BadValue);
            }
        }
        103 => {
            if !m.set_rh_sp(Some(word_tenths(raw))) {
                return Err(TemiAccessError::BadValue);
            }
        }
        106 => extra.slope = raw,
        _ => return Err(TemiAccessError::BadRegister),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::physics::chamber::ChamberParams;

    #[test]
    fn values_are_signed_tenths_and_run_stop_drive_the_mode() {
        assert_eq!(to_reg_x10(-22.1), 0xFF23);
        assert_eq!(word_tenths(0xFF23), -22.1);
        let mut m = ChamberModel::new(ChamberParams::default());
        let mut extra = TemiExtra::default();
        write(&mut m, &mut extra, 102, 0x01F4).unwrap();
        write(&mut m, &mut extra, 101, OP_RUN).unwrap();
        assert_eq!(m.mode, ChamberMode::Constant);
        assert_eq!(read(&m, &extra, 2), Ok(500));
        assert_eq!(
            write(&mut m, &mut extra, 101, 7),
            Err(TemiAccessError::BadValue)
        );
        assert_eq!(
            write(&mut m, &mut extra, 1, 7),
            Err(TemiAccessError::BadRegister)
        );
        assert_eq!(
            write(&mut m, &mut extra, 102, to_reg_x10(900.0)),
            Err(TemiAccessError::BadValue)
        );
    }
}
