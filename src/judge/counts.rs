//! Counting verdicts: how many items of a sheet or a run ended in each verdict.

use std::fmt;
use std::ops::AddAssign;

use serde::{Deserialize, Serialize};

use super::Verdict;

/// How many of each verdict a sheet or a run holds, and its overall verdict.
///
/// Build it from an iterator of verdicts (`collect`), or add one at a time; sheets add up to a
/// run with `+=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictCounts {
    /// `pass` count.
    pub pass: usize,
    /// `no pass` count.
    pub no_pass: usize,
    /// `NA` count.
    pub not_applicable: usize,
    /// `not tested` count.
    pub not_tested: usize,
    /// `error` count.
    pub error: usize,
}

impl VerdictCounts {
    /// Counts one more `verdict`.
    pub fn add(&mut self, verdict: Verdict) {
        *self.slot(verdict) += 1;
    }

    /// How many `verdict`s were counted.
    pub fn get(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Pass => self.pass,
            Verdict::NoPass => self.no_pass,
            Verdict::NotApplicable => self.not_applicable,
            Verdict::NotTested => self.not_tested,
            Verdict::Error => self.error,
        }
    }

    /// All verdicts counted.
    pub fn total(&self) -> usize {
        Verdict::BY_SEVERITY.iter().map(|v| self.get(*v)).sum()
    }

    /// The worst verdict counted ([`Verdict::worst`]), or `None` when nothing was counted.
    pub fn overall(&self) -> Option<Verdict> {
        Verdict::BY_SEVERITY
            .into_iter()
            .find(|verdict| self.get(*verdict) > 0)
    }

    fn slot(&mut self, verdict: Verdict) -> &mut usize {
        match verdict {
            Verdict::Pass => &mut self.pass,
            Verdict::NoPass => &mut self.no_pass,
            Verdict::NotApplicable => &mut self.not_applicable,
            Verdict::NotTested => &mut self.not_tested,
            Verdict::Error => &mut self.error,
        }
    }
}

impl AddAssign for VerdictCounts {
    fn add_assign(&mut self, other: VerdictCounts) {
        for verdict in Verdict::BY_SEVERITY {
            *self.slot(verdict) += other.get(verdict);
        }
    }
}

impl Extend<Verdict> for VerdictCounts {
    fn extend<I: IntoIterator<Item = Verdict>>(&mut self, verdicts: I) {
        for verdict in verdicts {
            self.add(verdict);
        }
    }
}

impl FromIterator<Verdict> for VerdictCounts {
    fn from_iter<I: IntoIterator<Item = Verdict>>(verdicts: I) -> Self {
        let mut counts = VerdictCounts::default();
        counts.extend(verdicts);
        counts
    }
}

impl fmt::Display for VerdictCounts {
    /// `3 pass, 1 no pass, 0 NA, 2 not tested, 0 error`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let order = [
            Verdict::Pass,
            Verdict::NoPass,
            Verdict::NotApplicable,
            Verdict::NotTested,
            Verdict::Error,
        ];
        for (i, verdict) in order.into_iter().enumerate() {
            let separator = if i == 0 { "" } else { ", " };
            write!(f, "{separator}{} {}", self.get(verdict), verdict.label())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    #[test]
    fn counts_each_verdict() {
        let counts: VerdictCounts = [Pass, Pass, NoPass, NotApplicable, NotTested, NotTested]
            .into_iter()
            .collect();
        assert_eq!(
            counts,
            VerdictCounts {
                pass: 2,
                no_pass: 1,
                not_applicable: 1,
                not_tested: 2,
                error: 0
            }
        );
        assert_eq!(counts.total(), 6);
        assert_eq!(counts.get(NotTested), 2);
        assert_eq!(
            counts.to_string(),
            "2 pass, 1 no pass, 1 NA, 2 not tested, 0 error"
        );
    }

    #[test]
    fn overall_agrees_with_worst() {
        let cases: [&[Verdict]; 6] = [
            &[],
            &[NotApplicable, NotApplicable],
            &[Pass, NotApplicable],
            &[Pass, NotTested],
            &[NotTested, Error, Pass],
            &[Error, NoPass, NotApplicable],
        ];
        for verdicts in cases {
            let counts: VerdictCounts = verdicts.iter().copied().collect();
            assert_eq!(
                counts.overall(),
                Verdict::worst(verdicts.iter().copied()),
                "{verdicts:?}"
            );
        }
    }

    #[test]
    fn sheets_add_up_to_a_run() {
        let mut run: VerdictCounts = [Pass, Error].into_iter().collect();
        run += [NoPass, Pass].into_iter().collect();
        assert_eq!(run.pass, 2);
        assert_eq!(run.no_pass, 1);
        assert_eq!(run.error, 1);
        assert_eq!(run.overall(), Some(NoPass));
    }
}
