//! Drawing shared by every chart: the PNG and SVG output of one figure, panels with axes,
//! decimated lines, shaded spans, vertical markers, dashed limits and the caption footer.

use std::ops::Range;
use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::fonts::{chart_font, FAMILY};
use super::series::FinishedTrace;
use crate::report::ReportError;

/// A cartesian panel with f64 axes.
pub(super) type Panel<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Line colours, distinguishable in print and for the common colour-vision deficiencies.
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Colour of gap and dropout marks.
pub(super) const GAP_COLOR: RGBColor = RGBColor(220, 50, 47);

/// Text sizes in pixels.
pub(super) const TITLE_PX: u32 = 26;
pub(super) const LABEL_PX: u32 = 17;
pub(super) const SMALL_PX: u32 = 15;

/// Height of one caption line below a figure.
const FOOTER_LINE_PX: u32 = 22;

/// A chart that draws itself on any plotters backend.
pub(super) trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws onto `root`, which is already white.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Why a figure was not written.
#[derive(Debug)]
pub(super) enum RenderError {
    /// plotters could not draw it (the message says why).
    Draw(String),
    /// The file could not be written.
    Write(ReportError),
}

/// Draws `figure` into `png` and `svg`.
pub(super) fn render(figure: &impl Figure, png: &Path, svg: &Path) -> Result<(), RenderError> {
    render_png(figure, png)?;
    let (width, height) = figure.size();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        figure.draw(&root).map_err(RenderError::Draw)?;
        root.present().map_err(draw_error)?;
    }
    std::fs::write(svg, text).map_err(|e| RenderError::Write(ReportError::io(svg, e)))
}

/// Draws `figure` into `png` alone.
pub(super) fn render_png(figure: &impl Figure, png: &Path) -> Result<(), RenderError> {
    chart_font().map_err(RenderError::Draw)?;
    let (width, height) = figure.size();
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        figure.draw(&root).map_err(RenderError::Draw)?;
        root.present().map_err(draw_error)?;
    }
    let image = image::RgbImage::from_raw(width, height, pixels)
        .ok_or_else(|| RenderError::Draw("pixel buffer has the wrong size".to_string()))?;
    image
        .save_with_format(png, image::ImageFormat::Png)
        .map_err(|e| match e {
            image::ImageError::IoError(io) => RenderError::Write(ReportError::io(png, io)),
            other => RenderError::Draw(format!("{}: {other}", png.display())),
        })
}

fn draw_error(e: impl std::fmt::Display) -> RenderError {
    RenderError::Draw(e.to_string())
}

/// Turns any plotters error into text.
pub(super) fn text_error(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A text style of the chart font.
pub(super) fn font(px: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, px).into_font()).color(&BLACK)
}

/// How elapsed seconds are shown on an x axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TimeAxis {
    /// Seconds per axis unit.
    pub(super) seconds: f64,
    /// Axis description.
    pub(super) label: &'static str,
}

impl TimeAxis {
    /// Hours, as chamber and thermal charts use.
    pub(super) const HOURS: TimeAxis = TimeAxis {
        seconds: 3600.0,
        label: "elapsed / h",
    };

    /// Seconds, minutes or hours, whichever suits a span of `span_s` seconds.
    pub(super) fn for_span(span_s: f64) -> TimeAxis {
        if span_s <= 600.0 {
            TimeAxis {
                seconds: 1.0,
                label: "elapsed / s",
            }
        } else if span_s <= 3.0 * 3600.0 {
            TimeAxis {
                seconds: 60.0,
                label: "elapsed / min",
            }
        } else {
            TimeAxis::HOURS
        }
    }
}

/// The axis range of elapsed seconds `start..end` in units of `seconds` (never empty).
pub(super) fn time_range((start, end): (f64, f64), seconds: f64) -> Range<f64> {
    let (lo, hi) = (start / seconds, end / seconds);
    if hi - lo <= f64::EPSILON {
        lo..lo + 1.0
    } else {
        lo..hi
    }
}

/// `lo..hi` widened by 5 % on each side (and to a unit span when flat).
pub(super) fn padded(lo: f64, hi: f64) -> Range<f64> {
    let span = hi - lo;
    if !(span.is_finite()) || span <= f64::EPSILON {
        return (lo - 1.0)..(hi + 1.0);
    }
    (lo - span * 0.05)..(hi + span * 0.05)
}

