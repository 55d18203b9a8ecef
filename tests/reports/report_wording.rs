//! The workbook of a demo-like run of the shipped desktop-cashier plan, read back as a reviewer
//! reads it: display names instead of internal measurement names, rounded values, criteria in
//! words, and log-only criteria marked recorded (never pass).

use std::collections::BTreeMap;

use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use chrono::{TimeZone, Utc};
use facebench::catalog::Catalog;
use facebench::journal::{HistoryEntry, ItemResult, ResultSource, RunState};
use facebench::judge::{Aggregate, Comparison, Criterion, Verdict};
use facebench::plan::{parse_plan, Item, Plan, StepKind};
use facebench::report::{models, write_workbook, HISTORY_SHEET, SUMMARY_SHEET};
use facebench::runner::evaluate;

const SHIPPED: &str = include_str!("../../testplans/desktop-cashier.toml");

fn shipped_plan() -> Plan {
    parse_plan(SHIPPED, "desktop-cashier.toml", &Catalog::builtin())
        .unwrap_or_else(|e| panic!("shipped plan is invalid: {e:?}"))
}

/// A series that meets `criterion` (any value for a log-only one): a payment loop with one
/// failure in 120 for a rate, enough readings for a count, a value on the limit otherwise.
fn series_for(criterion: &Criterion) -> Vec<f64> {
    let limit = &criterion.limit;
    match criterion.aggregate {
        Aggregate::Rate => {
            let mut loop_results = vec![1.0; 119];
            loop_results.push(0.0);
            loop_results
        }
        Aggregate::Count => vec![1.0; limit.value.unwrap_or(1.0).clamp(1.0, 5000.0) as usize],
        _ => {
            let value = match criterion.compare {
                Comparison::LOG => 42.2637,
                Comparison::GT | Comparison::NE => limit.value.unwrap_or(0.0) + 1.0,
                Comparison::LT => limit.value.unwrap_or(0.0) - 1.0,
                Comparison::GELE | Comparison::GTLT | Comparison::GELT | Comparison::GTLE => {
                    (limit.low.unwrap_or(0.0) + limit.high.unwrap_or(0.0)) / 2.0
                }
                _ => limit.value.unwrap_or(0.0),
            };
            vec![value; 3]
        }
    }
}

/// What the runner records for `item` when every criterion is met and the operator passes it.
fn result_of(item: &Item) -> ItemResult {
    let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for criterion in &item.criteria {
        values
            .entry(criterion.measurement.clone())
            .or_insert_with(|| series_for(criterion));
    }
    for spec in item.steps.iter().flat_map(|s| &s.produces) {
        values.entry(spec.name.clone()).or_insert_with(|| vec![1.0]);
    }
    let judges = item
        .steps
        .iter()
        .any(|s| s.kind == StepKind::Prompt && s.verdict);
    let evaluation = evaluate(item, &values, judges.then_some(Verdict::Pass));
    ItemResult {
        item: item.id.clone(),
        sample: 1,
        device_sn: "ACA01ABCDEFGHIJ12345678".into(),
        verdict: evaluation.verdict,
        source: ResultSource::Measured,
        operator: "Wang".into(),
        measurements: evaluation.measurements,
        criteria: evaluation.criteria,
        operator_verdict: judges.then_some(Verdict::Pass),
        reason: evaluation.reason,
        note: String::new(),
        attachments: Vec::new(),
    }
}

fn demo_state(plan: &Plan) -> RunState {
    let start = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
    let mut results = BTreeMap::new();
    let mut history = BTreeMap::new();
    for (minutes, item) in (0..).zip(&plan.items) {
        let result = result_of(item);
        history.insert(
            item.id.clone(),
            vec![HistoryEntry {
                recorded_utc: start + chrono::Duration::minutes(minutes),
                result: result.clone(),
            }],
        );
        results.insert(item.id.clone(), BTreeMap::from([(1, result)]));
    }
    RunState {
        facebench_version: "0.1.0".into(),
        plan_path: "testplans/desktop-cashier.toml".into(),
        plan_sha256: "cd".repeat(32),
        standard: plan.standard.clone(),
        units: vec![crate::report_workbook::unit("Acme", "FP-200")],
        station: "sim".into(),
        started_utc: start,
        last_utc: start + chrono::Duration::hours(5),
        results,
        history,
        attempts: BTreeMap::new(),
        interrupted: None,
        sessions: 1,
        finished: true,
        last_seq: 1,
    }
}

/// True when a number in `text` is written with a hyphen for its minus sign (`-10`, ` -0.5`).
fn hyphen_minus(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).enumerate().any(|(i, pair)| {
        let starts_word = i == 0 || !chars[i - 1].is_alphanumeric();
        pair[0] == '-' && pair[1].is_ascii_digit() && starts_word
    })
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Every item sheet's items as `(id, criterion, measured, result)`, continuation rows folded in.
fn item_rows(book: &mut Xlsx<std::io::BufReader<std::fs::File>>) -> Vec<[String; 4]> {
    let mut rows: Vec<[String; 4]> = Vec::new();
    for name in book.sheet_names() {
        if name == SUMMARY_SHEET || name == HISTORY_SHEET {
            continue;
        }
        let range = book.worksheet_range(&name).unwrap();
        for row in 1..range.height() as u32 {
            let cells = [0, 4, 5, 6].map(|c| text(&range, row, c));
            // An item taller than one row goes on over rows marked `(续 cont.)`: fold them.
            match (cells[0].split_once('\n'), rows.last_mut()) {
                (Some((id, "(续 cont.)")), Some(previous)) if previous[0] == id => {
                    for (into, more) in previous.iter_mut().zip(cells).skip(1) {
                        if !more.is_empty() {
                            into.push('\n');
                            into.push_str(&more);
                        }
                    }
                }
                _ => rows.push(cells),
            }
        }
    }
    rows
}

