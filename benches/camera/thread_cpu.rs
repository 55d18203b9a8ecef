//! The calling thread's CPU time as a criterion measurement
//! (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, in nanoseconds).
//!
//! The wall clock also counts the time other processes held the core, so on a shared machine it
//! shows only ratios between lines measured in the same run; this clock counts only the time the
//! benchmark's own thread ran, so its figures hold on a loaded machine too (cache and memory
//! bandwidth shared with other processes still slow it somewhat).

use std::io;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::Throughput;

/// The calling thread's CPU time; values are nanoseconds, throughput is per CPU second.
pub struct ThreadCpuTime;

impl ThreadCpuTime {
    /// Reads the clock once, so that a group can skip itself, with the reason, on a system
    /// without a per-thread CPU clock.
    pub fn probe() -> io::Result<Duration> {
        read()
    }
}

/// The CPU time the calling thread has used so far.
fn read() -> io::Result<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the whole call, and the clock id is a
    // constant the C library defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    match (u64::try_from(now.tv_sec), u32::try_from(now.tv_nsec)) {
        (Ok(secs), Ok(nanos)) => Ok(Duration::new(secs, nanos)),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "thread CPU clock returned a negative time: {} s {} ns",
                now.tv_sec, now.tv_nsec
            ),
        )),
    }
}

/// Reads the clock inside a measurement, where criterion leaves no way to return an error. The
/// group probed the clock before measuring, and `clock_gettime` fails only for an unknown clock
/// id or a bad pointer, so a failure here is a broken C library, not a condition to carry on from.
fn now() -> Duration {
    read().unwrap_or_else(|err| panic!("thread CPU clock failed after a good probe: {err}"))
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        now()
    }

    fn end(&self, start: Duration) -> Duration {
        now().saturating_sub(start)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuNanos
    }
}

/// Formats nanoseconds of CPU time in ns, µs, ms or s, and throughput per CPU second.
struct CpuNanos;

impl ValueFormatter for CpuNanos {
    fn scale_values(&self, typical_ns: f64, values: &mut [f64]) -> &'static str {
        let (divisor, unit) = if typical_ns < 1e3 {
            (1.0, "ns")
        } else if typical_ns < 1e6 {
            (1e3, "µs")
        } else if typical_ns < 1e9 {
            (1e6, "ms")
        } else {
            (1e9, "s")
        };
        values.iter_mut().for_each(|v| *v /= divisor);
        unit
    }

    fn scale_throughputs(
        &self,
        typical_ns: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let (per_run, base, units): (f64, f64, [&str; 4]) = match *throughput {
            Throughput::Bytes(n) => (n as f64, 1024.0, ["B/s", "KiB/s", "MiB/s", "GiB/s"]),
            Throughput::BytesDecimal(n) => (n as f64, 1000.0, ["B/s", "KB/s", "MB/s", "GB/s"]),
            Throughput::Elements(n) => (
                n as f64,
                1000.0,
                ["elem/s", "Kelem/s", "Melem/s", "Gelem/s"],
            ),
        };
        // The unit follows the typical rate, so every value of one dataset shares it.
        let typical_rate = per_run * 1e9 / typical_ns;
        let step = (1..units.len())
            .take_while(|&i| typical_rate >= base.powi(i as i32))
            .count();
        let divisor = base.powi(step as i32);
        values
            .iter_mut()
            .for_each(|v| *v = per_run * 1e9 / *v / divisor);
        units[step]
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
