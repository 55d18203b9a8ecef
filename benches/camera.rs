//! Camera analysis throughput: per-frame metadata accounting, luma statistics on 1080p YUYV
//! (sub-sampled, and full-frame on random, uniform and camera-like frames streamed from memory,
//! each beside the old one-increment-per-sample kernel, `full_frame_<kind>_per_sample`, and a
//! memory floor), MJPEG integrity, and a simulated soak at 30 fps (72 h by default;
//! `FACEBENCH_SOAK_HOURS` shortens it). `factory`: one unit of `facebench factory` (label SN
//! rule, device and camera SN over adb to a simulated terminal, device-list append with fsync)
//! beside the camera stream check alone, so the difference is the line's per-unit overhead.
//!
//! `luma_1080p_yuyv_thread_cpu` (unix): the same full-frame lines, timed by the benchmark
//! thread's CPU time instead of the wall clock. On a shared machine the wall clock also counts
//! the time other processes (builds, other benches) held the core, so the wall-clock lines give
//! only ratios between lines of one run; CPU time gives frames per second of one core's own work,
//! the figure issue 8's target (≥ 3,000 frames/s camera-like) is stated in. It still shares
//! caches and memory bandwidth with whatever else runs, so a loaded machine lowers it somewhat.

use std::sync::Arc;
use std::time::Duration;

use criterion::measurement::Measurement;
use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput,
};

use facebench::camera::analysis::luma::{
    luma_histogram, luma_histogram_per_sample, stats_from_histogram, LumaSampling, LumaThresholds,
};
use facebench::camera::analysis::metadata::{MetadataAccount, MetadataConfig};
use facebench::camera::analysis::mjpeg::check_mjpeg;
use facebench::camera::analysis::{AnalysisConfig, FrameAnalyzer};
use facebench::camera::frame::LumaLayout;
use facebench::camera::stress::simulated::run_simulated_soak;
use facebench::camera::synthetic::pattern::{encode_jpeg, pack, render_luma, Pattern};
use facebench::camera::{Frame, FrameFlags, FrameRate, PixelFormat, StreamConfig, StreamKind};

#[cfg(unix)]
#[path = "camera/thread_cpu.rs"]
mod thread_cpu;
#[cfg(unix)]
use thread_cpu::ThreadCpuTime;

fn stream(format: PixelFormat, width: u32, height: u32) -> StreamConfig {
    StreamConfig {
        format,
        width,
        height,
        rate: FrameRate::fps(30),
        stream: StreamKind::Rgb,
    }
}

fn metadata_frames(n: u32) -> Vec<Frame> {
    let empty: Arc<[u8]> = Arc::from(Vec::new());
    (0..n)
        .map(|i| Frame {
            seq: Some(i + i / 97),
            ts_device: Some(Duration::from_nanos(u64::from(i) * 33_333_333)),
            ts_host: Duration::from_nanos(u64::from(i) * 33_333_333 + 2_000_000),
            bytes_used: 614_400,
            flags: FrameFlags::default(),
            format: PixelFormat::Yuyv,
            width: 640,
            height: 480,
            stream: StreamKind::Rgb,
            data: empty.clone(),
        })
        .collect()
}

fn metadata(c: &mut Criterion) {
    let frames = metadata_frames(10_000);
    let mut group = c.benchmark_group("metadata");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("accounting_per_frame", |b| {
        b.iter(|| {
            let mut account = MetadataAccount::new(MetadataConfig {
                nominal_interval: Duration::from_nanos(33_333_333),
                gap_factor: 1.5,
                expected_size: Some(614_400),
            });
            for frame in &frames {
                black_box(account.on_frame(frame));
            }
            account.counts()
        })
    });
    group.bench_function("full_analyzer_metadata_only", |b| {
        b.iter(|| {
            let mut analyzer = FrameAnalyzer::new(AnalysisConfig::for_stream(stream(
                PixelFormat::Yuyv,
                640,
                480,
            )));
            for frame in &frames {
                analyzer.on_frame(frame, None);
            }
            analyzer.summary()
        })
    });
    group.finish();
}

/// Distinct 1080p frames cycled through per luma benchmark: 10 × 4 MB, more than the L3 cache,
/// so each frame is read from memory as a live stream's would be.
const LUMA_FRAMES: u64 = 10;

/// A deterministic xorshift for the benchmark pictures.
fn xorshift(state: &mut u64) -> u8 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state >> 56) as u8
}

