//! `facebench record`: enter or correct a manual result afterwards. A correction is a new journal
//! event; the earlier result stays in the history.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::exit::{self, CliError};
use super::loaded_run::LoadedRun;
use super::summary::report_run;
use crate::clock::SystemClock;
use crate::journal::{
    ItemResult, JournalError, JournalWriter, ResultSource, RunDir, RunEvent, RunState,
};
use crate::judge::Verdict;
use crate::plan::units::parse_entry;
use crate::plan::MeasurementSpec;
use crate::runner::evaluate;
use crate::unit::Unit;

/// Arguments of `facebench record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The run directory.
    pub run_dir: PathBuf,
    /// Item id (e.g. COT-002).
    pub item: String,
    /// The operator's judgement: pass, no pass or na.
    #[arg(long)]
    pub verdict: Option<Verdict>,
    /// A measured value: NAME=VALUE or NAME=V1,V2,… for a series (repeatable).
    #[arg(long = "value", value_name = "NAME=VALUE")]
    pub values: Vec<String>,
    /// Note.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Evidence file to copy into the run (repeatable).
    #[arg(long = "attach", value_name = "FILE")]
    pub attachments: Vec<PathBuf>,
    /// Why the result is entered or corrected afterwards (required: it goes on the History
    /// sheet).
    #[arg(long)]
    pub reason: String,
    /// Who enters it (default: the current user, from $USER or $USERNAME).
    #[arg(long)]
    pub operator: Option<String>,
    /// Which unit of the run: its sample number (from 1) or its device serial number.
    /// Required when the run has several units.
    #[arg(long, value_name = "N|SN")]
    pub sample: Option<String>,
}

/// Runs `facebench record`. The run directory's lock is taken before anything is read or
/// copied, so a record beside a live run is refused (exit 2) naming the run that holds it.
pub fn execute(args: RecordArgs) -> Result<ExitCode, CliError> {
    let dir = RunDir::open(&args.run_dir).map_err(CliError::input)?;
    let (mut journal, _) =
        JournalWriter::resume(&dir, Arc::new(SystemClock::new())).map_err(journal_error)?;
    let run = LoadedRun::open(&args.run_dir)?;
    let item = run.plan.item(&args.item).ok_or_else(|| {
        CliError::input(anyhow::anyhow!(
            "item `{}` is not in the plan of {}",
            args.item,
            args.run_dir.display()
        ))
    })?;
    let produced: Vec<&MeasurementSpec> = item.steps.iter().flat_map(|s| &s.produces).collect();
    if args.reason.trim().is_empty() {
        return Err(CliError::input(anyhow::anyhow!(
            "--reason is empty: say why {} is entered or corrected afterwards",
            item.id
        )));
    }
    let values = parse_values(&args.values, &produced)?;
    if values.is_empty() && args.verdict.is_none() {
        return Err(CliError::input(anyhow::anyhow!(
            "give --verdict and/or --value for {} (measurements: {})",
            item.id,
            names(&produced)
        )));
    }
    let evaluation = evaluate(item, &values, args.verdict);
    let attachments = args
        .attachments
        .iter()
        .map(|path| run.dir.copy_attachment(&item.id, path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::input)?;
    let (sample, unit) = chosen_sample(&run.state, args.sample.as_deref(), &args.run_dir)?;
    let previous = run.state.result(&item.id, sample).map(|r| r.verdict);
    let reason = [
        Some(args.reason.trim().to_string()),
        evaluation.reason.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("; ");
    let result = ItemResult {
        item: item.id.clone(),
        sample,
        device_sn: unit.device_sn.clone(),
        verdict: evaluation.verdict,
        source: ResultSource::Record,
        operator: args.operator.clone().unwrap_or_else(current_user),
        measurements: evaluation.measurements,
        criteria: evaluation.criteria,
        operator_verdict: args.verdict,
        reason: (!reason.is_empty()).then_some(reason),
        note: args.note.clone(),
        attachments,
    };
    journal
        .record(RunEvent::ItemResult(result.clone()))
        .map_err(CliError::harness)?;
    let label = match run.state.units.len() {
        1 => item.id.clone(),
        _ => format!("{} sample {sample} ({})", item.id, unit.device_sn),
    };
    match previous {
        Some(before) => println!("{label}: {before} → {}", result.verdict),
        None => println!("{label}: {}", result.verdict),
    }
    let report = report_run(&args.run_dir)?;
    Ok(exit::for_verdict(report.overall))
}

/// A journal that cannot be opened for writing: the user's doing (a used or damaged run
/// directory) or the machine's.
pub(super) fn journal_error(error: JournalError) -> CliError {
    if error.is_input_error() {
        CliError::input(error)
    } else {
        CliError::harness(error)
    }
}

/// Who records when `--operator` is not given: the logged-in user.
fn current_user() -> String {
    ["USER", "USERNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .map(|name| name.trim().to_string())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown user".to_string())
}

fn names(produced: &[&MeasurementSpec]) -> String {
    produced
        .iter()
        .map(|m| format!("{} ({})", m.name, m.unit))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `NAME=V[,V…]` arguments; names must be measurements the item produces, and values
/// are numbers in the measurement's unit, numbers with a unit that converts to it
/// (`width=10.1 in`) or pencil grades (`pencil_hardness=2H`).
fn parse_values(
    args: &[String],
    produced: &[&MeasurementSpec],
) -> Result<BTreeMap<String, Vec<f64>>, CliError> {
    let mut values = BTreeMap::new();
    for arg in args {
        let (name, list) = arg.split_once('=').ok_or_else(|| {
            CliError::input(anyhow::anyhow!("--value {arg:?}: expected NAME=VALUE"))
        })?;
        let name = name.trim();
        let Some(spec) = produced.iter().find(|m| m.name == name) else {
            return Err(CliError::input(anyhow::anyhow!(
                "--value {arg:?}: this item has no measurement `{name}` (it has: {})",
                names(produced)
            )));
        };
        let series = list
            .split(',')
            .map(|entry| match parse_entry(entry, &spec.unit) {
                Ok(entered) if entered.len() == 1 => Ok(entered[0].value),
                Ok(_) => Err(format!("`{}` is not one value", entry.trim())),
                Err(why) => Err(why),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|why| CliError::input(anyhow::anyhow!("--value {arg:?}: {why}")))?;
        values.insert(name.to_string(), series);
    }
    Ok(values)
}

/// The unit `--sample` names: a sample number or a device serial number; the only unit when
/// the run has one.
fn chosen_sample<'a>(
    state: &'a RunState,
    wanted: Option<&str>,
    run_dir: &std::path::Path,
) -> Result<(u32, &'a Unit), CliError> {
    let units = state
        .samples()
        .map(|(n, unit)| format!("{n} ({})", unit.device_sn))
        .collect::<Vec<_>>()
        .join(", ");
    let found = match wanted {
        None if state.units.len() == 1 => state.samples().next(),
        None => {
            return Err(CliError::input(anyhow::anyhow!(
                "{} has {} units: give --sample with one of {units}",
                run_dir.display(),
                state.units.len()
            )))
        }
        Some(text) => state.samples().find(|(n, unit)| {
            text.parse::<u32>().ok() == Some(*n) || unit.device_sn == text.trim()
        }),
    };
    found.ok_or_else(|| {
        CliError::input(anyhow::anyhow!(
            "--sample {:?} is not a unit of {}; its units are {units}",
            wanted.unwrap_or_default(),
            run_dir.display()
        ))
    })
}
