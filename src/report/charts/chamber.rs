//! The chamber chart: temperature PV and SP with the tolerance band, step boundaries, gaps in
//! the readings, and humidity on a second panel when the chamber reports it.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{
    dashed_level, draw_trace, height_with_footer, legend, padded, panel, shade_spans, time_range,
    union, vertical_marks, with_footer, with_title, Figure, Panel, TimeAxis, GAP_COLOR, PALETTE,
};
use super::fonts::ChartFont;
use super::series::{
    extent_hint, header, scan_with_extent, with_extent, Columns, FinishedTrace, Row, Scan, Spans,
    Trace,
};
use super::PLOT_COLUMNS;

/// Step boundaries kept at most (more are counted, not drawn).
const MAX_PHASES: usize = 2 * PLOT_COLUMNS;

/// Pixel heights of the two panels.
const TEMP_PANEL_PX: u32 = 620;
const RH_PANEL_PX: u32 = 360;

/// Figure width in pixels.
const WIDTH_PX: u32 = 1400;

/// What the chamber chart shows, read from `chamber.csv`.
#[derive(Debug)]
pub(super) struct ChamberChart {
    title: String,
    tolerance_k: f64,
    temp_pv: FinishedTrace,
    temp_sp: FinishedTrace,
    rh_pv: FinishedTrace,
    rh_sp: FinishedTrace,
    phases: Vec<(f64, String)>,
    gaps: Vec<(f64, f64)>,
    x_range: (f64, f64),
    notes: Vec<String>,
}

/// Column positions of `chamber.csv`.
#[derive(Clone, Copy)]
struct Layout {
    elapsed: usize,
    phase: Option<usize>,
    temp_sp: usize,
    temp_pv: usize,
    rh_sp: Option<usize>,
    rh_pv: Option<usize>,
    note: Option<usize>,
}

/// Accumulates the chart while the file streams by.
struct Builder<'f> {
    font: &'f ChartFont,
    layout: Layout,
    temp_pv: Trace,
    temp_sp: Trace,
    rh_pv: Trace,
    rh_sp: Trace,
    phase: Option<String>,
    phases: Vec<(f64, String)>,
    phases_dropped: u64,
    gaps: Spans,
    gap_open: Option<f64>,
    last_x: f64,
    last_good: Option<f64>,
    first_gap_note: Option<String>,
}

impl Builder<'_> {
    fn row(&mut self, row: &Row<'_>) -> Result<(), String> {
        let l = &self.layout;
        let x = row
            .number(l.elapsed)?
            .ok_or_else(|| "elapsed_s: empty".to_string())?;
        let optional = |index: Option<usize>| index.map_or(Ok(None), |i| row.number(i));
        let (sp, pv) = (row.number(l.temp_sp)?, row.number(l.temp_pv)?);
        let (rh_sp, rh_pv) = (optional(l.rh_sp)?, optional(l.rh_pv)?);
        let note = l.note.map_or("", |i| row.text(i));
        if let Some(index) = l.phase {
            let phase = row.text(index);
            if self.phase.as_deref() != Some(phase) {
                if self.phases.len() < MAX_PHASES {
                    self.phases.push((x, self.font.printable(phase)));
                } else {
                    self.phases_dropped += 1;
                }
                self.phase = Some(phase.to_string());
            }
        }
        if pv.is_none() {
            if self.gap_open.is_none() {
                self.gap_open = Some(self.last_good.unwrap_or(x));
            }
            if self.first_gap_note.is_none() && !note.is_empty() {
                self.first_gap_note = Some(self.font.printable(note));
            }
        } else {
            if let Some(start) = self.gap_open.take() {
                self.gaps.add(start, x);
            }
            self.last_good = Some(x);
        }
        self.last_x = x;
        self.temp_pv.push(x, pv);
        self.temp_sp.push(x, sp);
        self.rh_pv.push(x, rh_pv);
        self.rh_sp.push(x, rh_sp);
        Ok(())
    }
}

