//! The comparison vocabulary applied to one value: a [`Limit`] resolved into a [`Rule`], pass or
//! no pass, the marginal band, and the human requirement text.
//!
//! Equality (`EQ`, `NE`) is exact only when the limit is integer-like (a whole number below
//! 2⁵³): counts, classes and grades must match exactly, and a relative tolerance would let large
//! counts drift. Any other limit compares with a relative epsilon of 1e-9
//! (|value − limit| ≤ 1e-9 · max(|value|, |limit|)), so a mean of 0.1 + 0.2 equals a limit of 0.3.

use std::fmt;

use super::{Aggregate, Comparison, Limit};

/// Relative epsilon for `EQ`/`NE` against a limit that is not integer-like.
const EQ_RELATIVE_EPSILON: f64 = 1e-9;

/// Largest magnitude at which every whole f64 is exactly an integer (2⁵³).
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// A limit that cannot be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LimitError {
    /// A number the comparison needs is not given.
    #[error("{compare} needs {}; missing {}", quoted(.needs), quoted(.missing))]
    Missing {
        /// The comparison.
        compare: Comparison,
        /// Every field it needs.
        needs: Vec<&'static str>,
        /// The ones not given.
        missing: Vec<&'static str>,
    },
    /// A number is NaN or infinite.
    #[error("`{field}` is {value}, must be a finite number")]
    NotFinite {
        /// Field name.
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// A tolerance or marginal band is negative.
    #[error("`{field}` is {value}, must not be negative")]
    Negative {
        /// Field name.
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// No value can lie inside the bounds.
    #[error("{compare} with low {low} and high {high} accepts no value")]
    EmptyInterval {
        /// The comparison.
        compare: Comparison,
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
}

/// Joins field names as `` `low` and `high` ``.
fn quoted(fields: &[&'static str]) -> String {
    let quoted: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    quoted.join(" and ")
}

impl Comparison {
    /// Every comparison, in the order of the plan schema.
    pub const ALL: [Comparison; 12] = [
        Comparison::GE,
        Comparison::GT,
        Comparison::LE,
        Comparison::LT,
        Comparison::EQ,
        Comparison::NE,
        Comparison::GELE,
        Comparison::GTLT,
        Comparison::GELT,
        Comparison::GTLE,
        Comparison::EQT,
        Comparison::LOG,
    ];

    /// The name used in plan files (`GE`, `GELE`, `LOG` …).
    pub fn name(self) -> &'static str {
        match self {
            Comparison::GE => "GE",
            Comparison::GT => "GT",
            Comparison::LE => "LE",
            Comparison::LT => "LT",
            Comparison::EQ => "EQ",
            Comparison::NE => "NE",
            Comparison::GELE => "GELE",
            Comparison::GTLT => "GTLT",
            Comparison::GELT => "GELT",
            Comparison::GTLE => "GTLE",
            Comparison::EQT => "EQT",
            Comparison::LOG => "LOG",
        }
    }

    /// The limit fields this comparison needs (`value`, `low`, `high`, `tolerance`).
    pub fn needs(self) -> &'static [&'static str] {
        match self {
            Comparison::GE
            | Comparison::GT
            | Comparison::LE
            | Comparison::LT
            | Comparison::EQ
            | Comparison::NE => &["value"],
            Comparison::GELE | Comparison::GTLT | Comparison::GELT | Comparison::GTLE => {
                &["low", "high"]
            }
            Comparison::EQT => &["value", "tolerance"],
            Comparison::LOG => &[],
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Limit {
    /// The number stored under a field name of the plan schema, if given.
    fn field(&self, name: &str) -> Option<f64> {
        match name {
            "value" => self.value,
            "low" => self.low,
            "high" => self.high,
            "tolerance" => self.tolerance,
            _ => None,
        }
    }
}

/// What a comparison tests, with its numbers resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Test {
    Log,
    Above {
        bound: f64,
        inclusive: bool,
    },
    Below {
        bound: f64,
        inclusive: bool,
    },
    Equal(f64),
    NotEqual(f64),
    Between {
        low: f64,
        high: f64,
        low_inclusive: bool,
        high_inclusive: bool,
    },
    Within {
        target: f64,
        tolerance: f64,
    },
}

/// A comparison resolved against its limit, ready to judge values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Rule {
    test: Test,
    marginal: Option<f64>,
}

/// A passing value inside the marginal band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Marginal {
    /// The bound the value is close to.
    pub(super) bound: f64,
    /// The marginal band of the limit.
    pub(super) band: f64,
}

/// How one value fared against a [`Rule`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Assessment {
    /// The value meets the requirement.
    pub(super) pass: bool,
    /// For a pass inside the marginal band: the bound it is close to, and the band.
    pub(super) marginal: Option<Marginal>,
}

