//! Aggregations that reduce a measurement series to one number.
//!
//! Statistics come from `statrs`. Two of its definitions matter to a reader of the reports:
//!
//! - `std` is the **sample** standard deviation (divisor n − 1), so it needs at least two values.
//! - `p5` and `p95` use `statrs`' quantile estimator, Hyndman & Fan definition 8 (R's `type = 8`,
//!   approximately median-unbiased): with the values sorted as x₁ ≤ … ≤ xₙ, h = (n + ⅓)·p + ⅓,
//!   the quantile is x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋), clamped to the smallest value when h < 1
//!   and to the largest when h ≥ n. For 1..=20 this gives p5 = 1.35 and p95 = 19.65.
//!
//! The median of an even number of values is the mean of the two middle ones.

use std::fmt;

use serde::{Deserialize, Serialize};
use statrs::statistics::{Data, OrderStatistics, Statistics};

/// How a series is reduced before it is compared with a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// The most recent value (the natural choice for a single manual reading).
    Last,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Arithmetic mean.
    Mean,
    /// Median.
    Median,
    /// 5th percentile.
    P5,
    /// 95th percentile.
    P95,
    /// Sample standard deviation.
    Std,
    /// Number of values.
    Count,
    /// Fraction of values that are non-zero (e.g. per-attempt success flags), 0..=1.
    Rate,
}

/// Why a series could not be reduced to a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AggregateError {
    /// The series has no values (only `count` is defined on an empty series).
    #[error("no data")]
    Empty,
    /// The series holds NaN or infinite values: an instrument or harness fault.
    #[error(
        "{count} non-finite value(s), the first {value} at sample {sample} of {total}: \
         instrument or harness fault"
    )]
    NonFinite {
        /// How many values are NaN or infinite.
        count: usize,
        /// The first such value.
        value: f64,
        /// Its 1-based position in the series.
        sample: usize,
        /// Length of the series.
        total: usize,
    },
    /// The aggregate needs more values than the series has (`std` of one value).
    #[error("{aggregate} needs at least {needed} values, got {got}")]
    TooFew {
        /// The aggregate asked for.
        aggregate: Aggregate,
        /// Values it needs.
        needed: usize,
        /// Values the series has.
        got: usize,
    },
    /// The finite inputs produced a non-finite result (floating-point overflow).
    #[error("{aggregate} overflowed to {result}")]
    Overflow {
        /// The aggregate asked for.
        aggregate: Aggregate,
        /// The non-finite result.
        result: f64,
    },
}

impl Aggregate {
    /// Every aggregate, in the order of the plan schema.
    pub const ALL: [Aggregate; 10] = [
        Aggregate::Last,
        Aggregate::Min,
        Aggregate::Max,
        Aggregate::Mean,
        Aggregate::Median,
        Aggregate::P5,
        Aggregate::P95,
        Aggregate::Std,
        Aggregate::Count,
        Aggregate::Rate,
    ];

    /// The name used in plan files and requirement texts (`max`, `p95` …).
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Last => "last",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
            Aggregate::Mean => "mean",
            Aggregate::Median => "median",
            Aggregate::P5 => "p5",
            Aggregate::P95 => "p95",
            Aggregate::Std => "std",
            Aggregate::Count => "count",
            Aggregate::Rate => "rate",
        }
    }

    /// The fewest values the aggregate is defined on: 0 for `count`, 2 for `std`, else 1.
    pub fn min_values(self) -> usize {
        match self {
            Aggregate::Count => 0,
            Aggregate::Std => 2,
            _ => 1,
        }
    }

    /// Reduces `series` to one value.
    ///
    /// Any NaN or infinite value in the series is an error for every aggregate, `count`
    /// included: a broken reading is a harness fault, never data. An empty series is
    /// [`AggregateError::Empty`] except for `count`, which gives 0.
    pub fn apply(self, series: &[f64]) -> Result<f64, AggregateError> {
        check_finite(series)?;
        if series.len() < self.min_values() {
            return Err(if series.is_empty() {
                AggregateError::Empty
            } else {
                AggregateError::TooFew {
                    aggregate: self,
                    needed: self.min_values(),
                    got: series.len(),
                }
            });
        }
        let result = self.compute(series);
        if result.is_finite() {
            Ok(result)
        } else {
            Err(AggregateError::Overflow {
                aggregate: self,
                result,
            })
        }
    }

    /// Computes the aggregate of a finite series long enough for it.
    fn compute(self, series: &[f64]) -> f64 {
        let n = series.len() as f64;
        match self {
            Aggregate::Last => series.last().copied().unwrap_or(f64::NAN),
            Aggregate::Min => Statistics::min(series),
            Aggregate::Max => Statistics::max(series),
            Aggregate::Mean => Statistics::mean(series),
            Aggregate::Median => Data::new(series.to_vec()).median(),
            Aggregate::P5 => Data::new(series.to_vec()).percentile(5),
            Aggregate::P95 => Data::new(series.to_vec()).percentile(95),
            Aggregate::Std => Statistics::std_dev(series),
            Aggregate::Count => n,
            Aggregate::Rate => series.iter().filter(|v| **v != 0.0).count() as f64 / n,
        }
    }
}

