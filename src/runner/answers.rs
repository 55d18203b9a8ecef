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
use std::path::{Path, PathBuf};

use super::operator::{ItemAnswer, Operator, OperatorError, Prompt, Reply};
use crate::config::{load_document, Fields, Located, TableRef};
use crate::diagnostic::Sink;
use crate::judge::Verdict;
use crate::plan::{Item, Plan};

/// Answers read from a file; items without an answer are left unanswered (not tested).
#[derive(Debug)]
pub struct AnswersFile {
    path: PathBuf,
    operator: Option<String>,
    /// Answers by item id and sample (`None`: every sample without its own).
    replies: BTreeMap<(String, Option<u32>), Reply>,
}

const ROOT_KEYS: &[&str] = &["operator", "items"];
const ANSWER_KEYS: &[&str] = &["verdict", "values", "note", "attachments", "skip", "sample"];

/// What an answers file is checked against.
struct Context<'c> {
    plan: &'c Plan,
    base: &'c Path,
    samples: usize,
}

impl AnswersFile {
    /// Reads an answers file and checks it against the `plan` it answers: every item id must be
    /// in the plan, every value must be finite and named after a measurement the item's steps
    /// produce, every verdict must be pass, no pass or na. Every problem is reported at once,
    /// each with the file, line, column and field, so a bad file stops a run before it starts.
    /// Attachment paths are taken relative to `base` (the current directory for user files,
    /// the repository root for shipped ones). A `sample.<N>` table must name one of the run's
    /// `samples`.
    pub fn load(
        path: &Path,
        base: &Path,
        plan: &Plan,
        samples: usize,
    ) -> Result<AnswersFile, OperatorError> {
        let context = Context {
            plan,
            base,
            samples,
        };
        let (operator, replies) = load_document(path, "answers file", |sink, root| {
            resolve_answers(sink, root, &context)
        })
        .map_err(OperatorError::Answers)?;
        Ok(AnswersFile {
            path: path.to_path_buf(),
            operator,
            replies,
        })
    }

    /// The operator named in the file, if any.
    pub fn operator(&self) -> Option<&str> {
        self.operator.as_deref()
    }
}

type Replies = BTreeMap<(String, Option<u32>), Reply>;

fn resolve_answers(
    sink: &mut Sink<'_>,
    root: TableRef<'_, '_>,
    context: &Context<'_>,
) -> Option<(Option<String>, Replies)> {
    let root = root.open(sink, ROOT_KEYS);
    let operator = root.opt_string(sink, "operator").map(Located::into_inner);
    let mut replies = BTreeMap::new();
    let Some(items) = root.opt_table(sink, "items").map(TableRef::open_map) else {
        return Some((operator, replies));
    };
    let before = sink.count();
    for id in items.keys() {
        let id_field = items.path_of(id.get_ref());
        let Some(item) = context.plan.item(id.get_ref()) else {
            let message = context.plan.no_such("item", id.get_ref());
            sink.report(&id.span(), &id_field, message);
            continue;
        };
        let Some(answer) = items.table(sink, id.get_ref()) else {
            continue;
        };
        let answer = answer.open(sink, ANSWER_KEYS);
        for (sample, own) in samples(sink, &answer, context.samples) {
            let own = own.open(sink, ANSWER_KEYS);
            own.reject(
                sink,
                "sample",
                "a sample's answer cannot have samples of its own",
            );
            if let Some(reply) = reply(sink, item, &own, context.base) {
                replies.insert((item.id.clone(), Some(sample)), reply);
            }
        }
        if let Some(reply) = reply(sink, item, &answer, context.base) {
            replies.insert((item.id.clone(), None), reply);
        }
    }
    (sink.count() == before).then_some((operator, replies))
}

/// The `sample.<N>` tables of an answer, each with its sample number (1-based).
fn samples<'a, 'i>(
    sink: &mut Sink<'_>,
    answer: &Fields<'a, 'i>,
    count: usize,
) -> Vec<(u32, TableRef<'a, 'i>)> {
    let Some(samples) = answer.opt_table(sink, "sample").map(TableRef::open_map) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for key in samples.keys() {
        let number = key
            .get_ref()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=count).contains(&(*n as usize)));
        let Some(number) = number else {
            sink.report(
                &key.span(),
                &samples.path_of(key.get_ref()),
                format!(
                    "the run has samples 1 to {count}; `{}` is not one",
                    key.get_ref()
                ),
            );
            continue;
        };
        if let Some(table) = samples.table(sink, key.get_ref()) {
            found.push((number, table));
        }
    }
    found
}

