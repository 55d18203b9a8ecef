//! Camera recordings: a compact binary format ([`format`](mod@format)) that keeps the metadata of every
//! frame and the pixels of sampled frames, a [`ReplayWriter`] (used by `facebench camera
//! record`), and a [`ReplaySource`] that plays a recording back through the same analysis as a
//! live camera.

pub mod format;
mod source;
mod writer;

pub use source::{Pacing, ReplaySource};
pub use writer::{keep_every, keep_spaced, ReplayWriter};