impl Rule {
    /// Resolves `limit` for `compare`, checking that every number it needs is present and sane.
    /// `LOG` ignores the limit entirely.
    pub(super) fn resolve(compare: Comparison, limit: &Limit) -> Result<Rule, LimitError> {
        if compare == Comparison::LOG {
            return Ok(Rule {
                test: Test::Log,
                marginal: None,
            });
        }
        let missing = |missing: Vec<&'static str>| LimitError::Missing {
            compare,
            needs: compare.needs().to_vec(),
            missing,
        };
        let absent: Vec<&'static str> = compare
            .needs()
            .iter()
            .copied()
            .filter(|name| limit.field(name).is_none())
            .collect();
        if !absent.is_empty() {
            return Err(missing(absent));
        }
        let get = |name: &'static str| match limit.field(name) {
            Some(value) => finite(name, value),
            None => Err(missing(vec![name])),
        };
        let test = match compare {
            Comparison::GE | Comparison::GT => Test::Above {
                bound: get("value")?,
                inclusive: compare == Comparison::GE,
            },
            Comparison::LE | Comparison::LT => Test::Below {
                bound: get("value")?,
                inclusive: compare == Comparison::LE,
            },
            Comparison::EQ => Test::Equal(get("value")?),
            Comparison::NE => Test::NotEqual(get("value")?),
            Comparison::GELE | Comparison::GTLT | Comparison::GELT | Comparison::GTLE => {
                let (low, high) = (get("low")?, get("high")?);
                let low_inclusive = matches!(compare, Comparison::GELE | Comparison::GELT);
                let high_inclusive = matches!(compare, Comparison::GELE | Comparison::GTLE);
                let empty = low > high || (low == high && !(low_inclusive && high_inclusive));
                if empty {
                    return Err(LimitError::EmptyInterval { compare, low, high });
                }
                Test::Between {
                    low,
                    high,
                    low_inclusive,
                    high_inclusive,
                }
            }
            Comparison::EQT => Test::Within {
                target: get("value")?,
                tolerance: non_negative("tolerance", get("tolerance")?)?,
            },
            Comparison::LOG => Test::Log,
        };
        let marginal = match limit.marginal {
            Some(band) => Some(non_negative("marginal", finite("marginal", band)?)?),
            None => None,
        };
        Ok(Rule { test, marginal })
    }

    /// Judges one finite value.
    pub(super) fn assess(&self, value: f64) -> Assessment {
        let pass = match self.test {
            Test::Log => true,
            Test::Above { bound, inclusive } => value > bound || (inclusive && value == bound),
            Test::Below { bound, inclusive } => value < bound || (inclusive && value == bound),
            Test::Equal(target) => equal(value, target),
            Test::NotEqual(target) => !equal(value, target),
            Test::Between {
                low,
                high,
                low_inclusive,
                high_inclusive,
            } => {
                let above_low = value > low || (low_inclusive && value == low);
                let below_high = value < high || (high_inclusive && value == high);
                above_low && below_high
            }
            Test::Within { target, tolerance } => (value - target).abs() <= tolerance,
        };
        let marginal = match self.marginal {
            Some(band) if pass => self
                .bounds()
                .into_iter()
                .map(|bound| (bound, (value - bound).abs()))
                .filter(|(_, distance)| *distance <= band)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(bound, _)| Marginal { bound, band }),
            _ => None,
        };
        Assessment { pass, marginal }
    }

    /// The bounds a passing value can be close to. `EQ` has none (a pass sits on its limit) and
    /// neither has `LOG`.
    fn bounds(&self) -> Vec<f64> {
        match self.test {
            Test::Log | Test::Equal(_) => Vec::new(),
            Test::Above { bound, .. } | Test::Below { bound, .. } => vec![bound],
            Test::NotEqual(target) => vec![target],
            Test::Between { low, high, .. } => vec![low, high],
            Test::Within { target, tolerance } => vec![target - tolerance, target + tolerance],
        }
    }
}

fn finite(field: &'static str, value: f64) -> Result<f64, LimitError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(LimitError::NotFinite { field, value })
    }
}

fn non_negative(field: &'static str, value: f64) -> Result<f64, LimitError> {
    if value < 0.0 {
        Err(LimitError::Negative { field, value })
    } else {
        Ok(value)
    }
}

/// `EQ` equality: exact for integer-like limits, relative epsilon otherwise (module docs).
fn equal(value: f64, limit: f64) -> bool {
    let integer_like = limit.fract() == 0.0 && limit.abs() < MAX_EXACT_INTEGER;
    if integer_like {
        value == limit
    } else {
        (value - limit).abs() <= EQ_RELATIVE_EPSILON * value.abs().max(limit.abs())
    }
}

