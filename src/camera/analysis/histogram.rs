//! A fixed-size log-linear histogram of durations: O(1) memory however long the run, about 1 %
//! relative resolution, exact count, sum, minimum and maximum.
//!
//! Values are kept in microseconds. Values below [`LINEAR_LIMIT_US`] µs get one bucket per
//! microsecond; above, each power of two is split into [`SUB_BUCKETS`] buckets. Quantiles report
//! the upper edge of their bucket (never below the true value, at most 1/[`SUB_BUCKETS`] above),
//! clamped to the exact maximum.

use std::time::Duration;

/// Below this many microseconds every microsecond has its own bucket.
pub const LINEAR_LIMIT_US: u64 = 128;
/// Buckets per power of two above the linear range.
pub const SUB_BUCKETS: u64 = 128;
const OCTAVES: u64 = 64 - 7; // from 2^7 up to 2^64
const BUCKETS: usize = (LINEAR_LIMIT_US + OCTAVES * SUB_BUCKETS) as usize;

/// A histogram of durations. See the module documentation.
#[derive(Clone, PartialEq)]
pub struct DurationHistogram {
    buckets: Box<[u64]>,
    count: u64,
    sum_us: u128,
    min_us: u64,
    max_us: u64,
}

impl std::fmt::Debug for DurationHistogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurationHistogram")
            .field("count", &self.count)
            .field("min_us", &self.min_us)
            .field("max_us", &self.max_us)
            .finish()
    }
}

impl Default for DurationHistogram {
    fn default() -> Self {
        DurationHistogram::new()
    }
}

fn bucket_of(us: u64) -> usize {
    if us < LINEAR_LIMIT_US {
        return us as usize;
    }
    let octave = u64::from(63 - us.leading_zeros()); // ≥ 7
    let sub = (us >> (octave - 7)) & (SUB_BUCKETS - 1);
    (LINEAR_LIMIT_US + (octave - 7) * SUB_BUCKETS + sub) as usize
}

fn bucket_upper_us(bucket: usize) -> u64 {
    let b = bucket as u64;
    if b < LINEAR_LIMIT_US {
        return b;
    }
    let octave = (b - LINEAR_LIMIT_US) / SUB_BUCKETS + 7;
    let sub = (b - LINEAR_LIMIT_US) % SUB_BUCKETS;
    let width = 1u64 << (octave - 7);
    ((SUB_BUCKETS + sub) << (octave - 7)).saturating_add(width - 1)
}

fn bucket_lower_us(bucket: usize) -> u64 {
    let b = bucket as u64;
    if b < LINEAR_LIMIT_US {
        return b;
    }
    let octave = (b - LINEAR_LIMIT_US) / SUB_BUCKETS + 7;
    let sub = (b - LINEAR_LIMIT_US) % SUB_BUCKETS;
    (SUB_BUCKETS + sub) << (octave - 7)
}

/// One non-empty bucket of a [`DurationHistogram`]: values `from ≤ v < to` (to the microsecond).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bin {
    /// Lower edge (inclusive).
    pub from: Duration,
    /// Upper edge (exclusive).
    pub to: Duration,
    /// Values in the bucket.
    pub count: u64,
}

impl DurationHistogram {
    /// The non-empty buckets, shortest durations first.
    pub fn bins(&self) -> impl Iterator<Item = Bin> + '_ {
        self.buckets
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(bucket, &count)| Bin {
                from: Duration::from_micros(bucket_lower_us(bucket)),
                to: Duration::from_micros(bucket_upper_us(bucket)) + Duration::from_micros(1),
                count,
            })
    }

    /// An empty histogram.
    pub fn new() -> DurationHistogram {
        DurationHistogram {
            buckets: vec![0; BUCKETS].into_boxed_slice(),
            count: 0,
            sum_us: 0,
            min_us: u64::MAX,
            max_us: 0,
        }
    }

    /// Records one value.
    pub fn record(&mut self, value: Duration) {
        let us = u64::try_from(value.as_micros()).unwrap_or(u64::MAX);
        if let Some(slot) = self.buckets.get_mut(bucket_of(us)) {
            *slot += 1;
        }
        self.count += 1;
        self.sum_us += u128::from(us);
        self.min_us = self.min_us.min(us);
        self.max_us = self.max_us.max(us);
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The largest value, exact to the microsecond; `None` when empty.
    pub fn max(&self) -> Option<Duration> {
        (self.count > 0).then(|| Duration::from_micros(self.max_us))
    }

    /// The smallest value, exact to the microsecond; `None` when empty.
    pub fn min(&self) -> Option<Duration> {
        (self.count > 0).then(|| Duration::from_micros(self.min_us))
    }

    /// The mean, to the microsecond; `None` when empty.
    pub fn mean(&self) -> Option<Duration> {
        let mean = self.sum_us.checked_div(u128::from(self.count))?;
        Some(Duration::from_micros(
            u64::try_from(mean).unwrap_or(u64::MAX),
        ))
    }

    /// The `q`-quantile (0 ≤ q ≤ 1) as the upper edge of its bucket; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (bucket, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let upper = bucket_upper_us(bucket).min(self.max_us).max(self.min_us);
                return Some(Duration::from_micros(upper));
            }
        }
        self.max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_one_percent_and_extremes_exact() {
        let mut h = DurationHistogram::new();
        for us in 1..=100_000u64 {
            h.record(Duration::from_micros(us));
        }
        assert_eq!(h.count(), 100_000);
        assert_eq!(h.min(), Some(Duration::from_micros(1)));
        assert_eq!(h.max(), Some(Duration::from_micros(100_000)));
        for (q, exact) in [(0.5, 50_000.0), (0.99, 99_000.0), (0.001, 100.0)] {
            let got = h.quantile(q).unwrap().as_micros() as f64;
            assert!(
                got >= exact && got <= exact * 1.01,
                "q{q}: {got} vs {exact}"
            );
        }
        assert_eq!(h.mean(), Some(Duration::from_micros(50_000)));
    }

    #[test]
    fn bucket_edges_are_monotonic_and_cover_u64() {
        let mut last = 0;
        for b in 0..BUCKETS {
            let upper = bucket_upper_us(b);
            assert!(b == 0 || upper > last, "bucket {b}");
            last = upper;
        }
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        for us in [0, 127, 128, 129, 33_333, 1 << 40] {
            assert!(bucket_upper_us(bucket_of(us)) >= us);
        }
    }

    #[test]
    fn bins_hold_their_values_and_add_up_to_the_count() {
        let mut h = DurationHistogram::new();
        let values = [5, 5, 127, 128, 33_333, 33_333, 33_400, 1 << 30];
        for us in values {
            h.record(Duration::from_micros(us));
        }
        let bins: Vec<Bin> = h.bins().collect();
        assert_eq!(bins.iter().map(|b| b.count).sum::<u64>(), h.count());
        assert!(bins.windows(2).all(|w| w[0].to <= w[1].from));
        for us in values {
            let v = Duration::from_micros(us);
            assert!(bins.iter().any(|b| b.from <= v && v < b.to), "{us} µs");
        }
        assert_eq!(
            bins[0],
            Bin {
                from: Duration::from_micros(5),
                to: Duration::from_micros(6),
                count: 2,
            }
        );
        for b in 0..BUCKETS {
            assert_eq!(bucket_of(bucket_lower_us(b)), b);
        }
    }

    #[test]
    fn empty_histogram_has_no_statistics() {
        let h = DurationHistogram::new();
        assert_eq!(h.quantile(0.5), None);
        assert_eq!(h.max(), None);
        assert_eq!(h.mean(), None);
    }
}
