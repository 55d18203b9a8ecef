//! Appending to a journal, one synced line per event.
//!
//! The writer keeps only its file, the next sequence number and the length of the valid
//! journal, never the entries, so a 72-hour run costs no memory. Each event is serialised to
//! one line, written with a single `write_all`, and synced with `sync_data` before
//! [`JournalWriter::record`] returns. A failed write is rolled back to the last complete line;
//! if even that fails, or a sync fails (the kernel may then have dropped the data), the writer
//! refuses further events and the run must be resumed, which re-reads what really is on disk.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::event::{Entry, RunEvent};
use super::reader::{read_journal, JournalContents};
use super::rundir::{create_new_synced, RunDir};
use super::JournalError;
use crate::clock::Clock;

/// Appends events to a run's journal.
#[derive(Debug)]
pub struct JournalWriter {
    file: File,
    path: PathBuf,
    clock: Arc<dyn Clock>,
    next_seq: u64,
    /// Bytes of complete lines on disk: where a failed write is rolled back to.
    valid_bytes: u64,
    broken: bool,
    /// The run directory, holding its lock for as long as the writer lives.
    _locked: RunDir,
}

impl JournalWriter {
    /// Starts a new journal in `dir`; it must not have one yet. The first event recorded must be
    /// `run_started`, with `seq` 1. The writer holds the directory's lock (taken here unless
    /// `dir` holds it already): [`JournalError::InUse`] while another process holds it.
    pub fn create(dir: &RunDir, clock: Arc<dyn Clock>) -> Result<JournalWriter, JournalError> {
        let locked = dir.lock()?;
        let path = dir.journal_path();
        let file = create_new_synced(&path, "create journal")?;
        Ok(JournalWriter {
            file,
            path,
            clock,
            next_seq: 1,
            valid_bytes: 0,
            broken: false,
            _locked: locked,
        })
    }

    /// Continues the journal of a killed or stopped run. Reads every entry, cuts off a broken
    /// last line (reported in the returned contents), ends a final complete line that lacks its
    /// newline, and continues the sequence after the last entry. The caller records
    /// `run_resumed` next, with `truncated_bytes` from [`JournalContents::truncated_tail`].
    ///
    /// The directory's lock is taken first, so nothing is read or cut while another process
    /// writes the run ([`JournalError::InUse`]). A journal without any event (a run killed
    /// before it started) is [`JournalError::NeverStarted`].
    pub fn resume(
        dir: &RunDir,
        clock: Arc<dyn Clock>,
    ) -> Result<(JournalWriter, JournalContents), JournalError> {
        let locked = dir.lock()?;
        let contents = read_journal(dir)?;
        if contents.entries.is_empty() {
            return Err(JournalError::NeverStarted {
                path: dir.path().into(),
            });
        }
        let path = dir.journal_path();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| JournalError::io("open journal for append", &path, e))?;
        let mut valid_bytes = contents.valid_bytes;
        let needs_newline = !ends_with_newline(&mut file, valid_bytes)
            .map_err(|e| JournalError::io("read journal", &path, e))?;
        let truncate = contents.truncated_tail.is_some();
        if truncate {
            file.set_len(valid_bytes)
                .map_err(|e| JournalError::io("truncate journal", &path, e))?;
        }
        if needs_newline {
            file.write_all(b"\n")
                .map_err(|e| JournalError::io("append to journal", &path, e))?;
            valid_bytes += 1;
        }
        if truncate || needs_newline {
            file.sync_data()
                .map_err(|e| JournalError::io("sync journal", &path, e))?;
        }
        let next_seq = contents.entries.last().map_or(1, |last| last.seq + 1);
        let writer = JournalWriter {
            file,
            path,
            clock,
            next_seq,
            valid_bytes,
            broken: false,
            _locked: locked,
        };
        Ok((writer, contents))
    }

    /// Records one event: stamps it with the next `seq`, UTC time and monotonic milliseconds,
    /// writes it as one line and syncs it to disk, then returns the entry.
    ///
    /// Refused before anything is written: `run_started` anywhere but first, anything else
    /// first, and an event that would not read back (a NaN or infinite value in a measured
    /// series is written by JSON as `null`).
    pub fn record(&mut self, event: RunEvent) -> Result<Entry, JournalError> {
        if self.broken {
            return Err(JournalError::WriterBroken {
                path: self.path.clone(),
            });
        }
        let first = self.next_seq == 1;
        let is_start = matches!(event, RunEvent::RunStarted { .. });
        if first != is_start {
            let message = if first {
                "the first event of a journal must be run_started"
            } else {
                "run_started may only be the first event of a journal"
            };
            return Err(self.unrecordable(&event, message.to_string()));
        }
        let mono_ms = u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        let entry = Entry {
            seq: self.next_seq,
            utc: self.clock.now_utc(),
            mono_ms,
            event,
        };
        let mut line = serde_json::to_vec(&entry)
            .map_err(|e| self.unrecordable(&entry.event, e.to_string()))?;
        if let Err(e) = serde_json::from_slice::<Entry>(&line) {
            let message =
                format!("it would not read back ({e}); is a measured value NaN or infinite?");
            return Err(self.unrecordable(&entry.event, message));
        }
        line.push(b'\n');
        self.append(&line)?;
        self.next_seq += 1;
        Ok(entry)
    }

    /// The sequence number the next recorded event will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes and syncs one complete line, rolling back or stopping on failure.
    fn append(&mut self, line: &[u8]) -> Result<(), JournalError> {
        if let Err(e) = self.file.write_all(line) {
            let rolled_back = self
                .file
                .set_len(self.valid_bytes)
                .and_then(|()| self.file.sync_data());
            self.broken = rolled_back.is_err();
            return Err(JournalError::io("append to journal", &self.path, e));
        }
        if let Err(e) = self.file.sync_data() {
            self.broken = true;
            return Err(JournalError::io("sync journal", &self.path, e));
        }
        self.valid_bytes += line.len() as u64;
        Ok(())
    }

    fn unrecordable(&self, event: &RunEvent, message: String) -> JournalError {
        JournalError::Unrecordable {
            path: self.path.clone(),
            event: event.kind(),
            message,
        }
    }
}