impl ChamberChart {
    /// Reads `path`; `Ok(None)` when it has no row with a time. `title` names the item;
    /// `tolerance` is the band half-width and where it came from.
    pub(super) fn read(
        path: &Path,
        title: String,
        tolerance: (f64, &str),
        font: &ChartFont,
    ) -> Result<Option<ChamberChart>, String> {
        let head = header(path)?;
        let layout = Layout {
            elapsed: head.require(path, "elapsed_s")?,
            phase: head.find("phase"),
            temp_sp: head.require(path, "temp_sp")?,
            temp_pv: head.require(path, "temp_pv")?,
            rh_sp: head.find("rh_sp"),
            rh_pv: head.find("rh_pv"),
            note: head.find("note"),
        };
        let guess = extent_hint(path, layout.elapsed)?;
        let ((mut b, scanned), extent) = with_extent(guess, |extent| {
            let (start, end) = extent.unwrap_or((0.0, 1.0));
            let columns = Columns::new(start, end, PLOT_COLUMNS);
            let mut b = Builder {
                font,
                layout,
                temp_pv: Trace::new(columns),
                temp_sp: Trace::new(columns),
                rh_pv: Trace::new(columns),
                rh_sp: Trace::new(columns),
                phase: None,
                phases: Vec::new(),
                phases_dropped: 0,
                gaps: Spans::new(columns),
                gap_open: None,
                last_x: start,
                last_good: None,
                first_gap_note: None,
            };
            let scanned = scan_with_extent(path, layout.elapsed, |row| b.row(row))?;
            let extent = scanned.extent;
            Ok(((b, scanned), extent))
        })?;
        let Some((start, end)) = extent else {
            return Ok(None);
        };
        if let Some(start) = b.gap_open.take() {
            b.gaps.add(start, b.last_x);
        }
        let notes = notes(&b, &scanned, tolerance, end - start);
        Ok(Some(ChamberChart {
            title,
            tolerance_k: tolerance.0,
            temp_pv: b.temp_pv.finish(),
            temp_sp: b.temp_sp.finish(),
            rh_pv: b.rh_pv.finish(),
            rh_sp: b.rh_sp.finish(),
            phases: b.phases,
            gaps: b.gaps.drawable(),
            x_range: (start, end),
            notes,
        }))
    }

    /// The caption lines under the chart.
    pub(super) fn notes(&self) -> &[String] {
        &self.notes
    }

    fn has_humidity(&self) -> bool {
        !self.rh_pv.is_empty() || !self.rh_sp.is_empty()
    }
}

/// Caption lines: rows and span, the band, gaps, dropped labels and malformed rows.
fn notes(b: &Builder<'_>, scanned: &Scan, tolerance: (f64, &str), span_s: f64) -> Vec<String> {
    let mut notes = vec![format!(
        "{} readings over {:.1} h; band: set point ± {} K ({})",
        scanned.rows,
        span_s / 3600.0,
        tolerance.0,
        tolerance.1
    )];
    let gaps = b.gaps.count();
    if gaps > 0 {
        let first = b
            .first_gap_note
            .as_deref()
            .map_or(String::new(), |n| format!(" (first: {n})"));
        notes.push(format!(
            "{gaps} gap{} in the readings{first}: shaded red, the line is not joined across",
            if gaps == 1 { "" } else { "s" }
        ));
    }
    if b.phases_dropped > 0 {
        notes.push(format!(
            "{} further step boundaries not drawn",
            b.phases_dropped
        ));
    }
    notes.extend(scanned.malformed_note());
    notes
}

impl Figure for ChamberChart {
    fn size(&self) -> (u32, u32) {
        let body = 50 + TEMP_PANEL_PX + if self.has_humidity() { RH_PANEL_PX } else { 0 };
        (WIDTH_PX, height_with_footer(body, self.notes.len()))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let body = with_footer(root, &self.notes)?;
        let body = with_title(&body, &self.title)?;
        if self.has_humidity() {
            let (temp, rh) = body.split_vertically(TEMP_PANEL_PX);
            self.draw_temperature(&temp)?;
            self.draw_humidity(&rh)
        } else {
            self.draw_temperature(&body)
        }
    }
}

