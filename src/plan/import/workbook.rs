//! A workbook read with calamine (.xls or .xlsx): each sheet's cell text and merged regions.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Range, Reader, Sheets};

/// A merged region, 0-based and inclusive: `(row, column)` of its corners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    /// Top-left `(row, column)`.
    pub start: (u32, u32),
    /// Bottom-right `(row, column)`.
    pub end: (u32, u32),
}

impl Merge {
    /// True when the region covers the cell.
    pub fn covers(&self, row: u32, column: u32) -> bool {
        (self.start.0..=self.end.0).contains(&row) && (self.start.1..=self.end.1).contains(&column)
    }

    /// True when the region is more than one row tall.
    pub fn spans_rows(&self) -> bool {
        self.end.0 > self.start.0
    }

    /// `B5:B6`.
    pub fn name(&self) -> String {
        use crate::plan::template::cell_name;
        format!(
            "{}:{}",
            cell_name(self.start.1, self.start.0 + 1),
            cell_name(self.end.1, self.end.0 + 1)
        )
    }
}

/// One worksheet read back.
#[derive(Debug, Clone)]
pub struct SheetData {
    /// The worksheet name.
    pub name: String,
    /// Its cells (absolute positions).
    pub cells: Range<Data>,
    /// Its merged regions.
    pub merges: Vec<Merge>,
}

impl SheetData {
    /// The trimmed text of a cell (0-based), empty when blank or outside the used range.
    pub fn text(&self, row: u32, column: u32) -> String {
        self.cells
            .get_value((row, column))
            .map_or(String::new(), |d| match d {
                Data::Empty => String::new(),
                other => other.to_string().trim().to_string(),
            })
    }

    /// The merged region covering a cell, if any.
    pub fn merge_at(&self, row: u32, column: u32) -> Option<&Merge> {
        self.merges.iter().find(|m| m.covers(row, column))
    }

    /// The last used row (0-based), when the sheet has any cell.
    pub fn last_row(&self) -> Option<u32> {
        self.cells.end().map(|(row, _)| row)
    }

    /// The last used column (0-based), when the sheet has any cell.
    pub fn last_column(&self) -> Option<u32> {
        self.cells.end().map(|(_, column)| column)
    }
}

/// Reads every worksheet of an .xls or .xlsx file, in workbook order; errors name the file.
pub fn read_workbook(path: &Path) -> Result<Vec<SheetData>, String> {
    let origin = path.display();
    let mut book = open_workbook_auto(path).map_err(|e| format!("{origin}: {e}"))?;
    let names = book.sheet_names();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let cells = book
            .worksheet_range(&name)
            .map_err(|e| format!("{origin}: sheet '{name}': {e}"))?;
        let merges =
            merges_of(&mut book, &name).map_err(|e| format!("{origin}: sheet '{name}': {e}"))?;
        sheets.push(SheetData {
            name,
            cells,
            merges,
        });
    }
    Ok(sheets)
}

fn merges_of<R: std::io::Read + std::io::Seek>(
    book: &mut Sheets<R>,
    name: &str,
) -> Result<Vec<Merge>, String> {
    let dimensions = match book {
        Sheets::Xls(xls) => xls.worksheet_merge_cells(name).unwrap_or_default(),
        Sheets::Xlsx(xlsx) => match xlsx.worksheet_merge_cells(name) {
            Some(found) => found.map_err(|e| e.to_string())?,
            None => Vec::new(),
        },
        _ => return Err("only .xls and .xlsx workbooks are read".to_string()),
    };
    Ok(dimensions
        .into_iter()
        .map(|d| Merge {
            start: d.start,
            end: d.end,
        })
        .collect())
}
