//! The thermal chart: every logger channel over time, each with its limit as a dashed line in
//! the channel's colour, the ambient channel drawn black and heavier.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{
    dashed_level, draw_trace, height_with_footer, legend, padded, panel, time_range, union,
    with_footer, with_title, Figure, TimeAxis, PALETTE,
};
use super::fonts::ChartFont;
use super::limits::limit_levels;
use super::series::{
    extent_hint, header, scan_with_extent, with_extent, Columns, FinishedTrace, Trace,
};
use super::PLOT_COLUMNS;
use crate::judge::Criterion;

/// Channels drawn at most; further columns are named in the caption.
const MAX_CHANNELS: usize = 24;

/// The channel drawn as the reference.
const AMBIENT: &str = "ambient";

/// Columns of `thermal.csv` that are not channels.
const NOT_CHANNELS: [&str; 3] = ["elapsed_s", "utc", "note"];

/// One logger channel.
#[derive(Debug)]
struct Channel {
    name: String,
    trace: FinishedTrace,
    limits: Vec<f64>,
}

/// What the thermal chart shows, read from `thermal.csv`.
#[derive(Debug)]
pub(super) struct ThermalChart {
    title: String,
    channels: Vec<Channel>,
    x_range: (f64, f64),
    notes: Vec<String>,
}

impl ThermalChart {
    /// Reads `path`; `Ok(None)` when it has no row with a time. Limits come from criteria on
    /// `temp_<channel>`.
    pub(super) fn read(
        path: &Path,
        title: String,
        criteria: &[Criterion],
        font: &ChartFont,
    ) -> Result<Option<ThermalChart>, String> {
        let head = header(path)?;
        let elapsed = head.require(path, "elapsed_s")?;
        let all: Vec<(usize, String)> = head
            .names()
            .enumerate()
            .filter(|(_, name)| !NOT_CHANNELS.contains(name) && !name.is_empty())
            .map(|(i, name)| (i, name.to_string()))
            .collect();
        let (drawn, left_out) = all.split_at(all.len().min(MAX_CHANNELS));
        let mut values = Vec::with_capacity(drawn.len());
        let guess = extent_hint(path, elapsed)?;
        let ((traces, scanned), extent) = with_extent(guess, |extent| {
            let (start, end) = extent.unwrap_or((0.0, 1.0));
            let columns = Columns::new(start, end, PLOT_COLUMNS);
            let mut traces: Vec<Trace> = drawn.iter().map(|_| Trace::new(columns)).collect();
            let scanned = scan_with_extent(path, elapsed, |row| {
                let x = row
                    .number(elapsed)?
                    .ok_or_else(|| "elapsed_s: empty".to_string())?;
                values.clear();
                for (index, _) in drawn {
                    values.push(row.number(*index)?);
                }
                for (trace, value) in traces.iter_mut().zip(&values) {
                    trace.push(x, *value);
                }
                Ok(())
            })?;
            let extent = scanned.extent;
            Ok(((traces, scanned), extent))
        })?;
        let Some((start, end)) = extent else {
            return Ok(None);
        };
        let channels: Vec<Channel> = drawn
            .iter()
            .zip(traces)
            .map(|((_, name), trace)| Channel {
                name: font.printable(name),
                trace: trace.finish(),
                limits: limit_levels(criteria, &format!("temp_{name}")),
            })
            .collect();
        let mut notes = vec![format!(
            "{} readings over {:.1} h; dashed: limits from the item's criteria",
            scanned.rows,
            (end - start) / 3600.0
        )];
        let dropouts: Vec<String> = channels
            .iter()
            .filter(|c| c.trace.missing > 0)
            .map(|c| format!("{} {}", c.name, c.trace.missing))
            .collect();
        if !dropouts.is_empty() {
            notes.push(format!(
                "dropouts (line not joined across): {}",
                dropouts.join(", ")
            ));
        }
        if !left_out.is_empty() {
            let names: Vec<String> = left_out.iter().map(|(_, n)| font.printable(n)).collect();
            notes.push(format!("channels not drawn: {}", names.join(", ")));
        }
        notes.extend(scanned.malformed_note());
        Ok(Some(ThermalChart {
            title,
            channels,
            x_range: (start, end),
            notes,
        }))
    }

    /// The caption lines under the chart.
    pub(super) fn notes(&self) -> &[String] {
        &self.notes
    }
}

impl Figure for ThermalChart {
    fn size(&self) -> (u32, u32) {
        (1400, height_with_footer(820, self.notes.len()))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = with_footer(root, &self.notes)?;
        let body = with_title(&body, &self.title)?;
        let limits = self
            .channels
            .iter()
            .flat_map(|c| c.limits.iter().map(|&l| Some((l, l))));
        let ranges = self.channels.iter().map(|c| c.trace.y_range).chain(limits);
        let (lo, hi) = union(ranges).unwrap_or((0.0, 1.0));
        let h = TimeAxis::HOURS.seconds;
        let x = time_range(self.x_range, h);
        let mut chart = panel(
            &body,
            "Temperature per channel",
            x,
            padded(lo, hi),
            TimeAxis::HOURS.label,
            "temperature / °C",
        )?;
        let mut colours = PALETTE.iter().cycle();
        for channel in &self.channels {
            let style = if channel.name == AMBIENT {
                BLACK.stroke_width(3)
            } else {
                colours.next().unwrap_or(&PALETTE[0]).stroke_width(2)
            };
            for &level in &channel.limits {
                dashed_level(&mut chart, level, style.color.stroke_width(1))?;
            }
            let label = match channel.limits.as_slice() {
                [] => channel.name.clone(),
                levels => {
                    let shown: Vec<String> = levels.iter().map(|l| format!("{l}")).collect();
                    format!("{} (limit {} °C)", channel.name, shown.join(" / "))
                }
            };
            draw_trace(&mut chart, &channel.trace, h, style, Some(&label))?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    }
}
