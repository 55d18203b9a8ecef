//! The PDF test report of one model: cover (report number, lab, units, standard, dates,
//! signature lines), summary (counts and verdict per sheet), one section per sheet with every
//! item's conditions, criterion, measured value and verdict (a column per sample when there
//! are several) followed by the charts of the sheet's items.
//!
//! The texts come from the workbook's own row model ([`row_cells`], [`headers`],
//! [`summary_fields`]), so the PDF and the workbook always say the same. Layout is done in
//! `flow` (A4 portrait, wrapped cells, header row repeated), drawn by `render` with krilla (pure
//! Rust; it subsets the embedded font to the glyphs used). Chinese and English text use one
//! CJK font (`font`): the shipped Noto Sans CJK SC subset or the file named by
//! [`PDF_FONT_ENV`].

mod flow;
mod font;
mod render;

use std::path::Path;
use std::sync::Arc;

use crate::catalog::Standard;
use crate::journal::RunState;
use crate::judge::{Verdict, VerdictCounts};
use crate::plan::Plan;

use super::charts::Charts;
use super::model::Model;
use super::row::{headers, row_cells, HEADERS, RESULT_COLUMN, TRAILING_HEADERS};
use super::status::{overall, sample_counts, sheet_statuses, total_counts, SheetStatus};
use super::workbook::{report_number, summary_fields, verdict_colours};
use super::ReportError;
use flow::{image_box, Cell, Flow, Rgb, GREY, INK};
use font::ReportFont;
use render::{render, Furniture};

pub use font::PDF_FONT_ENV;

/// File name of the PDF inside a model's report folder, next to the workbook.
pub const PDF_FILE: &str = "report.pdf";

/// Font size of the summary table.
const SUMMARY_SIZE: f32 = 8.5;
/// Font size of the cover's table (it and the signature lines fit one page).
const COVER_SIZE: f32 = 8.0;
/// Font size of the item tables.
const TABLE_SIZE: f32 = 7.0;
/// Relative widths of the item table's columns: id, name, conditions, criterion, measured,
/// result; then each sample's result, then the note.
/// Result columns are wide enough for `not tested` on one line.
const ITEM_WIDTHS: [f32; 6] = [7.5, 12.0, 17.0, 18.0, 16.0, 8.5];
const SAMPLE_WIDTH: f32 = 8.5;
const NOTE_WIDTH: f32 = 12.0;
/// Largest height of an embedded chart, points (two charts per page).
const CHART_HEIGHT: f32 = 330.0;

/// Writes the PDF report of `model` to `path`; `charts` are the model's charts (their PNGs are
/// embedded).
pub fn write_pdf(
    path: &Path,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
    model: &Model,
    charts: &Charts,
) -> Result<(), ReportError> {
    let fail = |reason: String| ReportError::Pdf {
        path: path.display().to_string(),
        reason,
    };
    let font = ReportFont::load().map_err(fail)?;
    let sheets = sheet_statuses(plan, standard, state, model);
    let mut flow = Flow::new(&font);
    cover(&mut flow, plan, standard, state, model, &sheets);
    flow.page_break();
    summary(&mut flow, model, &sheets);
    for (number, sheet) in (1..).zip(&sheets) {
        flow.page_break();
        sheet_section(&mut flow, number, sheet, model, charts)?;
    }
    let furniture = Furniture {
        left: format!("报告编号 Report No. {}", report_number(state, model)),
        right: format!(
            "{} {} · {} v{}",
            model.vendor, model.model, standard.name_zh, standard.version
        ),
        title: format!(
            "{} {} {} — {}",
            report_number(state, model),
            model.vendor,
            model.model,
            standard.name_en
        ),
    };
    let bytes = render(&flow.pages, &font, &furniture).map_err(fail)?;
    crate::journal::write_atomically(
        path,
        |file| std::io::Write::write_all(file, &bytes).map_err(|e| ReportError::io(path, e)),
        ReportError::io,
    )
}

