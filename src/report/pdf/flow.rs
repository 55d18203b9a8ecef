//! Flowing text, tables and images onto A4 pages: the layout of the report, before anything is
//! written. Each page is a list of [`Op`]s in points from the page's top-left corner; the page
//! furniture (header, footer with "x / y") is added when the page count is known.

use std::sync::Arc;

use super::font::ReportFont;

/// A4 width in points.
pub(super) const PAGE_WIDTH: f32 = 595.28;
/// A4 height in points.
pub(super) const PAGE_HEIGHT: f32 = 841.89;
/// Left and right margin.
pub(super) const MARGIN_X: f32 = 42.0;
/// Top of the body (below the page header).
const BODY_TOP: f32 = 62.0;
/// Bottom of the body (above the footer).
const BODY_BOTTOM: f32 = PAGE_HEIGHT - 56.0;
/// Width of the body.
pub(super) const BODY_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.35;
/// Padding inside a table cell.
const CELL_PAD: f32 = 3.0;

/// An RGB colour.
pub(super) type Rgb = (u8, u8, u8);

/// Black text.
pub(super) const INK: Rgb = (0, 0, 0);
/// Grey for captions and rules.
pub(super) const GREY: Rgb = (110, 110, 110);
/// Table header background.
const HEADER_FILL: Rgb = (0xDD, 0xEB, 0xF7);

/// One drawing operation on a page.
#[derive(Debug, Clone)]
pub(super) enum Op {
    /// A line of text, `y` its baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        colour: Rgb,
    },
    /// A filled rectangle.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: Rgb,
    },
    /// A straight line.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        colour: Rgb,
    },
    /// A PNG scaled into the box.
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        png: Arc<Vec<u8>>,
    },
}

/// A table cell: its text, and its background when it shows a verdict.
#[derive(Debug, Clone)]
pub(super) struct Cell {
    pub(super) text: String,
    pub(super) fill: Option<Rgb>,
    pub(super) ink: Option<Rgb>,
}

impl Cell {
    /// A plain cell.
    pub(super) fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            fill: None,
            ink: None,
        }
    }

    /// A coloured cell (background, text colour).
    pub(super) fn coloured(text: impl Into<String>, (fill, ink): (Rgb, Rgb)) -> Cell {
        Cell {
            text: text.into(),
            fill: Some(fill),
            ink: Some(ink),
        }
    }
}

