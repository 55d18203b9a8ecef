//! The one link stack under every rig protocol: request/reply over any byte stream with
//! timeouts, bounded retries, reopen, resynchronisation and wire-log notes.
//!
//! - [`engine`]: [`Link`], the transaction engine, parameterised by a [`Framing`] (how a request
//!   is written and how its reply is recognised); the retry, reopen, drain and late-reply rules
//!   live only there.
//! - [`line`]: the framing of the ASCII protocols ([`Request`], one reply line per command).
//! - Modbus RTU and TCP are framings too: [`crate::rig::modbus::client`].

pub mod engine;
pub mod line;

pub use engine::{ByteStream, Framing, Link, LinkPolicy, Reopen, ReplyError, Scan};
pub use line::{Request, MAX_LINE_BYTES};
