//! The camera checklist workbook of a `camera stress` run, read back with calamine and compared
//! cell by cell with the run's journal and the criteria of its plan snapshot.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use facebench::catalog::Catalog;
use facebench::journal::{read_journal, RunDir, RunState};
use facebench::judge::Verdict;
use facebench::plan::{parse_plan, Plan};
use facebench::report::wording::{aggregated_value, requirement_words, Measure};
use facebench::report::{CameraCheck, CHECKLIST_SHEET, CHECK_HEADER_ROW};

/// The measurements each checklist row gathers (the checklist's documented layout); the
/// dual-stream row C10 takes every criterion of the two-stream item CAM-005.
const ROWS: [(&str, &[&str]); 11] = [
    ("C01", &["open_failures", "failed_cycles", "cycles_done"]),
    ("C02", &["first_frame_ms"]),
    ("C03", &["fps", "fps_rgb", "fps_ir", "fps_depth"]),
    ("C04", &["drop_rate", "drop_rate_upper", "device_drops"]),
    ("C05", &["stalls", "usb_reenum"]),
    ("C06", &["bad_frames"]),
    ("C07", &["frozen_frames", "dark_frames"]),
    ("C08", &["luma_mean", "luma_frame_min", "luma_frame_max"]),
    ("C09", &["rss_slope", "fd_slope"]),
    ("C10", &[]),
    (
        "C11",
        &["switches_done", "switch_failures", "switch_wrong_frames"],
    ),
];

/// One checklist row as read back: number, name, figures, limit, result, note.
pub type Row = [String; 6];

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => panic!("({row},{col}) is not text: {other:?}"),
    }
}

/// The checklist workbook in the run's report folder.
pub fn checklist_path(run_dir: &Path) -> PathBuf {
    let report = run_dir.join("report");
    std::fs::read_dir(&report)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("[1摄像头测试Checklist]"))
        })
        .unwrap_or_else(|| panic!("no checklist in {}", report.display()))
}

/// The checklist's rows and its overall verdict cell.
pub fn read_rows(run_dir: &Path) -> (Vec<Row>, String) {
    let mut book: Xlsx<_> = open_workbook(checklist_path(run_dir)).unwrap();
    let sheet = book.worksheet_range(CHECKLIST_SHEET).unwrap();
    // A check too tall for one row goes on over rows whose number reads `C10\n(续 cont.)`:
    // their text is folded back into the check's row.
    let mut rows: Vec<Row> = Vec::new();
    let mut row = CHECK_HEADER_ROW + 1;
    while rows.len() < CameraCheck::ALL.len() {
        let cells: Row = std::array::from_fn(|col| text(&sheet, row, col as u32));
        assert!(
            !cells[0].is_empty(),
            "row {row} of the check table has no number"
        );
        match (cells[0].split_once('\n'), rows.last_mut()) {
            (Some((number, "(续 cont.)")), Some(previous)) => {
                assert_eq!(number, previous[0], "row {row} continues another check");
                for (into, more) in previous.iter_mut().zip(cells).skip(1) {
                    if !more.is_empty() {
                        into.push('\n');
                        into.push_str(&more);
                    }
                }
            }
            _ => rows.push(cells),
        }
        row += 1;
    }
    (rows, text(&sheet, 10, 2))
}

/// The run's plan snapshot and folded journal.
pub fn plan_and_state(run_dir: &Path) -> (Plan, RunState) {
    let dir = RunDir::open(run_dir).unwrap();
    let text = dir.read_plan_snapshot().unwrap();
    let plan = parse_plan(&text, "plan.toml", &Catalog::builtin()).unwrap();
    let state = RunState::from_entries(&read_journal(&dir).unwrap().entries).unwrap();
    (plan, state)
}

/// Asserts every checklist row equals what the journal recorded for the plan criteria on that
/// row, and returns the rows. Rows of items that did not run are `not tested`.
pub fn assert_checklist_matches_journal(run_dir: &Path) -> Vec<Row> {
    let (plan, state) = plan_and_state(run_dir);
    let (rows, overall) = read_rows(run_dir);
    let mut verdicts = Vec::new();
    for ((number, measurements), (row, check)) in ROWS.iter().zip(rows.iter().zip(CameraCheck::ALL))
    {
        assert_eq!(&row[0], number);
        assert_eq!(row[1], check.name());
        let mut figures = Vec::new();
        let mut limits = Vec::new();
        let mut row_verdicts = Vec::new();
        for item in &plan.items {
            let Some(result) = state.result(&item.id, 1) else {
                continue;
            };
            for (criterion, outcome) in item.criteria.iter().zip(&result.criteria) {
                assert_eq!(criterion.measurement, outcome.measurement);
                let on_row = if *number == "C10" {
                    item.id == "CAM-005"
                } else {
                    measurements.contains(&outcome.measurement.as_str())
                };
                if !on_row {
                    continue;
                }
                // Names, limits and values in the workbook's words (`report::wording`, tested
                // on its own); which outcome lands on which row is what is checked here.
                let measure = Measure::of(item, &criterion.measurement);
                let label = format!("{} {}", item.id, measure.label());
                figures.push((
                    format!("{label}: "),
                    outcome
                        .value
                        .map(|v| aggregated_value(criterion, &measure, v)),
                ));
                limits.push(format!(
                    "{label}: {}",
                    requirement_words(criterion, &measure)
                ));
                let held = result.reason.is_some()
                    && matches!(result.verdict, Verdict::Error | Verdict::NotTested);
                row_verdicts.push(if held {
                    Verdict::worst([outcome.verdict, result.verdict]).unwrap()
                } else {
                    outcome.verdict
                });
            }
        }
        let Some(verdict) = Verdict::worst(row_verdicts) else {
            assert_eq!(row[4], "not tested", "{number}: no item of it ran");
            assert_eq!(row[2], "—", "{number}");
            verdicts.push(Verdict::NotTested);
            continue;
        };
        assert_eq!(row[4], verdict.label(), "{number}: {row:?}");
        assert_eq!(row[3], limits.join("\n"), "{number}");
        let lines: Vec<&str> = row[2].lines().collect();
        assert_eq!(lines.len(), figures.len(), "{number}: {}", row[2]);
        for (line, (label, value)) in lines.iter().zip(&figures) {
            let shown = line
                .strip_prefix(label.as_str())
                .unwrap_or_else(|| panic!("{number}: {line:?} is not {label:?}…"));
            assert_eq!(shown, value.as_deref().unwrap_or("—"), "{number}: {line}");
        }
        verdicts.push(verdict);
    }
    let worst = Verdict::worst(verdicts).unwrap();
    assert_eq!(overall, worst.label());
    rows
}
