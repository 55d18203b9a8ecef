//! The face camera: frame sources with per-frame metadata, frame analysis and stress loops.
