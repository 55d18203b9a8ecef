//! The plan's view of the crate's one TOML reader ([`crate::config::reader`]).

pub(super) use crate::config::reader::{Fields, Located, TableRef};
