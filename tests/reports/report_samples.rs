//! Reports of a run with several samples of two models: one workbook, CSV set, `run.json` and
//! submission folder per model, a result column per sample merged into the item's verdict, the
//! `sample_qty` shortfall flagged, and each sample's evidence in its own zip folder.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use chrono::{TimeZone, Utc};
use facebench::catalog::{Catalog, Standard};
use facebench::journal::{ItemResult, ResultSource, RunState};
use facebench::judge::Verdict;
use facebench::plan::{parse_plan, Plan};
use facebench::report::{
    models, package, write_reports, HISTORY_SHEET, SUMMARY_SHEET, TRAILING_HEADERS,
};
use facebench::unit::{Features, Unit};

const PLAN: &str = include_str!("../fixtures/plans/report-workbook.toml");

/// The fixture plan with CLM-001 asking for three samples and FUN-001 for two.
fn plan_and_standard() -> (Plan, Standard) {
    let catalog = Catalog::builtin();
    let mut plan = match parse_plan(PLAN, "report-test.toml", &catalog) {
        Ok(plan) => plan,
        Err(errors) => panic!("test plan is invalid:\n{errors:?}"),
    };
    for item in &mut plan.items {
        item.sample_qty = match item.id.as_str() {
            "CLM-001" => 3,
            "FUN-001" => 2,
            _ => 1,
        };
    }
    let standard = catalog.standard("desktop-cashier").unwrap().clone();
    (plan, standard)
}

fn sn(sample: u32) -> String {
    format!("ACA01ABCDEFGHIJ1234567{sample}")
}

fn unit(vendor: &str, model: &str, sample: u32) -> Unit {
    Unit {
        vendor: vendor.into(),
        model: model.into(),
        device_type: "desktop-single-screen".into(),
        usage: None,
        device_sn: sn(sample),
        camera_sn: format!("CAM-{sample}"),
        camera_model: None,
        features: Features::default(),
        lab: "Lab 3".into(),
        operator: "Wang".into(),
    }
}

fn result(item: &str, sample: u32, verdict: Verdict, note: &str) -> ItemResult {
    ItemResult {
        item: item.into(),
        sample,
        device_sn: sn(sample),
        verdict,
        source: ResultSource::Measured,
        operator: "Wang".into(),
        measurements: Vec::new(),
        criteria: Vec::new(),
        operator_verdict: None,
        reason: None,
        note: note.into(),
        attachments: Vec::new(),
    }
}

/// Samples 1 and 3 are Acme FP-200, sample 2 is Other X-9.
///
/// Acme: CLM-001 pass on 1, no pass on 3 (both attach `shared.csv`, each its own photo);
/// CLM-002 pass on 1, nothing on 3; FUN-001 pass on both (same note); FUN-002 pass on 1, error
/// on 3; PER-001 pass on both. Other: CLM-001 pass.
fn state() -> RunState {
    let mut clm1_a = result("CLM-001", 1, Verdict::Pass, "ok");
    clm1_a.attachments = vec![
        "attachments/CLM-001/shared.csv".into(),
        "attachments/CLM-001/photo.jpg".into(),
    ];
    let mut clm1_c = result("CLM-001", 3, Verdict::NoPass, "cracked");
    clm1_c.attachments = vec![
        "attachments/CLM-001/shared.csv".into(),
        "attachments/CLM-001/photo-2.jpg".into(),
    ];
    let mut fun2_c = result("FUN-002", 3, Verdict::Error, "");
    fun2_c.reason = Some("camera unplugged".into());
    let all = vec![
        clm1_a,
        result("CLM-001", 2, Verdict::Pass, "other model"),
        clm1_c,
        result("CLM-002", 1, Verdict::Pass, ""),
        result("FUN-001", 1, Verdict::Pass, "same"),
        result("FUN-001", 3, Verdict::Pass, "same"),
        result("FUN-002", 1, Verdict::Pass, ""),
        fun2_c,
        result("PER-001", 1, Verdict::Pass, ""),
        result("PER-001", 3, Verdict::Pass, ""),
    ];
    let (results, history) = crate::report_workbook::results_and_history(all);
    RunState {
        facebench_version: "0.1.0".into(),
        plan_path: "report-test.toml".into(),
        plan_sha256: "ab".repeat(32),
        standard: "desktop-cashier".into(),
        units: vec![
            unit("Acme", "FP-200", 1),
            unit("Other", "X-9", 2),
            unit("Acme", "FP-200", 3),
        ],
        station: "sim".into(),
        started_utc: Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap(),
        last_utc: Utc.with_ymd_and_hms(2026, 11, 4, 17, 30, 5).unwrap(),
        results,
        history,
        attempts: BTreeMap::new(),
        interrupted: None,
        sessions: 1,
        finished: true,
        last_seq: 42,
    }
}

