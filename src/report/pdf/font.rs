//! The report's font: the shipped Noto Sans CJK SC subset, or the file `FACEBENCH_PDF_FONT`
//! names; one face draws Chinese and Latin alike. Text is measured here (for wrapping) with the
//! same face krilla embeds, so what is measured is what is drawn.

use std::path::PathBuf;

use ab_glyph::{Font as _, FontVec};

/// Environment variable naming a TTF/OTF (or TTC, first face) file the PDF uses instead of the
/// shipped font.
pub const PDF_FONT_ENV: &str = "FACEBENCH_PDF_FONT";

use crate::report::charts::SHIPPED_CJK_FONT as SHIPPED_FONT;

/// A face ready to draw (krilla) and to measure (ab_glyph).
pub(super) struct ReportFont {
    pub(super) face: krilla::text::Font,
    metrics: FontVec,
}

impl ReportFont {
    /// The font named by [`PDF_FONT_ENV`] when set, else the shipped one. `Err` names the file
    /// and says what is wrong with it.
    pub(super) fn load() -> Result<ReportFont, String> {
        match std::env::var_os(PDF_FONT_ENV).filter(|v| !v.is_empty()) {
            Some(path) => {
                let path = PathBuf::from(path);
                let bytes = std::fs::read(&path).map_err(|e| {
                    format!(
                        "{PDF_FONT_ENV}={}: cannot read the font: {e}",
                        path.display()
                    )
                })?;
                ReportFont::from_bytes(bytes)
                    .map_err(|problem| format!("{PDF_FONT_ENV}={}: {problem}", path.display()))
            }
            None => ReportFont::from_bytes(SHIPPED_FONT.to_vec())
                .map_err(|problem| format!("shipped PDF font: {problem}")),
        }
    }

    fn from_bytes(bytes: Vec<u8>) -> Result<ReportFont, String> {
        let metrics = FontVec::try_from_vec_and_index(bytes.clone(), 0)
            .map_err(|_| "not a TrueType/OpenType font".to_string())?;
        let face = krilla::text::Font::new(bytes.into(), 0)
            .ok_or_else(|| "the PDF writer cannot use this font".to_string())?;
        Ok(ReportFont { face, metrics })
    }

    /// Width of `text` at `size` points (advances, no kerning; a missing glyph counts as the
    /// font's empty box).
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        let per_unit = size / self.metrics.units_per_em().unwrap_or(1000.0);
        text.chars()
            .map(|c| self.metrics.h_advance_unscaled(self.metrics.glyph_id(c)))
            .sum::<f32>()
            * per_unit
    }

    /// `text` broken into lines no wider than `width` points: at its own line breaks, between
    /// words, between CJK characters, and inside a word too long for a line.
    pub(super) fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let paragraph: String = paragraph
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let mut line = String::new();
            for piece in pieces(paragraph.trim_end()) {
                let candidate = format!("{line}{piece}");
                if line.is_empty() || self.width(candidate.trim_end(), size) <= width {
                    line = candidate;
                } else {
                    lines.push(line.trim_end().to_string());
                    line = piece.trim_start().to_string();
                }
                while self.width(&line, size) > width && line.chars().count() > 1 {
                    let (head, tail) = self.split_to_fit(&line, size, width);
                    lines.push(head);
                    line = tail;
                }
            }
            lines.push(line.trim_end().to_string());
        }
        lines
    }

    /// The longest head of `text` (at least one character) that fits `width`, and the rest.
    fn split_to_fit(&self, text: &str, size: f32, width: f32) -> (String, String) {
        let mut head = String::new();
        for (index, c) in text.char_indices() {
            head.push(c);
            if self.width(&head, size) > width && index > 0 {
                head.pop();
                return (head, text[index..].to_string());
            }
        }
        (head, String::new())
    }
}

/// Breakable pieces of a line: a word with its trailing spaces, the part of a hyphenated word
/// up to and with its hyphen (`Low-` `temperature`), or one wide (CJK) character.
fn pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut after_space = false;
    let mut after_hyphen = false;
    for (index, c) in text.char_indices() {
        let wide = unicode_width::UnicodeWidthChar::width(c) == Some(2);
        let word_goes_on = after_hyphen && c.is_alphanumeric();
        if index > start && (wide || word_goes_on || (after_space && c != ' ')) {
            pieces.push(&text[start..index]);
            start = index;
        }
        after_space = c == ' ';
        after_hyphen = c == '-' && index > start;
        if wide {
            pieces.push(&text[start..index + c.len_utf8()]);
            start = index + c.len_utf8();
        }
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_between_words_and_cjk_characters_and_fit() {
        let font = ReportFont::from_bytes(SHIPPED_FONT.to_vec()).unwrap();
        let text = "温度上升测试 temperature rise test at 40 °C\nsecond line";
        let lines = font.wrap(text, 10.0, 60.0);
        assert!(lines.len() > 3, "{lines:?}");
        assert!(
            lines.iter().all(|l| font.width(l, 10.0) <= 60.0),
            "{lines:?}"
        );
        assert_eq!(lines.last().unwrap(), "second line");
        assert_eq!(
            lines.concat().replace(' ', ""),
            text.replace([' ', '\n'], "")
        );
    }

    #[test]
    fn hyphenated_words_break_after_their_hyphen_before_they_are_cut() {
        let font = ReportFont::from_bytes(SHIPPED_FONT.to_vec()).unwrap();
        let width = font.width("Low-temperat", 10.0);
        assert_eq!(
            font.wrap("Low-temperature operation", 10.0, width),
            ["Low-", "temperature", "operation"]
        );
        assert_eq!(font.wrap("-10 °C", 10.0, width), ["-10 °C"]);
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_and_missing_glyphs_measure() {
        let font = ReportFont::from_bytes(SHIPPED_FONT.to_vec()).unwrap();
        let lines = font.wrap(&"x".repeat(200), 8.0, 50.0);
        assert!(lines.len() > 2 && lines.iter().all(|l| !l.is_empty()));
        assert!(font.width("\u{10FFFD}", 8.0) > 0.0);
    }

    #[test]
    fn a_file_that_is_no_font_is_refused() {
        let problem = ReportFont::from_bytes(b"not a font".to_vec())
            .err()
            .unwrap();
        assert!(problem.contains("font"), "{problem}");
    }
}
