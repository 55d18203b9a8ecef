//! Physics of the simulated instruments, advanced by simulated time.
//!
//! Each model implements [`Model`]: `advance_to(t)` integrates from the last time it saw to `t`
//! in bounded sub-steps, so a clock that jumps 48 hours at once still gives the same curve as one
//! that ticks every second. Models know nothing of wire protocols; the protocol servers in
//! [`crate::sim`] read and command them.

pub mod chamber;
pub mod drop_rig;
pub mod logger;
pub mod program;

use std::time::Duration;

/// A simulated instrument whose state evolves with time.
pub trait Model: Send + 'static {
    /// The simulated time the state was last advanced to.
    fn now(&self) -> Duration;
    /// Integrates the state up to `t` (a no-op when `t` is not later than [`Model::now`]).
    fn advance_to(&mut self, t: Duration);
}

/// Calls `step(dt_seconds)` over `from..to` in steps of at most `max_step`. Very long spans
/// widen the step so one call never takes more than about a million steps.
pub fn integrate(from: Duration, to: Duration, max_step: Duration, mut step: impl FnMut(f64)) {
    const MAX_STEPS: f64 = 1.0e6;
    let Some(span) = to.checked_sub(from) else {
        return;
    };
    let total = span.as_secs_f64();
    let mut dt = max_step.as_secs_f64().max(1e-3);
    if total / dt > MAX_STEPS {
        dt = total / MAX_STEPS;
    }
    let mut done = 0.0;
    while total - done > 1e-9 {
        let h = dt.min(total - done);
        step(h);
        done += h;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrate_covers_the_span_exactly_in_bounded_steps() {
        let mut sum = 0.0;
        let mut biggest: f64 = 0.0;
        integrate(
            Duration::from_secs(10),
            Duration::from_millis(12_500),
            Duration::from_secs(1),
            |h| {
                sum += h;
                biggest = biggest.max(h);
            },
        );
        assert!((sum - 2.5).abs() < 1e-9);
        assert!(biggest <= 1.0);
        let mut calls = 0;
        integrate(
            Duration::from_secs(5),
            Duration::from_secs(1),
            Duration::from_secs(1),
            |_| calls += 1,
        );
        assert_eq!(calls, 0);
    }
}
