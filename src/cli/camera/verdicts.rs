//! Judging stress outcomes against the camera limits, as checklist rows ([`CheckOutcome`]).
//!
//! The limits are the suggested defaults of the camera research notes (librealsense and ChromeOS
//! analogues; no face-payment network publishes numeric camera criteria): first frame ≤ 1.5 s,
//! fps within ±5 % of nominal, device drop rate ≤ 0.1 %, no stalls, no error/corrupt, frozen,
//! black or blown-out frames, flat fd and RSS trends. Tune them with the hardware owner.

use std::time::Duration;

use crate::camera::stress::cycles::CycleOutcome;
use crate::camera::stress::soak::{SoakEnd, SoakOutcome};
use crate::camera::stress::switching::SwitchOutcome;
use crate::judge::Verdict;
use crate::report::{CameraCheck, CheckOutcome};

/// The limits every check is judged against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraLimits {
    /// Longest open → first frame (p99).
    pub first_frame_max: Duration,
    /// Relative fps tolerance of the soak's mean and worst window.
    pub fps_tolerance: f64,
    /// Highest device drop rate (fraction).
    pub drop_rate_max: f64,
    /// Mean luma of every analysed frame stays within this range (0–255).
    pub luma_range: (f64, f64),
    /// Largest fd slope per open/close cycle.
    pub fd_slope_per_cycle_max: f64,
    /// Largest RSS slope per open/close cycle, KiB.
    pub rss_slope_kib_per_cycle_max: f64,
    /// Largest fd slope per hour of soak.
    pub fd_slope_per_hour_max: f64,
    /// Largest RSS slope per hour of soak, KiB.
    pub rss_slope_kib_per_hour_max: f64,
}

impl Default for CameraLimits {
    fn default() -> Self {
        CameraLimits {
            first_frame_max: Duration::from_millis(1500),
            fps_tolerance: 0.05,
            drop_rate_max: 0.001,
            luma_range: (20.0, 235.0),
            fd_slope_per_cycle_max: 0.01,
            rss_slope_kib_per_cycle_max: 1.0,
            fd_slope_per_hour_max: 1.0,
            rss_slope_kib_per_hour_max: 1024.0,
        }
    }
}

fn judged(ok: bool) -> Verdict {
    if ok {
        Verdict::Pass
    } else {
        Verdict::NoPass
    }
}

fn row(figures: String, limit: String, verdict: Verdict, note: &str) -> CheckOutcome {
    CheckOutcome {
        figures,
        limit,
        verdict,
        note: note.to_string(),
    }
}

fn ms(d: Option<Duration>) -> String {
    d.map_or_else(
        || "—".into(),
        |d| format!("{:.0} ms", d.as_secs_f64() * 1000.0),
    )
}

/// What a run cut short shows: a failure found so far stands, but nothing can pass before the
/// run is complete, so `pass` becomes `not tested`; every row says why.
fn cut_short(
    mut rows: Vec<(CameraCheck, CheckOutcome)>,
    why: &str,
) -> Vec<(CameraCheck, CheckOutcome)> {
    for (_, outcome) in &mut rows {
        if outcome.verdict == Verdict::Pass {
            outcome.verdict = Verdict::NotTested;
        }
        outcome.note = if outcome.note.is_empty() {
            why.to_string()
        } else {
            format!("{}; {why}", outcome.note)
        };
    }
    rows
}

/// Why rows of a run stopped with Ctrl-C are incomplete.
const STOPPED: &str = "stopped early (Ctrl-C): figures cover what ran";

