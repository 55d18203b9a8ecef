//! Safe file and zip-entry names built from user input.
//!
//! Vendor, model, standard and category names come from the operator and the plan; they end up
//! in file names of the submission bundle and in zip entry names. Everything here guarantees that
//! such a name is one plain path component: no separators, no `..`, no control characters, no
//! leading dot, no Windows-reserved characters or device names, never empty, and short enough
//! (capped by characters per component, by bytes for the whole file name) for every common file
//! system. [`join_in`] is the last line of defence: it refuses anything that would not stay in
//! the output folder.

use std::path::{Component, Path, PathBuf};

use super::ReportError;

/// The most characters one user-supplied component (vendor, model, category …) keeps.
pub const MAX_COMPONENT_CHARS: usize = 48;

/// The most bytes a whole file name may take (ext4 and most others allow 255).
pub const MAX_FILE_NAME_BYTES: usize = 240;

/// What an empty or fully rejected component becomes.
const EMPTY_REPLACEMENT: &str = "unnamed";

/// Characters Windows refuses in file names, plus the brackets the submission pattern uses.
const FORBIDDEN: &[char] = &['/', '\\', '<', '>', ':', '"', '|', '?', '*', '[', ']'];

/// Windows device names, refused with any extension.
const RESERVED_NAMES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// The longest extension (dot excluded) [`safe_file_name`] keeps when it shortens a name.
const MAX_EXTENSION_CHARS: usize = 15;

/// Unicode format characters (general category Cf, Unicode 15): invisible characters that
/// reorder or hide text (U+202E RIGHT-TO-LEFT OVERRIDE turns `photo\u{202E}gpj.exe` into what
/// looks like `photoexe.jpg`), so they are treated as control characters in names.
const FORMAT_CHARS: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
    ('\u{E0020}', '\u{E007F}'),
];

/// True for a Unicode format character (general category Cf): zero-width spaces and joiners,
/// bidirectional marks, overrides and isolates, the byte-order mark, tags …
pub fn is_format_char(c: char) -> bool {
    FORMAT_CHARS
        .iter()
        .any(|&(first, last)| (first..=last).contains(&c))
}

/// True for a character no name may hold: a control or format character.
pub fn is_invisible(c: char) -> bool {
    c.is_control() || is_format_char(c)
}

/// Makes one user-supplied string safe to embed in a file name.
///
/// Forbidden, control and format characters and runs of two or more dots become `_`; runs of
/// `_` and whitespace collapse; leading and trailing dots, spaces and `_` are trimmed; Windows
/// device names get a `_` prefix; the result is capped at [`MAX_COMPONENT_CHARS`] characters
/// and is never empty.
pub fn safe_file_component(raw: &str) -> String {
    finish(&cap_chars(&clean(raw), MAX_COMPONENT_CHARS))
}

/// Like [`safe_file_component`], for a file name: a name too long is shortened in its stem, so
/// that its extension (up to 15 letters or digits) survives.
pub fn safe_file_name(raw: &str) -> String {
    let cleaned = clean(raw);
    let body = trim_edges(&cleaned);
    if body.chars().count() > MAX_COMPONENT_CHARS {
        if let Some((stem, extension)) = split_extension(body) {
            let room = MAX_COMPONENT_CHARS - extension.chars().count();
            let stem = cap_chars(stem, room);
            if !trim_edges(&stem).is_empty() {
                return finish(&format!("{}{extension}", trim_edges(&stem)));
            }
        }
    }
    finish(&cap_chars(&cleaned, MAX_COMPONENT_CHARS))
}

/// Splits `name.ext` into (`name`, `.ext`) when the extension is 1 to [`MAX_EXTENSION_CHARS`]
/// letters or digits and the stem is not empty.
fn split_extension(name: &str) -> Option<(&str, &str)> {
    let dot = name.rfind('.').filter(|&dot| dot > 0)?;
    let extension = &name[dot..];
    let letters = extension.chars().count() - 1;
    let plain = extension[1..].chars().all(char::is_alphanumeric);
    (plain && (1..=MAX_EXTENSION_CHARS).contains(&letters)).then(|| name.split_at(dot))
}

/// Replaces forbidden, control and format characters and dot runs, and collapses runs of `_`
/// and spaces.
fn clean(raw: &str) -> String {
    let mut replaced = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '.' && chars.peek() == Some(&'.') {
            while chars.peek() == Some(&'.') {
                chars.next();
            }
            replaced.push('_');
        } else if FORBIDDEN.contains(&c) || is_invisible(c) {
            replaced.push('_');
        } else if c.is_whitespace() {
            replaced.push(' ');
        } else {
            replaced.push(c);
        }
    }
    collapse_runs(&replaced)
}

