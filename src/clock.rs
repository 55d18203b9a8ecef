//! Clocks: wall time for stamps, monotonic time for intervals, and a simulated clock that lets a
//! long profile run in seconds.

use std::sync::atomic::{AtomicBool, Ordering};
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

    /// Waits for `duration` of this clock's time, or less once `stop` is set; true when the wait
    /// ended because of `stop`. A clock that waits in real time sleeps in slices of at most
    /// [`STOP_CHECK_SLICE`] so a stop request is acted on within that slice.
    fn sleep_unless_stopped(&self, duration: Duration, stop: &AtomicBool) -> bool {
        let until = self.elapsed().saturating_add(duration);
        loop {
            if stop.load(Ordering::SeqCst) {
                return true;
            }
            let left = until.saturating_sub(self.elapsed());
            if left.is_zero() {
                return false;
            }
            self.sleep(left.min(STOP_CHECK_SLICE));
        }
    }
}

/// The longest a real-time wait goes without looking at its stop flag.
pub const STOP_CHECK_SLICE: Duration = Duration::from_millis(100);

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

    /// Simulated time does not wait: unless a stop is already asked for, the whole duration
    /// passes at once.
    fn sleep_unless_stopped(&self, duration: Duration, stop: &AtomicBool) -> bool {
        if stop.load(Ordering::SeqCst) {
            return true;
        }
        self.advance(duration);
        false
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
    fn sim_clock_waits_pass_at_once_unless_stopped() {
        let clock = SimClock::starting_at(Utc::now());
        let stop = AtomicBool::new(false);
        assert!(!clock.sleep_unless_stopped(Duration::from_secs(3600), &stop));
        assert_eq!(clock.elapsed(), Duration::from_secs(3600));
        stop.store(true, Ordering::SeqCst);
        assert!(clock.sleep_unless_stopped(Duration::from_secs(3600), &stop));
        assert_eq!(clock.elapsed(), Duration::from_secs(3600));
    }

    #[test]
    fn a_real_time_wait_ends_soon_after_a_stop_from_another_thread() {
        let clock = SystemClock::new();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let setter = {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(150));
                stop.store(true, Ordering::SeqCst);
            })
        };
        let real = Instant::now();
        assert!(clock.sleep_unless_stopped(Duration::from_secs(600), &stop));
        let took = real.elapsed();
        setter.join().unwrap();
        assert!(took >= Duration::from_millis(150), "{took:?}");
        assert!(
            took < Duration::from_millis(150) + 3 * STOP_CHECK_SLICE,
            "{took:?}"
        );
    }

    #[test]
    fn a_real_time_wait_without_a_stop_lasts_its_duration() {
        let clock = SystemClock::new();
        let stop = AtomicBool::new(false);
        let real = Instant::now();
        assert!(!clock.sleep_unless_stopped(Duration::from_millis(250), &stop));
        assert!(real.elapsed() >= Duration::from_millis(250));
    }

    #[test]
    fn system_clock_is_monotonic() {
        let clock = SystemClock::new();
        let a = clock.elapsed();
        let b = clock.elapsed();
        assert!(b >= a);
    }
}
