//! `facebench history`: list indexed runs, one item's results across runs (with a trend chart),
//! and `history rebuild` to recreate a run's index from its folder; plus the end of a run's
//! live indexing (`facebench run --db`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::exit::CliError;
use crate::history::db::OpenMode;
use crate::history::target::DEFAULT_SQLITE;
use crate::history::{
    item_results, list_runs, rebuild, DbTarget, HistoryDb, HistoryError, ItemFilter, ItemResultRow,
    LiveIndex, LiveOutcome, RunFilter, RunRow,
};
use crate::judge::Verdict;
use crate::report::charts::{write_trend_chart, TrendChart, TrendPoint};

/// Bound on connecting and on each statement of a `history` command.
const TIMEOUT: Duration = Duration::from_secs(10);

/// How long the end of a run waits for its final indexing.
const FINAL_WAIT: Duration = Duration::from_secs(10);

/// Arguments of `facebench history`: without a subcommand, the runs matching the filters.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryArgs {
    /// `item` or `rebuild`.
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
    /// Filters of the run list.
    #[command(flatten)]
    pub list: ListArgs,
}

/// The database flag every history command takes.
#[derive(Debug, Args)]
pub struct DbArg {
    /// History database: a SQLite file or a postgres://USER:PASSWORD@HOST:PORT/DB URL
    /// (default: the FACEBENCH_DB environment variable, else reports/history.sqlite).
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<String>,
}

/// Subcommands of `facebench history`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// One item's results across runs, with its measured values (and a trend chart).
    Item(ItemArgs),
    /// Recreate the index of runs from their folders (the journal is the source of truth).
    Rebuild(RebuildArgs),
}

/// Filters of `facebench history`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Runs with a unit of this model.
    #[arg(long)]
    pub model: Option<String>,
    /// Runs with the unit of this device SN.
    #[arg(long)]
    pub sn: Option<String>,
    /// Runs of this standard id.
    #[arg(long)]
    pub standard: Option<String>,
    /// Runs started on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Runs started on or before this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Runs with this overall verdict: pass, no-pass, na, not-tested or error.
    #[arg(long)]
    pub verdict: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The database.
    #[command(flatten)]
    pub db: DbArg,
}

/// Arguments of `facebench history item`.
#[derive(Debug, Args)]
pub struct ItemArgs {
    /// Item id, e.g. CLM-001.
    pub item: String,
    /// Only units of this model.
    #[arg(long)]
    pub model: Option<String>,
    /// Only this measurement's values (and the one the chart draws).
    #[arg(long, value_name = "NAME")]
    pub measure: Option<String>,
    /// Every result: re-runs and corrected results too, not only the latest per run and unit.
    #[arg(long)]
    pub all: bool,
    /// Write a trend chart (PNG) of the measurement over the runs.
    #[arg(long, value_name = "OUT.png")]
    pub chart: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The database.
    #[command(flatten)]
    pub db: DbArg,
}

/// Arguments of `facebench history rebuild`.
#[derive(Debug, Args)]
pub struct RebuildArgs {
    /// Run directories to index again.
    #[arg(required = true, value_name = "RUN_DIR")]
    pub run_dirs: Vec<PathBuf>,
    /// The database.
    #[command(flatten)]
    pub db: DbArg,
}

/// Runs `facebench history`.
pub fn execute(args: HistoryArgs) -> Result<ExitCode, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::harness)?;
    match args.command {
        None => runtime.block_on(list(args.list)),
        Some(HistoryCommand::Item(item)) => runtime.block_on(item_command(item)),
        Some(HistoryCommand::Rebuild(rebuild)) => runtime.block_on(rebuild_command(rebuild)),
    }
}

/// The database a history command uses: `--db`, else `FACEBENCH_DB`, else [`DEFAULT_SQLITE`].
async fn open(arg: &DbArg, mode: OpenMode) -> Result<HistoryDb, CliError> {
    let target = DbTarget::from_flag_or_env(arg.db.as_deref())
        .map_err(CliError::input)?
        .unwrap_or_else(DbTarget::default_sqlite);
    HistoryDb::open(&target, mode, TIMEOUT)
        .await
        .map_err(history_error)
}

