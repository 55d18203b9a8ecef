//! Rebuilding a run's reports and printing its summary table.

use std::path::Path;

use super::exit::CliError;
use super::loaded_run::LoadedRun;
use crate::judge::{Verdict, VerdictCounts};
use crate::report::status::{sample_counts, sheet_statuses, shortfalls, total_counts, SheetStatus};
use crate::report::{write_pdf, write_reports, ReportFiles, PDF_FILE};

/// What [`report_run`] concluded.
#[derive(Debug)]
pub struct RunReport {
    /// Overall verdict over the applicable sheets.
    pub overall: Verdict,
    /// The files written per model (with the model's charts).
    pub files: Vec<ReportFiles>,
}

/// Rebuilds `<run dir>/report/` from the journal and prints the summary of every model: its
/// counts per sheet (items merged over the samples), each sample's own counts, the items that
/// ask for more samples than the model has, and the files written.
pub fn report_run(run_dir: &Path) -> Result<RunReport, CliError> {
    report_run_with(run_dir, false)
}

/// [`report_run`], and with `pdf` also each model's PDF test report ([`PDF_FILE`] next to its
/// workbook).
pub fn report_run_with(run_dir: &Path, pdf: bool) -> Result<RunReport, CliError> {
    let run = LoadedRun::open(run_dir)?;
    let written = write_reports(&run.dir.report_dir(), &run.plan, &run.standard, &run.state)
        .map_err(CliError::harness)?;
    let mut verdicts = Vec::with_capacity(written.len());
    for files in &written {
        verdicts.push(print_model(&run, files));
        if pdf {
            let path = files.folder.join(PDF_FILE);
            write_pdf(
                &path,
                &run.plan,
                &run.standard,
                &run.state,
                &files.model,
                &files.charts,
            )
            .map_err(CliError::harness)?;
            println!("pdf:      {}", path.display());
        }
    }
    let overall = Verdict::worst(verdicts).unwrap_or(Verdict::NotTested);
    if written.len() > 1 {
        println!("\noverall, {} models: {overall}", written.len());
    }
    Ok(RunReport {
        overall,
        files: written,
    })
}

/// Prints one model's summary and returns its overall verdict.
fn print_model(run: &LoadedRun, files: &ReportFiles) -> Verdict {
    let model = &files.model;
    let sheets = sheet_statuses(&run.plan, &run.standard, &run.state, model);
    let unit = model.first_unit();
    println!(
        "\n{} {} ({}), {} sample(s), standard {} v{}",
        model.vendor,
        model.model,
        unit.device_type,
        model.samples.len(),
        run.standard.name_zh,
        run.standard.version
    );
    println!(
        "{:<14} {:>5} {:>8} {:>4} {:>11} {:>6} {:>6}",
        "sheet", "pass", "no pass", "NA", "not tested", "error", "total"
    );
    for sheet in &sheets {
        print_counts(&pad_cjk(sheet.sheet.name_zh(), 14), sheet.counts);
    }
    let total = total_counts(&sheets);
    print_counts(&format!("{:<14}", "all"), total);
    for (sample, unit) in &model.samples {
        print_counts(
            &format!("{:<14}", format!("sample {sample}")),
            sample_counts(&sheets, *sample),
        );
        println!(
            "{:<14} SN {}, camera {}",
            "", unit.device_sn, unit.camera_sn
        );
    }
    let short: Vec<String> = shortfalls(&sheets)
        .map(|(item, short)| format!("{} ({})", item.item.id, short.asked))
        .collect();
    if !short.is_empty() {
        println!(
            "too few samples ({} run) for: {}",
            model.samples.len(),
            short.join(", ")
        );
    }
    print_unfinished(&sheets);
    let overall = total.overall().unwrap_or(Verdict::NotTested);
    println!("overall: {overall}");
    println!("workbook: {}", files.workbook.display());
    for (_, csv) in &files.csv {
        println!("csv:      {}", csv.display());
    }
    println!("json:     {}", files.json.display());
    overall
}

/// The items that are not tested or in error, each with its reason, so an overall verdict
/// that is not a pass says why.
fn print_unfinished(sheets: &[SheetStatus<'_>]) {
    let unfinished = sheets
        .iter()
        .flat_map(|sheet| &sheet.items)
        .filter(|item| matches!(item.verdict, Verdict::NotTested | Verdict::Error));
    for (index, item) in unfinished.enumerate() {
        let label = if index == 0 { "not finished:" } else { "" };
        let reason = item.reason().unwrap_or_else(|| "not run".to_string());
        println!("{label:<14} {} {}: {reason}", item.item.id, item.verdict);
    }
}

/// One row of the count table after its (padded) label.
fn print_counts(label: &str, c: VerdictCounts) {
    println!(
        "{label} {:>5} {:>8} {:>4} {:>11} {:>6} {:>6}",
        c.pass,
        c.no_pass,
        c.not_applicable,
        c.not_tested,
        c.error,
        c.total()
    );
}

/// Pads to a display width, counting CJK characters as two columns.
pub fn pad_cjk(text: &str, width: usize) -> String {
    let shown: usize = text
        .chars()
        .map(|c| if c.len_utf8() > 1 { 2 } else { 1 })
        .sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
}
