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
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::operator::{ItemAnswer, Operator, OperatorError, Prompt, Reply};
use crate::judge::Verdict;
use crate::plan::describe_toml_error;

/// One value or a series.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawValues {
    One(f64),
    Series(Vec<f64>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer {
    #[serde(default)]
    verdict: Option<String>,
    #[serde(default)]
    values: BTreeMap<String, RawValues>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    attachments: Vec<PathBuf>,
    #[serde(default)]
    skip: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswersFile {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    items: BTreeMap<String, RawAnswer>,
}

/// Answers read from a file; items without an answer are left unanswered (not tested).
#[derive(Debug)]
pub struct AnswersFile {
    path: PathBuf,
    operator: Option<String>,
    replies: BTreeMap<String, Reply>,
}

impl AnswersFile {
    /// Reads and checks an answers file. Attachment paths are taken relative to `base`
    /// (the current directory for user files, the repository root for shipped ones).
    pub fn load(path: &Path, base: &Path) -> Result<AnswersFile, OperatorError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| OperatorError::Answers {
            file: origin.clone(),
            message: e.to_string(),
        })?;
        let raw: RawAnswersFile = toml::from_str(&text).map_err(|e| OperatorError::Answers {
            file: origin.clone(),
            message: describe_toml_error(&text, &e),
        })?;
        let mut replies = BTreeMap::new();
        for (item, answer) in raw.items {
            let verdict = answer
                .verdict
                .as_deref()
                .map(|text| {
                    text.parse::<Verdict>().map_err(|_| OperatorError::Answers {
                        file: origin.clone(),
                        message: format!(
                            "items.\"{item}\".verdict: `{text}` is not pass, no pass or na"
                        ),
                    })
                })
                .transpose()?;
            let values = answer
                .values
                .into_iter()
                .map(|(name, v)| match v {
                    RawValues::One(x) => (name, vec![x]),
                    RawValues::Series(xs) => (name, xs),
                })
                .collect();
            let attachments = answer
                .attachments
                .into_iter()
                .map(|p| if p.is_absolute() { p } else { base.join(p) })
                .collect();
            let reply = match answer.skip {
                Some(reason) => Reply::Skip(reason),
                None => Reply::Answer(ItemAnswer {
                    verdict,
                    values,
                    note: answer.note,
                    attachments,
                }),
            };
            replies.insert(item, reply);
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

impl Operator for AnswersFile {
    fn answer(&mut self, prompt: &Prompt<'_>) -> Result<Reply, OperatorError> {
        Ok(self
            .replies
            .get(&prompt.item.id)
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
