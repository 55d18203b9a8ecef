//! `facebench demo` end to end: the workbook it writes, read back with calamine, checked cell by
//! cell against the journal and the plan snapshot; the submission bundle's exact names.

use crate::common;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{code, run, state, text};
use facebench::catalog::{Catalog, Sheet};
use facebench::judge::Verdict;
use facebench::plan::parse_plan;

fn cell(row: &[Data], column: usize) -> String {
    row.get(column).map(|d| d.to_string()).unwrap_or_default()
}

#[test]
fn demo_workbook_matches_the_journal_cell_by_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let output = run(&["demo", "--out", out.to_str().unwrap()]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("overall:"), "{stdout}");

    let run_dir = out.join("run");
    let state = state(&run_dir);
    let catalog = Catalog::builtin();
    let plan_text = std::fs::read_to_string(run_dir.join("plan.toml")).unwrap();
    let plan = parse_plan(&plan_text, "plan.toml", &catalog).unwrap();
    assert_eq!(
        plan.items.len(),
        state.results.len(),
        "every item has a result"
    );

    let mut workbook: Xlsx<_> = open_workbook(run_dir.join("report/workbook.xlsx")).unwrap();
    let names = workbook.sheet_names();
    let expected_sheets: Vec<&str> = Sheet::ALL.iter().map(|s| s.name_zh()).collect();
    assert_eq!(&names[1..6], expected_sheets.as_slice(), "{names:?}");

    let mut counted = 0;
    for sheet in Sheet::ALL {
        let range = workbook.worksheet_range(sheet.name_zh()).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let items: Vec<_> = plan.items_of(sheet).collect();
        assert_eq!(
            rows.len(),
            items.len() + 1,
            "{sheet}: header + one row per item"
        );
        for (row, item) in rows[1..].iter().zip(items) {
            let result = &state.results[&item.id][&1];
            assert_eq!(cell(row, 0), item.id);
            assert_eq!(cell(row, 1), item.name_zh);
            assert_eq!(cell(row, 2), item.name_en);
            assert_eq!(cell(row, 6), result.verdict.label(), "{}", item.id);
            for outcome in &result.criteria {
                let measured = cell(row, 5);
                assert!(
                    measured.contains(&outcome.measurement),
                    "{}: {measured}",
                    item.id
                );
            }
            let note = cell(row, 7);
            assert!(note.contains(result.note.trim()), "{}: {note}", item.id);
            let applies = item.applies_to_device(&state.first_unit().device_type);
            if let (true, Some(reason)) = (applies, &result.reason) {
                assert!(
                    note.contains(reason.as_str()),
                    "{}: {note} lacks {reason}",
                    item.id
                );
            }
            for attachment in &result.attachments {
                assert!(cell(row, 8).contains(attachment.as_str()), "{}", item.id);
                assert!(
                    run_dir.join(attachment).is_file(),
                    "{attachment} copied into the run"
                );
            }
            counted += 1;
        }
    }
    assert_eq!(counted, plan.items.len());

    // The climate sheet is filled from measurements: every chamber item that ran carries the
    // chamber's readings, and anything the simulated station cannot do says why.
    for item in plan.items_of(Sheet::Climate) {
        let result = &state.results[&item.id][&1];
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
    assert!(run_dir.join("report/charts/CLM-005-chamber.png").is_file());
    assert!(run_dir.join("series/CLM-008/thermal.csv").is_file());

    let submission = out.join("submission");
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
