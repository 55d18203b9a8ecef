//! TEMI controllers over Modbus RTU: the D-register map of [`crate::sim::temi_map`] at
//! Modbus address D-number − 1.

use tokio_modbus::ExceptionCode;

use super::RegisterDevice;
use crate::sim::physics::chamber::ChamberModel;
use crate::sim::temi_map::{self, TemiAccessError, TemiExtra};

/// The TEMI Modbus map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemiModbus {
    extra: TemiExtra,
}

impl TemiModbus {
    /// A map with pattern 0 and slope 0.
    pub fn new() -> TemiModbus {
        TemiModbus::default()
    }
}

fn exception(e: TemiAccessError) -> ExceptionCode {
    match e {
        TemiAccessError::BadRegister => ExceptionCode::IllegalDataAddress,
        TemiAccessError::BadValue => ExceptionCode::IllegalDataValue,
    }
}

impl RegisterDevice for TemiModbus {
    type Model = ChamberModel;

    fn read(
        &mut self,
        m: &mut ChamberModel,
        address: u16,
        _input: bool,
    ) -> Result<u16, ExceptionCode> {
        let d = address
            .checked_add(1)
            .ok_or(ExceptionCode::IllegalDataAddress)?;
        temi_map::read(m, &self.extra, d).map_err(exception)
    }

    fn write(
        &mut self,
        m: &mut ChamberModel,
        address: u16,
        values: &[u16],
    ) -> Result<(), ExceptionCode> {
        for (i, v) in values.iter().enumerate() {
            let d = address
                .checked_add(1 + i as u16)
                .ok_or(ExceptionCode::IllegalDataAddress)?;
            temi_map::write(m, &mut self.extra, d, *v).map_err(exception)?;
        }
        Ok(())
    }

    fn sensor_fault(&mut self, m: &mut ChamberModel, on: bool) -> bool {
        std::mem::replace(&mut m.sensor_fault, on)
    }
}
