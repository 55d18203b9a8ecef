//! Print layout shared by the workbooks: row heights fitted to wrapped text, and the page
//! header and footer every printed page carries.
//!
//! Spreadsheet programs do not grow a row for wrapped text written by a library: the row keeps
//! one line's height and the text is cut when printed. So each row's height is computed here from
//! its cells' text and column widths, the way Excel wraps: at spaces, anywhere inside a run of
//! CJK characters (which print two columns wide), and inside a word longer than the column.

use std::ops::Range;

use rust_xlsxwriter::{Worksheet, XlsxError};
use unicode_width::UnicodeWidthChar;

/// Height of one line of the default 11-point font, in points.
const LINE_HEIGHT_PT: f64 = 15.0;

/// Height of a line with CJK characters (an 11-point CJK fallback font such as Noto Sans CJK
/// takes about 16 points a line), in points.
const WIDE_LINE_HEIGHT_PT: f64 = 16.5;

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
#[cfg(test)]
fn wrapped_lines(text: &str, column_width: f64) -> usize {
    line_ranges(text, column_width).len()
}

/// The lines `text` wraps into in a column `column_width` units wide, as byte ranges of `text`
/// (a line leaves out the newline or the space it breaks at).
fn line_ranges(text: &str, column_width: f64) -> Vec<Range<usize>> {
    let usable = (column_width - CELL_MARGIN_UNITS).max(1.0).floor() as usize;
    let mut lines = Vec::new();
    let mut start = 0;
    for paragraph in text.split('\n') {
        wrap_paragraph(paragraph, start, usable, &mut lines);
        start += paragraph.len() + 1;
    }
    lines
}

/// Greedy wrapping of one paragraph (no newlines), which starts at byte `offset` of its text,
/// at `usable` columns: pushes the byte range of each of its lines.
fn wrap_paragraph(paragraph: &str, offset: usize, usable: usize, lines: &mut Vec<Range<usize>>) {
    let mut line = offset..offset;
    let mut used = 0;
    for (piece, after_space) in tokens(paragraph) {
        let gap = usize::from(used > 0 && after_space);
        let width = display_width(&paragraph[piece.clone()]);
        let piece = offset + piece.start..offset + piece.end;
        if used > 0 && used + gap + width > usable {
            lines.push(line);
            line = piece.start..piece.start;
            used = 0;
        } else {
            used += gap;
        }
        if width > usable {
            // A word longer than the column breaks inside itself.
            let word = &paragraph[piece.start - offset..piece.end - offset];
            for (at, c) in word.char_indices() {
                let w = char_width(c);
                if used > 0 && used + w > usable {
                    lines.push(line.start..piece.start + at);
                    line = piece.start + at..piece.start + at;
                    used = 0;
                }
                used += w;
            }
        } else {
            used += width;
        }
        line.end = piece.end;
    }
    lines.push(line);
}

/// The pieces a line may break between: words separated by spaces, with each wide character a
/// piece of its own (CJK text breaks anywhere), as byte ranges of `paragraph`. Each piece says
/// whether a space precedes it.
fn tokens(paragraph: &str) -> Vec<(Range<usize>, bool)> {
    let mut pieces = Vec::new();
    let mut word_start = 0;
    for (index, word) in paragraph.split(' ').enumerate() {
        let first = pieces.len();
        let mut start = 0;
        for (at, c) in word.char_indices() {
            if char_width(c) > 1 {
                if start < at {
                    pieces.push((word_start + start..word_start + at, false));
                }
                pieces.push((word_start + at..word_start + at + c.len_utf8(), false));
                start = at + c.len_utf8();
            }
        }
        if start < word.len() {
            pieces.push((word_start + start..word_start + word.len(), false));
        }
        if let Some(piece) = pieces.get_mut(first) {
            piece.1 = index > 0;
        }
        word_start += word.len() + 1;
    }
    pieces
}

/// Row height in points that shows every cell in full: `cells` pairs each cell's text with its
/// column width (merged cells: the sum of the widths). At most Excel's tallest row.
pub fn fitted_height(cells: &[(&str, f64)]) -> f64 {
    needed_height(cells).min(MAX_ROW_HEIGHT_PT)
}

/// Row height in points that shows every cell in full, however tall.
fn needed_height(cells: &[(&str, f64)]) -> f64 {
    let text = cells
        .iter()
        .map(|(text, width)| {
            line_ranges(text, *width)
                .into_iter()
                .map(|line| line_height(&text[line]))
                .sum::<f64>()
        })
        .fold(LINE_HEIGHT_PT, f64::max);
    text + ROW_PADDING_PT
}

/// Height of one printed line: taller when it holds CJK characters, which print in a fallback
/// font with a taller line.
fn line_height(line: &str) -> f64 {
    if line.chars().any(|c| char_width(c) > 1) {
        WIDE_LINE_HEIGHT_PT
    } else {
        LINE_HEIGHT_PT
    }
}

