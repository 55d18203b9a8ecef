//! A scripted drop rig: each started drop positions, arms, releases and is done after scripted
//! times on the simulated clock; a scripted drop ends in a fault instead.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::PORT;
use crate::clock::Clock;
use crate::rig::{DropRig, DropSetup, DropState, DropStatus, Interlocks, RigError};

/// What the fake drop rig does.
#[derive(Debug, Clone)]
pub struct DropScript {
    /// Time from start until the carriage is at height and armed.
    pub positioning: Duration,
    /// Time from start until the drop is done.
    pub drop_time: Duration,
    /// How far the measured height is off the set one, mm.
    pub height_error_mm: f64,
    /// The drop (counted from 1 over the rig's life) that faults, with the rig's words.
    pub fault_on: Option<(u32, String)>,
}

impl Default for DropScript {
    /// Ten seconds a drop, armed after six, two millimetres high, no fault.
    fn default() -> DropScript {
        DropScript {
            positioning: Duration::from_secs(6),
            drop_time: Duration::from_secs(10),
            height_error_mm: 2.0,
            fault_on: None,
        }
    }
}

/// The fake drop rig.
#[derive(Debug)]
pub struct FakeDropRig {
    clock: Arc<dyn Clock>,
    script: DropScript,
    setup: Option<DropSetup>,
    started: Option<Duration>,
    drops: Arc<AtomicU32>,
}

impl FakeDropRig {
    /// An idle rig following `script` on `clock`.
    pub fn new(script: DropScript, clock: Arc<dyn Clock>) -> FakeDropRig {
        FakeDropRig {
            clock,
            script,
            setup: None,
            started: None,
            drops: Arc::default(),
        }
    }

    /// The number of drops released so far, to look at after the rig went into a rig set.
    pub fn released(&self) -> Arc<AtomicU32> {
        Arc::clone(&self.drops)
    }
}

impl DropRig for FakeDropRig {
    fn configure(&mut self, setup: &DropSetup) -> Result<(), RigError> {
        if self.started.is_some() {
            return Err(RigError::Refusal {
                port: PORT.to_string(),
                command: "configure".to_string(),
                reply: "a drop is under way".to_string(),
            });
        }
        self.setup = Some(setup.clone());
        Ok(())
    }

    fn start(&mut self) -> Result<(), RigError> {
        if self.setup.is_none() {
            return Err(RigError::Refusal {
                port: PORT.to_string(),
                command: "start".to_string(),
                reply: "nothing configured".to_string(),
            });
        }
        self.started = Some(self.clock.elapsed());
        Ok(())
    }

    fn abort(&mut self) -> Result<(), RigError> {
        self.started = None;
        Ok(())
    }

    fn status(&mut self) -> Result<DropStatus, RigError> {
        let interlocks = Some(Interlocks::from_bits(0b1_1111));
        let (Some(started), Some(setup)) = (self.started, self.setup.as_ref()) else {
            return Ok(DropStatus {
                state: DropState::Idle,
                drops_done: 0,
                actual_height_mm: None,
                fault: None,
                interlocks,
            });
        };
        let this_drop = self.drops.load(Ordering::SeqCst) + 1;
        let t = self.clock.elapsed() - started;
        let fault = match &self.script.fault_on {
            Some((n, words)) if *n == this_drop && t >= self.script.positioning => {
                Some(words.clone())
            }
            _ => None,
        };
        let state = if fault.is_some() {
            DropState::Fault
        } else if t < self.script.positioning {
            DropState::Positioning
        } else if t < self.script.drop_time {
            DropState::Ready
        } else {
            DropState::Done
        };
        let height = setup.height_mm + self.script.height_error_mm;
        if matches!(state, DropState::Done | DropState::Fault) {
            self.started = None;
            if state == DropState::Done {
                self.drops.fetch_add(1, Ordering::SeqCst);
            }
        }
        Ok(DropStatus {
            drops_done: u32::from(state == DropState::Done),
            actual_height_mm: (state != DropState::Positioning).then_some(height),
            state,
            fault,
            interlocks,
        })
    }
}
