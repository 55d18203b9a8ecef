//! The operator: the person (or script) who carries out manual steps and answers prompts.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use crate::judge::Verdict;
use crate::plan::{Item, Step};
use crate::unit::Unit;

/// What the runner asks the operator about one item.
#[derive(Debug)]
pub struct Prompt<'a> {
    /// The item.
    pub item: &'a Item,
    /// Its prompt steps, in order.
    pub steps: Vec<&'a Step>,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// Which unit the answer is for (sample number, from 1).
    pub sample: u32,
    /// That unit.
    pub unit: &'a Unit,
    /// How many units the run has (the prompt names the unit when there are several).
    pub samples: usize,
}

impl Prompt<'_> {
    /// True when a step asks for a pass / no pass / NA judgement.
    pub fn wants_verdict(&self) -> bool {
        self.steps.iter().any(|s| s.verdict)
    }
}

/// The operator's answer to an item's prompts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemAnswer {
    /// The judgement, for prompts that ask for one.
    pub verdict: Option<Verdict>,
    /// Measured values by measurement name.
    pub values: BTreeMap<String, Vec<f64>>,
    /// Free note.
    pub note: String,
    /// Evidence files.
    pub attachments: Vec<PathBuf>,
}

/// The operator's reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Answers to record.
    Answer(ItemAnswer),
    /// Skip the item, with a reason: recorded as not tested.
    Skip(String),
    /// Stop the run here; it can be resumed.
    Stop,
    /// No answer is available (a script without this item): recorded as not tested.
    NoAnswer,
}

/// Errors getting answers.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// The answers file is unreadable or malformed: every problem, each with file, line,
    /// column and field.
    #[error("{0}")]
    Answers(crate::diagnostic::Diagnostics),
    /// The terminal could not be read or written.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

/// Someone who answers prompts.
pub trait Operator: std::fmt::Debug {
    /// Answers the prompts of one item.
    fn answer(&mut self, prompt: &Prompt<'_>) -> Result<Reply, OperatorError>;
    /// A short description for the journal and logs.
    fn source_name(&self) -> String;
    /// True for answers that come from a file rather than a person.
    fn is_scripted(&self) -> bool;
}

/// Asks a person on a terminal (any reader and writer, so it can be tested).
pub struct TerminalOperator<R, W> {
    input: R,
    output: W,
}

impl<R, W> std::fmt::Debug for TerminalOperator<R, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TerminalOperator")
    }
}

impl<R: BufRead, W: Write> TerminalOperator<R, W> {
    /// An operator reading answers from `input` and printing prompts to `output`.
    pub fn new(input: R, output: W) -> Self {
        TerminalOperator { input, output }
    }

    /// Reads one line; `None` at end of input.
    fn read_line(&mut self, question: &str) -> Result<Option<String>, OperatorError> {
        write!(self.output, "{question}")?;
        self.output.flush()?;
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim().to_string()))
    }

    fn ask_values(
        &mut self,
        step: &Step,
    ) -> Result<Option<BTreeMap<String, Vec<f64>>>, OperatorError> {
        let mut values = BTreeMap::new();
        for spec in &step.produces {
            loop {
                let question = format!(
                    "  {} [{}] (numbers, blank = not measured): ",
                    spec.name, spec.unit
                );
                let Some(line) = self.read_line(&question)? else {
                    return Ok(None);
                };
                if line.is_empty() {
                    break;
                }
                match parse_numbers(&line) {
                    Ok(series) => {
                        values.insert(spec.name.clone(), series);
                        break;
                    }
                    Err(bad) => writeln!(self.output, "  `{bad}` is not a number; try again")?,
                }
            }
        }
        Ok(Some(values))
    }

    fn ask_verdict(&mut self) -> Result<Option<Verdict>, OperatorError> {
        loop {
            let Some(line) = self.read_line("  judgement [p]ass / [n]o pass / [na]: ")? else {
                return Ok(None);
            };
            match line.parse::<Verdict>() {
                Ok(v @ (Verdict::Pass | Verdict::NoPass | Verdict::NotApplicable)) => {
                    return Ok(Some(v))
                }
                _ => writeln!(self.output, "  answer p, n or na")?,
            }
        }
    }
}

/// Parses numbers separated by commas or white space.
fn parse_numbers(line: &str) -> Result<Vec<f64>, String> {
    line.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| t.to_string())
        })
        .collect()
}

impl<R: BufRead, W: Write> Operator for TerminalOperator<R, W> {
    fn answer(&mut self, prompt: &Prompt<'_>) -> Result<Reply, OperatorError> {
        let item = prompt.item;
        writeln!(
            self.output,
            "\n{} {} / {} (attempt {})",
            item.id, item.name_zh, item.name_en, prompt.attempt
        )?;
        if prompt.samples > 1 {
            writeln!(
                self.output,
                "  unit: sample {} of {} · {} {} · SN {}",
                prompt.sample,
                prompt.samples,
                prompt.unit.vendor,
                prompt.unit.model,
                prompt.unit.device_sn
            )?;
        }
        writeln!(
            self.output,
            "  method: {}\n  conditions: {}",
            item.method, item.conditions
        )?;
        let Some(choice) = self.read_line("  [Enter] answer  [s] skip  [q] stop: ")? else {
            return Ok(Reply::Stop);
        };
        match choice.as_str() {
            "q" | "Q" => return Ok(Reply::Stop),
            "s" | "S" => {
                let reason = self
                    .read_line("  reason for skipping: ")?
                    .unwrap_or_default();
                let reason = if reason.is_empty() {
                    "no reason given".to_string()
                } else {
                    reason
                };
                return Ok(Reply::Skip(reason));
            }
            _ => {}
        }
        loop {
            let mut answer = ItemAnswer::default();
            for step in &prompt.steps {
                writeln!(self.output, "  step: {}", step.text)?;
                let Some(values) = self.ask_values(step)? else {
                    return Ok(Reply::Stop);
                };
                answer.values.extend(values);
            }
            if prompt.wants_verdict() {
                let Some(verdict) = self.ask_verdict()? else {
                    return Ok(Reply::Stop);
                };
                answer.verdict = Some(verdict);
            }
            answer.note = self.read_line("  note: ")?.unwrap_or_default();
            let files = self
                .read_line("  evidence files (separate with ;): ")?
                .unwrap_or_default();
            answer.attachments = files
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .collect();
            let Some(confirm) = self.read_line("  [Enter] record  [r] re-enter: ")? else {
                return Ok(Reply::Stop);
            };
            if confirm != "r" && confirm != "R" {
                return Ok(Reply::Answer(answer));
            }
        }
    }

    fn source_name(&self) -> String {
        "terminal".to_string()
    }

    fn is_scripted(&self) -> bool {
        false
    }
}
