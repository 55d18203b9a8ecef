//! Counting luma samples into partial histograms, the inner loop of [`super::luma`].
//!
//! Two kernels, both exact:
//! - [`count_strided`] adds one sample per step, four samples per iteration into four partial
//!   histograms so consecutive increments do not wait on each other. It reads any stride, and
//!   is the whole story for sub-sampled statistics and on CPUs without AVX2.
//! - On x86-64 with AVX2, [`count_run`] reads runs of 1- or 2-byte-spaced luma (GREY/NV12
//!   rows, YUYV/Y16) in blocks of 128 samples. Camera pictures are locally smooth, so a block
//!   usually spans only a few levels: when its lowest and highest levels differ by less than
//!   20, the block is compared with each of its levels in turn and the matches are added to
//!   per-level byte counters (one compare and one add per 32 samples and level), which are
//!   summed into the histogram every 63 blocks. A wider block goes through [`count_strided`],
//!   and when a whole group of eight is wide, so do the next few groups (noise is wide
//!   everywhere).

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

/// The block kernel in AVX2 (the only `unsafe` of the analysis: the loads, and the entry after
/// the CPU check).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi8, _mm256_and_si256, _mm256_castsi256_si128, _mm256_cmpeq_epi8,
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
    /// Blocks read (and their bounds found) before any is counted.
    pub(super) const GROUP: usize = 8;
    /// The most groups counted one sample at a time between two looks at their bounds.
    const MAX_SKIP: usize = 8;

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

    /// Whole blocks by [`Lanes::count_block`] or [`count_strided`], the rest by
    /// [`count_strided`]. Blocks go by groups: the group is read and each block's bounds found,
    /// then its blocks are counted (two passes, so the loads run ahead of the counting). After
    /// a group without a narrow block the next 1, 2, 4 … up to [`MAX_SKIP`] groups go straight
    /// to [`count_strided`], so noise pays for the bounds of one group in nine only.
    #[target_feature(enable = "avx2")]
    fn blocks<const STEP: usize>(bytes: &[u8], parts: &mut Parts) {
        let mut lanes = Lanes::new();
        let mut groups = bytes.chunks_exact(GROUP * BLOCK * STEP);
        let mut luma = [[_mm256_setzero_si256(); VECTORS]; GROUP];
        let mut bounds = [(0u8, 0u8); GROUP];
        let (mut skip, mut backoff) = (0, 0);
        for group in &mut groups {
            if skip > 0 {
                skip -= 1;
                count_strided(group, STEP, parts);
                continue;
            }
            let blocks = group.chunks_exact(BLOCK * STEP);
            for ((block, luma), bounds) in blocks.clone().zip(&mut luma).zip(&mut bounds) {
                *luma = luma_of::<STEP>(block);
                *bounds = bounds_of(luma);
            }
            let mut narrow = false;
            for ((block, luma), &(lo, hi)) in blocks.zip(&luma).zip(&bounds) {
                if hi - lo < NARROW {
                    lanes.count_block(luma, lo, hi, parts);
                    narrow = true;
                } else {
                    count_strided(block, STEP, parts);
                }
            }
            if narrow {
                backoff = 0;
            } else {
                backoff = (backoff * 2).clamp(1, MAX_SKIP);
                skip = backoff;
            }
        }
        lanes.flush(parts);
        count_strided(groups.remainder(), STEP, parts);
    }

    /// The lowest and highest bytes of a block.
    #[target_feature(enable = "avx2")]
    fn bounds_of(luma: &[__m256i; VECTORS]) -> (u8, u8) {
        let (mut lo, mut hi) = (luma[0], luma[0]);
        for &y in &luma[1..] {
            lo = _mm256_min_epu8(lo, y);
            hi = _mm256_max_epu8(hi, y);
        }
        (lowest(lo), highest(hi))
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

    /// Per level, 32 byte counters (one per register lane) that narrow blocks add to; added
    /// up into the histogram before a counter can wrap, and at the end.
    struct Lanes {
        counts: [__m256i; 256],
        /// Blocks added since the last flush.
        blocks: usize,
        /// The lowest and highest levels added to since the last flush.
        lo: u8,
        hi: u8,
    }

    impl Lanes {
        /// Blocks that can be added before a counter could wrap (each adds at most VECTORS).
        const FLUSH_EVERY: usize = u8::MAX as usize / VECTORS;

        #[target_feature(enable = "avx2")]
        fn new() -> Lanes {
            Lanes {
                counts: [_mm256_setzero_si256(); 256],
                blocks: 0,
                lo: u8::MAX,
                hi: 0,
            }
        }

        /// Counts one block of luma bytes whose levels are `lo..=hi`.
        #[target_feature(enable = "avx2")]
        fn count_block(&mut self, luma: &[__m256i; VECTORS], lo: u8, hi: u8, parts: &mut Parts) {
            if self.blocks == Self::FLUSH_EVERY {
                self.flush(parts);
            }
            self.blocks += 1;
            self.lo = self.lo.min(lo);
            self.hi = self.hi.max(hi);
            let one = _mm256_set1_epi8(1);
            let mut level = _mm256_set1_epi8(lo as i8);
            for counts in &mut self.counts[usize::from(lo)..=usize::from(hi)] {
                // A match is -1 in every register that has it: subtracting their sum counts
                // them.
                let mut matches = _mm256_cmpeq_epi8(luma[0], level);
                for &y in &luma[1..] {
                    matches = _mm256_add_epi8(matches, _mm256_cmpeq_epi8(y, level));
                }
                *counts = _mm256_sub_epi8(*counts, matches);
                level = _mm256_add_epi8(level, one);
            }
        }

        /// Adds the counters to the histogram and clears them.
        #[target_feature(enable = "avx2")]
        fn flush(&mut self, parts: &mut Parts) {
            if self.blocks == 0 {
                return;
            }
            let (lo, hi) = (usize::from(self.lo), usize::from(self.hi));
            for (counts, bin) in self.counts[lo..=hi].iter_mut().zip(&mut parts[0][lo..=hi]) {
                let sums = _mm256_sad_epu8(*counts, _mm256_setzero_si256());
                let sums = _mm_add_epi64(
                    _mm256_castsi256_si128(sums),
                    _mm256_extracti128_si256::<1>(sums),
                );
                *bin += (_mm_cvtsi128_si64(sums) + _mm_extract_epi64::<1>(sums)) as u64;
                *counts = _mm256_setzero_si256();
            }
            (self.blocks, self.lo, self.hi) = (0, u8::MAX, 0);
        }
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
        use super::avx2::{BLOCK, GROUP, NARROW};
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
                // Over 63 narrow blocks, so the lane counters are summed midway too.
                let bytes: Vec<u8> = (0..(9 * GROUP + 1) * BLOCK * step + 5)
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

    /// Stretches of noise and of smooth picture, not aligned to blocks or groups: the kernel
    /// switches between counting by blocks, one sample at a time, and skipping groups.
    #[test]
    fn noise_and_smooth_stretches_switch_kernels_exactly() {
        use super::avx2::{BLOCK, GROUP};
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 56) as u8
        };
        for step in [1usize, 2] {
            let mut bytes = Vec::new();
            for (stretch, groups) in [3usize, 40, 2, 17, 1, 5].into_iter().enumerate() {
                let len = groups * GROUP * BLOCK * step + 77 * stretch;
                let base = next();
                bytes.extend((0..len).map(|i| {
                    if stretch % 2 == 0 {
                        next()
                    } else {
                        base.saturating_add((i / 300) as u8)
                            .saturating_add(next() % 9)
                    }
                }));
            }
            assert_eq!(run(&bytes, step), reference(&bytes, step), "step {step}");
        }
    }
}
