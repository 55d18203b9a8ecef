//! The plan's `[template]` table: where each item's result goes in the network's own workbook.
//!
//! `facebench plan import` writes it; `facebench report` and `package` fill a copy of the
//! workbook it names. Shape (schema in `testplans/README.md`):
//!
//! ```toml
//! [template]
//! source = "network-workbook.xlsx"   # relative to the plan file
//! sha256 = "…"                       # optional: the workbook the cells were read from
//!
//! [[template.cells]]
//! item = "CLM-001"
//! sheet = "气候类可靠性"              # worksheet name as written in the workbook
//! row = 5                            # 1-based, as Excel shows it
//! result = "F"                       # column letters
//! measured = "G"                     # optional
//! note = "H"                         # optional
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::diagnostic::Sink;
use super::item::ItemId;
use super::reader::{Fields, Located};

const TEMPLATE_KEYS: &[&str] = &["source", "sha256", "cells"];
const CELL_KEYS: &[&str] = &["item", "sheet", "row", "result", "measured", "note"];

/// The last column of an xlsx sheet (`XFD`), 0-based.
const MAX_COLUMN: u32 = 16_383;
/// The last row of an xlsx sheet, 1-based.
const MAX_ROW: u32 = 1_048_576;

/// The network's workbook a plan was imported from, and where its results go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// The workbook, relative to the plan file (or absolute).
    pub source: String,
    /// Lower-case hex SHA-256 of the workbook the cells were read from, when recorded.
    pub sha256: Option<String>,
    /// One entry per item that has a row in the workbook.
    pub cells: Vec<TemplateCells>,
}

/// The row of one item in the network's workbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateCells {
    /// The item id.
    pub item: String,
    /// The worksheet name, as written in the workbook.
    pub sheet: String,
    /// 1-based row number.
    pub row: u32,
    /// 0-based column of the result cell.
    pub result: u32,
    /// 0-based column of the measured-value cell, when the sheet has one.
    pub measured: Option<u32>,
    /// 0-based column of the note cell, when the sheet has one.
    pub note: Option<u32>,
}

impl Template {
    /// The cells of an item, when it has a row.
    pub fn cells_of(&self, item: &str) -> Option<&TemplateCells> {
        self.cells.iter().find(|c| c.item == item)
    }
}

/// Column letters (`A`, `AB`) to a 0-based index; `None` for anything else or past `XFD`.
pub fn column_index(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut index: u32 = 0;
    for c in letters.chars() {
        if !c.is_ascii_alphabetic() {
            return None;
        }
        index = index * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1);
    }
    (index - 1 <= MAX_COLUMN).then_some(index - 1)
}

/// A 0-based column index as letters (`0` → `A`, `27` → `AB`).
pub fn column_letters(index: u32) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A cell reference (`F5`) from a 0-based column and 1-based row.
pub fn cell_name(column: u32, row: u32) -> String {
    format!("{}{row}", column_letters(column))
}

/// Resolves the optional `[template]` table; `ids` are the plan's item ids.
pub(super) fn resolve_template(
    sink: &mut Sink<'_>,
    root: &Fields<'_, '_>,
    ids: &[&ItemId],
) -> Option<Option<Template>> {
    let Some(table) = root.opt_table(sink, "template") else {
        return Some(None);
    };
    let f = table.open(sink, TEMPLATE_KEYS);
    let source = f.name(sink, "source");
    let sha256 = f.opt_string(sink, "sha256").and_then(|s| {
        let text = s.get_ref();
        if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            Some(text.to_ascii_lowercase())
        } else {
            sink.report(
                &s.span(),
                &f.path_of("sha256"),
                "expected 64 hexadecimal digits (the SHA-256 of the workbook)",
            );
            None
        }
    });
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    let cells: Vec<Option<TemplateCells>> = f
        .opt_tables(sink, "cells")
        .into_iter()
        .map(|t| {
            let cell = t.open(sink, CELL_KEYS);
            resolve_cells(sink, &cell, ids, &mut first_line_of)
        })
        .collect();
    let cells = cells.into_iter().collect::<Option<Vec<_>>>()?;
    Some(Some(Template {
        source: source?.into_inner(),
        sha256,
        cells,
    }))
}

