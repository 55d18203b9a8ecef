//! Resource use of this process, for open/close and soak trends: open file descriptors
//! (`/proc/self/fd`) and resident memory (`VmRSS`, peak `VmHWM` in `/proc/self/status`).
//! Linux only; elsewhere every figure is `None`.

use std::path::Path;

/// One sample of this process's resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcSample {
    /// Open file descriptors.
    pub fds: Option<u64>,
    /// Resident set size in KiB.
    pub rss_kib: Option<u64>,
}

/// Samples this process now.
pub fn sample_self() -> ProcSample {
    ProcSample {
        fds: count_fds(Path::new("/proc/self/fd")),
        rss_kib: status_kib("VmRSS:"),
    }
}

/// Peak resident set size (`VmHWM`) in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

fn count_fds(dir: &Path) -> Option<u64> {
    // The directory handle itself shows up in the listing; leave it out.
    let n = std::fs::read_dir(dir).ok()?.count() as u64;
    Some(n.saturating_sub(1))
}

fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status_kib(&status, key)
}

/// The value in KiB of `key` (e.g. `VmRSS:`) in a `/proc/<pid>/status` text.
pub fn parse_status_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    let mut words = line.get(key.len()..)?.split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => Some(value),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_lines_and_rejects_garbage() {
        let text = "Name:\tfacebench\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(parse_status_kib(text, "VmRSS:"), Some(10_240));
        assert_eq!(parse_status_kib(text, "VmHWM:"), Some(20_480));
        assert_eq!(parse_status_kib(text, "VmSwap:"), None);
        assert_eq!(parse_status_kib("VmRSS: lots kB", "VmRSS:"), None);
        assert_eq!(parse_status_kib("VmRSS: 5 MB", "VmRSS:"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn counts_a_newly_opened_file() {
        let before = sample_self();
        let file = std::fs::File::open("/proc/self/status").unwrap();
        let during = sample_self();
        drop(file);
        assert!(before.rss_kib.unwrap() > 0);
        // Other test threads may open files too; ours must at least show.
        assert!(during.fds.unwrap() >= 1);
        assert!(peak_rss_kib().unwrap() >= before.rss_kib.unwrap() / 2);
    }
}
