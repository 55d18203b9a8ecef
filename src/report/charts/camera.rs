//! The camera chart, four panels: frame rate per stream over time, the frame-interval
//! histogram, luma (mean, p5, p95) per stream over time, and the first-frame latency of the
//! open/close cycles.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{
    draw_trace, font, height_with_footer, legend, no_data, padded, panel, text_error, tick,
    time_range, union, with_footer, with_title, Figure, TimeAxis, LABEL_PX, PALETTE, SMALL_PX,
};
use super::series::{
    extent_hint, header, scan, scan_with_extent, with_extent, x_extent, Columns, FinishedTrace,
    Scan, Trace,
};
use super::PLOT_COLUMNS;

/// The streams, in drawing order, with their colours.
pub(super) const STREAMS: [(&str, RGBColor); 3] = [
    ("rgb", PALETTE[3]),
    ("ir", PALETTE[4]),
    ("depth", PALETTE[9]),
];

/// Histogram bins kept at most from `camera-intervals.csv`.
const MAX_INTERVAL_BINS: usize = 4096;

/// Bins of the first-frame latency histogram.
const LATENCY_BINS: usize = 30;

/// Counters summed per stream: device drops, harness drops, stalls, error frames.
const COUNTERS: [&str; 4] = ["device_drops", "harness_drops", "stalls", "error_frames"];

/// One stream's per-second series.
#[derive(Debug)]
struct Stream {
    name: &'static str,
    color: RGBColor,
    fps: FinishedTrace,
    luma: [FinishedTrace; 3],
    totals: [f64; 4],
}

/// Histogram bars: (start, end, count).
type Bars = Vec<(f64, f64, u64)>;

/// What the camera chart shows, read from the `camera-*.csv` files of one item.
#[derive(Debug)]
pub(super) struct CameraChart {
    title: String,
    time: TimeAxis,
    x_range: (f64, f64),
    streams: Vec<Stream>,
    intervals: Bars,
    latency: Bars,
    notes: Vec<String>,
}

impl CameraChart {
    /// Reads the camera files in `dir`; `Ok(None)` when there is none.
    pub(super) fn read(dir: &Path, title: String) -> Result<Option<CameraChart>, String> {
        let stream_files: Vec<_> = STREAMS
            .iter()
            .map(|&(name, color)| (name, color, dir.join(format!("camera-{name}.csv"))))
            .filter(|(_, _, path)| path.is_file())
            .collect();
        let cycles = dir.join("camera-cycles.csv");
        let intervals = dir.join("camera-intervals.csv");
        if stream_files.is_empty() && !cycles.is_file() && !intervals.is_file() {
            return Ok(None);
        }
        let mut guesses = Vec::new();
        for (_, _, path) in &stream_files {
            let head = header(path)?;
            guesses.push(extent_hint(path, head.require(path, "elapsed_s")?)?);
        }
        let (read, extent) = with_extent(union(guesses), |extent| {
            let (start, end) = extent.unwrap_or((0.0, 1.0));
            let columns = Columns::new(start, end, PLOT_COLUMNS);
            let read = stream_files
                .iter()
                .map(|(name, color, path)| read_stream(path, name, *color, columns))
                .collect::<Result<Vec<_>, String>>()?;
            let found = union(read.iter().map(|(_, scanned)| scanned.extent));
            Ok((read, found))
        })?;
        let (start, end) = extent.unwrap_or((0.0, 1.0));
        let mut notes = Vec::new();
        let mut streams = Vec::new();
        for (stream, scanned) in read {
            let [device, harness, stalls, errors] = stream.totals;
            notes.push(format!(
                "{}: {} s logged, {device} device drops, {harness} harness drops, \
                 {stalls} stalls, {errors} error frames",
                stream.name, scanned.rows
            ));
            notes.extend(scanned.malformed_note());
            streams.push(stream);
        }
        let intervals = if intervals.is_file() {
            let (bars, scanned) = read_intervals(&intervals)?;
            notes.extend(scanned.malformed_note());
            bars
        } else {
            Vec::new()
        };
        let latency = if cycles.is_file() {
            let (bars, summary) = read_latency(&cycles)?;
            notes.push(summary);
            bars
        } else {
            Vec::new()
        };
        Ok(Some(CameraChart {
            title,
            time: TimeAxis::for_span(end - start),
            x_range: (start, end),
            streams,
            intervals,
            latency,
            notes,
        }))
    }

    /// The caption lines under the chart.
    pub(super) fn notes(&self) -> &[String] {
        &self.notes
    }
}

