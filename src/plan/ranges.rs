//! The physical range of every duration, interval, rate, temperature, humidity and count a plan
//! gives the runner, in one place.
//!
//! `plan check` (and every `run` that loads a plan) rejects a value outside its range with the
//! file, line and key path, so that a plan which passes the check can never ask a rig or the
//! runner for something impossible (a 1e20 s dwell, a 0 s poll interval, a NaN set point).
//!
//! | quantity                     | keys                                                  | range            |
//! |------------------------------|-------------------------------------------------------|------------------|
//! | duration (s, min, h)         | `seconds`, `*_s`, `*_h`, `settle_timeout_h` …          | 1 ms (s), 0.001 h … 60 days |
//! | settling time (min)          | `settle_min`                                          | 0 ≤ d ≤ 60 days  |
//! | logging interval (s)         | `log_interval_s`                                      | 10 ms … 1 h      |
//! | ramp rate (K/min)            | `ramp_k_per_min`                                      | 0.01 … 100       |
//! | temperature (°C)             | `*_c`                                                 | −100 … +200      |
//! | temperature tolerance (K)    | `tolerance_k`                                         | 0.01 … 50        |
//! | temperature drift (K/30 min) | `steady_k_per_30min`                                  | 0.001 … 100      |
//! | relative humidity (%RH)      | `rh_*_percent`                                        | 0 … 100          |
//! | count                        | `cycles`, `repeats`, `switches`, `sample_qty`         | 1 … 1 000 000    |
//! | drop height (mm)             | `height_mm`                                           | 1 … 10 000       |
//! | frame rate (fps)             | `nominal_fps`                                         | 0.1 … 1 000      |
//! | interval factor              | `drop_interval_factor`                                | 1 < f ≤ 100      |
//!
//! The longest duration, 60 days, covers the longest damp-heat dwell of GB/T 2423.3 (56 days).

use super::diagnostic::Sink;
use super::reader::Fields;

const MAX_DURATION_DAYS: f64 = 60.0;
const MAX_DURATION_S: f64 = MAX_DURATION_DAYS * 86_400.0;

/// The range one kind of plan value must lie in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The quantity, for messages (`a duration`).
    pub quantity: &'static str,
    /// The unit the value is written in (empty for a plain number).
    pub unit: &'static str,
    /// Lowest allowed value.
    pub low: f64,
    /// Whether `low` itself is allowed; when not, the value must be above it.
    pub low_inclusive: bool,
    /// Highest allowed value (allowed itself).
    pub high: f64,
}

impl Range {
    const fn new(
        quantity: &'static str,
        unit: &'static str,
        low: f64,
        low_inclusive: bool,
        high: f64,
    ) -> Range {
        Range {
            quantity,
            unit,
            low,
            low_inclusive,
            high,
        }
    }

    /// True when `value` is finite and within the range.
    pub fn contains(&self, value: f64) -> bool {
        let above_low = if self.low_inclusive {
            value >= self.low
        } else {
            value > self.low
        };
        value.is_finite() && above_low && value <= self.high
    }

    /// The range as a sentence fragment: `a duration must be above 0 h and at most 1440 h`.
    pub fn describe(&self) -> String {
        let unit = |v: f64| {
            if self.unit.is_empty() {
                format!("{v}")
            } else {
                format!("{v} {}", self.unit)
            }
        };
        let low = if self.low_inclusive {
            format!("at least {}", unit(self.low))
        } else {
            format!("above {}", unit(self.low))
        };
        format!(
            "{} must be {low} and at most {}",
            self.quantity,
            unit(self.high)
        )
    }
}

/// A duration written in seconds (waits, windows, pauses, transfer times).
pub const DURATION_S: Range = Range::new("a duration", "s", 0.001, true, MAX_DURATION_S);
/// A duration written in hours (dwells, ramps, cycle lengths, logging limits).
pub const DURATION_H: Range = Range::new("a duration", "h", 0.001, true, MAX_DURATION_DAYS * 24.0);
/// A settling time in minutes; 0 starts the dwell as soon as the set point is reached.
pub const SETTLE_MIN: Range = Range::new(
    "a settling time",
    "min",
    0.0,
    true,
    MAX_DURATION_DAYS * 24.0 * 60.0,
);
/// Seconds between logged readings: an instrument is polled at most 100 times a second and at
/// least once an hour.
pub const LOG_INTERVAL_S: Range = Range::new("a logging interval", "s", 0.01, true, 3_600.0);
/// A chamber's set-point ramp rate.
pub const RAMP_K_PER_MIN: Range = Range::new("a ramp rate", "K/min", 0.01, true, 100.0);
/// A chamber or ambient temperature.
pub const TEMPERATURE_C: Range = Range::new("a temperature", "°C", -100.0, true, 200.0);
/// The band around a set point that counts as reached.
pub const TOLERANCE_K: Range = Range::new("a temperature tolerance", "K", 0.01, true, 50.0);
/// The drift per 30 minutes below which temperatures count as steady.
pub const DRIFT_K_PER_30MIN: Range = Range::new("a temperature drift", "K", 0.001, true, 100.0);
/// A relative humidity set point.
pub const HUMIDITY_PERCENT: Range = Range::new("a relative humidity", "%RH", 0.0, true, 100.0);
/// Cycles, repeats, switches and units per test.
pub const COUNT: Range = Range::new("a count", "", 1.0, true, 1_000_000.0);
/// A drop height.
pub const HEIGHT_MM: Range = Range::new("a drop height", "mm", 1.0, true, 10_000.0);
/// A camera's nominal frame rate.
pub const FRAME_RATE_FPS: Range = Range::new("a frame rate", "fps", 0.1, true, 1_000.0);
/// How many nominal frame intervals make a drop; 1 or less would count every frame as one.
pub const INTERVAL_FACTOR: Range = Range::new("an interval factor", "", 1.0, false, 100.0);

