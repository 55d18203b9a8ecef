//! Charts drawn from fixture series with gaps, dropouts and malformed rows, read back as PNG
//! (decoded) and SVG (parse-checked).

use std::fmt::Write as _;
use std::path::Path;

use super::*;
use crate::catalog::Catalog;
use crate::plan::parse_plan;

const PLAN: &str = r#"
[plan]
standard = "desktop-cashier"
name_zh = "桌面收银"
version = "1.4"
notice = "test"

[[categories]]
number = 3
name = "气候类可靠性"
sheet = "climate"

[[items]]
id = "CLM-001"
sheet = "climate"
name_zh = "恒定湿热"
name_en = "Damp heat, steady state"
method = "GB/T 2423.3"
conditions = "40 °C 93 %RH"
automation = "auto"

  [[items.steps]]
  kind = "prompt"
  text = "Dwell."
  produces = [{ name = "chamber_temp", unit = "°C" }, { name = "temp_soc", unit = "°C" }]

  [[items.criteria]]
  measurement = "chamber_temp"
  aggregate = "mean"
  compare = "EQT"
  limit = 40.0
  tolerance = 1.5
  unit = "°C"

  [[items.criteria]]
  measurement = "temp_soc"
  aggregate = "max"
  compare = "LE"
  limit = 70.0
  unit = "°C"

[[items]]
id = "CLM-002"
sheet = "climate"
name_zh = "低温"
name_en = "Cold"
method = "GB/T 2423.1"
conditions = "-10 °C"
automation = "auto"

  [[items.steps]]
  kind = "prompt"
  text = "Dwell."
  produces = [{ name = "chamber_temp", unit = "°C" }]

  [[items.criteria]]
  measurement = "chamber_temp"
  aggregate = "mean"
  compare = "LOG"
  unit = "°C"
"#;

fn plan() -> Plan {
    match parse_plan(PLAN, "charts-test.toml", &Catalog::builtin()) {
        Ok(plan) => plan,
        Err(errors) => panic!("{errors:?}"),
    }
}

/// A 6 h damp-heat profile at 10 s: ramp, soak, dwell, return; a 5-minute gap with a note,
/// one garbled row and one short row.
fn chamber_csv() -> String {
    let mut text = String::from("elapsed_s,utc,phase,temp_sp,temp_pv,rh_sp,rh_pv,note\n");
    for i in 0..2160 {
        let t = f64::from(i) * 10.0;
        let h = t / 3600.0;
        let (phase, sp) = match h {
            h if h < 1.0 => ("ramp", 25.0 + 15.0 * h),
            h if h < 2.0 => ("soak", 40.0),
            h if h < 5.0 => ("dwell", 40.0),
            _ => ("return", 40.0 - 15.0 * (h - 5.0)),
        };
        let pv = sp - 0.8 * (1.0 - (-h * 3.0).exp()) + 0.3 * (t / 700.0).sin();
        let rh = if h < 1.0 { 50.0 + 43.0 * h } else { 93.0 };
        if (3.0..3.0 + 300.0 / 3600.0).contains(&h) {
            writeln!(
                text,
                "{t},2026-11-02T08:00:00Z,{phase},{sp},,{rh},,gap: timeout on TEMP? (/dev/pts/3)"
            )
            .unwrap();
        } else {
            writeln!(
                text,
                "{t},2026-11-02T08:00:00Z,{phase},{sp:.2},{pv:.2},{rh},{:.1},",
                rh - 0.5
            )
            .unwrap();
        }
        if i == 500 {
            text.push_str("5000,utc,dwell,forty,41,93,92,\n5010,utc\n");
        }
    }
    text
}

