//! Instrument simulators that speak the real wire protocols on a pseudo-terminal or TCP port.
//!
//! # Architecture
//!
//! - [`physics`]: chamber, drop-rig and thermocouple-logger models advanced by a
//!   [`Clock`](crate::clock::Clock) in bounded sub-steps, so simulated time may jump.
//! - Protocols: [`espec`] (ESPEC ASCII), [`pclink`] (TEMI PC-link with SUM), [`scpi`] (SCPI
//!   logger) answer request by request; [`modbus`] maps registers (Watlow F4 / F4T, TEMI,
//!   generic, drop rig) for a tokio-modbus server.
//! - [`faults`]: seeded fault injection (no reply, delay, garbling, bad checksum, refusals,
//!   unplug, sensor out of range).
//! - [`serve`]: the pty (the simulator holds the master, the driver opens the slave path) or
//!   loopback TCP serving loop that applies the wire faults.
//! - [`android`]: a simulated Android terminal on the device side of the adb protocol (TCP).
//! - [`handle`]: [`SimChamber`], [`SimDropRig`], [`SimThermalLogger`] start a simulator on its
//!   own thread and return a [`SimHandle`] for tests and the runner.

pub mod android;
pub mod espec;
pub mod faults;
pub mod handle;
pub mod modbus;
pub mod pclink;
pub mod physics;
pub mod scpi;
pub mod serve;
pub mod shared;
pub mod speed;
pub mod temi_map;

pub use faults::{FaultKind, FaultPlan, FaultSpec, Trigger};
pub use handle::{SimChamber, SimDropRig, SimError, SimHandle, SimOptions, SimThermalLogger};
pub use serve::{Endpoint, Serve};
pub use speed::ScaledClock;