/// Rows from an open/close run: cycles, first-frame latency, fd/RSS trend.
pub fn from_cycles(out: &CycleOutcome, limits: &CameraLimits) -> Vec<(CameraCheck, CheckOutcome)> {
    let note = "";
    if out.cycles_run == 0 {
        return Vec::new();
    }
    let failures = out.cycles_run - out.cycles_with_frame;
    let mut rows = vec![(
        CameraCheck::OpenClose,
        row(
            format!(
                "{} cycles, {} reached a frame; {} open failures ({} busy), {} without a frame",
                out.cycles_run,
                out.cycles_with_frame,
                out.open_failures,
                out.busy_failures,
                out.no_frame_cycles
            ),
            "every cycle reaches a frame".into(),
            judged(failures == 0),
            note,
        ),
    )];
    let first = match out.first_frame_p99 {
        Some(p99) => row(
            format!(
                "p99 {}, p50 {}, max {}",
                ms(Some(p99)),
                ms(out.first_frame_p50),
                ms(out.first_frame_max)
            ),
            format!("p99 ≤ {}", ms(Some(limits.first_frame_max))),
            judged(p99 <= limits.first_frame_max),
            note,
        ),
        None => row(
            "no first frame".into(),
            String::new(),
            Verdict::NoPass,
            note,
        ),
    };
    rows.push((CameraCheck::FirstFrame, first));
    if let (Some(fd), Some(rss)) = (out.fd_slope_per_cycle, out.rss_slope_kib_per_cycle) {
        rows.push((
            CameraCheck::ResourceTrend,
            row(
                format!("fd slope {fd:+.4}/cycle, RSS slope {rss:+.2} KiB/cycle"),
                format!(
                    "fd ≤ {}/cycle, RSS ≤ {} KiB/cycle",
                    limits.fd_slope_per_cycle_max, limits.rss_slope_kib_per_cycle_max
                ),
                judged(
                    fd <= limits.fd_slope_per_cycle_max
                        && rss <= limits.rss_slope_kib_per_cycle_max,
                ),
                note,
            ),
        ));
    }
    if out.stopped_early {
        return cut_short(rows, STOPPED);
    }
    rows
}

/// Rows from a soak: fps, drops, stalls, bad frames, frozen/black frames, exposure, trends.
/// `estimated` says the backend has no sequence numbers (drops from intervals).
pub fn from_soak(
    out: &SoakOutcome,
    nominal_fps: f64,
    estimated: bool,
    limits: &CameraLimits,
) -> Vec<(CameraCheck, CheckOutcome)> {
    let rows = soak_rows(out, nominal_fps, estimated, limits);
    match out.end {
        SoakEnd::Completed => rows,
        SoakEnd::Stopped => cut_short(rows, STOPPED),
        SoakEnd::Lost => cut_short(rows, "camera lost and not back: figures cover what ran"),
        SoakEnd::EndOfStream => cut_short(rows, "the recording ended before the soak did"),
    }
}

