//! The text of one sheet row, shared by the workbook and the CSV files.

use crate::journal::ItemResult;
use crate::judge::{Comparison, Criterion, CriterionOutcome};
use crate::plan::{Item, StepKind};

use super::model::Model;
use super::status::{ItemStatus, SampleStatus};
use super::wording::{aggregated_value, criterion_line, rounded, Measure, Scale, RECORDED};

/// The columns of every item sheet (workbook and CSV) before the sample columns, Chinese and
/// English; the last is the item's merged verdict.
pub const HEADERS: [&str; 7] = [
    "编号 ID",
    "中文名称 Name (zh)",
    "英文名称 Name (en)",
    "测试条件 Conditions",
    "判定标准 Criterion",
    "实测值 Measured",
    "结果 Result",
];

/// The columns after the sample columns.
pub const TRAILING_HEADERS: [&str; 2] = ["备注 Note", "证据 Evidence"];

/// Index of the item's (merged) result column; the sample columns follow it.
pub const RESULT_COLUMN: usize = 6;

/// The header of a sample's result column: `样品 n / Sample n` and the unit's SN.
pub fn sample_header(sample: u32, device_sn: &str) -> String {
    format!("样品 {sample} / Sample {sample}\n{device_sn}")
}

/// Every column header of an item sheet of `model`: [`HEADERS`], one [`sample_header`] per
/// sample, then [`TRAILING_HEADERS`].
pub fn headers(model: &Model) -> Vec<String> {
    let samples = model
        .samples
        .iter()
        .map(|(n, unit)| sample_header(*n, &unit.device_sn));
    HEADERS
        .iter()
        .map(|h| h.to_string())
        .chain(samples)
        .chain(TRAILING_HEADERS.iter().map(|h| h.to_string()))
        .collect()
}

/// The cells of an item's row, in [`headers`] order; `charts` are the item's chart files
/// (run-directory relative), listed after its attachments in the evidence cell.
///
/// Measured values, notes and attachments are per sample: when every sample shows the same
/// text it is written once, else one block per sample headed `样品 n / Sample n:`.
pub fn row_cells(status: &ItemStatus<'_>, charts: &[String]) -> Vec<String> {
    let item = status.item;
    let mut cells = vec![
        item.id.clone(),
        item.name_zh.clone(),
        item.name_en.clone(),
        conditions_text(item),
        criterion_text(item),
        per_sample(status, |s| measured_text(item, s)),
        status.verdict.label().to_string(),
    ];
    cells.extend(status.samples.iter().map(|s| s.verdict.label().to_string()));
    let shortfall = status.shortfall.map(|f| f.text()).unwrap_or_default();
    cells.push(join_lines(vec![shortfall, per_sample(status, note_text)]));
    let attachments = per_sample(status, |s| {
        s.result.map_or(String::new(), |r| r.attachments.join("\n"))
    });
    cells.push(join_lines(
        std::iter::once(attachments)
            .chain(charts.iter().cloned())
            .collect(),
    ));
    cells
}

/// One sample's text for each sample: once when they are all the same, else a block per
/// sample that has any, headed by its sample number.
fn per_sample(status: &ItemStatus<'_>, text: impl Fn(&SampleStatus<'_>) -> String) -> String {
    let texts: Vec<(u32, String)> = status.samples.iter().map(|s| (s.sample, text(s))).collect();
    match texts.split_first() {
        None => String::new(),
        Some(((_, first), rest)) if rest.iter().all(|(_, t)| t == first) => first.clone(),
        Some(_) => join_lines(
            texts
                .into_iter()
                .filter(|(_, t)| !t.is_empty())
                .map(|(n, t)| format!("样品 {n} / Sample {n}:\n{t}"))
                .collect(),
        ),
    }
}

/// Conditions text, then one line per parameter: `name value unit ± tolerance`.
fn conditions_text(item: &Item) -> String {
    let mut lines = vec![item.conditions.trim().to_string()];
    lines.extend(item.parameters.iter().map(|p| {
        let measure = Measure {
            name: &p.name,
            spec: None,
        };
        let scale = Scale::raw(&p.unit, &measure);
        let tolerance = p
            .tolerance
            .map_or(String::new(), |t| format!(" ± {}", scale.tolerance(t)));
        format!("{} {}{tolerance}", p.name, scale.limit(p.value))
    }));
    join_lines(lines)
}

