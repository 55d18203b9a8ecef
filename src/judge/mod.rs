//! Judging: criteria over measurement series, and verdicts.
//!
//! A [`Criterion`] names a measurement, an [`Aggregate`] that reduces its series to one number,
//! and a [`Limit`] in the standard comparison vocabulary ([`Comparison`]). [`judge`] applies a
//! criterion to a series and returns a [`CriterionOutcome`]; an item takes the worst verdict of
//! its criteria ([`Verdict::worst`]).
//!
//! This module knows nothing of plans, rigs or reports.

mod aggregate;
mod criterion;
mod verdict;

pub use aggregate::Aggregate;
pub use criterion::{judge, Comparison, Criterion, CriterionOutcome, Limit};
pub use verdict::Verdict;
