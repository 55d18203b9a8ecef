//! The demo's run end to end, shortened (one run, every assertion on it): the demo's plan, units,
//! answers and simulated station through `run`, `report` and `package`, with the items that
//! only take long (days of chamber profiles and camera soaks) left out. The workbook it writes
//! for the two samples is read back with calamine and checked cell by cell against the journal
//! and the plan snapshot (a result column per sample, the merged verdict, the sample_qty flag,
//! `not tested` for the items left out); the per-sample camera charts; the submission folder's
//! exact names. The whole `facebench demo` stays CI's smoke step (`.ci/run`).

use crate::common;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{code, run, state, text};
use facebench::catalog::{Catalog, Sheet};
use facebench::journal::ItemResult;
use facebench::judge::Verdict;
use facebench::plan::parse_plan;
use facebench::report::merge_samples;
use facebench::report::wording::Measure;

/// Items of the demo's plan left out because they only take long: the long chamber profiles
/// (storage, damp heat, the chemical-resistance soaks) and the camera soak, switching and
/// burn-in. Each kind of step is still run by an item that is kept.
const SLOW_ITEMS: [&str; 10] = [
    "CLM-002", "CLM-003", "CLM-004", "CLM-005", "CLM-006", "COT-007", "COT-009", "PER-003",
    "PER-005", "PER-009",
];

fn cell(row: &[Data], column: usize) -> String {
    row.get(column).map(|d| d.to_string()).unwrap_or_default()
}