fn soak_rows(
    out: &SoakOutcome,
    nominal_fps: f64,
    estimated: bool,
    limits: &CameraLimits,
) -> Vec<(CameraCheck, CheckOutcome)> {
    let note = "";
    let s = &out.summary;
    let c = &s.counts;
    if c.frames == 0 {
        return vec![(
            CameraCheck::SoakFps,
            row("no frames".into(), String::new(), Verdict::NoPass, note),
        )];
    }
    let mut rows = Vec::new();
    let t = &s.timing;
    let fps = t.window_fps_mean.or(t.fps_delivered);
    let fps_ok = |v: Option<f64>| {
        v.is_some_and(|v| (v - nominal_fps).abs() <= limits.fps_tolerance * nominal_fps)
    };
    let hours = out.elapsed.as_secs_f64() / 3600.0;
    rows.push((
        CameraCheck::SoakFps,
        row(
            format!(
                "mean {} fps (windows min {}, max {}; {} of {} windows off nominal) over {hours:.2} h",
                fmt_f(fps),
                fmt_f(t.window_fps_min),
                fmt_f(t.window_fps_max),
                t.windows_off_nominal,
                t.windows
            ),
            format!(
                "{nominal_fps:.2} fps ± {:.0} %",
                limits.fps_tolerance * 100.0
            ),
            judged(fps_ok(fps) && (t.windows == 0 || fps_ok(t.window_fps_min))),
            note,
        ),
    ));
    let counted = c.frames + c.device_drops;
    let mut drops = CheckOutcome::drop_rate(
        c.device_drops,
        counted,
        out.drop_rate_upper,
        limits.drop_rate_max,
        estimated,
    );
    if c.harness_drops > 0 {
        drops.note = format!(
            "{} {} harness drops (ours, not the camera's)",
            drops.note, c.harness_drops
        )
        .trim()
        .to_string();
    }
    rows.push((CameraCheck::DropRate, drops));
    rows.push((
        CameraCheck::Stalls,
        row(
            format!(
                "{} stalls ({} timeouts); {} breaks, {} reconnected",
                c.stalls, c.timeouts, out.break_count, out.reconnects
            ),
            "0 stalls, 0 breaks".into(),
            judged(c.stalls == 0 && out.break_count == 0),
            note,
        ),
    ));
    rows.push((
        CameraCheck::ErrorFrames,
        row(
            format!(
                "{} bad of {} frames: {} error-flagged, {} empty, {} wrong size, {} corrupt MJPEG",
                s.bad_frames(),
                c.frames,
                c.error_frames,
                c.empty_frames,
                c.wrong_size_frames,
                s.mjpeg.total()
            ),
            "0".into(),
            judged(s.bad_frames() == 0),
            note,
        ),
    ));
    rows.push((
        CameraCheck::FrozenBlack,
        row(
            format!(
                "{} frozen (longest run {}), {} black, {} blown out",
                s.frozen_frames, s.longest_frozen_run, s.luma.black_frames, s.luma.blown_frames
            ),
            "0".into(),
            judged(s.frozen_frames + s.luma.black_frames + s.luma.blown_frames == 0),
            note,
        ),
    ));
    let (low, high) = limits.luma_range;
    let exposure = match (s.luma.mean_min, s.luma.mean_max) {
        (Some(min), Some(max)) => row(
            format!(
                "frame mean luma {min:.0}–{max:.0} (mean {}) over {} frames",
                fmt_f(s.luma.mean),
                s.luma.frames
            ),
            format!("every frame mean within {low:.0}–{high:.0}"),
            judged(min >= low && max <= high),
            note,
        ),
        _ => row(
            "no frame analysed for luma".into(),
            String::new(),
            Verdict::NotTested,
            note,
        ),
    };
    rows.push((CameraCheck::Exposure, exposure));
    if let (Some(fd), Some(rss)) = (out.fd_slope_per_hour, out.rss_slope_kib_per_hour) {
        rows.push((
            CameraCheck::ResourceTrend,
            row(
                format!("fd slope {fd:+.3}/h, RSS slope {rss:+.1} KiB/h"),
                format!(
                    "fd ≤ {}/h, RSS ≤ {} KiB/h",
                    limits.fd_slope_per_hour_max, limits.rss_slope_kib_per_hour_max
                ),
                judged(
                    fd <= limits.fd_slope_per_hour_max && rss <= limits.rss_slope_kib_per_hour_max,
                ),
                note,
            ),
        ));
    }
    rows
}

/// The format-switching row.
pub fn from_switching(
    out: &SwitchOutcome,
    limits: &CameraLimits,
) -> Vec<(CameraCheck, CheckOutcome)> {
    if out.switches == 0 {
        return Vec::new();
    }
    let ok = out.failures == 0
        && out.mismatched_frames == 0
        && out
            .first_frame_p99
            .is_some_and(|p| p <= limits.first_frame_max);
    let rows = vec![(
        CameraCheck::FormatSwitch,
        row(
            format!(
                "{} switches, {} failed, {} substituted, {} frames of the wrong format; first frame p99 {}",
                out.switches,
                out.failures,
                out.substituted,
                out.mismatched_frames,
                ms(out.first_frame_p99)
            ),
            format!(
                "0 failures, 0 wrong frames, first frame p99 ≤ {}",
                ms(Some(limits.first_frame_max))
            ),
            judged(ok),
            "",
        ),
    )];
    if out.stopped_early {
        return cut_short(rows, STOPPED);
    }
    rows
}

