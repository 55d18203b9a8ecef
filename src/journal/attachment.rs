//! Copying evidence files into a run directory, under names that cannot leave it.
//!
//! An attachment lands in `attachments/<item>/<name>`, where both the item id and the file name
//! are sanitised: path separators, control and Unicode format characters (NUL, U+202E, U+200B
//! included) and characters Windows
//! refuses become `_`, leading and trailing dots and spaces are dropped (so `..` cannot climb),
//! Windows device names get a `_` prefix, and long names are shortened keeping the extension.
//! A name already taken gets a numeric suffix (`photo-2.jpg`); nothing is overwritten.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

use super::rundir::{sync_dir, RunDir};
use super::JournalError;
use crate::report::names::is_invisible;

/// Longest sanitised name, in bytes (well under every file system's 255).
const MAX_NAME_BYTES: usize = 120;
/// Longest extension kept when a name is shortened, in bytes (dot included).
const MAX_EXTENSION_BYTES: usize = 16;
/// How many numbered variants of one name are tried before giving up.
const MAX_NAME_SUFFIX: u32 = 9999;
/// Device names Windows reserves whatever the extension.
const WINDOWS_DEVICE_NAMES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

impl RunDir {
    /// Copies an evidence file into `attachments/<item>/` and syncs it, returning its path
    /// relative to the run directory (with `/` separators), ready for
    /// [`ItemResult::attachments`](super::ItemResult::attachments).
    pub fn copy_attachment(&self, item: &str, source: &Path) -> Result<String, JournalError> {
        let unreadable = |source_error| JournalError::Attachment {
            path: source.into(),
            source: source_error,
        };
        let mut input = File::open(source).map_err(unreadable)?;
        if !input.metadata().map_err(unreadable)?.is_file() {
            let not_file = io::Error::new(io::ErrorKind::InvalidInput, "not a regular file");
            return Err(unreadable(not_file));
        }
        let item_dir_name = sanitise_file_name(item, "item");
        let raw_name = source
            .file_name()
            .map(|name| name.to_string_lossy())
            .unwrap_or_default();
        let file_name = sanitise_file_name(&raw_name, "attachment");

        let attachments = self.attachments_dir();
        ensure_dir(&attachments)?;
        let item_dir = attachments.join(&item_dir_name);
        ensure_dir(&item_dir)?;
        let (name, mut output) = create_unique(&item_dir, &file_name)?;
        let target = item_dir.join(&name);
        if let Err(e) = io::copy(&mut input, &mut output).and_then(|_| output.sync_all()) {
            let _ = fs::remove_file(&target);
            return Err(JournalError::io("write attachment", target, e));
        }
        sync_dir(&item_dir)?;
        Ok(format!("{}/{item_dir_name}/{name}", RunDir::ATTACHMENTS))
    }
}

/// Creates `dir` if missing (syncing it into its parent); an existing directory is fine.
fn ensure_dir(dir: &Path) -> Result<(), JournalError> {
    match fs::create_dir(dir) {
        Ok(()) => match dir.parent() {
            Some(parent) => sync_dir(parent),
            None => Ok(()),
        },
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(JournalError::io("create directory", dir, e)),
    }
}

/// Creates a new file named `name` in `dir`, or `stem-2.ext`, `stem-3.ext`, … when taken.
fn create_unique(dir: &Path, name: &str) -> Result<(String, File), JournalError> {
    let (stem, extension) = split_extension(name);
    for n in 1..=MAX_NAME_SUFFIX {
        let candidate = if n == 1 {
            name.to_string()
        } else {
            format!("{stem}-{n}{extension}")
        };
        let path = dir.join(&candidate);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((candidate, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(JournalError::io("create attachment", path, e)),
        }
    }
    let taken = io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{MAX_NAME_SUFFIX} attachments with this name already exist"),
    );
    Err(JournalError::io("create attachment", dir.join(name), taken))
}

/// Splits `photo.jpg` into (`photo`, `.jpg`); a name without a dot, or starting with its
/// only dot, has no extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    }
}

/// Makes a single, portable path component out of untrusted text; `fallback` when nothing
/// usable is left.
fn sanitise_file_name(raw: &str, fallback: &str) -> String {
    let replaced: String = raw
        .chars()
        .map(|c| {
            if is_invisible(c) || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() {
        return fallback.to_string();
    }
    let mut name = shorten(trimmed);
    let (stem, _) = split_extension(&name);
    if WINDOWS_DEVICE_NAMES
        .iter()
        .any(|device| stem.eq_ignore_ascii_case(device))
    {
        name.insert(0, '_');
    }
    name
}

/// Cuts a name to [`MAX_NAME_BYTES`] on a character boundary, keeping a short extension.
fn shorten(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_string();
    }
    let (stem, extension) = match split_extension(name) {
        (stem, ext) if ext.len() <= MAX_EXTENSION_BYTES => (stem, ext),
        _ => (name, ""),
    };
    let mut end = MAX_NAME_BYTES - extension.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", &stem[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitised_names_are_one_harmless_component() {
        let cases = [
            ("../../etc/passwd", "_.._etc_passwd"),
            ("..", "attachment"),
            ("a/b\\c", "a_b_c"),
            ("nul\0byte", "nul_byte"),
            ("bell\u{7}\ttab\nline", "bell__tab_line"),
            ("  .hidden.jpg. ", "hidden.jpg"),
            ("C:photo?.jpg", "C_photo_.jpg"),
            ("con.txt", "_con.txt"),
            ("LPT1", "_LPT1"),
            ("", "attachment"),
            ("照片 1.jpg", "照片 1.jpg"),
            ("photo\u{202E}gpj.exe", "photo_gpj.exe"),
            ("\u{FEFF}a\u{200B}b\u{2066}.png", "_a_b_.png"),
        ];
        for (raw, expected) in cases {
            assert_eq!(sanitise_file_name(raw, "attachment"), expected, "{raw:?}");
        }
    }

    #[test]
    fn long_names_keep_their_extension_and_char_boundaries() {
        let long = format!("{}.jpeg", "照".repeat(100));
        let short = sanitise_file_name(&long, "x");
        assert!(short.len() <= MAX_NAME_BYTES);
        assert!(short.ends_with("照.jpeg"), "{short}");
    }

    #[test]
    fn split_extension_takes_the_last_dot() {
        assert_eq!(split_extension("photo.tar.gz"), ("photo.tar", ".gz"));
        assert_eq!(split_extension("README"), ("README", ""));
    }
}
