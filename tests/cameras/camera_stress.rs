//! Stress modes on simulated and replayed cameras: format switching, two streams at once, a
//! soak stopped by its flag, and open/close cycles whose fd trend tells a leak from none; and
//! `facebench camera stress` as a run of the checklist plan: a fault-injected source gives no
//! pass on the rows its faults belong to, and a killed run resumes.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::time::Instant;

use facebench::camera::analysis::AnalysisConfig;
use facebench::camera::replay::{Pacing, ReplaySource, ReplayWriter};
use facebench::camera::stress::cycles::{run_cycles, CycleConfig};
use facebench::camera::stress::dual::{run_dual, StreamJob};
use facebench::camera::stress::soak::{run_soak, SoakConfig, SoakEnd};
use facebench::camera::stress::switching::{run_switching, SwitchConfig};
use facebench::camera::stress::StopFlag;
use facebench::camera::synthetic::{SyntheticConfig, SyntheticSource};
use facebench::camera::{
    CameraError, Frame, FrameRate, FrameSource, OpenInfo, PixelFormat, SourceCapabilities,
    StreamConfig, StreamKind,
};
use facebench::clock::{Clock, SimClock};
use facebench::judge::Verdict;

use crate::checklist_support::{assert_checklist_matches_journal, plan_and_state, Row};

fn stream(format: PixelFormat, width: u32, height: u32, kind: StreamKind) -> StreamConfig {
    StreamConfig {
        format,
        width,
        height,
        rate: FrameRate::fps(30),
        stream: kind,
    }
}

fn sim() -> Arc<SimClock> {
    Arc::new(SimClock::starting_at(chrono::Utc::now()))
}

fn synthetic(config: StreamConfig, clock: &Arc<SimClock>) -> SyntheticSource {
    let clock: Arc<dyn Clock> = clock.clone();
    SyntheticSource::new(SyntheticConfig::new(config), clock)
}

#[test]
fn switching_walks_formats_and_counts_refusals() {
    let clock = sim();
    let mut source = synthetic(stream(PixelFormat::Yuyv, 64, 48, StreamKind::Rgb), &clock);
    let configs = vec![
        stream(PixelFormat::Mjpeg, 64, 48, StreamKind::Rgb),
        stream(PixelFormat::Yuyv, 32, 16, StreamKind::Rgb),
        stream(PixelFormat::Other(*b"H264"), 64, 48, StreamKind::Rgb),
        stream(PixelFormat::Nv12, 16, 16, StreamKind::Rgb),
    ];
    let config = SwitchConfig {
        configs,
        rounds: 3,
        frames_per_config: 4,
        frame_timeout: Duration::from_secs(1),
    };
    let mut records = Vec::new();
    let out = run_switching(
        &mut source,
        clock.as_ref(),
        &config,
        &StopFlag::new(),
        &mut |r| records.push(r.clone()),
    )
    .unwrap();
    assert_eq!(out.switches, 12);
    assert_eq!(out.failures, 3); // the H264 request, each round
    assert_eq!(out.mismatched_frames, 0);
    assert_eq!(out.substituted, 0);
    let refused = records.iter().filter(|r| r.error.is_some()).count();
    assert_eq!(refused, 3);
    assert!(records
        .iter()
        .filter(|r| r.error.is_none())
        .all(|r| r.frames == 4));
    // Each restart waits for the sensor's first frame (100 ± 10 ms on the synthetic camera).
    let first_max = out.first_frame_max.unwrap();
    assert!(
        (Duration::from_millis(90)..=Duration::from_millis(110)).contains(&first_max),
        "{first_max:?}"
    );
}

