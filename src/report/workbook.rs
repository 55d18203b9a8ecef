//! The filled test-case workbook: a summary sheet, one sheet per applicable category, the
//! charts (when the run has series) and the history of every result.

use std::path::Path;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::catalog::Standard;
use crate::journal::{write_atomically, HistoryEntry, ResultSource, RunState};
use crate::judge::{Verdict, VerdictCounts};
use crate::plan::{Item, Plan};

use super::charts::{write_charts_sheet, Charts};
use super::layout::{fit_row, split_tall_row, PageHeading};
use super::model::Model;
use super::row::{headers, result_measured_text, row_cells, RESULT_COLUMN};
use super::status::{
    overall, sample_counts, sheet_statuses, shortfalls, total_counts, SheetStatus,
};
use super::ReportError;

/// Name of the summary sheet, the first in the workbook.
pub const SUMMARY_SHEET: &str = "汇总 Summary";

/// Name of the sheet listing every result, corrections and re-runs included.
pub const HISTORY_SHEET: &str = "History";

/// Column widths of the item sheets up to the result column, in
/// [`HEADERS`](super::row::HEADERS) order (Excel character units).
const ITEM_COLUMN_WIDTHS: [f64; 7] = [10.0, 18.0, 24.0, 36.0, 34.0, 26.0, 11.0];

/// Width of each sample's result column while a model has at most [`WIDE_SAMPLES`] samples:
/// its header shows `样品 n / Sample n` and the 23-character SN (bold) on one line each.
const SAMPLE_COLUMN_WIDTH: f64 = 29.0;

/// Width of each sample's result column for more samples: the SN wraps, so that the page
/// (fitted to one width) keeps a legible font.
const NARROW_SAMPLE_COLUMN_WIDTH: f64 = 12.0;

/// The most samples that get [`SAMPLE_COLUMN_WIDTH`]: a second wide column of a one-word
/// verdict would shrink the printed page (fitted to one width) to under half size.
const WIDE_SAMPLES: usize = 1;

/// Widths of the note and evidence columns after the sample columns.
const TRAILING_COLUMN_WIDTHS: [f64; 2] = [28.0, 30.0];

/// The widths of every column of an item sheet with `samples` sample columns.
fn item_column_widths(samples: usize) -> Vec<f64> {
    ITEM_COLUMN_WIDTHS
        .into_iter()
        .chain(std::iter::repeat_n(
            if samples <= WIDE_SAMPLES {
                SAMPLE_COLUMN_WIDTH
            } else {
                NARROW_SAMPLE_COLUMN_WIDTH
            },
            samples,
        ))
        .chain(TRAILING_COLUMN_WIDTHS)
        .collect()
}

/// A4 in Excel's paper-size numbering.
pub(crate) const PAPER_A4: u8 = 9;

/// Writes the workbook of `model` (one of [`models`](super::models)`(state)`) to `path`.
pub fn write_workbook(
    path: &Path,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
    model: &Model,
) -> Result<(), ReportError> {
    write_workbook_with_charts(path, plan, standard, state, model, &Charts::default())
}

/// Writes the workbook with a charts sheet (when there are charts) and the chart files in each
/// item's evidence cell.
pub(super) fn write_workbook_with_charts(
    path: &Path,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
    model: &Model,
    charts: &Charts,
) -> Result<(), ReportError> {
    let xlsx = |source| ReportError::Xlsx {
        path: path.display().to_string(),
        source,
    };
    let sheets = sheet_statuses(plan, standard, state, model);
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    write_summary(
        workbook.add_worksheet(),
        &styles,
        plan,
        standard,
        state,
        model,
        &sheets,
    )
    .map_err(xlsx)?;
    for sheet in &sheets {
        write_item_sheet(workbook.add_worksheet(), &styles, sheet, model, charts).map_err(xlsx)?;
    }
    if !charts.charts.is_empty() {
        write_charts_sheet(workbook.add_worksheet(), &styles, charts).map_err(xlsx)?;
    }
    write_history(workbook.add_worksheet(), &styles, plan, state, model).map_err(xlsx)?;
    let heading = page_heading(standard, state, model);
    for sheet in workbook.worksheets_mut() {
        heading.apply(sheet);
    }
    save_workbook(&mut workbook, path)
}