/// True when the first `len` bytes of the file are empty or end with a newline.
fn ends_with_newline(file: &mut File, len: u64) -> std::io::Result<bool> {
    if len == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::time::Duration;

    use super::*;
    use crate::clock::SimClock;
    use crate::journal::fixtures::{every_event, item_result, item_started, run_started};
    use crate::journal::{MeasuredSeries, ResultSource, TruncatedTail};
    use crate::judge::Verdict;

    fn sim_clock() -> Arc<SimClock> {
        Arc::new(SimClock::starting_at(chrono::DateTime::UNIX_EPOCH))
    }

    fn new_run() -> (tempfile::TempDir, RunDir) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(&tmp.path().join("run")).unwrap();
        (tmp, dir)
    }

    #[test]
    fn every_event_type_round_trips_with_seq_and_both_stamps() {
        let (_tmp, dir) = new_run();
        let clock = sim_clock();
        let mut writer = JournalWriter::create(&dir, clock.clone()).unwrap();
        let mut recorded = Vec::new();
        for event in every_event() {
            clock.advance(Duration::from_millis(1500));
            recorded.push(writer.record(event).unwrap());
        }
        let contents = read_journal(&dir).unwrap();
        assert_eq!(contents.entries, recorded);
        assert_eq!(contents.truncated_tail, None);
        let seqs: Vec<u64> = recorded.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
        assert_eq!(recorded[1].mono_ms, 3000);
        assert_eq!(
            recorded[1].utc,
            chrono::DateTime::UNIX_EPOCH + chrono::Duration::seconds(3)
        );
        let text = fs::read_to_string(dir.journal_path()).unwrap();
        assert_eq!(text.lines().count(), 6);
        assert!(text.ends_with('\n'));
        assert!(text
            .lines()
            .nth(2)
            .unwrap()
            .contains(r#""type":"item_result""#));
    }

    #[test]
    fn create_refuses_an_existing_journal() {
        let (_tmp, dir) = new_run();
        JournalWriter::create(&dir, sim_clock()).unwrap();
        let err = JournalWriter::create(&dir, sim_clock()).unwrap_err();
        assert!(err.to_string().contains("journal.jsonl"), "{err}");
    }

    #[test]
    fn the_journal_must_start_with_run_started_and_only_once() {
        let (_tmp, dir) = new_run();
        let mut writer = JournalWriter::create(&dir, sim_clock()).unwrap();
        let err = writer.record(item_started("1.1", 1)).unwrap_err();
        assert!(err.to_string().contains("first event"), "{err}");
        writer.record(run_started()).unwrap();
        let err = writer.record(run_started()).unwrap_err();
        assert!(err.to_string().contains("only be the first"), "{err}");
        assert_eq!(writer.next_seq(), 2);
        assert_eq!(read_journal(&dir).unwrap().entries.len(), 1);
    }

    #[test]
    fn an_event_that_would_not_read_back_is_refused_before_writing() {
        let (_tmp, dir) = new_run();
        let mut writer = JournalWriter::create(&dir, sim_clock()).unwrap();
        writer.record(run_started()).unwrap();
        let RunEvent::ItemResult(mut result) = item_result("1.1", Verdict::Pass) else {
            unreachable!()
        };
        result.measurements = vec![MeasuredSeries {
            name: "fps".into(),
            unit: "1/s".into(),
            values: vec![f64::NAN],
        }];
        let err = writer.record(RunEvent::ItemResult(result)).unwrap_err();
        assert!(
            matches!(
                err,
                JournalError::Unrecordable {
                    event: "item_result",
                    ..
                }
            ),
            "{err}"
        );
        writer.record(item_started("1.1", 1)).unwrap();
        let seqs: Vec<u64> = read_journal(&dir)
            .unwrap()
            .entries
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [1, 2]);
    }

    #[test]
    fn resume_continues_the_sequence() {
        let (_tmp, dir) = new_run();
        let mut writer = JournalWriter::create(&dir, sim_clock()).unwrap();
        writer.record(run_started()).unwrap();
        writer.record(item_started("1.1", 1)).unwrap();
        drop(writer);

        let (mut writer, contents) = JournalWriter::resume(&dir, sim_clock()).unwrap();
        assert_eq!(contents.entries.len(), 2);
        assert_eq!(contents.truncated_tail, None);
        let entry = writer.record(item_result("1.1", Verdict::NoPass)).unwrap();
        assert_eq!(entry.seq, 3);
        assert_eq!(read_journal(&dir).unwrap().entries.len(), 3);
    }

    #[test]
    fn resume_cuts_a_broken_tail_and_ends_an_unterminated_last_line() {
        let (_tmp, dir) = new_run();
        let mut writer = JournalWriter::create(&dir, sim_clock()).unwrap();
        writer.record(run_started()).unwrap();
        drop(writer);
        let good = fs::read(dir.journal_path()).unwrap();
        let mut broken = good.clone();
        broken.extend_from_slice(br#"{"seq":2,"utc":"#);
        fs::write(dir.journal_path(), &broken).unwrap();

        let (mut writer, contents) = JournalWriter::resume(&dir, sim_clock()).unwrap();
        assert_eq!(
            contents.truncated_tail,
            Some(TruncatedTail {
                line: 2,
                bytes: 15,
                offset: good.len() as u64,
                reason: contents.truncated_tail.clone().unwrap().reason,
            })
        );
        assert_eq!(fs::read(dir.journal_path()).unwrap(), good);
        writer.record(item_started("1.1", 1)).unwrap();
        drop(writer);

        // A complete last object without its newline is kept, and the newline is added.
        let text = fs::read_to_string(dir.journal_path()).unwrap();
        fs::write(dir.journal_path(), text.trim_end()).unwrap();
        let (mut writer, contents) = JournalWriter::resume(&dir, sim_clock()).unwrap();
        assert_eq!(contents.entries.len(), 2);
        assert_eq!(contents.truncated_tail, None);
        let result = item_result("1.1", Verdict::Pass);
        writer.record(result).unwrap();
        let contents = read_journal(&dir).unwrap();
        assert_eq!(contents.entries.len(), 3);
        assert_eq!(contents.truncated_tail, None);
        let RunEvent::ItemResult(last) = &contents.entries[2].event else {
            panic!("last entry is {:?}", contents.entries[2].event);
        };
        assert_eq!(last.source, ResultSource::Measured);
    }

    #[test]
    fn resume_is_refused_without_touching_the_journal_while_another_holds_the_lock() {
        let (tmp, dir) = new_run();
        let mut writer = JournalWriter::create(&dir, sim_clock()).unwrap();
        writer.record(run_started()).unwrap();
        let mut cut = fs::read(dir.journal_path()).unwrap();
        cut.extend_from_slice(br#"{"seq":2,"#);
        fs::write(dir.journal_path(), &cut).unwrap();

        let other = RunDir::open(&tmp.path().join("run")).unwrap();
        let err = JournalWriter::resume(&other, sim_clock()).unwrap_err();
        assert!(matches!(err, JournalError::InUse { .. }), "{err}");
        assert!(err.to_string().contains("is in use by pid"), "{err}");
        assert_eq!(fs::read(dir.journal_path()).unwrap(), cut, "tail not cut");

        drop(writer);
        drop(dir);
        let (_writer, contents) = JournalWriter::resume(&other, sim_clock()).unwrap();
        assert_eq!(contents.entries.len(), 1);
    }

    #[test]
    fn a_run_killed_before_its_first_event_cannot_be_resumed_but_its_directory_is_reused() {
        let (tmp, dir) = new_run();
        dir.write_plan_snapshot("standard = \"a\"\n").unwrap();
        drop(JournalWriter::create(&dir, sim_clock()).unwrap());
        drop(dir);
        let path = tmp.path().join("run");
        let err = JournalWriter::resume(&RunDir::open(&path).unwrap(), sim_clock()).unwrap_err();
        assert!(matches!(err, JournalError::NeverStarted { .. }), "{err}");
        assert!(err.is_input_error());
        assert!(err.to_string().contains("--run-dir"), "{err}");

        let dir = RunDir::create(&path).unwrap();
        dir.write_plan_snapshot("standard = \"b\"\n").unwrap();
        let mut writer = JournalWriter::create(&dir, sim_clock()).unwrap();
        writer.record(run_started()).unwrap();
        assert_eq!(dir.read_plan_snapshot().unwrap(), "standard = \"b\"\n");
    }
}