/// 4 h of thermocouples at 30 s; `soc` drops out for 10 minutes, one row is garbled.
fn thermal_csv() -> String {
    let mut text = String::from("elapsed_s,utc,ambient,cover_glass,camera_bezel,soc,note\n");
    for i in 0..480 {
        let t = f64::from(i) * 30.0;
        let rise = 1.0 - (-t / 3000.0).exp();
        let soc = if (200..220).contains(&i) {
            String::new()
        } else {
            format!("{:.2}", 25.0 + 48.0 * rise)
        };
        writeln!(
            text,
            "{t},u,{:.2},{:.2},{:.2},{soc},",
            25.0 + 0.2 * (t / 900.0).sin(),
            25.0 + 12.0 * rise,
            25.0 + 20.0 * rise
        )
        .unwrap();
    }
    text.push_str("14400,u,25,\"open quote\n");
    text
}

fn camera_files(dir: &Path) {
    for (stream, nominal) in [("rgb", 30.0), ("ir", 15.0)] {
        let mut text = String::from(
            "elapsed_s,fps,device_drops,harness_drops,stalls,error_frames,luma_mean,luma_p5,luma_p95,clipped_fraction,exposure,note\n",
        );
        for s in 0..1800 {
            let dip = if s % 300 == 0 { 6.0 } else { 0.0 };
            let luma = 120.0 + 10.0 * (f64::from(s) / 200.0).sin();
            writeln!(
                text,
                "{s},{},{},0,0,0,{luma:.1},{:.1},{:.1},0.01,100,",
                nominal - dip,
                u8::from(dip > 0.0),
                luma - 60.0,
                luma + 70.0
            )
            .unwrap();
        }
        text.push_str("x,1,2\n");
        std::fs::write(dir.join(format!("camera-{stream}.csv")), text).unwrap();
    }
    let mut cycles = String::from("cycle,open_ms,first_frame_ms,frames,error\n");
    for c in 0..200 {
        if c == 17 {
            cycles.push_str("17,310,,0,timeout waiting for the first frame\n");
        } else {
            writeln!(cycles, "{c},300,{},90,", 180 + (c * 37) % 140).unwrap();
        }
    }
    std::fs::write(dir.join("camera-cycles.csv"), cycles).unwrap();
    let mut intervals = String::from("bin_start_ms,bin_end_ms,count\n");
    for (start, count) in [
        (30, 9),
        (32, 1700),
        (34, 50000),
        (36, 40),
        (66, 6),
        (100, 1),
    ] {
        writeln!(intervals, "{start},{},{count}", start + 2).unwrap();
    }
    std::fs::write(dir.join("camera-intervals.csv"), intervals).unwrap();
}

/// A run directory with CLM-001's series; CLM-002 has a header-only chamber file.
fn run_with_series(root: &Path) {
    let item = root.join("series/CLM-001");
    std::fs::create_dir_all(&item).unwrap();
    std::fs::write(item.join("chamber.csv"), chamber_csv()).unwrap();
    std::fs::write(item.join("thermal.csv"), thermal_csv()).unwrap();
    camera_files(&item);
    let empty = root.join("series/CLM-002");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(
        empty.join("chamber.csv"),
        "elapsed_s,utc,phase,temp_sp,temp_pv,rh_sp,rh_pv,note\n",
    )
    .unwrap();
}

/// Decodes a PNG and checks its size and that it is not one flat colour.
fn assert_png(path: &Path) -> image::RgbImage {
    let image = image::open(path).unwrap().to_rgb8();
    assert_eq!(image.width(), 1400, "{}", path.display());
    assert!(image.height() >= 800, "{}", path.display());
    let first = *image.get_pixel(0, 0);
    let differing = image.pixels().filter(|p| **p != first).count();
    assert!(differing > 10_000, "{} is nearly blank", path.display());
    image
}

/// Checks the SVG is well formed enough (balanced tags, one root) and contains `needle`.
fn assert_svg(path: &Path, needle: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.trim_start().starts_with("<svg"), "{}", path.display());
    assert!(text.trim_end().ends_with("</svg>"));
    let mut depth = 0i64;
    for tag in text.split('<').skip(1) {
        if tag.starts_with('/') {
            depth -= 1;
        } else if !tag.split('>').next().unwrap_or("").ends_with('/') {
            depth += 1;
        }
        assert!(depth >= 0, "unbalanced tags in {}", path.display());
    }
    assert_eq!(depth, 0, "unbalanced tags in {}", path.display());
    assert!(text.contains(needle), "{} lacks {needle:?}", path.display());
}

