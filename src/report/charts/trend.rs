//! The trend chart of `facebench history item --chart`: one measurement of one item across
//! runs, one point per result in run order, coloured by its verdict, with each run's date and
//! unit under the x axis.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{
    font, height_with_footer, padded, render_png, text_error, tick, with_footer, with_title,
    Figure, RenderError, LABEL_PX, SMALL_PX,
};
use crate::judge::Verdict;

/// Width of the figure.
const WIDTH: u32 = 1200;
/// Height of the plot body (a footer line adds to it).
const BODY_HEIGHT: u32 = 620;
/// Most x labels drawn (each about 130 px wide).
const MAX_X_LABELS: usize = 8;

/// One result on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    /// Under the x axis: the run's date and the unit, e.g. `2026-03-02 …0042`.
    pub label: String,
    /// The measured value.
    pub value: f64,
    /// The result's verdict.
    pub verdict: Verdict,
}

/// A measurement over runs.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendChart {
    /// Title, e.g. `CLM-001 chamber_temp, FP-200`.
    pub title: String,
    /// Y axis description, e.g. `chamber_temp / °C`.
    pub y_label: String,
    /// Points in run order.
    pub points: Vec<TrendPoint>,
}

impl TrendChart {
    /// The footer: how many results and the verdicts' colours.
    fn footer(&self) -> String {
        format!(
            "{} result(s); marker colour: green pass, red no pass, grey other verdicts",
            self.points.len()
        )
    }
}

/// The colour of a verdict's marker.
fn verdict_colour(verdict: Verdict) -> RGBColor {
    match verdict {
        Verdict::Pass => RGBColor(44, 160, 44),
        Verdict::NoPass => RGBColor(214, 39, 40),
        _ => RGBColor(127, 127, 127),
    }
}

impl Figure for TrendChart {
    fn size(&self) -> (u32, u32) {
        (WIDTH, height_with_footer(BODY_HEIGHT, 1))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = with_footer(root, &[self.footer()])?;
        let area = with_title(&body, &self.title)?;
        let (lo, hi) = self
            .points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p.value), hi.max(p.value))
            });
        let y = if lo.is_finite() {
            padded(lo, hi)
        } else {
            0.0..1.0
        };
        let last = self.points.len().saturating_sub(1) as f64;
        // plotters puts at most MAX_X_LABELS ticks on round positions; the whole ones among
        // them name their run.
        let label_of = |x: &f64| {
            let index = x.round();
            if (x - index).abs() > 1e-6 || index < 0.0 {
                return String::new();
            }
            self.points
                .get(index as usize)
                .map_or(String::new(), |p| p.label.clone())
        };
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(70)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5..last + 0.5, y)
            .map_err(text_error)?;
        chart
            .configure_mesh()
            .x_desc("run (start date, unit)")
            .y_desc(&self.y_label)
            .x_labels(MAX_X_LABELS)
            .x_label_formatter(&label_of)
            .y_label_formatter(&tick)
            .label_style(font(SMALL_PX))
            .axis_desc_style(font(LABEL_PX))
            .disable_x_mesh()
            .max_light_lines(4)
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(205, 205, 205))
            .draw()
            .map_err(text_error)?;
        let line: Vec<(f64, f64)> = (0..)
            .map(f64::from)
            .zip(self.points.iter().map(|p| p.value))
            .collect();
        chart
            .draw_series(LineSeries::new(
                line.clone(),
                RGBColor(31, 119, 180).stroke_width(2),
            ))
            .map_err(text_error)?;
        chart
            .draw_series(line.iter().zip(&self.points).map(|(&(x, y), point)| {
                Circle::new((x, y), 6, verdict_colour(point.verdict).filled())
            }))
            .map_err(text_error)?;
        Ok(())
    }
}

/// Draws `chart` as a PNG at `png`.
pub fn write_trend_chart(chart: &TrendChart, png: &Path) -> Result<(), String> {
    render_png(chart, png).map_err(|e| match e {
        RenderError::Draw(message) => format!("{}: {message}", png.display()),
        RenderError::Write(error) => match std::error::Error::source(&error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    })
}
