//! Print layout shared by the workbooks: row heights fitted to wrapped text, and the page
//! header and footer every printed page carries.
//!
//! Spreadsheet programs do not grow a row for wrapped text written by a library: the row keeps
//! one line's height and the text is cut when printed. So each row's height is computed here from
//! its cells' text and column widths, the way Excel wraps: at spaces, anywhere inside a run of
//! CJK characters (which print two columns wide), and inside a word longer than the column.

use rust_xlsxwriter::{Worksheet, XlsxError};
use unicode_width::UnicodeWidthChar;

/// Height of one line of the default 11-point font, in points.
const LINE_HEIGHT_PT: f64 = 15.0;

/// Padding above and below a cell's text, in points.
const ROW_PADDING_PT: f64 = 3.0;

/// Excel's largest row height, in points.
const MAX_ROW_HEIGHT_PT: f64 = 409.0;

/// Column units (widths of `0`) a cell's borders and inner margins take from its width.
const CELL_MARGIN_UNITS: f64 = 1.0;

/// Printed width of `text` in column units: two for CJK and other wide characters, one for the rest.
pub fn display_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Lines `text` takes when wrapped in a column `column_width` units wide.
pub fn wrapped_lines(text: &str, column_width: f64) -> usize {
    let usable = (column_width - CELL_MARGIN_UNITS).max(1.0).floor() as usize;
    text.split('\n')
        .map(|line| lines_of_paragraph(line, usable))
        .sum()
}

/// Greedy wrapping of one paragraph (no newlines) at `usable` columns.
fn lines_of_paragraph(paragraph: &str, usable: usize) -> usize {
    let mut lines = 1;
    let mut used = 0;
    for (token, after_space) in tokens(paragraph) {
        let gap = usize::from(used > 0 && after_space);
        let mut width = display_width(token);
        if used > 0 && used + gap + width > usable {
            lines += 1;
            used = 0;
        } else {
            used += gap;
        }
        while width > usable {
            // A word longer than the column breaks inside itself.
            lines += 1;
            width -= usable;
        }
        used += width;
    }
    lines
}

/// The pieces a line may break between: words separated by spaces, with each wide character a
/// piece of its own (CJK text breaks anywhere). Each piece says whether a space precedes it.
fn tokens(paragraph: &str) -> impl Iterator<Item = (&str, bool)> {
    paragraph.split(' ').enumerate().flat_map(|(index, word)| {
        let mut pieces = Vec::new();
        let mut start = 0;
        for (at, c) in word.char_indices() {
            if char_width(c) > 1 {
                if start < at {
                    pieces.push(&word[start..at]);
                }
                pieces.push(&word[at..at + c.len_utf8()]);
                start = at + c.len_utf8();
            }
        }
        if start < word.len() {
            pieces.push(&word[start..]);
        }
        pieces
            .into_iter()
            .enumerate()
            .map(move |(n, piece)| (piece, index > 0 && n == 0))
    })
}

/// Row height in points that shows every cell in full: `cells` pairs each cell's text with its
/// column width (merged cells: the sum of the widths).
pub fn fitted_height(cells: &[(&str, f64)]) -> f64 {
    let lines = cells
        .iter()
        .map(|(text, width)| wrapped_lines(text, *width))
        .max()
        .unwrap_or(1);
    (lines as f64 * LINE_HEIGHT_PT + ROW_PADDING_PT).min(MAX_ROW_HEIGHT_PT)
}

/// Sets `row`'s height to [`fitted_height`] of its cells.
pub fn fit_row(sheet: &mut Worksheet, row: u32, cells: &[(&str, f64)]) -> Result<(), XlsxError> {
    sheet.set_row_height(row, fitted_height(cells))?;
    Ok(())
}

/// What each printed page says above and below the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageHeading {
    /// Left of the header: the report number.
    pub report: String,
    /// Centre of the header: the unit (vendor, model, SN).
    pub unit: String,
    /// Right of the header: the standard.
    pub standard: String,
}

impl PageHeading {
    /// Puts the heading in `sheet`'s page header and "page x of y" in its footer.
    pub fn apply(&self, sheet: &mut Worksheet) {
        let header = format!(
            "&L{}&C{}&R{}",
            escape(&self.report),
            escape(&self.unit),
            escape(&self.standard)
        );
        sheet.set_header(header);
        sheet.set_footer("&L&A&C第 &P 页 / 共 &N 页  Page &P of &N");
    }
}

/// Header text with `&` doubled (a single `&` starts a control code) and cut to a length the
/// header field holds (Excel allows 255 characters for the three parts together).
fn escape(text: &str) -> String {
    text.chars().take(70).collect::<String>().replace('&', "&&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_characters_count_double() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("温度"), 4);
        assert_eq!(display_width("高温 High"), 9);
    }

    #[test]
    fn lines_follow_newlines_spaces_and_long_words() {
        assert_eq!(wrapped_lines("", 10.0), 1);
        assert_eq!(wrapped_lines("one\ntwo\nthree", 20.0), 3);
        // 9 usable columns: "alpha" + " beta" fits (10 > 9? 5 + 1 + 4 = 10: no) → 2 lines.
        assert_eq!(wrapped_lines("alpha beta", 10.0), 2);
        assert_eq!(wrapped_lines("alpha beta", 11.0), 1);
        // A 64-character SHA-256 in a 44-wide column breaks inside the word.
        assert_eq!(wrapped_lines(&"a".repeat(64), 44.0), 2);
    }

    #[test]
    fn mixed_words_take_no_extra_gap() {
        // 13 + 1 + 9 + 1 + 5 = 29 columns: exactly the 29 usable of a 30-wide column.
        assert_eq!(wrapped_lines("内存/句柄趋势 Memory/fd trend", 30.0), 1);
        assert_eq!(wrapped_lines("内存/句柄趋势 Memory/fd trend", 29.0), 2);
    }

    #[test]
    fn cjk_text_breaks_between_characters() {
        // Ten characters, twenty columns, in a column with 9 usable: 4 per line → 3 lines.
        assert_eq!(wrapped_lines("高温储存试验高温储存", 10.0), 3);
    }

    #[test]
    fn the_tallest_cell_sets_the_height_within_excels_limit() {
        assert_eq!(fitted_height(&[("a", 10.0), ("b", 10.0)]), 18.0);
        assert_eq!(fitted_height(&[("a", 10.0), ("1\n2\n3", 10.0)]), 48.0);
        assert_eq!(fitted_height(&[(&"x\n".repeat(100), 10.0)]), 409.0);
    }

    #[test]
    fn ampersands_are_escaped_in_the_heading() {
        assert_eq!(escape("R&D lab"), "R&&D lab");
    }
}
