//! Counting luma samples into partial histograms, the inner loop of [`super::luma`].
//!
//! Two kernels, both exact:
//! - [`count_strided`] adds one sample per step, four samples per iteration into four partial
//!   histograms so consecutive increments do not wait on each other. It reads any stride, and
//!   is the whole story for sub-sampled statistics and on CPUs without AVX2.
//! - On x86-64 with AVX2, [`count_run`] reads runs of 1- or 2-byte-spaced luma (GREY/NV12
//!   rows, YUYV/Y16) in blocks of 128 samples. Camera pictures are locally smooth, so a block
//!   usually spans only a few levels: when its lowest and highest levels differ by less than
//!   20, each level but the highest is counted by comparing the whole block with it (one
//!   compare and one subtract per 32 samples) and the highest gets what is left. A wider block
//!   goes through [`count_strided`], and so do the next few blocks (noise is wide everywhere).

/// Four partial 256-bin histograms, summed by the caller.
pub(super) type Parts = [[u64; 256]; 4];

/// Adds every `stride`-th byte of `bytes` (from the first) to the partial histograms.
pub(super) fn count_strided(bytes: &[u8], stride: usize, parts: &mut Parts) {
    let [h0, h1, h2, h3] = parts;
    let mut quads = bytes.chunks_exact(stride.saturating_mul(4));
    for quad in &mut quads {
        h0[usize::from(quad[0])] += 1;
        h1[usize::from(quad[stride])] += 1;
        h2[usize::from(quad[2 * stride])] += 1;
        h3[usize::from(quad[3 * stride])] += 1;
    }
    for chunk in quads.remainder().chunks(stride) {
        if let Some(&y) = chunk.first() {
            h0[usize::from(y)] += 1;
        }
    }
}

/// Adds every `step`-th byte of `bytes` (from the first) to the partial histograms, like
/// [`count_strided`], by blocks where the CPU and the step allow.
pub(super) fn count_run(bytes: &[u8], step: usize, parts: &mut Parts) {
    #[cfg(target_arch = "x86_64")]
    if avx2::count_run(bytes, step, parts) {
        return;
    }
    count_strided(bytes, step, parts)
}

