//! Building a [`FrameSource`] from a `--source` selector, optionally behind the fault injector.

use std::sync::Arc;

use crate::camera::faults::{FaultPlan, FaultySource};
use crate::camera::replay::{Pacing, ReplaySource};
use crate::camera::synthetic::{SyntheticConfig, SyntheticSource};
use crate::camera::FrameSource;
use crate::clock::Clock;

use super::spec::SourceSpec;

/// Why a selector cannot be used in this build.
#[derive(Debug, thiserror::Error)]
#[error("{source_text}: {reason}")]
pub struct UnavailableSource {
    /// The selector.
    pub source_text: String,
    /// Why.
    pub reason: &'static str,
}

/// Whether the selector names real hardware (where simulated time makes no sense).
pub fn is_hardware(spec: &SourceSpec) -> bool {
    matches!(spec, SourceSpec::V4l { .. } | SourceSpec::Nokhwa { .. })
}

/// What the backend cannot tell, to print beside its results (empty when nothing is missing).
pub fn backend_limits(spec: &SourceSpec) -> &'static str {
    match spec {
        #[cfg(feature = "nokhwa")]
        SourceSpec::Nokhwa { .. } => crate::camera::nokhwa::LIMITS,
        _ => "",
    }
}

/// The source a selector names, on `clock`, wrapped in the fault injector when `faults` is
/// given.
pub fn open_source(
    spec: &SourceSpec,
    clock: Arc<dyn Clock>,
    faults: Option<FaultPlan>,
) -> Result<Box<dyn FrameSource>, UnavailableSource> {
    let inner = bare_source(spec, Arc::clone(&clock))?;
    Ok(match faults {
        Some(plan) => Box::new(FaultySource::new(inner, plan, clock)),
        None => inner,
    })
}

fn bare_source(
    spec: &SourceSpec,
    clock: Arc<dyn Clock>,
) -> Result<Box<dyn FrameSource>, UnavailableSource> {
    match spec {
        SourceSpec::Synthetic(mode) => Ok(Box::new(SyntheticSource::new(
            SyntheticConfig::new(*mode),
            clock,
        ))),
        SourceSpec::Replay(path) => Ok(Box::new(ReplaySource::new(path, clock, Pacing::Recorded))),
        SourceSpec::V4l { path, mode } => v4l_source(spec, path, *mode, clock),
        SourceSpec::Nokhwa { index, mode } => nokhwa_source(spec, *index, *mode, clock),
    }
}

#[cfg(all(feature = "v4l", target_os = "linux"))]
fn v4l_source(
    _spec: &SourceSpec,
    path: &std::path::Path,
    mode: Option<crate::camera::StreamConfig>,
    clock: Arc<dyn Clock>,
) -> Result<Box<dyn FrameSource>, UnavailableSource> {
    use crate::camera::v4l::{V4lConfig, V4lSource};
    let mut config = V4lConfig::new(path);
    config.wanted = mode;
    Ok(Box::new(V4lSource::new(config, clock)))
}

#[cfg(not(all(feature = "v4l", target_os = "linux")))]
fn v4l_source(
    spec: &SourceSpec,
    _path: &std::path::Path,
    _mode: Option<crate::camera::StreamConfig>,
    _clock: Arc<dyn Clock>,
) -> Result<Box<dyn FrameSource>, UnavailableSource> {
    Err(UnavailableSource {
        source_text: spec.to_string(),
        reason:
            "this facebench was built without the V4L2 backend (Linux: cargo build --features v4l)",
    })
}

#[cfg(feature = "nokhwa")]
fn nokhwa_source(
    _spec: &SourceSpec,
    index: u32,
    mode: Option<crate::camera::StreamConfig>,
    clock: Arc<dyn Clock>,
) -> Result<Box<dyn FrameSource>, UnavailableSource> {
    use crate::camera::nokhwa::{NokhwaConfig, NokhwaSource};
    Ok(Box::new(NokhwaSource::new(
        NokhwaConfig {
            index,
            wanted: mode,
        },
        clock,
    )))
}

#[cfg(not(feature = "nokhwa"))]
fn nokhwa_source(
    spec: &SourceSpec,
    _index: u32,
    _mode: Option<crate::camera::StreamConfig>,
    _clock: Arc<dyn Clock>,
) -> Result<Box<dyn FrameSource>, UnavailableSource> {
    Err(UnavailableSource {
        source_text: spec.to_string(),
        reason:
            "this facebench was built without the nokhwa backend (cargo build --features nokhwa)",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;

    #[test]
    fn synthetic_and_replay_always_build_and_hardware_is_flagged() {
        let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        for text in ["synthetic", "replay:/nonexistent.fbrec"] {
            let spec: SourceSpec = text.parse().unwrap();
            assert!(open_source(&spec, Arc::clone(&clock), None).is_ok());
            assert!(!is_hardware(&spec));
        }
        let nokhwa: SourceSpec = "nokhwa:0".parse().unwrap();
        assert!(is_hardware(&nokhwa));
        #[cfg(feature = "nokhwa")]
        assert!(backend_limits(&nokhwa).contains("drops estimated from intervals > 1.5× nominal"));
        assert!(backend_limits(&"synthetic".parse().unwrap()).is_empty());
    }
}