fn resolve_cells(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    ids: &[&ItemId],
    first_line_of: &mut HashMap<String, usize>,
) -> Option<TemplateCells> {
    let item = f.name(sink, "item");
    if let Some(item) = &item {
        let text = item.get_ref();
        let line = sink.line_of(&item.span());
        if !ids.iter().any(|id| id.id.get_ref() == text) {
            sink.report(
                &item.span(),
                &f.path_of("item"),
                format!("item `{text}` is not in this plan"),
            );
        } else if let Some(first) = first_line_of.get(text) {
            sink.report(
                &item.span(),
                &f.path_of("item"),
                format!("item `{text}` already has a row (line {first})"),
            );
        } else {
            first_line_of.insert(text.clone(), line);
        }
    }
    let sheet = f.name(sink, "sheet");
    let row = f.u32(sink, "row").and_then(|row| {
        if (1..=MAX_ROW).contains(row.get_ref()) {
            Some(row.into_inner())
        } else {
            sink.report(
                &row.span(),
                &f.path_of("row"),
                format!("row must be from 1 to {MAX_ROW}"),
            );
            None
        }
    });
    let result = f
        .string(sink, "result")
        .and_then(|c| column(sink, f, "result", c));
    let measured = f
        .opt_string(sink, "measured")
        .map(|c| column(sink, f, "measured", c));
    let note = f
        .opt_string(sink, "note")
        .map(|c| column(sink, f, "note", c));
    Some(TemplateCells {
        item: item?.into_inner(),
        sheet: sheet?.into_inner(),
        row: row?,
        result: result?,
        measured: measured.map_or(Some(None), |c| c.map(Some))?,
        note: note.map_or(Some(None), |c| c.map(Some))?,
    })
}

fn column(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    key: &str,
    letters: Located<String>,
) -> Option<u32> {
    let index = column_index(letters.get_ref());
    if index.is_none() {
        sink.report(
            &letters.span(),
            &f.path_of(key),
            format!(
                "`{}` is not a column; write its letters (`F`, `AB`), at most `XFD`",
                letters.get_ref()
            ),
        );
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::plan::parse_plan;

    const VALID: &str = include_str!("../../tests/fixtures/plans/valid.toml");

    #[test]
    fn a_template_table_is_read_with_its_cells() {
        let text = format!(
            "{VALID}\n[template]\nsource = \"net.xlsx\"\n\n[[template.cells]]\nitem = \"CLM-001\"\n\
             sheet = \"气候类可靠性\"\nrow = 3\nresult = \"E\"\nnote = \"G\"\n"
        );
        let plan =
            parse_plan(&text, "t.toml", &Catalog::builtin()).unwrap_or_else(|e| panic!("{e}"));
        let template = plan.template.expect("template");
        assert_eq!(template.source, "net.xlsx");
        assert_eq!(template.sha256, None);
        let cells = template.cells_of("CLM-001").expect("cells");
        assert_eq!(
            (cells.row, cells.result, cells.measured, cells.note),
            (3, 4, None, Some(6))
        );
        let plain = parse_plan(VALID, "t.toml", &Catalog::builtin()).expect("valid");
        assert_eq!(plain.template, None);
    }

    #[test]
    fn template_problems_are_reported_at_their_keys() {
        let text = format!(
            "{VALID}\n[template]\nsource = \"\"\nsha256 = \"abc\"\n\n[[template.cells]]\n\
             item = \"NOPE-1\"\nsheet = \"s\"\nrow = 0\nresult = \"E1\"\n\n[[template.cells]]\n\
             item = \"CLM-001\"\nsheet = \"s\"\nrow = 2\nresult = \"E\"\n\n[[template.cells]]\n\
             item = \"CLM-001\"\nsheet = \"s\"\nrow = 3\nresult = \"F\"\ncolour = \"red\"\n"
        );
        let errors = parse_plan(&text, "t.toml", &Catalog::builtin()).expect_err("invalid");
        let all = errors.to_string();
        for expected in [
            "template.source: must not be empty",
            "template.sha256: expected 64 hexadecimal digits",
            "template.cells[0].item: item `NOPE-1` is not in this plan",
            "template.cells[0].row: row must be from 1",
            "template.cells[0].result: `E1` is not a column",
            "template.cells[2].item: item `CLM-001` already has a row",
            "template.cells[2].colour: unknown key `colour`",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in:\n{all}");
        }
    }

    #[test]
    fn columns_round_trip() {
        for (letters, index) in [("A", 0), ("Z", 25), ("AA", 26), ("AB", 27), ("XFD", 16_383)] {
            assert_eq!(column_index(letters), Some(index), "{letters}");
            assert_eq!(column_letters(index), letters);
        }
        assert_eq!(column_index("f"), Some(5));
        for bad in ["", "A1", "XFE", "ZZZZ", "é"] {
            assert_eq!(column_index(bad), None, "{bad}");
        }
        assert_eq!(cell_name(1, 12), "B12");
    }
}
