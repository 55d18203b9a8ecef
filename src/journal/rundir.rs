//! The run directory: where a run's files live, and the durable-write helpers they share.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::atomic::write_atomically;
use super::lock::{RunLock, LOCK_FILE};
use super::reader::read_journal;
use super::JournalError;

/// How many earlier plan (or station) snapshots a run directory keeps at most.
const MAX_KEPT_SNAPSHOTS: u32 = 999;

/// A run directory on disk. Holding one means the directory exists; [`RunDir::open`] also
/// guarantees it has a journal. One made by [`RunDir::create`] or [`RunDir::lock`] holds the
/// directory's lock (shared by its clones) until the last clone is dropped.
#[derive(Debug, Clone)]
pub struct RunDir {
    path: PathBuf,
    lock: Option<Arc<RunLock>>,
}

impl PartialEq for RunDir {
    fn eq(&self, other: &RunDir) -> bool {
        self.path == other.path
    }
}

impl Eq for RunDir {}

impl RunDir {
    /// The append-only event log.
    pub const JOURNAL: &'static str = "journal.jsonl";
    /// The snapshot of the plan the run started from.
    pub const PLAN_SNAPSHOT: &'static str = "plan.toml";
    /// The tracing log.
    pub const LOG: &'static str = "facebench.log";
    /// Copies of evidence files, one folder per item.
    pub const ATTACHMENTS: &'static str = "attachments";
    /// Rendered reports.
    pub const REPORT: &'static str = "report";
    /// Measured series (CSV).
    pub const SERIES: &'static str = "series";
    /// The snapshot of the station file the run uses.
    pub const STATION_SNAPSHOT: &'static str = "station.toml";

