//! A drop tester: lift the carriage to the drop height (time proportional to the height change),
//! arm, release, free fall to impact, lower the carriage and re-clamp, wait the interval, repeat.
//! Interlocks (door, e-stop, air, clamp) stop it; faults latch until reset.

use std::time::Duration;

use super::Model;

const GRAVITY_M_PER_S2: f64 = 9.81;
/// Impact deceleration time used to estimate the peak acceleration, seconds.
const IMPACT_STOP_S: f64 = 0.002;

/// Fixed properties of a simulated drop rig.
#[derive(Debug, Clone, PartialEq)]
pub struct DropParams {
    /// Carriage lifting speed, mm/s.
    pub lift_speed_mm_per_s: f64,
    /// Carriage lowering speed after a drop, mm/s.
    pub lower_speed_mm_per_s: f64,
    /// Time to arm the release once at height, seconds.
    pub arm_time_s: f64,
    /// Time to re-clamp the sample at the bottom, seconds.
    pub clamp_time_s: f64,
    /// Homing time, seconds.
    pub home_time_s: f64,
    /// Highest drop height, mm.
    pub max_height_mm: f64,
}

impl Default for DropParams {
    fn default() -> Self {
        DropParams {
            lift_speed_mm_per_s: 100.0,
            lower_speed_mm_per_s: 200.0,
            arm_time_s: 1.0,
            clamp_time_s: 2.0,
            home_time_s: 5.0,
            max_height_mm: 2000.0,
        }
    }
}

/// The rig's state as the register map numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropState {
    /// Waiting for a command.
    Idle = 0,
    /// Finding the home position.
    Homing = 1,
    /// Moving the carriage to the drop height.
    Positioning = 2,
    /// At height, about to release.
    Armed = 3,
    /// Released; the sample is falling.
    Releasing = 4,
    /// Lowering the carriage and re-clamping, then waiting the interval.
    Returning = 5,
    /// The requested drops are done.
    Done = 6,
    /// A fault is latched.
    Fault = 7,
    /// An interlock is open.
    InterlockOpen = 8,
}

/// Latched fault codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropFault {
    /// Emergency stop pressed.
    EStop = 1,
    /// Door opened while moving.
    Door = 2,
    /// Air pressure low.
    Air = 3,
    /// Positioning took too long.
    PositionTimeout = 4,
    /// The release did not open.
    ReleaseFailure = 5,
    /// A sensor failed.
    Sensor = 6,
}

/// Interlock inputs; all true means safe to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interlocks {
    /// Door closed.
    pub door_closed: bool,
    /// Emergency stop released.
    pub estop_ok: bool,
    /// Air pressure present.
    pub air_ok: bool,
    /// Sample clamped.
    pub clamped: bool,
}

impl Interlocks {
    /// Whether every interlock is made.
    pub fn all_ok(&self) -> bool {
        self.door_closed && self.estop_ok && self.air_ok && self.clamped
    }
}

/// Operator settings of the next sequence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DropSettings {
    /// Drop height, mm.
    pub height_mm: f64,
    /// Drops per start command.
    pub count: u16,
    /// 0 face, 1 edge, 2 corner, 3 free.
    pub orientation: u16,
    /// Face / edge / corner id.
    pub target_id: u16,
    /// Wait between drops, seconds.
    pub interval_s: f64,
}

/// One completed drop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DropRecord {
    /// Simulated time of impact.
    pub at: Duration,
    /// Height it fell from, mm.
    pub height_mm: f64,
    /// Release-to-impact time, ms.
    pub fall_ms: f64,
    /// Estimated peak acceleration, g.
    pub peak_g: f64,
}

/// Why a command was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropRefusal {
    /// A sequence is already running.
    Busy,
    /// An interlock is open or a fault is latched.
    NotReady,
}

/// The state of a simulated drop rig.
#[derive(Debug, Clone, PartialEq)]
pub struct DropRigModel {
    /// Fixed properties.
    pub params: DropParams,
    /// Settings used by the next start.
    pub settings: DropSettings,
    /// Interlock inputs (tests open the door here).
    pub interlocks: Interlocks,
    /// Latched fault.
    pub fault: Option<DropFault>,
    /// Whether the rig knows its home position.
    pub homed: bool,
    /// Carriage height, mm.
    pub height_mm: f64,
    /// Drops completed since power-on.
    pub drops_completed: u32,
    /// Every completed drop.
    pub records: Vec<DropRecord>,
    /// When set, the next release fails with [`DropFault::ReleaseFailure`].
    pub fail_next_release: bool,
    /// Paused by command.
    pub paused: bool,
    /// Simulated time the state was last advanced to.
    pub now: Duration,
    phase: DropState,
    phase_left_s: f64,
    drops_left: u16,
}

