//! The 72 h simulated soak outside criterion: a synthetic 640×480 YUYV camera at 30 fps on a
//! simulated clock, metadata for every frame and pixels once a second, through the full
//! analysis. Prints the wall time, frames, per-frame cost and peak RSS (`VmHWM`).
//!
//! `cargo run --release --example soak72h [hours]`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use facebench::camera::stress::procstat::{peak_rss_kib, sample_self};
use facebench::camera::stress::simulated::run_simulated_soak;
use facebench::camera::{FrameRate, PixelFormat, StreamConfig, StreamKind};

fn main() -> anyhow::Result<()> {
    let hours: f64 = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|e| anyhow::anyhow!("hours must be a number, not {arg:?}: {e}"))?,
        None => 72.0,
    };
    let stream = StreamConfig {
        format: PixelFormat::Yuyv,
        width: 640,
        height: 480,
        rate: FrameRate::fps(30),
        stream: StreamKind::Rgb,
    };
    let rows = Arc::new(AtomicU64::new(0));
    let counted = rows.clone();
    let rss_before = sample_self().rss_kib;
    let started = Instant::now();
    let outcome = run_simulated_soak(
        stream,
        Duration::from_secs_f64(hours * 3600.0),
        30,
        Some(Box::new(move |_row| {
            counted.fetch_add(1, Ordering::Relaxed);
        })),
    )?;
    let wall = started.elapsed();
    let s = &outcome.summary;
    let frames = s.counts.frames;
    println!(
        "simulated:     {:.1} h ({:?})",
        outcome.elapsed.as_secs_f64() / 3600.0,
        outcome.end
    );
    println!(
        "frames:        {frames} ({} with pixels, {} luma-analysed)",
        s.payload_frames, s.luma.frames
    );
    println!("series rows:   {}", rows.load(Ordering::Relaxed));
    println!(
        "device drops:  {}  stalls: {}  bad frames: {}",
        s.counts.device_drops,
        s.counts.stalls,
        s.bad_frames()
    );
    println!(
        "fps:           produced {:.3}, window min {:.3}",
        s.timing.fps_produced.unwrap_or(0.0),
        s.timing.window_fps_min.unwrap_or(0.0)
    );
    println!(
        "drop-rate 95 % upper bound: {:.3e}",
        outcome.drop_rate_upper.unwrap_or(f64::NAN)
    );
    println!("wall time:     {:.2} s", wall.as_secs_f64());
    println!(
        "per frame:     {:.0} ns",
        wall.as_nanos() as f64 / frames.max(1) as f64
    );
    println!(
        "RSS:           {} KiB before, peak (VmHWM) {} KiB; slope {:.2} KiB/h",
        rss_before.unwrap_or(0),
        peak_rss_kib().unwrap_or(0),
        outcome.rss_slope_kib_per_hour.unwrap_or(f64::NAN)
    );
    Ok(())
}
