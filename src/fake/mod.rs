//! Scripted in-process fakes of every rig capability, for unit tests of the runner on the
//! simulated clock: no pty, no simulator thread, no real time.
//!
//! Each fake implements the same trait the real drivers do ([`crate::rig::Chamber`],
//! [`crate::rig::DropRig`], [`crate::rig::ThermalLogger`], [`crate::station::CameraRig`],
//! [`crate::dut::Dut`]) and
//! reads the run's [`crate::clock::SimClock`], so what it reports depends on how much simulated
//! time the step under test has let pass: a chamber's air follows its set point at a scripted
//! rate, a drop takes a scripted time, a thermocouple follows a scripted curve. Faults are part
//! of the script (a chamber that stops answering or raises an alarm, a drop rig fault, a
//! camera that drops frames or is unplugged).
//!
//! Compiled for the crate's own tests only; the end-to-end tests under `tests/` drive the real
//! drivers against the simulators on ptys instead.

pub mod camera;
pub mod chamber;
pub mod drop;
pub mod dut;
pub mod thermal;

pub use camera::CameraScript;
pub use chamber::{ChamberFault, ChamberScript, FakeChamber, FaultWindow};
pub use drop::{DropScript, FakeDropRig};
pub use dut::{DutFault, DutScript, FakeDut};
pub use thermal::{Curve, FakeLogger};

/// The port name the fakes give in their errors.
const PORT: &str = "fake";