/// One 1080p YUYV frame of a kind: `random` luma, `uniform` luma (one level per frame), or
/// `camera` (a smooth diagonal shading like a lit face, plus noise of ±3 levels).
fn luma_frame(kind: &str, index: u64, w: usize, h: usize) -> Vec<u8> {
    let mut seed = 0x9E37_79B9_7F4A_7C15 ^ (index + 1).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut yuyv = Vec::with_capacity(w * h * 2);
    for y in 0..h {
        for x in 0..w {
            let luma = match kind {
                "random" => xorshift(&mut seed),
                "uniform" => (40 + 20 * index) as u8,
                _ => {
                    let shade = 60 + (x + y) * 120 / (w + h) + index as usize * 4;
                    let noise = i64::from(xorshift(&mut seed) % 7) - 3;
                    (shade as i64 + noise).clamp(0, 255) as u8
                }
            };
            yuyv.extend_from_slice(&[luma, 128]);
        }
    }
    yuyv
}

/// A full-frame luma histogram kernel.
type Histogram = fn(&[u8], LumaLayout, LumaSampling) -> [u64; 256];

/// The 1080p YUYV luma layout every luma line reads.
fn luma_layout() -> LumaLayout {
    PixelFormat::Yuyv
        .luma_layout(1920, 1080)
        .expect("YUYV has luma")
}

fn luma(c: &mut Criterion) {
    let layout = luma_layout();
    let thresholds = LumaThresholds::default();
    let mut group = c.benchmark_group("luma_1080p_yuyv");
    group.throughput(Throughput::Elements(1));
    let luma = render_luma(
        Pattern::MovingBar,
        layout.width,
        layout.count / layout.width,
        3,
    );
    let yuyv = pack(&luma, PixelFormat::Yuyv).unwrap_or_default();
    group.bench_function("subsampled_4x4", |b| {
        b.iter(|| {
            let hist = luma_histogram(black_box(&yuyv), layout, LumaSampling::default());
            stats_from_histogram(&hist, &thresholds)
        })
    });
    full_frame_lines(&mut group, layout);
    group.finish();
}

/// The full-frame lines of a luma group, under whichever measurement the group uses: for random,
/// uniform and camera-like frames, the block-counting kernel and the old per-sample kernel, each
/// on [`LUMA_FRAMES`] distinct frames cycled from memory, then the memory floor on camera-like ones.
fn full_frame_lines<M: Measurement>(group: &mut BenchmarkGroup<'_, M>, layout: LumaLayout) {
    let thresholds = LumaThresholds::default();
    for kind in ["random", "uniform", "camera"] {
        let frames: Vec<Vec<u8>> = (0..LUMA_FRAMES)
            .map(|i| luma_frame(kind, i, layout.width, layout.count / layout.width))
            .collect();
        let mut next = frames.iter().cycle();
        // The block-counting kernel, then the old one-increment-per-sample kernel as its peer.
        for (name, histogram) in [
            (format!("full_frame_{kind}"), luma_histogram as Histogram),
            (
                format!("full_frame_{kind}_per_sample"),
                luma_histogram_per_sample,
            ),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| {
                    let frame = next.next().map(Vec::as_slice).unwrap_or_default();
                    let hist = histogram(black_box(frame), layout, LumaSampling::FULL);
                    stats_from_histogram(&hist, &thresholds)
                })
            });
        }
        if kind == "camera" {
            // The memory floor: every byte of each frame read and summed, nothing counted.
            group.bench_function("full_frame_camera_memory_sum", |b| {
                b.iter(|| {
                    let frame = next.next().map(Vec::as_slice).unwrap_or_default();
                    black_box(frame)
                        .chunks_exact(8)
                        .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()))
                        .fold(0u64, u64::wrapping_add)
                })
            });
        }
    }
}

/// The full-frame lines timed by the benchmark thread's CPU time (see the file's notes).
#[cfg(unix)]
fn luma_thread_cpu(c: &mut Criterion<ThreadCpuTime>) {
    if let Err(err) = ThreadCpuTime::probe() {
        println!("luma_1080p_yuyv_thread_cpu skipped: no thread CPU clock here: {err}");
        return;
    }
    let mut group = c.benchmark_group("luma_1080p_yuyv_thread_cpu");
    group.throughput(Throughput::Elements(1));
    full_frame_lines(&mut group, luma_layout());
    group.finish();
}

fn mjpeg(c: &mut Criterion) {
    let (w, h) = (1920u32, 1080u32);
    let luma = render_luma(Pattern::MovingBar, w as usize, h as usize, 3);
    let jpeg = encode_jpeg(&luma, w, h).unwrap_or_default();
    let mut group = c.benchmark_group("mjpeg_integrity_1080p");
    group.throughput(Throughput::Elements(1));
    group.bench_function("structure", |b| {
        b.iter(|| check_mjpeg(black_box(&jpeg), false))
    });
    group.bench_function("structure_and_scan", |b| {
        b.iter(|| check_mjpeg(black_box(&jpeg), true))
    });
    group.finish();
}