/// One line per criterion ([`criterion_line`]); items judged by the operator say so.
pub fn criterion_text(item: &Item) -> String {
    let mut lines: Vec<String> = item
        .criteria
        .iter()
        .map(|c| criterion_line(item, c))
        .collect();
    let operator_judges = item
        .steps
        .iter()
        .any(|s| s.kind == StepKind::Prompt && s.verdict);
    if operator_judges {
        lines.push("操作员判定 operator judgement (pass / no pass)".to_string());
    }
    join_lines(lines)
}

/// The measured text of one sample: per criterion outcome its display name and rounded value
/// (log-only criteria marked [`RECORDED`]); without outcomes, the values entered; plus the
/// operator's own judgement when there was one.
pub fn measured_text(item: &Item, status: &SampleStatus<'_>) -> String {
    status
        .result
        .map_or_else(String::new, |result| result_measured_text(item, result))
}

/// The measured text of one result of `item` (see [`measured_text`]).
pub fn result_measured_text(item: &Item, result: &ItemResult) -> String {
    let mut lines: Vec<String> = result
        .criteria
        .iter()
        .enumerate()
        .map(|(index, outcome)| outcome_line(item, index, outcome))
        .collect();
    if result.criteria.is_empty() {
        lines.extend(result.measurements.iter().map(|series| {
            let measure = Measure::of(item, &series.name);
            let scale = Scale::raw(&series.unit, &measure);
            format!("{}: {}", measure.label(), scale.values(&series.values))
        }));
    }
    if let Some(verdict) = result.operator_verdict {
        lines.push(format!("操作员判定 operator: {}", verdict.label()));
    }
    join_lines(lines)
}

/// `label: max 31.4 °C`, `label: —` without a value, marked recorded or marginal.
fn outcome_line(item: &Item, index: usize, outcome: &CriterionOutcome) -> String {
    let measure = Measure::of(item, &outcome.measurement);
    let criterion = criterion_of(item, index, &outcome.measurement);
    let value = match (outcome.value, criterion) {
        (Some(value), Some(c)) => aggregated_value(c, &measure, value),
        (Some(value), None) => rounded(value, None),
        (None, _) => "—".to_string(),
    };
    let mut line = format!("{}: {value}", measure.label());
    if criterion.is_some_and(|c| c.compare == Comparison::LOG) {
        line.push_str(&format!(" ({RECORDED})"));
    }
    if outcome.marginal {
        line.push_str(" (临界 marginal)");
    }
    line
}

/// The criterion an outcome judged: the item's criterion at the outcome's index when it names
/// the same measurement (outcomes are written in plan order), else the first that names it.
fn criterion_of<'a>(item: &'a Item, index: usize, measurement: &str) -> Option<&'a Criterion> {
    item.criteria
        .get(index)
        .filter(|c| c.measurement == measurement)
        .or_else(|| item.criteria.iter().find(|c| c.measurement == measurement))
}

/// The note, then the reason.
fn note_text(status: &SampleStatus<'_>) -> String {
    let note = status.result.map_or("", |r| r.note.trim());
    let reason = status.reason.as_deref().unwrap_or("").trim();
    join_lines(vec![note.to_string(), reason.to_string()])
}

fn join_lines(lines: Vec<String>) -> String {
    lines
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A number for people: integers without a fraction, others with up to four decimals, tiny or
/// huge magnitudes in scientific notation.
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if !value.is_finite() {
        value.to_string()
    } else if magnitude != 0.0 && !(1e-3..1e12).contains(&magnitude) {
        format!("{value:.3e}")
    } else {
        let fixed = format!("{value:.4}");
        let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
        if trimmed == "-0" {
            "0".to_string()
        } else {
            trimmed.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_readable() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(-10.0), "-10");
        assert_eq!(number(-0.00001), "-1.000e-5");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(12.345678), "12.3457");
    }
}