/// Saves a workbook atomically (see [`write_atomically`]): a kill or a full disk never leaves
/// a truncated or empty workbook under its final name.
pub(crate) fn save_workbook(workbook: &mut Workbook, path: &Path) -> Result<(), ReportError> {
    write_atomically(
        path,
        |file| {
            workbook
                .save_to_writer(file)
                .map_err(|source| ReportError::Xlsx {
                    path: path.display().to_string(),
                    source,
                })
        },
        ReportError::io,
    )
}

/// The report number: the run's start (UTC, to the second) and the last six characters of the
/// SN (its serial part) of the model's first sample, which together name one model's report of
/// one run and stay short enough for a page header.
pub fn report_number(state: &RunState, model: &Model) -> String {
    let sn: Vec<char> = model.first_unit().device_sn.chars().collect();
    let tail: String = sn[sn.len().saturating_sub(6)..].iter().collect();
    format!("FB-{}-{tail}", state.started_utc.format("%Y%m%d-%H%M%S"))
}

fn page_heading(standard: &Standard, state: &RunState, model: &Model) -> PageHeading {
    let sns: Vec<&str> = model
        .samples
        .iter()
        .map(|(_, u)| u.device_sn.as_str())
        .collect();
    // Several SNs do not fit a page header: the summary and the column headers list them.
    let units = match sns.as_slice() {
        [sn] => format!("SN {sn}"),
        _ => format!("{} samples", sns.len()),
    };
    PageHeading {
        report: format!("报告 Report {}", report_number(state, model)),
        unit: format!("{} {} · {units}", model.vendor, model.model),
        standard: format!("{} v{}", standard.name_zh, standard.version),
    }
}

/// The background and text colours (0xRRGGBB) of a verdict's cell, in the workbook and the PDF.
pub(crate) fn verdict_colours(verdict: Verdict) -> (u32, u32) {
    match verdict {
        Verdict::Pass => (0xC6EFCE, 0x006100),
        Verdict::NoPass => (0xFFC7CE, 0x9C0006),
        Verdict::NotApplicable => (0xD9D9D9, 0x3A3A3A),
        Verdict::NotTested => (0xFFEB9C, 0x7A4600),
        Verdict::Error => (0xE4D7F0, 0x5B2C83),
    }
}

/// The formats used throughout.
pub(crate) struct Styles {
    pub(crate) title: Format,
    pub(crate) header: Format,
    pub(crate) label: Format,
    pub(crate) text: Format,
    pub(crate) number: Format,
}

impl Styles {
    pub(crate) fn new() -> Styles {
        let cell = Format::new()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_border(FormatBorder::Thin);
        Styles {
            title: Format::new().set_bold().set_font_size(14),
            header: cell
                .clone()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7)),
            label: cell.clone().set_bold(),
            number: cell.clone().set_align(FormatAlign::Center),
            text: cell,
        }
    }

    /// The coloured result cell of a verdict.
    pub(crate) fn verdict(&self, verdict: Verdict) -> Format {
        let (fill, font) = verdict_colours(verdict);
        self.text
            .clone()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_background_color(Color::RGB(fill))
            .set_font_color(Color::RGB(font))
    }
}

/// Landscape A4, one page wide, header row repeated, frozen below the header.
pub(crate) fn set_up_page(sheet: &mut Worksheet, header_row: u32) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(PAPER_A4);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(header_row, header_row)?;
    sheet.set_freeze_panes(header_row + 1, 0)?;
    Ok(())
}

/// Pairs each cell's text with its column's width, for [`fit_row`].
pub(crate) fn cells_with_widths<'a, S: AsRef<str>>(
    cells: &'a [S],
    widths: &[f64],
) -> Vec<(&'a str, f64)> {
    cells
        .iter()
        .map(AsRef::as_ref)
        .zip(widths.iter().copied())
        .collect()
}

