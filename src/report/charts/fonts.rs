//! The font chart text is drawn with, chosen once per process.
//!
//! plotters draws text through ab_glyph from font bytes registered under a family name; there is
//! no per-glyph fallback. So one font serves all chart text: an installed CJK font when one is
//! found and covers both Latin and Chinese (Noto Sans CJK, Source Han Sans, WenQuanYi, Droid
//! Sans Fallback, Microsoft YaHei, PingFang …, or the file named by `FACEBENCH_CJK_FONT`), else
//! the Noto Sans CJK SC subset shipped in `assets/fonts/` (GB2312 level 1 and every character
//! of the shipped plans), and only if that failed the Latin subset of DejaVu Sans. Labels keep
//! only what the font can draw: a Chinese name the font lacks is left out in favour of the
//! English one, never drawn as empty boxes.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};
use plotters::style::{register_font, FontStyle};

/// The family every chart text uses; SVG viewers fall back to their own sans-serif font.
pub(super) const FAMILY: &str = "sans-serif";

/// Environment variable naming a CJK font file to use instead of searching.
pub const CJK_FONT_ENV: &str = "FACEBENCH_CJK_FONT";

/// The embedded Latin font (DejaVu Sans subset: Latin-1, Greek, arrows, math symbols).
static LATIN_FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-subset.ttf");

/// The shipped CJK font (Noto Sans CJK SC subset, see `assets/fonts/README.md`): the PDF
/// report's font, and the charts' when no CJK font is installed.
pub(in crate::report) static SHIPPED_CJK_FONT: &[u8] =
    include_bytes!("../../../assets/fonts/NotoSansCJKsc-subset.otf");

/// How [`ChartFont::cjk`] names the shipped CJK font.
const SHIPPED_CJK_NAME: &str = "assets/fonts/NotoSansCJKsc-subset.otf (embedded)";

/// Folders searched for a CJK font.
const FONT_DIRS: &[&str] = &[
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/System/Library/Fonts",
    "/Library/Fonts",
    "C:\\Windows\\Fonts",
];

/// Lower-case file-name prefixes of CJK fonts, best first.
const CJK_NAMES: &[&str] = &[
    "notosanscjk",
    "notosanssc",
    "sourcehansans",
    "wqy-microhei",
    "wqy-zenhei",
    "droidsansfallback",
    "msyh",
    "simhei",
    "pingfang",
    "hiragino sans gb",
    "stheiti",
];

/// Characters a CJK font must have to be used: Chinese, Latin, digits and our symbols.
const CJK_PROBE: &str = "中文温度测试AZaz09°±";

/// Fonts larger than this are not loaded (a font collection is at most a few tens of MB).
const MAX_FONT_BYTES: u64 = 64 * 1024 * 1024;

/// How many directory entries the search looks at before giving up.
const MAX_SCANNED_ENTRIES: usize = 20_000;

/// The chosen font, registered with plotters.
#[derive(Debug)]
pub(super) struct ChartFont {
    face: FontRef<'static>,
    /// The CJK font file in use, if any.
    pub(super) cjk: Option<PathBuf>,
}

/// The chart font, chosen and registered on first use; `Err` only when even the embedded font
/// could not be registered.
pub(super) fn chart_font() -> Result<&'static ChartFont, String> {
    static FONT: OnceLock<Result<ChartFont, String>> = OnceLock::new();
    FONT.get_or_init(choose).as_ref().map_err(Clone::clone)
}

fn choose() -> Result<ChartFont, String> {
    if let Some((path, bytes)) = find_cjk_font() {
        // Leaked once per process: plotters keeps registered fonts for the program's lifetime.
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        if let Ok(face) = FontRef::try_from_slice(bytes) {
            if register_font(FAMILY, FontStyle::Normal, bytes).is_ok() {
                return Ok(ChartFont {
                    face,
                    cjk: Some(path),
                });
            }
        }
    }
    if let Ok(face) = FontRef::try_from_slice(SHIPPED_CJK_FONT) {
        if register_font(FAMILY, FontStyle::Normal, SHIPPED_CJK_FONT).is_ok() {
            return Ok(ChartFont {
                face,
                cjk: Some(PathBuf::from(SHIPPED_CJK_NAME)),
            });
        }
    }
    let face = FontRef::try_from_slice(LATIN_FONT)
        .map_err(|e| format!("embedded chart font is unreadable: {e}"))?;
    register_font(FAMILY, FontStyle::Normal, LATIN_FONT)
        .map_err(|_| "embedded chart font could not be registered".to_string())?;
    Ok(ChartFont { face, cjk: None })
}

impl ChartFont {
    /// True when every non-space character of `text` has a glyph.
    pub(super) fn covers(&self, text: &str) -> bool {
        text.chars()
            .all(|c| c.is_whitespace() || self.face.glyph_id(c).0 != 0)
    }

