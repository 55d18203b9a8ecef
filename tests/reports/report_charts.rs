//! Charts in the reports: `write_reports` draws them from the run's series files, the workbook
//! gets a charts sheet and lists the files in the item's evidence cell, and the bundle packs
//! charts and series into the item's category zip.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::{TimeZone, Utc};
use facebench::catalog::{Catalog, Standard};
use facebench::journal::{HistoryEntry, ItemResult, ResultSource, RunState};
use facebench::judge::Verdict;
use facebench::plan::{parse_plan, Plan};
use facebench::report::charts::CHARTS_SHEET;
use facebench::report::{package, write_reports, ChartKind, HISTORY_SHEET};
use facebench::unit::{Features, Unit};

const PLAN: &str = include_str!("../fixtures/plans/report-charts.toml");

fn plan_and_standard() -> (Plan, Standard) {
    let catalog = Catalog::builtin();
    let plan = match parse_plan(PLAN, "charts.toml", &catalog) {
        Ok(plan) => plan,
        Err(errors) => panic!("{errors:?}"),
    };
    let standard = catalog.standard("desktop-cashier").unwrap().clone();
    (plan, standard)
}

fn state() -> RunState {
    let result = ItemResult {
        item: "CLM-001".into(),
        sample: 1,
        device_sn: "ACA01ABCDEFGHIJ12345678".into(),
        verdict: Verdict::Pass,
        source: ResultSource::Measured,
        operator: "Wang".into(),
        measurements: Vec::new(),
        criteria: Vec::new(),
        operator_verdict: None,
        reason: None,
        note: String::new(),
        attachments: vec!["attachments/CLM-001/photo.jpg".into()],
    };
    RunState {
        facebench_version: "0.1.0".into(),
        plan_path: "charts.toml".into(),
        plan_sha256: "ab".repeat(32),
        standard: "desktop-cashier".into(),
        units: vec![Unit {
            vendor: "Acme".into(),
            model: "FP-1".into(),
            device_type: "desktop-single-screen".into(),
            usage: None,
            device_sn: "ACA01ABCDEFGHIJ12345678".into(),
            camera_sn: "CAM-1".into(),
            camera_model: None,
            features: Features {
                wifi: true,
                bluetooth: false,
                cellular_4g: false,
            },
            lab: "Lab 3".into(),
            operator: "Wang".into(),
        }],
        station: "sim".into(),
        started_utc: Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap(),
        last_utc: Utc.with_ymd_and_hms(2026, 11, 2, 11, 0, 0).unwrap(),
        results: BTreeMap::from([("CLM-001".to_string(), BTreeMap::from([(1, result.clone())]))]),
        history: BTreeMap::from([(
            "CLM-001".to_string(),
            vec![HistoryEntry {
                recorded_utc: Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap(),
                result,
            }],
        )]),
        attempts: BTreeMap::new(),
        interrupted: None,
        sessions: 1,
        finished: true,
        last_seq: 3,
    }
}

/// A run directory with a two-hour temperature-only chamber series (one gap) and the photo.
fn run_dir(root: &Path) -> std::path::PathBuf {
    let run = root.join("run");
    let series = run.join("series/CLM-001");
    std::fs::create_dir_all(&series).unwrap();
    let mut text = String::from("elapsed_s,utc,phase,temp_sp,temp_pv,rh_sp,rh_pv,note\n");
    for i in 0..=240 {
        let t = i * 30;
        let phase = if t < 1800 { "ramp" } else { "dwell" };
        let pv = if (100..104).contains(&i) {
            String::new()
        } else {
            format!("{:.1}", -10.0 + 0.4 * f64::from(i % 5) - 0.8)
        };
        let note = if pv.is_empty() {
            "gap: timeout on TEMP? (/dev/pts/3)"
        } else {
            ""
        };
        text.push_str(&format!(
            "{t},2026-11-02T08:00:00Z,{phase},-10,{pv},,,{note}\n"
        ));
    }
    std::fs::write(series.join("chamber.csv"), text).unwrap();
    let photo = run.join("attachments/CLM-001/photo.jpg");
    std::fs::create_dir_all(photo.parent().unwrap()).unwrap();
    std::fs::write(photo, b"jpeg").unwrap();
    run
}