/// An input error when the user named something wrong, else a harness error.
fn history_error(error: HistoryError) -> CliError {
    if error.is_input_error() {
        CliError::input(error)
    } else {
        CliError::harness(error)
    }
}

async fn list(args: ListArgs) -> Result<ExitCode, CliError> {
    let filter = RunFilter {
        model: args.model,
        sn: args.sn,
        standard: args.standard,
        since: args
            .since
            .as_deref()
            .map(|d| day("--since", d))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|d| day("--until", d))
            .transpose()?,
        verdict: args
            .verdict
            .as_deref()
            .map(|text| {
                text.parse::<Verdict>()
                    .map_err(|e| CliError::input(anyhow::anyhow!("--verdict: {e}")))
            })
            .transpose()?,
    };
    let db = open(&args.db, OpenMode::Existing).await?;
    let runs = list_runs(&db, &filter).await.map_err(history_error)?;
    db.close().await;
    if args.json {
        print_json(&runs)?;
    } else {
        print!("{}", runs_table(&runs));
    }
    Ok(ExitCode::SUCCESS)
}

/// A `YYYY-MM-DD` day.
fn day(flag: &str, text: &str) -> Result<chrono::NaiveDate, CliError> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|e| {
        CliError::input(anyhow::anyhow!(
            "{flag} {text}: not a YYYY-MM-DD date ({e})"
        ))
    })
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(CliError::harness)?;
    println!("{text}");
    Ok(())
}

/// The run list as a table, newest first.
fn runs_table(runs: &[RunRow]) -> String {
    if runs.is_empty() {
        return "no runs match\n".into();
    }
    let mut out = format!(
        "{:<17} {:<10} {:<10} {:<16} {:<18} {:<25} {}\n",
        "started (UTC)", "verdict", "status", "model", "standard", "SN", "run"
    );
    for run in runs {
        let sns: Vec<&str> = run.units.iter().map(|u| u.device_sn.as_str()).collect();
        out += &format!(
            "{:<17} {:<10} {:<10} {:<16} {:<18} {:<25} {} ({})\n",
            minute(&run.started_utc),
            run.verdict.as_deref().unwrap_or("-"),
            run.status,
            run.model,
            run.standard,
            sns.join(" "),
            run.run_id,
            run.run_dir
        );
    }
    out += &format!("{} run(s)\n", runs.len());
    out
}

/// `2026-03-02T10:15:30.000Z` as `2026-03-02 10:15`.
fn minute(utc: &str) -> String {
    utc.get(..16).unwrap_or(utc).replace('T', " ")
}

async fn item_command(args: ItemArgs) -> Result<ExitCode, CliError> {
    let filter = ItemFilter {
        item: args.item.clone(),
        model: args.model.clone(),
        measure: args.measure.clone(),
        all: args.all,
    };
    let db = open(&args.db, OpenMode::Existing).await?;
    let rows = item_results(&db, &filter).await.map_err(history_error)?;
    db.close().await;
    if let Some(out) = &args.chart {
        let chart = trend_chart(&args, &rows)?;
        write_trend_chart(&chart, out).map_err(|e| CliError::harness(anyhow::anyhow!(e)))?;
        if !args.json {
            println!("chart: {} ({} points)", out.display(), chart.points.len());
        }
    }
    if args.json {
        print_json(&rows)?;
    } else {
        print!("{}", item_table(&args.item, &rows));
    }
    Ok(ExitCode::SUCCESS)
}

/// The item's results as a table, oldest run first.
fn item_table(item: &str, rows: &[ItemResultRow]) -> String {
    if rows.is_empty() {
        return format!("no results of {item} in the history\n");
    }
    let mut out = format!(
        "{:<17} {:<16} {:<25} {:>3} {:>3} {:<10} values\n",
        "run started", "run", "SN", "#", "try", "verdict"
    );
    for row in rows {
        let values: Vec<String> = row
            .values
            .iter()
            .filter_map(|v| {
                let value = v.value()?;
                let unit = if v.unit.is_empty() {
                    String::new()
                } else {
                    format!(" {}", v.unit)
                };
                Some(format!("{}={}{unit}", v.name, shown(value)))
            })
            .collect();
        out += &format!(
            "{:<17} {:<16} {:<25} {:>3} {:>3} {:<10} {}\n",
            minute(&row.run_started_utc),
            row.run_id,
            row.device_sn,
            row.sample,
            row.attempt,
            row.verdict,
            values.join(", ")
        );
    }
    out += &format!("{} result(s)\n", rows.len());
    out
}

