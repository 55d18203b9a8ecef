//! Rigs: climate chambers, drop rigs and thermal loggers behind capability traits, their
//! transports and drivers.
//!
//! # Architecture
//!
//! - **Capabilities** ([`Chamber`], [`DropRig`], [`ThermalLogger`]) are blocking, object-safe
//!   and `Send`: the synchronous runner holds `Box<dyn Chamber>` and calls it from std threads.
//!   Optional abilities are default methods answering [`RigError::NotSupported`].
//! - **Drivers** are async and generic over `AsyncRead + AsyncWrite + Unpin + Send`, so the same
//!   code runs over a serial port, a pty, TCP or `tokio::io::duplex` in tests. Each protocol
//!   command is one type implementing [`link::Request`].
//! - **Transports** ([`transport`]) find and open a port by path or `tcp:HOST:PORT`; a
//!   [`link::Link`] carries requests with timeouts, retries and reconnects; [`wire_log`] records
//!   every byte.
//! - [`Blocking`] joins the two: it owns a driver and a current-thread runtime.
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