fn soak(c: &mut Criterion) {
    let hours: f64 = std::env::var("FACEBENCH_SOAK_HOURS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(72.0);
    let duration = Duration::from_secs_f64(hours * 3600.0);
    let stream = stream(PixelFormat::Yuyv, 640, 480);
    let mut group = c.benchmark_group("simulated_soak_30fps");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements((hours * 3600.0 * 30.0) as u64));
    group.bench_function(format!("{hours}h_pixels_1_per_s"), |b| {
        b.iter(|| run_simulated_soak(stream, duration, 30, None))
    });
    group.finish();
}

/// A 2 s stream check of the synthetic camera on simulated time.
fn limits() -> facebench::factory::StreamLimits {
    facebench::factory::StreamLimits {
        source: facebench::camera::select::SourceSpec::Synthetic(None),
        source_text: "synthetic".into(),
        duration: Duration::from_secs(2),
        warmup: Duration::from_millis(500),
        min_fps: 25.0,
        max_drops: 0,
        max_first_frame: Duration::from_millis(1500),
    }
}

fn synthetic(clock: &Arc<dyn facebench::clock::Clock>) -> Box<dyn facebench::camera::FrameSource> {
    use facebench::camera::synthetic::{SyntheticConfig, SyntheticSource};
    Box::new(SyntheticSource::new(
        SyntheticConfig::new(stream(PixelFormat::Yuyv, 320, 240)),
        Arc::clone(clock),
    ))
}

fn factory(c: &mut Criterion) {
    use facebench::clock::{Clock, SimClock, SystemClock};
    use facebench::dut::android::{AdbDut, AdbLink};
    use facebench::dut::{Dut, DutError};
    use facebench::factory::{check_stream, CameraSnSource, DeviceList, DutLink, Line, Station};
    use facebench::sim::android::SimAndroid;

    const SN: &str = "FBAD120261100017KQ2M9XA";
    let real: Arc<dyn Clock> = Arc::new(SystemClock::new());
    let mut terminal = SimAndroid::new(SN);
    terminal
        .config
        .properties
        .insert("persist.vendor.camera.sn".into(), "CAM-1".into());
    let sim = terminal
        .spawn(([127, 0, 0, 1], 0).into(), Arc::clone(&real))
        .expect("simulated terminal");
    let dir = std::env::temp_dir().join(format!("facebench-bench-factory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let line = Line {
        name: "bench".into(),
        model: "FP-200".into(),
        vendor_code: "FB".into(),
        model_code: "D1".into(),
        device_list: dir.join("devices.csv"),
        dut: DutLink {
            link: AdbLink::Direct {
                addr: sim.addr(),
                key: None,
            },
            timeout: Duration::from_secs(2),
            sn_property: "ro.serialno".into(),
        },
        camera_sn: CameraSnSource::Property("persist.vendor.camera.sn".into()),
        camera: limits(),
    };
    let mut devices = DeviceList::open(&line.device_list).expect("device list");
    let mut group = c.benchmark_group("factory");
    group.sample_size(20);
    group.bench_function("camera_check_only", |b| {
        let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        b.iter(|| {
            let mut source = synthetic(&clock);
            black_box(check_stream(source.as_mut(), clock.as_ref(), &line.camera).expect("streams"))
        })
    });
    group.bench_function("whole_unit", |b| {
        let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        b.iter(|| {
            let mut connect = || -> Result<Box<dyn Dut>, DutError> {
                let mut dut =
                    AdbDut::new(line.dut.link.clone(), line.dut.timeout, Arc::clone(&real));
                dut.connect()?;
                Ok(Box::new(dut))
            };
            let mut camera = || -> Result<Box<dyn facebench::camera::FrameSource>, String> {
                Ok(synthetic(&clock))
            };
            let outcome = Station {
                line: &line,
                devices: &mut devices,
                connect: &mut connect,
                camera: &mut camera,
                clock: clock.as_ref(),
            }
            .check(SN)
            .expect("device list");
            black_box(outcome)
        })
    });
    group.finish();
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, metadata, luma, mjpeg, soak, factory);
#[cfg(unix)]
criterion_group! {
    name = thread_cpu_benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = luma_thread_cpu
}
#[cfg(unix)]
criterion_main!(benches, thread_cpu_benches);
#[cfg(not(unix))]
criterion_main!(benches);