impl fmt::Display for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Fails on the first NaN or infinite value, counting all of them.
fn check_finite(series: &[f64]) -> Result<(), AggregateError> {
    let mut bad = series.iter().enumerate().filter(|(_, v)| !v.is_finite());
    match bad.next() {
        None => Ok(()),
        Some((index, value)) => Err(AggregateError::NonFinite {
            count: 1 + bad.count(),
            value: *value,
            sample: index + 1,
            total: series.len(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_to_twenty() -> Vec<f64> {
        (1..=20).map(f64::from).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn every_aggregate_matches_hand_computed_values() {
        // 4, 1, 3, 2, 0: sorted 0 1 2 3 4; mean 2; sample variance (4+1+1+0+4)/4 = 2.5.
        let series = [4.0, 1.0, 3.0, 2.0, 0.0];
        let expect = [
            (Aggregate::Last, 0.0),
            (Aggregate::Min, 0.0),
            (Aggregate::Max, 4.0),
            (Aggregate::Mean, 2.0),
            (Aggregate::Median, 2.0),
            // h = (5 + 1/3)·0.05 + 1/3 = 0.6 → below 1, clamps to the minimum.
            (Aggregate::P5, 0.0),
            // h = (5 + 1/3)·0.95 + 1/3 = 5.4 → at or above n, clamps to the maximum.
            (Aggregate::P95, 4.0),
            (Aggregate::Std, 2.5_f64.sqrt()),
            (Aggregate::Count, 5.0),
            (Aggregate::Rate, 0.8),
        ];
        for (aggregate, want) in expect {
            let got = aggregate.apply(&series).unwrap();
            assert!(close(got, want), "{aggregate}: got {got}, want {want}");
        }
    }

    #[test]
    fn percentiles_follow_hyndman_fan_definition_8() {
        let series = one_to_twenty();
        // p5: h = (20 + 1/3)·0.05 + 1/3 = 1.35 → x1 + 0.35·(x2 − x1) = 1.35.
        assert!(close(Aggregate::P5.apply(&series).unwrap(), 1.35));
        // p95: h = (20 + 1/3)·0.95 + 1/3 = 19.65 → x19 + 0.65·(x20 − x19) = 19.65.
        assert!(close(Aggregate::P95.apply(&series).unwrap(), 19.65));
        // The order of the input does not matter.
        let mut reversed = series.clone();
        reversed.reverse();
        assert!(close(Aggregate::P95.apply(&reversed).unwrap(), 19.65));
    }

    #[test]
    fn median_of_even_count_is_mean_of_middle_pair() {
        assert_eq!(Aggregate::Median.apply(&[5.0, 1.0, 3.0, 9.0]), Ok(4.0));
        assert_eq!(Aggregate::Median.apply(&one_to_twenty()), Ok(10.5));
    }

    #[test]
    fn rate_counts_non_zero_values_including_negative() {
        assert_eq!(Aggregate::Rate.apply(&[1.0, 0.0, -1.0, 0.0]), Ok(0.5));
        assert_eq!(Aggregate::Rate.apply(&[0.0, -0.0]), Ok(0.0));
        assert_eq!(Aggregate::Rate.apply(&[1.0]), Ok(1.0));
    }

    #[test]
    fn empty_series_has_only_a_count() {
        for aggregate in Aggregate::ALL {
            let got = aggregate.apply(&[]);
            if aggregate == Aggregate::Count {
                assert_eq!(got, Ok(0.0));
            } else {
                assert_eq!(got, Err(AggregateError::Empty), "{aggregate}");
            }
        }
    }

    #[test]
    fn one_value_is_its_own_statistic_except_std() {
        for aggregate in Aggregate::ALL {
            let got = aggregate.apply(&[7.5]);
            match aggregate {
                Aggregate::Std => assert_eq!(
                    got,
                    Err(AggregateError::TooFew {
                        aggregate,
                        needed: 2,
                        got: 1
                    })
                ),
                Aggregate::Count | Aggregate::Rate => assert_eq!(got, Ok(1.0)),
                _ => assert_eq!(got, Ok(7.5), "{aggregate}"),
            }
        }
    }

    #[test]
    fn non_finite_values_are_errors_for_every_aggregate() {
        for aggregate in Aggregate::ALL {
            let got = aggregate.apply(&[1.0, f64::NAN, 2.0, f64::INFINITY]);
            match got {
                Err(AggregateError::NonFinite {
                    count,
                    value,
                    sample,
                    total,
                }) => {
                    assert_eq!((count, sample, total), (2, 2, 4), "{aggregate}");
                    assert!(value.is_nan());
                }
                other => panic!("{aggregate}: {other:?}"),
            }
        }
        let err = Aggregate::Max
            .apply(&[f64::NEG_INFINITY])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "1 non-finite value(s), the first -inf at sample 1 of 1: instrument or harness fault"
        );
    }

    #[test]
    fn overflow_is_reported_not_returned() {
        let series = [f64::MAX, -f64::MAX];
        assert!(matches!(
            Aggregate::Std.apply(&series),
            Err(AggregateError::Overflow { .. })
        ));
        assert_eq!(Aggregate::Max.apply(&series), Ok(f64::MAX));
    }

    #[test]
    fn names_match_the_plan_schema() {
        for aggregate in Aggregate::ALL {
            let json = serde_json::to_string(&aggregate).unwrap();
            assert_eq!(json, format!("\"{}\"", aggregate.name()));
        }
    }
}