#[test]
fn two_streams_soak_side_by_side() {
    let (clock_rgb, clock_ir) = (sim(), sim());
    let rgb_config = stream(PixelFormat::Mjpeg, 64, 48, StreamKind::Rgb);
    let ir_config = stream(PixelFormat::Grey, 64, 48, StreamKind::Ir);
    let mut rgb = synthetic(rgb_config, &clock_rgb);
    let mut ir = synthetic(ir_config, &clock_ir);
    let rows = Arc::new(Mutex::new(0u64));
    let counted = rows.clone();
    let (a, b) = run_dual(
        StreamJob {
            source: &mut rgb,
            clock: clock_rgb.as_ref(),
            config: SoakConfig::new(
                Duration::from_secs(60),
                AnalysisConfig::for_stream(rgb_config),
            ),
            series: Some(Box::new(move |_| *counted.lock().unwrap() += 1)),
        },
        StreamJob {
            source: &mut ir,
            clock: clock_ir.as_ref(),
            config: SoakConfig::new(
                Duration::from_secs(60),
                AnalysisConfig::for_stream(ir_config),
            ),
            series: None,
        },
        &StopFlag::new(),
    );
    for out in [a.unwrap(), b.unwrap()] {
        assert_eq!(out.end, SoakEnd::Completed);
        // 60 s at 30 fps, the first frame 100 ± 10 ms after the start.
        assert!(
            (1796..=1798).contains(&out.summary.counts.frames),
            "{:?}",
            out.summary.counts
        );
        assert_eq!(out.summary.bad_frames(), 0);
        // Frame times carry the sensor's jitter (at most 0.75 ms early or 4.75 ms late, the
        // first frame exact): over the minute the rate is 30 fps within 0.01 %.
        let fps = out.summary.timing.fps_produced.unwrap();
        assert!((fps - 30.0).abs() < 30.0 * 1e-4, "{fps}");
        // 1 800 frames without a drop: the 95 % upper bound is 1 − 0.05^(1/n).
        let n = out.summary.counts.frames as f64;
        let want = 1.0 - 0.05f64.powf(1.0 / n);
        assert!((out.drop_rate_upper.unwrap() - want).abs() < want * 1e-6);
    }
    // Sixty whole seconds from the soak's start; the frame due at exactly 60 s is outside it.
    assert_eq!(*rows.lock().unwrap(), 60);
}

#[test]
fn a_raised_stop_flag_ends_the_soak_with_results_so_far() {
    // A 72 h soak, and one without an end (a hardware monitor beside a partner step).
    for duration in [Duration::from_secs(72 * 3600), Duration::MAX] {
        let clock = sim();
        let config = stream(PixelFormat::Grey, 32, 32, StreamKind::Ir);
        let mut source = synthetic(config, &clock);
        let stop = StopFlag::new();
        let raise = stop.clone();
        let out = run_soak(
            &mut source,
            clock.as_ref(),
            &SoakConfig::new(duration, AnalysisConfig::for_stream(config)),
            &stop,
            Some(Box::new(move |row| {
                if row.second == 9 {
                    raise.stop();
                }
            })),
        )
        .unwrap();
        assert_eq!(out.end, SoakEnd::Stopped);
        assert!(out.elapsed >= Duration::from_secs(10) && out.elapsed < Duration::from_secs(11));
        // Ten seconds at 30 fps less the sensor's 0.1 s start-up, plus the frame that closed
        // second 9.
        assert!((297..=299).contains(&out.summary.counts.frames));
    }
}

/// A source that leaks one file descriptor per open, wrapped around a replay.
struct Leaky {
    inner: ReplaySource,
    leaked: Vec<File>,
}

impl FrameSource for Leaky {
    fn open(&mut self) -> Result<OpenInfo, CameraError> {
        if let Ok(file) = File::open("/proc/self/status") {
            self.leaked.push(file);
        }
        self.inner.open()
    }
    fn start(&mut self) -> Result<(), CameraError> {
        self.inner.start()
    }
    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        self.inner.next_frame(timeout)
    }
    fn stop(&mut self) -> Result<(), CameraError> {
        self.inner.stop()
    }
    fn close(&mut self) {
        self.inner.close()
    }
    fn capabilities(&self) -> SourceCapabilities {
        self.inner.capabilities()
    }
}