    /// Creates a new run directory (and its parents) and takes its lock. An existing empty
    /// directory is accepted, and so is one left by a run killed before its first event (a plan
    /// snapshot and an empty journal, no live lock): those leftovers are removed. Anything else
    /// already at `path` is an error. The new entry is synced into its parent.
    pub fn create(path: &Path) -> Result<RunDir, JournalError> {
        match fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => {
                return Err(JournalError::RunDirExists { path: path.into() })
            }
            Ok(_) => {
                if let Err(used) = unstarted_leftovers(path) {
                    // A run still writing there is named rather than just "not empty".
                    if path.join(LOCK_FILE).is_file() {
                        RunLock::acquire(path)?;
                    }
                    return Err(used);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(path)
                    .map_err(|e| JournalError::io("create run directory", path, e))?;
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    sync_dir(parent)?;
                }
            }
            Err(e) => return Err(JournalError::io("read run directory", path, e)),
        }
        let lock = RunLock::acquire(path)?;
        let leftovers = unstarted_leftovers(path)?;
        if !leftovers.is_empty() {
            for file in &leftovers {
                fs::remove_file(file).map_err(|e| {
                    JournalError::io("remove the leftover of an unstarted run", file, e)
                })?;
            }
            sync_dir(path)?;
            tracing::warn!(run_dir = %path.display(), removed = leftovers.len(), "reused the directory of a run stopped before it started");
        }
        Ok(RunDir {
            path: path.into(),
            lock: Some(Arc::new(lock)),
        })
    }

    /// Opens an existing run directory; it must contain a journal.
    pub fn open(path: &Path) -> Result<RunDir, JournalError> {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(JournalError::NotARunDir { path: path.into() }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(JournalError::MissingRunDir { path: path.into() })
            }
            Err(e) => return Err(JournalError::io("open run directory", path, e)),
        }
        let dir = RunDir {
            path: path.into(),
            lock: None,
        };
        match fs::symlink_metadata(dir.journal_path()) {
            Ok(_) => Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if dir.plan_snapshot_path().exists() {
                    Err(JournalError::NeverStarted { path: path.into() })
                } else {
                    Err(JournalError::NotARunDir { path: path.into() })
                }
            }
            Err(e) => Err(JournalError::io("open journal", dir.journal_path(), e)),
        }
    }

    /// This directory with its lock held (see [`RunLock::acquire`]); already held: itself.
    pub fn lock(&self) -> Result<RunDir, JournalError> {
        let lock = match &self.lock {
            Some(lock) => Arc::clone(lock),
            None => Arc::new(RunLock::acquire(&self.path)?),
        };
        Ok(RunDir {
            path: self.path.clone(),
            lock: Some(lock),
        })
    }

    /// Whether this handle holds the directory's lock.
    pub fn is_locked(&self) -> bool {
        self.lock.is_some()
    }

    /// The run directory itself.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `journal.jsonl`.
    pub fn journal_path(&self) -> PathBuf {
        self.path.join(Self::JOURNAL)
    }

    /// `plan.toml`, the plan snapshot.
    pub fn plan_snapshot_path(&self) -> PathBuf {
        self.path.join(Self::PLAN_SNAPSHOT)
    }

    /// `facebench.log`.
    pub fn log_path(&self) -> PathBuf {
        self.path.join(Self::LOG)
    }

    /// `attachments/`.
    pub fn attachments_dir(&self) -> PathBuf {
        self.path.join(Self::ATTACHMENTS)
    }

    /// `report/`.
    pub fn report_dir(&self) -> PathBuf {
        self.path.join(Self::REPORT)
    }

    /// `series/`.
    pub fn series_dir(&self) -> PathBuf {
        self.path.join(Self::SERIES)
    }

    /// `station.toml`, the station snapshot.
    pub fn station_snapshot_path(&self) -> PathBuf {
        self.path.join(Self::STATION_SNAPSHOT)
    }

    /// Reads the station snapshot; `None` when the run has none (it ran without a station).
    pub fn read_station_snapshot(&self) -> Result<Option<String>, JournalError> {
        let path = self.station_snapshot_path();
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(JournalError::io("read station snapshot", path, e)),
        }
    }

    /// Writes the station snapshot, durably. An existing, different snapshot is kept as
    /// `station.<n>.toml` (returned), so the run directory holds every station it ran with.
    pub fn write_station_snapshot(&self, text: &str) -> Result<Option<PathBuf>, JournalError> {
        let target = self.station_snapshot_path();
        let kept = match self.read_station_snapshot()? {
            Some(old) if old == text => return Ok(None),
            Some(_) => Some(self.keep_numbered(&target, "station")?),
            None => None,
        };
        write_atomically(
            &target,
            |file| {
                file.write_all(text.as_bytes())
                    .map_err(|e| JournalError::io("write station snapshot", &target, e))
            },
            |path, e| JournalError::io("write station snapshot", path, e),
        )?;
        Ok(kept)
    }

    /// Writes the plan snapshot of a new run, durably (temporary file, sync, link into place,
    /// sync of the directory). Call it before the first event is recorded. An existing snapshot
    /// is never overwritten: see [`RunDir::replace_plan_snapshot`].
    pub fn write_plan_snapshot(&self, text: &str) -> Result<(), JournalError> {
        let target = self.plan_snapshot_path();
        let temp = self.write_temp_snapshot(text)?;
        let linked = fs::hard_link(&temp, &target)
            .map_err(|e| JournalError::io("write plan snapshot", &target, e));
        let _ = fs::remove_file(&temp);
        linked?;
        sync_dir(&self.path)
    }

    /// Replaces the plan snapshot when the operator accepts an edited plan on resume. The
    /// previous snapshot is kept as `plan.1.toml` (or the next free number), so the run
    /// directory holds every plan the run ran under; returns that file's path. At every moment
    /// `plan.toml` is either the old or the new plan, never a mix.
    pub fn replace_plan_snapshot(&self, text: &str) -> Result<PathBuf, JournalError> {
        let target = self.plan_snapshot_path();
        let kept = self.keep_numbered(&target, "plan")?;
        let temp = self.write_temp_snapshot(text)?;
        if let Err(e) = fs::rename(&temp, &target) {
            let _ = fs::remove_file(&temp);
            return Err(JournalError::io("write plan snapshot", &target, e));
        }
        sync_dir(&self.path)?;
        Ok(kept)
    }

    /// Hard-links the snapshot `current` to the first free `<stem>.<n>.toml`.
    fn keep_numbered(&self, current: &Path, stem: &str) -> Result<PathBuf, JournalError> {
        for n in 1..=MAX_KEPT_SNAPSHOTS {
            let kept = self.path.join(format!("{stem}.{n}.toml"));
            match fs::hard_link(current, &kept) {
                Ok(()) => return Ok(kept),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(JournalError::io("keep previous snapshot", kept, e)),
            }
        }
        let full = io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{MAX_KEPT_SNAPSHOTS} earlier snapshots are already kept"),
        );
        Err(JournalError::io("keep previous snapshot", current, full))
    }

    /// Writes `text` to `plan.toml.tmp` and syncs it.
    fn write_temp_snapshot(&self, text: &str) -> Result<PathBuf, JournalError> {
        let temp = self.path.join(format!("{}.tmp", Self::PLAN_SNAPSHOT));
        let written = File::create(&temp).and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        });
        match written {
            Ok(()) => Ok(temp),
            Err(e) => {
                let _ = fs::remove_file(&temp);
                Err(JournalError::io("write plan snapshot", temp, e))
            }
        }
    }

    /// Reads the plan snapshot.
    pub fn read_plan_snapshot(&self) -> Result<String, JournalError> {
        let path = self.plan_snapshot_path();
        fs::read_to_string(&path).map_err(|e| JournalError::io("read plan snapshot", path, e))
    }
}

