//! An .xls original rewritten as a filled .xlsx: the same sheets, values and merged cells.
//!
//! calamine gives the values and merged regions of an .xls, not its styles, column widths or
//! print setup: the copy wraps text, fits each column to its longest line (CJK characters
//! count double) and each row to its line breaks.

use std::collections::HashMap;
use std::path::Path;

use calamine::Data;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use unicode_width::UnicodeWidthStr;

use crate::plan::import::workbook::read_workbook;

use super::values::CellText;

/// Excel's paper-size code for A4.
const A4: u8 = 9;

/// Height of one line of text, in points.
const LINE_HEIGHT: f64 = 15.0;

/// Narrowest and widest fitted column, in characters.
const WIDTH_RANGE: (f64, f64) = (6.0, 50.0);

/// The filled .xlsx bytes and the notes for the operator (none: what is not carried over is
/// said by [`FilledWorkbook`](super::FilledWorkbook)'s display).
pub(super) fn xls_as_filled_xlsx(
    source: &Path,
    cells: &[CellText],
) -> Result<(Vec<u8>, Vec<String>), String> {
    let sheets = read_workbook(source)?;
    for cell in cells {
        if !sheets.iter().any(|s| s.name == cell.sheet) {
            return Err(format!(
                "the workbook has no sheet '{}' (plan [template] cells)",
                cell.sheet
            ));
        }
    }
    let xlsx_error = |e: rust_xlsxwriter::XlsxError| format!("writing the .xlsx copy: {e}");
    let format = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    let mut book = Workbook::new();
    for sheet in &sheets {
        let mut values: HashMap<(u32, u32), Data> = sheet
            .cells
            .used_cells()
            .map(|(r, c, d)| {
                let start = sheet.cells.start().unwrap_or((0, 0));
                ((start.0 + r as u32, start.1 + c as u32), d.clone())
            })
            .collect();
        for cell in cells.iter().filter(|c| c.sheet == sheet.name) {
            values.insert((cell.row - 1, cell.column), Data::String(cell.text.clone()));
        }
        let out = book.add_worksheet();
        out.set_name(&sheet.name).map_err(xlsx_error)?;
        // The .xls print setup is not readable here: print A4 landscape, one page wide.
        out.set_landscape();
        out.set_paper_size(A4);
        out.set_print_fit_to_pages(1, 0);
        let mut widths: HashMap<u32, f64> = HashMap::new();
        let mut lines: HashMap<u32, usize> = HashMap::new();
        for merge in &sheet.merges {
            let text = values.get(&merge.start).map_or(String::new(), text_of);
            out.merge_range(
                merge.start.0,
                merge.start.1 as u16,
                merge.end.0,
                merge.end.1 as u16,
                &text,
                &format,
            )
            .map_err(xlsx_error)?;
        }
        for ((row, column), value) in &values {
            if sheet.merge_at(*row, *column).is_some() {
                continue;
            }
            let col = *column as u16;
            match value {
                Data::Int(n) => out.write_number_with_format(*row, col, *n as f64, &format),
                Data::Float(n) => out.write_number_with_format(*row, col, *n, &format),
                Data::Bool(b) => out.write_boolean_with_format(*row, col, *b, &format),
                Data::Empty => continue,
                other => out.write_string_with_format(*row, col, text_of(other), &format),
            }
            .map_err(xlsx_error)?;
            let width = text_of(value)
                .lines()
                .map(|l| UnicodeWidthStr::width(l) as f64 + 2.0)
                .fold(0.0, f64::max);
            let entry = widths.entry(*column).or_insert(0.0);
            *entry = entry.max(width);
            let count = lines.entry(*row).or_insert(1);
            *count = (*count).max(text_of(value).lines().count());
        }
        for (row, count) in lines.into_iter().filter(|(_, n)| *n > 1) {
            out.set_row_height(row, count as f64 * LINE_HEIGHT)
                .map_err(xlsx_error)?;
        }
        for (column, width) in widths {
            out.set_column_width(column as u16, width.clamp(WIDTH_RANGE.0, WIDTH_RANGE.1))
                .map_err(xlsx_error)?;
        }
    }
    let bytes = book.save_to_buffer().map_err(xlsx_error)?;
    Ok((bytes, Vec::new()))
}

fn text_of(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}
