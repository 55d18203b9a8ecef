//! Crash safety of the run journal, through the public API: a writer killed with SIGKILL, lines
//! cut at every byte, corrupt lines, bad run directories and hostile attachment names.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use facebench::clock::SystemClock;
use facebench::journal::{
    read_journal, Entry, JournalError, JournalWriter, RunDir, RunEvent, RunState,
};
use facebench::judge::Verdict;

use crate::common::{
    acme_unit, item_result as item_result_of, new_run, run_started as run_started_of, sim_clock,
};

/// Set for the child process of [`kill_9_loses_no_recorded_event`]: the run directory to write.
const CHILD_DIR_VAR: &str = "FACEBENCH_JOURNAL_CHILD_DIR";
/// Prefix of the child's "recorded" reports on stderr.
const RECORDED: &str = "recorded seq=";

fn run_started() -> RunEvent {
    run_started_of(
        "testplans/gb.toml",
        &"5e".repeat(32),
        "gb",
        vec![acme_unit(1)],
    )
}

fn run_resumed(truncated_bytes: u64) -> RunEvent {
    RunEvent::RunResumed {
        facebench_version: env!("CARGO_PKG_VERSION").into(),
        plan_sha256: "5e".repeat(32),
        plan_changed: false,
        truncated_bytes,
    }
}

fn item_result(item: &str) -> RunEvent {
    item_result_of(item, 1, Verdict::Pass)
}

fn seqs(entries: &[Entry]) -> Vec<u64> {
    entries.iter().map(|entry| entry.seq).collect()
}

/// A run with `run_started` and `items` started-and-judged items.
fn journal_with_items(root: &Path, items: usize) -> RunDir {
    let (dir, mut writer) = new_run(root, "plan", sim_clock());
    writer.record(run_started()).unwrap();
    for i in 0..items {
        let item = format!("1.{i}");
        writer
            .record(RunEvent::ItemStarted {
                item: item.clone(),
                attempt: 1,
            })
            .unwrap();
        writer.record(item_result(&item)).unwrap();
    }
    dir
}

/// The child side of the kill test: creates or resumes the journal in `$CHILD_DIR_VAR`, then
/// records events until killed, reporting each `seq` on stderr once `record` has returned.
/// Does nothing when run directly.
#[test]
#[ignore = "child process of kill_9_loses_no_recorded_event"]
fn journal_child_writer() {
    let Some(path) = std::env::var_os(CHILD_DIR_VAR) else {
        return;
    };
    let path = Path::new(&path);
    let clock = Arc::new(SystemClock::new());
    let mut stderr = std::io::stderr().lock();
    let mut report = |entry: Entry| writeln!(stderr, "{RECORDED}{}", entry.seq).unwrap();
    let (mut writer, session) = if path.join(RunDir::JOURNAL).exists() {
        let dir = RunDir::open(path).unwrap();
        let (mut writer, contents) = JournalWriter::resume(&dir, clock).unwrap();
        let tail = contents.truncated_tail.map_or(0, |tail| tail.bytes);
        report(writer.record(run_resumed(tail)).unwrap());
        let state = RunState::from_entries(&contents.entries).unwrap();
        (writer, state.sessions + 1)
    } else {
        let dir = RunDir::create(path).unwrap();
        let mut writer = JournalWriter::create(&dir, clock).unwrap();
        report(writer.record(run_started()).unwrap());
        (writer, 1)
    };
    for i in 0..1_000_000u32 {
        let item = format!("s{session}-{i}");
        let started = RunEvent::ItemStarted {
            item: item.clone(),
            attempt: 1,
        };
        for event in [started, item_result(&item)] {
            report(writer.record(event).unwrap());
        }
    }
}

/// Runs the child writer until it has reported `count` recorded events, kills it with SIGKILL,
/// and returns every seq it reported.
fn run_child_and_kill(dir: &Path, count: usize) -> Vec<u64> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "journal_crash::journal_child_writer",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DIR_VAR, dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut reported = Vec::new();
    for line in lines.by_ref() {
        if let Some(seq) = line.unwrap().strip_prefix(RECORDED) {
            reported.push(seq.parse::<u64>().unwrap());
            if reported.len() == count {
                break;
            }
        }
    }
    assert_eq!(reported.len(), count, "the child writer stopped early");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child was not killed: {status}");
    // What it reported between our last read and the kill.
    for line in lines {
        if let Some(seq) = line.unwrap().strip_prefix(RECORDED) {
            reported.push(seq.parse::<u64>().unwrap());
        }
    }
    reported
}