/// The first `max` characters of `text` without its edges.
fn cap_chars(text: &str, max: usize) -> String {
    trim_edges(text).chars().take(max).collect()
}

/// Trims the edges again (a cut may end on a space), never empty, device names prefixed.
fn finish(text: &str) -> String {
    let trimmed = trim_edges(text);
    if trimmed.is_empty() {
        return EMPTY_REPLACEMENT.to_string();
    }
    if is_reserved(trimmed) {
        return format!("_{trimmed}");
    }
    trimmed.to_string()
}

/// Collapses runs of `_` into one `_` and runs of spaces into one space.
fn collapse_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let repeat = (c == '_' || c == ' ') && out.ends_with(c);
        if !repeat {
            out.push(c);
        }
    }
    out
}

fn trim_edges(text: &str) -> &str {
    text.trim_matches(|c: char| c == '.' || c == '_' || c.is_whitespace())
}

fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    RESERVED_NAMES
        .iter()
        .any(|reserved| stem.eq_ignore_ascii_case(reserved))
}

/// One piece of a file-name template: fixed text, or a user value to sanitise.
#[derive(Debug, Clone, Copy)]
enum Piece<'a> {
    Fixed(&'a str),
    User(&'a str),
}

/// Joins fixed text and sanitised user values, shortening the longest user values (by one
/// character at a time) until the name fits [`MAX_FILE_NAME_BYTES`].
fn assemble(pieces: &[Piece<'_>]) -> String {
    let mut parts: Vec<(bool, String)> = pieces
        .iter()
        .map(|p| match p {
            Piece::Fixed(text) => (false, (*text).to_string()),
            Piece::User(raw) => (true, safe_file_component(raw)),
        })
        .collect();
    let total = |parts: &[(bool, String)]| parts.iter().map(|(_, s)| s.len()).sum::<usize>();
    while total(&parts) > MAX_FILE_NAME_BYTES {
        let longest = parts
            .iter_mut()
            .filter(|(user, text)| *user && text.chars().count() > 1)
            .max_by_key(|(_, text)| text.len());
        let Some((_, text)) = longest else { break };
        text.pop();
        let shortened = trim_edges(text).to_string();
        *text = if shortened.is_empty() {
            "_".to_string()
        } else {
            shortened
        };
    }
    parts.into_iter().map(|(_, s)| s).collect()
}

/// `[1微信刷脸支付-<name_zh>测试用例v<version>]-[<vendor>][<model>].xlsx`.
pub fn workbook_file_name(name_zh: &str, version: &str, vendor: &str, model: &str) -> String {
    assemble(&[
        Piece::Fixed("[1微信刷脸支付-"),
        Piece::User(name_zh),
        Piece::Fixed("测试用例v"),
        Piece::User(version),
        Piece::Fixed("]-["),
        Piece::User(vendor),
        Piece::Fixed("]["),
        Piece::User(model),
        Piece::Fixed("].xlsx"),
    ])
}

/// `<vendor>-<model>`: the folder of one model's reports and submission.
pub fn model_folder_name(vendor: &str, model: &str) -> String {
    assemble(&[Piece::User(vendor), Piece::Fixed("-"), Piece::User(model)])
}

/// `[<number><name>]-[<vendor>][<model>].zip`.
pub fn category_zip_name(number: u32, name: &str, vendor: &str, model: &str) -> String {
    let prefix = format!("[{number}");
    assemble(&[
        Piece::Fixed(&prefix),
        Piece::User(name),
        Piece::Fixed("]-["),
        Piece::User(vendor),
        Piece::Fixed("]["),
        Piece::User(model),
        Piece::Fixed("].zip"),
    ])
}

/// A vendor-supplied file name: `[<tag>]-[<vendor>][<model>]<suffix>.<ext>`, where `suffix` is
/// fixed text such as `[SDK模式]` (or empty).
pub fn submission_file_name(
    tag: &str,
    vendor: &str,
    model: &str,
    suffix: &str,
    ext: &str,
) -> String {
    let head = format!("[{tag}]-[");
    let tail = format!("]{suffix}.{ext}");
    assemble(&[
        Piece::Fixed(&head),
        Piece::User(vendor),
        Piece::Fixed("]["),
        Piece::User(model),
        Piece::Fixed(&tail),
    ])
}

/// Joins a file name onto `dir`, refusing anything that is not exactly one normal component
/// (so the result's parent is always `dir`).
pub fn join_in(dir: &Path, name: &str) -> Result<PathBuf, ReportError> {
    let mut components = Path::new(name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(part)), None)
            if part == name && !name.contains(['/', '\\', '\0']) =>
        {
            Ok(dir.join(part))
        }
        _ => Err(ReportError::UnsafeName {
            name: name.to_string(),
        }),
    }
}