/// The rows a row of `cells` (each cell's text with its column width) prints as, so that no
/// text is cut: the row itself when it fits Excel's tallest row, else each cell's text cut at
/// line ends into pieces that each fit that row, row `k` holding piece `k` of every
/// cell (empty once a cell has no more). A cut falls between paragraphs where it can, so only
/// the newline at a cut is left out (the space, when a paragraph alone is too tall).
pub fn split_tall_row(cells: &[(&str, f64)]) -> Vec<Vec<String>> {
    let pieces: Vec<Vec<&str>> = cells
        .iter()
        .map(|(text, width)| cut_at_lines(text, &line_ranges(text, *width)))
        .collect();
    let rows = pieces.iter().map(Vec::len).max().unwrap_or(1).max(1);
    if rows == 1 {
        return vec![cells.iter().map(|(text, _)| text.to_string()).collect()];
    }
    (0..rows)
        .map(|row| {
            pieces
                .iter()
                .map(|cell| cell.get(row).map_or_else(String::new, |p| p.to_string()))
                .collect()
        })
        .collect()
}

/// `text` (wrapped into `lines`) cut into pieces that each fit Excel's tallest row, each cut
/// before the last paragraph that starts within the piece's lines when there is one.
fn cut_at_lines<'a>(text: &'a str, lines: &[Range<usize>]) -> Vec<&'a str> {
    let starts_paragraph =
        |line: &Range<usize>| line.start == 0 || text[..line.start].ends_with('\n');
    let room = MAX_ROW_HEIGHT_PT - ROW_PADDING_PT;
    let mut pieces = Vec::new();
    let mut first = 0;
    while first < lines.len() {
        let mut end = first + 1;
        let mut used = line_height(&text[lines[first].clone()]);
        while let Some(line) = lines.get(end) {
            used += line_height(&text[line.clone()]);
            if used > room {
                break;
            }
            end += 1;
        }
        if end < lines.len() && !starts_paragraph(&lines[end]) {
            if let Some(at) = (first + 1..end)
                .rev()
                .find(|n| starts_paragraph(&lines[*n]))
            {
                end = at;
            }
        }
        pieces.push(&text[lines[first].start..lines[end - 1].end]);
        first = end;
    }
    pieces
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
        assert_eq!(fitted_height(&[("温度\n温度", 10.0)]), 36.0);
    }

    #[test]
    fn wrapped_lines_are_byte_ranges_of_the_text() {
        let text = "alpha beta\n温度温度温 x";
        let lines: Vec<&str> = line_ranges(text, 7.0)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(lines, ["alpha", "beta", "温度温", "度温 x"]);
        let long = "abcdefghij";
        let lines: Vec<&str> = line_ranges(long, 5.0)
            .into_iter()
            .map(|r| &long[r])
            .collect();
        assert_eq!(lines, ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn an_over_tall_row_splits_into_rows_that_fit_and_keep_every_word() {
        let short = [("id", 10.0), ("one line", 20.0)];
        assert_eq!(split_tall_row(&short), [["id", "one line"]]);
        let long: String = (0..70)
            .map(|n| format!("line {n} of the conditions\n"))
            .collect();
        let long = long.trim_end();
        let rows = split_tall_row(&[("CLM-008", 10.0), (long, 40.0), ("pass", 11.0)]);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0][0], "CLM-008");
        assert_eq!(rows[1][0], "");
        assert_eq!(rows[1][2], "");
        for row in &rows {
            let cells: Vec<(&str, f64)> = row
                .iter()
                .map(String::as_str)
                .zip([10.0, 40.0, 11.0])
                .collect();
            assert!(needed_height(&cells) <= MAX_ROW_HEIGHT_PT);
        }
        let joined: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
        assert_eq!(joined.join("\n"), long);
        // Two-line paragraphs: a cut never falls inside one.
        let pairs: String = (0..20)
            .map(|n| format!("paragraph {n} runs over two lines\n"))
            .collect();
        let pairs = pairs.trim_end();
        let rows = split_tall_row(&[(pairs, 20.0)]);
        assert_eq!(rows.len(), 2);
        assert_eq!(wrapped_lines(&rows[0][0], 20.0), 26);
        let joined: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(joined.join("\n"), pairs);
        // CJK lines are taller: fewer of them fit one row.
        let cjk: String = (0..40).map(|n| format!("第 {n} 行 line\n")).collect();
        let cjk = cjk.trim_end();
        let rows = split_tall_row(&[(cjk, 30.0)]);
        assert_eq!(rows.len(), 2);
        assert_eq!(wrapped_lines(&rows[0][0], 30.0), 24);
        assert!(needed_height(&[(&rows[0][0], 30.0)]) <= MAX_ROW_HEIGHT_PT);
    }

    #[test]
    fn ampersands_are_escaped_in_the_heading() {
        assert_eq!(escape("R&D lab"), "R&&D lab");
    }
}