#[cfg(target_os = "linux")]
#[test]
fn open_close_cycles_tell_an_fd_leak_from_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cycle.fbcam");
    let config = stream(PixelFormat::Grey, 16, 16, StreamKind::Ir);
    let clock = sim();
    {
        let mut source = synthetic(config, &clock);
        source.open().unwrap();
        source.start().unwrap();
        let mut writer = ReplayWriter::create(&path, &config).unwrap();
        for _ in 0..10 {
            writer
                .write(&source.next_frame(Duration::from_secs(1)).unwrap(), true)
                .unwrap();
        }
        writer.finish().unwrap();
    }
    let cycles = CycleConfig {
        cycles: 300,
        frames_per_cycle: 3,
        trend_skip: 20,
        ..CycleConfig::default()
    };
    let mut clean = ReplaySource::new(&path, clock.clone(), Pacing::Recorded);
    let out = run_cycles(
        &mut clean,
        clock.as_ref(),
        &cycles,
        &StopFlag::new(),
        &mut |_| {},
    );
    assert_eq!(out.cycles_with_frame, 300);
    // Other tests in this binary open files too; a leak-free source stays near zero.
    assert!(out.fd_slope_per_cycle.unwrap().abs() < 0.05, "{out:?}");

    let mut leaky = Leaky {
        inner: ReplaySource::new(&path, clock.clone(), Pacing::Recorded),
        leaked: Vec::new(),
    };
    let out = run_cycles(
        &mut leaky,
        clock.as_ref(),
        &cycles,
        &StopFlag::new(),
        &mut |_| {},
    );
    let slope = out.fd_slope_per_cycle.unwrap();
    assert!((slope - 1.0).abs() < 0.05, "{slope}");
    let (first, last) = out.fds_first_last.unwrap();
    assert!(last >= first + 270, "{first} {last}");
}

fn facebench() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_facebench"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// `camera stress` on the synthetic camera, simulated time, into `run_dir`.
fn stress(run_dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "camera",
        "stress",
        "--source",
        "synthetic",
        "--sim-clock",
        "--out",
        run_dir.to_str().unwrap(),
    ];
    args.extend(extra);
    facebench().args(&args).output().unwrap()
}

fn row<'r>(rows: &'r [Row], number: &str) -> &'r Row {
    rows.iter().find(|r| r[0] == number).unwrap()
}

