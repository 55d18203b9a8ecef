//! `--source` selectors: the library's one camera selector syntax
//! ([`crate::camera::select`]), re-exported where the camera commands look for it.

pub use crate::camera::select::{parse_mode, ModeText, SourceSpec, SpecError, DEFAULT_SYNTHETIC};