/// Reports a value outside `range` at the value; `None` when reported.
fn checked(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    key: &str,
    value: toml::Spanned<f64>,
    range: Range,
) -> Option<f64> {
    if range.contains(*value.get_ref()) {
        return Some(value.into_inner());
    }
    sink.report(
        &value.span(),
        &f.path_of(key),
        format!(
            "{} (found {})",
            range.describe(),
            readable(*value.get_ref())
        ),
    );
    None
}

/// A number as a person would write it: `1e-300`, not three hundred zeros.
fn readable(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-4..1e9).contains(&magnitude) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// A required number within `range`.
pub(super) fn required(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    key: &str,
    range: Range,
) -> Option<f64> {
    let value = f.number(sink, key)?;
    checked(sink, f, key, value, range)
}

/// An optional number within `range`: `Some(None)` when absent, `None` when reported.
pub(super) fn optional(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    key: &str,
    range: Range,
) -> Option<Option<f64>> {
    match f.opt_number(sink, key) {
        Some(value) => checked(sink, f, key, value, range).map(Some),
        None if f.key_span(key).is_some() => None,
        None => Some(None),
    }
}

/// An optional number within `range`, `default` when absent; `None` when reported.
pub(super) fn or_default(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    key: &str,
    range: Range,
    default: f64,
) -> Option<f64> {
    optional(sink, f, key, range).map(|v| v.unwrap_or(default))
}

/// A required whole number within [`COUNT`].
pub(super) fn count(sink: &mut Sink<'_>, f: &Fields<'_, '_>, key: &str) -> Option<u32> {
    let value = f.u32(sink, key)?;
    checked_count(sink, f, key, value)
}

/// An optional whole number within [`COUNT`]: `Some(None)` when absent, `None` when reported.
pub(super) fn opt_count(sink: &mut Sink<'_>, f: &Fields<'_, '_>, key: &str) -> Option<Option<u32>> {
    match f.opt_u32(sink, key) {
        Some(value) => checked_count(sink, f, key, value).map(Some),
        None if f.key_span(key).is_some() => None,
        None => Some(None),
    }
}

fn checked_count(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    key: &str,
    value: toml::Spanned<u32>,
) -> Option<u32> {
    let span = value.span();
    let n = value.into_inner();
    checked(sink, f, key, toml::Spanned::new(span, f64::from(n)), COUNT).map(|_| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_reject_non_finite_values_and_respect_open_and_closed_ends() {
        for range in [
            DURATION_S,
            DURATION_H,
            TEMPERATURE_C,
            COUNT,
            HUMIDITY_PERCENT,
        ] {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e20, -1e20] {
                assert!(!range.contains(bad), "{range:?} {bad}");
            }
        }
        assert!(!DURATION_S.contains(0.0) && !DURATION_S.contains(1e-300));
        assert!(DURATION_S.contains(0.001) && DURATION_S.contains(MAX_DURATION_S));
        assert!(!DURATION_S.contains(MAX_DURATION_S + 1.0));
        assert!(SETTLE_MIN.contains(0.0) && !SETTLE_MIN.contains(-1.0));
        assert!(LOG_INTERVAL_S.contains(0.01) && !LOG_INTERVAL_S.contains(0.009));
        assert!(LOG_INTERVAL_S.contains(3_600.0) && !LOG_INTERVAL_S.contains(3_601.0));
        assert!(TEMPERATURE_C.contains(-100.0) && !TEMPERATURE_C.contains(200.1));
        assert!(COUNT.contains(1.0) && COUNT.contains(1e6) && !COUNT.contains(0.0));
        assert!(!INTERVAL_FACTOR.contains(1.0) && INTERVAL_FACTOR.contains(1.5));
    }

    #[test]
    fn descriptions_name_the_quantity_both_ends_and_the_unit() {
        assert_eq!(
            DURATION_H.describe(),
            "a duration must be at least 0.001 h and at most 1440 h"
        );
        assert_eq!(
            COUNT.describe(),
            "a count must be at least 1 and at most 1000000"
        );
    }
}
