//! Rigs: climate chambers, drop rigs and thermal loggers behind capability traits, their
//! transports and drivers.
//!
//! # Architecture
//!
//! - **Capabilities** ([`Chamber`], [`DropRig`], [`ThermalLogger`]) are blocking, object-safe
//!   and `Send`: the synchronous runner holds `Box<dyn Chamber>` and calls it from std threads.
//!   Optional abilities are default methods answering [`RigError::NotSupported`].
//! - **Drivers** are async and generic over `AsyncRead + AsyncWrite + Unpin + Send` (or boxed),
//!   so the same code runs over a serial port, a pty, TCP or `tokio::io::duplex` in tests.
//! - **One link stack** ([`link`]): [`link::Link`] is the transaction engine every protocol sits
//!   on (timeouts, retries, reopen, draining, late replies, wire-log notes), parameterised by a
//!   [`link::Framing`]: one reply line for the ASCII protocols ([`link::Request`]), RTU or MBAP
//!   frames for Modbus ([`modbus::ModbusClient`]).
//! - **Transports** ([`transport`]): one [`transport::Endpoint`] (device path with line settings,
//!   or `tcp:HOST:PORT`) opened as a stream, and [`transport::open_link`], which opens any rig's
//!   link with its reopener and [`wire_log`].
//! - [`Blocking`] joins the two: it owns a driver and a current-thread runtime; every chamber
//!   driver implements [`chamber::AsyncChamber`], whose blocking face is `Blocking<D>`.
//! - [`open`] turns a rig's [`spec`] (protocol, connection, limits, options: plain parameters a
//!   station file is resolved into) into a boxed capability behind the station's safe limits.
//!
//! Errors: one [`RigError`] for all, separating "the instrument said no" from "we could not
//! reach it".

mod blocking;
pub mod chamber;
pub mod drop;
mod error;
pub mod link;
pub mod modbus;
#[cfg(test)]
mod noise;
pub mod open;
pub mod spec;
pub mod thermal;
pub mod transport;
pub mod wire_log;

pub use blocking::{rig_runtime, Blocking};
pub use chamber::{Chamber, ChamberIdentity, ChamberMode, ChamberReading};
pub use drop::{DropRig, DropSetup, DropState, DropStatus, Interlocks, Orientation};
pub use error::{RigError, ShowBytes};
pub use open::{open_chamber, open_drop, open_thermal};
pub use thermal::{ChannelInfo, ChannelReading, LoggerIdentity, ThermalLogger};
