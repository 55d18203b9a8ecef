//! Luma statistics of one frame: mean, percentiles, clipped fractions, and black / blown-out
//! detection, read straight from the luma bytes of YUYV, GREY, NV12 (and Y16's high byte).
//!
//! Sub-sampling: one pixel in `step_x` on one row in `step_y` (default 4 × 4, i.e. 1/16 of the
//! pixels). The column phase shifts by one on each sampled row, so vertical stripes whose period
//! divides `step_x` are still sampled fairly. On camera-like content (smooth shading plus noise)
//! the mean stays within 0.5 levels, the percentiles within 2 levels and the clipped fractions
//! within 0.01 of the full computation (the tests check this on a gradient, noise and a scene
//! with a saturated window); pathological content (detail exactly at the sampling pitch) can
//! do worse. [`LumaSampling::FULL`] reads every pixel; a picture is then counted by blocks,
//! a smooth block level by level with vector compares where the CPU allows (see the
//! `luma_count` module), which roughly halves the cost of exact camera-picture statistics.

use super::luma_count::{count_run, count_strided, Parts};
use crate::camera::frame::{Frame, LumaLayout};

/// Which pixels are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LumaSampling {
    /// Read one pixel in this many along a row (≥ 1).
    pub step_x: usize,
    /// Read one row in this many (≥ 1).
    pub step_y: usize,
}

impl LumaSampling {
    /// Every pixel.
    pub const FULL: LumaSampling = LumaSampling {
        step_x: 1,
        step_y: 1,
    };
}

impl Default for LumaSampling {
    fn default() -> Self {
        LumaSampling {
            step_x: 4,
            step_y: 4,
        }
    }
}

/// Thresholds for clipping and for black / blown-out frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LumaThresholds {
    /// A sample at or below this level is clipped low.
    pub clip_low: u8,
    /// A sample at or above this level is clipped high.
    pub clip_high: u8,
    /// A frame whose 95th percentile is at or below this level is black.
    pub black_p95: u8,
    /// A frame with at least this fraction of samples clipped high is blown out.
    pub blown_fraction: f64,
}

impl Default for LumaThresholds {
    /// Clipped at ≤ 5 and ≥ 250; black when p95 ≤ 24; blown out when half the picture clips.
    fn default() -> Self {
        LumaThresholds {
            clip_low: 5,
            clip_high: 250,
            black_p95: 24,
            blown_fraction: 0.5,
        }
    }
}

/// The luma statistics of one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LumaStats {
    /// Samples read.
    pub samples: u64,
    /// Mean luma (0–255).
    pub mean: f64,
    /// 5th percentile.
    pub p5: u8,
    /// Median.
    pub p50: u8,
    /// 95th percentile.
    pub p95: u8,
    /// Fraction of samples clipped low.
    pub clipped_low: f64,
    /// Fraction of samples clipped high.
    pub clipped_high: f64,
    /// The frame is black.
    pub black: bool,
    /// The frame is blown out.
    pub blown: bool,
}

/// A 256-bin histogram of the sampled luma of a payload. Samples outside the payload (a frame
/// shorter than its format says) are simply not read.
pub fn luma_histogram(payload: &[u8], layout: LumaLayout, sampling: LumaSampling) -> [u64; 256] {
    histogram_with(payload, layout, sampling, count_run)
}

/// [`luma_histogram`] with one scattered increment per sample everywhere (no block counting):
/// the baseline the benchmark measures beside it. Same result.
#[doc(hidden)]
pub fn luma_histogram_per_sample(
    payload: &[u8],
    layout: LumaLayout,
    sampling: LumaSampling,
) -> [u64; 256] {
    histogram_with(payload, layout, sampling, count_strided)
}