/// A safe zip entry name for a path relative to the run directory: separators of either kind
/// split components; empty, `.`, `..` and drive (`C:`) components are dropped; each remaining
/// component is sanitised, the last one as a file name (a long one keeps its extension).
/// `None` when nothing is left.
pub fn zip_entry_name(relative: &str) -> Option<String> {
    let kept: Vec<&str> = relative
        .split(['/', '\\'])
        .filter(|part| {
            let trimmed = part.trim();
            !trimmed.is_empty()
                && trimmed != "."
                && trimmed != ".."
                && !(trimmed.len() == 2 && trimmed.ends_with(':'))
        })
        .collect();
    let (file, folders) = kept.split_last()?;
    let mut parts: Vec<String> = folders.iter().map(|f| safe_file_component(f)).collect();
    parts.push(safe_file_name(file));
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &[&str] = &[
        "../../evil",
        "..",
        ".",
        "...",
        "a/b\\c",
        "/etc/passwd",
        "C:\\Windows\\system32",
        "nul\0byte",
        "\0",
        "line\nbreak\ttab\r",
        ".hidden",
        "CON",
        "con.txt",
        "Lpt9",
        "a<b>c:d\"e|f?g*h",
        "[x]-[y]",
        "   ",
        "",
        "\u{7f}\u{1b}[31m",
        "trailing dots...",
        "__..__",
        "photo\u{202E}gpj.exe",
        "zero\u{200B}width\u{FEFF}",
        "\u{200E}\u{200F}\u{2066}\u{2069}",
        "tag\u{E0041}\u{E007F}",
    ];

    fn assert_plain(name: &str) {
        assert!(!name.is_empty());
        assert!(!name.starts_with('.'), "{name:?}");
        assert!(!name.contains(".."), "{name:?}");
        assert!(
            !name
                .chars()
                .any(|c| FORBIDDEN.contains(&c) || is_invisible(c)),
            "{name:?}"
        );
        assert!(!is_reserved(name), "{name:?}");
    }

    #[test]
    fn hostile_components_become_plain_names() {
        for raw in HOSTILE {
            let clean = safe_file_component(raw);
            assert_plain(&clean);
            assert!(clean.chars().count() <= MAX_COMPONENT_CHARS);
        }
    }

    #[test]
    fn specific_replacements() {
        assert_eq!(safe_file_component("../../evil"), "evil");
        assert_eq!(safe_file_component("a/b\\c"), "a_b_c");
        assert_eq!(safe_file_component("nul\0byte"), "nul_byte");
        assert_eq!(safe_file_component(".."), "unnamed");
        assert_eq!(safe_file_component(""), "unnamed");
        assert_eq!(safe_file_component(".hidden"), "hidden");
        assert_eq!(safe_file_component("CON"), "_CON");
        assert_eq!(safe_file_component("con.txt"), "_con.txt");
        assert_eq!(safe_file_component("  Acme   Corp "), "Acme Corp");
        assert_eq!(safe_file_component("FP-200"), "FP-200");
        assert_eq!(safe_file_component("v1.4"), "v1.4");
        assert_eq!(safe_file_component("深圳某某科技"), "深圳某某科技");
        assert_eq!(safe_file_component("photo\u{202E}gpj.exe"), "photo_gpj.exe");
        assert_eq!(safe_file_component("Ac\u{200B}me"), "Ac_me");
        assert_eq!(safe_file_component("\u{FEFF}Acme\u{200E}"), "Acme");
        assert_eq!(safe_file_component("\u{2066}\u{2069}"), "unnamed");
    }

    #[test]
    fn every_format_character_listed_in_the_brief_is_caught() {
        for c in [
            '\u{202E}',
            '\u{200B}',
            '\u{200E}',
            '\u{200F}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{E0001}',
        ] {
            assert!(is_format_char(c), "U+{:04X}", c as u32);
        }
        for c in ['a', '测', ' ', '\u{2010}', '\u{2070}', '\u{FEFE}'] {
            assert!(!is_format_char(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn long_file_names_keep_their_extension() {
        let long = format!("{}.jpg", "evidence photo ".repeat(10));
        let name = safe_file_name(&long);
        assert!(name.ends_with(".jpg"), "{name}");
        assert!(name.chars().count() <= MAX_COMPONENT_CHARS, "{name}");
        assert!(name.starts_with("evidence photo evidence"), "{name}");
        let cjk = format!("{}.csv", "温".repeat(200));
        assert_eq!(safe_file_name(&cjk), format!("{}.csv", "温".repeat(44)));
        // Short names and names without a real extension are as for a component.
        assert_eq!(safe_file_name("a.jpg"), "a.jpg");
        assert_eq!(safe_file_name(&"x".repeat(60)), "x".repeat(48));
        let odd = format!("{}.not an extension", "y".repeat(60));
        assert_eq!(safe_file_name(&odd), "y".repeat(48));
        assert_eq!(safe_file_name("con.jpg"), "_con.jpg");
    }

    #[test]
    fn length_is_capped_by_characters() {
        let long_cjk = "测".repeat(500);
        let clean = safe_file_component(&long_cjk);
        assert_eq!(clean.chars().count(), MAX_COMPONENT_CHARS);
        assert!(clean.chars().all(|c| c == '测'));
        let long_ascii = "a".repeat(10_000);
        assert_eq!(safe_file_component(&long_ascii).len(), MAX_COMPONENT_CHARS);
    }

    #[test]
    fn file_names_stay_in_the_output_folder() {
        let out = Path::new("/tmp/out");
        for vendor in HOSTILE {
            for model in ["../x", "m/../../n", "ok", &"型".repeat(300)] {
                let names = [
                    workbook_file_name("桌面收银", "1.4", vendor, model),
                    category_zip_name(2, "温升测试", vendor, model),
                    category_zip_name(3, "../../..", vendor, model),
                    submission_file_name("3设备流程视频", vendor, model, "[SDK模式]", "mp4"),
                ];
                for name in names {
                    assert!(name.len() <= MAX_FILE_NAME_BYTES, "{name}");
                    let path = join_in(out, &name).unwrap();
                    assert_eq!(path.parent(), Some(out), "{name}");
                    assert!(!name.contains('/') && !name.contains('\\') && !name.contains('\0'));
                }
            }
        }
    }

    #[test]
    fn patterns_match_the_network_examples() {
        assert_eq!(
            workbook_file_name("桌面收银", "1.4", "Acme", "FP-200"),
            "[1微信刷脸支付-桌面收银测试用例v1.4]-[Acme][FP-200].xlsx"
        );
        assert_eq!(
            category_zip_name(2, "温升测试", "Acme", "FP-200"),
            "[2温升测试]-[Acme][FP-200].zip"
        );
        assert_eq!(
            submission_file_name("2软件预检测结果", "Acme", "FP-200", "[APP模式]", "xls"),
            "[2软件预检测结果]-[Acme][FP-200][APP模式].xls"
        );
    }

    #[test]
    fn long_names_shrink_to_fit_bytes() {
        let vendor = "厂".repeat(48);
        let model = "型".repeat(48);
        let name = workbook_file_name(&"标".repeat(48), "1.4", &vendor, &model);
        assert!(name.len() <= MAX_FILE_NAME_BYTES, "{} bytes", name.len());
        assert!(name.ends_with("].xlsx"));
        assert!(name.contains('厂') && name.contains('型'));
    }

    #[test]
    fn join_in_refuses_anything_but_one_component() {
        let out = Path::new("out");
        for bad in ["", ".", "..", "a/b", "/abs", "a\\b", "x\0y", "../x"] {
            assert!(join_in(out, bad).is_err(), "{bad:?}");
        }
        assert_eq!(join_in(out, "a.zip").unwrap(), Path::new("out/a.zip"));
    }

    #[test]
    fn zip_entries_are_relative_and_clean() {
        assert_eq!(
            zip_entry_name("attachments/CLM-001/photo.jpg").as_deref(),
            Some("attachments/CLM-001/photo.jpg")
        );
        assert_eq!(
            zip_entry_name("../../etc/passwd").as_deref(),
            Some("etc/passwd")
        );
        assert_eq!(zip_entry_name("/abs/x.png").as_deref(), Some("abs/x.png"));
        assert_eq!(
            zip_entry_name("C:\\evil\\..\\x.png").as_deref(),
            Some("evil/x.png")
        );
        assert_eq!(zip_entry_name("a/.hidden"), Some("a/hidden".to_string()));
        assert_eq!(zip_entry_name("../.."), None);
        let long = format!("attachments/CLM-001/{}.png", "p".repeat(300));
        let entry = zip_entry_name(&long).unwrap();
        assert!(entry.starts_with("attachments/CLM-001/ppp"), "{entry}");
        assert!(entry.ends_with(".png"), "{entry}");
        assert_eq!(
            zip_entry_name("attachments/x\u{202E}/a\u{200B}b.txt").as_deref(),
            Some("attachments/x/a_b.txt")
        );
        assert_eq!(zip_entry_name(""), None);
    }
}
