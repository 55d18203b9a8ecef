//! Per-second series rows (frames, fps, drops, stalls, bad frames, luma, exposure), built in
//! O(1) memory and handed to a sink as each second of host time closes, so a runner can stream
//! them to CSV during a 72 h soak.

use std::time::Duration;

/// One row of the per-second series.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeriesRow {
    /// Start of the second, host clock time since the series origin, in whole seconds.
    pub second: u64,
    /// Host time the row covers: one second, except for a trailing partial second (the run
    /// ended inside it).
    pub span: Duration,
    /// Frames received in this second.
    pub frames: u64,
    /// Frames per second received: the frame count of a complete second; `None` for a trailing
    /// partial second (see [`SeriesBuilder::finish`]).
    pub fps: Option<f64>,
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

const SECOND: Duration = Duration::from_secs(1);

/// Builds the per-second rows. Seconds without any event produce rows with zero frames, so a
/// stall shows as a run of empty seconds.
#[derive(Debug, Clone, Default)]
pub struct SeriesBuilder {
    origin: Option<Duration>,
    current: SeriesRow,
    /// Whether an event fell into the open row.
    touched: bool,
    luma_sum: f64,
    luma_n: u64,
}

impl SeriesBuilder {
    /// A builder whose second 0 starts at the first event recorded.
    pub fn new() -> SeriesBuilder {
        SeriesBuilder::default()
    }

    /// A builder whose second 0 starts at host time `origin` (e.g. when a soak began, so a
    /// soak of whole seconds gives whole rows, the camera's start-up included in row 0).
    pub fn starting_at(origin: Duration) -> SeriesBuilder {
        SeriesBuilder {
            origin: Some(origin),
            ..SeriesBuilder::default()
        }
    }

