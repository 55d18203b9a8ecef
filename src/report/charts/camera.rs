//! The camera chart, up to four panels: frame rate per stream over time, the frame-interval
//! histogram per stream, luma (mean, p5, p95) per stream over time, and the first-frame latency
//! of the open/close cycles. Only panels with data are drawn (a soak has no latency, an
//! open/close step no frame rate), two to a row.

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

/// Histogram bins kept at most from one intervals file.
const MAX_INTERVAL_BINS: usize = 4096;

/// Height of one row of panels, pixels.
const ROW_PX: u32 = 500;

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

/// One histogram of a bar panel: its legend label (none for a single unlabelled one), colour
/// and bars.
#[derive(Debug)]
struct Histogram {
    label: Option<&'static str>,
    color: RGBColor,
    bars: Bars,
}

/// The chart's panels, in drawing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    FrameRate,
    Intervals,
    Luma,
    Latency,
}

/// What the camera chart shows, read from the `camera-*.csv` files of one item.
#[derive(Debug)]
pub(super) struct CameraChart {
    title: String,
    time: TimeAxis,
    x_range: (f64, f64),
    streams: Vec<Stream>,
    intervals: Vec<Histogram>,
    latency: Bars,
    notes: Vec<String>,
}

/// The interval histogram files: one per stream (`camera-<stream>-intervals.csv`, as the
/// runner writes them) and one for all streams together (`camera-intervals.csv`).
fn interval_files(dir: &Path) -> Vec<(&'static str, RGBColor, std::path::PathBuf)> {
    STREAMS
        .iter()
        .map(|&(name, color)| {
            (
                name,
                color,
                dir.join(format!("camera-{name}-intervals.csv")),
            )
        })
        .chain([("all streams", PALETTE[0], dir.join("camera-intervals.csv"))])
        .filter(|(_, _, path)| path.is_file())
        .collect()
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
        let interval_files = interval_files(dir);
        if stream_files.is_empty() && !cycles.is_file() && interval_files.is_empty() {
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
        let mut intervals = Vec::new();
        let single = interval_files.len() == 1;
        for (label, color, path) in interval_files {
            let (bars, scanned) = read_intervals(&path)?;
            notes.extend(scanned.malformed_note());
            intervals.push(Histogram {
                label: (!single).then_some(label),
                color,
                bars,
            });
        }
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
        let rows = self.panels().len().div_ceil(2).max(1) as u32;
        (1400, height_with_footer(ROW_PX * rows, self.notes.len()))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = with_footer(root, &self.notes)?;
        let body = with_title(&body, &self.title)?;
        let panels = self.panels();
        if panels.is_empty() {
            return no_data(&body, "Camera", "no camera figures recorded");
        }
        let rows = body.split_evenly((panels.len().div_ceil(2), 1));
        for (row, in_row) in rows.iter().zip(panels.chunks(2)) {
            let cells = row.split_evenly((1, in_row.len()));
            for (cell, &panel) in cells.iter().zip(in_row) {
                self.draw_panel(cell, panel)?;
            }
        }
        Ok(())
    }
}

impl CameraChart {
    /// The panels that have something to show.
    fn panels(&self) -> Vec<Panel> {
        let has_fps = self.fps_range().is_some();
        let has_intervals = self.intervals.iter().any(|h| !h.bars.is_empty());
        let has_luma = self.luma_range().is_some();
        let has_latency = !self.latency.is_empty();
        [
            (Panel::FrameRate, has_fps),
            (Panel::Intervals, has_intervals),
            (Panel::Luma, has_luma),
            (Panel::Latency, has_latency),
        ]
        .into_iter()
        .filter_map(|(panel, has)| has.then_some(panel))
        .collect()
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: Panel,
    ) -> Result<(), String> {
        match panel {
            Panel::FrameRate => self.draw_fps(area),
            Panel::Intervals => draw_bars(
                area,
                "Frame intervals (log count: rare long gaps stay visible)",
                "interval / ms",
                &self.intervals,
                true,
            ),
            Panel::Luma => self.draw_luma(area),
            Panel::Latency => draw_bars(
                area,
                "First-frame latency per open/close cycle",
                "latency / ms",
                &[Histogram {
                    label: None,
                    color: PALETTE[1],
                    bars: self.latency.clone(),
                }],
                false,
            ),
        }
    }

    fn fps_range(&self) -> Option<(f64, f64)> {
        union(self.streams.iter().map(|s| s.fps.y_range))
    }

    fn luma_range(&self) -> Option<(f64, f64)> {
        union(
            self.streams
                .iter()
                .flat_map(|s| s.luma.iter().map(|t| t.y_range)),
        )
    }

    fn x(&self) -> std::ops::Range<f64> {
        time_range(self.x_range, self.time.seconds)
    }

    fn draw_fps<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let Some((lo, hi)) = self.fps_range() else {
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
        let Some((lo, hi)) = self.luma_range() else {
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

/// A histogram panel, one colour per histogram (translucent, so overlaps show, with a legend
/// when they are labelled); with `log`, the count axis is logarithmic.
fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    histograms: &[Histogram],
    log: bool,
) -> Result<(), String> {
    let all = || histograms.iter().flat_map(|h| h.bars.iter());
    let (Some(lo), Some(hi), Some(top)) = (
        all().map(|b| b.0).reduce(f64::min),
        all().map(|b| b.1).reduce(f64::max),
        all().map(|b| b.2).max(),
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
    let alpha = if histograms.len() > 1 { 0.55 } else { 0.8 };
    if log {
        let mut chart = builder
            .build_cartesian_2d(padded(lo, hi), (0.5f64..top * 2.0).log_scale())
            .map_err(text_error)?;
        bar_mesh(&mut chart.configure_mesh(), x_desc, "count (log)")?;
        for h in histograms {
            let drawn = chart
                .draw_series(bar_shapes(&h.bars, 0.5, h.color.mix(alpha)))
                .map_err(text_error)?;
            if let Some(label) = h.label {
                let color = h.color;
                drawn.label(label).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled())
                });
            }
        }
        if histograms.iter().any(|h| h.label.is_some()) {
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
    } else {
        let mut chart = builder
            .build_cartesian_2d(padded(lo, hi), 0.0..top * 1.1)
            .map_err(text_error)?;
        bar_mesh(&mut chart.configure_mesh(), x_desc, "count")?;
        for h in histograms {
            chart
                .draw_series(bar_shapes(&h.bars, 0.0, h.color.mix(alpha)))
                .map_err(text_error)?;
        }
    }
    Ok(())
}

fn bar_shapes(
    bars: &Bars,
    base: f64,
    color: RGBAColor,
) -> impl Iterator<Item = Rectangle<(f64, f64)>> + '_ {
    bars.iter().map(move |&(start, end, count)| {
        Rectangle::new([(start, base), (end, count as f64)], color.filled())
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
