//! The draft plan TOML written by `plan import`.

use std::fmt::Write;

use crate::catalog::Sheet;
use crate::plan::template::column_letters;

use super::{Import, ImportedItem};

/// Number 1 of the bundle is the workbook itself, so the categories start at 2.
const FIRST_CATEGORY: u32 = 2;

/// A TOML basic string.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The whole draft: header, one category per imported sheet, the items, then `[template]`.
pub(super) fn render(import: &Import, source: &str) -> String {
    let standard = &import.standard;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Draft plan imported by `facebench plan import` from {source}.\n\
         # Every item is judged by the operator against the criterion as written in the workbook.\n\
         # Add parameters, rig steps and machine criteria where a rig measures (schema:\n\
         # testplans/README.md), then check it: facebench plan check <this file>\n"
    );
    let _ = writeln!(out, "[plan]");
    let _ = writeln!(out, "standard = {}", quote(&standard.id));
    let _ = writeln!(out, "name_zh = {}", quote(&standard.name_zh));
    let _ = writeln!(out, "version = {}", quote(&standard.version));
    let notice = format!(
        "Items, conditions and criteria as written in the network's workbook {source}; the \
         results are filled into a copy of that workbook."
    );
    let _ = writeln!(out, "notice = {}\n", quote(&notice));

    let sheets: Vec<Sheet> = Sheet::ALL
        .into_iter()
        .filter(|s| import.items.iter().any(|i| i.sheet == *s))
        .collect();
    for (number, sheet) in (FIRST_CATEGORY..).zip(&sheets) {
        let _ = writeln!(out, "[[categories]]");
        let _ = writeln!(out, "number = {number}");
        let _ = writeln!(out, "name = {}", quote(sheet.name_zh()));
        let _ = writeln!(out, "sheet = {}\n", quote(sheet.key()));
    }
    for item in &import.items {
        render_item(&mut out, item, source);
    }
    let _ = writeln!(out, "[template]");
    let _ = writeln!(out, "source = {}", quote(source));
    let _ = writeln!(out, "sha256 = {}", quote(&import.sha256));
    for item in import.items.iter().filter(|i| i.result.is_some()) {
        render_cells(&mut out, item);
    }
    out
}

fn render_item(out: &mut String, item: &ImportedItem, source: &str) {
    let _ = writeln!(out, "[[items]]");
    let _ = writeln!(out, "id = {}", quote(&item.id));
    let _ = writeln!(out, "sheet = {}", quote(item.sheet.key()));
    let _ = writeln!(out, "name_zh = {}", quote(&item.name));
    let _ = writeln!(out, "name_en = {}", quote(&item.name));
    let _ = writeln!(out, "method = \"\"");
    let _ = writeln!(out, "conditions = {}", quote(&item.conditions));
    let _ = writeln!(out, "automation = \"manual\"");
    let notes = format!(
        "Imported from '{}' row {} (序号 {}) of {source}.",
        item.worksheet, item.row, item.source_id
    );
    let _ = writeln!(out, "notes = {}\n", quote(&notes));
    let criterion = if item.criterion.is_empty() {
        "(the workbook gives no criterion)".to_string()
    } else {
        item.criterion.clone()
    };
    let text = format!("判定标准 Criterion: {criterion}\nJudge the item: pass / no pass / NA.");
    let _ = writeln!(out, "  [[items.steps]]");
    let _ = writeln!(out, "  kind = \"prompt\"");
    let _ = writeln!(out, "  text = {}", quote(&text));
    let _ = writeln!(out, "  verdict = true\n");
}

fn render_cells(out: &mut String, item: &ImportedItem) {
    let Some(result) = item.result else {
        return;
    };
    let _ = writeln!(out, "\n[[template.cells]]");
    let _ = writeln!(out, "item = {}", quote(&item.id));
    let _ = writeln!(out, "sheet = {}", quote(&item.worksheet));
    let _ = writeln!(out, "row = {}", item.row);
    let _ = writeln!(out, "result = {}", quote(&column_letters(result)));
    if let Some(measured) = item.measured {
        let _ = writeln!(out, "measured = {}", quote(&column_letters(measured)));
    }
    if let Some(note) = item.note {
        let _ = writeln!(out, "note = {}", quote(&column_letters(note)));
    }
}
