//! Report charts throughput: a run's series files as the runner writes them, read and drawn
//! by [`Charts::render`], the stage of `facebench report` that reads the series. Two runs of
//! about 4.4 M rows each:
//!
//! - `one-unit`: one item's chamber, thermal, three camera streams, cycles and intervals in
//!   `series/CLM-001/`;
//! - `16-units`: the multi-sample layout, shared rig series in `series/CLM-001/chamber.csv`
//!   and `thermal.csv` (0.2 s), each unit's camera streams (1 s) in
//!   `series/CLM-001/sample-<N>/camera-<stream>.csv`, N = 1..16, over a 21 h dwell.
//!
//! A run with tiny series gives the fixed cost of drawing alone.
//!
//! `FACEBENCH_REPORT_ROWS` sets the rows of each run (default 4,400,000).
//! `FACEBENCH_REPORT_DIR` writes the runs into its `one-unit/` and `16-units/` and keeps them
//! (for `benches/peers/report_peer.py` and RSS measurements) instead of a temporary
//! directory; runs already there are read again, not rewritten, so builds before and after a
//! change time the same files.
//!
//! Reproduce:
//! ```text
//! FACEBENCH_REPORT_DIR=/tmp/runs cargo bench --bench report
//! /usr/bin/time -v target/release/deps/report-<hash> --bench --profile-time 3 16_units
//! python3 benches/peers/report_peer.py /tmp/runs/16-units 3
//! ```
//!
//! Measured on 2026-12-06, 2 cores shared with other builds, 4,401,880 rows (300 MB), median of
//! 10, charts drawn (the tiny run: 20–40 ms of it), same files for every line:
//!
//! | reader                                         | load 2.6–4 | load 6.4–7.7 | peak RSS |
//! |------------------------------------------------|-----------:|-------------:|---------:|
//! | before: two passes, every field trimmed        |     4.76 s |       9.63 s |   35 MB*|
//! | after: one pass, bytes, three reader threads   |     0.79 s |       2.69 s |   36 MB |
//! | pandas 3.1.1 peer (`peers/report_peer.py`)     |     3.75 s |      11.05 s |  835 MB |
//!
//! RSS is of the whole bench process (`/usr/bin/time -v`, `--profile-time 3`); the same
//! process over a 1,110-row run peaks at 35.8 MB, so reading 4.4 M rows adds under 1 MB. The
//! pandas figure is its best of 3 without drawing. 1.1 M rows took 0.57–0.62 s at load 5–7.
//! (*) before: measured over 4.23 M rows.
//!
//! 16 units (`16_units`: the shared chamber and thermal charts and one camera chart per sample,
//! 18 charts), measured on 2026-12-06 at load 1.6–2.1, median of 10, the one-unit and tiny runs
//! and the pandas peer beside it on the same files; peak RSS of the bench binary alone
//! (`/usr/bin/time -v target/release/deps/report-… --bench --profile-time 3 <name>`):
//!
//! | run                                                 |      rows |   time | peak RSS |
//! |-----------------------------------------------------|----------:|-------:|---------:|
//! | tiny run (fixed cost of drawing)                    |     1,110 | 19 ms  |  35.2 MB |
//! | one unit                                            | 4,399,999 | 0.57 s |  36.3 MB |
//! | 16 units, 18 charts                                 | 4,399,996 | 0.70 s |  49.4 MB |
//! | pandas 3.1.1 peer, 16 units (best of 3, no drawing) | 4,399,996 | 2.52 s |   296 MB |
//!
//! So the 16-unit report reads 4.4 M rows 3.6 × faster than the pandas peer reads them without
//! drawing, in a sixth of its memory; the target (≤ 1 s, ≤ 50 MB) is met, the memory only
//! just: 14 MB above the drawing alone. With a reader thread per sample (before the readers
//! became a pool of at most max(3, cores)) the same run peaked at 52.1 MB in the same session.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use facebench::catalog::Catalog;
use facebench::plan::{parse_plan, Plan};
use facebench::report::Charts;
use facebench::runner::rigs::camera::{CYCLES_HEADER, SERIES_HEADER};
use facebench::runner::rigs::chamber::HEADER as CHAMBER_HEADER;
use facebench::runner::rigs::series::cell;

const PLAN: &str = r#"
[plan]
standard = "desktop-cashier"
name_zh = "桌面收银"
version = "1.4"
notice = "bench"

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
"#;

/// Thermocouple channels of the thermal series.
const CHANNELS: [&str; 8] = [
    "ambient",
    "cover_glass",
    "camera_bezel",
    "soc",
    "pmic",
    "display",
    "battery",
    "back_cover",
];

/// Camera streams, each a per-second series.
const STREAMS: [&str; 3] = ["rgb", "ir", "depth"];

/// The item whose series the runs hold, and the runs' series folder.
const ITEM: &str = "CLM-001";
const SERIES: &str = "series";
/// Bins of the frame-interval histogram.
const INTERVAL_BINS: u64 = 500;
/// Units of the multi-sample run.
const UNITS: u64 = 16;

