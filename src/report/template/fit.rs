//! Row heights for the filled cells: a row whose new text needs more lines than its height
//! shows gets a taller height, so the printed copy shows the whole text.
//!
//! Column widths come from the sheet's `<cols>` (else its default width); a line of text takes
//! its printed width in characters (CJK counts double) over the column width, rounded up.

use std::collections::BTreeMap;

use unicode_width::UnicodeWidthStr;

/// Excel's tallest row, in points.
pub(super) const MAX_ROW_HEIGHT_PT: f64 = 409.0;

/// Excel's default column width and row height (Calibri 11).
const DEFAULT_WIDTH: f64 = 8.43;
const DEFAULT_HEIGHT: f64 = 15.0;

/// A sheet's column widths and line height, read from its XML.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SheetMetrics {
    /// `(first, last, width)`, 0-based columns.
    columns: Vec<(u32, u32, f64)>,
    default_width: f64,
    /// Height of one line of text (the sheet's default row height), in points.
    pub(super) line_height: f64,
}

fn number_attribute(element: &str, name: &str) -> Option<f64> {
    element
        .split(&format!(" {name}=\""))
        .nth(1)?
        .split('"')
        .next()?
        .parse()
        .ok()
}

impl SheetMetrics {
    /// Reads `<sheetFormatPr>` and `<cols>` of a sheet part.
    pub(super) fn read(xml: &str) -> SheetMetrics {
        let format = xml
            .split("<sheetFormatPr")
            .nth(1)
            .and_then(|s| s.split('>').next())
            .unwrap_or("");
        let columns = xml
            .split("<col ")
            .skip(1)
            .filter_map(|c| {
                let element = format!(" {}", c.split('>').next()?);
                let first = number_attribute(&element, "min")? as u32;
                let last = number_attribute(&element, "max")? as u32;
                let width = number_attribute(&element, "width")?;
                Some((first.checked_sub(1)?, last.checked_sub(1)?, width))
            })
            .collect();
        SheetMetrics {
            columns,
            default_width: number_attribute(format, "defaultColWidth").unwrap_or(DEFAULT_WIDTH),
            line_height: number_attribute(format, "defaultRowHeight").unwrap_or(DEFAULT_HEIGHT),
        }
    }

    fn width(&self, column: u32) -> f64 {
        self.columns
            .iter()
            .find(|(first, last, _)| (*first..=*last).contains(&column))
            .map_or(self.default_width, |(_, _, w)| *w)
    }

    /// Lines `text` takes in `column`.
    fn lines(&self, column: u32, text: &str) -> usize {
        let per_line = (self.width(column) - 1.0).max(1.0);
        text.lines()
            .map(|line| ((UnicodeWidthStr::width(line) as f64 / per_line).ceil() as usize).max(1))
            .sum::<usize>()
            .max(1)
    }

    /// The height (points) of each row whose new text needs more than one line (it may be more
    /// than [`MAX_ROW_HEIGHT_PT`]: the caller caps it and says so).
    pub(super) fn needed_heights(
        &self,
        targets: &BTreeMap<u32, BTreeMap<u32, String>>,
    ) -> BTreeMap<u32, f64> {
        targets
            .iter()
            .filter_map(|(row, cells)| {
                let lines = cells
                    .iter()
                    .map(|(column, text)| self.lines(*column, text))
                    .max()
                    .unwrap_or(1);
                (lines > 1).then_some((*row, lines as f64 * self.line_height))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_heights_come_from_the_sheet() {
        let xml = r#"<sheetFormatPr defaultRowHeight="18"/><cols><col min="1" max="2" width="11" customWidth="1"/><col min="7" max="7" width="24"/></cols>"#;
        let metrics = SheetMetrics::read(xml);
        assert_eq!(metrics.line_height, 18.0);
        let mut targets = BTreeMap::new();
        targets.insert(3, BTreeMap::from([(0, "一二三四五六".to_string())]));
        targets.insert(4, BTreeMap::from([(6, "short\nsecond line".to_string())]));
        targets.insert(5, BTreeMap::from([(3, "x".repeat(20))]));
        targets.insert(6, BTreeMap::from([(6, "fits".to_string())]));
        let heights = metrics.needed_heights(&targets);
        // 12 columns of CJK in a 10-character line: 2 lines; two short lines; 20 / 7.43: 3.
        assert_eq!(heights[&3], 36.0);
        assert_eq!(heights[&4], 36.0);
        assert_eq!(heights[&5], 54.0);
        assert!(!heights.contains_key(&6), "one line keeps the row's height");
    }
}