/// The files a run killed before its first event leaves: the plan snapshot (and its temporary
/// file), an empty or cut-off journal and the lock file. Anything else, or a journal holding
/// an event, is [`JournalError::RunDirExists`].
fn unstarted_leftovers(path: &Path) -> Result<Vec<PathBuf>, JournalError> {
    let listing =
        fs::read_dir(path).map_err(|e| JournalError::io("read run directory", path, e))?;
    let plan_temp = format!("{}.tmp", RunDir::PLAN_SNAPSHOT);
    let mut leftovers = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|e| JournalError::io("read run directory", path, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        let leftover = is_file
            && match name.as_ref() {
                LOCK_FILE => false,
                RunDir::PLAN_SNAPSHOT => true,
                RunDir::JOURNAL => {
                    let dir = RunDir {
                        path: path.into(),
                        lock: None,
                    };
                    read_journal(&dir).is_ok_and(|c| c.entries.is_empty())
                }
                other => other == plan_temp,
            };
        if leftover {
            leftovers.push(entry.path());
        } else if name != LOCK_FILE || !is_file {
            return Err(JournalError::RunDirExists { path: path.into() });
        }
    }
    Ok(leftovers)
}

/// Syncs a directory so that entries created or renamed in it survive a power cut.
pub(super) fn sync_dir(path: &Path) -> Result<(), JournalError> {
    File::open(path)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| JournalError::io("sync directory", path, e))
}