    /// `zh en` when the font draws the Chinese name, else the English name alone.
    pub(super) fn bilingual(&self, zh: &str, en: &str) -> String {
        let zh = zh.trim();
        let en = en.trim();
        if zh.is_empty() || zh == en || !self.covers(zh) {
            en.to_string()
        } else if en.is_empty() {
            zh.to_string()
        } else {
            format!("{zh} {en}")
        }
    }

    /// Free text (phase names, notes, channel names) with characters the font lacks shown as
    /// `?` and control characters dropped.
    pub(super) fn printable(&self, text: &str) -> String {
        text.chars()
            .filter(|c| !c.is_control())
            .map(|c| {
                if c == ' ' || self.face.glyph_id(c).0 != 0 {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }
}

/// The first usable CJK font: the one named by [`CJK_FONT_ENV`], else the best match found in
/// [`FONT_DIRS`].
fn find_cjk_font() -> Option<(PathBuf, Vec<u8>)> {
    if let Some(path) = std::env::var_os(CJK_FONT_ENV).map(PathBuf::from) {
        if let Some(bytes) = load_if_usable(&path) {
            return Some((path, bytes));
        }
    }
    let mut candidates = Vec::new();
    let mut budget = MAX_SCANNED_ENTRIES;
    for dir in FONT_DIRS {
        collect_candidates(Path::new(dir), 0, &mut budget, &mut candidates);
    }
    candidates.sort();
    candidates
        .into_iter()
        .find_map(|(_, path)| load_if_usable(&path).map(|bytes| (path, bytes)))
}

/// Adds `(preference, path)` for every CJK-looking font file under `dir`.
fn collect_candidates(dir: &Path, depth: u32, budget: &mut usize, out: &mut Vec<(usize, PathBuf)>) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in listing.flatten() {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && depth < 4 {
            collect_candidates(&path, depth + 1, budget, out);
        } else if kind.is_file() {
            let name = entry.file_name().to_string_lossy().to_lowercase();
            let font_file = [".ttf", ".ttc", ".otf", ".otc"]
                .iter()
                .any(|ext| name.ends_with(ext));
            if let Some(rank) = CJK_NAMES.iter().position(|p| name.starts_with(p)) {
                if font_file {
                    out.push((rank, path));
                }
            }
        }
    }
}

/// The file's bytes when it is a font (first face of a collection) with every glyph of
/// [`CJK_PROBE`].
fn load_if_usable(path: &Path) -> Option<Vec<u8>> {
    let size = std::fs::metadata(path).ok()?.len();
    if size > MAX_FONT_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let face = FontRef::try_from_slice(&bytes).ok()?;
    let covered = CJK_PROBE.chars().all(|c| face.glyph_id(c).0 != 0);
    covered.then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_draws_our_symbols_but_no_chinese() {
        let face = FontRef::try_from_slice(LATIN_FONT).unwrap();
        let latin = ChartFont { face, cjk: None };
        assert!(latin.covers("Chamber 25 °C ±2 K ≤ — µ"));
        assert!(!latin.covers("低温"));
        assert_eq!(
            latin.bilingual("低温工作", "Cold operation"),
            "Cold operation"
        );
        assert_eq!(latin.printable("ramp 升温\u{7}"), "ramp ??");
        assert_eq!(latin.bilingual("", "Drop"), "Drop");
    }

    #[test]
    fn the_chosen_font_draws_latin_and_says_whether_it_draws_chinese() {
        let font = chart_font().unwrap();
        assert!(font.covers("CLM-001 chamber 25 °C"));
        let label = font.bilingual("低温工作", "Cold operation");
        match &font.cjk {
            Some(_) => assert_eq!(label, "低温工作 Cold operation"),
            None => assert_eq!(label, "Cold operation"),
        }
    }

    #[test]
    fn the_shipped_cjk_font_draws_chinese_names_and_our_symbols() {
        let face = FontRef::try_from_slice(SHIPPED_CJK_FONT).unwrap();
        let shipped = ChartFont { face, cjk: None };
        assert!(shipped.covers("温升测试 CLM-008 chamber 25 °C ±2 K ≤ —"));
        assert_eq!(
            shipped.bilingual("低温工作", "Cold operation"),
            "低温工作 Cold operation"
        );
    }

    #[test]
    fn a_file_that_is_not_a_font_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wqy-microhei.ttc");
        std::fs::write(&path, b"not a font").unwrap();
        assert!(load_if_usable(&path).is_none());
        let mut found = Vec::new();
        let mut budget = 100;
        collect_candidates(dir.path(), 0, &mut budget, &mut found);
        assert_eq!(found, vec![(3, path)]);
    }
}
