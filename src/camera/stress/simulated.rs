//! A soak of the synthetic camera on a simulated clock: the 72 h check of the harness itself
//! (flat memory, per-frame cost) that runs in seconds, used by the benchmark, the
//! `soak72h` example and demos.

use std::sync::Arc;
use std::time::Duration;

use super::soak::{run_soak, SoakConfig, SoakOutcome};
use super::StopFlag;
use crate::camera::analysis::{AnalysisConfig, SeriesSink};
use crate::camera::error::CameraError;
use crate::camera::frame::StreamConfig;
use crate::camera::synthetic::{SyntheticConfig, SyntheticSource};
use crate::clock::{Clock, SimClock};

/// Soaks a synthetic camera delivering `stream` for `duration` of simulated time, with pixels
/// on one frame in `payload_every` (the rest metadata only), sending per-second rows to
/// `series`.
pub fn run_simulated_soak(
    stream: StreamConfig,
    duration: Duration,
    payload_every: u32,
    series: Option<SeriesSink>,
) -> Result<SoakOutcome, CameraError> {
    let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut config = SyntheticConfig::new(stream);
    config.payload_every = payload_every;
    let mut source = SyntheticSource::new(config, dyn_clock);
    let soak = SoakConfig::new(duration, AnalysisConfig::for_stream(stream));
    run_soak(&mut source, clock.as_ref(), &soak, &StopFlag::new(), series)
}
