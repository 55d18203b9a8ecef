//! Scripted operator answers: a TOML file that answers the prompts of a run, for unattended use
//! (`facebench demo`, scripted acceptance runs, tests).
//!
//! ```toml
//! operator = "Li Wei"
//! [items."COT-002"]
//! verdict = "pass"                  # for prompts that ask for a judgement
//! values = { crosscut_class = 0 }   # a number, or an array of numbers for a series
//! note = "cross-cut 1 mm, 11 cuts"
//! attachments = ["evidence/cot-002.txt"]   # relative to the answers file's folder's repo root
//! # skip = "reason"
//!
//! [items."COT-002".sample.2]       # sample 2 (the second `--unit`) answers differently
//! verdict = "no pass"
//! note = "cross-cut class 3 on the second sample"
//! ```
//!
//! An item's answer is every sample's, unless a `sample.<N>` table gives that sample its own
//! (it replaces the item's answer for that sample as a whole).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::operator::{ItemAnswer, Operator, OperatorError, Prompt, Reply};
use crate::judge::Verdict;
use crate::plan::{describe_toml_error, line_column, Item, Plan};

/// One value or a series.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawValues {
    One(f64),
    Series(Vec<f64>),
}

impl RawValues {
    fn into_series(self) -> Vec<f64> {
        match self {
            RawValues::One(x) => vec![x],
            RawValues::Series(xs) => xs,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer {
    #[serde(default)]
    verdict: Option<Spanned<String>>,
    #[serde(default)]
    values: BTreeMap<String, Spanned<RawValues>>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    attachments: Vec<PathBuf>,
    #[serde(default)]
    skip: Option<String>,
    #[serde(default)]
    sample: BTreeMap<String, Spanned<RawAnswer>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswersFile {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    items: BTreeMap<String, Spanned<RawAnswer>>,
}

/// Answers read from a file; items without an answer are left unanswered (not tested).
#[derive(Debug)]
pub struct AnswersFile {
    path: PathBuf,
    operator: Option<String>,
    /// Answers by item id and sample (`None`: every sample without its own).
    replies: BTreeMap<(String, Option<u32>), Reply>,
}

/// Reports problems of one answers file as `file: line:column field: message`.
struct Problems<'a> {
    origin: String,
    text: &'a str,
}

impl Problems<'_> {
    fn at(&self, span: &Range<usize>, field: &str, message: String) -> OperatorError {
        let (line, column) = line_column(self.text, span.start);
        OperatorError::Answers {
            file: self.origin.clone(),
            message: format!("{line}:{column} {field}: {message}"),
        }
    }
}

impl AnswersFile {
    /// Reads an answers file and checks it against the `plan` it answers: every item id must be
    /// in the plan, every value must be finite and named after a measurement the item's steps
    /// produce, every verdict must be pass, no pass or na. The first problem is an error with
    /// the file, line, column and field, so a bad file stops a run before it starts.
    /// Attachment paths are taken relative to `base` (the current directory for user files,
    /// the repository root for shipped ones). A `sample.<N>` table must name one of the run's
    /// `samples`.
    pub fn load(
        path: &Path,
        base: &Path,
        plan: &Plan,
        samples: usize,
    ) -> Result<AnswersFile, OperatorError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| OperatorError::Answers {
            file: origin.clone(),
            message: e.to_string(),
        })?;
        let raw: RawAnswersFile = toml::from_str(&text).map_err(|e| OperatorError::Answers {
            file: origin.clone(),
            message: describe_toml_error(&text, &e),
        })?;
        let problems = Problems {
            origin,
            text: &text,
        };
        let mut replies = BTreeMap::new();
        for (id, answer) in raw.items {
            let span = answer.span();
            let mut answer = answer.into_inner();
            let field = format!("items.{id:?}");
            let Some(item) = plan.item(&id) else {
                return Err(problems.at(&span, &field, plan.no_such("item", &id)));
            };
            for (key, own) in std::mem::take(&mut answer.sample) {
                let own_field = format!("{field}.sample.{key}");
                let sample = key
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=samples).contains(&(*n as usize)))
                    .ok_or_else(|| {
                        problems.at(
                            &own.span(),
                            &own_field,
                            format!("the run has samples 1 to {samples}; `{key}` is not one"),
                        )
                    })?;
                let own = own.into_inner();
                if !own.sample.is_empty() {
                    return Err(problems.at(
                        &span,
                        &own_field,
                        "a sample's answer cannot have samples of its own".into(),
                    ));
                }
                let reply = reply(item, own, base, &problems, &own_field)?;
                replies.insert((id.clone(), Some(sample)), reply);
            }
            let reply = reply(item, answer, base, &problems, &field)?;
            replies.insert((id, None), reply);
        }
        Ok(AnswersFile {
            path: path.to_path_buf(),
            operator: raw.operator,
            replies,
        })
    }

    /// The operator named in the file, if any.
    pub fn operator(&self) -> Option<&str> {
        self.operator.as_deref()
    }
}