#[test]
fn kill_9_loses_no_recorded_event() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("run");
    let mut last_reported = 0;
    for session in 1..=3u32 {
        let reported = run_child_and_kill(&path, 40);
        // Each session continues the sequence exactly where the journal ended.
        assert_eq!(reported[0], last_reported + 1, "session {session}");
        last_reported = *reported.last().unwrap();

        let dir = RunDir::open(&path).unwrap();
        let contents = read_journal(&dir).unwrap();
        let on_disk = seqs(&contents.entries);
        assert_eq!(on_disk, (1..=on_disk.len() as u64).collect::<Vec<_>>());
        // Everything `record` returned is on disk; at most one more event was written after
        // the child's last report.
        assert!(on_disk.len() as u64 >= last_reported, "session {session}");
        assert!(
            on_disk.len() as u64 <= last_reported + 1,
            "session {session}"
        );
        last_reported = on_disk.len() as u64;

        let state = RunState::from_entries(&contents.entries).unwrap();
        assert_eq!(state.sessions, session);
        assert_eq!(state.last_seq, last_reported);
        // Each item has exactly one result: nothing duplicated across sessions.
        assert!(state.history.values().all(|results| results.len() == 1));
    }

    let dir = RunDir::open(&path).unwrap();
    let (mut writer, contents) = JournalWriter::resume(&dir, sim_clock()).unwrap();
    let entry = writer.record(run_resumed(0)).unwrap();
    assert_eq!(entry.seq, contents.entries.len() as u64 + 1);
    assert_eq!(read_journal(&dir).unwrap().entries.len() as u64, entry.seq);
}

#[test]
fn a_last_line_cut_at_any_byte_is_reported_repaired_and_writing_continues() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = journal_with_items(tmp.path(), 2);
    let full = fs::read(dir.journal_path()).unwrap();
    let last_start = full[..full.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    let entries_before = read_journal(&dir).unwrap().entries;
    assert_eq!(entries_before.len(), 5);

    for cut in last_start + 1..full.len() {
        fs::write(dir.journal_path(), &full[..cut]).unwrap();
        let contents = read_journal(&dir).unwrap();
        let kept_last = cut == full.len() - 1; // everything but the newline: a complete object
        if kept_last {
            assert_eq!(contents.entries, entries_before, "cut at {cut}");
            assert_eq!(contents.truncated_tail, None, "cut at {cut}");
        } else {
            assert_eq!(contents.entries, entries_before[..4], "cut at {cut}");
            let tail = contents.truncated_tail.clone().unwrap();
            assert_eq!(tail.line, 5, "cut at {cut}");
            assert_eq!(tail.bytes, (cut - last_start) as u64, "cut at {cut}");
        }

        let (mut writer, resumed) = JournalWriter::resume(&dir, sim_clock()).unwrap();
        assert_eq!(resumed, contents);
        let tail_bytes = resumed.truncated_tail.map_or(0, |tail| tail.bytes);
        let entry = writer.record(run_resumed(tail_bytes)).unwrap();
        assert_eq!(entry.seq, resumed.entries.len() as u64 + 1);

        let after = read_journal(&dir).unwrap();
        assert_eq!(after.truncated_tail, None, "cut at {cut}");
        assert_eq!(after.entries.len(), resumed.entries.len() + 1);
        let text = fs::read_to_string(dir.journal_path()).unwrap();
        assert!(
            text.ends_with('\n') && !text.contains("\n\n"),
            "cut at {cut}"
        );
    }
}

#[test]
fn a_corrupt_line_before_the_end_is_an_error_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = journal_with_items(tmp.path(), 2);
    let text = fs::read_to_string(dir.journal_path()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let broken = lines[2].replace("\"seq\"", "\"seq_\"");
    lines[2] = &broken;
    fs::write(dir.journal_path(), lines.join("\n") + "\n").unwrap();

    let err = read_journal(&dir).unwrap_err();
    assert!(
        matches!(err, JournalError::CorruptLine { line: 3, .. }),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!("{}:3: ", dir.journal_path().display())),
        "{shown}"
    );
    assert!(shown.contains("missing field `seq`"), "{shown}");
    // Resume refuses too, and leaves the journal alone.
    assert!(JournalWriter::resume(&dir, sim_clock()).is_err());
    assert_eq!(
        fs::read_to_string(dir.journal_path()).unwrap(),
        lines.join("\n") + "\n"
    );
}

