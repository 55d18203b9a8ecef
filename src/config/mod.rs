//! One reader for every TOML file facebench takes: plans, station files, unit files, `--units`
//! batch files, answers files and the catalog.
//!
//! A file is read in three steps, each reporting to the one [`Sink`](crate::diagnostic::Sink):
//! [`document`] reads the text (a read failure or non-UTF-8 text is one diagnostic) and parses
//! it into a span-keeping tree (a syntax error is one diagnostic at the parser's position);
//! [`reader`] hands out typed fields of each table with their spans, rejects unknown keys with
//! a "did you mean" from [`suggest`], and reports wrong types and ranges under the full key
//! path; the file's own resolver then checks what only it knows. Every problem of a file is
//! collected, sorted, and returned at once as [`Diagnostics`](crate::diagnostic::Diagnostics).

pub mod document;
pub mod reader;
pub mod suggest;

pub use document::{load_document, read_document};
pub use reader::{Fields, Located, Span, TableRef, Whole};
