//! A chamber whose controller speaks Modbus with a register map declared in the station file
//! ([`RegisterMap`]): any mix of 16/32-bit integers and floats, scaled, in either word order,
//! from holding or input registers, with one run/stop register.
//!
//! The mode reported by [`AsyncChamber::read`] is read back from the run/stop register, so it
//! reflects the last run/stop command.

use crate::rig::chamber::registers::{RegisterFormat, RegisterMap, RegisterSpec, RegisterTable};
use crate::rig::chamber::{AsyncChamber, ChamberIdentity, ChamberReading};
use crate::rig::modbus::{decode_f32, encode_f32, unencodable, ModbusClient, ScaleError};
use crate::rig::RigError;

/// The engineering value of the registers `words` (as many as the format's width).
pub fn decode_value(spec: &RegisterSpec, words: &[u16]) -> Result<f64, ScaleError> {
    let order = spec.word_order;
    let pair = |words: &[u16]| match words {
        [a, b] => [*a, *b],
        _ => [0, 0],
    };
    let raw = match spec.format {
        RegisterFormat::U16 => f64::from(words.first().copied().unwrap_or_default()),
        RegisterFormat::I16 => f64::from(i16::from_ne_bytes(
            words.first().copied().unwrap_or_default().to_ne_bytes(),
        )),
        RegisterFormat::U32 => f64::from(order.join(pair(words))),
        RegisterFormat::I32 => f64::from(i32::from_ne_bytes(order.join(pair(words)).to_ne_bytes())),
        RegisterFormat::F32 => f64::from(decode_f32(pair(words), order)?),
    };
    let value = raw * spec.scale;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ScaleError::NotANumber { value })
    }
}

/// The registers holding `value` (engineering units) in `spec`'s format, in wire order.
/// Integers are rounded to the nearest step; a value outside the format is a [`ScaleError`].
pub fn encode_value(spec: &RegisterSpec, value: f64) -> Result<Vec<u16>, ScaleError> {
    let raw = value / spec.scale;
    if !value.is_finite() || !raw.is_finite() {
        return Err(ScaleError::NotANumber { value });
    }
    let order = spec.word_order;
    let (min, max, signedness) = match spec.format {
        RegisterFormat::U16 => (0.0, f64::from(u16::MAX), "unsigned"),
        RegisterFormat::I16 => (f64::from(i16::MIN), f64::from(i16::MAX), "signed"),
        RegisterFormat::U32 => (0.0, f64::from(u32::MAX), "unsigned"),
        RegisterFormat::I32 => (f64::from(i32::MIN), f64::from(i32::MAX), "signed"),
        RegisterFormat::F32 => return Ok(encode_f32(raw, order)?.to_vec()),
    };
    let rounded = raw.round();
    if rounded < min || rounded > max {
        let (a, b) = (min * spec.scale, max * spec.scale);
        return Err(ScaleError::OutOfRange {
            value,
            signedness,
            decimals: 0,
            min: a.min(b),
            max: a.max(b),
        });
    }
    // In range by the check above, so each cast is exact.
    Ok(match spec.format {
        RegisterFormat::U16 => vec![rounded as u16],
        RegisterFormat::I16 => vec![u16::from_ne_bytes((rounded as i16).to_ne_bytes())],
        RegisterFormat::U32 => order.split(rounded as u32).to_vec(),
        _ => order
            .split(u32::from_ne_bytes((rounded as i32).to_ne_bytes()))
            .to_vec(),
    })
}

/// A chamber driven through a station-declared register map.
#[derive(Debug)]
pub struct ModbusGeneric {
    client: ModbusClient,
    map: RegisterMap,
}

impl ModbusGeneric {
    /// Attaches the driver; the map should have passed [`RegisterMap::problems`].
    pub fn attach(client: ModbusClient, map: RegisterMap) -> ModbusGeneric {
        ModbusGeneric { client, map }
    }

    async fn read_value(
        &mut self,
        what: &'static str,
        spec: RegisterSpec,
    ) -> Result<f64, RigError> {
        let width = spec.format.width();
        let words = match spec.table {
            RegisterTable::Holding => self.client.read_holding(what, spec.address, width).await?,
            RegisterTable::Input => self.client.read_input(what, spec.address, width).await?,
        };
        decode_value(&spec, &words).map_err(|e| {
            self.client
                .value_error(what, spec.address, &words, e)
                .into()
        })
    }

    async fn write_value(
        &mut self,
        what: &'static str,
        unit: &str,
        spec: RegisterSpec,
        value: f64,
    ) -> Result<(), RigError> {
        let words = encode_value(&spec, value).map_err(|e| unencodable(unit, e))?;
        match words.as_slice() {
            [word] => {
                self.client
                    .write_register(what, spec.address, *word)
                    .await?
            }
            _ => {
                self.client
                    .write_registers(what, spec.address, &words)
                    .await?
            }
        }
        Ok(())
    }
}

