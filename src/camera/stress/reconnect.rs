//! Reconnection after a stream breaks: reopen and restart the same source (which resolves its
//! path anew, so a camera that re-appears under another node is found) with exponential backoff.

use std::time::Duration;

use super::StopFlag;
use crate::camera::error::CameraError;
use crate::camera::source::{FrameSource, OpenInfo};
use crate::clock::Clock;

/// How hard to try to get a lost camera back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Wait after the first failed attempt.
    pub first_backoff: Duration,
    /// Longest wait between attempts (the wait doubles up to this).
    pub max_backoff: Duration,
    /// Give up when the camera has not come back after this long.
    pub give_up_after: Duration,
}

impl Default for ReconnectPolicy {
    /// 100 ms doubling to 5 s, giving up after 60 s.
    fn default() -> Self {
        ReconnectPolicy {
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            give_up_after: Duration::from_secs(60),
        }
    }
}

/// How a reconnection went.
#[derive(Debug)]
pub struct Reconnection {
    /// Attempts made.
    pub attempts: u32,
    /// What the reopened source reported, or the last error when it did not come back
    /// (or `None` when stopped before the first attempt failed).
    pub result: Result<OpenInfo, Option<CameraError>>,
}

/// Reopens and restarts `source` (assumed stopped and closed) until it streams again, the
/// policy gives up, `stop` is raised, or clock time `deadline` passes.
pub fn reconnect(
    source: &mut dyn FrameSource,
    clock: &dyn Clock,
    policy: &ReconnectPolicy,
    stop: &StopFlag,
    deadline: Duration,
) -> Reconnection {
    let started = clock.elapsed();
    let mut backoff = policy.first_backoff;
    let mut attempts = 0;
    let mut last_error = None;
    loop {
        if stop.is_stopped() {
            return Reconnection {
                attempts,
                result: Err(last_error),
            };
        }
        attempts += 1;
        match source.open() {
            Ok(info) => match source.start() {
                Ok(()) => {
                    return Reconnection {
                        attempts,
                        result: Ok(info),
                    }
                }
                Err(e) => {
                    source.close();
                    last_error = Some(e);
                }
            },
            Err(e) => last_error = Some(e),
        }
        let now = clock.elapsed();
        if now.saturating_sub(started) >= policy.give_up_after || now >= deadline {
            return Reconnection {
                attempts,
                result: Err(last_error),
            };
        }
        clock.sleep(backoff);
        backoff = (backoff * 2).min(policy.max_backoff);
    }
}
