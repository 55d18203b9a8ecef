//! The network's own workbook: `plan import` of a made-up workbook in the network's style
//! (.xlsx written here, .xls converted once with LibreOffice), `plan check`, a run answered by
//! the operator file, `report` and `package` filling a copy, read back cell by cell.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{open_workbook, open_workbook_auto, Data, Reader, Xls, Xlsx};

use crate::common::{code, run, text, DEMO_UNIT};
use crate::network_workbook::{
    write_network_workbook, CLIMATE, CLIMATE_ROWS, MECHANICAL, MECHANICAL_ROWS, MECHANICAL_WORDS,
    PERFORMANCE, README,
};
use crate::services;

/// Column E, the result column of both test sheets.
const RESULT_COLUMN: u32 = 4;

/// The operator's answers for the imported items (ids as `plan import` makes them).
const ANSWERS: &str = r#"
operator = "Zhang San"

[items."CLM-001"]
verdict = "pass"
note = "外观与功能正常 / all functions normal"

[items."CLM-002"]
verdict = "no pass"
note = "第 3 次支付超时"

[items."CLM-003"]
verdict = "na"
note = "not required for this unit"

[items."CLM-004"]
skip = "chamber booked"

[items."MEC-001"]
verdict = "pass"
note = "no damage"

[items."MEC-002"]
verdict = "pass"

[items."MEC-003"]
verdict = "no pass"
note = "key 5 sticks"
"#;

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

/// Imports `workbook` into `dir/draft.toml`, checks it, runs it with [`ANSWERS`] and reports.
/// Returns (import stderr, report stdout, the run directory).
fn import_run_report(dir: &Path, workbook: &Path, extra: &[&str]) -> (String, String, PathBuf) {
    let draft = dir.join("draft.toml");
    let mut args = vec!["plan", "import", path_str(workbook), "-o", path_str(&draft)];
    args.extend(extra);
    let imported = run(&args);
    let (out, err) = text(&imported);
    assert_eq!(code(&imported), 0, "{out}\n{err}");
    assert!(out.contains("7 items"), "{out}");
    let checked = run(&["plan", "check", path_str(&draft)]);
    assert_eq!(code(&checked), 0, "{:?}", text(&checked));
    assert!(text(&checked).0.contains("ok, 7 items"));

    let answers = dir.join("answers.toml");
    std::fs::write(&answers, ANSWERS).expect("answers");
    let run_dir = dir.join("run");
    let mut run_args = vec![
        "run",
        "--plan",
        path_str(&draft),
        "--answers",
        path_str(&answers),
        "--run-dir",
        path_str(&run_dir),
    ];
    run_args.extend(DEMO_UNIT);
    let ran = run(&run_args);
    assert!(run_dir.join("journal.jsonl").exists(), "{:?}", text(&ran));
    let reported = run(&["report", path_str(&run_dir)]);
    let (report_out, report_err) = text(&reported);
    assert!(
        report_out.contains("network workbook:"),
        "{report_out}\n{report_err}"
    );
    (err, report_out, run_dir)
}

/// The filled copy in the report folder (the official file name, `[1…`).
fn filled_in(run_dir: &Path) -> PathBuf {
    let folder = run_dir.join("report").join("DemoTech-FP-200");
    std::fs::read_dir(&folder)
        .expect("model report folder")
        .map(|e| e.expect("entry").path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("[1"))
        })
        .unwrap_or_else(|| panic!("no filled workbook in {}", folder.display()))
}

fn cells_of<R: Reader<std::io::BufReader<File>>>(
    book: &mut R,
    sheet: &str,
) -> BTreeMap<(u32, u32), String>
where
    R::Error: std::fmt::Debug,
{
    let range = book.worksheet_range(sheet).expect("sheet reads");
    range
        .used_cells()
        .filter(|(_, _, d)| !matches!(d, Data::Empty))
        .map(|(r, c, d)| {
            let (r0, c0) = range.start().unwrap_or((0, 0));
            ((r0 + r as u32, c0 + c as u32), d.to_string())
        })
        .collect()
}