fn read_stream(
    path: &Path,
    name: &'static str,
    color: RGBColor,
    columns: Columns,
) -> Result<(Stream, Scan), String> {
    let head = header(path)?;
    let elapsed = head.require(path, "elapsed_s")?;
    let fps_col = head.require(path, "fps")?;
    let luma_cols = [
        head.find("luma_mean"),
        head.find("luma_p5"),
        head.find("luma_p95"),
    ];
    let counter_cols = COUNTERS.map(|c| head.find(c));
    let mut fps = Trace::new(columns);
    let mut luma = [
        Trace::new(columns),
        Trace::new(columns),
        Trace::new(columns),
    ];
    let mut totals = [0.0; 4];
    let scanned = scan_with_extent(path, elapsed, |row| {
        let x = row
            .number(elapsed)?
            .ok_or_else(|| "elapsed_s: empty".to_string())?;
        let optional = |index: Option<usize>| index.map_or(Ok(None), |i| row.number(i));
        let rate = row.number(fps_col)?;
        let lumas = [
            optional(luma_cols[0])?,
            optional(luma_cols[1])?,
            optional(luma_cols[2])?,
        ];
        let mut counts = [None; 4];
        for (count, col) in counts.iter_mut().zip(counter_cols) {
            *count = optional(col)?;
        }
        fps.push(x, rate);
        for (trace, value) in luma.iter_mut().zip(lumas) {
            trace.push(x, value);
        }
        for (total, count) in totals.iter_mut().zip(counts) {
            *total += count.unwrap_or(0.0);
        }
        Ok(())
    })?;
    let stream = Stream {
        name,
        color,
        fps: fps.finish(),
        luma: luma.map(Trace::finish),
        totals,
    };
    Ok((stream, scanned))
}

fn read_intervals(path: &Path) -> Result<(Bars, Scan), String> {
    let head = header(path)?;
    let start = head.require(path, "bin_start_ms")?;
    let end = head.require(path, "bin_end_ms")?;
    let count = head.require(path, "count")?;
    let mut bars = Vec::new();
    let scanned = scan(path, |row| {
        let (Some(s), Some(e), Some(c)) =
            (row.number(start)?, row.number(end)?, row.number(count)?)
        else {
            return Err("empty field".to_string());
        };
        if e <= s || c < 0.0 {
            return Err(format!("bin {s}..{e} with count {c}"));
        }
        if c > 0.0 && bars.len() < MAX_INTERVAL_BINS {
            bars.push((s, e, c.round() as u64));
        }
        Ok(())
    })?;
    Ok((bars, scanned))
}

/// The latency histogram and its caption line.
fn read_latency(path: &Path) -> Result<(Bars, String), String> {
    let head = header(path)?;
    let first = head.require(path, "first_frame_ms")?;
    let error = head.find("error");
    // Latencies come in no order, so the bins' range takes a pass of its own (one row per
    // open/close cycle: a small file).
    let Some((lo, hi)) = x_extent(path, first)? else {
        return Ok((
            Vec::new(),
            "cycles: no first-frame latency recorded".to_string(),
        ));
    };
    let bins = Columns::new(lo, hi, LATENCY_BINS);
    let mut counts = vec![0u64; bins.count()];
    let (mut failed, mut sum) = (0u64, 0.0);
    let scanned = scan(path, |row| {
        let latency = row.number(first)?;
        let failure = error.is_some_and(|i| !row.text(i).is_empty());
        match latency {
            Some(ms) if !failure => {
                if let Some(count) = counts.get_mut(bins.of(ms)) {
                    *count += 1;
                }
                sum += ms;
            }
            _ => failed += 1,
        }
        Ok(())
    })?;
    let ok = scanned.rows.saturating_sub(failed);
    let mut summary = format!(
        "{} cycles: {failed} without a first frame; first frame {lo:.0}–{hi:.0} ms",
        scanned.rows
    );
    if ok > 0 {
        summary.push_str(&format!(", mean {:.0} ms", sum / ok as f64));
    }
    if let Some(note) = scanned.malformed_note() {
        summary.push_str(&format!("; {note}"));
    }
    let bars = (0..bins.count())
        .zip(counts)
        .filter(|(_, c)| *c > 0)
        .map(|(i, c)| {
            let start = lo + bins.width() * i as f64;
            (start, start + bins.width(), c)
        })
        .collect();
    Ok((bars, summary))
}

