//! Register scaling: how controllers pack engineering values into 16-bit Modbus registers.
//!
//! Two encodings cover the controllers facebench drives:
//! - [`Scaled16`]: one register, signed or unsigned, with implied decimals (Watlow F4, Samwon TEMI,
//!   the generic drop-rig map): `-22.1 °C` with one decimal is `-221` = `0xFF23`.
//! - [`WordOrder`] with [`decode_f32`] / [`encode_f32`]: an IEEE-754 single in two registers
//!   (Watlow F4T, low word first by default).
//!
//! Decoding never panics; a value the controller cannot mean (NaN, infinity, decimals out of range)
//! is a [`ScaleError`], and so is a set point that does not fit the register.

use serde::Deserialize;

/// The largest number of implied decimals accepted (10^4 still leaves a 16-bit register useful).
pub const MAX_DECIMALS: u8 = 4;

/// Why a register value could not be decoded or a value could not be encoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScaleError {
    /// The implied decimal count is beyond [`MAX_DECIMALS`].
    #[error("{decimals} implied decimals is not a valid register scale (0..={MAX_DECIMALS})")]
    Decimals {
        /// The decimal count read from the controller or the station file.
        decimals: u16,
    },
    /// The controller sent a float that is not a number or is infinite.
    #[error("controller sent a non-finite float (words {words:04X?}, {order} word first)")]
    NotFinite {
        /// The two raw registers, in wire order.
        words: [u16; 2],
        /// The word order used to assemble them.
        order: WordOrder,
    },
    /// The value is NaN or infinite and cannot be written.
    #[error("{value} cannot be written to a register")]
    NotANumber {
        /// The rejected value.
        value: f64,
    },
    /// The value does not fit the register at this scale.
    #[error("{value} does not fit a {signedness} 16-bit register with {decimals} decimals ({min}..={max})")]
    OutOfRange {
        /// The rejected value.
        value: f64,
        /// "signed" or "unsigned".
        signedness: &'static str,
        /// Implied decimals.
        decimals: u8,
        /// Smallest representable value.
        min: f64,
        /// Largest representable value.
        max: f64,
    },
}

/// A 16-bit register holding a value with implied decimals: `raw / 10^decimals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scaled16 {
    /// Two's complement (`true`) or unsigned (`false`).
    pub signed: bool,
    /// Implied decimal places, 0..=[`MAX_DECIMALS`].
    pub decimals: u8,
}

impl Scaled16 {
    /// A signed register with `decimals` implied decimals.
    pub fn signed(decimals: u8) -> Result<Scaled16, ScaleError> {
        Scaled16::new(true, u16::from(decimals))
    }

    /// An unsigned register with `decimals` implied decimals.
    pub fn unsigned(decimals: u8) -> Result<Scaled16, ScaleError> {
        Scaled16::new(false, u16::from(decimals))
    }

    /// Checks the decimal count (as read from a controller register, hence `u16`).
    pub fn new(signed: bool, decimals: u16) -> Result<Scaled16, ScaleError> {
        match u8::try_from(decimals) {
            Ok(d) if d <= MAX_DECIMALS => Ok(Scaled16 {
                signed,
                decimals: d,
            }),
            _ => Err(ScaleError::Decimals { decimals }),
        }
    }

    fn divisor(self) -> f64 {
        10f64.powi(i32::from(self.decimals.min(MAX_DECIMALS)))
    }

    fn raw_range(self) -> (f64, f64) {
        if self.signed {
            (f64::from(i16::MIN), f64::from(i16::MAX))
        } else {
            (0.0, f64::from(u16::MAX))
        }
    }

    /// The engineering value of a raw register.
    pub fn decode(self, word: u16) -> f64 {
        let raw = if self.signed {
            f64::from(i16::from_ne_bytes(word.to_ne_bytes()))
        } else {
            f64::from(word)
        };
        raw / self.divisor()
    }

    /// The raw register for `value`, rounded to the nearest step.
    pub fn encode(self, value: f64) -> Result<u16, ScaleError> {
        if !value.is_finite() {
            return Err(ScaleError::NotANumber { value });
        }
        let scaled = (value * self.divisor()).round();
        let (lo, hi) = self.raw_range();
        if scaled < lo || scaled > hi {
            return Err(ScaleError::OutOfRange {
                value,
                signedness: if self.signed { "signed" } else { "unsigned" },
                decimals: self.decimals,
                min: lo / self.divisor(),
                max: hi / self.divisor(),
            });
        }
        // In range by the check above, so the casts are exact.
        let word = if self.signed {
            u16::from_ne_bytes((scaled as i16).to_ne_bytes())
        } else {
            scaled as u16
        };
        Ok(word)
    }
}

/// Which register of a 32-bit pair carries the low 16 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WordOrder {
    /// Low word at the lower address (Watlow F4T default, "CDAB").
    LowFirst,
    /// High word at the lower address (Modbus big-endian, "ABCD"); the default.
    #[default]
    HighFirst,
}

impl std::fmt::Display for WordOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WordOrder::LowFirst => "low",
            WordOrder::HighFirst => "high",
        })
    }
}

impl WordOrder {
    /// Assembles two registers (in wire order) into a 32-bit value.
    pub fn join(self, words: [u16; 2]) -> u32 {
        let [first, second] = words;
        let (high, low) = match self {
            WordOrder::LowFirst => (second, first),
            WordOrder::HighFirst => (first, second),
        };
        (u32::from(high) << 16) | u32::from(low)
    }

