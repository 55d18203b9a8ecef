//! Two streams at once (RGB and IR of a 3D module): a soak on each, on its own thread, with a
//! shared stop flag.
//!
//! Each stream needs its own clock when simulated: a [`SimClock`](crate::clock::SimClock)
//! advances on every `sleep`, so two sources pacing themselves on one simulated clock would
//! run it twice as fast. With the system clock, one clock serves both.

use super::soak::{run_soak, SoakConfig, SoakOutcome};
use super::StopFlag;
use crate::camera::analysis::SeriesSink;
use crate::camera::error::CameraError;
use crate::camera::source::FrameSource;
use crate::clock::Clock;

/// One of the streams of a dual soak.
pub struct StreamJob<'a> {
    /// The source.
    pub source: &'a mut dyn FrameSource,
    /// Its clock.
    pub clock: &'a dyn Clock,
    /// Its soak settings.
    pub config: SoakConfig,
    /// Where its per-second rows go.
    pub series: Option<SeriesSink>,
}

impl std::fmt::Debug for StreamJob<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamJob")
            .field("capabilities", &self.source.capabilities())
            .field("clock", &self.clock)
            .field("config", &self.config)
            .field("series", &self.series.is_some())
            .finish()
    }
}

/// Soaks both streams concurrently; when one is lost or fails to start, the other continues.
/// Returns the outcomes in the order given.
pub fn run_dual(
    a: StreamJob<'_>,
    b: StreamJob<'_>,
    stop: &StopFlag,
) -> (
    Result<SoakOutcome, CameraError>,
    Result<SoakOutcome, CameraError>,
) {
    std::thread::scope(|scope| {
        let run = |job: StreamJob<'_>| {
            let StreamJob {
                source,
                clock,
                config,
                series,
            } = job;
            run_soak(source, clock, &config, stop, series)
        };
        let other = scope.spawn(move || run(b));
        let first = run(a);
        let second = other.join().unwrap_or_else(|_| {
            Err(CameraError::State {
                call: "run_dual",
                state: "the second stream's thread panicked",
            })
        });
        (first, second)
    })
}
