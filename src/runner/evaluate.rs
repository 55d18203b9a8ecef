//! Turning what was measured and answered for an item into its verdict.

use std::collections::BTreeMap;

use crate::journal::MeasuredSeries;
use crate::judge::{judge, CriterionOutcome, Verdict};
use crate::plan::Item;

/// An item's judged outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Item verdict.
    pub verdict: Verdict,
    /// Criterion outcomes, in plan order.
    pub criteria: Vec<CriterionOutcome>,
    /// The measured series, with units from the plan.
    pub measurements: Vec<MeasuredSeries>,
    /// Why, when the verdict is not obvious from the criteria.
    pub reason: Option<String>,
}

/// Judges an item from its measured values and the operator's judgement.
///
/// An operator's `NA` makes the item not applicable. Otherwise the item takes the worst of its
/// criteria and the operator's judgement; log-only criteria (`NA`) rank lowest, so an item
/// whose criteria only record values takes the operator's judgement. With no judgement from
/// either (nothing measured, or values only recorded), it is *not tested*.
pub fn evaluate(
    item: &Item,
    values: &BTreeMap<String, Vec<f64>>,
    operator_verdict: Option<Verdict>,
) -> Evaluation {
    let measurements = values
        .iter()
        .map(|(name, series)| MeasuredSeries {
            name: name.clone(),
            unit: unit_of(item, name).unwrap_or_default(),
            values: series.clone(),
        })
        .collect();
    let criteria: Vec<CriterionOutcome> = item
        .criteria
        .iter()
        .map(|c| judge(c, values.get(&c.measurement).map_or(&[][..], Vec::as_slice)))
        .collect();
    if operator_verdict == Some(Verdict::NotApplicable) {
        return Evaluation {
            verdict: Verdict::NotApplicable,
            criteria,
            measurements,
            reason: Some("operator marked the item not applicable".to_string()),
        };
    }
    let verdicts = criteria.iter().map(|c| c.verdict).chain(operator_verdict);
    match Verdict::worst(verdicts) {
        // Only log-only criteria recorded values and nobody judged: the item is not done.
        Some(Verdict::NotApplicable) if operator_verdict.is_none() => Evaluation {
            verdict: Verdict::NotTested,
            criteria,
            measurements,
            reason: Some(
                "values recorded, but no criterion has a limit and no judgement was entered"
                    .to_string(),
            ),
        },
        Some(verdict) => Evaluation {
            verdict,
            criteria,
            measurements,
            reason: None,
        },
        None => Evaluation {
            verdict: Verdict::NotTested,
            criteria,
            measurements,
            reason: Some("no measurement and no judgement was entered".to_string()),
        },
    }
}

/// The unit the plan declares for a measurement.
fn unit_of(item: &Item, name: &str) -> Option<String> {
    item.steps
        .iter()
        .flat_map(|s| &s.produces)
        .find(|m| m.name == name)
        .map(|m| m.unit.clone())
}
