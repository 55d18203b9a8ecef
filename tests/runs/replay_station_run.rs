//! A lab run on a station whose cameras are recordings (`replay:FILE`, one set per sample): two
//! units, the camera items streamed from each sample's own recordings, and the workbook's
//! sample columns read back cell by cell against the journal. Sample 2's colour recording ends
//! before the step does, so its camera breaks mid-step: that sample never passes.

use crate::common;

use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{code, run, state};
use facebench::catalog::Sheet;
use facebench::judge::Verdict;
use facebench::report::merge_samples;
use facebench::report::wording::Measure;

const ANSWERS: &str = "testplans/answers/demo-desktop-cashier.toml";

/// Records `seconds` of the synthetic camera in `mode` (e.g. `160x120@30/GREY`) to `path`.
fn record(path: &Path, mode: &str, seconds: u32) -> PathBuf {
    let output = run(&[
        "camera",
        "record",
        "--source",
        &format!("synthetic:{mode}"),
        "--seconds",
        &seconds.to_string(),
        "--sim-clock",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 0, "{output:?}");
    path.to_path_buf()
}

/// A station with no rigs but a camera per sample, each stream a recording.
fn replay_station(dir: &Path) -> PathBuf {
    let mut text = String::from("name = \"replay bench\"\n");
    for sample in [1, 2] {
        // The step streams each camera for 60 s; sample 2's colour stream stops at 40 s.
        let rgb_seconds = if sample == 1 { 70 } else { 40 };
        let streams = [
            ("rgb", "160x120@30/YUYV", rgb_seconds),
            ("ir", "160x120@30/GREY", 70),
            ("depth", "160x120@30/Z16", 70),
        ];
        text.push_str("\n[[camera.sample]]\n");
        for (stream, mode, seconds) in streams {
            let file = record(
                &dir.join(format!("s{sample}-{stream}.fbrec")),
                mode,
                seconds,
            );
            text.push_str(&format!("{stream} = \"replay:{}\"\n", file.display()));
        }
    }
    let station = dir.join("replay-bench.toml");
    std::fs::write(&station, text).unwrap();
    station
}

fn cell(row: &[Data], column: usize) -> String {
    row.get(column).map(|d| d.to_string()).unwrap_or_default()
}

#[test]
fn a_replay_station_runs_two_units_and_the_workbook_holds_both_samples() {
    let tmp = tempfile::tempdir().unwrap();
    let station = replay_station(tmp.path());
    let run_dir = tmp.path().join("run");
    let output = run(&[
        "run",
        "--station",
        station.to_str().unwrap(),
        "--sim-clock",
        "--only",
        "FUN-005",
        "--answers",
        ANSWERS,
        "--run-dir",
        run_dir.to_str().unwrap(),
        "--unit",
        "testplans/units/demo-unit.toml",
        "--unit",
        "testplans/units/demo-unit-2.toml",
    ]);
    let journal = state(&run_dir);
    let first = journal.result("FUN-005", 1).expect("sample 1 has a result");
    let second = journal.result("FUN-005", 2).expect("sample 2 has a result");
    assert_eq!(first.verdict, Verdict::Pass, "{first:?}\n{output:?}");
    assert!(
        matches!(second.verdict, Verdict::NoPass | Verdict::Error),
        "a camera that broke mid-step never passes: {second:?}"
    );
    assert_ne!(code(&output), 0, "the run does not pass");

    // Each sample streamed its own recordings into its own series folder; sample 2's colour
    // stream notes the break and its cause.
    let series = run_dir.join("series/FUN-005");
    for sample in [1, 2] {
        for stream in ["rgb", "ir", "depth"] {
            let file = series.join(format!("sample-{sample}/camera-{stream}.csv"));
            assert!(file.is_file(), "{}", file.display());
        }
    }
    let rgb_2 = std::fs::read_to_string(series.join("sample-2/camera-rgb.csv")).unwrap();
    assert!(rgb_2.contains("camera lost at"), "{rgb_2}");
    let rgb_1 = std::fs::read_to_string(series.join("sample-1/camera-rgb.csv")).unwrap();
    assert!(!rgb_1.contains("camera lost at"));

    let workbook = run_dir.join("report/DemoTech-FP-200/workbook.xlsx");
    let mut workbook: Xlsx<_> = open_workbook(&workbook).unwrap();
    let range = workbook.worksheet_range(Sheet::Function.name_zh()).unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    for (sample, unit) in journal.samples() {
        assert_eq!(
            cell(rows[0], 6 + sample as usize),
            format!("样品 {sample} / Sample {sample}\n{}", unit.device_sn)
        );
    }
    let row = rows
        .iter()
        .find(|row| cell(row, 0) == "FUN-005")
        .expect("FUN-005 row");
    assert_eq!(cell(row, 7), first.verdict.label());
    assert_eq!(cell(row, 8), second.verdict.label());
    let merged = merge_samples([first.verdict, second.verdict]);
    assert_eq!(cell(row, 6), merged.label());
    let measured = cell(row, 5);
    let plan_text = std::fs::read_to_string("testplans/desktop-cashier.toml").unwrap();
    let plan = facebench::plan::parse_plan(
        &plan_text,
        "desktop-cashier.toml",
        &facebench::catalog::Catalog::builtin(),
    )
    .unwrap();
    let item = plan.items.iter().find(|i| i.id == "FUN-005").unwrap();
    for outcome in first.criteria.iter().chain(&second.criteria) {
        let label = Measure::of(item, &outcome.measurement).label();
        assert!(measured.contains(&label), "{label} in {measured}");
    }
}
