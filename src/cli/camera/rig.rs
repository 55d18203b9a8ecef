//! The camera of a `camera stress` run: the `--source` selector (and `--source2`) as a
//! [`CameraRig`], so the checklist plan's camera steps stream it like a station's camera.

use std::sync::Arc;

use crate::camera::faults::FaultPlan;
use crate::camera::{CameraError, StreamKind};
use crate::clock::{Clock, SimClock};
use crate::runner::rigs::{CameraRig, CameraSource};

use super::open::open_source;
use super::spec::SourceSpec;

/// Opens the selectors: the plan's `rgb` stream is `--source`, its `ir` and `depth` streams
/// are `--source2`. Every source goes behind the fault injector when faults are given.
#[derive(Debug, Clone)]
pub struct SelectorCameraRig {
    /// `--source`.
    pub source: SourceSpec,
    /// `--source2`, the second node (IR) of the module.
    pub source2: Option<SourceSpec>,
    /// `--fault` options, applied to every source.
    pub faults: Option<FaultPlan>,
    /// The clock real sources run on; `None`: each source runs on its own simulated clock
    /// (`--sim-clock`), as two sleeping sources sharing one simulated clock would each see the
    /// other's sleeps as lost frames.
    pub clock: Option<Arc<dyn Clock>>,
}

impl SelectorCameraRig {
    /// The selector a plan stream uses.
    fn spec(&self, stream: StreamKind) -> Result<&SourceSpec, CameraError> {
        match stream {
            StreamKind::Rgb => Ok(&self.source),
            StreamKind::Ir | StreamKind::Depth => {
                self.source2
                    .as_ref()
                    .ok_or_else(|| CameraError::NotSupported {
                        what: format!(
                            "a {} stream needs --source2 (the module's second node)",
                            stream.name()
                        ),
                    })
            }
        }
    }
}

impl CameraRig for SelectorCameraRig {
    /// Builds the stream's source and opens it once to learn the mode it delivers (the analysis
    /// is set up for that mode). `fps` is the plan's nominal rate; a source delivering another
    /// rate is used as it is, with a warning (its fps criteria then judge it against the plan's).
    fn source(&mut self, stream: StreamKind, fps: u32) -> Result<CameraSource, CameraError> {
        let spec = self.spec(stream)?.clone();
        let clock: Arc<dyn Clock> = match &self.clock {
            Some(clock) => Arc::clone(clock),
            None => Arc::new(SimClock::starting_at(chrono::Utc::now())),
        };
        let unavailable = |e: crate::camera::open::SourceError| CameraError::NotSupported {
            what: e.to_string(),
        };
        // The probe goes around the fault injector, so faults count from the step's own open.
        let mut probe = open_source(&spec, Arc::clone(&clock), None).map_err(unavailable)?;
        let info = probe.open()?;
        probe.close();
        let delivered = info.config.rate.as_f64();
        if (delivered - f64::from(fps)).abs() > 0.01 * f64::from(fps) {
            tracing::warn!(
                "{spec} delivers {delivered:.2} fps; the plan's step expects {fps} fps \
                 (use --plan with a copy edited for this camera's rate)"
            );
        }
        let source =
            open_source(&spec, Arc::clone(&clock), self.faults.clone()).map_err(unavailable)?;
        Ok(CameraSource {
            source,
            clock,
            config: info.config,
        })
    }

    fn own_clock(&self) -> bool {
        self.clock.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_is_the_source_and_ir_needs_a_second_one() {
        let mut rig = SelectorCameraRig {
            source: "synthetic:64x48@15/GREY".parse().unwrap(),
            source2: None,
            faults: None,
            clock: None,
        };
        let rgb = rig.source(StreamKind::Rgb, 30).unwrap();
        assert_eq!((rgb.config.width, rgb.config.height), (64, 48));
        assert!(rig.own_clock());
        let missing = rig.source(StreamKind::Ir, 30).unwrap_err();
        assert!(missing.to_string().contains("--source2"), "{missing}");
        rig.source2 = Some("synthetic:32x16@30/GREY".parse().unwrap());
        assert_eq!(rig.source(StreamKind::Ir, 30).unwrap().config.width, 32);
    }
}
