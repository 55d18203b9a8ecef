//! Drop rigs: the [`DropRig`] capability, drop set-ups and status.
//!
//! A rig is configured with one [`DropSetup`] (height, orientation, face/edge/corner id, count,
//! interval), started, and polled with [`DropRig::status`]. [`modbus`] drives a rig controller
//! with the register map of rig-protocols §4, [`manual`] is the fallback that asks the operator
//! to drop by hand, and [`ista`] holds the ISTA numbering and drop-height tables.

pub mod ista;
pub mod manual;
pub mod modbus;

use std::fmt;

use crate::rig::RigError;

/// How the package or unit meets the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Orientation {
    /// Flat on a face (ISTA faces 1..6).
    Face,
    /// On an edge between two faces (`2-3`).
    Edge,
    /// On a corner between three faces (`2-3-5`).
    Corner,
    /// Free fall, orientation not controlled.
    Free,
}

impl Orientation {
    /// Every orientation, in register order (face 0, edge 1, corner 2, free 3).
    pub const ALL: [Orientation; 4] = [
        Orientation::Face,
        Orientation::Edge,
        Orientation::Corner,
        Orientation::Free,
    ];

    /// The lowercase word used in station and plan files.
    pub fn key(self) -> &'static str {
        match self {
            Orientation::Face => "face",
            Orientation::Edge => "edge",
            Orientation::Corner => "corner",
            Orientation::Free => "free",
        }
    }

    /// Parses [`Orientation::key`].
    pub fn parse(word: &str) -> Option<Orientation> {
        Orientation::ALL.into_iter().find(|o| o.key() == word)
    }
}

impl fmt::Display for Orientation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One drop sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct DropSetup {
    /// Drop height, mm.
    pub height_mm: f64,
    /// Orientation at impact.
    pub orientation: Orientation,
    /// ISTA-style id: face `"3"`, edge `"2-3"`, corner `"2-3-5"`; empty for free fall.
    pub target_id: String,
    /// Number of drops.
    pub count: u32,
    /// Pause between drops, s.
    pub interval_s: f64,
}

/// What the rig is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropState {
    /// Idle, nothing configured or started.
    Idle,
    /// Homing the carriage.
    Homing,
    /// Moving to the drop height.
    Positioning,
    /// Armed and ready to release.
    Ready,
    /// Releasing.
    Releasing,
    /// Returning after a drop.
    Returning,
    /// The sequence is complete.
    Done,
    /// Stopped by a fault (see [`DropStatus::fault`]).
    Fault,
    /// An interlock (door, e-stop, air) is open.
    InterlockOpen,
    /// Waiting for the operator (manual rigs).
    WaitingOperator,
}

/// Safety interlocks as the rig reports them; `true` is the safe state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Interlocks {
    /// Guard door closed.
    pub door_closed: bool,
    /// Emergency stop released.
    pub estop_ok: bool,
    /// Air pressure present.
    pub air_ok: bool,
    /// Sample clamped.
    pub sample_clamped: bool,
    /// Carriage homed.
    pub homed: bool,
}

impl Interlocks {
    /// Decodes the bitfield b0 door, b1 e-stop, b2 air, b3 clamp, b4 homed.
    pub fn from_bits(bits: u16) -> Interlocks {
        Interlocks {
            door_closed: bits & 0x01 != 0,
            estop_ok: bits & 0x02 != 0,
            air_ok: bits & 0x04 != 0,
            sample_clamped: bits & 0x08 != 0,
            homed: bits & 0x10 != 0,
        }
    }

    /// Encodes [`Interlocks::from_bits`]'s bitfield.
    pub fn bits(self) -> u16 {
        u16::from(self.door_closed)
            | u16::from(self.estop_ok) << 1
            | u16::from(self.air_ok) << 2
            | u16::from(self.sample_clamped) << 3
            | u16::from(self.homed) << 4
    }

    /// True when every interlock needed to release is safe (door, e-stop, air).
    pub fn safe_to_release(self) -> bool {
        self.door_closed && self.estop_ok && self.air_ok
    }
}

/// One poll of the rig.
#[derive(Debug, Clone, PartialEq)]
pub struct DropStatus {
    /// What the rig is doing.
    pub state: DropState,
    /// Drops completed in the current sequence.
    pub drops_done: u32,
    /// The carriage's measured height, mm, where the rig reports it.
    pub actual_height_mm: Option<f64>,
    /// The rig's fault, in words, when `state` is [`DropState::Fault`].
    pub fault: Option<String>,
    /// Interlocks, where the rig reports them (`None` on manual rigs).
    pub interlocks: Option<Interlocks>,
}

/// A drop tester, automatic or manual.
///
/// Blocking and object-safe, like [`crate::rig::Chamber`].
pub trait DropRig: Send + fmt::Debug {
    /// Loads a drop sequence; the rig checks height and id against what it can do.
    fn configure(&mut self, setup: &DropSetup) -> Result<(), RigError>;

    /// Starts the configured sequence.
    fn start(&mut self) -> Result<(), RigError>;

    /// Stops at once and leaves the rig safe.
    fn abort(&mut self) -> Result<(), RigError>;

    /// Reads state, progress, fault and interlocks.
    fn status(&mut self) -> Result<DropStatus, RigError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interlock_bits_round_trip() {
        for bits in 0..32u16 {
            assert_eq!(Interlocks::from_bits(bits).bits(), bits);
        }
        assert!(Interlocks::from_bits(0b0_0111).safe_to_release());
        assert!(!Interlocks::from_bits(0b1_1110).safe_to_release());
    }

    #[test]
    fn orientation_keys_parse_back() {
        for o in Orientation::ALL {
            assert_eq!(Orientation::parse(o.key()), Some(o));
        }
        assert_eq!(Orientation::parse("side"), None);
    }
}
