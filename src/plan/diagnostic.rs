//! Plan problems as the user sees them: file, line, column, key path and message.
//!
//! [`PlanDiagnostic`] is one problem; [`PlanErrors`] is every problem found in one file (the
//! crate-wide [`crate::diagnostic`] types under their plan names). Plans report to the crate's
//! one [`Sink`](crate::diagnostic::Sink).

pub use crate::diagnostic::{Diagnostic as PlanDiagnostic, Diagnostics as PlanErrors};

pub(crate) use crate::diagnostic::Sink;