#[test]
fn bad_run_directories_give_errors_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing");
    let err = RunDir::open(&missing).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("run directory {} does not exist", missing.display())
    );

    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let err = RunDir::open(&empty).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "not a facebench run directory: no journal.jsonl in {}",
            empty.display()
        )
    );

    // A journal that cannot be read (tests run as root, so a directory stands in for a file
    // without permission).
    let unreadable = tmp.path().join("unreadable");
    fs::create_dir_all(unreadable.join(RunDir::JOURNAL)).unwrap();
    let dir = RunDir::open(&unreadable).unwrap();
    let err = read_journal(&dir).unwrap_err();
    assert!(matches!(err, JournalError::Io { .. }), "{err:?}");
    assert!(
        with_cause(&err).starts_with(&format!(
            "cannot read journal {}: ",
            dir.journal_path().display()
        )),
        "{err}"
    );
    assert!(JournalWriter::resume(&dir, sim_clock()).is_err());

    let err = dir.read_plan_snapshot().unwrap_err();
    assert!(
        err.to_string()
            .contains(&dir.plan_snapshot_path().display().to_string()),
        "{err}"
    );
}

#[test]
fn attachments_with_hostile_names_stay_inside_the_run_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = RunDir::create(&tmp.path().join("run")).unwrap();
    let sources = tmp.path().join("sources");
    fs::create_dir(&sources).unwrap();
    let hostile = [
        "..",
        "back\\slash..\\..\\x.jpg",
        "ctrl\u{1}\u{1b}[31m.png",
        "...",
        " lead and trail . ",
    ];
    let run_root = dir.path().canonicalize().unwrap();
    for (i, name) in hostile.iter().enumerate() {
        let source = if *name == ".." {
            sources.join("sub").join("..") // file_name() is None
        } else {
            let source = sources.join(name);
            fs::write(&source, format!("evidence {i}")).unwrap();
            source
        };
        for item in ["../../etc", "a/b\\c", "nul\0item", "1.1"] {
            let relative = match dir.copy_attachment(item, &source) {
                Ok(relative) => relative,
                Err(err) => {
                    // `sources/sub/..` is a directory, not a file: refused with its path.
                    assert_eq!(*name, "..");
                    assert!(err.to_string().contains("sub"), "{err}");
                    continue;
                }
            };
            let parts: Vec<&str> = relative.split('/').collect();
            assert_eq!(parts.len(), 3, "{relative}");
            assert_eq!(parts[0], "attachments");
            assert!(
                parts[1..]
                    .iter()
                    .all(|p| !p.starts_with('.') && !p.chars().any(|c| c.is_control())),
                "{relative:?}"
            );
            let copied = dir.path().join(&relative).canonicalize().unwrap();
            assert!(copied.starts_with(&run_root), "{relative} escaped");
            assert_eq!(
                fs::read_to_string(&copied).unwrap(),
                format!("evidence {i}")
            );
        }
    }
    assert!(!tmp.path().join("etc").exists());

    // Clashes get a numeric suffix before the extension; nothing is overwritten.
    let photo = sources.join("photo.jpg");
    fs::write(&photo, "first").unwrap();
    assert_eq!(
        dir.copy_attachment("2.1", &photo).unwrap(),
        "attachments/2.1/photo.jpg"
    );
    fs::write(&photo, "second").unwrap();
    assert_eq!(
        dir.copy_attachment("2.1", &photo).unwrap(),
        "attachments/2.1/photo-2.jpg"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("attachments/2.1/photo.jpg")).unwrap(),
        "first"
    );

    let missing = sources.join("missing.jpg");
    let err = dir.copy_attachment("2.1", &missing).unwrap_err();
    assert!(
        with_cause(&err).starts_with(&format!("cannot read attachment {}: ", missing.display())),
        "{err}"
    );
}

/// The error and its cause, as the CLI prints them (`error: cause`).
fn with_cause(err: &JournalError) -> String {
    use std::error::Error;
    match err.source() {
        Some(cause) => format!("{err}: {cause}"),
        None => err.to_string(),
    }
}
