//! Criteria, limits and the comparison vocabulary.

use serde::{Deserialize, Serialize};

use super::compare::{requirement_text, Rule};
use super::{Aggregate, AggregateError, LimitError, Verdict};

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
    /// Record only: judges nothing (`NA` when a value exists, see [`judge`]).
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

impl Criterion {
    /// The requirement as a person reads it, e.g. `max ≤ 1 class`, `mean ∈ [23, 27] °C`,
    /// `p95 < 1500 ms`, `|last − 25| ≤ 0.5 °C` or `log only`; a missing limit number shows as `?`.
    pub fn requirement(&self) -> String {
        requirement_text(self.aggregate, self.compare, &self.limit, &self.unit)
    }

    /// Checks that the limit gives every number the comparison needs, finite, with a
    /// non-negative tolerance and marginal band and a non-empty interval. [`judge`] gives
    /// `error` for a criterion that fails this; a plan check can call it up front.
    pub fn check_limit(&self) -> Result<(), LimitError> {
        Rule::resolve(self.compare, &self.limit).map(|_| ())
    }
}

/// Judges one criterion against a series of values.
///
/// In order of precedence:
/// - a misconfigured limit ([`Criterion::check_limit`]) gives `error` (the aggregated value is
///   still reported when it can be computed);
/// - a NaN or infinite value in the series gives `error` with a reason naming the measurement: a
///   harness or instrument fault, never `pass` or `no pass`;
/// - an empty series gives `not tested` with the reason "no data" (except `count`, which judges
///   0);
/// - an aggregate that cannot be computed (`std` of one value, overflow) gives `error`;
/// - otherwise the value passes or not; a pass within the limit's `marginal` band of a bound it
///   is compared against is flagged `marginal` (the verdict stays `pass`);
/// - `LOG` only records the value: its verdict is `NA`, which never counts as a pass or a
///   failure and ranks below every other verdict, so an item's verdict comes from its other
///   criteria and the operator's judgement.
pub fn judge(criterion: &Criterion, series: &[f64]) -> CriterionOutcome {
    let name = &criterion.measurement;
    let measured = criterion.aggregate.apply(series);
    let value = measured.as_ref().ok().copied();
    let (verdict, marginal, reason) =
        match (Rule::resolve(criterion.compare, &criterion.limit), measured) {
            (Err(error), _) => (
                Verdict::Error,
                false,
                Some(format!("misconfigured limit for `{name}`: {error}")),
            ),
            (Ok(_), Err(AggregateError::Empty)) => {
                (Verdict::NotTested, false, Some("no data".to_string()))
            }
            (Ok(_), Err(error)) => (Verdict::Error, false, Some(format!("`{name}`: {error}"))),
            (Ok(_), Ok(_)) if criterion.compare == Comparison::LOG => {
                (Verdict::NotApplicable, false, None)
            }
            (Ok(rule), Ok(value)) => {
                let assessment = rule.assess(value);
                let verdict = if assessment.pass {
                    Verdict::Pass
                } else {
                    Verdict::NoPass
                };
                let reason = assessment.marginal.map(|m| {
                    format!(
                        "marginal: {value} is within {} of the bound {}",
                        m.band, m.bound
                    )
                });
                (verdict, assessment.marginal.is_some(), reason)
            }
        };
    CriterionOutcome {
        measurement: name.clone(),
        value,
        verdict,
        marginal,
        requirement: criterion.requirement(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(aggregate: Aggregate, compare: Comparison, limit: Limit, unit: &str) -> Criterion {
        Criterion {
            measurement: "temp_c".to_string(),
            aggregate,
            compare,
            limit,
            unit: unit.to_string(),
        }
    }

    fn single(value: f64) -> Limit {
        Limit {
            value: Some(value),
            ..Limit::default()
        }
    }

    fn range(low: f64, high: f64) -> Limit {
        Limit {
            low: Some(low),
            high: Some(high),
            ..Limit::default()
        }
    }

    fn verdict_of(compare: Comparison, limit: Limit, value: f64) -> Verdict {
        judge(&criterion(Aggregate::Last, compare, limit, ""), &[value]).verdict
    }

    /// A comparison, its limit, and values below, on and above every bound with whether each
    /// passes.
    type BoundCase = (Comparison, Limit, Vec<(f64, bool)>);

    fn bound_cases() -> Vec<BoundCase> {
        use Comparison::*;
        let eqt = Limit {
            value: Some(25.0),
            tolerance: Some(0.5),
            ..Limit::default()
        };
        let around_ten = |below, on, above| vec![(9.0, below), (10.0, on), (11.0, above)];
        let around_range = |low_on, high_on| {
            vec![
                (19.0, false),
                (20.0, low_on),
                (25.0, true),
                (30.0, high_on),
                (31.0, false),
            ]
        };
        vec![
            (GE, single(10.0), around_ten(false, true, true)),
            (GT, single(10.0), around_ten(false, false, true)),
            (LE, single(10.0), around_ten(true, true, false)),
            (LT, single(10.0), around_ten(true, false, false)),
            (EQ, single(10.0), around_ten(false, true, false)),
            (NE, single(10.0), around_ten(true, false, true)),
            (GELE, range(20.0, 30.0), around_range(true, true)),
            (GTLT, range(20.0, 30.0), around_range(false, false)),
            (GELT, range(20.0, 30.0), around_range(true, false)),
            (GTLE, range(20.0, 30.0), around_range(false, true)),
            (
                EQT,
                eqt,
                vec![
                    (24.4, false),
                    (24.5, true),
                    (25.0, true),
                    (25.5, true),
                    (25.6, false),
                ],
            ),
        ]
    }

    #[test]
    fn every_comparison_on_both_sides_of_and_on_its_bounds() {
        for (compare, limit, cases) in bound_cases() {
            for (value, passes) in cases {
                let want = if passes {
                    Verdict::Pass
                } else {
                    Verdict::NoPass
                };
                assert_eq!(verdict_of(compare, limit, value), want, "{compare} {value}");
            }
        }
    }

    #[test]
    fn log_only_records_and_never_passes_or_fails() {
        let log = criterion(Aggregate::Max, Comparison::LOG, Limit::default(), "°C");
        for series in [&[9.0][..], &[10.0, 11.0], &[-1e6]] {
            let outcome = judge(&log, series);
            assert_eq!(outcome.verdict, Verdict::NotApplicable, "{series:?}");
            assert!(outcome.value.is_some() && !outcome.marginal);
        }
        // Beside a judged criterion it hides nothing: the item takes the other verdict.
        let ge = criterion(Aggregate::Max, Comparison::GE, single(10.0), "°C");
        let worst = Verdict::worst([judge(&log, &[1.0]).verdict, judge(&ge, &[1.0]).verdict]);
        assert_eq!(worst, Some(Verdict::NoPass));
    }

    #[test]
    fn outcome_carries_value_requirement_and_name() {
        let c = criterion(Aggregate::Max, Comparison::LE, single(1.0), "class");
        let outcome = judge(&c, &[0.0, 2.0, 1.0]);
        assert_eq!(
            outcome,
            CriterionOutcome {
                measurement: "temp_c".to_string(),
                value: Some(2.0),
                verdict: Verdict::NoPass,
                marginal: false,
                requirement: "max ≤ 1 class".to_string(),
                reason: None,
            }
        );
    }

    #[test]
    fn requirement_texts() {
        use Comparison::*;
        let eqt = Limit {
            value: Some(25.0),
            tolerance: Some(0.5),
            ..Limit::default()
        };
        let cases = [
            (Aggregate::Max, LE, single(1.0), "class", "max ≤ 1 class"),
            (
                Aggregate::Mean,
                GELE,
                range(23.0, 27.0),
                "°C",
                "mean ∈ [23, 27] °C",
            ),
            (Aggregate::P95, LT, single(1500.0), "ms", "p95 < 1500 ms"),
            (Aggregate::Last, EQT, eqt, "°C", "|last − 25| ≤ 0.5 °C"),
            (Aggregate::Last, LOG, Limit::default(), "°C", "log only"),
            (Aggregate::Rate, GE, single(0.99), "1", "rate ≥ 0.99"),
            (Aggregate::Min, GT, single(-10.5), "°C", "min > -10.5 °C"),
            (
                Aggregate::Count,
                EQ,
                single(0.0),
                "count",
                "count = 0 count",
            ),
            (Aggregate::Std, NE, single(0.0), "", "std ≠ 0"),
            (
                Aggregate::Median,
                GTLT,
                range(1.0, 2.0),
                "V",
                "median ∈ (1, 2) V",
            ),
            (Aggregate::P5, GELT, range(1.0, 2.0), "V", "p5 ∈ [1, 2) V"),
            (Aggregate::Max, GTLE, range(1.0, 2.0), "V", "max ∈ (1, 2] V"),
            (
                Aggregate::Max,
                GELE,
                Limit::default(),
                "V",
                "max ∈ [?, ?] V",
            ),
        ];
        for (aggregate, compare, limit, unit, want) in cases {
            assert_eq!(
                criterion(aggregate, compare, limit, unit).requirement(),
                want
            );
        }
    }

    #[test]
    fn empty_series_is_not_tested_except_count() {
        let outcome = judge(
            &criterion(Aggregate::Mean, Comparison::GE, single(1.0), ""),
            &[],
        );
        assert_eq!(outcome.verdict, Verdict::NotTested);
        assert_eq!(outcome.value, None);
        assert_eq!(outcome.reason.as_deref(), Some("no data"));

        let count = criterion(Aggregate::Count, Comparison::EQ, single(0.0), "count");
        let outcome = judge(&count, &[]);
        assert_eq!((outcome.verdict, outcome.value), (Verdict::Pass, Some(0.0)));

        let log = criterion(Aggregate::Last, Comparison::LOG, Limit::default(), "");
        assert_eq!(judge(&log, &[]).verdict, Verdict::NotTested);
    }

    #[test]
    fn non_finite_values_are_errors_naming_the_measurement() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for aggregate in Aggregate::ALL {
                let c = criterion(aggregate, Comparison::LOG, Limit::default(), "");
                let outcome = judge(&c, &[1.0, bad]);
                assert_eq!(outcome.verdict, Verdict::Error, "{aggregate} {bad}");
                assert_eq!(outcome.value, None);
                let reason = outcome.reason.unwrap_or_default();
                assert!(reason.starts_with("`temp_c`: 1 non-finite"), "{reason}");
                assert!(reason.contains("sample 2 of 2"), "{reason}");
            }
        }
    }

    #[test]
    fn std_of_one_value_is_an_error_with_reason() {
        let outcome = judge(
            &criterion(Aggregate::Std, Comparison::LE, single(1.0), ""),
            &[3.0],
        );
        assert_eq!(outcome.verdict, Verdict::Error);
        assert_eq!(
            outcome.reason.as_deref(),
            Some("`temp_c`: std needs at least 2 values, got 1")
        );
    }

    #[test]
    fn one_value_judges_every_other_aggregate() {
        for aggregate in Aggregate::ALL {
            if aggregate != Aggregate::Std {
                let c = criterion(aggregate, Comparison::GE, single(1.0), "");
                assert_eq!(judge(&c, &[7.0]).verdict, Verdict::Pass, "{aggregate}");
            }
        }
    }

    #[test]
    fn misconfigured_limits_are_errors_with_reason() {
        let c = criterion(Aggregate::Mean, Comparison::GELE, Limit::default(), "°C");
        let outcome = judge(&c, &[25.0]);
        assert_eq!(outcome.verdict, Verdict::Error);
        assert_eq!(outcome.value, Some(25.0));
        assert_eq!(
            outcome.reason.as_deref(),
            Some("misconfigured limit for `temp_c`: GELE needs `low` and `high`; missing `low` and `high`")
        );
        // The limit problem outranks missing data.
        assert_eq!(judge(&c, &[]).verdict, Verdict::Error);
        assert!(c.check_limit().is_err());
    }

    #[test]
    fn marginal_band_flags_a_close_pass_only() {
        let limit = Limit {
            low: Some(23.0),
            high: Some(27.0),
            marginal: Some(0.5),
            ..Limit::default()
        };
        let c = criterion(Aggregate::Mean, Comparison::GELE, limit, "°C");
        let judged = |value: f64| {
            let outcome = judge(&c, &[value]);
            (outcome.verdict, outcome.marginal)
        };
        assert_eq!(judged(25.0), (Verdict::Pass, false));
        assert_eq!(judged(26.6), (Verdict::Pass, true));
        assert_eq!(judged(26.5), (Verdict::Pass, true));
        assert_eq!(judged(23.2), (Verdict::Pass, true));
        assert_eq!(judged(27.0), (Verdict::Pass, true));
        assert_eq!(judged(27.1), (Verdict::NoPass, false));
        let reason = judge(&c, &[26.75]).reason.unwrap_or_default();
        assert_eq!(reason, "marginal: 26.75 is within 0.5 of the bound 27");

        let eqt = Limit {
            value: Some(25.0),
            tolerance: Some(0.5),
            marginal: Some(0.1),
            ..Limit::default()
        };
        let c = criterion(Aggregate::Last, Comparison::EQT, eqt, "°C");
        assert!(judge(&c, &[25.45]).marginal);
        assert!(judge(&c, &[24.55]).marginal);
        assert!(!judge(&c, &[25.2]).marginal);

        // EQ has no bound a pass can be near; NE flags values close to the excluded one.
        let with_band = |value| Limit {
            value: Some(value),
            marginal: Some(1.0),
            ..Limit::default()
        };
        let eq = criterion(Aggregate::Count, Comparison::EQ, with_band(1.0), "");
        assert!(!judge(&eq, &[1.0]).marginal);
        let ne = criterion(Aggregate::Last, Comparison::NE, with_band(0.0), "");
        assert!(judge(&ne, &[0.5]).marginal);
        assert!(!judge(&ne, &[2.0]).marginal);
    }

    /// A tiny xorshift generator: enough variety for a never-panics sweep without a new crate.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn value(&mut self) -> f64 {
            const SPECIAL: [f64; 9] = [
                0.0,
                -0.0,
                1.0,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MAX,
                f64::MIN_POSITIVE,
                -1e300,
            ];
            let r = self.next();
            if r & 7 == 0 {
                SPECIAL[(r / 8 % SPECIAL.len() as u64) as usize]
            } else {
                (r >> 11) as f64 / (1u64 << 53) as f64 * 200.0 - 100.0
            }
        }

        fn maybe(&mut self) -> Option<f64> {
            (self.next() & 3 != 0).then(|| self.value())
        }
    }

    #[test]
    fn judge_never_panics_and_keeps_its_invariants() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let len = (rng.next() % 6) as usize;
            let series: Vec<f64> = (0..len).map(|_| rng.value()).collect();
            let limit = Limit {
                value: rng.maybe(),
                low: rng.maybe(),
                high: rng.maybe(),
                tolerance: rng.maybe(),
                marginal: rng.maybe(),
            };
            let aggregate = Aggregate::ALL[(rng.next() % 10) as usize];
            let compare = Comparison::ALL[(rng.next() % 12) as usize];
            let c = criterion(aggregate, compare, limit, "°C");
            let outcome = judge(&c, &series);
            let context = format!("{c:?} {series:?} → {outcome:?}");
            if series.iter().any(|v| !v.is_finite()) {
                assert_eq!(outcome.verdict, Verdict::Error, "{context}");
            }
            if let Some(value) = outcome.value {
                assert!(value.is_finite(), "{context}");
            }
            if outcome.marginal {
                assert_eq!(outcome.verdict, Verdict::Pass, "{context}");
            }
            match outcome.verdict {
                Verdict::Pass | Verdict::NoPass => assert!(outcome.value.is_some(), "{context}"),
                Verdict::Error | Verdict::NotTested => {
                    assert!(outcome.reason.is_some(), "{context}")
                }
                Verdict::NotApplicable => {
                    assert_eq!(compare, Comparison::LOG, "{context}");
                    assert!(outcome.value.is_some(), "{context}");
                }
            }
        }
    }
}
