//! A chamber with a register map given in the station file
//! ([`crate::rig::chamber::registers::RegisterMap`]): the simulator serves exactly the registers
//! the map names, in the formats, scales, word orders and tables it gives.

use tokio_modbus::ExceptionCode;

use super::RegisterDevice;
use crate::rig::chamber::registers::{
    RegisterFormat, RegisterMap, RegisterSpec, RegisterTable, WordOrder,
};
use crate::sim::physics::chamber::{ChamberMode, ChamberModel};

/// A generic Modbus chamber map.
#[derive(Debug, Clone, PartialEq)]
pub struct GenericModbus {
    /// The map served.
    pub map: RegisterMap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    TempPv,
    TempSp,
    HumiPv,
    HumiSp,
}

impl GenericModbus {
    /// Serves `map`.
    pub fn new(map: RegisterMap) -> GenericModbus {
        GenericModbus { map }
    }

    fn specs(&self) -> impl Iterator<Item = (Field, RegisterSpec)> + '_ {
        [
            (Field::TempPv, Some(self.map.temp_pv)),
            (Field::TempSp, Some(self.map.temp_sp)),
            (Field::HumiPv, self.map.humidity_pv),
            (Field::HumiSp, self.map.humidity_sp),
        ]
        .into_iter()
        .filter_map(|(f, s)| s.map(|s| (f, s)))
    }

    /// The field covering `address` in `table`, and the word index inside it.
    fn find(&self, address: u16, table: RegisterTable) -> Option<(Field, RegisterSpec, usize)> {
        self.specs().find_map(|(f, s)| {
            let offset = address.checked_sub(s.address)?;
            (offset < s.format.width() && s.table == table).then_some((f, s, usize::from(offset)))
        })
    }
}

fn value_of(m: &ChamberModel, field: Field) -> f64 {
    match field {
        Field::TempPv => m.temp_reading_c(),
        Field::TempSp => m.temp_sp_c,
        Field::HumiPv => m.rh_pct,
        Field::HumiSp => m.rh_sp_pct.unwrap_or(0.0),
    }
}

/// Encodes `value` per `spec` into one or two registers (in register order).
pub fn encode(spec: &RegisterSpec, value: f64) -> Vec<u16> {
    let raw = value / spec.scale;
    let bits: u32 = match spec.format {
        RegisterFormat::U16 => return vec![raw.round().clamp(0.0, 65535.0) as u16],
        RegisterFormat::I16 => {
            return vec![raw.round().clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16 as u16]
        }
        RegisterFormat::U32 => raw.round().clamp(0.0, f64::from(u32::MAX)) as u32,
        RegisterFormat::I32 => {
            raw.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32 as u32
        }
        RegisterFormat::F32 => (raw as f32).to_bits(),
    };
    let (high, low) = ((bits >> 16) as u16, (bits & 0xFFFF) as u16);
    match spec.word_order {
        WordOrder::HighFirst => vec![high, low],
        WordOrder::LowFirst => vec![low, high],
    }
}

/// Decodes the registers of one value per `spec` (the inverse of [`encode`]).
pub fn decode(spec: &RegisterSpec, words: &[u16]) -> Option<f64> {
    let raw = match (spec.format, words) {
        (RegisterFormat::U16, [w]) => f64::from(*w),
        (RegisterFormat::I16, [w]) => f64::from(*w as i16),
        (format, [a, b]) => {
            let (high, low) = match spec.word_order {
                WordOrder::HighFirst => (*a, *b),
                WordOrder::LowFirst => (*b, *a),
            };
            let bits = u32::from(high) << 16 | u32::from(low);
            match format {
                RegisterFormat::U32 => f64::from(bits),
                RegisterFormat::I32 => f64::from(bits as i32),
                RegisterFormat::F32 => f64::from(f32::from_bits(bits)),
                RegisterFormat::U16 | RegisterFormat::I16 => return None,
            }
        }
        _ => return None,
    };
    let value = raw * spec.scale;
    value.is_finite().then_some(value)
}

impl RegisterDevice for GenericModbus {
    type Model = ChamberModel;

    fn read(
        &mut self,
        m: &mut ChamberModel,
        address: u16,
        input: bool,
    ) -> Result<u16, ExceptionCode> {
        let table = if input {
            RegisterTable::Input
        } else {
            RegisterTable::Holding
        };
        if !input && address == self.map.run_stop.address {
            let running = matches!(m.mode, ChamberMode::Constant | ChamberMode::Run);
            return Ok(if running {
                self.map.run_stop.run
            } else {
                self.map.run_stop.stop
            });
        }
        let (field, spec, word) = self
            .find(address, table)
            .ok_or(ExceptionCode::IllegalDataAddress)?;
        encode(&spec, value_of(m, field))
            .get(word)
            .copied()
            .ok_or(ExceptionCode::IllegalDataAddress)
    }

    fn write(
        &mut self,
        m: &mut ChamberModel,
        address: u16,
        values: &[u16],
    ) -> Result<(), ExceptionCode> {
        let mut at = 0usize;
        while let Some(first) = values.get(at) {
            let a = address.wrapping_add(at as u16);
            let run_stop = self.map.run_stop;
            if a == run_stop.address {
                match *first {
                    v if v == run_stop.run => m.set_mode(ChamberMode::Constant),
                    v if v == run_stop.stop => m.set_mode(ChamberMode::Standby),
                    _ => return Err(ExceptionCode::IllegalDataValue),
                }
                at += 1;
                continue;
            }
            let (field, spec, word) = self
                .find(a, RegisterTable::Holding)
                .ok_or(ExceptionCode::IllegalDataAddress)?;
            let width = usize::from(spec.format.width());
            let words = values.get(at..at + width);
            let (Some(words), 0) = (words, word) else {
                return Err(ExceptionCode::IllegalDataValue);
            };
            let value = decode(&spec, words).ok_or(ExceptionCode::IllegalDataValue)?;
            let ok = match field {
                Field::TempSp => m.set_temp_sp(value),
                Field::HumiSp => m.set_rh_sp(Some(value)),
                Field::TempPv | Field::HumiPv => return Err(ExceptionCode::IllegalDataAddress),
            };
            if !ok {
                return Err(ExceptionCode::IllegalDataValue);
            }
            at += width;
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

    fn spec(format: RegisterFormat, order: WordOrder, scale: f64) -> RegisterSpec {
        RegisterSpec {
            address: 10,
            format,
            scale,
            word_order: order,
            table: RegisterTable::Holding,
        }
    }

    #[test]
    fn encode_and_decode_are_inverse_for_every_format() {
        for (format, order, scale, value) in [
            (RegisterFormat::I16, WordOrder::HighFirst, 0.1, -22.1),
            (RegisterFormat::U16, WordOrder::HighFirst, 1.0, 93.0),
            (RegisterFormat::I32, WordOrder::LowFirst, 0.01, -40.25),
            (RegisterFormat::U32, WordOrder::HighFirst, 0.001, 70000.5),
            (RegisterFormat::F32, WordOrder::LowFirst, 1.0, 85.5),
        ] {
            let s = spec(format, order, scale);
            let words = encode(&s, value);
            let back = decode(&s, &words).unwrap();
            assert!(
                (back - value).abs() < 1e-6,
                "{format:?}: {value} -> {words:?} -> {back}"
            );
        }
        assert_eq!(
            encode(&spec(RegisterFormat::I16, WordOrder::HighFirst, 0.1), -22.1),
            vec![0xFF23]
        );
        assert_eq!(
            decode(&spec(RegisterFormat::F32, WordOrder::HighFirst, 1.0), &[1]),
            None
        );
    }
}
