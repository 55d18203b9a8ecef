//! Frame analysis: per-frame metadata accounting, frame rate and jitter from device time, luma
//! statistics, MJPEG integrity, frozen frames and per-second series, all in O(1) memory per
//! frame so a 72 h soak keeps a flat footprint.
//!
//! [`FrameAnalyzer`] combines the parts; each part is usable alone:
//! [`metadata`], [`timing`], [`luma`], [`mjpeg`], [`frozen`], [`series`], [`histogram`].

mod analyzer;
pub mod frozen;
pub mod histogram;
pub mod luma;
mod luma_count;
pub mod metadata;
pub mod mjpeg;
pub mod series;
pub mod timing;

pub use analyzer::{
    AnalysisConfig, AnalysisSummary, FrameAnalyzer, LumaSummary, MjpegDefects, SeriesSink,
};
pub use series::SeriesRow;
