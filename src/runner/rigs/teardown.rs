//! Teardown: leaving a station's chamber in its safe state when a run ends or stops. The
//! [`RigSet`] itself belongs to the station; what the runner does with it at the end is here.

use std::time::Duration;

use super::chamber::MAX_CONSECUTIVE_GAPS;
use super::StepError;
use crate::clock::Clock;
use crate::rig::RigError;
use crate::station::{RigSet, SafeState};

/// How long teardown waits for the chamber to reach its safe set point.
pub const SAFE_STATE_TIMEOUT: Duration = Duration::from_secs(4 * 3600);
/// Poll interval while waiting for the safe set point.
pub const SAFE_STATE_POLL: Duration = Duration::from_secs(60);

impl RigSet {
    /// Leaves the chamber in the station's safe state: heads for the safe set point, waits until
    /// it is within `tolerance_k` (bounded by [`SAFE_STATE_TIMEOUT`]) and stops if asked to.
    ///
    /// Every step is attempted whatever happened before it: a failed command or read is logged
    /// and teardown goes on (a chamber that cannot be read is not waited for, see
    /// [`MAX_CONSECUTIVE_GAPS`]), so the stop is always sent. The first failure is returned.
    pub fn make_safe(&mut self, clock: &dyn Clock, tolerance_k: f64) -> Result<(), StepError> {
        let (Some(chamber), Some(safe)) = (self.chamber.as_mut(), self.safe_state.as_ref()) else {
            return Ok(());
        };
        let mut first: Option<RigError> = None;
        let mut failed = |step: &str, error: RigError| {
            tracing::error!("teardown: {step} failed: {error}");
            first.get_or_insert(error);
        };
        let heading = safe.begin(chamber.as_mut());
        let heading = heading.map_err(|error| failed("heading for the safe state", error));
        if let (Ok(()), SafeState::Setpoint { celsius, .. }) = (heading, safe) {
            let began = clock.elapsed();
            let mut gaps = 0;
            while clock.elapsed() - began < SAFE_STATE_TIMEOUT && gaps < MAX_CONSECUTIVE_GAPS {
                match chamber.read() {
                    Ok(reading) if (reading.temp_pv - celsius).abs() <= tolerance_k => break,
                    Ok(_) => gaps = 0,
                    Err(error) => {
                        gaps += 1;
                        failed("reading the chamber", error);
                    }
                }
                clock.sleep(SAFE_STATE_POLL);
            }
        }
        if let Err(error) = safe.finish(chamber.as_mut()) {
            failed("stopping", error);
        }
        first.map_or(Ok(()), |error| Err(error.into()))
    }
}
