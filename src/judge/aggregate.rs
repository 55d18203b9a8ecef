//! Aggregations that reduce a measurement series to one number.

use serde::{Deserialize, Serialize};

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
