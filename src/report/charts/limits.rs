//! Limits drawn on charts, taken from an item's criteria.

use crate::judge::{Comparison, Criterion};

/// The chamber tolerance when the item's criteria give none, in kelvin.
pub(super) const DEFAULT_CHAMBER_TOLERANCE_K: f64 = 2.0;

/// The band half-width around the chamber set point and where it came from: the tolerance of
/// an `EQT` criterion on `chamber_temp`, else the limit of an `LE`/`LT` criterion on
/// `chamber_dev`, else [`DEFAULT_CHAMBER_TOLERANCE_K`].
pub(super) fn chamber_tolerance(criteria: &[Criterion]) -> (f64, &'static str) {
    let usable = |v: Option<f64>| v.filter(|v| v.is_finite() && *v > 0.0);
    let eqt = criteria
        .iter()
        .filter(|c| c.measurement == "chamber_temp" && c.compare == Comparison::EQT)
        .find_map(|c| usable(c.limit.tolerance));
    if let Some(tolerance) = eqt {
        return (tolerance, "chamber_temp tolerance");
    }
    let deviation = criteria
        .iter()
        .filter(|c| {
            c.measurement == "chamber_dev" && matches!(c.compare, Comparison::LE | Comparison::LT)
        })
        .find_map(|c| usable(c.limit.value));
    match deviation {
        Some(limit) => (limit, "chamber_dev limit"),
        None => (DEFAULT_CHAMBER_TOLERANCE_K, "default"),
    }
}

/// The levels a criterion on `measurement` draws as limit lines: one for one-sided
/// comparisons, two for intervals and `EQT` (value ± tolerance), none for `NE` and `LOG`.
pub(super) fn limit_levels(criteria: &[Criterion], measurement: &str) -> Vec<f64> {
    let mut levels: Vec<f64> = criteria
        .iter()
        .filter(|c| c.measurement == measurement)
        .flat_map(|c| {
            let l = c.limit;
            match c.compare {
                Comparison::GE
                | Comparison::GT
                | Comparison::LE
                | Comparison::LT
                | Comparison::EQ => vec![l.value],
                Comparison::GELE | Comparison::GTLT | Comparison::GELT | Comparison::GTLE => {
                    vec![l.low, l.high]
                }
                Comparison::EQT => match (l.value, l.tolerance) {
                    (Some(v), Some(t)) => vec![Some(v - t), Some(v + t)],
                    _ => Vec::new(),
                },
                Comparison::NE | Comparison::LOG => Vec::new(),
            }
        })
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    levels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{Aggregate, Limit};

    fn criterion(measurement: &str, compare: Comparison, limit: Limit) -> Criterion {
        Criterion {
            measurement: measurement.into(),
            aggregate: Aggregate::Max,
            compare,
            limit,
            unit: "°C".into(),
        }
    }

    #[test]
    fn tolerance_prefers_eqt_then_deviation_then_default() {
        let eqt = criterion(
            "chamber_temp",
            Comparison::EQT,
            Limit {
                value: Some(-10.0),
                tolerance: Some(1.5),
                ..Limit::default()
            },
        );
        let dev = criterion(
            "chamber_dev",
            Comparison::LE,
            Limit {
                value: Some(3.0),
                ..Limit::default()
            },
        );
        assert_eq!(chamber_tolerance(&[dev.clone(), eqt]).0, 1.5);
        assert_eq!(chamber_tolerance(&[dev]), (3.0, "chamber_dev limit"));
        assert_eq!(chamber_tolerance(&[]), (2.0, "default"));
    }

    #[test]
    fn levels_follow_the_comparison() {
        let le = criterion(
            "temp_soc",
            Comparison::LE,
            Limit {
                value: Some(77.0),
                ..Limit::default()
            },
        );
        let eqt = criterion(
            "temp_ambient",
            Comparison::EQT,
            Limit {
                value: Some(25.0),
                tolerance: Some(2.0),
                ..Limit::default()
            },
        );
        let missing = criterion("temp_soc", Comparison::GELE, Limit::default());
        let criteria = [le, eqt, missing];
        assert_eq!(limit_levels(&criteria, "temp_soc"), vec![77.0]);
        assert_eq!(limit_levels(&criteria, "temp_ambient"), vec![23.0, 27.0]);
        assert!(limit_levels(&criteria, "temp_card_area").is_empty());
    }
}