fn plan() -> Plan {
    match parse_plan(PLAN, "bench.toml", &Catalog::builtin()) {
        Ok(plan) => plan,
        Err(errors) => panic!("{errors:?}"),
    }
}

fn writer(path: &Path, header: &[&str]) -> csv::Writer<BufWriter<File>> {
    let file = File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, file));
    out.write_record(header).expect("header");
    out
}

/// A UTC stamp as the runner writes it (RFC 3339), `t` seconds after the start.
fn utc(t: f64) -> String {
    let s = t as u64;
    format!(
        "2026-11-02T{:02}:{:02}:{:02}.{:03}+00:00",
        (8 + s / 3600) % 24,
        s / 60 % 60,
        s % 60,
        ((t.fract()) * 1000.0) as u64
    )
}

/// Writes `rows` chamber rows at 0.2 s (a ramp to 40 °C then the dwell, a gap now and then).
fn write_chamber(dir: &Path, rows: u64) {
    let mut out = writer(&dir.join("chamber.csv"), &CHAMBER_HEADER);
    for i in 0..rows {
        let t = i as f64 * 0.2;
        let h = t / 3600.0;
        let sp = if h < 1.0 { 25.0 + 15.0 * h } else { 40.0 };
        let phase = if h < 1.0 { "ramp" } else { "dwell" };
        let gap = i % 50_000 == 49_999;
        let pv = (!gap).then(|| sp - 0.4 + 0.3 * (t / 700.0).sin());
        let note = if gap {
            "gap: timeout on TEMP? (/dev/pts/3)"
        } else {
            ""
        };
        let rh = if h < 1.0 { 50.0 + 43.0 * h } else { 93.0 };
        let rh_pv = pv.map(|_| rh - 0.5 + 0.2 * (t / 300.0).cos());
        out.write_record([
            cell(Some(t)),
            utc(t),
            phase.to_string(),
            cell(Some(sp)),
            cell(pv),
            cell(Some(rh)),
            cell(rh_pv),
            note.to_string(),
        ])
        .expect("chamber row");
    }
    out.flush().expect("chamber flush");
}

/// Writes `rows` thermal rows at 0.2 s (eight channels warming up, dropouts on one).
fn write_thermal(dir: &Path, rows: u64) {
    let mut header = vec!["elapsed_s", "utc"];
    header.extend(CHANNELS);
    header.push("note");
    let mut out = writer(&dir.join("thermal.csv"), &header);
    for i in 0..rows {
        let t = i as f64 * 0.2;
        let rise = 1.0 - (-t / 3000.0).exp();
        let mut row = vec![cell(Some(t)), utc(t)];
        row.extend(CHANNELS.iter().enumerate().map(|(c, _)| {
            let dropout = c == 3 && i % 40_000 < 50;
            cell((!dropout).then_some(25.0 + (5.0 * c as f64 + 8.0) * rise))
        }));
        row.push(String::new());
        out.write_record(&row).expect("thermal row");
    }
    out.flush().expect("thermal flush");
}

/// Writes `rows` per-second rows of each camera stream into `dir` (a dip every 300 s).
fn write_streams(dir: &Path, rows: u64) {
    for (n, stream) in STREAMS.iter().enumerate() {
        let nominal = [30.0, 15.0, 15.0][n];
        let mut out = writer(&dir.join(format!("camera-{stream}.csv")), &SERIES_HEADER);
        for s in 0..rows {
            let dip = if s % 300 == 0 { 3.0 } else { 0.0 };
            let luma = 120.0 + 10.0 * (s as f64 / 200.0).sin();
            out.write_record([
                s.to_string(),
                cell(Some(nominal - dip)),
                u8::from(dip > 0.0).to_string(),
                "0".into(),
                "0".into(),
                "0".into(),
                cell(Some(luma)),
                cell(Some(luma - 60.0)),
                cell(Some(luma + 70.0)),
                cell(Some(0.01)),
                "100".into(),
                String::new(),
            ])
            .expect("camera row");
        }
        out.flush().expect("camera flush");
    }
}

/// Writes `cycles` open/close cycles (one in 997 failing) and 500 interval bins.
fn write_cycles_and_intervals(dir: &Path, cycles: u64) {
    let mut out = writer(&dir.join("camera-cycles.csv"), &CYCLES_HEADER);
    for c in 0..cycles {
        let failed = c % 997 == 17;
        out.write_record([
            c.to_string(),
            "300".into(),
            if failed {
                String::new()
            } else {
                cell(Some(180.0 + ((c * 37) % 140) as f64))
            },
            if failed { "0" } else { "90" }.into(),
            if failed {
                "timeout waiting for the first frame"
            } else {
                ""
            }
            .into(),
        ])
        .expect("cycle row");
    }
    out.flush().expect("cycles flush");

    let mut out = writer(
        &dir.join("camera-intervals.csv"),
        &["bin_start_ms", "bin_end_ms", "count"],
    );
    for bin in 0..INTERVAL_BINS {
        let count = if (30..40).contains(&bin) {
            50_000
        } else {
            bin % 3
        };
        out.write_record([bin.to_string(), (bin + 1).to_string(), count.to_string()])
            .expect("interval row");
    }
    out.flush().expect("intervals flush");
}