/// The dual-stream row: both streams' own rows must all pass.
pub fn dual_row(
    a: &[(CameraCheck, CheckOutcome)],
    b: &[(CameraCheck, CheckOutcome)],
) -> (CameraCheck, CheckOutcome) {
    let worst = |rows: &[(CameraCheck, CheckOutcome)]| {
        Verdict::worst(rows.iter().map(|(_, o)| o.verdict)).unwrap_or(Verdict::NotTested)
    };
    let (va, vb) = (worst(a), worst(b));
    let verdict = Verdict::worst([va, vb]).unwrap_or(Verdict::NotTested);
    (
        CameraCheck::DualStream,
        row(
            format!("stream A: {va}; stream B: {vb}"),
            "both streams pass their soak checks".into(),
            verdict,
            "",
        ),
    )
}

fn fmt_f(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_judged_against_the_limits() {
        let limits = CameraLimits::default();
        let good = CycleOutcome {
            cycles_run: 100,
            cycles_with_frame: 100,
            first_frame_p50: Some(Duration::from_millis(300)),
            first_frame_p99: Some(Duration::from_millis(700)),
            first_frame_max: Some(Duration::from_millis(900)),
            fd_slope_per_cycle: Some(0.0),
            rss_slope_kib_per_cycle: Some(0.1),
            ..CycleOutcome::default()
        };
        let rows = from_cycles(&good, &limits);
        assert_eq!(rows.len(), 3);
        assert!(
            rows.iter().all(|(_, o)| o.verdict == Verdict::Pass),
            "{rows:?}"
        );
        let slow = CycleOutcome {
            first_frame_p99: Some(Duration::from_millis(1600)),
            cycles_with_frame: 99,
            no_frame_cycles: 1,
            fd_slope_per_cycle: Some(1.0),
            ..good.clone()
        };
        let rows = from_cycles(&slow, &limits);
        assert!(
            rows.iter().all(|(_, o)| o.verdict == Verdict::NoPass),
            "{rows:?}"
        );
        assert!(from_cycles(&CycleOutcome::default(), &limits).is_empty());
        // Stopped with Ctrl-C: what passed so far is not tested, what failed still fails.
        let stopped = from_cycles(
            &CycleOutcome {
                stopped_early: true,
                ..good
            },
            &limits,
        );
        assert!(stopped.iter().all(|(_, o)| o.verdict == Verdict::NotTested));
        assert!(stopped.iter().all(|(_, o)| o.note.contains("Ctrl-C")));
        let stopped_bad = from_cycles(
            &CycleOutcome {
                stopped_early: true,
                ..slow
            },
            &limits,
        );
        assert!(stopped_bad
            .iter()
            .all(|(_, o)| o.verdict == Verdict::NoPass));
    }

    #[test]
    fn an_unstarted_soak_has_no_pass_fps_only() {
        let rows = from_soak(
            &SoakOutcome::default(),
            30.0,
            false,
            &CameraLimits::default(),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, CameraCheck::SoakFps);
        assert_eq!(rows[0].1.verdict, Verdict::NoPass);
    }

    #[test]
    fn dual_takes_the_worst_stream() {
        let pass = vec![(
            CameraCheck::SoakFps,
            row("x".into(), "y".into(), Verdict::Pass, ""),
        )];
        let fail = vec![(
            CameraCheck::DropRate,
            row("x".into(), "y".into(), Verdict::NoPass, ""),
        )];
        assert_eq!(dual_row(&pass, &pass).1.verdict, Verdict::Pass);
        assert_eq!(dual_row(&pass, &fail).1.verdict, Verdict::NoPass);
        assert_eq!(dual_row(&[], &pass).1.verdict, Verdict::NotTested);
    }
}