/// A run directory with the attachments and a series file per sample of CLM-001.
fn run_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("run");
    for (path, text) in [
        ("attachments/CLM-001/shared.csv", "t,temp\n0,-10\n"),
        ("attachments/CLM-001/photo.jpg", "jpeg 1"),
        ("attachments/CLM-001/photo-2.jpg", "jpeg 3"),
        ("series/CLM-001/sample-1/notes.csv", "t,x\n0,1\n"),
        ("series/CLM-001/sample-2/notes.csv", "t,x\n0,2\n"),
        ("series/CLM-001/sample-3/notes.csv", "t,x\n0,3\n"),
    ] {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    dir
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    range
        .get_value((row, col))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn row_labelled(range: &Range<Data>, label: &str) -> u32 {
    (0..range.height() as u32)
        .find(|r| text(range, *r, 0) == label)
        .unwrap_or_else(|| panic!("no row labelled {label:?}"))
}

#[test]
fn two_models_give_two_report_folders_with_a_column_per_sample() {
    let (plan, standard) = plan_and_standard();
    let state = state();
    let dir = tempfile::tempdir().unwrap();
    let written = write_reports(&dir.path().join("report"), &plan, &standard, &state).unwrap();
    let folders: Vec<_> = written.iter().map(|f| f.folder.clone()).collect();
    assert_eq!(
        folders,
        [
            dir.path().join("report/Acme-FP-200"),
            dir.path().join("report/Other-X-9")
        ]
    );
    assert_eq!(written[0].model.sample_numbers(), [1, 3]);
    assert_eq!(written[1].model.sample_numbers(), [2]);

    let mut book: Xlsx<_> = open_workbook(&written[0].workbook).unwrap();
    let climate = book.worksheet_range("气候类可靠性").unwrap();
    let header: Vec<String> = (0..11).map(|c| text(&climate, 0, c)).collect();
    assert_eq!(header[6], "结果 Result");
    assert_eq!(header[7], format!("样品 1 / Sample 1\n{}", sn(1)));
    assert_eq!(header[8], format!("样品 3 / Sample 3\n{}", sn(3)));
    assert_eq!(header[9..], TRAILING_HEADERS);
    // CLM-001: pass and no pass merge to no pass; three samples asked, two run.
    assert_eq!(text(&climate, 1, 0), "CLM-001");
    assert_eq!(text(&climate, 1, 6), "no pass");
    assert_eq!(text(&climate, 1, 7), "pass");
    assert_eq!(text(&climate, 1, 8), "no pass");
    assert_eq!(
        text(&climate, 1, 9),
        "样品不足 2 of 3 samples\n样品 1 / Sample 1:\nok\n样品 3 / Sample 3:\ncracked"
    );
    assert_eq!(
        text(&climate, 1, 10),
        "样品 1 / Sample 1:\nattachments/CLM-001/shared.csv\nattachments/CLM-001/photo.jpg\n\
         样品 3 / Sample 3:\nattachments/CLM-001/shared.csv\nattachments/CLM-001/photo-2.jpg"
    );
    // CLM-002: run on sample 1 only, so the model's item is not tested.
    assert_eq!(text(&climate, 2, 6), "not tested");
    assert_eq!(text(&climate, 2, 7), "pass");
    assert_eq!(text(&climate, 2, 8), "not tested");
    assert_eq!(text(&climate, 2, 9), "样品 3 / Sample 3:\nnot run");

    let function = book.worksheet_range("基本功能测试").unwrap();
    // FUN-001: two asked, two run, the same note once.
    assert_eq!(text(&function, 1, 6), "pass");
    assert_eq!(text(&function, 1, 9), "same");
    // FUN-002: pass and error merge to error.
    assert_eq!(text(&function, 2, 6), "error");
    assert_eq!(text(&function, 2, 8), "error");
    assert_eq!(
        text(&function, 2, 9),
        "样品 3 / Sample 3:\ncamera unplugged"
    );

    let summary = book.worksheet_range(SUMMARY_SHEET).unwrap();
    let value = |label: &str| text(&summary, row_labelled(&summary, label), 1);
    assert_eq!(value("型号 Model"), "FP-200");
    assert_eq!(value("样品数 Samples"), "2");
    assert_eq!(
        value("设备SN Device SN"),
        format!("样品 1 / Sample 1: {}\n样品 3 / Sample 3: {}", sn(1), sn(3))
    );
    assert_eq!(
        value("摄像头SN Camera SN"),
        "样品 1 / Sample 1: CAM-1\n样品 3 / Sample 3: CAM-3"
    );
    assert_eq!(value("样品不足 Too few samples"), "CLM-001: 2 of 3 samples");
    let total = |label: &str| {
        let row = row_labelled(&summary, label);
        let counts: Vec<String> = (1..=7).map(|c| text(&summary, row, c)).collect();
        counts.join(" ")
    };
    // pass, no pass, NA, not tested, error, total, verdict.
    assert_eq!(total("合计 Total"), "2 1 1 2 1 7 no pass");
    assert_eq!(total("样品 1 / Sample 1"), "5 0 1 1 0 7 not tested");
    assert_eq!(total("样品 3 / Sample 3"), "2 1 1 2 1 7 no pass");

    let history = book.worksheet_range(HISTORY_SHEET).unwrap();
    let samples: Vec<String> = (1..history.height() as u32)
        .map(|r| format!("{} {}", text(&history, r, 0), text(&history, r, 1)))
        .collect();
    assert!(samples.contains(&"CLM-001 3".to_string()), "{samples:?}");
    assert!(
        samples.iter().all(|s| !s.ends_with(" 2")),
        "the other model's sample is not in this history: {samples:?}"
    );

    // The other model: one sample, its own verdicts, its own shortfalls.
    let mut other: Xlsx<_> = open_workbook(&written[1].workbook).unwrap();
    let climate = other.worksheet_range("气候类可靠性").unwrap();
    assert_eq!(
        text(&climate, 0, 7),
        format!("样品 2 / Sample 2\n{}", sn(2))
    );
    assert_eq!(text(&climate, 1, 6), "pass");
    assert_eq!(text(&climate, 1, 8), "样品不足 1 of 3 samples\nother model");

    // CSV: the workbook's columns; run.json: per-sample records.
    let (_, climate_csv) = &written[0].csv[0];
    let bytes = std::fs::read(climate_csv).unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(reader.headers().unwrap().len(), 11);
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(
        (&first[6], &first[7], &first[8]),
        ("no pass", "pass", "no pass")
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&written[0].json).unwrap()).unwrap();
    assert_eq!(json["model"], "FP-200");
    assert_eq!(json["units"][1]["sample"], 3);
    assert_eq!(json["units"][1]["device_sn"], sn(3));
    assert_eq!(json["units"][1]["counts"]["no_pass"], 1);
    let clm1 = &json["sheets"][0]["items"][0];
    assert_eq!(clm1["result"], "no pass");
    assert_eq!(clm1["samples_asked"], 3);
    assert_eq!(clm1["too_few_samples"], true);
    assert_eq!(clm1["samples"][1]["sample"], 3);
    assert_eq!(clm1["samples"][1]["result"], "no pass");
    assert_eq!(clm1["samples"][1]["note"], "cracked");
}