#[test]
fn charts_are_written_for_items_with_series() {
    let dir = tempfile::tempdir().unwrap();
    run_with_series(dir.path());
    let out = dir.path().join("report/charts");
    let charts = Charts::render(dir.path(), &out, &plan()).unwrap();
    let kinds: Vec<_> = charts.of_item("CLM-001").map(|c| c.kind).collect();
    assert_eq!(kinds, ChartKind::ALL.to_vec());
    assert_eq!(charts.of_item("CLM-002").count(), 0);
    for chart in &charts.charts {
        assert_png(&chart.png);
        assert_svg(&chart.svg, "CLM-001");
        assert!(chart.png.starts_with(&out));
    }
    assert_eq!(
        charts.evidence_of("CLM-001")[..2],
        [
            "report/charts/CLM-001-chamber.png".to_string(),
            "report/charts/CLM-001-chamber.svg".to_string()
        ]
    );
    assert_eq!(charts.series_of("CLM-001").len(), 6);
    assert_eq!(charts.series_of("CLM-002").len(), 1);
    assert!(charts.series_of("CLM-009").is_empty());
}

#[test]
fn captions_report_gaps_dropouts_and_malformed_rows() {
    let dir = tempfile::tempdir().unwrap();
    run_with_series(dir.path());
    let charts = Charts::render(dir.path(), &dir.path().join("c"), &plan()).unwrap();
    let notes = |kind| {
        charts
            .of_item("CLM-001")
            .find(|c| c.kind == kind)
            .unwrap()
            .notes
            .join("\n")
    };
    let chamber = notes(ChartKind::Chamber);
    assert!(
        chamber.contains("± 1.5 K (chamber_temp tolerance)"),
        "{chamber}"
    );
    assert!(
        chamber.contains("1 gap in the readings (first: gap: timeout on TEMP? (/dev/pts/3))"),
        "{chamber}"
    );
    assert!(
        chamber.contains(
            "2 malformed rows skipped (first: chamber.csv:503: temp_sp: \"forty\" is not a number)"
        ),
        "{chamber}"
    );
    let thermal = notes(ChartKind::Thermal);
    assert!(
        thermal.contains("dropouts (line not joined across): soc 20"),
        "{thermal}"
    );
    assert!(thermal.contains("1 malformed row skipped"), "{thermal}");
    let camera = notes(ChartKind::Camera);
    assert!(
        camera.contains("rgb: 1800 s logged, 6 device drops"),
        "{camera}"
    );
    assert!(
        camera.contains("200 cycles: 1 without a first frame"),
        "{camera}"
    );
    assert!(charts
        .warnings
        .iter()
        .any(|w| w.starts_with("CLM-001 chamber chart: 2 malformed")));
    let svg = std::fs::read_to_string(&charts.charts[0].svg).unwrap();
    assert!(svg.contains("gap (no reading)") && svg.contains("dwell"));
}

#[test]
fn the_gap_is_drawn_as_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    run_with_series(dir.path());
    let charts = Charts::render(dir.path(), &dir.path().join("c"), &plan()).unwrap();
    let chamber = charts
        .charts
        .iter()
        .find(|c| c.kind == ChartKind::Chamber)
        .unwrap();
    let image = assert_png(&chamber.png);
    // Red-tinted shading exists somewhere (the gap band).
    let shaded = image
        .pixels()
        .filter(|p| p[0] > 240 && p[1] > 190 && p[1] < 215 && p[2] > 190 && p[2] < 215)
        .count();
    assert!(shaded > 500, "gap shading not found ({shaded} px)");
}