/// The reply one answer table gives.
fn reply(
    item: &Item,
    answer: RawAnswer,
    base: &Path,
    problems: &Problems<'_>,
    field: &str,
) -> Result<Reply, OperatorError> {
    let verdict = match answer.verdict {
        Some(text) => Some(text.get_ref().parse::<Verdict>().map_err(|_| {
            problems.at(
                &text.span(),
                &format!("{field}.verdict"),
                format!("`{}` is not pass, no pass or na", text.get_ref()),
            )
        })?),
        None => None,
    };
    let mut values = BTreeMap::new();
    for (name, series) in answer.values {
        let value_field = format!("{field}.values.{name}");
        let series_span = series.span();
        if let Some(problem) = unknown_measurement(item, &name) {
            return Err(problems.at(&series_span, &value_field, problem));
        }
        let series = series.into_inner().into_series();
        if let Some(index) = series.iter().position(|x| !x.is_finite()) {
            return Err(problems.at(
                &series_span,
                &value_field,
                format!(
                    "value {} is {}; answers must be finite numbers",
                    index + 1,
                    series[index]
                ),
            ));
        }
        values.insert(name, series);
    }
    let attachments = answer
        .attachments
        .into_iter()
        .map(|p| if p.is_absolute() { p } else { base.join(p) })
        .collect();
    Ok(match answer.skip {
        Some(reason) => Reply::Skip(reason),
        None => Reply::Answer(ItemAnswer {
            verdict,
            values,
            note: answer.note,
            attachments,
        }),
    })
}

/// Why `name` cannot be an answer for `item`, if it cannot.
fn unknown_measurement(item: &Item, name: &str) -> Option<String> {
    let produced: Vec<&str> = item
        .steps
        .iter()
        .flat_map(|s| &s.produces)
        .map(|m| m.name.as_str())
        .collect();
    if produced.contains(&name) {
        return None;
    }
    Some(if produced.is_empty() {
        format!(
            "item {} measures nothing, so `{name}` cannot be answered",
            item.id
        )
    } else {
        format!(
            "item {} does not measure `{name}`; its steps produce: {}",
            item.id,
            produced.join(", ")
        )
    })
}

impl Operator for AnswersFile {
    fn answer(&mut self, prompt: &Prompt<'_>) -> Result<Reply, OperatorError> {
        let id = &prompt.item.id;
        Ok(self
            .replies
            .get(&(id.clone(), Some(prompt.sample)))
            .or_else(|| self.replies.get(&(id.clone(), None)))
            .cloned()
            .unwrap_or(Reply::NoAnswer))
    }

    fn source_name(&self) -> String {
        format!("answers file {}", self.path.display())
    }

    fn is_scripted(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::plan::load_plan;

    /// Loads `text` as an answers file for the slow fixture plan; the error as displayed.
    fn load(text: &str) -> Result<AnswersFile, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let plan = load_plan(
            &root.join("tests/fixtures/plans/slow-desktop.toml"),
            &Catalog::builtin(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a.toml");
        std::fs::write(&path, text).expect("write");
        AnswersFile::load(&path, dir.path(), &plan.plan, 2).map_err(|e| {
            let shown = e.to_string();
            shown
                .strip_prefix(&format!("{}: ", path.display()))
                .unwrap_or(&shown)
                .to_string()
        })
    }

    #[test]
    fn the_shipped_answers_fit_their_plans() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for (plan, answers) in [
            (
                "testplans/desktop-cashier.toml",
                "testplans/answers/demo-desktop-cashier.toml",
            ),
            (
                "tests/fixtures/plans/slow-desktop.toml",
                "tests/fixtures/answers/slow-desktop.toml",
            ),
        ] {
            let plan =
                load_plan(&root.join(plan), &Catalog::builtin()).unwrap_or_else(|e| panic!("{e}"));
            AnswersFile::load(&root.join(answers), root, &plan.plan, 1)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn good_answers_load() {
        let answers = load("operator = \"Li\"\n[items.\"FUN-001\"]\nverdict = \"pass\"\nvalues = { boot_s = [41, 42.5] }\n")
            .expect("valid");
        assert_eq!(answers.operator(), Some("Li"));
        assert_eq!(answers.replies.len(), 1);
    }

    #[test]
    fn non_finite_values_are_reported_with_line_and_field() {
        for value in ["nan", "inf", "-inf", "[1, nan]"] {
            let text = format!("\n[items.\"FUN-001\"]\nvalues = {{ boot_s = {value} }}\n");
            let error = load(&text).expect_err(value);
            assert!(
                error.starts_with("3:21 items.\"FUN-001\".values.boot_s: value "),
                "{error}"
            );
            assert!(error.contains("finite"), "{error}");
        }
    }

    #[test]
    fn unknown_items_and_measurements_are_reported_with_suggestions() {
        let error = load("[items.\"FUN-01\"]\nverdict = \"pass\"\n").expect_err("unknown id");
        assert!(error.starts_with("1:1 items.\"FUN-01\": "), "{error}");
        assert!(error.contains("did you mean FUN-001"), "{error}");
        let error =
            load("[items.\"FUN-001\"]\nvalues = { boot_ms = 3 }\n").expect_err("unknown name");
        assert!(
            error.starts_with("2:22 items.\"FUN-001\".values.boot_ms: item FUN-001 does not measure `boot_ms`; its steps produce: boot_s"),
            "{error}"
        );
        let error = load("[items.\"FUN-001\"]\nverdict = \"ok\"\n").expect_err("bad verdict");
        assert!(
            error.starts_with("2:11 items.\"FUN-001\".verdict: `ok`"),
            "{error}"
        );
    }
}