/// The pages laid out so far, and where the next block goes.
pub(super) struct Flow<'f> {
    pub(super) font: &'f ReportFont,
    pub(super) pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'f> Flow<'f> {
    /// An empty document with its first page started.
    pub(super) fn new(font: &'f ReportFont) -> Flow<'f> {
        Flow {
            font,
            pages: vec![Vec::new()],
            y: BODY_TOP,
        }
    }

    /// Starts a new page.
    pub(super) fn page_break(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    /// Starts a new page unless `height` points still fit on this one.
    pub(super) fn keep(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM && self.y > BODY_TOP {
            self.page_break();
        }
    }

    /// Leaves `points` of space.
    pub(super) fn gap(&mut self, points: f32) {
        self.y += points;
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    /// Wrapped text across the body width.
    pub(super) fn paragraph(&mut self, text: &str, size: f32, colour: Rgb) {
        self.paragraph_at(MARGIN_X, BODY_WIDTH, text, size, colour);
    }

    /// Wrapped text in a column starting at `x`, `width` wide.
    pub(super) fn paragraph_at(&mut self, x: f32, width: f32, text: &str, size: f32, colour: Rgb) {
        let line_height = size * LEADING;
        for line in self.font.wrap(text, size, width) {
            self.keep(line_height);
            self.y += line_height;
            self.push(Op::Text {
                x,
                y: self.y - line_height * 0.25,
                size,
                text: line,
                colour,
            });
        }
    }

    /// A section heading with a rule under it, kept with `following` points of what follows.
    pub(super) fn heading(&mut self, text: &str, size: f32, following: f32) {
        // What the heading itself takes (gap, line, rule, gap) is under 3 × its size.
        self.keep(size * 3.0 + following);
        self.gap(size * 0.6);
        self.paragraph(text, size, INK);
        self.gap(2.0);
        let y = self.y;
        self.push(Op::Line {
            x1: MARGIN_X,
            y1: y,
            x2: MARGIN_X + BODY_WIDTH,
            y2: y,
            width: 0.6,
            colour: GREY,
        });
        self.gap(size * 0.5);
    }

    /// A table: `columns` are (header, relative width); rows taller than what is left of a
    /// page continue on the next, and the header row repeats on every page.
    pub(super) fn table(&mut self, columns: &[(&str, f32)], rows: &[Vec<Cell>], size: f32) {
        let total: f32 = columns.iter().map(|(_, w)| w).sum();
        let widths: Vec<f32> = columns
            .iter()
            .map(|(_, w)| w / total * BODY_WIDTH)
            .collect();
        let header: Vec<Cell> = columns
            .iter()
            .map(|(h, _)| Cell::coloured(*h, (HEADER_FILL, INK)))
            .collect();
        let header_lines = self.cell_lines(&header, &widths, size);
        let header_height = block_height(&header_lines, size);
        // The header goes with at least the first line of the first row.
        self.keep(header_height + size * LEADING + 2.0 * CELL_PAD);
        self.table_row(&header, &header_lines, &widths, size);
        for row in rows {
            let mut lines = self.cell_lines(row, &widths, size);
            loop {
                let room = BODY_BOTTOM - self.y - 2.0 * CELL_PAD;
                let fits = (room / (size * LEADING)).floor().max(0.0) as usize;
                let tallest = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
                if fits >= tallest {
                    self.table_row(row, &lines, &widths, size);
                    break;
                }
                if fits == 0 {
                    self.page_break();
                    self.table_row(&header, &header_lines, &widths, size);
                    continue;
                }
                let rest: Vec<Vec<String>> = lines
                    .iter_mut()
                    .map(|cell| cell.split_off(fits.min(cell.len())))
                    .collect();
                self.table_row(row, &lines, &widths, size);
                self.page_break();
                self.table_row(&header, &header_lines, &widths, size);
                lines = rest;
            }
        }
        self.gap(size);
    }

    fn cell_lines(&self, row: &[Cell], widths: &[f32], size: f32) -> Vec<Vec<String>> {
        row.iter()
            .zip(widths)
            .map(|(cell, width)| self.font.wrap(&cell.text, size, width - 2.0 * CELL_PAD))
            .collect()
    }

    /// Draws one row (or the part of it on this page) with its grid.
    fn table_row(&mut self, row: &[Cell], lines: &[Vec<String>], widths: &[f32], size: f32) {
        let height = block_height(lines, size);
        let top = self.y;
        let mut x = MARGIN_X;
        for ((cell, cell_lines), width) in row.iter().zip(lines).zip(widths) {
            if let Some(colour) = cell.fill {
                self.push(Op::Fill {
                    x,
                    y: top,
                    w: *width,
                    h: height,
                    colour,
                });
            }
            for (n, line) in cell_lines.iter().enumerate() {
                self.push(Op::Text {
                    x: x + CELL_PAD,
                    y: top + CELL_PAD + (n as f32 + 0.78) * size * LEADING,
                    size,
                    text: line.clone(),
                    colour: cell.ink.unwrap_or(INK),
                });
            }
            x += width;
        }
        let right = MARGIN_X + widths.iter().sum::<f32>();
        for y in [top, top + height] {
            self.push(grid_line(MARGIN_X, y, right, y));
        }
        let mut x = MARGIN_X;
        for width in std::iter::once(&0.0).chain(widths) {
            x += width;
            self.push(grid_line(x, top, x, top + height));
        }
        self.y = top + height;
    }

    /// A PNG of `pixels` (width, height) scaled to the body width and at most `max_height`.
    pub(super) fn image(&mut self, png: Arc<Vec<u8>>, pixels: (u32, u32), max_height: f32) {
        let (width, height) = image_box(pixels, max_height);
        if width <= 0.0 || height <= 0.0 {
            return;
        }
        self.keep(height);
        let x = MARGIN_X + (BODY_WIDTH - width) / 2.0;
        let y = self.y;
        self.push(Op::Image {
            x,
            y,
            w: width,
            h: height,
            png,
        });
        self.y += height + 4.0;
    }

    /// A horizontal line `width` long at `x` on the current line (a signature line).
    pub(super) fn rule(&mut self, x: f32, width: f32) {
        let y = self.y;
        self.push(Op::Line {
            x1: x,
            y1: y,
            x2: x + width,
            y2: y,
            width: 0.5,
            colour: INK,
        });
    }

    /// Text at `x` on the current line without moving down.
    pub(super) fn text_at(&mut self, x: f32, text: &str, size: f32, colour: Rgb) {
        let y = self.y;
        self.push(Op::Text {
            x,
            y,
            size,
            text: text.to_string(),
            colour,
        });
    }
}

/// The size in points a PNG of `pixels` is drawn at: the body width, at most `max_height` high.
pub(super) fn image_box((w, h): (u32, u32), max_height: f32) -> (f32, f32) {
    if w == 0 || h == 0 {
        return (0.0, 0.0);
    }
    let scale = (BODY_WIDTH / w as f32).min(max_height / h as f32);
    (w as f32 * scale, h as f32 * scale)
}

fn block_height(lines: &[Vec<String>], size: f32) -> f32 {
    let tallest = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
    tallest as f32 * size * LEADING + 2.0 * CELL_PAD
}

fn grid_line(x1: f32, y1: f32, x2: f32, y2: f32) -> Op {
    Op::Line {
        x1,
        y1,
        x2,
        y2,
        width: 0.4,
        colour: (150, 150, 150),
    }
}
