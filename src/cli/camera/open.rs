//! Building a source from a `--source` selector: the library's opener
//! ([`crate::camera::open`]), re-exported where the camera commands look for it.

pub use crate::camera::open::{backend_limits, is_hardware, open_source};