/// Creates a file that must not exist yet, for appending, and syncs its directory entry.
pub(super) fn create_new_synced(path: &Path, action: &'static str) -> Result<File, JournalError> {
    let file = OpenOptions::new()
        .append(true)
        .create_new(true)
        .open(path)
        .map_err(|e| JournalError::io(action, path, e))?;
    if let Some(parent) = path.parent() {
        sync_dir(parent)?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_accepts_a_new_or_empty_directory_and_refuses_a_used_one() {
        let tmp = tempfile::tempdir().unwrap();
        let fresh = tmp.path().join("a/b/run");
        let dir = RunDir::create(&fresh).unwrap();
        assert!(fresh.is_dir());
        assert_eq!(dir.journal_path(), fresh.join("journal.jsonl"));

        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        RunDir::create(&empty).unwrap();

        fs::write(empty.join("x"), "x").unwrap();
        let err = RunDir::create(&empty).unwrap_err();
        assert!(matches!(err, JournalError::RunDirExists { .. }));
        assert!(err.to_string().contains(&empty.display().to_string()));

        let file = tmp.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(matches!(
            RunDir::create(&file).unwrap_err(),
            JournalError::RunDirExists { .. }
        ));
    }

    #[test]
    fn open_names_the_path_when_missing_or_without_journal() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("nope");
        let err = RunDir::open(&missing).unwrap_err();
        assert!(matches!(err, JournalError::MissingRunDir { .. }));
        assert!(err.to_string().contains(&missing.display().to_string()));

        let err = RunDir::open(tmp.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "not a facebench run directory: no journal.jsonl in {}",
                tmp.path().display()
            )
        );
    }

    #[test]
    fn plan_snapshot_is_written_once_and_replaced_keeping_the_old_one() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(&tmp.path().join("run")).unwrap();
        dir.write_plan_snapshot("standard = \"a\"\n").unwrap();
        let err = dir.write_plan_snapshot("standard = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("plan.toml"), "{err}");
        assert_eq!(dir.read_plan_snapshot().unwrap(), "standard = \"a\"\n");

        let kept = dir.replace_plan_snapshot("standard = \"b\"\n").unwrap();
        assert_eq!(kept, dir.path().join("plan.1.toml"));
        let kept = dir.replace_plan_snapshot("standard = \"c\"\n").unwrap();
        assert_eq!(kept, dir.path().join("plan.2.toml"));
        assert_eq!(dir.read_plan_snapshot().unwrap(), "standard = \"c\"\n");
        assert_eq!(
            fs::read_to_string(dir.path().join("plan.1.toml")).unwrap(),
            "standard = \"a\"\n"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("plan.2.toml")).unwrap(),
            "standard = \"b\"\n"
        );
        assert!(!dir.path().join("plan.toml.tmp").exists());
    }

    #[test]
    fn create_refuses_a_directory_a_live_run_holds_and_one_that_started() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("run");
        let held = RunDir::create(&path).unwrap();
        held.write_plan_snapshot("x").unwrap();
        let err = RunDir::create(&path).unwrap_err();
        assert!(matches!(err, JournalError::InUse { .. }), "{err}");
        assert!(held.plan_snapshot_path().exists());

        fs::write(held.journal_path(), "{\"seq\":1}\n").unwrap();
        let err = RunDir::create(&path).unwrap_err();
        assert!(matches!(err, JournalError::InUse { .. }), "{err}");
        drop(held);
        assert!(matches!(
            RunDir::create(&path).unwrap_err(),
            JournalError::RunDirExists { .. }
        ));
        fs::remove_file(path.join("journal.jsonl")).unwrap();
        assert!(matches!(
            RunDir::open(&path).unwrap_err(),
            JournalError::NeverStarted { .. }
        ));
    }

    #[test]
    fn station_snapshot_is_written_and_a_different_one_keeps_the_old() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(&tmp.path().join("run")).unwrap();
        assert_eq!(dir.read_station_snapshot().unwrap(), None);
        assert_eq!(dir.write_station_snapshot("name = \"a\"\n").unwrap(), None);
        assert_eq!(dir.write_station_snapshot("name = \"a\"\n").unwrap(), None);
        let kept = dir.write_station_snapshot("name = \"b\"\n").unwrap();
        assert_eq!(kept, Some(dir.path().join("station.1.toml")));
        assert_eq!(
            dir.read_station_snapshot().unwrap().as_deref(),
            Some("name = \"b\"\n")
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("station.1.toml")).unwrap(),
            "name = \"a\"\n"
        );
    }
}