#[test]
fn a_series_without_needed_columns_is_a_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let item = dir.path().join("series/CLM-001");
    std::fs::create_dir_all(&item).unwrap();
    std::fs::write(item.join("chamber.csv"), "elapsed_s,temp\n0,1\n").unwrap();
    std::fs::write(item.join("thermal.csv"), [0xff, 0xfe, b'\n', 0x00]).unwrap();
    let charts = Charts::render(dir.path(), &dir.path().join("c"), &plan()).unwrap();
    assert!(charts.charts.is_empty(), "{:?}", charts.charts);
    assert!(
        charts.warnings[0].contains("no column \"temp_sp\""),
        "{:?}",
        charts.warnings
    );
}

#[test]
fn random_series_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let item = dir.path().join("series/CLM-001");
    std::fs::create_dir_all(&item).unwrap();
    let base = chamber_csv();
    let base = &base[..4000];
    let mut seed = 0x9e37_79b9_u32;
    for round in 0..12 {
        let mut bytes = base.as_bytes()[..base.len() * (round + 1) / 12].to_vec();
        for byte in bytes.iter_mut().skip(60) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            if seed.is_multiple_of(23) {
                *byte = b",\n\"-e9x"[(seed >> 9) as usize % 7];
            }
        }
        std::fs::write(item.join("chamber.csv"), &bytes).unwrap();
        std::fs::write(item.join("camera-rgb.csv"), &bytes).unwrap();
        let charts = Charts::render(dir.path(), &dir.path().join("c"), &plan()).unwrap();
        for chart in &charts.charts {
            assert!(chart.png.is_file() && chart.svg.is_file());
        }
    }
}

/// The camera chart of CLM-001 whose series folder holds `files` (name, text).
fn camera_chart_of(files: &[(&str, String)]) -> (Chart, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let item = dir.path().join("series/CLM-001");
    std::fs::create_dir_all(&item).unwrap();
    for (name, text) in files {
        std::fs::write(item.join(name), text).unwrap();
    }
    let charts = Charts::render(dir.path(), &dir.path().join("c"), &plan()).unwrap();
    let chart = charts
        .of_item("CLM-001")
        .find(|c| c.kind == ChartKind::Camera)
        .expect("a camera chart")
        .clone();
    let svg = std::fs::read_to_string(&chart.svg).unwrap();
    (chart, svg, dir)
}

const FPS_TITLE: &str = "Frame rate";
const INTERVALS_TITLE: &str = "Frame intervals";
const LUMA_TITLE: &str = "Luma";
const LATENCY_TITLE: &str = "First-frame latency";

#[test]
fn an_open_close_step_draws_only_the_latency_panel() {
    let mut cycles = String::from("cycle,open_ms,first_frame_ms,frames,error\n");
    for c in 0..60 {
        writeln!(cycles, "{c},{},{},5,", 35 + c % 10, 130 + c % 20).unwrap();
    }
    let (chart, svg, _dir) = camera_chart_of(&[("camera-cycles.csv", cycles)]);
    assert!(svg.contains(LATENCY_TITLE), "{svg}");
    for absent in [
        FPS_TITLE,
        INTERVALS_TITLE,
        LUMA_TITLE,
        "nothing recorded",
        "no luma",
    ] {
        assert!(!svg.contains(absent), "{absent:?} drawn without data");
    }
    let image = image::open(&chart.png).unwrap();
    assert!(image.height() < 800, "one row of panels, not two");
}

