//! Per-second series rows (frames, fps, drops, stalls, bad frames, luma, exposure), built in
//! O(1) memory and handed to a sink as each second of host time closes, so a runner can stream
//! them to CSV during a 72 h soak.

use std::time::Duration;

/// One row of the per-second series.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeriesRow {
    /// Start of the second, host clock time since the analysis began, in whole seconds.
    pub second: u64,
    /// Frames received in this second.
    pub frames: u64,
    /// Frames per second received (frames / 1 s; lower for a partial final row).
    pub fps: f64,
    /// Device drops detected in this second.
    pub device_drops: u64,
    /// Harness drops in this second.
    pub harness_drops: u64,
    /// Timeouts in this second.
    pub timeouts: u64,
    /// Error-flagged, empty, wrong-size or corrupt frames in this second.
    pub bad_frames: u64,
    /// Mean luma of the frames analysed for luma in this second.
    pub luma_mean: Option<f64>,
    /// The last exposure read in this second, in milliseconds.
    pub exposure_ms: Option<f64>,
}

/// What happened to one frame or event, as fed to [`SeriesBuilder::record`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeriesEvent {
    /// A frame arrived.
    pub frame: bool,
    /// Device drops found before it.
    pub device_drops: u64,
    /// Harness drops reported.
    pub harness_drops: u64,
    /// A timeout.
    pub timeout: bool,
    /// The frame was bad (error flag, empty, wrong size, corrupt).
    pub bad: bool,
    /// Its mean luma, if analysed.
    pub luma_mean: Option<f64>,
    /// The exposure read with it, if any.
    pub exposure: Option<Duration>,
}

/// Builds the per-second rows. Seconds without any event produce rows with zero frames, so a
/// stall shows as a run of empty seconds.
#[derive(Debug, Clone, Default)]
pub struct SeriesBuilder {
    origin: Option<Duration>,
    current: SeriesRow,
    luma_sum: f64,
    luma_n: u64,
}

impl SeriesBuilder {
    /// A builder whose second 0 starts at the first event recorded.
    pub fn new() -> SeriesBuilder {
        SeriesBuilder::default()
    }

    /// Records an event at host time `at`, first closing (and passing to `sink`) every second
    /// that ended before it. Events earlier than the current second count in it.
    pub fn record(&mut self, at: Duration, event: &SeriesEvent, sink: &mut dyn FnMut(&SeriesRow)) {
        let origin = *self.origin.get_or_insert(at);
        let second = at.saturating_sub(origin).as_secs();
        while self.current.second < second {
            self.emit(sink, 1.0);
            self.current = SeriesRow {
                second: self.current.second + 1,
                ..SeriesRow::default()
            };
        }
        let row = &mut self.current;
        row.frames += u64::from(event.frame);
        row.device_drops += event.device_drops;
        row.harness_drops += event.harness_drops;
        row.timeouts += u64::from(event.timeout);
        row.bad_frames += u64::from(event.bad);
        if let Some(luma) = event.luma_mean {
            self.luma_sum += luma;
            self.luma_n += 1;
        }
        if let Some(exposure) = event.exposure {
            row.exposure_ms = Some(exposure.as_secs_f64() * 1e3);
        }
    }

    fn emit(&mut self, sink: &mut dyn FnMut(&SeriesRow), span_s: f64) {
        let mut row = self.current;
        row.fps = if span_s > 0.0 {
            row.frames as f64 / span_s
        } else {
            0.0
        };
        row.luma_mean = (self.luma_n > 0).then(|| self.luma_sum / self.luma_n as f64);
        self.luma_sum = 0.0;
        self.luma_n = 0;
        sink(&row);
    }

    /// Closes the open second at host time `at` (the end of the run) and passes it to `sink`.
    pub fn finish(&mut self, at: Duration, sink: &mut dyn FnMut(&SeriesRow)) {
        let Some(origin) = self.origin else {
            return;
        };
        let elapsed = at.saturating_sub(origin).as_secs_f64();
        let span = (elapsed - self.current.second as f64).clamp(0.0, 1.0);
        self.emit(sink, span);
        self.origin = None;
        self.current = SeriesRow::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_close_per_second_including_empty_ones() {
        let mut rows = Vec::new();
        let mut sink = |r: &SeriesRow| rows.push(*r);
        let mut b = SeriesBuilder::new();
        let frame = SeriesEvent {
            frame: true,
            luma_mean: Some(100.0),
            ..SeriesEvent::default()
        };
        for i in 0..10 {
            b.record(Duration::from_millis(10_000 + i * 100), &frame, &mut sink);
        }
        let dropped = SeriesEvent {
            frame: true,
            device_drops: 2,
            luma_mean: Some(50.0),
            exposure: Some(Duration::from_millis(20)),
            ..SeriesEvent::default()
        };
        b.record(Duration::from_millis(13_200), &dropped, &mut sink);
        b.finish(Duration::from_millis(13_700), &mut sink);
        assert_eq!(rows.len(), 4);
        assert_eq!((rows[0].frames, rows[0].fps), (10, 10.0));
        assert_eq!(rows[0].luma_mean, Some(100.0));
        assert_eq!((rows[1].frames, rows[2].frames), (0, 0));
        assert_eq!(rows[1].luma_mean, None);
        assert_eq!(rows[3].second, 3);
        assert_eq!(rows[3].device_drops, 2);
        assert_eq!(rows[3].exposure_ms, Some(20.0));
        assert!((rows[3].fps - 1.0 / 0.7).abs() < 1e-9);
    }
}
