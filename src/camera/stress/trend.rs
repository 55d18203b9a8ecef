//! A streaming least-squares slope, to judge whether fd count and memory stay flat over
//! thousands of open/close cycles or hours of soak. O(1) memory.

/// Running sums for the slope of `y` against `x`, ignoring the first `skip` points (start-up
/// allocations are not a leak).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Trend {
    skip: u64,
    seen: u64,
    n: f64,
    sx: f64,
    sy: f64,
    sxx: f64,
    sxy: f64,
    first: Option<f64>,
    last: Option<f64>,
}

impl Trend {
    /// A trend that ignores its first `skip` points.
    pub fn skipping(skip: u64) -> Trend {
        Trend {
            skip,
            ..Trend::default()
        }
    }

    /// Adds the point (`x`, `y`).
    pub fn add(&mut self, x: f64, y: f64) {
        self.seen += 1;
        if self.seen <= self.skip {
            return;
        }
        self.n += 1.0;
        self.sx += x;
        self.sy += y;
        self.sxx += x * x;
        self.sxy += x * y;
        self.first.get_or_insert(y);
        self.last = Some(y);
    }

    /// The least-squares slope (change of `y` per unit of `x`); `None` with fewer than two
    /// points after the skip or when all `x` are equal.
    pub fn slope(&self) -> Option<f64> {
        if self.n < 2.0 {
            return None;
        }
        let den = self.n * self.sxx - self.sx * self.sx;
        (den.abs() > f64::EPSILON * self.sxx.max(1.0))
            .then(|| (self.n * self.sxy - self.sx * self.sy) / den)
    }

    /// The first `y` counted (after the skip).
    pub fn first(&self) -> Option<f64> {
        self.first
    }

    /// The last `y` counted.
    pub fn last(&self) -> Option<f64> {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_line_and_of_flat_data() {
        let mut leak = Trend::skipping(2);
        leak.add(0.0, 1000.0); // skipped: start-up
        leak.add(1.0, 5000.0); // skipped
        for x in 2..102 {
            leak.add(x as f64, 100.0 + 0.5 * x as f64);
        }
        assert!((leak.slope().unwrap() - 0.5).abs() < 1e-9);
        assert_eq!(leak.first(), Some(101.0));
        let mut flat = Trend::default();
        for x in 0..10 {
            flat.add(x as f64, 7.0);
        }
        assert_eq!(flat.slope(), Some(0.0));
        let mut one = Trend::default();
        one.add(1.0, 1.0);
        assert_eq!(one.slope(), None);
    }
}