impl AsyncChamber for ModbusGeneric {
    async fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        // No identity registers in a generic map; one read proves the controller answers.
        self.read_value("temperature PV", self.map.temp_pv).await?;
        Ok(ChamberIdentity {
            protocol: "modbus-generic".to_string(),
            model: String::new(),
            firmware: None,
            humidity: self.map.humidity_sp.is_some(),
            temp_max_c: None,
        })
    }

    async fn read(&mut self) -> Result<ChamberReading, RigError> {
        let temp_pv = self.read_value("temperature PV", self.map.temp_pv).await?;
        let temp_sp = self.read_value("temperature SP", self.map.temp_sp).await?;
        let humidity_pv = match self.map.humidity_pv {
            Some(spec) => Some(self.read_value("humidity PV", spec).await?),
            None => None,
        };
        let humidity_sp = match self.map.humidity_sp {
            Some(spec) => Some(self.read_value("humidity SP", spec).await?),
            None => None,
        };
        let run_stop = self.map.run_stop;
        let command = self.client.read_one("run/stop", run_stop.address).await?;
        let mode = run_stop.mode(command);
        Ok(ChamberReading {
            temp_pv,
            temp_sp,
            humidity_pv,
            humidity_sp,
            mode,
            alarm_count: 0,
        })
    }

    async fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError> {
        let spec = self.map.temp_sp;
        self.write_value("temperature SP", "temperature °C", spec, celsius)
            .await
    }

    async fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        let Some(spec) = self.map.humidity_sp else {
            return Err(RigError::not_supported(
                "humidity: the station's register map has no humidity_sp",
            ));
        };
        let Some(percent) = percent else {
            return Err(RigError::not_supported(
                "switching humidity off through a generic register map",
            ));
        };
        self.write_value("humidity SP", "humidity % RH", spec, percent)
            .await
    }

    async fn run_constant(&mut self) -> Result<(), RigError> {
        let run_stop = self.map.run_stop;
        Ok(self
            .client
            .write_register("run/stop: run", run_stop.address, run_stop.run)
            .await?)
    }

    async fn stop(&mut self) -> Result<(), RigError> {
        let run_stop = self.map.run_stop;
        Ok(self
            .client
            .write_register("run/stop: stop", run_stop.address, run_stop.stop)
            .await?)
    }

    async fn run_program(&mut self, number: u32) -> Result<(), RigError> {
        Err(RigError::not_supported(format!(
            "program {number}: a generic register map has no program registers"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rig::modbus::WordOrder;

    fn spec(format: RegisterFormat, scale: f64, order: WordOrder) -> RegisterSpec {
        RegisterSpec {
            address: 0,
            format,
            scale,
            word_order: order,
            table: RegisterTable::Holding,
        }
    }

    #[test]
    fn each_format_round_trips() {
        let cases = [
            (RegisterFormat::I16, 0.1, -22.1, vec![0xFF23]),
            (RegisterFormat::U16, 0.1, 6553.5, vec![0xFFFF]),
            (RegisterFormat::U32, 0.01, 700_000.0, vec![0x042C, 0x1D80]),
            (RegisterFormat::I32, 1.0, -2.0, vec![0xFFFF, 0xFFFE]),
            (RegisterFormat::F32, 1.0, 25.0, vec![0x41C8, 0x0000]),
        ];
        for (format, scale, value, words) in cases {
            let s = spec(format, scale, WordOrder::HighFirst);
            assert_eq!(encode_value(&s, value).unwrap(), words, "{format:?}");
            assert!(
                (decode_value(&s, &words).unwrap() - value).abs() < 1e-9,
                "{format:?}"
            );
        }
        let low = spec(RegisterFormat::F32, 1.0, WordOrder::LowFirst);
        assert_eq!(encode_value(&low, 25.0).unwrap(), vec![0x0000, 0x41C8]);
    }

    #[test]
    fn out_of_format_and_non_finite_values_are_errors() {
        let s = spec(RegisterFormat::U16, 1.0, WordOrder::HighFirst);
        assert!(encode_value(&s, -1.0).is_err());
        assert!(encode_value(&s, 65_536.0).is_err());
        let zero = spec(RegisterFormat::I16, 0.0, WordOrder::HighFirst);
        assert!(encode_value(&zero, 1.0).is_err());
        let f = spec(RegisterFormat::F32, 1.0, WordOrder::HighFirst);
        assert!(decode_value(&f, &[0x7FC0, 0x0000]).is_err());
        assert!(encode_value(&f, f64::NAN).is_err());
        let negative = spec(RegisterFormat::I16, -0.5, WordOrder::HighFirst);
        let error = encode_value(&negative, 20_000.0).unwrap_err();
        assert!(matches!(error, ScaleError::OutOfRange { min, max, .. } if min < max));
    }

    #[test]
    fn random_registers_and_values_never_panic() {
        let formats = [
            RegisterFormat::U16,
            RegisterFormat::I16,
            RegisterFormat::U32,
            RegisterFormat::I32,
            RegisterFormat::F32,
        ];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..100_000 {
            let format = formats[(next() % 5) as usize];
            let scale = [1.0, 0.1, 0.01, -1.0, 1e-30, 1e30][(next() % 6) as usize];
            let order = if next() % 2 == 0 {
                WordOrder::HighFirst
            } else {
                WordOrder::LowFirst
            };
            let s = spec(format, scale, order);
            let len = (next() % 3) as usize;
            let words: Vec<u16> = (0..len).map(|_| next() as u16).collect();
            let _ = decode_value(&s, &words);
            let value = f64::from_bits(next());
            if let Ok(words) = encode_value(&s, value) {
                assert_eq!(words.len(), usize::from(format.width()));
            }
        }
    }
}
