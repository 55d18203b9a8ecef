//! Camera steps of the runner on the simulated station's synthetic camera: whole-second soaks
//! give the exact rate in every window and row, each stream writes its frame-interval
//! histogram, open/close cycles measure the sensor's start-up, and every shipped burn-in item
//! watches the camera for its whole duration.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use facebench::camera::stress::StopFlag;
use facebench::catalog::Catalog;
use facebench::clock::SimClock;
use facebench::plan::load_plan;
use facebench::plan::rig_step::{CameraMode, CameraStress};
use facebench::plan::RigStep;
use facebench::runner::rigs::camera::run_camera_step;
use facebench::runner::rigs::{Measurements, StepContext, SyntheticCameraRig};

const ITEM: &str = "CAM-1";

fn stress(mode: CameraMode, duration_s: f64, window_s: f64) -> CameraStress {
    CameraStress {
        mode,
        streams: vec!["rgb".into(), "ir".into(), "depth".into()],
        nominal_fps: 30.0,
        concurrent_with: None,
        duration_s: Some(duration_s),
        warmup_s: 3.0,
        window_s,
        stall_s: 1.0,
        drop_interval_factor: 1.5,
        repeats: Some(40),
        pause_s: None,
        target: None,
    }
}

/// Runs `stress` for its duration on the synthetic camera; returns what it measured and the
/// item's series folder.
fn run(stress: &CameraStress, dir: &Path) -> (Measurements, PathBuf) {
    let clock = SimClock::starting_at(chrono::Utc::now());
    let stop = AtomicBool::new(false);
    let ctx = StepContext {
        clock: &clock,
        series_dir: dir,
        item: ITEM,
        sample: Some(1),
        stop: &stop,
    };
    let duration = Duration::from_secs_f64(stress.duration_s.unwrap_or(0.0));
    let measured = run_camera_step(
        &mut SyntheticCameraRig,
        stress,
        duration,
        ctx,
        &StopFlag::new(),
    )
    .expect("the camera step runs");
    (measured, dir.join(ITEM).join("sample-1"))
}

/// The rows of a CSV file after its header, split into cells.
fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn a_whole_second_soak_gives_the_exact_rate_in_every_window_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let (measured, series) = run(&stress(CameraMode::Soak, 125.0, 20.0), dir.path());
    // Seconds 3..125 after the warm-up: six whole 20 s windows and a 2 s rest (too short).
    for name in ["fps_rgb", "fps_ir", "fps_depth"] {
        assert_eq!(measured[name], vec![30.0; 6], "{name}");
    }
    assert_eq!(measured["drop_rate"], vec![0.0; 18]);
    for stream in ["rgb", "ir", "depth"] {
        let rows = rows(&series.join(format!("camera-{stream}.csv")));
        assert_eq!(
            rows.len(),
            125,
            "one row per second of the soak, none after it"
        );
        // Second 0 holds the sensor's start-up (first frame 100 ± 10 ms after start).
        assert_eq!(rows[0][1], "27.000");
        for row in &rows[1..] {
            assert_eq!(row[1], "30.000", "second {}", row[0]);
        }
    }
}

#[test]
fn every_soak_stream_writes_its_frame_interval_histogram() {
    let dir = tempfile::tempdir().unwrap();
    run(&stress(CameraMode::Soak, 30.0, 10.0), dir.path());
    for stream in ["rgb", "ir", "depth"] {
        let path = dir
            .path()
            .join(ITEM)
            .join("sample-1")
            .join(format!("camera-{stream}-intervals.csv"));
        let header = std::fs::read_to_string(&path).unwrap();
        assert!(header.starts_with("bin_start_ms,bin_end_ms,count\n"));
        let bins = rows(&path);
        let bins: Vec<(f64, f64, u64)> = bins
            .iter()
            .map(|b| {
                (
                    b[0].parse().unwrap(),
                    b[1].parse().unwrap(),
                    b[2].parse().unwrap(),
                )
            })
            .collect();
        // Intervals after the 3 s warm-up are 1/30 s moved by the sensor's jitter (each frame
        // at most 0.75 ms early or 4.75 ms late): several bins, all within 27.8 … 38.9 ms,
        // the fullest one within a bin's width of 33.333 ms.
        assert!(bins.len() > 2, "{bins:?}");
        assert!(
            bins.iter()
                .all(|(start, end, _)| 27.5 <= *start && *end <= 39.5),
            "{bins:?}"
        );
        let fullest = bins.iter().max_by_key(|(_, _, count)| *count).unwrap();
        assert!(
            fullest.0 <= 33.334 + 0.256 && 33.333 - 0.256 <= fullest.1,
            "{bins:?}"
        );
        let count: u64 = bins.iter().map(|(_, _, count)| count).sum();
        // Intervals from 3 s after the first frame (due 0.1 ± 0.01 s after the start) to the
        // end at 30 s: 26.9 s at 30 fps, give or take the frame at either end.
        assert!((804..=808).contains(&count), "{count}");
    }
}

#[test]
fn open_close_cycles_measure_the_sensors_start_up_on_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (measured, series) = run(&stress(CameraMode::OpenClose, 0.0, 10.0), dir.path());
    let first = &measured["first_frame_ms"];
    let open = &measured["open_ms"];
    assert_eq!(first.len(), 3 * 40);
    // Open 40 ± 10 ms, then the first frame 100 ± 10 ms after the start.
    assert!(open.iter().all(|ms| (30.0..=50.0).contains(ms)), "{open:?}");
    assert!(
        first.iter().all(|ms| (120.0..=160.0).contains(ms)),
        "{first:?}"
    );
    let spread = first.iter().cloned().fold(f64::NAN, f64::max)
        - first.iter().cloned().fold(f64::NAN, f64::min);
    assert!(
        spread > 5.0,
        "seeded jitter varies the latency: {spread} ms"
    );
    // The streams do not share one jitter sequence.
    assert_ne!(first[..40], first[40..80]);
    let cycles = rows(&series.join("camera-cycles.csv"));
    assert_eq!(cycles.len(), 120);
    assert!(cycles.iter().all(|c| c[2].parse::<f64>().unwrap() >= 120.0));
}

#[test]
fn every_shipped_burn_in_watches_the_camera_for_its_whole_duration() {
    let catalog = Catalog::builtin();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("testplans");
    let mut burn_ins = 0;
    for standard in &catalog.standards {
        let plan = load_plan(&folder.join(&standard.plan), &catalog)
            .unwrap_or_else(|e| panic!("{}: {e:?}", standard.plan))
            .plan;
        for item in plan.items.iter().filter(|i| i.name_en == "Burn-in") {
            let hours = item
                .parameters
                .iter()
                .find(|p| p.name == "duration" && p.unit == "h")
                .map(|p| p.value)
                .unwrap_or_else(|| panic!("{} {}: no duration", standard.plan, item.id));
            let monitor = item
                .steps
                .iter()
                .find_map(|s| match &s.rig {
                    Some(RigStep::Camera(c)) => Some(c),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{} {}: no camera step", standard.plan, item.id));
            assert_eq!(
                monitor.duration_s,
                Some(hours * 3600.0),
                "{} {}",
                standard.plan,
                item.id
            );
            burn_ins += 1;
        }
    }
    assert_eq!(burn_ins, 5);
}