/// The histogram, each sampled row's run of samples (every `stride`-th byte from the first)
/// counted by `count`. At full rate the rows follow each other, so the plane is one run.
fn histogram_with(
    payload: &[u8],
    layout: LumaLayout,
    sampling: LumaSampling,
    count: fn(&[u8], usize, &mut Parts),
) -> [u64; 256] {
    let mut parts = [[0u64; 256]; 4];
    let (step_x, step_y) = (sampling.step_x.max(1), sampling.step_y.max(1));
    let width = layout.width.max(1);
    let (width, rows) = match layout.count / width {
        rows if step_x == 1 && step_y == 1 && rows > 0 => (rows * width, 1),
        rows => (width, rows),
    };
    let row_bytes = width.saturating_mul(layout.step);
    for (n, row) in (0..rows).step_by(step_y).enumerate() {
        let start = row
            .checked_mul(row_bytes)
            .and_then(|b| b.checked_add(layout.offset));
        let Some(bytes) = start.and_then(|start| payload.get(start..)) else {
            break;
        };
        let bytes = bytes.get(..row_bytes).unwrap_or(bytes);
        let phase = (n % step_x).saturating_mul(layout.step);
        count(
            bytes.get(phase..).unwrap_or(&[]),
            step_x.saturating_mul(layout.step),
            &mut parts,
        );
    }
    let mut hist = [0u64; 256];
    for (level, bin) in hist.iter_mut().enumerate() {
        *bin = parts.iter().map(|part| part[level]).sum();
    }
    hist
}

/// Statistics of a luma histogram; `None` when it is empty.
pub fn stats_from_histogram(hist: &[u64; 256], thresholds: &LumaThresholds) -> Option<LumaStats> {
    let samples: u64 = hist.iter().sum();
    if samples == 0 {
        return None;
    }
    let sum: u64 = hist.iter().enumerate().map(|(v, &n)| v as u64 * n).sum();
    let percentile = |q: f64| -> u8 {
        let rank = ((q * samples as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (v, &n) in hist.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return v as u8;
            }
        }
        255
    };
    let low: u64 = hist.iter().take(usize::from(thresholds.clip_low) + 1).sum();
    let high: u64 = hist.iter().skip(usize::from(thresholds.clip_high)).sum();
    let clipped_high = high as f64 / samples as f64;
    let p95 = percentile(0.95);
    Some(LumaStats {
        samples,
        mean: sum as f64 / samples as f64,
        p5: percentile(0.05),
        p50: percentile(0.5),
        p95,
        clipped_low: low as f64 / samples as f64,
        clipped_high,
        black: p95 <= thresholds.black_p95,
        blown: clipped_high >= thresholds.blown_fraction,
    })
}

