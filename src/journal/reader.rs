//! Reading a journal back: every entry, in order, with a crash-broken last line reported rather
//! than fatal.
//!
//! A line is kept when it parses as an [`Entry`], even if its trailing newline is missing: a
//! complete JSON object was fully written before the crash, so its event happened. A line that
//! does not parse is a crash artefact only when it is the very last one (cut mid-JSON, or
//! garbage such as the zero bytes a power cut can leave); anywhere else it is an error naming
//! the file, the line and the serde message. So is a last line that is complete JSON but not an
//! entry (an unknown event type, say): a crash cannot produce one, so it is not dropped.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::event::Entry;
use super::rundir::RunDir;
use super::JournalError;

/// Everything a journal holds.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalContents {
    /// Every complete entry, in order; `seq` runs 1, 2, 3, …
    pub entries: Vec<Entry>,
    /// The broken last line left by a crash, if any. It is not part of [`Self::entries`].
    pub truncated_tail: Option<TruncatedTail>,
    /// Length in bytes of the valid part of the journal (everything before the broken tail).
    pub valid_bytes: u64,
}

/// A broken last line: what a kill or power cut in the middle of a write leaves behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruncatedTail {
    /// 1-based line number of the broken line.
    pub line: usize,
    /// Its length in bytes.
    pub bytes: u64,
    /// Byte offset where it starts.
    pub offset: u64,
    /// Why it was rejected.
    pub reason: String,
}

impl fmt::Display for TruncatedTail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "incomplete last line {} ({} bytes): {}",
            self.line, self.bytes, self.reason
        )
    }
}

/// A line that did not parse, held until we know whether it is the last one.
struct BadLine {
    line: usize,
    offset: u64,
    message: String,
}

/// Reads the journal of a run directory.
pub fn read_journal(dir: &RunDir) -> Result<JournalContents, JournalError> {
    read_with(dir, Sequence::Checked)
}

/// Whether [`scan`] insists on sequence numbers 1, 2, 3, …
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sequence {
    /// A number out of order is [`JournalError::SequenceGap`].
    Checked,
    /// Numbers are taken as they are (for repairing them).
    AsWritten,
}

/// Reads the journal of a run directory, checking the sequence or not.
pub(super) fn read_with(dir: &RunDir, sequence: Sequence) -> Result<JournalContents, JournalError> {
    let path = dir.journal_path();
    let file = File::open(&path).map_err(|e| JournalError::io("read journal", &path, e))?;
    scan(&path, BufReader::new(file), sequence)
}

fn scan(
    path: &Path,
    mut reader: impl BufRead,
    sequence: Sequence,
) -> Result<JournalContents, JournalError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut bad: Option<BadLine> = None;
    let mut buf = Vec::new();
    let mut offset = 0u64;
    let mut line = 0usize;
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| JournalError::io("read journal", path, e))?;
        if read == 0 {
            break;
        }
        line += 1;
        if let Some(earlier) = bad.take() {
            return Err(JournalError::CorruptLine {
                path: path.into(),
                line: earlier.line,
                message: earlier.message,
            });
        }
        match serde_json::from_slice::<Entry>(&buf) {
            Ok(entry) => {
                let expected = entries.last().map_or(1, |last| last.seq + 1);
                if sequence == Sequence::Checked && entry.seq != expected {
                    return Err(JournalError::SequenceGap {
                        path: path.into(),
                        line,
                        expected,
                        found: entry.seq,
                    });
                }
                entries.push(entry);
            }
            Err(e) if is_complete_json(&buf) => {
                // Not a crash artefact (a cut line is never complete JSON): an unknown event,
                // perhaps from a newer facebench, must not be dropped as a broken tail.
                return Err(JournalError::CorruptLine {
                    path: path.into(),
                    line,
                    message: describe(&e),
                });
            }
            Err(e) => {
                let message = if buf.ends_with(b"\n") {
                    describe(&e)
                } else {
                    format!("cut off before its newline ({})", describe(&e))
                };
                bad = Some(BadLine {
                    line,
                    offset,
                    message,
                });
            }
        }
        offset += read as u64;
    }
    let truncated_tail = bad.map(|tail| TruncatedTail {
        line: tail.line,
        bytes: offset - tail.offset,
        offset: tail.offset,
        reason: tail.message,
    });
    let valid_bytes = truncated_tail.as_ref().map_or(offset, |tail| tail.offset);
    Ok(JournalContents {
        entries,
        truncated_tail,
        valid_bytes,
    })
}

/// True when the line is one whole JSON value, whatever its shape.
fn is_complete_json(line: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
}