fn cover(
    flow: &mut Flow<'_>,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
    model: &Model,
    sheets: &[SheetStatus<'_>],
) {
    flow.gap(8.0);
    flow.paragraph("检测报告 Test Report", 22.0, INK);
    flow.gap(6.0);
    flow.paragraph(
        &format!(
            "{} {} v{}",
            standard.name_zh, standard.name_en, standard.version
        ),
        12.0,
        INK,
    );
    flow.gap(4.0);
    flow.paragraph(&format!("{} {}", model.vendor, model.model), 12.0, INK);
    flow.gap(10.0);
    let verdict = overall(&total_counts(sheets));
    let mut rows: Vec<Vec<Cell>> = summary_fields(plan, standard, state, model, sheets)
        .into_iter()
        .map(|(label, value)| vec![Cell::plain(label), Cell::plain(value)])
        .collect();
    rows.push(vec![
        Cell::plain("结论 Overall verdict"),
        verdict_cell(verdict),
    ]);
    flow.table(
        &[("项目 Field", 1.0), ("内容 Value", 2.6)],
        &rows,
        COVER_SIZE,
    );
    signatures(flow);
}

/// Signature and date lines for the people who test, review and approve the report.
fn signatures(flow: &mut Flow<'_>) {
    flow.keep(96.0);
    flow.gap(6.0);
    for role in ["测试 Tested by", "审核 Reviewed by", "批准 Approved by"] {
        flow.gap(28.0);
        let x = flow::MARGIN_X;
        flow.text_at(x, role, 10.0, INK);
        flow.rule(x + 110.0, 170.0);
        flow.text_at(x + 300.0, "日期 Date", 10.0, INK);
        flow.rule(x + 355.0, 140.0);
    }
    flow.gap(10.0);
}

fn summary(flow: &mut Flow<'_>, model: &Model, sheets: &[SheetStatus<'_>]) {
    flow.heading("汇总 Summary", 14.0, 60.0);
    let columns = [
        ("表 Sheet", 3.0),
        ("pass", 1.0),
        ("no pass", 1.0),
        ("NA", 1.0),
        ("not tested", 1.2),
        ("error", 1.0),
        ("合计 Total", 1.1),
        ("结论 Verdict", 1.5),
    ];
    let mut rows: Vec<Vec<Cell>> = sheets
        .iter()
        .map(|s| {
            counts_row(
                &format!("{} {}", s.sheet.name_zh(), s.sheet.name_en()),
                s.counts,
            )
        })
        .collect();
    rows.push(counts_row("合计 Total", total_counts(sheets)));
    if model.samples.len() > 1 {
        for (sample, unit) in &model.samples {
            let label = format!("样品 {sample} / Sample {sample} ({})", unit.device_sn);
            rows.push(counts_row(&label, sample_counts(sheets, *sample)));
        }
    }
    flow.table(&columns, &rows, SUMMARY_SIZE);
    flow.paragraph(
        "pass: the item met every criterion · no pass: it failed one · NA: not applicable to \
         this device type · not tested: not run (or not on every sample) · error: the run \
         could not judge it (rig or harness fault).",
        7.5,
        GREY,
    );
}

fn counts_row(label: &str, counts: VerdictCounts) -> Vec<Cell> {
    let mut row = vec![Cell::plain(label)];
    row.extend(
        [
            counts.pass,
            counts.no_pass,
            counts.not_applicable,
            counts.not_tested,
            counts.error,
            counts.total(),
        ]
        .map(|n| Cell::plain(n.to_string())),
    );
    row.push(verdict_cell(overall(&counts)));
    row
}

fn verdict_cell(verdict: Verdict) -> Cell {
    let (fill, ink) = verdict_colours(verdict);
    Cell::coloured(verdict.label(), (rgb(fill), rgb(ink)))
}

fn rgb(colour: u32) -> Rgb {
    let [_, r, g, b] = colour.to_be_bytes();
    (r, g, b)
}

/// One sheet: its items in a table, then the charts of its items.
fn sheet_section(
    flow: &mut Flow<'_>,
    number: usize,
    sheet: &SheetStatus<'_>,
    model: &Model,
    charts: &Charts,
) -> Result<(), ReportError> {
    flow.heading(
        &format!(
            "{number}. {} {} — {}",
            sheet.sheet.name_zh(),
            sheet.sheet.name_en(),
            overall(&sheet.counts).label()
        ),
        13.0,
        60.0,
    );
    let headers = headers(model);
    let samples = model.samples.len();
    let note_column = RESULT_COLUMN + samples + 1;
    // Id, names (zh and en in one cell), conditions, criterion, measured, result.
    let mut columns: Vec<(&str, f32)> =
        vec![(HEADERS[0], ITEM_WIDTHS[0]), ("名称 Name", ITEM_WIDTHS[1])];
    columns.extend((3..=RESULT_COLUMN).map(|c| (HEADERS[c], ITEM_WIDTHS[c - 1])));
    if samples > 1 {
        // `样品 n / Sample n` without the SN: the cover lists the SNs.
        columns.extend(
            headers[RESULT_COLUMN + 1..=RESULT_COLUMN + samples]
                .iter()
                .map(|h| (h.lines().next().unwrap_or_default(), SAMPLE_WIDTH)),
        );
    }
    columns.push((TRAILING_HEADERS[0], NOTE_WIDTH));
    let rows: Vec<Vec<Cell>> = sheet
        .items
        .iter()
        .map(|status| {
            let cells = row_cells(status, &[]);
            let text = |c: usize| cells.get(c).cloned().unwrap_or_default();
            let mut row = vec![
                Cell::plain(text(0)),
                Cell::plain(format!("{}\n{}", text(1), text(2))),
            ];
            row.extend((3..RESULT_COLUMN).map(|c| Cell::plain(text(c))));
            row.push(verdict_cell(status.verdict));
            if samples > 1 {
                row.extend(status.samples.iter().map(|s| verdict_cell(s.verdict)));
            }
            row.push(Cell::plain(text(note_column)));
            row
        })
        .collect();
    flow.table(&columns, &rows, TABLE_SIZE);
    for status in &sheet.items {
        for chart in charts.charts.iter().filter(|c| c.item == status.item.id) {
            let png = std::fs::read(&chart.png).map_err(|e| ReportError::io(&chart.png, e))?;
            let Ok(size) = image::image_dimensions(&chart.png) else {
                continue;
            };
            // The title stays on the page of its chart.
            let (_, height) = image_box(size, CHART_HEIGHT);
            flow.heading(&chart.title, 9.5, height);
            flow.image(Arc::new(png), size, CHART_HEIGHT);
            for note in &chart.notes {
                flow.paragraph(note, 7.0, GREY);
            }
        }
    }
    Ok(())
}