/// The block kernel in AVX2 (the only `unsafe` of the analysis: loads, stores, and the entry
/// after the CPU check).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_castsi256_si128, _mm256_cmpeq_epi8,
        _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_max_epu8, _mm256_min_epu8,
        _mm256_packus_epi16, _mm256_sad_epu8, _mm256_set1_epi16, _mm256_set1_epi8,
        _mm256_setzero_si256, _mm256_sub_epi8, _mm_add_epi64, _mm_cvtsi128_si32, _mm_cvtsi128_si64,
        _mm_extract_epi64, _mm_max_epu8, _mm_min_epu8, _mm_srli_si128,
    };

    use super::{count_strided, Parts};

    /// Samples per block.
    pub(super) const BLOCK: usize = 128;
    /// A block whose lowest and highest levels differ by less than this is counted level by
    /// level.
    pub(super) const NARROW: u8 = 20;
    /// 32-byte registers per block.
    const VECTORS: usize = BLOCK / 32;
    /// The most blocks counted one sample at a time between two block tests.
    const MAX_SKIP: usize = 16;

    /// Counts a run of samples `step` (1 or 2) bytes apart by blocks and returns true; returns
    /// false, having counted nothing, for another step or on a CPU without AVX2.
    pub(super) fn count_run(bytes: &[u8], step: usize, parts: &mut Parts) -> bool {
        if !matches!(step, 1 | 2) || !std::arch::is_x86_feature_detected!("avx2") {
            return false;
        }
        // SAFETY: `blocks` needs nothing but a CPU with AVX2, checked just above.
        unsafe {
            if step == 1 {
                blocks::<1>(bytes, parts)
            } else {
                blocks::<2>(bytes, parts)
            }
        }
        true
    }

    /// Whole blocks by [`count_block`], the rest by [`count_strided`]. After a block too
    /// wide for [`count_block`] the next 1, 2, 4 … up to [`MAX_SKIP`] blocks go straight to
    /// [`count_strided`], so noise pays the block test on one block in 17 only.
    #[target_feature(enable = "avx2")]
    fn blocks<const STEP: usize>(bytes: &[u8], parts: &mut Parts) {
        let mut chunks = bytes.chunks_exact(BLOCK * STEP);
        let (mut skip, mut backoff) = (0, 0);
        for chunk in &mut chunks {
            if skip > 0 {
                skip -= 1;
            } else if count_block(&luma_of::<STEP>(chunk), parts) {
                backoff = 0;
                continue;
            } else {
                backoff = (backoff * 2).clamp(1, MAX_SKIP);
                skip = backoff;
            }
            count_strided(chunk, STEP, parts);
        }
        count_strided(chunks.remainder(), STEP, parts);
    }

    /// The luma bytes of `BLOCK * STEP` payload bytes, in registers.
    #[target_feature(enable = "avx2")]
    fn luma_of<const STEP: usize>(chunk: &[u8]) -> [__m256i; VECTORS] {
        let (words, _) = chunk.as_chunks::<32>();
        let mut luma = [_mm256_setzero_si256(); VECTORS];
        for (y, word) in luma.iter_mut().zip(words.chunks_exact(STEP)) {
            *y = if STEP == 1 {
                load(&word[0])
            } else {
                // The even bytes of two registers, in an order that does not matter here.
                let even = _mm256_set1_epi16(0xff);
                _mm256_packus_epi16(
                    _mm256_and_si256(load(&word[0]), even),
                    _mm256_and_si256(load(&word[1]), even),
                )
            };
        }
        luma
    }

    /// Counts one block of luma bytes if it spans less than [`NARROW`] levels; returns
    /// whether it did.
    #[target_feature(enable = "avx2")]
    fn count_block(luma: &[__m256i; VECTORS], parts: &mut Parts) -> bool {
        let (mut lo, mut hi) = (luma[0], luma[0]);
        for &y in &luma[1..] {
            lo = _mm256_min_epu8(lo, y);
            hi = _mm256_max_epu8(hi, y);
        }
        let (lo, hi) = (lowest(lo), highest(hi));
        if hi - lo >= NARROW {
            return false;
        }
        let mut rest = BLOCK as u64;
        for level in lo..hi {
            let n = count_equal(luma, level);
            parts[0][usize::from(level)] += n;
            rest -= n;
        }
        parts[1][usize::from(hi)] += rest;
        true
    }

    /// How many bytes of the block equal `level`.
    #[target_feature(enable = "avx2")]
    fn count_equal(luma: &[__m256i; VECTORS], level: u8) -> u64 {
        let level = _mm256_set1_epi8(level as i8);
        // A match is -1: subtracting counts it; at most VECTORS per byte, so no wrap.
        let mut lanes = _mm256_setzero_si256();
        for &y in luma {
            lanes = _mm256_sub_epi8(lanes, _mm256_cmpeq_epi8(y, level));
        }
        let sums = _mm256_sad_epu8(lanes, _mm256_setzero_si256());
        let sums = _mm_add_epi64(
            _mm256_castsi256_si128(sums),
            _mm256_extracti128_si256::<1>(sums),
        );
        (_mm_cvtsi128_si64(sums) + _mm_extract_epi64::<1>(sums)) as u64
    }

    /// The lowest of 32 bytes.
    #[target_feature(enable = "avx2")]
    fn lowest(y: __m256i) -> u8 {
        let y = _mm_min_epu8(_mm256_castsi256_si128(y), _mm256_extracti128_si256::<1>(y));
        let y = _mm_min_epu8(y, _mm_srli_si128::<8>(y));
        let y = _mm_min_epu8(y, _mm_srli_si128::<4>(y));
        let y = _mm_min_epu8(y, _mm_srli_si128::<2>(y));
        let y = _mm_min_epu8(y, _mm_srli_si128::<1>(y));
        _mm_cvtsi128_si32(y) as u8
    }

    /// The highest of 32 bytes.
    #[target_feature(enable = "avx2")]
    fn highest(y: __m256i) -> u8 {
        let y = _mm_max_epu8(_mm256_castsi256_si128(y), _mm256_extracti128_si256::<1>(y));
        let y = _mm_max_epu8(y, _mm_srli_si128::<8>(y));
        let y = _mm_max_epu8(y, _mm_srli_si128::<4>(y));
        let y = _mm_max_epu8(y, _mm_srli_si128::<2>(y));
        let y = _mm_max_epu8(y, _mm_srli_si128::<1>(y));
        _mm_cvtsi128_si32(y) as u8
    }

    /// 32 bytes in a register.
    #[target_feature(enable = "avx2")]
    fn load(bytes: &[u8; 32]) -> __m256i {
        // SAFETY: `bytes` is 32 readable bytes; the load needs no alignment.
        unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    fn reference(bytes: &[u8], step: usize) -> [u64; 256] {
        let mut hist = [0u64; 256];
        for &y in bytes.iter().step_by(step) {
            hist[usize::from(y)] += 1;
        }
        hist
    }

    fn run(bytes: &[u8], step: usize) -> [u64; 256] {
        let mut parts = [[0u64; 256]; 4];
        count_run(bytes, step, &mut parts);
        let mut hist = [0u64; 256];
        for (level, bin) in hist.iter_mut().enumerate() {
            *bin = parts.iter().map(|part| part[level]).sum();
        }
        hist
    }

    /// Blocks just inside and just outside the block kernel's limit, at both clipping ends,
    /// flat, and as wide as can be, for both steps, with a partial block at the end.
    #[test]
    fn blocks_at_the_narrow_limit_and_at_the_clipping_ends() {
        use super::avx2::{BLOCK, NARROW};
        for step in [1usize, 2] {
            for (lo, span) in [
                (0u8, NARROW - 1),
                (0, NARROW),
                (255 - (NARROW - 1), NARROW - 1),
                (255 - NARROW, NARROW),
                (100, 0),
                (0, 0),
                (255, 0),
                (0, 255),
            ] {
                let bytes: Vec<u8> = (0..BLOCK * step * 3 + 5)
                    .map(|i| lo + ((i * 7 + i / 3) % (usize::from(span) + 1)) as u8)
                    .collect();
                assert_eq!(
                    run(&bytes, step),
                    reference(&bytes, step),
                    "step {step} lo {lo} span {span}"
                );
            }
        }
    }
}
