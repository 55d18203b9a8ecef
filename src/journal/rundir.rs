//! The run directory: where a run's files live, and the durable-write helpers they share.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::JournalError;

/// How many earlier plan snapshots [`RunDir::replace_plan_snapshot`] keeps at most.
const MAX_KEPT_PLANS: u32 = 999;

/// A run directory on disk. Holding one means the directory exists; [`RunDir::open`] also
/// guarantees it has a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
}

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

    /// Creates a new run directory (and its parents). An existing empty directory is accepted;
    /// anything else already at `path` is an error. The new entry is synced into its parent.
    pub fn create(path: &Path) -> Result<RunDir, JournalError> {
        match fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => {
                return Err(JournalError::RunDirExists { path: path.into() })
            }
            Ok(_) => {
                let mut listing = fs::read_dir(path)
                    .map_err(|e| JournalError::io("read run directory", path, e))?;
                if listing.next().is_some() {
                    return Err(JournalError::RunDirExists { path: path.into() });
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
        Ok(RunDir { path: path.into() })
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
        let dir = RunDir { path: path.into() };
        match fs::symlink_metadata(dir.journal_path()) {
            Ok(_) => Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(JournalError::NotARunDir { path: path.into() })
            }
            Err(e) => Err(JournalError::io("open journal", dir.journal_path(), e)),
        }
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
        let kept = self.keep_plan_snapshot()?;
        let temp = self.write_temp_snapshot(text)?;
        if let Err(e) = fs::rename(&temp, &target) {
            let _ = fs::remove_file(&temp);
            return Err(JournalError::io("write plan snapshot", &target, e));
        }
        sync_dir(&self.path)?;
        Ok(kept)
    }

    /// Hard-links the current snapshot to the first free `plan.<n>.toml`.
    fn keep_plan_snapshot(&self) -> Result<PathBuf, JournalError> {
        let current = self.plan_snapshot_path();
        for n in 1..=MAX_KEPT_PLANS {
            let kept = self.path.join(format!("plan.{n}.toml"));
            match fs::hard_link(&current, &kept) {
                Ok(()) => return Ok(kept),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(JournalError::io("keep previous plan snapshot", kept, e)),
            }
        }
        let full = io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{MAX_KEPT_PLANS} earlier plan snapshots are already kept"),
        );
        Err(JournalError::io(
            "keep previous plan snapshot",
            current,
            full,
        ))
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
}
