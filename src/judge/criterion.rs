//! Criteria, limits and the comparison vocabulary.

use serde::{Deserialize, Serialize};

use super::{Aggregate, Verdict};

/// The standard comparison vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Comparison {
    /// value ≥ limit.
    GE,
    /// value > limit.
    GT,
    /// value ≤ limit.
    LE,
    /// value < limit.
    LT,
    /// value = limit.
    EQ,
    /// value ≠ limit.
    NE,
    /// low ≤ value ≤ high.
    GELE,
    /// low < value < high.
    GTLT,
    /// low ≤ value < high.
    GELT,
    /// low < value ≤ high.
    GTLE,
    /// |value − limit| ≤ tolerance.
    EQT,
    /// Record only; always passes when a value exists.
    LOG,
}

/// The numbers a comparison needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Limit {
    /// Single limit (GE, GT, LE, LT, EQ, NE, EQT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Lower bound (two-sided comparisons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// Upper bound (two-sided comparisons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Tolerance for EQT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Marginal band: a passing value closer than this to a bound is flagged marginal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marginal: Option<f64>,
}

/// One criterion of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// Measurement name (a step must produce it).
    pub measurement: String,
    /// Reduction of the series.
    pub aggregate: Aggregate,
    /// Comparison.
    pub compare: Comparison,
    /// Bounds.
    pub limit: Limit,
    /// Unit of the aggregated value, for display.
    pub unit: String,
}

/// What judging one criterion gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionOutcome {
    /// Measurement name.
    pub measurement: String,
    /// The aggregated value, when there was one.
    pub value: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
    /// True when the value passes but lies inside the marginal band.
    pub marginal: bool,
    /// Human text of the requirement, e.g. `max ≤ 1 class`.
    pub requirement: String,
    /// Why there is no value or why the verdict is what it is, when not obvious.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Judges one criterion against a series of values.
///
/// An empty series gives `not tested` ("no data"); a NaN or infinite value in the series, or an
/// aggregate that cannot be computed, gives `error` with a reason, never `pass` or `no pass`.
pub fn judge(criterion: &Criterion, series: &[f64]) -> CriterionOutcome {
    let _ = (criterion, series);
    todo!("implemented in the judge task")
}