impl Figure for CameraChart {
    fn size(&self) -> (u32, u32) {
        (1400, height_with_footer(1000, self.notes.len()))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = with_footer(root, &self.notes)?;
        let body = with_title(&body, &self.title)?;
        let panels = body.split_evenly((2, 2));
        let [fps, intervals, luma, latency] = panels.as_slice() else {
            return Err("could not split the camera chart into four panels".to_string());
        };
        self.draw_fps(fps)?;
        let interval_title = "Frame intervals (log count: rare long gaps stay visible)";
        draw_bars(
            intervals,
            interval_title,
            "interval / ms",
            &self.intervals,
            PALETTE[0],
            true,
        )?;
        self.draw_luma(luma)?;
        let latency_title = "First-frame latency per open/close cycle";
        draw_bars(
            latency,
            latency_title,
            "latency / ms",
            &self.latency,
            PALETTE[1],
            false,
        )
    }
}

impl CameraChart {
    fn x(&self) -> std::ops::Range<f64> {
        time_range(self.x_range, self.time.seconds)
    }

    fn draw_fps<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let Some((lo, hi)) = union(self.streams.iter().map(|s| s.fps.y_range)) else {
            return no_data(area, "Frame rate", "no per-second camera series");
        };
        let mut chart = panel(
            area,
            "Frame rate",
            self.x(),
            padded(lo.min(0.0), hi),
            self.time.label,
            "frames / s",
        )?;
        for stream in &self.streams {
            let style = stream.color.stroke_width(2);
            draw_trace(
                &mut chart,
                &stream.fps,
                self.time.seconds,
                style,
                Some(stream.name),
            )?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    }

    fn draw_luma<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let ranges = self
            .streams
            .iter()
            .flat_map(|s| s.luma.iter().map(|t| t.y_range));
        let Some((lo, hi)) = union(ranges) else {
            return no_data(area, "Luma", "no luma recorded");
        };
        let mut chart = panel(
            area,
            "Luma: mean (thick), p5 and p95 (thin)",
            self.x(),
            padded(lo, hi),
            self.time.label,
            "luma / 0–255",
        )?;
        for stream in &self.streams {
            let [mean, p5, p95] = &stream.luma;
            let thin = stream.color.mix(0.6).stroke_width(1);
            draw_trace(&mut chart, p5, self.time.seconds, thin, None)?;
            draw_trace(&mut chart, p95, self.time.seconds, thin, None)?;
            let label = format!("{} mean", stream.name);
            draw_trace(
                &mut chart,
                mean,
                self.time.seconds,
                stream.color.stroke_width(2),
                Some(&label),
            )?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}

/// A histogram panel; with `log`, the count axis is logarithmic.
fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    bars: &Bars,
    color: RGBColor,
    log: bool,
) -> Result<(), String> {
    let (Some(lo), Some(hi), Some(top)) = (
        bars.iter().map(|b| b.0).reduce(f64::min),
        bars.iter().map(|b| b.1).reduce(f64::max),
        bars.iter().map(|b| b.2).max(),
    ) else {
        return no_data(area, title, "nothing recorded");
    };
    let top = top as f64;
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(title, font(LABEL_PX + 2))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(72);
    if log {
        let mut chart = builder
            .build_cartesian_2d(padded(lo, hi), (0.5f64..top * 2.0).log_scale())
            .map_err(text_error)?;
        bar_mesh(&mut chart.configure_mesh(), x_desc, "count (log)")?;
        chart
            .draw_series(bar_shapes(bars, 0.5, color))
            .map_err(text_error)?;
    } else {
        let mut chart = builder
            .build_cartesian_2d(padded(lo, hi), 0.0..top * 1.1)
            .map_err(text_error)?;
        bar_mesh(&mut chart.configure_mesh(), x_desc, "count")?;
        chart
            .draw_series(bar_shapes(bars, 0.0, color))
            .map_err(text_error)?;
    }
    Ok(())
}

fn bar_shapes(
    bars: &Bars,
    base: f64,
    color: RGBColor,
) -> impl Iterator<Item = Rectangle<(f64, f64)>> + '_ {
    bars.iter().map(move |&(start, end, count)| {
        Rectangle::new(
            [(start, base), (end, count as f64)],
            color.mix(0.8).filled(),
        )
    })
}

fn bar_mesh<X, Y, DB>(
    mesh: &mut plotters::chart::MeshStyle<'_, '_, X, Y, DB>,
    x_desc: &str,
    y_desc: &str,
) -> Result<(), String>
where
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>
        + plotters::coord::ranged1d::ValueFormatter<f64>,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>
        + plotters::coord::ranged1d::ValueFormatter<f64>,
    DB: DrawingBackend,
{
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style(font(SMALL_PX))
        .axis_desc_style(font(LABEL_PX))
        .max_light_lines(4)
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(text_error)
}