/// The reply one answer table gives.
fn reply(sink: &mut Sink<'_>, item: &Item, answer: &Fields<'_, '_>, base: &Path) -> Option<Reply> {
    let before = sink.count();
    let verdict = answer.opt_string(sink, "verdict").and_then(|text| {
        let verdict = text.get_ref().parse::<Verdict>().ok();
        if verdict.is_none() {
            sink.report(
                &text.span(),
                &answer.path_of("verdict"),
                format!("`{}` is not pass, no pass or na", text.get_ref()),
            );
        }
        verdict
    });
    let mut values = BTreeMap::new();
    if let Some(table) = answer.opt_table(sink, "values").map(TableRef::open_map) {
        for name in table.keys() {
            let Some(series) = table.numbers(sink, name.get_ref()) else {
                continue;
            };
            if let Some(problem) = unknown_measurement(item, name.get_ref()) {
                sink.report(&series.span(), &table.path_of(name.get_ref()), problem);
                continue;
            }
            values.insert(name.into_inner(), series.into_inner());
        }
    }
    let note = answer.opt_string(sink, "note").map(Located::into_inner);
    let attachments = answer
        .opt_strings(sink, "attachments")
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let p = PathBuf::from(p.into_inner());
            if p.is_absolute() {
                p
            } else {
                base.join(p)
            }
        })
        .collect();
    let skip = answer.opt_string(sink, "skip").map(Located::into_inner);
    (sink.count() == before).then(|| match skip {
        Some(reason) => Reply::Skip(reason),
        None => Reply::Answer(ItemAnswer {
            verdict,
            values,
            note: note.unwrap_or_default(),
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
                .strip_prefix(&format!("{}:", path.display()))
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
        for (value, at) in [
            ("nan", "3:21 items.FUN-001.values.boot_s:"),
            ("inf", "3:21 items.FUN-001.values.boot_s:"),
            ("-inf", "3:21 items.FUN-001.values.boot_s:"),
            ("[1, nan]", "3:25 items.FUN-001.values.boot_s[1]:"),
        ] {
            let text = format!("\n[items.\"FUN-001\"]\nvalues = {{ boot_s = {value} }}\n");
            let error = load(&text).expect_err(value);
            assert!(error.starts_with(at), "{error}");
            assert!(error.contains("expected a finite number"), "{error}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_once_with_key_suggestions() {
        let text = "[items.\"FUN-001\"]\nverdit = \"pass\"\nnote = 3\n\
                    [items.\"FUN-001\".sample.7]\nverdict = \"pass\"\n";
        let error = load(text).expect_err("three problems");
        let lines: Vec<&str> = error.lines().collect();
        assert_eq!(lines.len(), 3, "{error}");
        assert!(
            lines[0].starts_with(
                "2:1 items.FUN-001.verdit: unknown key `verdit` (did you mean `verdict`?)"
            ),
            "{error}"
        );
        assert!(
            lines[1].ends_with(":3:8 items.FUN-001.note: expected a string, found integer"),
            "{error}"
        );
        assert!(
            lines[2].ends_with(
                ":4:25 items.FUN-001.sample.7: the run has samples 1 to 2; `7` is not one"
            ),
            "{error}"
        );
    }

    #[test]
    fn unknown_items_and_measurements_are_reported_with_suggestions() {
        let error = load("[items.\"FUN-01\"]\nverdict = \"pass\"\n").expect_err("unknown id");
        assert!(error.starts_with("1:8 items.FUN-01: "), "{error}");
        assert!(error.contains("did you mean FUN-001"), "{error}");
        let error =
            load("[items.\"FUN-001\"]\nvalues = { boot_ms = 3 }\n").expect_err("unknown name");
        assert!(
            error.starts_with("2:22 items.FUN-001.values.boot_ms: item FUN-001 does not measure `boot_ms`; its steps produce: boot_s"),
            "{error}"
        );
        let error = load("[items.\"FUN-001\"]\nverdict = \"ok\"\n").expect_err("bad verdict");
        assert!(
            error.starts_with("2:11 items.FUN-001.verdict: `ok`"),
            "{error}"
        );
    }
}