/// The union of optional ranges.
pub(super) fn union(ranges: impl IntoIterator<Item = Option<(f64, f64)>>) -> Option<(f64, f64)> {
    ranges
        .into_iter()
        .flatten()
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
}

/// An axis tick as people write it: `1`, `2.5`, `-10`.
pub(super) fn tick(value: &f64) -> String {
    crate::report::row::number(*value)
}

/// A panel with a title, mesh and axis descriptions.
pub(super) fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    x: Range<f64>,
    y: Range<f64>,
    x_desc: &str,
    y_desc: &str,
) -> Result<Panel<'a, DB>, String> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(LABEL_PX + 2))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)
        .map_err(text_error)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style(font(SMALL_PX))
        .axis_desc_style(font(LABEL_PX))
        .max_light_lines(4)
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()
        .map_err(text_error)?;
    Ok(chart)
}

/// Draws a decimated line; isolated single points become small dots. Adds a legend entry when
/// `label` is given.
///
/// plotters' wide-line rasteriser draws a spike to the image edge where a line steps zero
/// pixels or turns back on itself, which min/max decimation does all the time. So points on the
/// same pixel as the previous one are dropped, and the line is split into separate pieces at
/// every turn sharper than 120°.
pub(super) fn draw_trace<DB: DrawingBackend>(
    chart: &mut Panel<'_, DB>,
    trace: &FinishedTrace,
    x_scale: f64,
    style: ShapeStyle,
    label: Option<&str>,
) -> Result<(), String> {
    let mut labelled = false;
    for segment in &trace.segments {
        let mut pixels: Vec<Placed> = Vec::with_capacity(segment.len());
        for &(x, y) in segment {
            let point = (x / x_scale, y);
            let px = chart.backend_coord(&point);
            if pixels.last().map(|l| l.1) != Some(px) {
                pixels.push((point, px));
            }
        }
        let pieces = split_at_sharp_turns(&pixels);
        let drawn = if pixels.len() == 1 {
            chart
                .draw_series(pixels.iter().map(|p| Circle::new(p.0, 2, style.filled())))
                .map_err(text_error)?
        } else {
            chart
                .draw_series(
                    pieces
                        .into_iter()
                        .map(|piece| PathElement::new(piece, style)),
                )
                .map_err(text_error)?
        };
        if let (Some(label), false) = (label, labelled) {
            drawn
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            labelled = true;
        }
    }
    Ok(())
}

/// A data point and the pixel it lands on.
type Placed = ((f64, f64), (i32, i32));

/// Splits a pixel path into pieces wherever it turns by more than 120°; the turning point ends
/// one piece and starts the next.
fn split_at_sharp_turns(pixels: &[Placed]) -> Vec<Vec<(f64, f64)>> {
    let mut pieces = Vec::new();
    let mut piece: Vec<(f64, f64)> = Vec::new();
    for (index, &(point, px)) in pixels.iter().enumerate() {
        piece.push(point);
        let (Some(before), Some(after)) = (
            index.checked_sub(1).and_then(|i| pixels.get(i)),
            pixels.get(index + 1),
        ) else {
            continue;
        };
        let a = (f64::from(px.0 - before.1 .0), f64::from(px.1 - before.1 .1));
        let b = (f64::from(after.1 .0 - px.0), f64::from(after.1 .1 - px.1));
        let cos = (a.0 * b.0 + a.1 * b.1) / ((a.0.hypot(a.1)) * (b.0.hypot(b.1)));
        if cos < -0.5 {
            pieces.push(std::mem::replace(&mut piece, vec![point]));
        }
    }
    if piece.len() > 1 {
        pieces.push(piece);
    }
    pieces
}

/// Shades x spans over the full height of the panel.
pub(super) fn shade_spans<DB: DrawingBackend>(
    chart: &mut Panel<'_, DB>,
    spans: &[(f64, f64)],
    x_scale: f64,
    color: RGBAColor,
) -> Result<(), String> {
    let y = chart.y_range();
    chart
        .draw_series(spans.iter().map(|&(start, end)| {
            Rectangle::new(
                [(start / x_scale, y.start), (end / x_scale, y.end)],
                color.filled(),
            )
        }))
        .map_err(text_error)?;
    Ok(())
}

/// A dashed horizontal line across the panel at `y`.
pub(super) fn dashed_level<DB: DrawingBackend>(
    chart: &mut Panel<'_, DB>,
    y: f64,
    style: ShapeStyle,
) -> Result<(), String> {
    let x = chart.x_range();
    chart
        .draw_series(DashedLineSeries::new(
            [(x.start, y), (x.end, y)],
            10,
            6,
            style,
        ))
        .map_err(text_error)?;
    Ok(())
}