/// The target cells: (sheet, 0-based row, 0-based column) → expected text, with the result
/// words of each sheet (climate: pass, no pass, NA, not tested; mechanical: pass, no pass).
fn expected_targets(
    climate_words: [&str; 4],
    mechanical_words: [&str; 2],
) -> Vec<(&'static str, u32, u32, String)> {
    let [pass, no_pass, na, not_tested] = climate_words;
    let [mechanical_pass, mechanical_no_pass] = mechanical_words;
    let mut cells = vec![
        (CLIMATE, 2, 4, pass.to_string()),
        (
            CLIMATE,
            2,
            6,
            "外观与功能正常 / all functions normal".to_string(),
        ),
        (CLIMATE, 3, 4, no_pass.to_string()),
        (CLIMATE, 3, 6, "第 3 次支付超时".to_string()),
        (CLIMATE, 5, 4, na.to_string()),
        (CLIMATE, 6, 4, not_tested.to_string()),
        (CLIMATE, 6, 6, "chamber booked".to_string()),
        (MECHANICAL, 2, 4, mechanical_pass.to_string()),
        (MECHANICAL, 2, 5, "no damage".to_string()),
        (MECHANICAL, 3, 4, mechanical_pass.to_string()),
        (MECHANICAL, 5, 4, mechanical_no_pass.to_string()),
        (MECHANICAL, 5, 5, "key 5 sticks".to_string()),
    ];
    // The measured column (climate only) shows the operator's judgement.
    cells.push((CLIMATE, 2, 5, "pass".to_string()));
    cells.push((CLIMATE, 3, 5, "no pass".to_string()));
    cells.push((CLIMATE, 5, 5, "NA".to_string()));
    cells.push((CLIMATE, 5, 6, "not required for this unit".to_string()));
    cells
}

/// Every cell of the original is in the copy unchanged, except the targets, which hold the
/// expected text.
fn assert_filled(
    original: &BTreeMap<(u32, u32), String>,
    filled: &BTreeMap<(u32, u32), String>,
    sheet: &str,
    targets: &[(&str, u32, u32, String)],
) {
    let mine: Vec<_> = targets.iter().filter(|t| t.0 == sheet).collect();
    for (position, value) in original {
        if mine.iter().all(|t| (t.1, t.2) != *position) {
            assert_eq!(filled.get(position), Some(value), "'{sheet}' {position:?}");
        }
    }
    for (_, row, column, text) in &mine {
        let got = filled
            .get(&(*row, *column))
            .map(String::as_str)
            .unwrap_or("");
        let place = format!("'{sheet}' row {} column {column}", row + 1);
        // Results exactly; measured and note text as the report's row functions word it.
        if *column == RESULT_COLUMN {
            assert_eq!(got, text, "{place}");
        } else {
            assert!(
                got.contains(text.as_str()),
                "{place}: {got:?} lacks {text:?}"
            );
        }
    }
    for position in filled.keys() {
        assert!(
            original.contains_key(position) || mine.iter().any(|t| (t.1, t.2) == *position),
            "'{sheet}' {position:?} was not in the original nor a target"
        );
    }
}

fn zip_members(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(File::open(path).expect("zip")).expect("zip reads");
    (0..archive.len())
        .map(|i| {
            let mut member = archive.by_index(i).expect("member");
            let mut bytes = Vec::new();
            member.read_to_end(&mut bytes).expect("member reads");
            (member.name().to_string(), bytes)
        })
        .collect()
}

/// The text between `open` and `close` (inclusive) in a sheet part, empty when absent.
fn section(xml: &[u8], open: &str, close: &str) -> String {
    let xml = String::from_utf8_lossy(xml);
    match (xml.find(open), xml.find(close)) {
        (Some(a), Some(b)) if b >= a => xml[a..b + close.len()].to_string(),
        _ => String::new(),
    }
}

/// Converts `workbook` to PDF with LibreOffice (headless, which refuses nothing silently: a
/// workbook it would have to repair converts to nothing) and checks a page came out; skipped
/// when LibreOffice is not installed.
fn opens_in_libreoffice(workbook: &Path, tmp: &Path) {
    let test = "an_imported_xlsx_is_filled_in_place_and_keeps_its_formatting";
    let Some(soffice) = services::or_skip(
        services::find_program(&["soffice"]),
        test,
        "LibreOffice (soffice), rendering the filled copy",
    ) else {
        return;
    };
    let out = tmp.join("rendered");
    let profile = tmp.join("lo-profile");
    let status = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .arg(workbook)
        .output()
        .expect("soffice runs");
    let pdf = out.join(workbook.with_extension("pdf").file_name().expect("name"));
    let bytes = std::fs::read(&pdf).unwrap_or_else(|e| {
        panic!(
            "LibreOffice did not convert {}: {e}; {}",
            workbook.display(),
            String::from_utf8_lossy(&status.stderr)
        )
    });
    assert!(bytes.starts_with(b"%PDF"), "{}", pdf.display());
    assert!(
        String::from_utf8_lossy(&bytes).contains("/Type /Page")
            || String::from_utf8_lossy(&bytes).contains("/Type/Page"),
        "{} has no page",
        pdf.display()
    );
}

