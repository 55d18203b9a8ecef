//! The operator: the person (or script) who carries out manual steps and answers prompts.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use crate::judge::{judge, Verdict};
use crate::plan::units::parse_entry;
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
    /// Answers an item's preparation: the prompt steps that come before its rig and wait steps
    /// (preparing the solution, initial readings), asked before those steps run. `None` leaves
    /// them to [`Operator::answer`] with the rest (an answers file answers an item at once).
    fn prepare(&mut self, prompt: &Prompt<'_>) -> Result<Option<Reply>, OperatorError> {
        let _ = prompt;
        Ok(None)
    }
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
        item: &Item,
        step: &Step,
    ) -> Result<Option<BTreeMap<String, Vec<f64>>>, OperatorError> {
        let mut values = BTreeMap::new();
        for spec in &step.produces {
            let limits: Vec<String> = item
                .criteria
                .iter()
                .filter(|c| c.measurement == spec.name)
                .map(|c| c.requirement())
                .collect();
            let limit = if limits.is_empty() {
                String::new()
            } else {
                format!(", limit {}", limits.join(" and "))
            };
            let forms = if spec.unit == "grade" {
                "2H, H, F, HB, B or a number of H"
            } else {
                "numbers, or with a unit like `10.1 in`"
            };
            loop {
                let question = format!(
                    "  {} in {}{limit} ({forms}; blank = not measured): ",
                    spec.name, spec.unit
                );
                let Some(line) = self.read_line(&question)? else {
                    return Ok(None);
                };
                if line.is_empty() {
                    break;
                }
                match parse_entry(&line, &spec.unit) {
                    Ok(entered) if !entered.is_empty() => {
                        let echo: Vec<String> = entered
                            .iter()
                            .map(|e| match &e.typed {
                                Some(typed) => {
                                    format!("{} {} (from {typed})", shown(e.value), spec.unit)
                                }
                                None => format!("{} {}", shown(e.value), spec.unit),
                            })
                            .collect();
                        writeln!(self.output, "  = {}", echo.join(", "))?;
                        values.insert(
                            spec.name.clone(),
                            entered.into_iter().map(|e| e.value).collect(),
                        );
                        break;
                    }
                    Ok(_) => {}
                    Err(why) => writeln!(self.output, "  {why}; try again")?,
                }
            }
        }
        Ok(Some(values))
    }

    /// When the operator's judgement contradicts what the entered values give against the
    /// item's limits, says so and asks whether to keep it; `Some(false)` to enter again,
    /// `None` at end of input.
    fn confirm_judgement(
        &mut self,
        item: &Item,
        values: &BTreeMap<String, Vec<f64>>,
        verdict: Verdict,
    ) -> Result<Option<bool>, OperatorError> {
        let judged: Vec<_> = item
            .criteria
            .iter()
            .filter_map(|c| values.get(&c.measurement).map(|series| judge(c, series)))
            .filter(|outcome| outcome.value.is_some())
            .collect();
        let failing: Vec<String> = judged
            .iter()
            .filter(|o| o.verdict == Verdict::NoPass)
            .map(|o| {
                format!(
                    "{} = {} does not meet {}",
                    o.measurement,
                    o.value.unwrap_or_default(),
                    o.requirement
                )
            })
            .collect();
        let contradiction = match verdict {
            Verdict::Pass if !failing.is_empty() => format!(
                "you judged pass, but {}: the item will be recorded no pass",
                failing.join("; ")
            ),
            Verdict::NoPass
                if !judged.is_empty() && judged.iter().all(|o| o.verdict == Verdict::Pass) =>
            {
                "you judged no pass, but every entered value meets its limit".to_string()
            }
            _ => return Ok(Some(true)),
        };
        writeln!(self.output, "  note: {contradiction}")?;
        let Some(choice) = self.read_line("  [k] keep this judgement  [r] re-enter: ")? else {
            return Ok(None);
        };
        Ok(Some(!choice.eq_ignore_ascii_case("r")))
    }

    /// Evidence files, asked again while one of them does not exist.
    fn ask_attachments(&mut self) -> Result<Option<Vec<PathBuf>>, OperatorError> {
        loop {
            let Some(files) = self.read_line("  evidence files (separate with ;): ")? else {
                return Ok(None);
            };
            let paths: Vec<PathBuf> = files
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .collect();
            match paths.iter().find(|p| !p.is_file()) {
                Some(missing) => writeln!(
                    self.output,
                    "  no file {} (from {}); enter the evidence files again",
                    missing.display(),
                    std::env::current_dir()
                        .map_or_else(|_| ".".into(), |d| d.display().to_string())
                )?,
                None => return Ok(Some(paths)),
            }
        }
    }

    /// A reason for skipping; an empty one is refused. `None` at end of input.
    fn ask_skip_reason(&mut self) -> Result<Option<String>, OperatorError> {
        loop {
            let Some(reason) = self.read_line("  reason for skipping: ")? else {
                return Ok(None);
            };
            if !reason.is_empty() {
                return Ok(Some(reason));
            }
            writeln!(self.output, "  a skipped item needs a reason on the record")?;
        }
    }

    /// Prints the item's header and asks whether to answer, skip or stop: `Err` carries the
    /// reply when the operator skipped or stopped.
    fn open_item(
        &mut self,
        prompt: &Prompt<'_>,
        phase: &str,
    ) -> Result<Result<(), Reply>, OperatorError> {
        let item = prompt.item;
        writeln!(
            self.output,
            "\n{} {} / {} (attempt {}){phase}",
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
            return Ok(Err(Reply::Stop));
        };
        match choice.as_str() {
            "q" | "Q" => Ok(Err(Reply::Stop)),
            "s" | "S" => Ok(Err(self
                .ask_skip_reason()?
                .map_or(Reply::Stop, Reply::Skip))),
            _ => Ok(Ok(())),
        }
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

/// A value as the operator reads it back: at most six decimals, without trailing zeros.
fn shown(value: f64) -> String {
    let text = format!("{value:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl<R: BufRead, W: Write> Operator for TerminalOperator<R, W> {
    fn prepare(&mut self, prompt: &Prompt<'_>) -> Result<Option<Reply>, OperatorError> {
        if let Err(reply) = self.open_item(prompt, " — before the exposure")? {
            return Ok(Some(reply));
        }
        let mut answer = ItemAnswer::default();
        for step in &prompt.steps {
            writeln!(self.output, "  step: {}", step.text)?;
            let Some(values) = self.ask_values(prompt.item, step)? else {
                return Ok(Some(Reply::Stop));
            };
            answer.values.extend(values);
        }
        Ok(Some(Reply::Answer(answer)))
    }

    fn answer(&mut self, prompt: &Prompt<'_>) -> Result<Reply, OperatorError> {
        if let Err(reply) = self.open_item(prompt, "")? {
            return Ok(reply);
        }
        loop {
            let mut answer = ItemAnswer::default();
            for step in &prompt.steps {
                writeln!(self.output, "  step: {}", step.text)?;
                let Some(values) = self.ask_values(prompt.item, step)? else {
                    return Ok(Reply::Stop);
                };
                answer.values.extend(values);
            }
            if prompt.wants_verdict() {
                let Some(verdict) = self.ask_verdict()? else {
                    return Ok(Reply::Stop);
                };
                match self.confirm_judgement(prompt.item, &answer.values, verdict)? {
                    None => return Ok(Reply::Stop),
                    Some(false) => continue,
                    Some(true) => answer.verdict = Some(verdict),
                }
            }
            answer.note = self.read_line("  note: ")?.unwrap_or_default();
            let Some(attachments) = self.ask_attachments()? else {
                return Ok(Reply::Stop);
            };
            answer.attachments = attachments;
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