impl DropRigModel {
    /// An idle, homed rig with its door closed.
    pub fn new(params: DropParams) -> DropRigModel {
        DropRigModel {
            params,
            settings: DropSettings {
                height_mm: 1000.0,
                count: 1,
                orientation: 0,
                target_id: 1,
                interval_s: 1.0,
            },
            interlocks: Interlocks {
                door_closed: true,
                estop_ok: true,
                air_ok: true,
                clamped: true,
            },
            fault: None,
            homed: true,
            height_mm: 0.0,
            drops_completed: 0,
            records: Vec::new(),
            fail_next_release: false,
            paused: false,
            now: Duration::ZERO,
            phase: DropState::Idle,
            phase_left_s: 0.0,
            drops_left: 0,
        }
    }

    /// The state as reported: a fault or an open interlock wins over the motion phase.
    pub fn state(&self) -> DropState {
        if self.fault.is_some() {
            DropState::Fault
        } else if !self.interlocks.all_ok() {
            DropState::InterlockOpen
        } else {
            self.phase
        }
    }

    /// Whether a sequence or homing is in progress.
    pub fn busy(&self) -> bool {
        !matches!(self.phase, DropState::Idle | DropState::Done)
    }

    /// Time one drop takes from the bottom at `height_mm`, including the interval.
    pub fn cycle_time(&self, height_mm: f64) -> Duration {
        let p = &self.params;
        Duration::from_secs_f64(
            height_mm / p.lift_speed_mm_per_s
                + p.arm_time_s
                + fall_time_s(height_mm)
                + height_mm / p.lower_speed_mm_per_s
                + p.clamp_time_s
                + self.settings.interval_s,
        )
    }

    fn check_ready(&self) -> Result<(), DropRefusal> {
        if self.busy() {
            return Err(DropRefusal::Busy);
        }
        if self.fault.is_some() || !self.interlocks.all_ok() {
            return Err(DropRefusal::NotReady);
        }
        Ok(())
    }

    /// Starts `settings.count` drops.
    pub fn start(&mut self) -> Result<(), DropRefusal> {
        self.start_drops(self.settings.count.max(1))
    }

    /// Starts one drop.
    pub fn single_drop(&mut self) -> Result<(), DropRefusal> {
        self.start_drops(1)
    }

    fn start_drops(&mut self, count: u16) -> Result<(), DropRefusal> {
        self.check_ready()?;
        self.drops_left = count;
        self.paused = false;
        if self.homed {
            self.begin_positioning();
        } else {
            self.set_phase(DropState::Homing, self.params.home_time_s);
        }
        Ok(())
    }

    /// Homes the carriage.
    pub fn home(&mut self) -> Result<(), DropRefusal> {
        self.check_ready()?;
        self.drops_left = 0;
        self.set_phase(DropState::Homing, self.params.home_time_s);
        Ok(())
    }

    /// Stops any motion at once; the carriage stays where it is.
    pub fn abort(&mut self) {
        self.drops_left = 0;
        self.paused = false;
        self.set_phase(DropState::Idle, 0.0);
    }

    /// Pauses the sequence (time stops counting in the current phase).
    pub fn pause(&mut self) {
        if self.busy() {
            self.paused = true;
        }
    }

    /// Resumes a paused sequence.
    pub fn resume(&mut self) {
        self.paused = false;
    }

    /// Clears a latched fault (only when the interlocks are made again).
    pub fn reset_fault(&mut self) -> Result<(), DropRefusal> {
        if !self.interlocks.all_ok() {
            return Err(DropRefusal::NotReady);
        }
        self.fault = None;
        self.homed = false;
        self.set_phase(DropState::Idle, 0.0);
        Ok(())
    }

    /// Latches `fault` and stops.
    pub fn trip(&mut self, fault: DropFault) {
        self.fault = Some(fault);
        self.drops_left = 0;
        self.set_phase(DropState::Idle, 0.0);
    }

    fn set_phase(&mut self, phase: DropState, seconds: f64) {
        self.phase = phase;
        self.phase_left_s = seconds.max(0.0);
    }

    fn begin_positioning(&mut self) {
        let change = (self.settings.height_mm - self.height_mm).abs();
        self.set_phase(
            DropState::Positioning,
            change / self.params.lift_speed_mm_per_s,
        );
    }

