//! Repairing a journal whose sequence numbers are out of order: what two processes writing the
//! same run at once (before run directories were locked) leave behind.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use super::atomic::write_atomically;
use super::reader::{read_with, Sequence};
use super::rundir::{sync_dir, RunDir};
use super::{JournalError, TruncatedTail};

/// One entry whose sequence number was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renumbered {
    /// 1-based line in the journal.
    pub line: usize,
    /// The sequence number it had.
    pub from: u64,
    /// The one it has now.
    pub to: u64,
}

/// What [`repair_journal`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairReport {
    /// How many entries the journal holds.
    pub entries: usize,
    /// The entries renumbered, in file order.
    pub renumbered: Vec<Renumbered>,
    /// A broken last line that was dropped.
    pub dropped_tail: Option<TruncatedTail>,
    /// The copy of the journal as it was; `None` when nothing needed repair.
    pub backup: Option<PathBuf>,
}

/// Renumbers the journal's entries 1, 2, 3, … in file order (dropping a broken last line), after
/// keeping the journal as it was as `journal.jsonl.bak-<UTC>`. Takes the directory's lock, so it
/// never runs beside a run. Lines that do not parse in the middle of the journal are not
/// guessed at: they stay an error naming the line.
pub fn repair_journal(dir: &RunDir) -> Result<RepairReport, JournalError> {
    let dir = dir.lock()?;
    let mut contents = read_with(&dir, Sequence::AsWritten)?;
    let mut renumbered = Vec::new();
    for (index, entry) in contents.entries.iter_mut().enumerate() {
        let to = index as u64 + 1;
        if entry.seq != to {
            renumbered.push(Renumbered {
                line: index + 1,
                from: entry.seq,
                to,
            });
            entry.seq = to;
        }
    }
    let mut report = RepairReport {
        entries: contents.entries.len(),
        renumbered,
        dropped_tail: contents.truncated_tail,
        backup: None,
    };
    if report.renumbered.is_empty() && report.dropped_tail.is_none() {
        return Ok(report);
    }
    let journal = dir.journal_path();
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let backup = dir.path().join(format!("{}.bak-{stamp}", RunDir::JOURNAL));
    fs::hard_link(&journal, &backup)
        .map_err(|e| JournalError::io("keep a backup of the journal", &backup, e))?;
    sync_dir(dir.path())?;
    let mut text = Vec::new();
    for entry in &contents.entries {
        serde_json::to_writer(&mut text, entry).map_err(|e| JournalError::Unrecordable {
            path: journal.clone(),
            event: entry.event.kind(),
            message: e.to_string(),
        })?;
        text.push(b'\n');
    }
    write_atomically(
        &journal,
        |file| {
            file.write_all(&text)
                .map_err(|e| JournalError::io("write repaired journal", &journal, e))
        },
        |path, e| JournalError::io("write repaired journal", path, e),
    )?;
    report.backup = Some(backup);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::SimClock;
    use crate::journal::fixtures::{item_started, run_started};
    use crate::journal::{read_journal, JournalWriter};

    #[test]
    fn interleaved_writers_are_renumbered_in_file_order_with_a_backup() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(&tmp.path().join("run")).unwrap();
        let clock = Arc::new(SimClock::starting_at(chrono::DateTime::UNIX_EPOCH));
        let mut writer = JournalWriter::create(&dir, clock).unwrap();
        writer.record(run_started()).unwrap();
        writer.record(item_started("1.1", 1)).unwrap();
        drop(writer);
        drop(dir);
        let dir = RunDir::open(&tmp.path().join("run")).unwrap();
        // A second writer that also thought seq 2 came next.
        let text = fs::read_to_string(dir.journal_path()).unwrap();
        let second = text.lines().nth(1).unwrap().replace("1.1", "1.2");
        let damaged = format!("{text}{second}\n{{\"seq\":3,\"ut");
        fs::write(dir.journal_path(), &damaged).unwrap();
        let err = read_journal(&dir).unwrap_err();
        assert!(
            err.to_string().contains(":3: sequence number 2 again"),
            "{err}"
        );

        let report = repair_journal(&dir).unwrap();
        assert_eq!(report.entries, 3);
        assert_eq!(
            report.renumbered,
            [Renumbered {
                line: 3,
                from: 2,
                to: 3
            }]
        );
        assert_eq!(report.dropped_tail.as_ref().map(|t| t.line), Some(4));
        let backup = report.backup.unwrap();
        assert_eq!(fs::read_to_string(&backup).unwrap(), damaged);
        let repaired = read_journal(&dir).unwrap();
        let seqs: Vec<u64> = repaired.entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert!(fs::read_to_string(dir.journal_path())
            .unwrap()
            .contains("1.2"));

        let again = repair_journal(&dir).unwrap();
        assert!(again.renumbered.is_empty() && again.backup.is_none());
    }
}
