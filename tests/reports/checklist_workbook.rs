//! The camera checklist workbook, read back cell by cell with calamine: file name, header block,
//! one row per check with figures, limit and verdict, and `not tested` for every check that was
//! not run (never `pass`); and the checklist of a whole `camera stress` run, equal to its journal.

use std::io::Read;
use std::process::Command;

use crate::checklist_support::{assert_checklist_matches_journal, plan_and_state};

use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use facebench::judge::Verdict;
use facebench::report::{
    checklist_file_name, write_checklist, CameraCheck, CameraChecklist, CheckOutcome,
    ChecklistChart, CHECKLIST_SHEET, CHECK_HEADERS, CHECK_HEADER_ROW,
};

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => panic!("({row},{col}) is not text: {other:?}"),
    }
}

fn outcome(figures: &str, limit: &str, verdict: Verdict) -> CheckOutcome {
    CheckOutcome {
        figures: figures.into(),
        limit: limit.into(),
        verdict,
        note: String::new(),
    }
}

fn sample() -> CameraChecklist {
    let mut list = CameraChecklist {
        vendor: "Acme".into(),
        model: "FP-200".into(),
        device_sn: "FB2026ACME0000000000001".into(),
        camera_model: "Orbbec Astra Pro".into(),
        camera_serial: "AY3A2120012".into(),
        source: "v4l:/dev/v4l/by-id/usb-Orbbec-video-index0 1920x1080@30/MJPG".into(),
        backend_note: String::new(),
        tested: "2026-11-28 08:00 – 2026-12-01 08:00 UTC".into(),
        outcomes: Default::default(),
        charts: Vec::new(),
    };
    list.outcomes.insert(
        CameraCheck::OpenClose,
        outcome(
            "1000 cycles, 0 failures",
            "1000 cycles, 0 failures",
            Verdict::Pass,
        ),
    );
    list.outcomes.insert(
        CameraCheck::FirstFrame,
        outcome(
            "p99 612 ms (max 840 ms, 1000 opens)",
            "≤ 1500 ms",
            Verdict::Pass,
        ),
    );
    list.outcomes.insert(
        CameraCheck::DropRate,
        CheckOutcome::drop_rate(
            2_000,
            7_776_000,
            facebench::camera::stress::binomial::upper_bound(2_000, 7_776_000, 0.95),
            0.001,
            false,
        ),
    );
    list.outcomes.insert(
        CameraCheck::Stalls,
        outcome("3 stalls > 1 s", "0", Verdict::NoPass),
    );
    list
}

#[test]
fn checklist_reads_back_cell_by_cell() {
    let dir = tempfile::tempdir().unwrap();
    let list = sample();
    let path = write_checklist(dir.path(), &list).unwrap();
    assert_eq!(
        path.file_name().and_then(|n| n.to_str()),
        Some("[1摄像头测试Checklist]-[Acme][FP-200].xlsx")
    );
    assert_eq!(path.parent(), Some(dir.path()));

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), vec![CHECKLIST_SHEET.to_string()]);
    let sheet = book.worksheet_range(CHECKLIST_SHEET).unwrap();

    assert!(text(&sheet, 0, 0).contains("摄像头测试Checklist"));
    let fields = [
        ("厂商 Vendor", "Acme"),
        ("型号 Model", "FP-200"),
        ("设备SN Device SN", "FB2026ACME0000000000001"),
        ("摄像头型号 Camera model", "Orbbec Astra Pro"),
        ("摄像头SN Camera SN", "AY3A2120012"),
        (
            "视频源 Source",
            "v4l:/dev/v4l/by-id/usb-Orbbec-video-index0 1920x1080@30/MJPG",
        ),
        ("后端说明 Backend notes", "—"),
        ("测试时间 Tested", "2026-11-28 08:00 – 2026-12-01 08:00 UTC"),
    ];
    for (row, (label, value)) in (2u32..).zip(fields) {
        assert_eq!(text(&sheet, row, 0), label);
        assert_eq!(text(&sheet, row, 2), value, "{label}");
    }
    // One no-pass row makes the whole checklist no pass.
    assert_eq!(text(&sheet, 10, 0), "结论 Verdict");
    assert_eq!(text(&sheet, 10, 2), "no pass");

    for (col, header) in (0u32..).zip(CHECK_HEADERS) {
        assert_eq!(text(&sheet, CHECK_HEADER_ROW, col), header);
    }
    let rows: Vec<[String; 6]> = (CHECK_HEADER_ROW + 1..CHECK_HEADER_ROW + 1 + 11)
        .map(|row| std::array::from_fn(|col| text(&sheet, row, col as u32)))
        .collect();
    assert_eq!(rows.len(), CameraCheck::ALL.len());
    for (row, check) in rows.iter().zip(CameraCheck::ALL) {
        assert_eq!(row[0], check.number());
        assert_eq!(row[1], check.name());
        match list.outcomes.get(&check) {
            Some(o) => {
                assert_eq!(row[2], o.figures);
                assert_eq!(row[3], o.limit);
                assert_eq!(row[4], o.verdict.label());
            }
            None => {
                assert_eq!(row[4], "not tested", "{check:?} was not run");
                assert_eq!(row[5], "not run");
            }
        }
    }
    let drop_row = &rows[3];
    assert_eq!(drop_row[1], "丢帧率 Drop rate");
    assert!(
        drop_row[2].starts_with("dropped 2000 of 7776000 frames (0.02572 %)"),
        "{}",
        drop_row[2]
    );
    assert!(
        drop_row[2].contains("95 % upper bound 0.02"),
        "{}",
        drop_row[2]
    );
    assert_eq!(drop_row[3], "≤ 0.1000 %");
    assert_eq!(drop_row[4], "pass");
    assert_eq!(rows[4][4], "no pass");
    assert_eq!(rows[9][1], "双流 Dual stream");
    assert_eq!(rows[9][4], "not tested");
    // Nothing below the table.
    assert_eq!(text(&sheet, CHECK_HEADER_ROW + 12, 0), "");
}