    /// Splits a 32-bit value into two registers in wire order.
    pub fn split(self, value: u32) -> [u16; 2] {
        let high = (value >> 16) as u16;
        let low = (value & 0xFFFF) as u16;
        match self {
            WordOrder::LowFirst => [low, high],
            WordOrder::HighFirst => [high, low],
        }
    }
}

/// Decodes an IEEE-754 single from two registers; NaN and infinities are errors.
pub fn decode_f32(words: [u16; 2], order: WordOrder) -> Result<f32, ScaleError> {
    let value = f32::from_bits(order.join(words));
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ScaleError::NotFinite { words, order })
    }
}

/// Encodes `value` as an IEEE-754 single in two registers.
pub fn encode_f32(value: f64, order: WordOrder) -> Result<[u16; 2], ScaleError> {
    let single = value as f32;
    if !value.is_finite() || !single.is_finite() {
        return Err(ScaleError::NotANumber { value });
    }
    Ok(order.split(single.to_bits()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_one_decimal_matches_the_f4_manual_example() {
        let s = Scaled16::signed(1).unwrap();
        assert_eq!(s.decode(0xFF23), -22.1);
        assert_eq!(s.encode(-22.1).unwrap(), 0xFF23);
        assert_eq!(s.decode(250), 25.0);
        assert_eq!(s.encode(25.04).unwrap(), 250);
        assert_eq!(s.encode(25.05).unwrap(), 251);
    }

    #[test]
    fn unsigned_registers_do_not_wrap_negative() {
        let u = Scaled16::unsigned(0).unwrap();
        assert_eq!(u.decode(0xFFFF), 65535.0);
        assert!(matches!(u.encode(-1.0), Err(ScaleError::OutOfRange { .. })));
        assert!(matches!(
            u.encode(65536.0),
            Err(ScaleError::OutOfRange { .. })
        ));
        assert_eq!(u.encode(65535.0).unwrap(), 0xFFFF);
    }

    #[test]
    fn signed_range_edges() {
        let s = Scaled16::signed(1).unwrap();
        assert_eq!(s.encode(-3276.8).unwrap(), 0x8000);
        assert_eq!(s.encode(3276.7).unwrap(), 0x7FFF);
        assert!(s.encode(3276.8).is_err());
        assert!(s.encode(f64::NAN).is_err());
        assert!(s.encode(f64::INFINITY).is_err());
    }

    #[test]
    fn decimals_beyond_four_are_rejected() {
        assert!(Scaled16::new(true, 5).is_err());
        assert!(Scaled16::new(true, 0x0100).is_err());
        assert_eq!(Scaled16::new(false, 3).unwrap().decimals, 3);
    }

    #[test]
    fn float_word_orders() {
        // 25.0f32 = 0x41C8_0000
        assert_eq!(WordOrder::HighFirst.split(0x41C8_0000), [0x41C8, 0x0000]);
        assert_eq!(WordOrder::LowFirst.split(0x41C8_0000), [0x0000, 0x41C8]);
        assert_eq!(
            decode_f32([0x0000, 0x41C8], WordOrder::LowFirst).unwrap(),
            25.0
        );
        assert_eq!(
            decode_f32([0x41C8, 0x0000], WordOrder::HighFirst).unwrap(),
            25.0
        );
        // The same words read with the wrong order give a tiny denormal, not 25.
        assert_ne!(
            decode_f32([0x41C8, 0x0000], WordOrder::LowFirst).unwrap(),
            25.0
        );
        assert_eq!(
            encode_f32(-40.5, WordOrder::LowFirst).unwrap(),
            WordOrder::LowFirst.split((-40.5f32).to_bits())
        );
    }

    #[test]
    fn non_finite_floats_are_errors() {
        let nan = WordOrder::LowFirst.split(f32::NAN.to_bits());
        assert!(matches!(
            decode_f32(nan, WordOrder::LowFirst),
            Err(ScaleError::NotFinite { .. })
        ));
        let inf = WordOrder::HighFirst.split(f32::INFINITY.to_bits());
        assert!(decode_f32(inf, WordOrder::HighFirst).is_err());
        assert!(encode_f32(1e39, WordOrder::HighFirst).is_err());
        assert!(encode_f32(f64::NAN, WordOrder::HighFirst).is_err());
    }

    #[test]
    fn every_register_value_decodes_and_round_trips_without_panic() {
        for decimals in 0..=MAX_DECIMALS {
            for signed in [true, false] {
                let s = Scaled16 { signed, decimals };
                for word in 0..=u16::MAX {
                    let v = s.decode(word);
                    assert_eq!(s.encode(v).unwrap(), word, "{s:?} {word:#06X}");
                }
            }
        }
    }

    #[test]
    fn float_pairs_never_panic_and_round_trip_when_finite() {
        let mut x: u32 = 0x1234_5678;
        for _ in 0..200_000 {
            // xorshift32
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            for order in [WordOrder::LowFirst, WordOrder::HighFirst] {
                let words = order.split(x);
                assert_eq!(order.join(words), x);
                if let Ok(v) = decode_f32(words, order) {
                    assert_eq!(encode_f32(f64::from(v), order).unwrap(), words);
                }
            }
        }
    }
}