#[test]
fn two_models_give_two_submission_folders_with_per_sample_evidence() {
    let (plan, standard) = plan_and_standard();
    let state = state();
    let dir = tempfile::tempdir().unwrap();
    let run = run_dir(dir.path());
    let out = dir.path().join("submission");
    let bundles = package(&run, &out, &plan, &standard, &state).unwrap();
    assert_eq!(bundles.len(), 2);
    assert_eq!(bundles[0].folder, out.join("Acme-FP-200"));
    assert_eq!(bundles[1].folder, out.join("Other-X-9"));
    assert_eq!(
        bundles[1].workbook,
        out.join("Other-X-9/[1微信刷脸支付-桌面收银测试用例v1.4]-[Other][X-9].xlsx")
    );
    for bundle in &bundles {
        assert!(bundle.workbook.is_file() && bundle.checklist.is_file());
        assert_eq!(bundle.checklist.parent(), Some(bundle.folder.as_path()));
    }
    let climate = bundles[0].zips.iter().find(|z| z.number == 3).unwrap();
    let mut entries = climate.entries.clone();
    entries.sort();
    assert_eq!(
        entries,
        [
            "README.txt",
            "attachments/CLM-001/shared.csv",
            "climate.csv",
            "sample-1/attachments/CLM-001/photo.jpg",
            "sample-3/attachments/CLM-001/photo-2.jpg",
            "series/CLM-001/sample-1/notes.csv",
            "series/CLM-001/sample-3/notes.csv",
        ]
    );
    let mut archive = zip::ZipArchive::new(File::open(&climate.path).unwrap()).unwrap();
    let mut readme = String::new();
    archive
        .by_name("README.txt")
        .unwrap()
        .read_to_string(&mut readme)
        .unwrap();
    assert!(
        readme.contains("CLM-001\tno pass (1: pass, 3: no pass)\t"),
        "{readme}"
    );
    let other = bundles[1].zips.iter().find(|z| z.number == 3).unwrap();
    assert!(other
        .entries
        .contains(&"series/CLM-001/sample-2/notes.csv".to_string()));
    assert!(!other
        .entries
        .iter()
        .any(|e| e.contains("sample-1") || e.contains("sample-3") || e.contains("photo")));
}

#[test]
fn models_group_the_run_units() {
    let state = state();
    let models = models(&state);
    assert_eq!(models.len(), 2);
    assert_eq!(
        (models[0].vendor.as_str(), models[0].model.as_str()),
        ("Acme", "FP-200")
    );
    assert_eq!(models[0].first_unit().device_sn, sn(1));
}