    /// Records an event at host time `at`, first closing (and passing to `sink`) every second
    /// that ended before it. Events earlier than the current second count in it.
    pub fn record(&mut self, at: Duration, event: &SeriesEvent, sink: &mut dyn FnMut(&SeriesRow)) {
        let origin = *self.origin.get_or_insert(at);
        let second = at.saturating_sub(origin).as_secs();
        while self.current.second < second {
            self.close_full_second(sink);
        }
        self.touched = true;
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

    /// Passes the open row, a complete second, to `sink` and opens the next one.
    fn close_full_second(&mut self, sink: &mut dyn FnMut(&SeriesRow)) {
        self.current.fps = Some(self.current.frames as f64);
        self.emit(sink, SECOND);
        self.current = SeriesRow {
            second: self.current.second + 1,
            ..SeriesRow::default()
        };
    }

    fn emit(&mut self, sink: &mut dyn FnMut(&SeriesRow), span: Duration) {
        let mut row = self.current;
        row.span = span;
        row.luma_mean = (self.luma_n > 0).then(|| self.luma_sum / self.luma_n as f64);
        self.luma_sum = 0.0;
        self.luma_n = 0;
        self.touched = false;
        sink(&row);
    }

    /// Ends the series at host time `at` (the end of the run): passes every second that ended
    /// by then to `sink` (empty ones included), then the trailing partial second, if the run
    /// ended inside one (or an event fell on its very start).
    ///
    /// A trailing partial second keeps its counts (drops, stalls, bad frames happened and stay
    /// in the series) but gets no frame rate: it is left out rather than counted over the
    /// fraction of a second it covers, because a frame count over a fraction is no rate: one
    /// frame more or less, depending only on where the run stopped between two frames, moves
    /// it by 1/span fps (over 3 % at 30 fps even for 0.9 s), where the judged tolerance is 5 %;
    /// and counted as a whole second it reads as a drop to a fraction of the real rate. The
    /// complete seconds before it already give the rate.
    pub fn finish(&mut self, at: Duration, sink: &mut dyn FnMut(&SeriesRow)) {
        let Some(origin) = self.origin else {
            return;
        };
        let elapsed = at.saturating_sub(origin);
        while elapsed.as_secs() > self.current.second {
            self.close_full_second(sink);
        }
        let span = elapsed.saturating_sub(Duration::from_secs(self.current.second));
        if !span.is_zero() || self.touched {
            self.current.fps = None;
            self.emit(sink, span);
        }
        *self = SeriesBuilder::default();
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
        assert_eq!(rows[0].frames, 10);
        assert_eq!(rows[0].luma_mean, Some(100.0));
        assert_eq!((rows[1].frames, rows[2].frames), (0, 0));
        assert_eq!(rows[1].luma_mean, None);
        assert_eq!(rows[3].second, 3);
        assert_eq!(rows[3].device_drops, 2);
        assert_eq!(rows[3].exposure_ms, Some(20.0));
        assert_eq!(rows[0].fps, Some(10.0));
        assert_eq!(rows[1].fps, Some(0.0));
        // The run ended 0.7 s into second 3: its drop stays, its rate is left out.
        assert_eq!(rows[3].fps, None);
        assert_eq!(rows[3].span, Duration::from_millis(700));
    }

    fn frames_at(b: &mut SeriesBuilder, times: impl Iterator<Item = Duration>) -> Vec<SeriesRow> {
        let mut rows = Vec::new();
        let frame = SeriesEvent {
            frame: true,
            ..SeriesEvent::default()
        };
        for at in times {
            b.record(at, &frame, &mut |r: &SeriesRow| rows.push(*r));
        }
        rows
    }

    #[test]
    fn whole_seconds_of_a_steady_stream_give_its_exact_rate_and_no_trailing_row() {
        // 30 fps for 5 s from an origin at 100 s, frames due at origin + k/30, k < 150.
        let origin = Duration::from_secs(100);
        let mut b = SeriesBuilder::starting_at(origin);
        let mut rows = frames_at(
            &mut b,
            (0..150u64).map(|k| origin + Duration::from_nanos(k * 1_000_000_000 / 30)),
        );
        b.finish(origin + Duration::from_secs(5), &mut |r| rows.push(*r));
        assert_eq!(rows.len(), 5);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.second, i as u64);
            assert_eq!((row.frames, row.fps), (30, Some(30.0)));
            assert_eq!(row.span, Duration::from_secs(1));
        }
    }

    #[test]
    fn a_late_first_frame_and_trailing_silence_still_give_every_second() {
        // Origin at 0, first frame at 0.5 s, frames each 0.1 s until 2.0 s, run ends at 4.25 s.
        let mut b = SeriesBuilder::starting_at(Duration::ZERO);
        let mut rows = frames_at(&mut b, (5..20u64).map(|k| Duration::from_millis(k * 100)));
        b.finish(Duration::from_millis(4_250), &mut |r| rows.push(*r));
        let fps: Vec<Option<f64>> = rows.iter().map(|r| r.fps).collect();
        assert_eq!(fps, [Some(5.0), Some(10.0), Some(0.0), Some(0.0), None]);
        assert_eq!(rows[4].span, Duration::from_millis(250));
    }

    #[test]
    fn an_event_on_the_last_instant_keeps_its_row_without_a_rate() {
        let mut b = SeriesBuilder::starting_at(Duration::ZERO);
        let mut rows = Vec::new();
        let stall = SeriesEvent {
            timeout: true,
            ..SeriesEvent::default()
        };
        b.record(Duration::from_secs(2), &stall, &mut |r| rows.push(*r));
        b.finish(Duration::from_secs(2), &mut |r| rows.push(*r));
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[2].timeouts, rows[2].fps), (1, None));
        assert!(rows[2].span.is_zero());
    }

    #[test]
    fn nothing_recorded_and_no_origin_gives_no_rows() {
        let mut rows = Vec::new();
        SeriesBuilder::new().finish(Duration::from_secs(9), &mut |r| rows.push(*r));
        assert!(rows.is_empty());
    }
}