#[test]
fn a_soak_draws_rate_luma_and_the_per_stream_interval_histograms() {
    let header = "elapsed_s,fps,device_drops,harness_drops,stalls,error_frames,luma_mean,luma_p5,luma_p95,clipped_fraction,exposure,note\n";
    let mut rgb = String::from(header);
    let mut depth = String::from(header);
    for s in 0..120 {
        writeln!(rgb, "{s},30.000,0,0,0,0,123.6,,,,10.000,").unwrap();
        writeln!(depth, "{s},30.000,0,0,0,0,,,,,,").unwrap();
    }
    let histogram = |count: u32| {
        format!("bin_start_ms,bin_end_ms,count\n33.280,33.536,{count}\n66.560,67.072,2\n")
    };
    let (_chart, svg, _dir) = camera_chart_of(&[
        ("camera-rgb.csv", rgb),
        ("camera-depth.csv", depth),
        ("camera-rgb-intervals.csv", histogram(3500)),
        ("camera-depth-intervals.csv", histogram(3498)),
    ]);
    for present in [FPS_TITLE, INTERVALS_TITLE, LUMA_TITLE] {
        assert!(svg.contains(present), "{present:?} missing");
    }
    assert!(!svg.contains(LATENCY_TITLE));
    assert!(!svg.contains("nothing recorded"));
    // Both streams' histograms are in the interval panel's legend (drawn before the luma one).
    let from = svg.find(INTERVALS_TITLE).unwrap();
    let to = svg.find(LUMA_TITLE).unwrap();
    let intervals_panel = &svg[from..to];
    assert!(intervals_panel.contains("depth") && intervals_panel.contains("rgb"));
}

#[test]
fn a_depth_only_stream_has_no_luma_panel() {
    let mut depth = String::from("elapsed_s,fps,device_drops,luma_mean\n");
    for s in 0..60 {
        writeln!(depth, "{s},15.000,0,").unwrap();
    }
    let (_chart, svg, _dir) = camera_chart_of(&[("camera-depth.csv", depth)]);
    assert!(svg.contains(FPS_TITLE));
    assert!(!svg.contains(LUMA_TITLE) && !svg.contains(INTERVALS_TITLE));
}

/// A format-2 run: the chamber once in the item's folder, the camera (four files) of each of two samples
/// in `sample-1/` and `sample-2/`.
#[test]
fn each_sample_gets_its_camera_chart_and_a_model_keeps_only_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let item = dir.path().join("series/CLM-001");
    std::fs::create_dir_all(&item).unwrap();
    std::fs::write(item.join("chamber.csv"), chamber_csv()).unwrap();
    for sample in [1, 2] {
        let folder = item.join(format!("sample-{sample}"));
        std::fs::create_dir_all(&folder).unwrap();
        camera_files(&folder);
    }
    // Not a sample folder: ignored.
    std::fs::create_dir_all(item.join("sample-01")).unwrap();
    camera_files(&item.join("sample-01"));
    let out = dir.path().join("report/charts");
    let charts = Charts::render(dir.path(), &out, &plan()).unwrap();
    let shown: Vec<(ChartKind, Option<u32>)> = charts
        .of_item("CLM-001")
        .map(|c| (c.kind, c.sample))
        .collect();
    assert_eq!(
        shown,
        [
            (ChartKind::Chamber, None),
            (ChartKind::Camera, Some(1)),
            (ChartKind::Camera, Some(2))
        ]
    );
    let camera = &charts.charts[2];
    assert_eq!(camera.png, out.join("CLM-001-camera-sample-2.png"));
    assert!(
        camera.title.ends_with("camera, sample 2"),
        "{}",
        camera.title
    );
    assert_png(&camera.png);
    assert_eq!(charts.series_of("CLM-001").len(), 1 + 2 * 4);

    let second = charts.for_samples(&[2]);
    assert_eq!(
        second.evidence_of("CLM-001"),
        [
            "report/charts/CLM-001-chamber.png",
            "report/charts/CLM-001-chamber.svg",
            "report/charts/CLM-001-camera-sample-2.png",
            "report/charts/CLM-001-camera-sample-2.svg",
        ]
    );
    let series: Vec<String> = second
        .series_of("CLM-001")
        .iter()
        .map(|p| second.relative(p))
        .collect();
    assert_eq!(series.len(), 1 + 4, "{series:?}");
    assert_eq!(series[0], "series/CLM-001/chamber.csv");
    assert!(series[1..]
        .iter()
        .all(|s| s.starts_with("series/CLM-001/sample-2/camera-")));
}