/// Writes a one-unit run of `ITEM`'s series under `run/series/` with about `total` rows: 30 %
/// chamber at 0.2 s, 30 % thermal at 0.2 s, 0.1 % open/close cycles, 500 interval bins, and
/// the rest shared by three camera streams at 1 s.
/// Returns the rows written.
fn write_run(run: &Path, total: u64) -> u64 {
    let dir = run.join(SERIES).join(ITEM);
    std::fs::create_dir_all(&dir).expect("series dir");
    let chamber_rows = total * 30 / 100;
    let thermal_rows = total * 30 / 100;
    let cycles = (total / 1000).max(10);
    let stream_rows =
        total.saturating_sub(chamber_rows + thermal_rows + cycles + INTERVAL_BINS) / 3;
    write_chamber(&dir, chamber_rows);
    write_thermal(&dir, thermal_rows);
    write_streams(&dir, stream_rows);
    write_cycles_and_intervals(&dir, cycles);
    chamber_rows + thermal_rows + 3 * stream_rows + cycles + INTERVAL_BINS
}

/// Writes a [`UNITS`]-unit run as the multi-sample runner lays it out, about `total` rows
/// over one dwell of `d` seconds: the shared chamber and thermal series at 0.2 s in
/// `series/<ITEM>/`, and each unit's three camera streams at 1 s in
/// `series/<ITEM>/sample-<N>/camera-<stream>.csv`.
/// Returns the rows written.
fn write_samples_run(run: &Path, total: u64) -> u64 {
    let dir = run.join(SERIES).join(ITEM);
    std::fs::create_dir_all(&dir).expect("series dir");
    let per_second = 2 * 5 + UNITS * STREAMS.len() as u64;
    let seconds = total / per_second;
    write_chamber(&dir, seconds * 5);
    write_thermal(&dir, seconds * 5);
    for unit in 1..=UNITS {
        let sample = dir.join(format!("sample-{unit}"));
        std::fs::create_dir_all(&sample).expect("sample dir");
        write_streams(&sample, seconds);
    }
    seconds * per_second
}

/// The data rows of the series files under `dir` (sample folders included), counted in
/// chunks so the count adds nothing to the peak memory measured around the bench.
fn count_rows(dir: &Path) -> u64 {
    let listing = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut chunk = vec![0u8; 1 << 16];
    let mut rows = 0;
    for entry in listing.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rows += count_rows(&path);
            continue;
        }
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let mut file = File::open(&path).expect("series file");
        let mut lines = 0u64;
        loop {
            let read = file.read(&mut chunk).expect("series read");
            if read == 0 {
                break;
            }
            lines += chunk[..read].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        rows += lines.saturating_sub(1);
    }
    rows
}

/// The run `name` under `FACEBENCH_REPORT_DIR` (kept; read again when an earlier bench left
/// it there) or under `temp`, written by `write` when it is not there yet; with its rows.
fn run_dir(temp: &Path, name: &str, total: u64, write: fn(&Path, u64) -> u64) -> (PathBuf, u64) {
    let run = match std::env::var_os("FACEBENCH_REPORT_DIR") {
        Some(kept) => Path::new(&kept).join(name),
        None => temp.join(name),
    };
    let series = run.join(SERIES);
    let rows = if series.is_dir() {
        count_rows(&series)
    } else {
        write(&run, total)
    };
    (run, rows)
}

/// Draws the charts of `run` into its report folder and checks how many came out.
fn render(run: &Path, plan: &Plan, expected: usize) -> Charts {
    let charts = Charts::render(run, &run.join("report/charts"), plan).expect("charts render");
    assert_eq!(charts.charts.len(), expected, "{:?}", charts.warnings);
    charts
}

fn charts(c: &mut Criterion) {
    let total: u64 = std::env::var("FACEBENCH_REPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_400_000);
    let temp = tempfile::tempdir().expect("temp dir");
    let (one, one_rows) = run_dir(temp.path(), "one-unit", total, write_run);
    let (units, units_rows) = run_dir(temp.path(), "16-units", total, write_samples_run);
    let tiny = temp.path().join("tiny");
    let tiny_rows = write_run(&tiny, 1000);
    let plan = plan();

    let mut group = c.benchmark_group("report_charts");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(5));
    for (name, dir, rows) in [
        ("series", &one, one_rows),
        ("tiny_series", &tiny, tiny_rows),
    ] {
        group.throughput(Throughput::Elements(rows));
        group.bench_function(format!("{name}_{rows}_rows"), |b| {
            b.iter(|| render(dir, &plan, 3))
        });
    }
    // The shared chamber and thermal charts, and one camera chart per sample.
    group.throughput(Throughput::Elements(units_rows));
    group.bench_function(format!("{UNITS}_units_{units_rows}_rows"), |b| {
        b.iter(|| render(&units, &plan, 2 + UNITS as usize))
    });
    group.finish();
}

criterion_group!(benches, charts);
criterion_main!(benches);
