//! `facebench demo` end to end (one demo run, every assertion on it): the workbook it writes for
//! its two samples, read back with calamine, checked cell by cell against the journal and the
//! plan snapshot (a result column per sample, the merged verdict, the sample_qty flag); the
//! per-sample camera charts; the submission folder's exact names.

use crate::common;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{code, run, state, text};
use facebench::catalog::{Catalog, Sheet};
use facebench::judge::Verdict;
use facebench::plan::parse_plan;
use facebench::report::merge_samples;
use facebench::report::wording::Measure;

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
        let rows: Vec<&[Data]> = range.rows().collect();
        let items: Vec<_> = plan.items_of(sheet).collect();
        assert_eq!(
            rows.len(),
            items.len() + 1,
            "{sheet}: header + one row per item"
        );
        for (sample, unit) in state.samples() {
            let header = cell(rows[0], 6 + sample as usize);
            assert_eq!(
                header,
                format!("样品 {sample} / Sample {sample}\n{}", unit.device_sn)
            );
        }
        for (row, item) in rows[1..].iter().zip(items) {
            let applies = item.applies_to_device(device_type);
            let results: Vec<_> = state
                .samples()
                .map(|(sample, _)| &state.results[&item.id][&sample])
                .collect();
            assert_eq!(cell(row, 0), item.id);
            assert_eq!(cell(row, 1), item.name_zh);
            assert_eq!(cell(row, 2), item.name_en);
            let shown = |r: &facebench::journal::ItemResult| {
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
        for result in state.results[&item.id].values() {
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
    assert!(run_dir.join("report/charts/CLM-005-chamber.png").is_file());
    for sample in [1, 2] {
        let camera = format!("report/charts/CLM-001-camera-sample-{sample}.png");
        assert!(run_dir.join(&camera).is_file(), "{camera}");
    }
    assert!(run_dir.join("series/CLM-008/thermal.csv").is_file());

    let submission = out.join("submission/DemoTech-FP-200");
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
