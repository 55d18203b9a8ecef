//! Shared Modbus plumbing for the chamber and drop-rig drivers.
//!
//! - [`chamber`]: [`chamber::AsyncChamber`], the trait every Modbus chamber driver implements,
//!   [`chamber::BlockingChamber`] (its blocking [`crate::rig::Chamber`] face) and
//!   [`chamber::ModbusTarget`] (endpoint, slave, framing, policy).
//! - [`client`]: [`ModbusClient`] over any async transport (RTU or TCP framing) with timeout,
//!   retry, busy backoff, stale-input discarding and checked replies.
//! - [`scale`]: register encodings: [`Scaled16`] (signed/unsigned 16-bit with implied decimals)
//!   and 32-bit IEEE floats with a [`WordOrder`].
//! - [`error`]: [`ModbusError`], naming the port, the operation and any exception code.
//! - [`crc`]: CRC-16/MODBUS and RTU frame building for byte-exact tests and simulators.
//! - [`frame`]: request frames and checked reply frames (RTU and Modbus TCP), naming why
//!   received bytes were discarded.

pub mod chamber;
pub mod client;
pub mod crc;
pub mod error;
pub mod frame;
pub mod scale;

pub use chamber::{AsyncChamber, BlockingChamber, Framing, ModbusTarget};
pub use client::{ModbusClient, ModbusPolicy};
pub use error::{unencodable, Exception, ModbusError, Operation};
pub use scale::{decode_f32, encode_f32, ScaleError, Scaled16, WordOrder};