#[test]
fn a_fault_injected_source_gives_no_pass_on_the_rows_of_its_faults() {
    let dir = tempfile::tempdir().unwrap();
    // One frame in 50 dropped: a 2 % drop rate against the plan's 0.1 %.
    let drops = dir.path().join("drops");
    let output = stress(
        &drops,
        &[
            "--mode",
            "soak",
            "--duration",
            "64s",
            "--fault",
            "drop=every:50",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "a no pass exits 1");
    let rows = assert_checklist_matches_journal(&drops);
    assert_eq!(row(&rows, "C04")[4], "no pass", "{rows:?}");
    assert!(row(&rows, "C04")[2].starts_with("CAM-003 丢帧率 frame drop rate: mean 0.02"));
    for clean in ["C05", "C06", "C07"] {
        assert_eq!(row(&rows, clean)[4], "pass", "{clean}: {rows:?}");
    }
    // Only the soak ran: the other items' rows are not tested, never pass.
    for other in ["C01", "C02", "C09", "C10", "C11"] {
        assert_eq!(row(&rows, other)[4], "not tested", "{other}");
    }
    let (_, state) = plan_and_state(&drops);
    assert_eq!(state.results.len(), 1);
    assert_eq!(state.result("CAM-003", 1).unwrap().verdict, Verdict::NoPass);

    // The camera vanishes after 300 frames and comes back: a break, no pass on stalls and fps.
    let gone = dir.path().join("disconnect");
    let output = stress(
        &gone,
        &[
            "--mode",
            "soak",
            "--duration",
            "64s",
            "--fault",
            "disconnect=300",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let rows = assert_checklist_matches_journal(&gone);
    assert_eq!(row(&rows, "C05")[4], "no pass", "{rows:?}");
    assert!(
        row(&rows, "C05")[2].contains("CAM-003 USB重枚举次数 USB re-enumerations: 1"),
        "{:?}",
        row(&rows, "C05")
    );
    assert_ne!(row(&rows, "C03")[4], "pass");

    // Black frames: no pass on frozen/black and exposure, while rate and drops pass.
    let black = dir.path().join("black");
    let output = stress(
        &black,
        &[
            "--mode",
            "soak",
            "--duration",
            "64s",
            "--fault",
            "black=every:100",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let rows = assert_checklist_matches_journal(&black);
    for failed in ["C07", "C08"] {
        assert_eq!(row(&rows, failed)[4], "no pass", "{failed}: {rows:?}");
    }
    for clean in ["C03", "C04", "C05", "C06"] {
        assert_eq!(row(&rows, clean)[4], "pass", "{clean}: {rows:?}");
    }
}

#[test]
fn dual_stream_without_a_second_source_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = stress(&dir.path().join("run"), &["--mode", "dual"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--source2"));
    assert!(!dir.path().join("run").exists());
}

fn journal_text(run_dir: &Path) -> String {
    std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap_or_default()
}

#[test]
fn a_killed_camera_stress_run_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    // A 10 min soak on simulated time takes a few seconds: kill it while it streams.
    let mut child = facebench()
        .args([
            "camera",
            "stress",
            "--source",
            "synthetic",
            "--sim-clock",
            "--duration",
            "10m",
            "--cycles",
            "130",
            "--out",
            run_dir.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !journal_text(&run_dir).contains("\"item\":\"CAM-003\"") {
        assert!(Instant::now() < deadline, "the soak never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let (_, before) = plan_and_state(&run_dir);
    assert!(!before.finished);
    assert_eq!(before.interrupted.as_deref(), Some("CAM-003"));
    assert_eq!(
        before.results.keys().collect::<Vec<_>>(),
        ["CAM-001", "CAM-002"]
    );

    let resumed = facebench()
        .args([
            "camera",
            "stress",
            "--source",
            "synthetic",
            "--sim-clock",
            "--resume",
            run_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert_eq!(resumed.status.code(), Some(0), "{stderr}");
    let (plan, after) = plan_and_state(&run_dir);
    assert!(after.finished);
    assert_eq!(after.sessions, 2);
    // The earlier results stand; the soak ran again from its start, with the plan the run began
    // with (the flags' 10 min soak, read back from the run's own snapshot).
    assert_eq!(after.results["CAM-001"], before.results["CAM-001"]);
    assert_eq!(after.results["CAM-002"], before.results["CAM-002"]);
    assert_eq!(after.attempts["CAM-003"], 2);
    let soak = plan.item("CAM-003").unwrap().steps[0].rig.clone();
    assert!(
        format!("{soak:?}").contains("duration_s: Some(600.0)"),
        "{soak:?}"
    );
    assert_eq!(after.results.len(), 4);
    assert!(after
        .results
        .values()
        .flat_map(|r| r.values())
        .all(|r| r.verdict == Verdict::Pass));
    assert_checklist_matches_journal(&run_dir);
}

#[test]
/// The recording ending is a break in the stream (as an unplug would be): it is ridden out by
/// reopening, noted in the series with its cause, and the soak's `usb_reenum = 0` criterion
/// fails it.
fn a_recording_that_ends_mid_soak_is_a_break_and_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("short.fbcam");
    let config = stream(PixelFormat::Yuyv, 64, 48, StreamKind::Rgb);
    let clock = sim();
    {
        let mut source = synthetic(config, &clock);
        source.open().unwrap();
        source.start().unwrap();
        let mut writer = ReplayWriter::create(&recording, &config).unwrap();
        // 70 s of frames for a 124 s soak: two whole windows' worth would pass on their own.
        for index in 0..2100u32 {
            let frame = source.next_frame(Duration::from_secs(1)).unwrap();
            writer.write(&frame, index % 30 == 0).unwrap();
        }
        writer.finish().unwrap();
    }
    let run_dir = dir.path().join("run");
    let source = format!("replay:{}", recording.display());
    let output = facebench()
        .args([
            "camera",
            "stress",
            "--source",
            &source,
            "--sim-clock",
            "--mode",
            "soak",
            "--duration",
            "124s",
            "--out",
            run_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let (_, state) = plan_and_state(&run_dir);
    let soak = state.result("CAM-003", 1).unwrap();
    assert_eq!(soak.verdict, Verdict::NoPass);
    let reenum = soak
        .criteria
        .iter()
        .find(|c| c.measurement == "usb_reenum")
        .unwrap();
    assert_eq!(reenum.verdict, Verdict::NoPass, "{reenum:?}");
    let series =
        std::fs::read_to_string(run_dir.join("series/CAM-003/sample-1/camera-rgb.csv")).unwrap();
    assert!(
        series.contains("camera lost at") && series.contains("end of stream"),
        "the break and its cause are in the series"
    );
    assert_checklist_matches_journal(&run_dir);
}