/// The serde message with the position given as a column of the journal line (serde counts
/// lines within the one line it was given, which would only confuse).
fn describe(error: &serde_json::Error) -> String {
    let full = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    match full.strip_suffix(&position) {
        Some(message) => format!("column {}: {message}", error.column()),
        None => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::event::RunEvent;

    fn line(seq: u64) -> String {
        let entry = Entry {
            seq,
            utc: chrono::DateTime::UNIX_EPOCH,
            mono_ms: seq * 10,
            event: RunEvent::RunStopped {
                reason: format!("stop {seq}"),
            },
        };
        let mut text = serde_json::to_string(&entry).unwrap();
        text.push('\n');
        text
    }

    fn scan_str(text: &str) -> Result<JournalContents, JournalError> {
        scan(
            Path::new("run/journal.jsonl"),
            text.as_bytes(),
            Sequence::Checked,
        )
    }

    #[test]
    fn empty_journal_has_no_entries_and_no_tail() {
        let contents = scan_str("").unwrap();
        assert!(contents.entries.is_empty());
        assert_eq!(contents.truncated_tail, None);
        assert_eq!(contents.valid_bytes, 0);
    }

    #[test]
    fn a_line_cut_mid_json_is_reported_as_the_tail() {
        let good = format!("{}{}", line(1), line(2));
        let cut = &line(3)[..20];
        let contents = scan_str(&format!("{good}{cut}")).unwrap();
        assert_eq!(contents.entries.len(), 2);
        let tail = contents.truncated_tail.unwrap();
        assert_eq!((tail.line, tail.bytes), (3, 20));
        assert_eq!(tail.offset, good.len() as u64);
        assert_eq!(contents.valid_bytes, good.len() as u64);
        assert!(
            tail.reason.starts_with("cut off before its newline"),
            "{tail}"
        );
    }

    #[test]
    fn a_complete_last_object_without_newline_is_kept() {
        let last = line(2);
        let text = format!("{}{}", line(1), last.trim_end());
        let contents = scan_str(&text).unwrap();
        assert_eq!(contents.entries.len(), 2);
        assert_eq!(contents.truncated_tail, None);
        assert_eq!(contents.valid_bytes, text.len() as u64);
    }

    #[test]
    fn zero_bytes_after_a_power_cut_are_the_tail() {
        let text = format!("{}\0\0\0\0\n", line(1));
        let tail = scan_str(&text).unwrap().truncated_tail.unwrap();
        assert_eq!((tail.line, tail.bytes), (2, 5));
    }

    #[test]
    fn a_corrupt_middle_line_is_an_error_with_file_line_and_message() {
        let text = format!("{}{{\"seq\": 2, oops}}\n{}", line(1), line(3));
        let err = scan_str(&text).unwrap_err();
        let JournalError::CorruptLine { line, .. } = &err else {
            panic!("unexpected {err:?}");
        };
        assert_eq!(*line, 2);
        let shown = err.to_string();
        assert!(
            shown.starts_with("run/journal.jsonl:2: corrupt journal line: column "),
            "{shown}"
        );
        assert!(shown.contains("key must be a string"), "{shown}");
    }

    #[test]
    fn a_complete_but_unknown_last_line_is_an_error_not_a_tail() {
        let unknown = r#"{"seq":2,"utc":"2026-01-01T00:00:00Z","mono_ms":5,"type":"run_paused"}"#;
        let text = format!("{}{unknown}\n", line(1));
        let err = scan_str(&text).unwrap_err();
        assert!(
            matches!(err, JournalError::CorruptLine { line: 2, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("run_paused"), "{err}");
    }

    #[test]
    fn a_blank_middle_line_is_corrupt_too() {
        let text = format!("{}\n{}", line(1), line(2));
        assert!(matches!(
            scan_str(&text),
            Err(JournalError::CorruptLine { line: 2, .. })
        ));
    }

    #[test]
    fn sequence_numbers_must_run_without_gaps_or_repeats() {
        let repeat = format!("{}{}{}", line(1), line(2), line(2));
        let err = scan_str(&repeat).unwrap_err();
        assert!(matches!(
            err,
            JournalError::SequenceGap {
                line: 3,
                expected: 3,
                found: 2,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            "run/journal.jsonl:3: sequence number 2 again (or out of order), expected 3; \
             the journal was written by two processes at once (or edited): \
             `facebench repair run` renumbers it in file order and keeps a backup"
        );
        let gap = format!("{}{}", line(1), line(3));
        let err = scan_str(&gap).unwrap_err();
        assert!(matches!(err, JournalError::SequenceGap { line: 2, .. }));
        assert!(
            err.to_string()
                .contains("sequence number 3, expected 2 (3 skips ahead)"),
            "{err}"
        );
        let unordered = scan(Path::new("j"), repeat.as_bytes(), Sequence::AsWritten).unwrap();
        assert_eq!(unordered.entries.len(), 3);
    }
}
