//! Full-rate luma counting by pairs: two neighbouring samples (Y0, Y1) form one 16-bit index
//! (Y0 and the difference Y1 − Y0) into a 65,536-entry table, so a frame costs one increment per two samples instead of one per
//! sample. The samples are read a 64-bit word at a time (four YUYV pixels, or eight GREY / NV12
//! pixels) and separated with shifts and masks; a word whose luma equals the previous word's
//! only lengthens a run, so flat areas cost no table traffic at all. Folding turns the pair
//! counts back into the 256-bin histogram: Y0's bin gains the row sum, Y1's bin each entry,
//! which is exactly one count per sample.
//!
//! The table (256 KiB) stays in the L2 cache; counts are `u32`, and the input is cut into
//! pieces small enough that no entry can overflow between folds.

/// Bytes counted between two folds: at most 2^29 pairs, far below `u32::MAX` per entry.
const PIECE: usize = 1 << 30;

/// Pair counts of one piece of a frame.
pub(super) struct PairTable {
    counts: Box<[u32; 65_536]>,
}

impl PairTable {
    /// An all-zero table.
    pub(super) fn new() -> Self {
        match vec![0u32; 65_536].into_boxed_slice().try_into() {
            Ok(counts) => PairTable { counts },
            Err(_) => unreachable!("a slice of 65,536 counts is an array of 65,536"),
        }
    }

    /// Adds every `step`-th byte of `bytes` (from the first; `step` is 1 or 2) to `hist`. The
    /// pair table is used and left zeroed; other steps are not handled here and return `false`.
    pub(super) fn count(&mut self, bytes: &[u8], step: usize, hist: &mut [u64; 256]) -> bool {
        for piece in bytes.chunks(PIECE) {
            let rest = match step {
                1 => self.count_words::<1>(piece),
                2 => self.count_words::<2>(piece),
                _ => return false,
            };
            for y in rest.iter().step_by(step) {
                hist[usize::from(*y)] += 1;
            }
            self.fold_into(hist);
        }
        true
    }

    /// Counts the whole 8-byte words of `bytes` as pairs; returns the bytes left over (fewer
    /// than eight, starting on a sample because 8 is a multiple of `STEP`).
    fn count_words<'a, const STEP: usize>(&mut self, bytes: &'a [u8]) -> &'a [u8] {
        let luma_mask: u64 = if STEP == 2 { 0x00FF_00FF_00FF_00FF } else { !0 };
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut le = [0u8; 8];
            le.copy_from_slice(word);
            self.add_word::<STEP>(u64::from_le_bytes(le) & luma_mask, 1);
        }
        words.remainder()
    }

    /// Adds `times` to the pairs of one masked word: two pairs for YUYV-like words (samples in
    /// the even bytes), four for packed luma.
    #[inline(always)]
    fn add_word<const STEP: usize>(&mut self, key: u64, times: u32) {
        let (gap, shifts) = if STEP == 2 {
            (16, [0, 32, 0, 0])
        } else {
            (8, [0, 16, 32, 48])
        };
        for shift in shifts.into_iter().take(8 / STEP / 2) {
            let first = (key >> shift) as u8;
            let second = (key >> (shift + gap)) as u8;
            self.counts[index(first, second)] += times;
        }
    }

    /// Adds the pair counts to `hist` and clears them: row `first` holds the pairs starting
    /// at level `first`, its entry `d` the pairs whose second sample is `first + d` (mod 256).
    fn fold_into(&mut self, hist: &mut [u64; 256]) {
        for (first, row) in self.counts.chunks_exact_mut(256).enumerate() {
            let mut sum = 0u64;
            // Entries 0..256 - first land on bins first..256, the rest wrap to 0..first.
            let (upper, lower) = row.split_at_mut(256 - first);
            for (bin, count) in hist[first..].iter_mut().zip(upper.iter_mut()) {
                sum += u64::from(*count);
                *bin += u64::from(*count);
                *count = 0;
            }
            for (bin, count) in hist[..first].iter_mut().zip(lower.iter_mut()) {
                sum += u64::from(*count);
                *bin += u64::from(*count);
                *count = 0;
            }
            hist[first] += sum;
        }
    }
}

/// The table index of a pair: the first level selects a row of 256 entries, the difference to
/// the second (mod 256) the entry, so the pairs of smooth pictures (small differences, both
/// signs) share a few cache lines per level.
#[inline(always)]
fn index(first: u8, second: u8) -> usize {
    usize::from(first) << 8 | usize::from(second.wrapping_sub(first))
}
