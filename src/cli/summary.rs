//! Rebuilding a run's reports and printing its summary table.

use std::path::Path;

use super::exit::CliError;
use super::loaded_run::LoadedRun;
use crate::judge::Verdict;
use crate::report::status::{sheet_statuses, total_counts};
use crate::report::write_reports;

/// What [`report_run`] concluded.
#[derive(Debug)]
pub struct RunReport {
    /// Overall verdict over the applicable sheets.
    pub overall: Verdict,
}

/// Rebuilds `<run dir>/report/` from the journal and prints the summary.
pub fn report_run(run_dir: &Path) -> Result<RunReport, CliError> {
    let run = LoadedRun::open(run_dir)?;
    let files = write_reports(&run.dir.report_dir(), &run.plan, &run.standard, &run.state)
        .map_err(CliError::harness)?;
    let sheets = sheet_statuses(&run.plan, &run.standard, &run.state);
    let unit = run.state.first_unit();
    println!(
        "\n{} {} ({}), SN {}, standard {} v{}",
        unit.vendor,
        unit.model,
        unit.device_type,
        unit.device_sn,
        run.standard.name_zh,
        run.standard.version
    );
    println!(
        "{:<14} {:>5} {:>8} {:>4} {:>11} {:>6} {:>6}",
        "sheet", "pass", "no pass", "NA", "not tested", "error", "total"
    );
    for sheet in &sheets {
        let c = sheet.counts;
        println!(
            "{} {:>5} {:>8} {:>4} {:>11} {:>6} {:>6}",
            pad_cjk(sheet.sheet.name_zh(), 14),
            c.pass,
            c.no_pass,
            c.not_applicable,
            c.not_tested,
            c.error,
            c.total()
        );
    }
    let total = total_counts(&sheets);
    println!(
        "{:<14} {:>5} {:>8} {:>4} {:>11} {:>6} {:>6}",
        "all",
        total.pass,
        total.no_pass,
        total.not_applicable,
        total.not_tested,
        total.error,
        total.total()
    );
    let overall = total.overall().unwrap_or(Verdict::NotTested);
    println!("overall: {overall}");
    println!("workbook: {}", files.workbook.display());
    for (_, csv) in &files.csv {
        println!("csv:      {}", csv.display());
    }
    println!("json:     {}", files.json.display());
    Ok(RunReport { overall })
}

/// Pads to a display width, counting CJK characters as two columns.
pub fn pad_cjk(text: &str, width: usize) -> String {
    let shown: usize = text
        .chars()
        .map(|c| if c.len_utf8() > 1 { 2 } else { 1 })
        .sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}