/// Luma statistics of a frame, for formats with readable luma and a payload; `None` otherwise.
pub fn frame_luma(
    frame: &Frame,
    sampling: LumaSampling,
    thresholds: &LumaThresholds,
) -> Option<LumaStats> {
    let layout = frame.format.luma_layout(frame.width, frame.height)?;
    let payload = frame.payload();
    if payload.is_empty() {
        return None;
    }
    stats_from_histogram(&luma_histogram(payload, layout, sampling), thresholds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::frame::PixelFormat;

    /// A deterministic xorshift for test pictures.
    fn noise(state: &mut u64) -> u8 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 56) as u8
    }

    fn scene(w: usize, h: usize, kind: u8) -> Vec<u8> {
        let mut seed = 0x9E37_79B9_7F4A_7C15;
        let mut luma = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let n = i32::from(noise(&mut seed) % 9) - 4;
                let base = match kind {
                    0 => ((x + y) * 255 / (w + h)) as i32,
                    1 => i32::from(noise(&mut seed)),
                    // A face-lit scene with a saturated window in the top-right quarter.
                    _ if x > w / 2 && y < h / 2 => 255,
                    _ => 90 + (x * 60 / w) as i32,
                };
                luma.push((base + n).clamp(0, 255) as u8);
            }
        }
        luma
    }

    #[test]
    fn subsampled_statistics_track_the_full_computation() {
        let (w, h) = (640usize, 480usize);
        let t = LumaThresholds::default();
        for kind in 0..3 {
            let luma = scene(w, h, kind);
            let yuyv: Vec<u8> = luma.iter().flat_map(|&y| [y, 128]).collect();
            let layout = PixelFormat::Yuyv.luma_layout(w as u32, h as u32).unwrap();
            let full = stats_from_histogram(&luma_histogram(&yuyv, layout, LumaSampling::FULL), &t)
                .unwrap();
            let sub =
                stats_from_histogram(&luma_histogram(&yuyv, layout, LumaSampling::default()), &t)
                    .unwrap();
            assert_eq!(full.samples, (w * h) as u64);
            assert_eq!(sub.samples, (w * h / 16) as u64);
            assert!(
                (full.mean - sub.mean).abs() < 0.5,
                "kind {kind}: {full:?} {sub:?}"
            );
            for (a, b) in [(full.p5, sub.p5), (full.p50, sub.p50), (full.p95, sub.p95)] {
                assert!(a.abs_diff(b) <= 2, "kind {kind}: {full:?} {sub:?}");
            }
            assert!((full.clipped_high - sub.clipped_high).abs() < 0.01);
            assert!((full.clipped_low - sub.clipped_low).abs() < 0.01);
        }
    }

    #[test]
    fn stripes_at_the_sampling_pitch_are_not_aliased() {
        // Columns alternate 0,0,0,255: a plain 1-in-4 sampler would see only one level.
        let (w, h) = (64usize, 64usize);
        let grey: Vec<u8> = (0..w * h)
            .map(|i| if i % 4 == 3 { 255 } else { 0 })
            .collect();
        let layout = PixelFormat::Grey.luma_layout(w as u32, h as u32).unwrap();
        let stats = stats_from_histogram(
            &luma_histogram(&grey, layout, LumaSampling::default()),
            &LumaThresholds::default(),
        )
        .unwrap();
        assert!((stats.mean - 63.75).abs() < 1e-9);
    }

    #[test]
    fn black_and_blown_frames_and_short_payloads() {
        let t = LumaThresholds::default();
        let layout = PixelFormat::Nv12.luma_layout(32, 8).unwrap();
        let black = vec![3u8; 32 * 8 * 3 / 2];
        let s =
            stats_from_histogram(&luma_histogram(&black, layout, LumaSampling::FULL), &t).unwrap();
        assert!(s.black && !s.blown);
        assert_eq!(s.clipped_low, 1.0);
        let white = vec![255u8; 32 * 8];
        let s =
            stats_from_histogram(&luma_histogram(&white, layout, LumaSampling::FULL), &t).unwrap();
        assert!(s.blown && !s.black);
        // A payload cut in the middle of a row reads what is there and never panics.
        let hist = luma_histogram(&white[..50], layout, LumaSampling::FULL);
        assert_eq!(hist.iter().sum::<u64>(), 50);
        assert!(stats_from_histogram(&[0; 256], &t).is_none());
    }

    /// One increment per sampled byte, walked plainly: the reference for `luma_histogram`.
    fn reference(payload: &[u8], layout: LumaLayout, sampling: LumaSampling) -> [u64; 256] {
        let mut hist = [0u64; 256];
        let (sx, sy) = (sampling.step_x.max(1), sampling.step_y.max(1));
        let width = layout.width.max(1);
        for (n, row) in (0..layout.count / width).step_by(sy).enumerate() {
            for col in (n % sx..width).step_by(sx) {
                if let Some(&y) = payload.get(layout.offset + (row * width + col) * layout.step) {
                    hist[usize::from(y)] += 1;
                }
            }
        }
        hist
    }

    /// Full-rate histograms of big frames on random, uniform and camera-like luma, with
    /// widths that are not multiples of four samples, in every layout, with and without a cut
    /// payload.
    #[test]
    fn full_rate_histograms_of_big_frames_match_one_increment_per_sample() {
        let formats = [
            PixelFormat::Yuyv,
            PixelFormat::Grey,
            PixelFormat::Nv12,
            PixelFormat::Y16,
        ];
        for (w, h) in [(640usize, 480usize), (333, 211)] {
            for kind in 0..4u8 {
                let luma = match kind {
                    3 => vec![77u8; w * h],
                    _ => scene(w, h, kind),
                };
                for format in formats {
                    let layout = format.luma_layout(w as u32, h as u32).unwrap();
                    let mut payload = vec![128u8; layout.offset + w * h * layout.step + 5];
                    for (i, &y) in luma.iter().enumerate() {
                        payload[layout.offset + i * layout.step] = y;
                    }
                    for cut in [0, 7, 3 * w + 1] {
                        let payload = &payload[..payload.len() - cut];
                        let expected = reference(payload, layout, LumaSampling::FULL);
                        assert_eq!(
                            luma_histogram(payload, layout, LumaSampling::FULL),
                            expected,
                            "{w}x{h} kind {kind} {format} cut {cut}"
                        );
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// Full-rate histograms of smooth pictures (a slope plus bounded noise, so block spans
        /// fall on both sides of the block kernel's limit and clip at 0 and 255) and of noisy
        /// ones, in every layout, any width, cut payloads: the same as one increment per sample.
        #[test]
        fn full_rate_histograms_of_smooth_and_noisy_frames_match_the_reference(
            width in 1usize..700,
            height in 1usize..24,
            layout_kind in 0usize..4,
            cut in 0usize..400,
            start in -40i32..300,
            // Levels per 256 samples along the picture.
            slope in -12i32..=12,
            // Noise of 0..=spread levels: 15..=24 puts blocks right at the kernel's limit.
            spread in proptest::prop_oneof![0u32..=3, 15u32..=24, 0u32..=255],
            mut seed in 1u64..,
        ) {
            let format = [PixelFormat::Yuyv, PixelFormat::Grey, PixelFormat::Nv12, PixelFormat::Y16]
                [layout_kind];
            let layout = format.luma_layout(width as u32, height as u32).unwrap();
            let mut payload = vec![128u8; layout.offset + width * height * layout.step + 3];
            for i in 0..width * height {
                let n = u32::from(noise(&mut seed)) % (spread + 1);
                let y = start + slope * i as i32 / 256 + n as i32;
                payload[layout.offset + i * layout.step] = y.clamp(0, 255) as u8;
            }
            let payload = &payload[..payload.len().saturating_sub(cut)];
            let expected = reference(payload, layout, LumaSampling::FULL);
            proptest::prop_assert_eq!(luma_histogram(payload, layout, LumaSampling::FULL), expected);
            proptest::prop_assert_eq!(
                luma_histogram_per_sample(payload, layout, LumaSampling::FULL),
                expected
            );
        }

        #[test]
        fn the_histogram_matches_one_increment_per_sample(
            width in 1usize..70,
            height in 1usize..12,
            step_x in 1usize..6,
            step_y in 1usize..4,
            layout_kind in 0usize..4,
            cut in 0usize..200,
            // Few levels as well as many, so flat stretches occur as well as busy ones.
            levels in 1u8..=255,
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..20_000),
        ) {
            let format = [PixelFormat::Yuyv, PixelFormat::Grey, PixelFormat::Nv12, PixelFormat::Y16]
                [layout_kind];
            let layout = format.luma_layout(width as u32, height as u32).unwrap();
            let payload: Vec<u8> = bytes.iter().map(|b| b % levels).collect();
            let payload = &payload[..payload.len().saturating_sub(cut)];
            let sampling = LumaSampling { step_x, step_y };
            let expected = reference(payload, layout, sampling);
            proptest::prop_assert_eq!(luma_histogram(payload, layout, sampling), expected);
        }
    }
}
