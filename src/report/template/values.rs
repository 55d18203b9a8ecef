//! What goes into each template cell: the result word, the measured text and the note.

use crate::judge::Verdict;
use crate::plan::{Plan, TemplateCells};

use super::super::row::{row_cells, RESULT_COLUMN};
use super::super::status::ItemStatus;

/// One cell to write: 0-based column, 1-based row, and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellText {
    /// Worksheet name.
    pub sheet: String,
    /// 1-based row.
    pub row: u32,
    /// 0-based column.
    pub column: u32,
    /// The text.
    pub text: String,
    /// True for a result cell (its wording may follow the sheet's validation list).
    pub is_result: bool,
    /// The verdict, for result cells.
    pub verdict: Option<Verdict>,
}

/// The default result words: 通过 / 不通过 / 未测 / NA.
pub fn default_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "通过",
        Verdict::NoPass => "不通过",
        Verdict::NotApplicable => "NA",
        Verdict::NotTested | Verdict::Error => "未测",
    }
}

/// Spellings of each verdict a validation list may use (compared trimmed, lower case).
fn spellings(verdict: Verdict) -> &'static [&'static str] {
    match verdict {
        Verdict::Pass => &[
            "通过", "合格", "符合", "pass", "passed", "ok", "p", "√", "✓", "y", "yes",
        ],
        Verdict::NoPass => &[
            "不通过",
            "不合格",
            "不符合",
            "fail",
            "failed",
            "no pass",
            "ng",
            "f",
            "×",
            "✗",
            "n",
            "no",
        ],
        Verdict::NotApplicable => &["na", "n/a", "不适用", "不涉及", "/", "—", "-"],
        Verdict::NotTested | Verdict::Error => {
            &["未测", "未测试", "not tested", "nt", "未做", "未执行"]
        }
    }
}

/// The word of `verdict` in a validation list, when the list has one.
pub fn word_in_list(verdict: Verdict, list: &[String]) -> Option<String> {
    list.iter()
        .find(|entry| spellings(verdict).contains(&entry.trim().to_lowercase().as_str()))
        .cloned()
}

/// The cells of every template entry whose item has a status (items of sheets the standard
/// does not ask for have none and are left empty).
pub fn template_cells(plan: &Plan, statuses: &[&ItemStatus<'_>]) -> Vec<CellText> {
    let Some(template) = &plan.template else {
        return Vec::new();
    };
    let mut cells = Vec::new();
    for entry in &template.cells {
        let Some(status) = statuses.iter().find(|s| s.item.id == entry.item) else {
            continue;
        };
        cells.extend(item_cells(entry, status));
    }
    cells
}

fn item_cells(entry: &TemplateCells, status: &ItemStatus<'_>) -> Vec<CellText> {
    // The row functions give the same measured and note text as our own workbook.
    let row = row_cells(status, &[]);
    let measured = row.get(RESULT_COLUMN - 1).cloned().unwrap_or_default();
    let note = row.iter().rev().nth(1).cloned().unwrap_or_default();
    let cell = |column: u32, text: String, verdict: Option<Verdict>| CellText {
        sheet: entry.sheet.clone(),
        row: entry.row,
        column,
        text,
        is_result: verdict.is_some(),
        verdict,
    };
    let mut cells = vec![cell(
        entry.result,
        default_word(status.verdict).to_string(),
        Some(status.verdict),
    )];
    if let Some(column) = entry.measured {
        cells.push(cell(column, measured, None));
    }
    if let Some(column) = entry.note {
        cells.push(cell(column, note, None));
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_lists_keep_their_own_words() {
        let list: Vec<String> = ["合格", "不合格", "不适用", "未测试"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(word_in_list(Verdict::Pass, &list).as_deref(), Some("合格"));
        assert_eq!(
            word_in_list(Verdict::NoPass, &list).as_deref(),
            Some("不合格")
        );
        assert_eq!(
            word_in_list(Verdict::NotApplicable, &list).as_deref(),
            Some("不适用")
        );
        assert_eq!(
            word_in_list(Verdict::Error, &list).as_deref(),
            Some("未测试")
        );
        let english: Vec<String> = vec!["PASS".into(), "FAIL".into()];
        assert_eq!(
            word_in_list(Verdict::NoPass, &english).as_deref(),
            Some("FAIL")
        );
        assert_eq!(word_in_list(Verdict::NotTested, &english), None);
        assert_eq!(default_word(Verdict::NotTested), "未测");
    }
}