impl ChamberChart {
    fn draw_temperature<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let tol = self.tolerance_k;
        let band = self.temp_sp.y_range.map(|(lo, hi)| (lo - tol, hi + tol));
        let (lo, hi) = union([self.temp_pv.y_range, band]).unwrap_or((0.0, 1.0));
        let mut chart = panel(
            area,
            "Temperature",
            time_range(self.x_range, TimeAxis::HOURS.seconds),
            padded(lo, hi),
            TimeAxis::HOURS.label,
            "temperature / °C",
        )?;
        self.draw_band(&mut chart)?;
        self.draw_common(&mut chart, true)?;
        let sp_style = RGBColor(40, 40, 40).stroke_width(2);
        draw_trace(
            &mut chart,
            &self.temp_sp,
            3600.0,
            sp_style,
            Some("set point (SP)"),
        )?;
        let pv_style = PALETTE[0].stroke_width(2);
        draw_trace(
            &mut chart,
            &self.temp_pv,
            3600.0,
            pv_style,
            Some("measured (PV)"),
        )?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    }

    fn draw_humidity<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String> {
        let (lo, hi) = union([self.rh_pv.y_range, self.rh_sp.y_range]).unwrap_or((0.0, 100.0));
        let mut chart = panel(
            area,
            "Relative humidity",
            time_range(self.x_range, TimeAxis::HOURS.seconds),
            padded(lo, hi),
            TimeAxis::HOURS.label,
            "humidity / %RH",
        )?;
        self.draw_common(&mut chart, false)?;
        let sp_style = RGBColor(40, 40, 40).stroke_width(2);
        draw_trace(
            &mut chart,
            &self.rh_sp,
            3600.0,
            sp_style,
            Some("set point (SP)"),
        )?;
        draw_trace(
            &mut chart,
            &self.rh_pv,
            3600.0,
            PALETTE[2].stroke_width(2),
            Some("measured (PV)"),
        )?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    }

    /// The tolerance band around the set point, one polygon per unbroken SP run, plus dashed
    /// edges so it stays visible in print.
    fn draw_band<DB: DrawingBackend>(&self, chart: &mut Panel<'_, DB>) -> Result<(), String> {
        let tol = self.tolerance_k;
        let fill = RGBColor(120, 200, 120).mix(0.25).filled();
        let mut labelled = false;
        for segment in &self.temp_sp.segments {
            let upper = segment.iter().map(|&(x, y)| (x / 3600.0, y + tol));
            let lower = segment.iter().rev().map(|&(x, y)| (x / 3600.0, y - tol));
            let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
            let drawn = chart
                .draw_series(std::iter::once(Polygon::new(outline, fill)))
                .map_err(super::draw::text_error)?;
            if !labelled {
                drawn
                    .label(format!("tolerance ± {tol} K"))
                    .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], fill));
                labelled = true;
            }
        }
        if self.temp_sp.segments.len() == 1 {
            if let Some((lo, hi)) = self.temp_sp.y_range.filter(|(lo, hi)| lo == hi) {
                let edge = RGBColor(60, 140, 60).stroke_width(1);
                dashed_level(chart, lo - tol, edge)?;
                dashed_level(chart, hi + tol, edge)?;
            }
        }
        Ok(())
    }

    /// Gaps and step boundaries.
    fn draw_common<DB: DrawingBackend>(
        &self,
        chart: &mut Panel<'_, DB>,
        labelled: bool,
    ) -> Result<(), String> {
        if !self.gaps.is_empty() {
            shade_spans(chart, &self.gaps, 3600.0, GAP_COLOR.mix(0.25))?;
            if labelled {
                let color = GAP_COLOR.mix(0.25);
                chart
                    .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                    .map_err(super::draw::text_error)?
                    .label("gap (no reading)")
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 24, y + 6)], color.filled())
                    });
            }
        }
        vertical_marks(chart, &self.phases, 3600.0, labelled, 110)?;
        Ok(())
    }
}