#[test]
fn reports_embed_the_charts_and_list_them_as_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_dir(dir.path());
    let (plan, standard) = plan_and_standard();
    let written = write_reports(&run.join("report"), &plan, &standard, &state()).unwrap();
    let files = &written[0];

    let charts = &files.charts.charts;
    assert_eq!(charts.len(), 1, "{:?}", files.charts.warnings);
    assert_eq!(charts[0].kind, ChartKind::Chamber);
    assert_eq!(charts[0].png, run.join("report/charts/CLM-001-chamber.png"));
    assert!(charts[0].svg.is_file());
    assert!(charts[0]
        .notes
        .iter()
        .any(|n| n.contains("band: set point ± 2 K (chamber_dev limit)")));

    let mut workbook: Xlsx<_> = open_workbook(&files.workbook).unwrap();
    let names = workbook.sheet_names();
    let charts_at = names.iter().position(|n| n == CHARTS_SHEET).unwrap();
    assert_eq!(
        names.get(charts_at + 1).map(String::as_str),
        Some(HISTORY_SHEET)
    );
    let sheet = workbook.worksheet_range(CHARTS_SHEET).unwrap();
    let first = sheet.get_value((0, 0)).cloned();
    assert!(
        matches!(first, Some(Data::String(ref t)) if t.starts_with("CLM-001")),
        "{first:?}"
    );
    let xlsx = zip::ZipArchive::new(File::open(&files.workbook).unwrap()).unwrap();
    let media: Vec<&str> = xlsx
        .file_names()
        .filter(|n| n.starts_with("xl/media/"))
        .collect();
    assert_eq!(media, ["xl/media/image1.png"]);

    let climate = workbook.worksheet_range(&names[1]).unwrap();
    let evidence = climate.get_value((1, 9)).cloned();
    let expected = "attachments/CLM-001/photo.jpg\nreport/charts/CLM-001-chamber.png\nreport/charts/CLM-001-chamber.svg";
    assert_eq!(evidence, Some(Data::String(expected.into())));

    let csv = std::fs::read_to_string(files.folder.join("climate.csv")).unwrap();
    assert!(csv.contains("report/charts/CLM-001-chamber.svg"));
}

#[test]
fn the_category_zip_holds_the_charts_and_series() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_dir(dir.path());
    let out = dir.path().join("out");
    let (plan, standard) = plan_and_standard();
    let bundles = package(&run, &out, &plan, &standard, &state()).unwrap();
    let bundle = &bundles[0];
    let zip = &bundle.zips[0];
    for entry in [
        "report/charts/CLM-001-chamber.png",
        "report/charts/CLM-001-chamber.svg",
        "series/CLM-001/chamber.csv",
        "attachments/CLM-001/photo.jpg",
    ] {
        assert!(
            zip.entries.iter().any(|e| e == entry),
            "{entry} not in {:?}",
            zip.entries
        );
    }
    let mut archive = zip::ZipArchive::new(File::open(&zip.path).unwrap()).unwrap();
    let mut readme = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("README.txt").unwrap(), &mut readme)
        .unwrap();
    assert!(
        readme.contains("report/charts/CLM-001-chamber.png"),
        "{readme}"
    );
    let mut png = Vec::new();
    std::io::Read::read_to_end(
        &mut archive
            .by_name("report/charts/CLM-001-chamber.png")
            .unwrap(),
        &mut png,
    )
    .unwrap();
    let image = image::load_from_memory(&png).unwrap();
    assert_eq!(image.width(), 1400);

    let workbook: Xlsx<_> = open_workbook(&bundle.workbook).unwrap();
    assert!(workbook.sheet_names().iter().any(|n| n == CHARTS_SHEET));
}
