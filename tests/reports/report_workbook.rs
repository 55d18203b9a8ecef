//! Reports and the submission bundle, read back: the workbook cell by cell with calamine, the
//! CSV files, `run.json`, the evidence zips with the zip crate, hostile vendor and model names,
//! and the completeness check of the vendor-supplied files.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use chrono::{TimeZone, Utc};
use facebench::catalog::{Catalog, Standard};
use facebench::journal::{HistoryEntry, ItemResult, MeasuredSeries, ResultSource, RunState};
use facebench::judge::{CriterionOutcome, Verdict};
use facebench::plan::{parse_plan, Plan};
use facebench::report::{
    check_submission, headers, models, package, write_reports, write_workbook, Severity,
    HISTORY_SHEET, MAX_VIDEO_BYTES, SUMMARY_SHEET,
};
use facebench::unit::{Features, Unit};

/// A desktop-cashier plan with one or two items per sheet and six evidence categories.
const PLAN: &str = include_str!("../fixtures/plans/report-workbook.toml");

fn plan_and_standard() -> (Plan, Standard) {
    let catalog = Catalog::builtin();
    let plan = match parse_plan(PLAN, "report-test.toml", &catalog) {
        Ok(plan) => plan,
        Err(errors) => panic!("test plan is invalid:\n{errors:?}"),
    };
    let standard = catalog.standard("desktop-cashier").unwrap().clone();
    (plan, standard)
}

/// `RunState::results`: the latest result per item and sample.
type Results = BTreeMap<String, BTreeMap<u32, ItemResult>>;
/// `RunState::history`: every result of each item, in order.
type History = BTreeMap<String, Vec<HistoryEntry>>;

/// Latest results per (item, sample) and the history of every result, recorded one minute apart
/// from 2026-11-02 09:00 UTC in the order given.
pub(crate) fn results_and_history(all: Vec<ItemResult>) -> (Results, History) {
    let mut results = Results::new();
    let mut history = History::new();
    let first = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    for (minutes, r) in (0..).zip(all) {
        history
            .entry(r.item.clone())
            .or_default()
            .push(HistoryEntry {
                recorded_utc: first + chrono::Duration::minutes(minutes),
                result: r.clone(),
            });
        results
            .entry(r.item.clone())
            .or_default()
            .insert(r.sample, r);
    }
    (results, history)
}

/// A registered unit of the workbook tests (also used by `report_wording`).
pub(crate) fn unit(vendor: &str, model: &str) -> Unit {
    Unit {
        vendor: vendor.into(),
        model: model.into(),
        device_type: "desktop-single-screen".into(),
        usage: None,
        device_sn: "ACA01ABCDEFGHIJ12345678".into(),
        camera_sn: "CAM-0042".into(),
        camera_model: None,
        features: Features {
            wifi: true,
            bluetooth: false,
            cellular_4g: true,
        },
        lab: "Lab 3".into(),
        operator: "Wang".into(),
    }
}

fn outcome(
    measurement: &str,
    value: Option<f64>,
    verdict: Verdict,
    requirement: &str,
) -> CriterionOutcome {
    CriterionOutcome {
        measurement: measurement.into(),
        value,
        verdict,
        marginal: false,
        requirement: requirement.into(),
        reason: None,
    }
}

fn result(item: &str, verdict: Verdict, criteria: Vec<CriterionOutcome>) -> ItemResult {
    ItemResult {
        item: item.into(),
        sample: 1,
        device_sn: String::new(),
        verdict,
        source: ResultSource::Measured,
        operator: "Wang".into(),
        measurements: Vec::new(),
        criteria,
        operator_verdict: None,
        reason: None,
        note: String::new(),
        attachments: Vec::new(),
    }
}