/// The requirement as a person reads it: `max ≤ 1 class`, `mean ∈ [23, 27] °C`,
/// `|last − 25| ≤ 0.5 °C`, `log only`. A number the limit lacks shows as `?`. The unit is left
/// out when it is empty or the dimensionless `1`.
pub(super) fn requirement_text(
    aggregate: Aggregate,
    compare: Comparison,
    limit: &Limit,
    unit: &str,
) -> String {
    let num = |n: Option<f64>| n.map_or_else(|| "?".to_string(), |n| n.to_string());
    let (value, low, high) = (num(limit.value), num(limit.low), num(limit.high));
    let interval = |open: char, close: char| format!("{aggregate} ∈ {open}{low}, {high}{close}");
    let text = match compare {
        Comparison::LOG => return "log only".to_string(),
        Comparison::GE => format!("{aggregate} ≥ {value}"),
        Comparison::GT => format!("{aggregate} > {value}"),
        Comparison::LE => format!("{aggregate} ≤ {value}"),
        Comparison::LT => format!("{aggregate} < {value}"),
        Comparison::EQ => format!("{aggregate} = {value}"),
        Comparison::NE => format!("{aggregate} ≠ {value}"),
        Comparison::GELE => interval('[', ']'),
        Comparison::GTLT => interval('(', ')'),
        Comparison::GELT => interval('[', ')'),
        Comparison::GTLE => interval('(', ']'),
        Comparison::EQT => format!("|{aggregate} − {value}| ≤ {}", num(limit.tolerance)),
    };
    let unit = unit.trim();
    if unit.is_empty() || unit == "1" {
        text
    } else {
        format!("{text} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(compare: Comparison, limit: Limit) -> Result<Rule, LimitError> {
        Rule::resolve(compare, &limit)
    }

    #[test]
    fn integer_like_limits_compare_exactly() {
        assert!(equal(3.0, 3.0));
        assert!(!equal(3.000_000_000_1, 3.0));
        assert!(!equal(1e12 + 1.0, 1e12));
        assert!(equal(-0.0, 0.0));
    }

    #[test]
    fn fractional_limits_compare_with_relative_epsilon() {
        assert!(equal(0.1 + 0.2, 0.3));
        assert!(equal(2.5 * (1.0 + 1e-12), 2.5));
        assert!(!equal(2.5 * (1.0 + 1e-8), 2.5));
        assert!(!equal(0.0, 0.3));
    }

    #[test]
    fn missing_fields_are_all_named() {
        let err = rule(Comparison::EQT, Limit::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "EQT needs `value` and `tolerance`; missing `value` and `tolerance`"
        );
        let only_value = Limit {
            value: Some(1.0),
            ..Limit::default()
        };
        let err = rule(Comparison::GTLT, only_value).unwrap_err();
        assert_eq!(
            err.to_string(),
            "GTLT needs `low` and `high`; missing `low` and `high`"
        );
        let err = rule(Comparison::GE, Limit::default()).unwrap_err();
        assert_eq!(err.to_string(), "GE needs `value`; missing `value`");
    }

    #[test]
    fn insane_numbers_are_rejected() {
        let nan = Limit {
            value: Some(f64::NAN),
            ..Limit::default()
        };
        assert_eq!(
            rule(Comparison::LE, nan).unwrap_err().to_string(),
            "`value` is NaN, must be a finite number"
        );
        let negative_tolerance = Limit {
            value: Some(1.0),
            tolerance: Some(-0.1),
            ..Limit::default()
        };
        assert_eq!(
            rule(Comparison::EQT, negative_tolerance)
                .unwrap_err()
                .to_string(),
            "`tolerance` is -0.1, must not be negative"
        );
        let bad_band = Limit {
            value: Some(1.0),
            marginal: Some(f64::INFINITY),
            ..Limit::default()
        };
        assert!(rule(Comparison::GE, bad_band).is_err());
    }

    #[test]
    fn empty_intervals_are_rejected_but_a_closed_point_is_not() {
        let bounds = |low, high| Limit {
            low: Some(low),
            high: Some(high),
            ..Limit::default()
        };
        assert_eq!(
            rule(Comparison::GELE, bounds(27.0, 23.0))
                .unwrap_err()
                .to_string(),
            "GELE with low 27 and high 23 accepts no value"
        );
        for compare in [Comparison::GTLT, Comparison::GELT, Comparison::GTLE] {
            assert!(rule(compare, bounds(5.0, 5.0)).is_err(), "{compare}");
        }
        let point = rule(Comparison::GELE, bounds(5.0, 5.0)).unwrap();
        assert!(point.assess(5.0).pass);
    }

    #[test]
    fn log_ignores_the_limit() {
        let nonsense = Limit {
            value: Some(f64::NAN),
            marginal: Some(-1.0),
            ..Limit::default()
        };
        let log = rule(Comparison::LOG, nonsense).unwrap();
        let assessment = log.assess(-1e9);
        assert!(assessment.pass);
        assert_eq!(assessment.marginal, None);
    }

    #[test]
    fn names_match_the_plan_schema() {
        for compare in Comparison::ALL {
            let json = serde_json::to_string(&compare).unwrap();
            assert_eq!(json, format!("\"{compare}\""));
        }
    }
}
