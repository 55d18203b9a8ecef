//! facebench: a hardware test-bench harness for face-payment terminals.
//!
//! The library holds everything; the `facebench` binary is thin glue over [`cli`].
//! Dependencies point one way: [`catalog`], [`plan`], [`judge`], [`clock`], [`sn`] and [`unit`]
//! know nothing of rigs or reports; [`runner`] joins plans to rigs and writes the [`journal`];
//! [`report`] reads only the journal and the plan. Every TOML file facebench reads (plans,
//! stations, units, answers, the catalog) goes through [`config`] and reports through
//! [`diagnostic`], which import nothing else of the crate.

#![deny(missing_docs)]
// `unsafe` is allowed only where a system call needs it, each place marked with `allow` and
// SAFETY notes: the V4L2 backend's ioctl module and the process's signal handling in `cli`.
#![deny(unsafe_code)]
#![warn(missing_debug_implementations)]

pub mod assets;
pub mod camera;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod diagnostic;
pub mod dut;
pub mod factory;
#[cfg(test)]
pub(crate) mod fake;
pub mod history;
pub mod journal;
pub mod judge;
pub mod live;
pub mod plan;
pub mod report;
pub mod rig;
pub mod runner;
pub mod sim;
pub mod sn;
pub mod station;
pub mod unit;