/// CLM-001 pass, CLM-002 no pass (after a corrected pass), MEC-001 NA (handheld only; its
/// stray result must be ignored), COT-001 not tested, FUN-001 pass by the operator, FUN-002
/// error, PER-001 pass (marginal).
fn state(unit: Unit) -> RunState {
    let mut clm1 = result(
        "CLM-001",
        Verdict::Pass,
        vec![outcome(
            "pay_failures",
            Some(0.0),
            Verdict::Pass,
            "max = 0 count",
        )],
    );
    clm1.attachments = vec![
        "attachments/CLM-001/curve.csv".into(),
        "attachments/CLM-001/missing.jpg".into(),
    ];
    let clm2_first = result(
        "CLM-002",
        Verdict::Pass,
        vec![outcome(
            "surface_rise",
            Some(21.0),
            Verdict::Pass,
            "max ≤ 25 K",
        )],
    );
    let mut clm2 = result(
        "CLM-002",
        Verdict::NoPass,
        vec![outcome(
            "surface_rise",
            Some(27.5),
            Verdict::NoPass,
            "max ≤ 25 K",
        )],
    );
    clm2.source = ResultSource::Record;
    clm2.reason = Some("thermocouple 3 re-read".into());
    clm2.note = "hot spot near the PSU".into();
    clm2.attachments = vec![
        "attachments/CLM-002/thermal.csv".into(),
        "../../etc/passwd".into(),
    ];
    let mec = result("MEC-001", Verdict::Pass, Vec::new());
    let mut fun1 = result("FUN-001", Verdict::Pass, Vec::new());
    fun1.source = ResultSource::Operator;
    fun1.operator_verdict = Some(Verdict::Pass);
    fun1.measurements = vec![MeasuredSeries {
        name: "gap".into(),
        unit: "mm".into(),
        values: vec![0.2, 0.3],
    }];
    fun1.attachments = vec!["attachments/FUN-001/front.jpg".into()];
    let mut fun2 = result(
        "FUN-002",
        Verdict::Error,
        vec![CriterionOutcome {
            reason: Some("camera unplugged".into()),
            ..outcome("scan_ok", None, Verdict::Error, "rate ≥ 0.95")
        }],
    );
    fun2.reason = Some("camera unplugged".into());
    let mut per = result(
        "PER-001",
        Verdict::Pass,
        vec![CriterionOutcome {
            marginal: true,
            ..outcome("fps", Some(25.1), Verdict::Pass, "25 ≤ mean ≤ 31 fps")
        }],
    );
    per.attachments = vec!["attachments/PER-001/fps.csv".into()];

    let all = vec![clm1, clm2_first, clm2, mec, fun1, fun2, per];
    let (results, history) = results_and_history(all);
    RunState {
        facebench_version: "0.1.0".into(),
        plan_path: "report-test.toml".into(),
        plan_sha256: "ab".repeat(32),
        standard: "desktop-cashier".into(),
        units: vec![unit],
        station: "sim".into(),
        started_utc: Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap(),
        last_utc: Utc.with_ymd_and_hms(2026, 11, 4, 17, 30, 5).unwrap(),
        results,
        history,
        attempts: BTreeMap::new(),
        interrupted: None,
        sessions: 1,
        finished: false,
        last_seq: 42,
    }
}

/// A run directory holding the attachments the state names (except the missing one).
fn run_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("run");
    for (path, text) in [
        ("attachments/CLM-001/curve.csv", "t,temp\n0,-10\n"),
        ("attachments/CLM-002/thermal.csv", "t,rise\n0,27.5\n"),
        ("attachments/FUN-001/front.jpg", "jpeg bytes"),
        ("attachments/PER-001/fps.csv", "t,fps\n0,25.1\n"),
    ] {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    dir
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn number(range: &Range<Data>, row: u32, col: u32) -> f64 {
    match range.get_value((row, col)) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("({row},{col}) is not a number: {other:?}"),
    }
}

/// The row whose first cell is `label`.
fn row_labelled(range: &Range<Data>, label: &str) -> u32 {
    (0..range.height() as u32)
        .find(|r| text(range, *r, 0) == label)
        .unwrap_or_else(|| panic!("no row labelled {label:?}"))
}