#[test]
fn an_imported_xlsx_is_filled_in_place_and_keeps_its_formatting() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let original = tmp
        .path()
        .join("[1微信刷脸支付-桌面收银测试用例v1.4]-[厂商][型号].xlsx");
    write_network_workbook(&original).expect("workbook written");
    let (import_err, report_out, run_dir) = import_run_report(tmp.path(), &original, &[]);

    // What could not be mapped, each with sheet and cell.
    for expected in [
        format!("'{README}': not one of the standard's sheets"),
        format!("'{CLIMATE}'!A5:G5: section heading, not an item: \"二、存储\""),
        format!("'{CLIMATE}'!D6:D7: criterion cells merged across rows: its text is used for each of rows 6–7"),
        format!("'{CLIMATE}'!A8: row has no id (测试项目 \"恒定湿热（参考）\")"),
        format!("'{MECHANICAL}'!A5: row has no id (测试项目 \"扭转 Twist (optional)\")"),
        format!("'{PERFORMANCE}'!A1: no header row"),
    ] {
        assert!(import_err.contains(&expected), "missing {expected:?} in:\n{import_err}");
    }
    assert!(import_err.contains("not mapped (6):"), "{import_err}");

    // The draft keeps the texts as written, the merged criterion on both storage rows.
    let draft = std::fs::read_to_string(tmp.path().join("draft.toml")).expect("draft");
    for (_, _, name, conditions, criterion) in CLIMATE_ROWS {
        assert!(draft.contains(&format!("name_zh = \"{name}\"")), "{name}");
        assert!(draft.contains(conditions), "{conditions}");
        assert!(draft.contains(criterion), "{criterion}");
    }
    assert_eq!(
        draft.matches(CLIMATE_ROWS[2].4).count(),
        2,
        "merged criterion on both rows"
    );
    for (_, _, name, _, _) in MECHANICAL_ROWS {
        assert!(draft.contains(name), "{name}");
    }
    let source_line = "source = \"[1微信刷脸支付-桌面收银测试用例v1.4]-[厂商][型号].xlsx\"";
    assert!(draft.contains(source_line), "{draft}");

    let filled = filled_in(&run_dir);
    assert!(
        report_out.contains("cells filled in a copy of"),
        "{report_out}"
    );

    // Cell by cell: every original value kept, the targets filled with the sheet's own words:
    // the climate list's, and the mechanical list's, read from the cells it names.
    let targets = expected_targets(
        ["合格", "不合格", "不适用", "未测试"],
        [MECHANICAL_WORDS[0], MECHANICAL_WORDS[1]],
    );
    let mut before: Xlsx<_> = open_workbook(&original).expect("original opens");
    let mut after: Xlsx<_> = open_workbook(&filled).expect("filled opens");
    assert_eq!(before.sheet_names(), after.sheet_names());
    for sheet in before.sheet_names() {
        let (a, b) = (cells_of(&mut before, &sheet), cells_of(&mut after, &sheet));
        assert_filled(&a, &b, &sheet, &targets);
        assert_eq!(
            before
                .worksheet_merge_cells(&sheet)
                .map(|m| m.expect("merges")),
            after
                .worksheet_merge_cells(&sheet)
                .map(|m| m.expect("merges")),
            "merged cells of '{sheet}'"
        );
    }

    // Formatting: untouched members byte-identical; in the filled sheets the column widths,
    // merged ranges, page setup and validations are the original's XML.
    let (a, b) = (zip_members(&original), zip_members(&filled));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let changed: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert_eq!(
        changed,
        ["xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"],
        "only the climate and mechanical sheets change"
    );
    for part in changed {
        for (open, close) in [
            ("<cols>", "</cols>"),
            ("<mergeCells", "</mergeCells>"),
            ("<pageSetup", "/>"),
            ("<dataValidations", "</dataValidations>"),
            ("<sheetViews>", "</sheetViews>"),
        ] {
            assert_eq!(
                section(&a[part], open, close),
                section(&b[part], open, close),
                "{part} {open}"
            );
        }
    }
    assert!(section(&b["xl/worksheets/sheet2.xml"], "<cols>", "</cols>").contains("width="));

    // Each filled sheet's <dimension> covers every cell it holds.
    for (part, sheet) in [
        ("xl/worksheets/sheet2.xml", CLIMATE),
        ("xl/worksheets/sheet3.xml", MECHANICAL),
    ] {
        let dimension = section(&b[part], "<dimension ref=\"", "\"/>");
        let range = dimension
            .trim_start_matches("<dimension ref=\"")
            .trim_end_matches("\"/>")
            .to_string();
        let (first, last) = range.split_once(':').expect("a dimension range");
        let corner = |cell: &str| {
            let split = cell.find(|c: char| c.is_ascii_digit()).expect("row");
            let column = cell[..split]
                .bytes()
                .fold(0u32, |n, b| n * 26 + u32::from(b - b'A') + 1)
                - 1;
            (cell[split..].parse::<u32>().expect("row") - 1, column)
        };
        let (first, last) = (corner(first), corner(last));
        for (row, column) in cells_of(&mut after, sheet).keys() {
            assert!(
                (first.0..=last.0).contains(row) && (first.1..=last.1).contains(column),
                "'{sheet}' ({row}, {column}) outside its dimension {range}"
            );
        }
    }

    // The filled copy opens in LibreOffice as it is (no repair) and prints.
    opens_in_libreoffice(&filled, tmp.path());

    // package puts the filled copy under the official file name.
    let out = tmp.path().join("bundle");
    let packaged = run(&["package", path_str(&run_dir), "--out", path_str(&out)]);
    assert_eq!(code(&packaged), 0, "{:?}", text(&packaged));
    let official = out
        .join("DemoTech-FP-200")
        .join("[1微信刷脸支付-桌面收银测试用例v1.4]-[DemoTech][FP-200].xlsx");
    let mut bundled: Xlsx<_> = open_workbook(&official).expect("bundled workbook opens");
    assert_filled(
        &cells_of(&mut before, CLIMATE),
        &cells_of(&mut bundled, CLIMATE),
        CLIMATE,
        &targets,
    );
}

