//! The frame-interval histogram of a soak or monitor stream, written as
//! `series/<ITEM>/sample-<N>/camera-<stream>-intervals.csv` (one row per non-empty bucket: its edges in
//! milliseconds and its count) for the report's camera chart.

use super::series::SeriesError;
use super::StepContext;
use crate::camera::analysis::histogram::DurationHistogram;
use crate::camera::StreamKind;

/// The histogram file's header.
pub const INTERVALS_HEADER: [&str; 3] = ["bin_start_ms", "bin_end_ms", "count"];

/// The series name of `stream`'s histogram (`camera-<stream>-intervals`).
pub fn intervals_name(stream: StreamKind) -> String {
    format!("camera-{}-intervals", stream.name())
}

/// Writes `histogram` as the step's `camera-<stream>-intervals.csv`.
pub fn write_intervals(
    ctx: &StepContext<'_>,
    stream: StreamKind,
    histogram: &DurationHistogram,
) -> Result<(), SeriesError> {
    let mut writer = ctx.series(&intervals_name(stream), &INTERVALS_HEADER)?;
    let ms = |d: std::time::Duration| format!("{:.3}", d.as_secs_f64() * 1e3);
    for bin in histogram.bins() {
        writer.row([ms(bin.from), ms(bin.to), bin.count.to_string()])?;
    }
    writer.sync()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn every_non_empty_bucket_is_a_row_with_its_edges_in_ms() {
        let dir = tempfile::tempdir().unwrap();
        let mut histogram = DurationHistogram::new();
        for _ in 0..29 {
            histogram.record(Duration::from_micros(33_333));
        }
        histogram.record(Duration::from_micros(66_667));
        let clock = crate::clock::SimClock::starting_at(chrono::Utc::now());
        let stop = std::sync::atomic::AtomicBool::new(false);
        let ctx = StepContext {
            clock: &clock,
            series_dir: dir.path(),
            item: "PER-009",
            sample: Some(2),
            stop: &stop,
        };
        write_intervals(&ctx, StreamKind::Ir, &histogram).unwrap();
        let path = dir.path().join("PER-009/sample-2/camera-ir-intervals.csv");
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "bin_start_ms,bin_end_ms,count");
        assert_eq!(lines.len(), 3);
        let row: Vec<f64> = lines[1].split(',').map(|c| c.parse().unwrap()).collect();
        assert!(
            row[0] <= 33.333 && 33.333 < row[1] && row[1] - row[0] < 0.4,
            "{row:?}"
        );
        assert_eq!(row[2], 29.0);
        assert!(lines[2].ends_with(",1"));
    }
}