/// The trend chart of `--measure` (else the first measurement the results have).
fn trend_chart(args: &ItemArgs, rows: &[ItemResultRow]) -> Result<TrendChart, CliError> {
    let measure = match &args.measure {
        Some(measure) => measure.clone(),
        None => rows
            .iter()
            .flat_map(|r| &r.values)
            .find(|v| v.value().is_some())
            .map(|v| v.name.clone())
            .ok_or_else(|| {
                CliError::input(anyhow::anyhow!(
                    "--chart: no measured value of {} in the history to draw",
                    args.item
                ))
            })?,
    };
    let mut unit = String::new();
    let points: Vec<TrendPoint> = rows
        .iter()
        .filter_map(|row| {
            let value = row
                .values
                .iter()
                .find(|v| v.name.eq_ignore_ascii_case(&measure))?;
            if unit.is_empty() {
                unit.clone_from(&value.unit);
            }
            Some(TrendPoint {
                label: format!(
                    "{} …{}",
                    row.run_started_utc
                        .get(..10)
                        .unwrap_or(&row.run_started_utc),
                    tail(&row.device_sn, 4)
                ),
                value: value.value()?,
                verdict: row.verdict.parse().unwrap_or(Verdict::NotTested),
            })
        })
        .collect();
    if points.is_empty() {
        return Err(CliError::input(anyhow::anyhow!(
            "--chart: no value of {measure} for {} in the history",
            args.item
        )));
    }
    let model = args
        .model
        .as_deref()
        .map(|m| format!(", {m}"))
        .unwrap_or_default();
    Ok(TrendChart {
        title: format!("{} {measure}{model}", args.item),
        y_label: if unit.is_empty() {
            measure
        } else {
            format!("{measure} / {unit}")
        },
        points,
    })
}

/// A value with at most three decimals and no trailing zeros: `29.5`, `-10`, `0.125`.
fn shown(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// The last `n` characters of `text`.
fn tail(text: &str, n: usize) -> &str {
    let start = text
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    &text[start..]
}

async fn rebuild_command(args: RebuildArgs) -> Result<ExitCode, CliError> {
    let db = open(&args.db, OpenMode::Create).await?;
    for run_dir in &args.run_dirs {
        let report = rebuild(&db, run_dir).await.map_err(history_error)?;
        println!(
            "{}: run {} indexed into {} ({} journal entries, {} series file(s))",
            run_dir.display(),
            report.run_id,
            db.shown(),
            report.watermark,
            report.series_files
        );
    }
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Starts indexing the run in `run_dir` into `target` as it runs.
pub(super) fn start_indexing(target: DbTarget, run_dir: &Path) -> LiveIndex {
    LiveIndex::start(target, run_dir.to_path_buf(), Default::default())
}

/// Ends a run's live indexing: waits for the final catch-up at most [`FINAL_WAIT`] and, when the
/// database could not take it, says so and how to index the run later. The run's outcome does
/// not depend on it.
pub(super) fn finish_indexing(live: LiveIndex, target: &DbTarget, run_dir: &Path) {
    match live.finish(FINAL_WAIT) {
        LiveOutcome::Indexed { watermark } => {
            tracing::info!(db = %target, watermark, "run indexed into the history");
        }
        LiveOutcome::NotIndexed { reason } => {
            let db = match target {
                DbTarget::Sqlite(path) if path == Path::new(DEFAULT_SQLITE) => String::new(),
                _ => format!(" --db '{target}'"),
            };
            eprintln!(
                "warning: the run is not (fully) in the history database: {reason}\n\
                 warning: index it later with: facebench history rebuild {}{db}",
                run_dir.display()
            );
            tracing::warn!(db = %target, "run not indexed: {reason}");
        }
    }
}
