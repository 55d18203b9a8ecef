//! Shared Modbus plumbing for the chamber and drop-rig drivers.
//!
//! - [`target`]: [`ModbusTarget`] (endpoint, slave, framing, policy) and [`open_driver`], which
//!   opens a chamber or drop-rig driver on it (blocking, on the rig's own runtime).
//! - [`client`]: [`ModbusClient`], Modbus RTU and TCP as framings on the shared link engine
//!   ([`crate::rig::link`]), with checked replies and busy backoff.
//! - [`scale`]: register encodings: [`Scaled16`] (signed/unsigned 16-bit with implied decimals)
//!   and 32-bit IEEE floats with a [`WordOrder`].
//! - [`error`]: [`ModbusError`], naming the port, the operation and any exception code.
//! - [`crc`]: CRC-16/MODBUS and RTU frame building for byte-exact tests and simulators.
//! - [`frame`]: request frames and checked reply frames (RTU and Modbus TCP), naming why
//!   received bytes were discarded.

pub mod client;
pub mod crc;
pub mod error;
pub mod frame;
pub mod scale;
pub mod target;

pub use client::{ModbusClient, BUSY_RETRIES, DEFAULT_TIMEOUT};
pub use error::{unencodable, Exception, ModbusError, Operation};
pub use scale::{decode_f32, encode_f32, ScaleError, Scaled16, WordOrder};
pub use target::{open_driver, ModbusFraming, ModbusTarget};
