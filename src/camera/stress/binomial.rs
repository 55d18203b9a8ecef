//! Confidence bounds on a rate from a count: the exact (Clopper–Pearson) binomial interval.
//!
//! The bounds are the `p` where the binomial CDF reaches the tail probability, i.e. the Beta
//! quantiles `Beta(k + 1, n − k)` (upper) and `Beta(k, n − k + 1)` (lower). They are found by
//! bisection on the binomial CDF, summed in log space so a 72 h soak's 7.8 M frames neither
//! underflow nor lose precision (statrs' incomplete Beta stops after 140 continued-fraction
//! steps, too few for such shapes). Above [`EXACT_LIMIT`] events, where the sum would be slow,
//! the Beta quantile is taken from its normal approximation (relative error well under 1 %
//! there).

use statrs::distribution::{ContinuousCDF, Normal};

/// Largest event count summed exactly.
pub const EXACT_LIMIT: u64 = 20_000;

/// ln P(X ≤ j) for X ~ Binomial(n, p), 0 < p < 1.
fn ln_binomial_cdf(j: u64, n: u64, p: f64) -> f64 {
    let ln_odds = p.ln() - (-p).ln_1p();
    let mut term = n as f64 * (-p).ln_1p(); // ln P(X = 0)
    let (mut max, mut sum) = (term, 1.0f64);
    for i in 0..j.min(n) {
        term += ((n - i) as f64 / (i + 1) as f64).ln() + ln_odds;
        if term > max {
            sum = sum * (max - term).exp() + 1.0;
            max = term;
        } else {
            sum += (term - max).exp();
        }
    }
    max + sum.ln()
}

/// The `p` in (0, 1) where P(X ≤ j | n, p) = `tail` (the CDF falls as `p` grows).
fn solve(j: u64, n: u64, tail: f64) -> f64 {
    if j > EXACT_LIMIT {
        return normal_approximation(j, n, tail);
    }
    let target = tail.ln();
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if ln_binomial_cdf(j, n, mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The Beta(j + 1, n − j) quantile at 1 − `tail` (the `p` where P(X ≤ j) = `tail`) from the
/// normal approximation.
fn normal_approximation(j: u64, n: u64, tail: f64) -> f64 {
    let (a, b) = (j as f64 + 1.0, (n - j) as f64);
    let mean = a / (a + b);
    let sd = (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
    let z = Normal::new(0.0, 1.0).map_or(0.0, |normal| normal.inverse_cdf(1.0 - tail));
    (mean + z * sd).clamp(0.0, 1.0)
}

fn valid(k: u64, n: u64, confidence: f64) -> bool {
    n > 0 && k <= n && confidence > 0.0 && confidence < 1.0
}

/// The one-sided upper confidence bound on a rate after `k` events in `n` trials, at
/// `confidence` (e.g. 0.95): the `confidence` quantile of Beta(k + 1, n − k). With `k = 0`
/// this is `1 − (1 − confidence)^(1/n)` (≈ 3/n at 95 %, the "rule of three"). `None` when
/// `n` is 0, `k > n` or the confidence is not in (0, 1).
pub fn upper_bound(k: u64, n: u64, confidence: f64) -> Option<f64> {
    if !valid(k, n, confidence) {
        return None;
    }
    if k == n {
        return Some(1.0);
    }
    Some(solve(k, n, 1.0 - confidence))
}

/// The two-sided Clopper–Pearson interval `(lower, upper)` at `confidence`.
pub fn interval(k: u64, n: u64, confidence: f64) -> Option<(f64, f64)> {
    if !valid(k, n, confidence) {
        return None;
    }
    let alpha = 1.0 - confidence;
    let upper = upper_bound(k, n, 1.0 - alpha / 2.0)?;
    // The lower bound is where P(X ≥ k) = α/2, i.e. P(X ≤ k − 1) = 1 − α/2.
    let lower = if k == 0 {
        0.0
    } else {
        solve(k - 1, n, 1.0 - alpha / 2.0)
    };
    Some((lower, upper))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn zero_events_follow_the_closed_form() {
        for n in [1u64, 10, 1000, 7_776_000] {
            let want = 1.0 - 0.05f64.powf(1.0 / n as f64);
            let got = upper_bound(0, n, 0.95).unwrap();
            assert!(close(got, want, want * 1e-9), "n={n}: {got} vs {want}");
        }
        // Rule of three.
        assert!(close(
            upper_bound(0, 1_000_000, 0.95).unwrap() * 1e6,
            2.9957,
            1e-3
        ));
    }

    #[test]
    fn known_two_sided_intervals() {
        // R: binom.test(5, 10), binom.test(0, 10), binom.test(1, 100).
        let (lo, hi) = interval(5, 10, 0.95).unwrap();
        assert!(
            close(lo, 0.187_086_0, 1e-6) && close(hi, 0.812_914_0, 1e-6),
            "{lo} {hi}"
        );
        let (lo, hi) = interval(0, 10, 0.95).unwrap();
        assert!(lo == 0.0 && close(hi, 0.308_497_1, 1e-6), "{hi}");
        let (lo, hi) = interval(1, 100, 0.95).unwrap();
        assert!(
            close(lo, 0.000_253_146, 1e-8) && close(hi, 0.054_459_39, 1e-7),
            "{lo} {hi}"
        );
    }

    #[test]
    fn large_soaks_are_exact_and_fast() {
        // 100 drops in 7.8 M frames: the bound sits above the point estimate, near
        // (k + 1 + 1.645·√(k + 1)) / n for a Poisson-like count.
        let n = 7_776_000;
        let got = upper_bound(100, n, 0.95).unwrap();
        let poisson = (101.0 + 1.645 * 101f64.sqrt()) / n as f64;
        assert!(
            got > 100.0 / n as f64 && close(got, poisson, poisson * 0.03),
            "{got}"
        );
        // Exact and approximate paths agree where they meet.
        let exact = solve(EXACT_LIMIT, 10_000_000, 0.05);
        let approx = normal_approximation(EXACT_LIMIT, 10_000_000, 0.05);
        assert!(close(exact, approx, exact * 1e-3), "{exact} {approx}");
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(upper_bound(0, 0, 0.95), None);
        assert_eq!(upper_bound(3, 2, 0.95), None);
        assert_eq!(upper_bound(1, 10, 1.0), None);
        assert_eq!(upper_bound(10, 10, 0.95), Some(1.0));
        let one_sided = upper_bound(3, 1000, 0.95).unwrap();
        let two_sided = interval(3, 1000, 0.95).unwrap().1;
        assert!(one_sided < two_sided);
    }
}
