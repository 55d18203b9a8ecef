//! Judging: criteria over measurement series, and verdicts.
//!
//! A [`Criterion`] names a measurement, an [`Aggregate`] that reduces its series to one number,
//! and a [`Limit`] in the standard comparison vocabulary ([`Comparison`]). [`judge`] applies a
//! criterion to a series and returns a [`CriterionOutcome`]; an item takes the worst verdict of
//! its criteria ([`Verdict::worst`]), and [`VerdictCounts`] sums items up per sheet or run.
//!
//! Files: `aggregate.rs` (reductions, statrs), `compare.rs` (limits, pass / no pass, marginal
//! band, requirement text), `criterion.rs` (the criterion types and [`judge`]), `verdict.rs`
//! (labels, parsing, severity), `counts.rs` ([`VerdictCounts`]).
//!
//! This module knows nothing of plans, rigs or reports.

mod aggregate;
mod compare;
mod counts;
mod criterion;
mod verdict;

pub use aggregate::{Aggregate, AggregateError};
pub use compare::LimitError;
pub use counts::VerdictCounts;
pub use criterion::{judge, Comparison, Criterion, CriterionOutcome, Limit};
pub use verdict::{ParseVerdictError, Verdict};