/// Height of a row in the 14 pt title style, so its text does not run into the row above.
pub(crate) const TITLE_ROW_PT: f64 = 21.0;

/// The top of a checklist-style sheet (camera checklist, software pre-check): the column
/// widths, the title on the first row, then from the third row one row per header field (label
/// over the first two columns, value over the rest, heights fitted to the text) and the overall
/// verdict.
pub(crate) fn write_title_block(
    sheet: &mut Worksheet,
    styles: &Styles,
    widths: &[f64],
    title: &str,
    fields: &[(&str, &str)],
    verdict: Verdict,
) -> Result<(), XlsxError> {
    for (col, width) in (0u16..).zip(widths) {
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_row_height(0, TITLE_ROW_PT)?;
    sheet.write_string_with_format(0, 0, title, &styles.title)?;
    // The labels span the number and check columns, the values the rest, so neither is
    // squeezed into the narrow number column.
    let label_width = widths.iter().take(2).sum();
    let value_width: f64 = widths.iter().skip(2).sum();
    let last_col = u16::try_from(widths.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let mut row = 2u32;
    for &(label, value) in fields {
        sheet.merge_range(row, 0, row, 1, label, &styles.label)?;
        sheet.merge_range(row, 2, row, last_col, value, &styles.text)?;
        fit_row(sheet, row, &[(label, label_width), (value, value_width)])?;
        row += 1;
    }
    sheet.merge_range(row, 0, row, 1, "结论 Verdict", &styles.label)?;
    sheet.write_string_with_format(row, 2, verdict.label(), &styles.verdict(verdict))?;
    Ok(())
}

pub(crate) fn write_header(
    sheet: &mut Worksheet,
    styles: &Styles,
    row: u32,
    headers: &[&str],
) -> Result<(), XlsxError> {
    for (col, header) in (0u16..).zip(headers) {
        sheet.write_string_with_format(row, col, *header, &styles.header)?;
    }
    Ok(())
}

fn write_item_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    status: &SheetStatus<'_>,
    model: &Model,
    charts: &Charts,
) -> Result<(), XlsxError> {
    sheet.set_name(status.sheet.name_zh())?;
    let widths = item_column_widths(model.samples.len());
    for (col, width) in (0u16..).zip(widths.iter().copied()) {
        sheet.set_column_width(col, width)?;
    }
    let headers = headers(model);
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    write_header(sheet, styles, 0, &header_refs)?;
    fit_row(sheet, 0, &cells_with_widths(&headers, &widths))?;
    let mut row = 1u32;
    for item in &status.items {
        let chart_files = charts.evidence_of(&item.item.id);
        let cells = row_cells(item, &chart_files);
        let rows = continued_rows(&cells, &widths);
        let (first, last) = (row, row + rows.len() as u32 - 1);
        for (row, cells) in (first..).zip(&rows) {
            for (col, text) in (0u16..).zip(cells) {
                let column = usize::from(col);
                let verdict = match column.checked_sub(RESULT_COLUMN) {
                    Some(0) => Some(item.verdict),
                    Some(n) if n <= item.samples.len() => Some(item.samples[n - 1].verdict),
                    _ => None,
                };
                match verdict {
                    // A verdict spans the item's rows: one coloured cell, written once.
                    Some(verdict) if row == first && last > first => {
                        sheet.merge_range(row, col, last, col, text, &styles.verdict(verdict))?;
                    }
                    Some(_) if row > first => {}
                    Some(verdict) => {
                        sheet.write_string_with_format(row, col, text, &styles.verdict(verdict))?;
                    }
                    None => {
                        sheet.write_string_with_format(row, col, text, &styles.text)?;
                    }
                }
            }
            fit_row(sheet, row, &cells_with_widths(cells, &widths))?;
        }
        row = last + 1;
    }
    set_up_page(sheet, 0)
}

/// Marks the id of a continuation row.
pub(crate) const CONTINUED: &str = "(续 cont.)";

/// The rows a sheet row of `cells` (the item id first) prints as: itself, or when its text is
/// taller than Excel's tallest row, [`split_tall_row`]'s rows, each continuation showing the id
/// and [`CONTINUED`].
pub(crate) fn continued_rows(cells: &[String], widths: &[f64]) -> Vec<Vec<String>> {
    let mut rows = split_tall_row(&cells_with_widths(cells, widths));
    for row in rows.iter_mut().skip(1) {
        if let (Some(id), Some(first)) = (cells.first(), row.first_mut()) {
            *first = format!("{id}\n{CONTINUED}");
        }
    }
    rows
}

/// Width of the summary's label column (Excel character units).
const SUMMARY_LABEL_WIDTH: f64 = 24.0;
/// Width of the summary's value column.
const SUMMARY_VALUE_WIDTH: f64 = 44.0;
/// Width of each count column of the summary.
const SUMMARY_COUNT_WIDTH: f64 = 12.0;

/// Row labels of the summary's count table, after the sheet column.
const COUNT_HEADERS: [&str; 8] = [
    "表 Sheet",
    "pass",
    "no pass",
    "NA",
    "not tested",
    "error",
    "合计 Total",
    "结论 Verdict",
];

fn write_summary(
    sheet: &mut Worksheet,
    styles: &Styles,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
    model: &Model,
    sheets: &[SheetStatus<'_>],
) -> Result<(), XlsxError> {
    sheet.set_name(SUMMARY_SHEET)?;
    sheet.set_column_width(0, SUMMARY_LABEL_WIDTH)?;
    sheet.set_column_width(1, SUMMARY_VALUE_WIDTH)?;
    for col in 2..COUNT_HEADERS.len() as u16 {
        sheet.set_column_width(col, SUMMARY_COUNT_WIDTH)?;
    }
    // The value spans the count columns too, so long values (the plan's SHA-256, the notice)
    // wrap inside the printed page instead of running over it.
    let last_col = COUNT_HEADERS.len() as u16 - 1;
    let value_width = SUMMARY_VALUE_WIDTH + f64::from(last_col - 1) * SUMMARY_COUNT_WIDTH;
    let title = format!(
        "{} {} v{} — facebench test report",
        standard.name_zh, standard.name_en, standard.version
    );
    sheet.write_string_with_format(0, 0, title, &styles.title)?;
    let fields = summary_fields(plan, standard, state, model, sheets);
    let mut row = 2u32;
    for (label, value) in &fields {
        sheet.write_string_with_format(row, 0, *label, &styles.label)?;
        sheet.merge_range(row, 1, row, last_col, value, &styles.text)?;
        fit_row(
            sheet,
            row,
            &[(label, SUMMARY_LABEL_WIDTH), (value.as_str(), value_width)],
        )?;
        row += 1;
    }
    row += 1;
    write_header(sheet, styles, row, &COUNT_HEADERS)?;
    row += 1;
    for status in sheets {
        write_counts(sheet, styles, row, status.sheet.name_zh(), status.counts)?;
        row += 1;
    }
    write_counts(sheet, styles, row, "合计 Total", total_counts(sheets))?;
    if model.samples.len() > 1 {
        for (sample, _) in &model.samples {
            row += 1;
            let label = format!("样品 {sample} / Sample {sample}");
            write_counts(sheet, styles, row, &label, sample_counts(sheets, *sample))?;
        }
    }
    // The summary is the report's cover: one page, centred.
    sheet.set_landscape();
    sheet.set_paper_size(PAPER_A4);
    sheet.set_print_fit_to_pages(1, 1);
    sheet.set_print_center_horizontally(true);
    Ok(())
}

/// One row of the count table: sheet name, the five counts, the total and the verdict.
fn write_counts(
    sheet: &mut Worksheet,
    styles: &Styles,
    row: u32,
    name: &str,
    counts: VerdictCounts,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, 0, name, &styles.label)?;
    let values = [
        counts.pass,
        counts.no_pass,
        counts.not_applicable,
        counts.not_tested,
        counts.error,
        counts.total(),
    ];
    for (col, value) in (1u16..).zip(values) {
        sheet.write_number_with_format(row, col, value as f64, &styles.number)?;
    }
    let verdict = overall(&counts);
    sheet.write_string_with_format(row, 7, verdict.label(), &styles.verdict(verdict))?;
    Ok(())
}

/// Label / value pairs of the summary sheet (and of the PDF report's cover).
pub(crate) fn summary_fields(
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
    model: &Model,
    sheets: &[SheetStatus<'_>],
) -> Vec<(&'static str, String)> {
    let unit = model.first_unit();
    let features = [
        (unit.features.wifi, "Wi-Fi"),
        (unit.features.bluetooth, "Bluetooth"),
        (unit.features.cellular_4g, "4G"),
    ]
    .into_iter()
    .filter_map(|(has, name)| has.then_some(name))
    .collect::<Vec<_>>();
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    vec![
        ("报告编号 Report No.", report_number(state, model)),
        ("厂商 Vendor", unit.vendor.clone()),
        ("型号 Model", unit.model.clone()),
        ("设备类型 Device type", unit.device_type.clone()),
        (
            "用途 Usage",
            unit.usage.clone().unwrap_or_else(|| "—".into()),
        ),
        ("样品数 Samples", model.samples.len().to_string()),
        ("设备SN Device SN", per_sample(model, |u| &u.device_sn)),
        ("摄像头SN Camera SN", per_sample(model, |u| &u.camera_sn)),
        ("样品不足 Too few samples", shortfall_text(sheets)),
        (
            "功能 Features",
            if features.is_empty() {
                "none".into()
            } else {
                features.join(", ")
            },
        ),
        ("实验室 Lab", unit.lab.clone()),
        ("测试人员 Operator", unit.operator.clone()),
        ("工位 Station", state.station.clone()),
        (
            "标准 Standard",
            format!(
                "{} {} v{}",
                standard.name_zh, standard.name_en, standard.version
            ),
        ),
        ("计划 Plan SHA-256", state.plan_sha256.clone()),
        ("facebench", state.facebench_version.clone()),
        ("开始 Started", stamp(state.started_utc)),
        ("最后记录 Last entry", stamp(state.last_utc)),
        ("说明 Notice", plan.notice.clone()),
    ]
}

/// One line per sample, `样品 n / Sample n: <value>`; just the value for a single sample.
fn per_sample(model: &Model, value: impl Fn(&crate::unit::Unit) -> &String) -> String {
    match model.samples.as_slice() {
        [(_, unit)] => value(unit).clone(),
        samples => samples
            .iter()
            .map(|(n, unit)| format!("样品 {n} / Sample {n}: {}", value(unit)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The items whose `sample_qty` the model's samples do not reach, one per line, or `—`.
fn shortfall_text(sheets: &[SheetStatus<'_>]) -> String {
    let lines: Vec<String> = shortfalls(sheets)
        .map(|(item, short)| format!("{}: {} of {} samples", item.item.id, short.run, short.asked))
        .collect();
    if lines.is_empty() {
        "—".to_string()
    } else {
        lines.join("\n")
    }
}

/// Every result of every item on the model's samples, oldest first per item: `#` counts the
/// results of the item on that sample, the time is the journal's (UTC, ISO 8601), and a later
/// result (a re-run or a `facebench record` correction) shows what changed, `old → new`.
fn write_history(
    sheet: &mut Worksheet,
    styles: &Styles,
    plan: &Plan,
    state: &RunState,
    model: &Model,
) -> Result<(), XlsxError> {
    const COLUMNS: [(&str, f64); 11] = [
        ("编号 ID", 10.0),
        ("样品 Sample", 11.0),
        ("次序 #", 6.0),
        ("结果 Result", 11.0),
        ("来源 Source", 14.0),
        ("时间 Time (UTC)", 21.0),
        ("人员 Operator", 13.0),
        ("变更 Change", 34.0),
        ("原因 Reason", 28.0),
        ("备注 Note", 26.0),
        ("证据 Evidence", 26.0),
    ];
    sheet.set_name(HISTORY_SHEET)?;
    for (col, (_, width)) in (0u16..).zip(COLUMNS) {
        sheet.set_column_width(col, width)?;
    }
    let headers: Vec<&str> = COLUMNS.iter().map(|(h, _)| *h).collect();
    let widths: Vec<f64> = COLUMNS.iter().map(|(_, w)| *w).collect();
    write_header(sheet, styles, 0, &headers)?;
    fit_row(sheet, 0, &cells_with_widths(&headers, &widths))?;
    let mut row = 1u32;
    for (id, entries) in &state.history {
        let item = plan.items.iter().find(|i| &i.id == id);
        let mut previous: std::collections::BTreeMap<u32, (u32, &HistoryEntry)> =
            Default::default();
        for entry in entries.iter().filter(|r| model.has_sample(r.sample)) {
            let index = previous.get(&entry.sample).map_or(1, |(n, _)| n + 1);
            let change = history_change(item, previous.get(&entry.sample).map(|(_, e)| *e), entry);
            previous.insert(entry.sample, (index, entry));
            let verdict = entry.verdict;
            let cells = [
                source_label(entry.source).to_string(),
                entry
                    .recorded_utc
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                entry.operator.clone(),
                change,
                entry.reason.clone().unwrap_or_default(),
                entry.note.clone(),
                entry.attachments.join("\n"),
            ];
            // A result with more text than the tallest row holds goes on over continuation
            // rows, each naming the item and the sample.
            for (part, cells) in split_tall_row(&cells_with_widths(&cells, &widths[4..]))
                .iter()
                .enumerate()
            {
                if part == 0 {
                    sheet.write_string_with_format(row, 0, id, &styles.text)?;
                    sheet.write_number_with_format(row, 2, index, &styles.number)?;
                    sheet.write_string_with_format(
                        row,
                        3,
                        verdict.label(),
                        &styles.verdict(verdict),
                    )?;
                } else {
                    let continued = format!("{id}\n{CONTINUED}");
                    sheet.write_string_with_format(row, 0, continued, &styles.text)?;
                }
                sheet.write_number_with_format(row, 1, entry.sample, &styles.number)?;
                for (col, text) in (4u16..).zip(cells) {
                    sheet.write_string_with_format(row, col, text, &styles.text)?;
                }
                fit_row(sheet, row, &cells_with_widths(cells, &widths[4..]))?;
                row += 1;
            }
        }
    }
    set_up_page(sheet, 0)
}

/// Where a result came from, in both languages.
fn source_label(source: ResultSource) -> &'static str {
    match source {
        ResultSource::Measured => "测量 measured",
        ResultSource::Operator => "操作员 operator",
        ResultSource::Answers => "答案文件 answers",
        ResultSource::Record => "更正 correction",
        ResultSource::Runner => "未运行 runner",
    }
}

/// What a result changed against the one before it on the same sample: `old → new` verdict and
/// measured text; `—` for the first result, `unchanged` when neither changed.
fn history_change(
    item: Option<&Item>,
    before: Option<&HistoryEntry>,
    now: &HistoryEntry,
) -> String {
    let Some(before) = before else {
        return "—".to_string();
    };
    let measured = |entry: &HistoryEntry| {
        item.map_or_else(String::new, |item| {
            result_measured_text(item, &entry.result).replace('\n', "; ")
        })
    };
    let mut lines = Vec::new();
    if before.verdict != now.verdict {
        lines.push(format!(
            "{} → {}",
            before.verdict.label(),
            now.verdict.label()
        ));
    }
    let (old, new) = (measured(before), measured(now));
    if old != new {
        let or_dash = |text: String| {
            if text.is_empty() {
                "—".to_string()
            } else {
                text
            }
        };
        lines.push(format!(
            "实测 measured: {} → {}",
            or_dash(old),
            or_dash(new)
        ));
    }
    if lines.is_empty() {
        "无变化 unchanged".to_string()
    } else {
        lines.join("\n")
    }
}