#[test]
fn demo_workbook_speaks_to_a_reviewer() {
    let plan = shipped_plan();
    let state = demo_state(&plan);
    let standard = Catalog::builtin()
        .standard("desktop-cashier")
        .unwrap()
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.xlsx");
    write_workbook(&path, &plan, &standard, &state, &models(&state)[0]).unwrap();

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let rows = item_rows(&mut book);
    assert!(rows.len() > 30, "every applicable item has a row");
    let internal: Vec<String> = plan
        .items
        .iter()
        .flat_map(|i| i.steps.iter().flat_map(|s| &s.produces))
        .map(|m| format!("{}:", m.name))
        .collect();
    for [id, criterion, measured, _] in &rows {
        for cell in [criterion, measured] {
            for bad in [
                "usb_reenum",
                "face_ok",
                "− -",
                "∈",
                "|mean",
                "|last",
                " grade",
            ] {
                assert!(!cell.contains(bad), "{id}: {bad:?} in {cell:?}");
            }
            assert!(!hyphen_minus(cell), "{id}: hyphen for a minus in {cell:?}");
            for line in cell.lines() {
                let named = internal.iter().find(|name| line.starts_with(name.as_str()));
                assert!(named.is_none(), "{id}: internal name in {line:?}");
            }
        }
    }

    let row = |id: &str| rows.iter().find(|r| r[0] == id).unwrap();
    // The face-payment loop: a rate in percent, rounded, with its display name.
    let [_, criterion, measured, _] = row("CLM-001");
    assert!(
        criterion.contains("人脸支付成功率 face payment success rate: ≥ 98 %"),
        "{criterion}"
    );
    assert!(
        measured.contains("人脸支付成功率 face payment success rate: 99.2 %"),
        "{measured}"
    );
    assert!(
        criterion.contains("箱温偏差 chamber deviation: max ≤ 2 K"),
        "{criterion}"
    );
    // Pencil hardness by grade name.
    let [_, criterion, measured, _] = row("COT-001");
    assert!(
        criterion.contains("铅笔硬度 pencil hardness: ≥ H"),
        "{criterion}"
    );
    assert!(
        measured.contains("铅笔硬度 pencil hardness: H"),
        "{measured}"
    );

    // Log-only criteria are recorded, and the item's verdict comes from the judged ones.
    let logged: Vec<&[String; 4]> = rows
        .iter()
        .filter(|r| r[1].contains("已记录 recorded"))
        .collect();
    assert!(
        !logged.is_empty(),
        "the temperature-rise item logs internal points"
    );
    for [id, criterion, measured, result] in logged {
        let recorded = criterion.lines().filter(|l| l.contains("已记录 recorded"));
        assert_eq!(
            recorded.count(),
            measured.matches("(已记录 recorded)").count(),
            "{id}: every log-only criterion's value is marked recorded:\n{measured}"
        );
        for line in measured.lines().filter(|l| l.contains("已记录")) {
            assert!(
                !line.contains("pass"),
                "{id}: a recorded value is no verdict"
            );
        }
        assert_eq!(result, "pass", "{id}: its judged criteria pass");
    }
}

/// A one-item plan whose only criterion logs `temp_soc`, with or without a verdict prompt.
fn log_only_plan(prompt: bool) -> Plan {
    let prompt_step = if prompt {
        "\n  [[items.steps]]\n  kind = \"prompt\"\n  text = \"Judge the reading.\"\n  verdict = true\n"
    } else {
        ""
    };
    let text = format!(
        r#"[plan]
standard = "desktop-cashier"
name_zh = "桌面收银"
version = "1.4"
notice = "test"

[[categories]]
number = 2
name = "温升测试"
sheet = "climate"

[[items]]
id = "CLM-100"
sheet = "climate"
name_zh = "温升"
name_en = "Temperature rise"
method = "GB 4943.1"
conditions = "25 °C"
automation = "semi"

  [[items.steps]]
  kind = "prompt"
  text = "Read the SoC temperature."
  produces = [{{ name = "temp_soc", unit = "°C", label_zh = "主芯片温度", label_en = "SoC temperature", resolution = 0.1 }}]
{prompt_step}
  [[items.criteria]]
  measurement = "temp_soc"
  aggregate = "max"
  compare = "LOG"
  unit = "°C"
"#
    );
    parse_plan(&text, "log-only.toml", &Catalog::builtin())
        .unwrap_or_else(|e| panic!("log-only plan is invalid: {e:?}"))
}

#[test]
fn log_only_items_take_the_operator_verdict_or_stay_not_tested() {
    let values = BTreeMap::from([("temp_soc".to_string(), vec![61.04, 63.96])]);
    let plan = log_only_plan(false);
    let unjudged = evaluate(&plan.items[0], &values, None);
    assert_eq!(unjudged.verdict, Verdict::NotTested);
    assert_eq!(unjudged.criteria[0].verdict, Verdict::NotApplicable);
    assert_eq!(unjudged.criteria[0].value, Some(63.96));
    assert!(unjudged
        .reason
        .unwrap()
        .contains("no criterion has a limit"));

    let plan = log_only_plan(true);
    for verdict in [Verdict::Pass, Verdict::NoPass] {
        let judged = evaluate(&plan.items[0], &values, Some(verdict));
        assert_eq!(judged.verdict, verdict, "the operator's verdict decides");
    }
    assert_eq!(
        plan.items[0].measurement("temp_soc").unwrap().resolution,
        Some(0.1)
    );
}