#[test]
fn camera_charts_are_embedded_under_the_checks_as_the_stress_tool_screenshots() {
    let dir = tempfile::tempdir().unwrap();
    let mut list = sample();
    for (n, shade) in [(1u32, 40u8), (2, 200)] {
        let png = dir.path().join(format!("camera-sample-{n}.png"));
        image::RgbImage::from_pixel(700, 400, image::Rgb([shade, 120, 90]))
            .save(&png)
            .unwrap();
        list.charts.push(ChecklistChart {
            title: format!("CAM-001 camera, sample {n}"),
            png,
        });
    }
    let path = write_checklist(dir.path(), &list).unwrap();

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let sheet = book.worksheet_range(CHECKLIST_SHEET).unwrap();
    let below = CHECK_HEADER_ROW + 1 + CameraCheck::ALL.len() as u32 + 1;
    assert!(text(&sheet, below, 0).contains("Stress tool screenshots"));
    assert_eq!(text(&sheet, below + 1, 0), "CAM-001 camera, sample 1");
    let second = (below + 2..below + 40)
        .find(|row| text(&sheet, *row, 0) == "CAM-001 camera, sample 2")
        .expect("the second chart's title below the first image");
    assert!(second >= below + 2 + 400 * 8 / 10 / 20, "{second}");

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let media: Vec<String> = zip
        .file_names()
        .filter(|n| n.starts_with("xl/media/"))
        .map(String::from)
        .collect();
    assert_eq!(media.len(), 2, "{media:?}");
    let mut drawing = String::new();
    zip.by_name("xl/drawings/drawing1.xml")
        .unwrap()
        .read_to_string(&mut drawing)
        .unwrap();
    assert!(drawing.contains("CAM-001 camera, sample 2"), "alt text");
}

#[test]
fn verdict_cells_use_the_main_workbook_colours() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_checklist(dir.path(), &sample()).unwrap();
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    // pass (green), no pass (red), not tested (amber) fills, and the header fill.
    for fill in ["FFC6EFCE", "FFFFC7CE", "FFFFEB9C", "FFDDEBF7"] {
        assert!(styles.contains(fill), "missing fill {fill}");
    }
}

#[test]
fn an_empty_checklist_is_all_not_tested_and_hostile_names_stay_inside() {
    let dir = tempfile::tempdir().unwrap();
    let list = CameraChecklist {
        vendor: "../../etc".into(),
        model: "a/b\\c".into(),
        ..CameraChecklist::default()
    };
    assert_eq!(list.overall(), Verdict::NotTested);
    let path = write_checklist(dir.path(), &list).unwrap();
    assert_eq!(path.parent(), Some(dir.path()));
    assert_eq!(
        path.file_name().and_then(|n| n.to_str()).map(String::from),
        Some(checklist_file_name("../../etc", "a/b\\c"))
    );
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let sheet = book.worksheet_range(CHECKLIST_SHEET).unwrap();
    assert_eq!(text(&sheet, 10, 2), "not tested");
    for row in CHECK_HEADER_ROW + 1..CHECK_HEADER_ROW + 12 {
        assert_eq!(text(&sheet, row, 4), "not tested");
    }
}

fn facebench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_facebench"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_checklist_of_a_whole_camera_stress_run_is_its_journal_cell_by_cell() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let out = run_dir.to_str().unwrap();
    // Every item of the shipped checklist plan, on simulated time: 64 s soaks (one whole 60 s
    // window after the 4 s warm-up), 130 open/close cycles (the fd/RSS trend skips 100).
    let output = facebench(&[
        "camera",
        "stress",
        "--source",
        "synthetic",
        "--source2",
        "synthetic:640x400@30/GREY",
        "--sim-clock",
        "--duration",
        "64s",
        "--cycles",
        "130",
        "--vendor",
        "Acme",
        "--model",
        "FP-200",
        "--camera-sn",
        "CAM-7",
        "--out",
        out,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let rows = assert_checklist_matches_journal(&run_dir);
    let (plan, state) = plan_and_state(&run_dir);
    // The flags were written into the run's plan snapshot, and the run is finished.
    assert_eq!(plan.standard, "camera-checklist");
    assert!(state.finished);
    assert_eq!(state.results.len(), 5);
    assert!(state.station.contains("synthetic"), "{}", state.station);
    // A clean synthetic camera passes every row the checklist plan measures.
    for row in &rows {
        assert_eq!(row[4], "pass", "{row:?}");
    }
    // The header comes from the journal's unit.
    let mut book: Xlsx<_> =
        open_workbook(crate::checklist_support::checklist_path(&run_dir)).unwrap();
    assert_eq!(book.sheet_names(), vec![CHECKLIST_SHEET.to_string()],);
    let sheet = book.worksheet_range(CHECKLIST_SHEET).unwrap();
    assert_eq!(text(&sheet, 2, 2), "Acme");
    assert_eq!(text(&sheet, 3, 2), "FP-200");
    assert_eq!(text(&sheet, 6, 2), "CAM-7");
    // The run directory is a normal one: `facebench report` rebuilds its reports.
    let report = facebench(&["report", out]);
    assert_eq!(report.status.code(), Some(0));
}
