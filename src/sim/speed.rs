//! A clock that runs a fixed factor faster than real time, for `facebench sim --speed N`: the
//! simulated chamber then heats N times faster than a real one while a driver polls it in real
//! time.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::clock::Clock;

/// Real time multiplied by a constant factor.
#[derive(Debug)]
pub struct ScaledClock {
    start: Instant,
    origin_utc: DateTime<Utc>,
    factor: f64,
}

impl ScaledClock {
    /// A clock running `factor` times faster than real time (factors ≤ 0 or not finite mean 1).
    pub fn new(factor: f64) -> ScaledClock {
        ScaledClock {
            start: Instant::now(),
            origin_utc: Utc::now(),
            factor: if factor.is_finite() && factor > 0.0 {
                factor
            } else {
                1.0
            },
        }
    }
}

impl Clock for ScaledClock {
    fn now_utc(&self) -> DateTime<Utc> {
        self.origin_utc
            + chrono::Duration::from_std(self.elapsed()).unwrap_or(chrono::Duration::MAX)
    }

    fn elapsed(&self) -> Duration {
        Duration::try_from_secs_f64(self.start.elapsed().as_secs_f64() * self.factor)
            .unwrap_or(Duration::MAX)
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration.div_f64(self.factor));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_clock_sleeps_less_real_time_than_it_reports() {
        let clock = ScaledClock::new(1000.0);
        let real = Instant::now();
        clock.sleep(Duration::from_secs(1));
        assert!(real.elapsed() < Duration::from_millis(500));
        assert!(clock.elapsed() >= Duration::from_secs(1));
        assert_eq!(ScaledClock::new(f64::NAN).factor, 1.0);
    }
}