#[test]
fn workbook_reads_back_cell_by_cell() {
    let (plan, standard) = plan_and_standard();
    let state = state(unit("Acme", "FP-200"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wb.xlsx");
    write_workbook(&path, &plan, &standard, &state, &models(&state)[0]).unwrap();

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            SUMMARY_SHEET,
            "气候类可靠性",
            "机械类可靠性",
            "涂层类可靠性",
            "基本功能测试",
            "性能测试",
            HISTORY_SHEET
        ]
    );

    let climate = book.worksheet_range("气候类可靠性").unwrap();
    let header = headers(&models(&state)[0]);
    assert_eq!(header.len(), 10, "one sample column");
    assert_eq!(header[7], "样品 1 / Sample 1\nACA01ABCDEFGHIJ12345678");
    for (col, header) in header.iter().enumerate() {
        assert_eq!(text(&climate, 0, col as u32), *header);
    }
    assert_eq!(climate.height(), 3);
    let row1: Vec<String> = (0..10).map(|c| text(&climate, 1, c)).collect();
    assert_eq!(row1[0], "CLM-001");
    assert_eq!(row1[1], "低温工作");
    assert_eq!(row1[2], "Low-temperature operation");
    assert_eq!(row1[3], "−10 °C, 2 h, powered\ntemperature −10 °C ± 2 K");
    assert_eq!(row1[4], "pay_failures: max = 0");
    assert_eq!(row1[5], "pay_failures: max 0");
    assert_eq!(row1[6], "pass");
    assert_eq!(row1[7], "pass", "the sample's own result");
    assert_eq!(
        row1[9],
        "attachments/CLM-001/curve.csv\nattachments/CLM-001/missing.jpg"
    );
    assert_eq!(text(&climate, 2, 0), "CLM-002");
    assert_eq!(
        text(&climate, 2, 5),
        "表面温升 surface temperature rise: max 27.5 K"
    );
    assert_eq!(text(&climate, 2, 6), "no pass");
    assert_eq!(text(&climate, 2, 7), "no pass");
    assert_eq!(
        text(&climate, 2, 8),
        "hot spot near the PSU\nthermocouple 3 re-read"
    );

    let mechanical = book.worksheet_range("机械类可靠性").unwrap();
    assert_eq!(text(&mechanical, 1, 0), "MEC-001");
    assert_eq!(
        text(&mechanical, 1, 4),
        "操作员判定 operator judgement (pass / no pass)"
    );
    assert_eq!(text(&mechanical, 1, 5), "");
    assert_eq!(text(&mechanical, 1, 6), "NA");
    assert_eq!(
        text(&mechanical, 1, 8),
        "not applicable to desktop-single-screen"
    );

    let coating = book.worksheet_range("涂层类可靠性").unwrap();
    assert_eq!(text(&coating, 1, 0), "COT-001");
    assert_eq!(text(&coating, 1, 6), "not tested");
    assert_eq!(text(&coating, 1, 7), "not tested");
    assert_eq!(text(&coating, 1, 8), "not run");

    let function = book.worksheet_range("基本功能测试").unwrap();
    assert_eq!(text(&function, 1, 0), "FUN-001");
    assert_eq!(
        text(&function, 1, 5),
        "gap: 0.2, 0.3 mm\n操作员判定 operator: pass"
    );
    assert_eq!(text(&function, 1, 6), "pass");
    assert_eq!(text(&function, 2, 0), "FUN-002");
    assert_eq!(
        text(&function, 2, 4),
        "扫码成功率 scan success rate: ≥ 95 %"
    );
    assert_eq!(text(&function, 2, 5), "扫码成功率 scan success rate: —");
    assert_eq!(text(&function, 2, 6), "error");

    let performance = book.worksheet_range("性能测试").unwrap();
    assert_eq!(text(&performance, 1, 4), "fps: mean 25 … 31 fps");
    assert_eq!(
        text(&performance, 1, 5),
        "fps: mean 25.1 fps (临界 marginal)"
    );
    assert_eq!(text(&performance, 1, 6), "pass");

    let summary = book.worksheet_range(SUMMARY_SHEET).unwrap();
    let value = |label: &str| text(&summary, row_labelled(&summary, label), 1);
    assert_eq!(value("厂商 Vendor"), "Acme");
    assert_eq!(value("型号 Model"), "FP-200");
    assert_eq!(value("功能 Features"), "Wi-Fi, 4G");
    assert_eq!(value("工位 Station"), "sim");
    assert_eq!(value("样品数 Samples"), "1");
    assert_eq!(value("设备SN Device SN"), "ACA01ABCDEFGHIJ12345678");
    assert_eq!(value("摄像头SN Camera SN"), "CAM-0042");
    assert_eq!(value("样品不足 Too few samples"), "—");
    assert_eq!(value("计划 Plan SHA-256"), "ab".repeat(32));
    assert_eq!(value("开始 Started"), "2026-11-02 08:00:00 UTC");
    assert_eq!(value("说明 Notice"), plan.notice);
    assert_eq!(value("报告编号 Report No."), "FB-20261102-080000-345678");
    // pass, no pass, NA, not tested, error, total, verdict per sheet and in total.
    let expected: [(&str, [f64; 6], &str); 6] = [
        ("气候类可靠性", [1.0, 1.0, 0.0, 0.0, 0.0, 2.0], "no pass"),
        ("机械类可靠性", [0.0, 0.0, 1.0, 0.0, 0.0, 1.0], "NA"),
        ("涂层类可靠性", [0.0, 0.0, 0.0, 1.0, 0.0, 1.0], "not tested"),
        ("基本功能测试", [1.0, 0.0, 0.0, 0.0, 1.0, 2.0], "error"),
        ("性能测试", [1.0, 0.0, 0.0, 0.0, 0.0, 1.0], "pass"),
        ("合计 Total", [3.0, 1.0, 1.0, 1.0, 1.0, 7.0], "no pass"),
    ];
    for (label, counts, verdict) in expected {
        let row = row_labelled(&summary, label);
        let found: Vec<f64> = (1..=6).map(|c| number(&summary, row, c)).collect();
        assert_eq!(found, counts, "{label}");
        assert_eq!(text(&summary, row, 7), verdict, "{label}");
    }

    let history = book.worksheet_range(HISTORY_SHEET).unwrap();
    assert_eq!(text(&history, 0, 1), "样品 Sample");
    let clm2_rows: Vec<(String, String)> = (1..history.height() as u32)
        .filter(|r| text(&history, *r, 0) == "CLM-002")
        .inspect(|r| assert_eq!(number(&history, *r, 1), 1.0, "sample"))
        .map(|r| (text(&history, r, 3), text(&history, r, 4)))
        .collect();
    assert_eq!(
        clm2_rows,
        [
            ("pass".to_string(), "测量 measured".to_string()),
            ("no pass".to_string(), "更正 correction".to_string())
        ]
    );
    // The correction: when (UTC, ISO 8601), who, what changed from what to what, and why.
    let correction = (1..history.height() as u32)
        .find(|r| text(&history, *r, 0) == "CLM-002" && number(&history, *r, 2) == 2.0)
        .expect("the correction is the second CLM-002 row");
    let cells: Vec<String> = (5..9).map(|c| text(&history, correction, c)).collect();
    assert_eq!(
        cells,
        [
            "2026-11-02T09:02:00Z",
            "Wang",
            "pass → no pass\n实测 measured: 表面温升 surface temperature rise: max 21.0 K → \
             表面温升 surface temperature rise: max 27.5 K",
            "thermocouple 3 re-read",
        ]
    );
    let first = (1..history.height() as u32)
        .find(|r| text(&history, *r, 0) == "CLM-001")
        .unwrap();
    assert_eq!(text(&history, first, 5), "2026-11-02T09:00:00Z");
    assert_eq!(
        text(&history, first, 7),
        "—",
        "a first result changes nothing"
    );
}