#[test]
fn demo_workbook_matches_the_journal_cell_by_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let run_dir = out.join("run");
    let catalog = Catalog::builtin();
    let plan_path = "testplans/desktop-cashier.toml";
    let demo_plan = parse_plan(
        &std::fs::read_to_string(plan_path).unwrap(),
        plan_path,
        &catalog,
    )
    .unwrap();
    let kept: Vec<&str> = demo_plan
        .items
        .iter()
        .map(|item| item.id.as_str())
        .filter(|id| !SLOW_ITEMS.contains(id))
        .collect();
    let mut args = vec![
        "run",
        "--plan",
        plan_path,
        "--sim",
        "--answers",
        "testplans/answers/demo-desktop-cashier.toml",
        "--unit",
        "testplans/units/demo-unit.toml",
        "--unit",
        "testplans/units/demo-unit-2.toml",
        "--run-dir",
        run_dir.to_str().unwrap(),
        "--only",
    ];
    args.extend(&kept);
    let output = run(&args);
    let (stdout, stderr) = text(&output);
    assert!(code(&output) <= 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("overall:"), "{stdout}");
    // The summary says why the overall verdict is not a pass: each unfinished item with its reason.
    assert!(
        stdout.contains("not finished:  CLM-002 not tested: not run")
            && stdout.contains("CLM-007 not tested: test Na needs a two-zone")
            && stdout.contains("MEC-005 not tested: drop height mm 50 is outside"),
        "{stdout}"
    );
    let submission_root = out.join("submission");
    let packaged = run(&[
        "package",
        run_dir.to_str().unwrap(),
        "--out",
        submission_root.to_str().unwrap(),
    ]);
    assert_eq!(code(&packaged), 0, "{packaged:?}");

    let state = state(&run_dir);
    let plan_text = std::fs::read_to_string(run_dir.join("plan.toml")).unwrap();
    let plan = parse_plan(&plan_text, "plan.toml", &catalog).unwrap();
    let ran: Vec<&str> = state.results.keys().map(String::as_str).collect();
    assert_eq!(ran.len(), kept.len(), "every item kept has a result");
    assert!(kept.iter().all(|id| ran.contains(id)), "{ran:?}");

    // One model, two samples: one report folder, one workbook with a column per sample.
    assert_eq!(state.units.len(), 2);
    let workbook_path = run_dir.join("report/DemoTech-FP-200/workbook.xlsx");
    let mut workbook: Xlsx<_> = open_workbook(&workbook_path).unwrap();
    let names = workbook.sheet_names();
    let expected_sheets: Vec<&str> = Sheet::ALL.iter().map(|s| s.name_zh()).collect();
    assert_eq!(&names[1..6], expected_sheets.as_slice(), "{names:?}");
    let device_type = &state.first_unit().device_type;

    let mut counted = 0;
    for sheet in Sheet::ALL {
        let range = workbook.worksheet_range(sheet.name_zh()).unwrap();
        // An item taller than Excel's tallest row goes on over rows marked `(续 cont.)`: fold
        // their text into the item's row.
        let mut rows: Vec<Vec<Data>> = Vec::new();
        for row in range.rows() {
            match (cell(row, 0).split_once('\n'), rows.last_mut()) {
                (Some((id, "(续 cont.)")), Some(previous)) if cell(previous, 0) == id => {
                    for (into, more) in previous.iter_mut().zip(row).skip(1) {
                        if let (Data::String(into), Data::String(more)) = (into, more) {
                            into.push('\n');
                            into.push_str(more);
                        }
                    }
                }
                _ => rows.push(row.to_vec()),
            }
        }
        let items: Vec<_> = plan.items_of(sheet).collect();
        assert_eq!(
            rows.len(),
            items.len() + 1,
            "{sheet}: header + one row per item"
        );
        for (sample, unit) in state.samples() {
            let header = cell(&rows[0], 6 + sample as usize);
            assert_eq!(
                header,
                format!("样品 {sample} / Sample {sample}\n{}", unit.device_sn)
            );
        }
        for (row, item) in rows[1..].iter().zip(items) {
            let applies = item.applies_to_device(device_type);
            let results: Vec<&ItemResult> = state
                .samples()
                .filter_map(|(sample, _)| state.result(&item.id, sample))
                .collect();
            if SLOW_ITEMS.contains(&item.id.as_str()) {
                // Left out of the run: not tested on every sample (unless it does not apply).
                assert!(results.is_empty(), "{}", item.id);
                let shown = if applies {
                    Verdict::NotTested
                } else {
                    Verdict::NotApplicable
                };
                for (sample, _) in state.samples() {
                    assert_eq!(cell(row, 6 + sample as usize), shown.label(), "{}", item.id);
                }
                assert_eq!(cell(row, 6), shown.label(), "{}", item.id);
                counted += 1;
                continue;
            }
            assert_eq!(results.len(), state.units.len(), "{}", item.id);
            assert_eq!(cell(row, 0), item.id);
            assert_eq!(cell(row, 1), item.name_zh);
            assert_eq!(cell(row, 2), item.name_en);
            let shown = |r: &ItemResult| {
                if applies {
                    r.verdict
                } else {
                    Verdict::NotApplicable
                }
            };
            let merged = merge_samples(results.iter().map(|r| shown(r)));
            assert_eq!(cell(row, 6), merged.label(), "{}", item.id);
            let measured = cell(row, 5);
            let note = cell(row, 9);
            let evidence = cell(row, 10);
            for result in &results {
                let column = 6 + result.sample as usize;
                assert_eq!(
                    cell(row, column),
                    shown(result).label(),
                    "{} sample {}",
                    item.id,
                    result.sample
                );
                for outcome in &result.criteria {
                    let label = Measure::of(item, &outcome.measurement).label();
                    assert!(measured.contains(&label), "{}: {measured}", item.id);
                }
                assert!(note.contains(result.note.trim()), "{}: {note}", item.id);
                if let (true, Some(reason)) = (applies, &result.reason) {
                    assert!(
                        note.contains(reason.as_str()),
                        "{}: {note} lacks {reason}",
                        item.id
                    );
                }
                for attachment in &result.attachments {
                    assert!(evidence.contains(attachment.as_str()), "{}", item.id);
                    assert!(
                        run_dir.join(attachment).is_file(),
                        "{attachment} copied into the run"
                    );
                }
            }
            let short = cell(row, 9).starts_with("样品不足 2 of ");
            assert_eq!(short, item.sample_qty > 2 && applies, "{}", item.id);
            counted += 1;
        }
    }
    assert_eq!(counted, plan.items.len());

    // The climate sheet is filled from measurements: every chamber item that ran carries the
    // chamber's readings, and anything the simulated station cannot do says why.
    for item in plan.items_of(Sheet::Climate) {
        for result in state
            .results
            .get(&item.id)
            .into_iter()
            .flat_map(|r| r.values())
        {
            let needs_chamber = item
                .rigs_needed()
                .contains(&facebench::plan::RigKind::Chamber);
            match result.verdict {
                Verdict::Pass if needs_chamber => assert!(
                    result
                        .measurements
                        .iter()
                        .any(|m| m.name == "chamber_temp" && m.values.len() > 10),
                    "{} passed without chamber readings",
                    item.id
                ),
                Verdict::NotTested => assert!(
                    result.reason.is_some(),
                    "{} not tested without a reason",
                    item.id
                ),
                _ => {}
            }
        }
    }
    assert!(run_dir.join("report/charts/CLM-001-chamber.png").is_file());
    for sample in [1, 2] {
        let camera = format!("report/charts/CLM-001-camera-sample-{sample}.png");
        assert!(run_dir.join(&camera).is_file(), "{camera}");
    }
    assert!(run_dir.join("series/CLM-008/thermal.csv").is_file());

    let submission = submission_root.join("DemoTech-FP-200");
    assert!(submission
        .join("[1微信刷脸支付-桌面收银测试用例v1.4]-[DemoTech][FP-200].xlsx")
        .is_file());
    assert!(submission
        .join("[2温升测试]-[DemoTech][FP-200].zip")
        .is_file());
    assert!(submission
        .join("[5涂层类可靠性]-[DemoTech][FP-200].zip")
        .is_file());
}
