//! The five verdicts and how they combine.
//!
//! A criterion, an item, a sheet and a run each end in one [`Verdict`]. Several verdicts combine
//! into the worst of them ([`Verdict::worst`]), by this severity, highest first:
//!
//! 1. `no pass`: the device failed a criterion. A definite device failure is the most important
//!    thing a sheet can say, so nothing hides it, not even a harness fault on another item.
//! 2. `error`: the harness failed (lost link, broken reading). The item must be re-run before the
//!    sheet can pass, and it outranks missing data because somebody has to fix the bench.
//! 3. `not tested`: no data, skipped or stopped early. The result is incomplete.
//! 4. `pass`.
//! 5. `NA`: the item does not apply. It ranks lowest so that it never hides a pass: a sheet of
//!    passes and NAs passes; only a sheet where nothing applies is NA.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The result of a criterion, an item, a sheet or a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every criterion met.
    Pass,
    /// The device under test failed a criterion.
    NoPass,
    /// The item does not apply to this unit.
    #[serde(rename = "na")]
    NotApplicable,
    /// The item was not run (skipped, no rig, stopped early, or no data).
    NotTested,
    /// The harness failed (lost link, bad instrument reply): never blamed on the device.
    Error,
}

/// Text that is not a verdict spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a verdict; use pass (p), no pass (n, nopass, fail), NA (n/a), \
     not tested (nt) or error"
)]
pub struct ParseVerdictError {
    /// The text as given.
    pub input: String,
}

impl Verdict {
    /// Every verdict, most severe first (the order [`Verdict::worst`] uses).
    pub const BY_SEVERITY: [Verdict; 5] = [
        Verdict::NoPass,
        Verdict::Error,
        Verdict::NotTested,
        Verdict::Pass,
        Verdict::NotApplicable,
    ];

    /// The label written in workbooks and reports: `pass`, `no pass`, `NA`, `not tested` or
    /// `error`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::NoPass => "no pass",
            Verdict::NotApplicable => "NA",
            Verdict::NotTested => "not tested",
            Verdict::Error => "error",
        }
    }

    /// Severity rank: higher is worse (`NA` 0 … `no pass` 4). See the module docs for why.
    pub fn severity(self) -> u8 {
        match self {
            Verdict::NotApplicable => 0,
            Verdict::Pass => 1,
            Verdict::NotTested => 2,
            Verdict::Error => 3,
            Verdict::NoPass => 4,
        }
    }

    /// The worst of `verdicts`, or `None` when there are none.
    pub fn worst<I: IntoIterator<Item = Verdict>>(verdicts: I) -> Option<Verdict> {
        verdicts.into_iter().max_by_key(|v| v.severity())
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Verdict {
    type Err = ParseVerdictError;

    /// Accepts the labels and common operator spellings, ignoring case, surrounding space, and
    /// `-`/`_` used in place of a space (so the serde forms `no-pass` and `not-tested` parse too).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalized = s
            .trim()
            .to_lowercase()
            .replace(['-', '_'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match normalized.as_str() {
            "p" | "pass" => Ok(Verdict::Pass),
            "n" | "no pass" | "nopass" | "fail" => Ok(Verdict::NoPass),
            "na" | "n/a" | "not applicable" => Ok(Verdict::NotApplicable),
            "nt" | "not tested" => Ok(Verdict::NotTested),
            "error" => Ok(Verdict::Error),
            _ => Err(ParseVerdictError {
                input: s.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_exact_and_round_trip() {
        let labels: Vec<_> = Verdict::BY_SEVERITY.iter().map(|v| v.label()).collect();
        assert_eq!(labels, ["no pass", "error", "not tested", "pass", "NA"]);
        for verdict in Verdict::BY_SEVERITY {
            assert_eq!(verdict.to_string(), verdict.label());
            assert_eq!(verdict.label().parse::<Verdict>(), Ok(verdict));
        }
    }

    #[test]
    fn operator_spellings_parse_case_insensitively() {
        let cases = [
            ("p", Verdict::Pass),
            ("PASS", Verdict::Pass),
            (" Pass ", Verdict::Pass),
            ("n", Verdict::NoPass),
            ("No Pass", Verdict::NoPass),
            ("no  pass", Verdict::NoPass),
            ("nopass", Verdict::NoPass),
            ("no-pass", Verdict::NoPass),
            ("FAIL", Verdict::NoPass),
            ("na", Verdict::NotApplicable),
            ("NA", Verdict::NotApplicable),
            ("n/a", Verdict::NotApplicable),
            ("N/A", Verdict::NotApplicable),
            ("not applicable", Verdict::NotApplicable),
            ("nt", Verdict::NotTested),
            ("Not Tested", Verdict::NotTested),
            ("not_tested", Verdict::NotTested),
            ("ERROR", Verdict::Error),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Verdict>(), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn unknown_spellings_are_rejected_with_the_choices() {
        for text in ["", "ok", "passed", "n a", "p s"] {
            let err = text.parse::<Verdict>().unwrap_err();
            assert_eq!(err.input, text);
            assert!(err.to_string().contains("no pass (n, nopass, fail)"));
        }
    }

    #[test]
    fn worst_follows_severity() {
        use Verdict::*;
        assert_eq!(Verdict::worst([]), None);
        assert_eq!(Verdict::worst([NotApplicable]), Some(NotApplicable));
        assert_eq!(Verdict::worst([NotApplicable, Pass]), Some(Pass));
        assert_eq!(Verdict::worst([Pass, NotTested, Pass]), Some(NotTested));
        assert_eq!(Verdict::worst([NotTested, Error]), Some(Error));
        assert_eq!(Verdict::worst([Error, NoPass, NotApplicable]), Some(NoPass));
        // Every adjacent pair of the severity order, in both argument orders.
        for pair in Verdict::BY_SEVERITY.windows(2) {
            assert_eq!(Verdict::worst([pair[0], pair[1]]), Some(pair[0]));
            assert_eq!(Verdict::worst([pair[1], pair[0]]), Some(pair[0]));
            assert!(pair[0].severity() > pair[1].severity());
        }
    }

    #[test]
    fn serde_form_is_unchanged() {
        let json = serde_json::to_string(&Verdict::BY_SEVERITY).unwrap();
        assert_eq!(json, r#"["no-pass","error","not-tested","pass","na"]"#);
    }
}