/// The print setup a reviewer's LibreOffice, WPS or Excel uses: every sheet on A4 landscape, one
/// page wide, with the page header and "page x of y" footer; item sheets repeat their header row;
/// rows with wrapped text are as tall as their text.
#[test]
fn every_sheet_prints_on_a4_landscape_with_heading_and_fitted_rows() {
    let (plan, standard) = plan_and_standard();
    let state = state(unit("Acme & Co", "FP-200"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wb.xlsx");
    write_workbook(&path, &plan, &standard, &state, &models(&state)[0]).unwrap();

    let (names, mut archive) = zip_entries(&path);
    let sheets: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .collect();
    assert_eq!(sheets.len(), 7);
    for name in sheets {
        let xml = zip_text(&mut archive, name);
        assert!(xml.contains(r#"paperSize="9""#), "{name}: A4");
        assert!(xml.contains(r#"orientation="landscape""#), "{name}");
        assert!(
            xml.contains(r#"<pageSetUpPr fitToPage="1"/>"#),
            "{name}: fitted to the page width"
        );
        assert!(
            xml.contains("Report FB-20261102-080000-345678"),
            "{name}: the report number heads every page"
        );
        assert!(
            xml.contains("Acme &amp;&amp; Co FP-200"),
            "{name}: the unit, & escaped"
        );
        assert!(xml.contains("Page &amp;P of &amp;N"), "{name}: page x of y");
    }
    // Item sheets and the history repeat their header row on every printed page.
    let workbook_xml = zip_text(&mut archive, "xl/workbook.xml");
    assert_eq!(workbook_xml.matches("_xlnm.Print_Titles").count(), 6);

    // The summary's plan SHA-256 (64 characters in a value cell 44 + 5 × 12 wide) fits one
    // line; the history's multi-line cells get a row as tall as their lines.
    let summary = zip_text(&mut archive, "xl/worksheets/sheet1.xml");
    assert!(
        !summary.contains("fitToHeight="),
        "the summary is a one-page cover (fitToHeight 1 is the default and not written)"
    );
    let heights: Vec<f64> = summary
        .split(r#" ht=""#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect();
    assert!(!heights.is_empty(), "summary rows have fitted heights");
    assert!(heights.iter().all(|h| *h >= 18.0), "{heights:?}");
}

#[test]
fn reports_folder_has_workbook_csv_and_json() {
    let (plan, standard) = plan_and_standard();
    let state = state(unit("Acme", "FP-200"));
    let dir = tempfile::tempdir().unwrap();
    let written = write_reports(&dir.path().join("report"), &plan, &standard, &state).unwrap();
    assert_eq!(written.len(), 1, "one model");
    let files = &written[0];
    assert_eq!(files.folder, dir.path().join("report/Acme-FP-200"));
    assert_eq!(files.workbook, files.folder.join("workbook.xlsx"));
    assert!(files.workbook.is_file());
    assert_eq!(files.csv.len(), 5);

    let (_, climate_csv) = &files.csv[0];
    assert_eq!(climate_csv.file_name().unwrap(), "climate.csv");
    let bytes = std::fs::read(climate_csv).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "CSV must start with a BOM"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, headers(&files.model));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "CLM-001");
    assert_eq!(&rows[0][1], "低温工作");
    assert_eq!(&rows[0][6], "pass");
    assert_eq!(&rows[1][0], "CLM-002");
    assert_eq!(&rows[1][5], "表面温升 surface temperature rise: max 27.5 K");
    assert_eq!(&rows[1][6], "no pass");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files.json).unwrap()).unwrap();
    assert_eq!(json["overall"], "no pass");
    assert_eq!(json["vendor"], "Acme");
    assert_eq!(json["units"][0]["vendor"], "Acme");
    assert_eq!(json["units"][0]["sample"], 1);
    assert_eq!(json["units"][0]["counts"]["total"], 7);
    assert_eq!(json["standard"]["version"], "1.4");
    assert_eq!(json["counts"]["total"], 7);
    assert_eq!(json["counts"]["error"], 1);
    let sheets = json["sheets"].as_array().unwrap();
    assert_eq!(sheets.len(), 5);
    let clm2 = &sheets[0]["items"][1];
    assert_eq!(clm2["id"], "CLM-002");
    assert_eq!(clm2["result"], "no pass");
    let clm2_sample = &clm2["samples"][0];
    assert_eq!(clm2_sample["sample"], 1);
    assert_eq!(clm2_sample["criteria"][0]["value"], 27.5);
    assert_eq!(clm2_sample["criteria"][0]["unit"], "K");
    assert_eq!(clm2_sample["criteria"][0]["result"], "no pass");
    assert_eq!(sheets[1]["items"][0]["result"], "NA");
    assert_eq!(sheets[2]["items"][0]["samples"][0]["reason"], "not run");
}

/// Entry names of a zip and the text of one entry.
fn zip_entries(path: &Path) -> (Vec<String>, zip::ZipArchive<File>) {
    let archive = zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
    let mut names: Vec<String> = archive.file_names().map(String::from).collect();
    names.sort();
    (names, archive)
}

fn zip_text(archive: &mut zip::ZipArchive<File>, name: &str) -> String {
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn package_writes_named_workbook_and_one_zip_per_category() {
    let (plan, standard) = plan_and_standard();
    let state = state(unit("Acme", "FP-200"));
    let dir = tempfile::tempdir().unwrap();
    let run = run_dir(dir.path());
    let submission = dir.path().join("submission");
    let bundles = package(&run, &submission, &plan, &standard, &state).unwrap();
    assert_eq!(bundles.len(), 1, "one model");
    let bundle = &bundles[0];
    let out = submission.join("Acme-FP-200");
    assert_eq!(bundle.folder, out);

    assert_eq!(
        bundle.workbook,
        out.join("[1微信刷脸支付-桌面收银测试用例v1.4]-[Acme][FP-200].xlsx")
    );
    assert!(bundle.workbook.is_file());
    let zip_names: Vec<String> = bundle
        .zips
        .iter()
        .map(|z| z.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        zip_names,
        [
            "[2温升测试]-[Acme][FP-200].zip",
            "[3气候类可靠性]-[Acme][FP-200].zip",
            "[5涂层类可靠性]-[Acme][FP-200].zip",
            "[6基本功能测试]-[Acme][FP-200].zip",
            "[7性能测试]-[Acme][FP-200].zip",
        ]
    );
    assert_eq!(bundle.skipped.len(), 1);
    assert_eq!(bundle.skipped[0].number, 4);
    assert!(bundle.skipped[0].reason.contains("desktop-single-screen"));
    // The missing photo and the attachment outside the run directory are reported, not bundled.
    assert_eq!(bundle.warnings.len(), 2, "{:#?}", bundle.warnings);
    assert!(bundle
        .warnings
        .iter()
        .any(|w| w.contains("missing.jpg") && w.contains("is missing")));
    assert!(bundle
        .warnings
        .iter()
        .any(|w| w.contains("etc/passwd") && w.contains("outside")));

    // CLM-002 goes to 温升测试 (listed by id), not to the climate category.
    let (names, mut archive) = zip_entries(&bundle.zips[0].path);
    assert_eq!(
        names,
        [
            "README.txt",
            "attachments/CLM-002/thermal.csv",
            "climate.csv"
        ]
    );
    assert_eq!(
        zip_text(&mut archive, "attachments/CLM-002/thermal.csv"),
        "t,rise\n0,27.5\n"
    );
    let readme = zip_text(&mut archive, "README.txt");
    assert!(
        readme.contains("CLM-002\tno pass\tattachments/CLM-002/thermal.csv"),
        "{readme}"
    );
    assert!(!readme.contains("CLM-001"));
    assert!(zip_text(&mut archive, "climate.csv").contains("CLM-002"));

    let (names, mut archive) = zip_entries(&bundle.zips[1].path);
    assert_eq!(
        names,
        ["README.txt", "attachments/CLM-001/curve.csv", "climate.csv"]
    );
    let readme = zip_text(&mut archive, "README.txt");
    assert!(
        readme.contains("CLM-001\tpass\tattachments/CLM-001/curve.csv; (is missing"),
        "{readme}"
    );

    let (names, mut archive) = zip_entries(&bundle.zips[2].path);
    assert_eq!(names, ["README.txt", "coating.csv"]);
    assert!(zip_text(&mut archive, "README.txt").contains("COT-001\tnot tested\t—"));

    let (names, _) = zip_entries(&bundle.zips[3].path);
    assert_eq!(
        names,
        [
            "README.txt",
            "attachments/FUN-001/front.jpg",
            "function.csv"
        ]
    );
    assert_eq!(bundle.zips[3].items, ["FUN-001", "FUN-002"]);
}

#[test]
fn hostile_vendor_and_model_never_leave_the_output_folder() {
    let (plan, standard) = plan_and_standard();
    let cases = [
        ("../../evil", "a/b\\c"),
        ("..", "nul\0byte"),
        ("/etc", "..\\..\\x"),
        ("CON", ".hidden"),
        ("<>:\"|?*", &"型".repeat(400)),
    ];
    for (vendor, model) in cases {
        let dir = tempfile::tempdir().unwrap();
        let run = run_dir(dir.path());
        let out = dir.path().join("out");
        let state = state(unit(vendor, model));
        let bundles = package(&run, &out, &plan, &standard, &state).unwrap();
        let bundle = &bundles[0];
        assert_eq!(bundle.folder.parent(), Some(out.as_path()));
        let mut written = vec![bundle.workbook.clone(), bundle.checklist.clone()];
        written.extend(bundle.zips.iter().map(|z| z.path.clone()));
        for path in &written {
            assert_eq!(path.parent(), Some(bundle.folder.as_path()), "{path:?}");
            assert!(path.is_file(), "{path:?}");
        }
        // Nothing but the bundle was written: the out folder holds only the model's folder,
        // that holds exactly these files and the temporary root holds only `run` and `out`.
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
        let mut in_out: Vec<_> = std::fs::read_dir(&bundle.folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        in_out.sort();
        written.sort();
        assert_eq!(in_out, written);
        let mut top: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        top.sort();
        assert_eq!(top, ["out", "run"]);
    }
}

fn submission_unit() -> Unit {
    unit("Acme", "FP-200")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

const MP4_HEAD: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom";
const XLS_HEAD: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];

fn good_folder(dir: &Path) {
    write(dir, "[1摄像头测试Checklist]-[Acme][FP-200].xls", XLS_HEAD);
    write(
        dir,
        "[2软件预检测结果]-[Acme][FP-200][SDK模式].xlsx",
        b"PK\x03\x04rest",
    );
    write(dir, "[3设备流程视频]-[Acme][FP-200][SDK模式].mp4", MP4_HEAD);
    write(
        dir,
        "[4设备安装&操作手册]-[Acme][FP-200].pdf",
        b"%PDF-1.7\n",
    );
}

#[test]
fn check_accepts_a_complete_folder_and_lists_certificates() {
    let dir = tempfile::tempdir().unwrap();
    good_folder(dir.path());
    let findings = check_submission(dir.path(), &submission_unit());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].severity, Severity::Info);
    assert_eq!(
        findings[0].message,
        "certificates needed: 3C (every device), SRRC (Wi-Fi or Bluetooth), CTA (4G module); \
         confirm each is in hand"
    );
    let mut plain = submission_unit();
    plain.features = Features::default();
    let findings = check_submission(dir.path(), &plain);
    assert!(findings[0]
        .message
        .starts_with("certificates needed: 3C (every device);"));
}

#[test]
fn check_reports_missing_misnamed_and_wrong_format_files() {
    let dir = tempfile::tempdir().unwrap();
    // Checklist: missing. Pre-check: wrong vendor spelling and full-width brackets (misnamed).
    // Video: an MP4 name over text. Manual: a PDF name over a Word file.
    write(
        dir.path(),
        "【2软件预检测结果】-[ACME][FP-200][SDK模式].xls",
        XLS_HEAD,
    );
    write(
        dir.path(),
        "[3设备流程视频]-[Acme][FP-200][APP模式].mp4",
        b"not a video at all",
    );
    write(
        dir.path(),
        "[4设备安装&操作手册]-[Acme][FP-200].pdf",
        b"PK\x03\x04docx",
    );
    let findings = check_submission(dir.path(), &submission_unit());
    let problems: Vec<(Severity, &str)> = findings
        .iter()
        .map(|f| (f.severity, f.message.as_str()))
        .collect();
    assert_eq!(problems.len(), 5, "{problems:#?}");
    assert_eq!(problems[0].0, Severity::Missing);
    assert!(problems[0]
        .1
        .starts_with("[1摄像头测试Checklist]-[Acme][FP-200].xls"));
    assert_eq!(problems[1].0, Severity::Problem);
    assert!(problems[1]
        .1
        .contains("【2软件预检测结果】-[ACME][FP-200][SDK模式].xls: misnamed"));
    assert_eq!(problems[2].0, Severity::Problem);
    assert!(problems[2]
        .1
        .ends_with("is not an MP4 (no ftyp box at the start)"));
    assert_eq!(problems[3].0, Severity::Problem);
    assert!(problems[3]
        .1
        .ends_with("is not a PDF (does not start with %PDF-)"));
    assert_eq!(problems[4].0, Severity::Info);
}

#[test]
fn check_flags_an_oversize_video_and_a_swapped_spreadsheet_format() {
    let dir = tempfile::tempdir().unwrap();
    good_folder(dir.path());
    let video = dir
        .path()
        .join("[3设备流程视频]-[Acme][FP-200][SDK模式].mp4");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&video)
        .unwrap();
    file.set_len(MAX_VIDEO_BYTES + 1).unwrap();
    write(
        dir.path(),
        "[1摄像头测试Checklist]-[Acme][FP-200].xls",
        b"PK\x03\x04xlsx",
    );
    let findings = check_submission(dir.path(), &submission_unit());
    let messages: Vec<&str> = findings
        .iter()
        .filter(|f| f.severity == Severity::Problem)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{findings:#?}");
    assert!(messages[0].ends_with("is an .xlsx workbook named .xls"));
    assert!(messages[1].contains("is 10485761 bytes"), "{}", messages[1]);
    assert!(messages[1].contains("the limit is 10 MB = 10485760 bytes"));

    // Exactly at the limit is fine.
    file.set_len(MAX_VIDEO_BYTES).unwrap();
    let findings = check_submission(dir.path(), &submission_unit());
    assert!(
        findings.iter().all(|f| !f.message.contains("bytes")),
        "{findings:#?}"
    );
}

#[test]
fn check_on_a_missing_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let findings = check_submission(&dir.path().join("nope"), &submission_unit());
    assert_eq!(findings[0].severity, Severity::Missing);
    assert!(findings[0].message.contains("nope"));
}

/// The rows of `id` in `sheet`: its own row and the continuation rows after it (`id` and
/// `(续 cont.)` in column A), each column's text joined with newlines.
fn joined_rows(sheet: &Range<Data>, id: &str, columns: u32) -> (usize, Vec<String>) {
    let continued = format!("{id}\n(续 cont.)");
    let first = (0..sheet.height() as u32)
        .find(|r| text(sheet, *r, 0) == id)
        .unwrap_or_else(|| panic!("no row of {id}"));
    let rows: Vec<u32> = std::iter::once(first)
        .chain((first + 1..sheet.height() as u32).take_while(|r| text(sheet, *r, 0) == continued))
        .collect();
    let joined = (0..columns)
        .map(|c| {
            let parts: Vec<String> = rows
                .iter()
                .map(|r| text(sheet, *r, c))
                .filter(|t| !t.is_empty())
                .collect();
            parts.join("\n")
        })
        .collect();
    (rows.len(), joined)
}

/// An item whose text is taller than Excel's tallest row (409 pt) is written over continuation
/// rows: no row is taller than 409 pt and the cells hold every line of the text.
#[test]
fn text_taller_than_a_row_goes_on_over_continuation_rows_and_nothing_is_cut() {
    let (mut plan, standard) = plan_and_standard();
    let conditions: String = (1..=60)
        .map(|n| format!("step {n}: hold −10 °C for 30 min, then check the face-pay loop\n"))
        .collect();
    let conditions = conditions.trim_end().to_string();
    let clm2 = plan.items.iter_mut().find(|i| i.id == "CLM-002").unwrap();
    clm2.conditions = conditions.clone();
    let mut state = state(unit("Acme", "FP-200"));
    let note: String = (1..=40)
        .map(|n| format!("observation {n}: 外观无损坏 no damage at point {n}\n"))
        .collect();
    let note = note.trim_end().to_string();
    let latest = state
        .results
        .get_mut("CLM-002")
        .unwrap()
        .get_mut(&1)
        .unwrap();
    latest.note = note.clone();
    state.history.get_mut("CLM-002").unwrap()[1].result.note = note.clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wb.xlsx");
    write_workbook(&path, &plan, &standard, &state, &models(&state)[0]).unwrap();

    let (names, mut archive) = zip_entries(&path);
    for name in names
        .iter()
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
    {
        let xml = zip_text(&mut archive, name);
        let heights: Vec<f64> = xml
            .split(r#" ht=""#)
            .skip(1)
            .filter_map(|rest| rest.split('"').next()?.parse().ok())
            .collect();
        assert!(heights.iter().all(|h| *h <= 409.0), "{name}: {heights:?}");
    }

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let climate = book.worksheet_range("气候类可靠性").unwrap();
    let (rows, cells) = joined_rows(&climate, "CLM-002", 9);
    assert!(rows >= 3, "60 condition lines take three rows, not {rows}");
    assert!(cells[3].starts_with(&conditions), "{}", cells[3]);
    assert!(cells[8].starts_with(&note), "{}", cells[8]);
    assert_eq!(cells[6], "no pass", "the verdict is written once");
    let next = (0..climate.height() as u32)
        .find(|r| text(&climate, *r, 0) == "CLM-002")
        .unwrap()
        + rows as u32;
    assert!(
        !text(&climate, next, 0).starts_with("CLM-002"),
        "every part is counted"
    );

    let history = book.worksheet_range(HISTORY_SHEET).unwrap();
    let correction_rows: Vec<u32> = (1..history.height() as u32)
        .filter(|r| text(&history, *r, 0).starts_with("CLM-002"))
        .collect();
    assert!(correction_rows.len() >= 3, "{correction_rows:?}");
    // The first result (no note) takes one row; the correction's note goes on over the rest.
    let notes: Vec<String> = correction_rows[1..]
        .iter()
        .map(|r| text(&history, *r, 9))
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(notes.join("\n"), note, "the correction's note, whole");
}