#[test]
fn an_imported_xls_is_filled_as_an_xlsx_copy_with_its_sheets_values_and_merges() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/network-workbook.xls");
    let original = tmp.path().join("network-workbook.xls");
    std::fs::copy(&fixture, &original).expect("fixture copied");
    let (import_err, report_out, run_dir) =
        import_run_report(tmp.path(), &original, &["--standard", "desktop-cashier"]);
    assert!(
        import_err.contains(&format!("'{CLIMATE}'!A8: row has no id")),
        "{import_err}"
    );
    assert!(
        report_out.contains("an .xlsx copy of the .xls original"),
        "{report_out}"
    );

    let filled = filled_in(&run_dir);
    // The .xls has no list validation calamine reads: the default words.
    let targets = expected_targets(["通过", "不通过", "NA", "未测"], ["通过", "不通过"]);
    let mut before: Xls<_> = open_workbook(&original).expect("xls opens");
    let mut after = open_workbook_auto(&filled).expect("filled opens");
    assert_eq!(before.sheet_names(), after.sheet_names());
    for sheet in before.sheet_names() {
        let (a, b) = (cells_of(&mut before, &sheet), cells_of(&mut after, &sheet));
        assert_filled(&a, &b, &sheet, &targets);
        let merges_before = before.worksheet_merge_cells(&sheet).unwrap_or_default();
        let mut xlsx: Xlsx<_> = open_workbook(&filled).expect("filled opens");
        let merges_after = xlsx
            .worksheet_merge_cells(&sheet)
            .map(|m| m.expect("merges"))
            .unwrap_or_default();
        let mut merges_before = merges_before;
        let mut merges_after = merges_after;
        merges_before.sort_by_key(|d| (d.start, d.end));
        merges_after.sort_by_key(|d| (d.start, d.end));
        assert_eq!(merges_before, merges_after, "merged cells of '{sheet}'");
    }

    // A workbook changed after the import is refused: its rows may have moved.
    std::fs::write(&original, b"not the imported workbook").expect("overwrite");
    let refused = run(&["report", path_str(&run_dir)]);
    let (out, err) = text(&refused);
    assert_ne!(code(&refused), 0, "{out}");
    assert!(err.contains("changed since the plan was imported"), "{err}");
}