    fn finish_phase(&mut self) {
        match self.phase {
            DropState::Homing => {
                self.homed = true;
                self.height_mm = 0.0;
                if self.drops_left > 0 {
                    self.begin_positioning();
                } else {
                    self.set_phase(DropState::Idle, 0.0);
                }
            }
            DropState::Positioning => {
                self.height_mm = self.settings.height_mm;
                self.set_phase(DropState::Armed, self.params.arm_time_s);
            }
            DropState::Armed => {
                if self.fail_next_release {
                    self.fail_next_release = false;
                    self.trip(DropFault::ReleaseFailure);
                } else {
                    self.set_phase(DropState::Releasing, fall_time_s(self.height_mm));
                }
            }
            DropState::Releasing => {
                let fall = fall_time_s(self.height_mm);
                self.records.push(DropRecord {
                    at: self.now,
                    height_mm: self.height_mm,
                    fall_ms: fall * 1000.0,
                    // Impact speed g·t stopped in IMPACT_STOP_S, in units of g.
                    peak_g: fall / IMPACT_STOP_S,
                });
                self.drops_completed = self.drops_completed.saturating_add(1);
                self.drops_left = self.drops_left.saturating_sub(1);
                let back = self.height_mm / self.params.lower_speed_mm_per_s
                    + self.params.clamp_time_s
                    + self.settings.interval_s;
                self.set_phase(DropState::Returning, back);
            }
            DropState::Returning => {
                self.height_mm = 0.0;
                if self.drops_left > 0 {
                    self.begin_positioning();
                } else {
                    self.set_phase(DropState::Done, 0.0);
                }
            }
            DropState::Idle | DropState::Done | DropState::Fault | DropState::InterlockOpen => {}
        }
    }
}

/// Free-fall time from `height_mm`, seconds.
pub fn fall_time_s(height_mm: f64) -> f64 {
    (2.0 * height_mm.max(0.0) / 1000.0 / GRAVITY_M_PER_S2).sqrt()
}

impl Model for DropRigModel {
    fn now(&self) -> Duration {
        self.now
    }

    fn advance_to(&mut self, t: Duration) {
        let Some(span) = t.checked_sub(self.now) else {
            return;
        };
        let mut left = span.as_secs_f64();
        let start = self.now;
        let mut spent = 0.0;
        while left > 0.0 && self.busy() {
            if self.fault.is_some() {
                break;
            }
            if !self.interlocks.all_ok() {
                self.trip(if self.interlocks.estop_ok {
                    DropFault::Door
                } else {
                    DropFault::EStop
                });
                break;
            }
            if self.paused {
                break;
            }
            if self.phase_left_s > left {
                self.phase_left_s -= left;
                break;
            }
            left -= self.phase_left_s;
            spent += self.phase_left_s;
            self.now = start + Duration::from_secs_f64(spent);
            self.phase_left_s = 0.0;
            self.finish_phase();
        }
        self.now = t;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sequence_takes_count_times_the_cycle_time_and_records_each_drop() {
        let mut rig = DropRigModel::new(DropParams::default());
        rig.settings.height_mm = 800.0;
        rig.settings.count = 3;
        let cycle = rig.cycle_time(800.0);
        // 8 s lift + 1 s arm + 0.404 s fall + 4 s lower + 2 s clamp + 1 s interval.
        assert!((cycle.as_secs_f64() - 16.404).abs() < 1e-3, "{cycle:?}");
        rig.start().unwrap();
        assert_eq!(rig.start(), Err(DropRefusal::Busy));
        rig.advance_to(cycle * 3 - Duration::from_millis(10));
        assert_eq!(rig.drops_completed, 3);
        assert_eq!(rig.state(), DropState::Returning);
        rig.advance_to(cycle * 3);
        assert_eq!(rig.state(), DropState::Done);
        assert!((rig.records[0].fall_ms - 403.9).abs() < 0.1);
        assert!(rig.records[1].at > rig.records[0].at);
    }

    #[test]
    fn opening_the_door_mid_sequence_latches_a_door_fault() {
        let mut rig = DropRigModel::new(DropParams::default());
        rig.start().unwrap();
        rig.advance_to(Duration::from_secs(2));
        rig.interlocks.door_closed = false;
        assert_eq!(rig.state(), DropState::InterlockOpen);
        rig.advance_to(Duration::from_secs(3));
        assert_eq!(rig.fault, Some(DropFault::Door));
        assert_eq!(rig.state(), DropState::Fault);
        assert_eq!(rig.reset_fault(), Err(DropRefusal::NotReady));
        rig.interlocks.door_closed = true;
        rig.reset_fault().unwrap();
        assert_eq!(rig.state(), DropState::Idle);
        assert!(!rig.homed);
    }

    #[test]
    fn a_failed_release_latches_and_counts_no_drop() {
        let mut rig = DropRigModel::new(DropParams::default());
        rig.fail_next_release = true;
        rig.single_drop().unwrap();
        rig.advance_to(Duration::from_secs(60));
        assert_eq!(rig.fault, Some(DropFault::ReleaseFailure));
        assert_eq!(rig.drops_completed, 0);
    }

    #[test]
    fn pause_freezes_the_phase() {
        let mut rig = DropRigModel::new(DropParams::default());
        rig.start().unwrap();
        rig.pause();
        rig.advance_to(Duration::from_secs(600));
        assert_eq!(rig.state(), DropState::Positioning);
        rig.resume();
        rig.advance_to(Duration::from_secs(700));
        assert_eq!(rig.state(), DropState::Done);
    }
}
