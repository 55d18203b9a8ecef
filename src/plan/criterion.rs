//! Resolving one `[[items.criteria]]` table into a [`Criterion`]: the measurement it judges, the
//! aggregation, and a limit whose numbers fit the comparison.

use super::diagnostic::Sink;
use super::reader::{Fields, Located, TableRef};
use super::resolve::read_unit;
use super::step::Produced;
use crate::judge::{Aggregate, Comparison, Criterion, Limit};

const CRITERION_KEYS: &[&str] = &[
    "measurement",
    "aggregate",
    "compare",
    "limit",
    "low",
    "high",
    "tolerance",
    "marginal",
    "unit",
];
/// The numeric keys of a criterion, in the order they are checked.
const LIMIT_KEYS: [&str; 5] = ["limit", "low", "high", "tolerance", "marginal"];

/// Which numbers a comparison takes, by plan key.
#[derive(Debug, Clone, Copy)]
struct Shape(Comparison);

impl Shape {
    /// The keys the comparison needs (the judge's `value` is the plan's `limit`).
    fn needs(self, key: &str) -> bool {
        let field = if key == "limit" { "value" } else { key };
        self.0.needs().contains(&field)
    }

    /// True when the key may be given: a needed key, or `marginal` for all but LOG.
    fn takes(self, key: &str) -> bool {
        self.needs(key) || (key == "marginal" && self.0 != Comparison::LOG)
    }

    /// True for a two-sided comparison where no value passes when `low == high`.
    fn is_strict_range(self) -> bool {
        matches!(
            self.0,
            Comparison::GTLT | Comparison::GELT | Comparison::GTLE
        )
    }
}

/// Resolves one criterion; `produced` lists what the item's steps produce.
pub(super) fn resolve_criterion(
    sink: &mut Sink<'_>,
    table: TableRef<'_, '_>,
    produced: &[&Produced],
) -> Option<Criterion> {
    let f = table.open(sink, CRITERION_KEYS);
    let measurement = f
        .name(sink, "measurement")
        .and_then(|m| find_measurement(sink, &f, produced, m));
    let aggregate_keys = Aggregate::ALL.map(Aggregate::name);
    let aggregate = f.choice(sink, "aggregate", "aggregate", &aggregate_keys, |text| {
        Aggregate::ALL.into_iter().find(|a| a.name() == text)
    });
    let compare_keys = Comparison::ALL.map(Comparison::name);
    let compare = f.choice(sink, "compare", "comparison", &compare_keys, |text| {
        Comparison::ALL.into_iter().find(|c| c.name() == text)
    });
    let limit = read_limit(sink, &f, compare.as_ref().map(|c| *c.get_ref()));
    let unit = read_unit(sink, &f, "unit");
    if let (Some(m), Some(a), Some(u)) = (measurement, &aggregate, &unit) {
        check_unit(sink, &f, m, *a.get_ref(), u);
    }
    Some(Criterion {
        measurement: measurement?.name.get_ref().clone(),
        aggregate: aggregate?.into_inner(),
        compare: compare?.into_inner(),
        limit: limit?,
        unit: unit?.into_inner(),
    })
}

/// The produced measurement a criterion names, or a report that no step produces it.
fn find_measurement<'p>(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    produced: &[&'p Produced],
    name: Located<String>,
) -> Option<&'p Produced> {
    let found = produced.iter().find(|p| p.name.get_ref() == name.get_ref());
    if found.is_none() {
        let mut names: Vec<&str> = produced.iter().map(|p| p.name.get_ref().as_str()).collect();
        names.dedup();
        let known = if names.is_empty() {
            "this item's steps produce no measurements".to_string()
        } else {
            format!("this item's steps produce: {}", names.join(", "))
        };
        sink.report(
            &name.span(),
            &f.path_of("measurement"),
            format!("no step produces `{}`; {known}", name.get_ref()),
        );
    }
    found.copied()
}

/// The criterion's unit must be the unit of the aggregated value: `count` for `count`, `1` for
/// `rate` (a fraction), the measurement's own unit otherwise.
fn check_unit(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    measurement: &Produced,
    aggregate: Aggregate,
    unit: &Located<String>,
) {
    let (expected, why) = match aggregate {
        Aggregate::Count => ("count", "`count` gives a number of values".to_string()),
        Aggregate::Rate => ("1", "`rate` gives a fraction from 0 to 1".to_string()),
        _ => match &measurement.unit {
            Some(own) => (
                own.as_str(),
                format!("`{}` is produced in `{own}`", measurement.name.get_ref()),
            ),
            None => return,
        },
    };
    if unit.get_ref() != expected {
        sink.report(
            &unit.span(),
            &f.path_of("unit"),
            format!(
                "{why}: the unit must be `{expected}`, not `{}`",
                unit.get_ref()
            ),
        );
    }
}

/// The numbers of a criterion, checked against what the comparison takes.
fn read_limit(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    compare: Option<Comparison>,
) -> Option<Limit> {
    let [value, low, high, tolerance, marginal] = LIMIT_KEYS.map(|key| f.opt_number(sink, key));
    let compare = compare?;
    let shape = Shape(compare);
    for key in LIMIT_KEYS {
        let present = f.key_span(key).is_some();
        if shape.needs(key) && !present {
            f.report_missing(sink, key, &format!(": {compare} needs it"));
        } else if present && !shape.takes(key) {
            f.reject(sink, key, &format!("`{key}` is not used by {compare}"));
        }
    }
    for (key, number) in [("tolerance", &tolerance), ("marginal", &marginal)] {
        if let Some(n) = number.as_ref().filter(|n| *n.get_ref() < 0.0) {
            sink.report(&n.span(), &f.path_of(key), "must not be negative");
        }
    }
    if let (Some(low), Some(high)) = (&low, &high) {
        check_range(sink, f, shape, low, high);
    }
    let plain = |n: Option<Located<f64>>| n.map(|n| n.into_inner());
    Some(Limit {
        value: plain(value),
        low: plain(low),
        high: plain(high),
        tolerance: plain(tolerance),
        marginal: plain(marginal),
    })
}

fn check_range(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    shape: Shape,
    low: &Located<f64>,
    high: &Located<f64>,
) {
    let (l, h) = (*low.get_ref(), *high.get_ref());
    if l > h {
        sink.report(
            &low.span(),
            &f.path_of("low"),
            format!("low ({l}) is above high ({h})"),
        );
    } else if shape.is_strict_range() && l == h {
        sink.report(
            &low.span(),
            &f.path_of("low"),
            format!("low equals high ({l}): no value can pass {}", shape.0),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_take_the_documented_keys() {
        let ge = Shape(Comparison::GE);
        assert!(ge.needs("limit") && ge.takes("marginal") && !ge.takes("low"));
        let gtle = Shape(Comparison::GTLE);
        assert!(gtle.needs("low") && gtle.needs("high") && !gtle.needs("limit"));
        assert!(gtle.is_strict_range() && !Shape(Comparison::GELE).is_strict_range());
        let eqt = Shape(Comparison::EQT);
        assert!(eqt.needs("limit") && eqt.needs("tolerance"));
        let log = Shape(Comparison::LOG);
        assert!(LIMIT_KEYS.iter().all(|key| !log.takes(key)));
    }
}
