//! Exact luma counting two samples per increment, for full-frame statistics.
//!
//! A 256-bin histogram costs one read-modify-write per sample, and that store is the limit.
//! Counting each pair of neighbouring samples as one entry of a 65,536-entry table halves the
//! stores; the table is folded into 256 bins once at the end (each pair adds to the bin of its
//! first and of its second sample), so the result is exactly the one-per-sample histogram.
//!
//! Cache and stalls: the counters are `u16` (two tables of 128 KB, inside a core's L2 cache;
//! `u32` tables would be twice that), and a counter that wraps adds its 65,536 straight to the
//! histogram, so nothing is lost. Consecutive pairs go to alternate tables, so two increments of
//! the same pair in a row do not wait on each other's store. A block of four identical pairs
//! (flat or clipped areas, a black frame, a fine repeating pattern) is not stored at all: it
//! extends a run held in a register and added once when the run ends.

/// Entries of a pair table: one per (first, second) luma pair.
const PAIR_BINS: usize = 1 << 16;

/// One counter per luma pair: the entry `first << 8 | second`.
type PairTable = [u16; PAIR_BINS];

/// Counts luma samples two at a time; [`PairCounter::finish`] gives the 256-bin histogram.
pub(super) struct PairCounter {
    /// Pairs at even positions in a block.
    even: Box<PairTable>,
    /// Pairs at odd positions in a block.
    odd: Box<PairTable>,
    /// Wrapped counters, runs and unpaired samples, counted per sample.
    direct: [u64; 256],
    /// The pair repeated by the current run of identical blocks.
    run_pair: usize,
    /// Pairs in the current run.
    run_len: u64,
}

impl PairCounter {
    /// An empty counter (allocates and clears the two 128 KB tables).
    pub(super) fn new() -> Self {
        PairCounter {
            even: Box::new([0; PAIR_BINS]),
            odd: Box::new([0; PAIR_BINS]),
            direct: [0; 256],
            run_pair: 0,
            run_len: 0,
        }
    }

    /// Counts every `stride`-th byte of `bytes`, from the first.
    pub(super) fn count_strided(&mut self, bytes: &[u8], stride: usize) {
        // The same body three times: with a literal stride the compiler drops the bounds checks
        // and multiplies (YUYV and Y16 have stride 2, GREY and NV12 stride 1).
        match stride {
            1 => self.count_blocks(bytes, 1),
            2 => self.count_blocks(bytes, 2),
            _ => self.count_blocks(bytes, stride.max(1)),
        }
    }

    #[inline(always)]
    fn count_blocks(&mut self, bytes: &[u8], stride: usize) {
        let Some(block_len) = stride.checked_mul(8) else {
            // No block fits in a slice; the first sample is the only one.
            self.count_tail(bytes, stride);
            return;
        };
        let mut blocks = bytes.chunks_exact(block_len);
        for block in &mut blocks {
            let pair = |k: usize| {
                usize::from(block[2 * k * stride]) << 8 | usize::from(block[(2 * k + 1) * stride])
            };
            let p = [pair(0), pair(1), pair(2), pair(3)];
            if (p[0] ^ p[1]) | (p[1] ^ p[2]) | (p[2] ^ p[3]) == 0 {
                if p[0] != self.run_pair {
                    self.end_run();
                    self.run_pair = p[0];
                }
                self.run_len += 4;
                continue;
            }
            bump(&mut self.even, &mut self.direct, p[0]);
            bump(&mut self.odd, &mut self.direct, p[1]);
            bump(&mut self.even, &mut self.direct, p[2]);
            bump(&mut self.odd, &mut self.direct, p[3]);
        }
        self.count_tail(blocks.remainder(), stride);
    }

    /// Counts the samples of a row's last partial block one by one.
    fn count_tail(&mut self, bytes: &[u8], stride: usize) {
        for &y in bytes.iter().step_by(stride) {
            self.direct[usize::from(y)] += 1;
        }
    }

    /// Adds the current run to the histogram.
    fn end_run(&mut self) {
        self.direct[self.run_pair >> 8] += self.run_len;
        self.direct[self.run_pair & 0xFF] += self.run_len;
        self.run_len = 0;
    }

    /// The 256-bin histogram of every sample counted.
    pub(super) fn finish(mut self) -> [u64; 256] {
        self.end_run();
        let mut hist = self.direct;
        // Column sums fit in u32: 2 tables × 256 rows × 65,535.
        let mut seconds = [0u32; 256];
        for table in [&self.even, &self.odd] {
            for (first, row) in table.chunks_exact(256).enumerate() {
                let mut firsts = 0u32;
                for (second, &n) in seconds.iter_mut().zip(row) {
                    *second += u32::from(n);
                    firsts += u32::from(n);
                }
                hist[first] += u64::from(firsts);
            }
        }
        for (bin, &n) in hist.iter_mut().zip(&seconds) {
            *bin += u64::from(n);
        }
        hist
    }
}

/// Increments a pair's counter; a counter that wraps adds its 65,536 pairs to the histogram.
#[inline(always)]
fn bump(table: &mut PairTable, direct: &mut [u64; 256], pair: usize) {
    let counter = &mut table[pair & 0xFFFF];
    *counter = counter.wrapping_add(1);
    if *counter == 0 {
        direct[pair >> 8 & 0xFF] += 1 << 16;
        direct[pair & 0xFF] += 1 << 16;
    }
}
