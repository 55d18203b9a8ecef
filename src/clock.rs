//! Clocks: wall time for stamps, monotonic time for intervals, and a simulated clock that lets a
//! long profile run in seconds.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// A source of time. Every wait, timeout and timestamp in facebench goes through one.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Wall-clock time, UTC.
    fn now_utc(&self) -> DateTime<Utc>;
    /// Monotonic time since the clock was created.
    fn elapsed(&self) -> Duration;
    /// Waits for `duration` of this clock's time.
    fn sleep(&self, duration: Duration);
}

/// The real clock: system UTC for stamps, `Instant` for intervals.
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    /// A clock whose monotonic origin is now.
    pub fn new() -> SystemClock {
        SystemClock {
            start: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now_utc(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A simulated clock: `sleep` advances time at once. Stamps start at the real time of creation,
/// so a simulated run still carries plausible dates.
#[derive(Debug)]
pub struct SimClock {
    origin_utc: DateTime<Utc>,
    elapsed: Mutex<Duration>,
}

impl SimClock {
    /// A simulated clock starting at `origin_utc`.
    pub fn starting_at(origin_utc: DateTime<Utc>) -> SimClock {
        SimClock {
            origin_utc,
            elapsed: Mutex::new(Duration::ZERO),
        }
    }

    /// Advances simulated time without sleeping.
    pub fn advance(&self, duration: Duration) {
        let mut elapsed = self.elapsed.lock().unwrap_or_else(|e| e.into_inner());
        *elapsed += duration;
    }
}

impl Clock for SimClock {
    fn now_utc(&self) -> DateTime<Utc> {
        let elapsed = self.elapsed();
        self.origin_utc + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::MAX)
    }

    fn elapsed(&self) -> Duration {
        *self.elapsed.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sleep(&self, duration: Duration) {
        self.advance(duration);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_clock_sleep_advances_both_stamps_and_intervals_instantly() {
        let origin = Utc::now();
        let clock = SimClock::starting_at(origin);
        let real = Instant::now();
        clock.sleep(Duration::from_secs(48 * 3600));
        assert!(real.elapsed() < Duration::from_secs(1));
        assert_eq!(clock.elapsed(), Duration::from_secs(48 * 3600));
        assert_eq!(clock.now_utc() - origin, chrono::Duration::hours(48));
    }

    #[test]
    fn system_clock_is_monotonic() {
        let clock = SystemClock::new();
        let a = clock.elapsed();
        let b = clock.elapsed();
        assert!(b >= a);
    }
}