/// Vertical lines at `marks` (x, label); with `labelled`, labels closer than `min_gap_px` to
/// the previous shown label are left out so they never overlap. Returns how many labels were
/// left out.
pub(super) fn vertical_marks<DB: DrawingBackend>(
    chart: &mut Panel<'_, DB>,
    marks: &[(f64, String)],
    x_scale: f64,
    labelled: bool,
    min_gap_px: i32,
) -> Result<usize, String> {
    let y = chart.y_range();
    let line = RGBColor(110, 110, 110).stroke_width(1);
    chart
        .draw_series(marks.iter().map(|(x, _)| {
            PathElement::new(vec![(x / x_scale, y.start), (x / x_scale, y.end)], line)
        }))
        .map_err(text_error)?;
    if !labelled {
        return Ok(0);
    }
    let mut last_px: Option<i32> = None;
    let mut hidden = 0;
    let label_style = font(SMALL_PX).color(&RGBColor(60, 60, 60));
    let mut shown = Vec::new();
    for (x, label) in marks {
        let px = chart.backend_coord(&(x / x_scale, y.end)).0;
        if last_px.is_some_and(|last| px - last < min_gap_px) {
            hidden += 1;
            continue;
        }
        last_px = Some(px);
        shown.push(Text::new(
            format!(" {label}"),
            (x / x_scale, y.end - (y.end - y.start) * 0.01),
            label_style.clone(),
        ));
    }
    chart.draw_series(shown).map_err(text_error)?;
    Ok(hidden)
}

/// Draws the legend box at `position` (on any coordinates: linear, logarithmic).
pub(super) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(font(SMALL_PX))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .draw()
        .map_err(text_error)
}

/// Splits off a footer of caption lines at the bottom of `root`, draws the lines into it and
/// returns the area above.
pub(super) fn with_footer<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lines: &[String],
) -> Result<DrawingArea<DB, Shift>, String> {
    if lines.is_empty() {
        return Ok(root.clone());
    }
    let height = root.dim_in_pixel().1;
    let footer_px = FOOTER_LINE_PX * lines.len() as u32 + 10;
    let (upper, footer) = root.split_vertically(height.saturating_sub(footer_px));
    for (row, line) in (0i32..).zip(lines) {
        footer
            .draw_text(
                line,
                &font(SMALL_PX).color(&RGBColor(70, 70, 70)),
                (16, 4 + row * FOOTER_LINE_PX as i32),
            )
            .map_err(text_error)?;
    }
    Ok(upper)
}

/// The pixel height a figure needs for `lines` footer lines on top of `body_px`.
pub(super) fn height_with_footer(body_px: u32, lines: usize) -> u32 {
    if lines == 0 {
        body_px
    } else {
        body_px + FOOTER_LINE_PX * lines as u32 + 10
    }
}

/// Splits a title band off the top of `root` and draws `title` in it.
pub(super) fn with_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    root.titled(title, font(TITLE_PX)).map_err(text_error)
}

/// An empty panel saying there is nothing to show.
pub(super) fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    message: &str,
) -> Result<(), String> {
    let area = area.titled(title, font(LABEL_PX + 2)).map_err(text_error)?;
    let (w, h) = area.dim_in_pixel();
    area.draw_text(
        message,
        &font(LABEL_PX).color(&RGBColor(120, 120, 120)),
        (w as i32 / 2 - 120, h as i32 / 2),
    )
    .map_err(text_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_split_where_it_turns_back() {
        let path = |points: &[(i32, i32)]| -> Vec<Placed> {
            points
                .iter()
                .map(|&(x, y)| ((f64::from(x), f64::from(y)), (x, y)))
                .collect()
        };
        let zigzag = split_at_sharp_turns(&path(&[(0, 0), (1, 50), (2, 0), (3, 1)]));
        assert_eq!(
            zigzag,
            vec![
                vec![(0.0, 0.0), (1.0, 50.0)],
                vec![(1.0, 50.0), (2.0, 0.0)],
                vec![(2.0, 0.0), (3.0, 1.0)],
            ]
        );
        let gentle = split_at_sharp_turns(&path(&[(0, 0), (10, 5), (20, 0)]));
        assert_eq!(gentle.len(), 1);
    }
}
