//! The run directory's lock: one process writes a run at a time.
//!
//! `run.lock` is locked with the operating system's exclusive file lock ([`File::try_lock`]),
//! which the kernel releases when the holder exits, however it exits. So a lock file left by a
//! killed process is not a lock at all: the next run takes it over. The file's text names the
//! holder (pid, host, since, command) so that a refused second run can say who holds it; the
//! holder empties it when it lets go.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::JournalError;

/// The lock file's name in a run directory.
pub const LOCK_FILE: &str = "run.lock";

/// Who holds (or last held) a run directory's lock, as written in `run.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    /// Process id.
    pub pid: u32,
    /// Host name.
    pub host: String,
    /// When the lock was taken (UTC, RFC 3339).
    pub since: String,
    /// The command line of the holder.
    pub command: String,
}

impl LockHolder {
    /// This process, now.
    fn this_process() -> LockHolder {
        LockHolder {
            pid: std::process::id(),
            host: host_name(),
            since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            command: std::env::args().collect::<Vec<_>>().join(" "),
        }
    }

    /// Reads the holder from a lock file's text; `None` when it is empty or not a holder.
    fn parse(text: &str) -> Option<LockHolder> {
        toml::from_str(text).ok()
    }
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} on host {} since {} ({})",
            self.pid, self.host, self.since, self.command
        )
    }
}

/// An exclusive lock on a run directory, held until dropped.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

impl RunLock {
    /// Takes the lock of the run directory `dir`, creating `run.lock` if needed. Refused with
    /// [`JournalError::InUse`], naming the holder, while another process (or another handle in
    /// this one) holds it. A lock file left by a process that died is taken over.
    pub fn acquire(dir: &Path) -> Result<RunLock, JournalError> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| JournalError::io("open run lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_text(&mut file)
                    .ok()
                    .and_then(|text| LockHolder::parse(&text))
                    .map_or_else(
                        || "another process (it has not written its name yet)".to_string(),
                        |h| h.to_string(),
                    );
                return Err(JournalError::InUse {
                    path: dir.into(),
                    holder,
                });
            }
            Err(TryLockError::Error(e)) => return Err(JournalError::io("lock", &path, e)),
        }
        if let Some(stale) = read_text(&mut file)
            .ok()
            .and_then(|text| LockHolder::parse(&text))
        {
            tracing::warn!(lock = %path.display(), %stale, "took over the lock of a process that is gone");
        }
        let holder = LockHolder::this_process();
        let text = toml::to_string(&holder).map_err(|e| {
            JournalError::io(
                "write run lock",
                &path,
                std::io::Error::other(e.to_string()),
            )
        })?;
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(text.as_bytes()))
            .and_then(|()| file.sync_data())
            .map_err(|e| JournalError::io("write run lock", &path, e))?;
        Ok(RunLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    /// Empties the lock file (so it names no holder) before the lock is released.
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

fn read_text(file: &mut File) -> std::io::Result<String> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_string(&mut text)?;
    Ok(text)
}

/// The machine's name, for the journal and the lock file.
pub fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_and_free_after_drop() {
        let tmp = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(tmp.path()).unwrap();
        let err = RunLock::acquire(tmp.path()).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, JournalError::InUse { .. }), "{err}");
        assert!(err.is_input_error());
        assert!(
            message.contains(&format!("in use by pid {} on host", std::process::id())),
            "{message}"
        );
        assert!(message.contains(&tmp.path().display().to_string()));
        drop(first);
        assert_eq!(
            std::fs::read_to_string(tmp.path().join(LOCK_FILE)).unwrap(),
            ""
        );
        RunLock::acquire(tmp.path()).unwrap();
    }

    #[test]
    fn a_lock_file_of_a_dead_process_is_taken_over() {
        let tmp = tempfile::tempdir().unwrap();
        let stale = LockHolder {
            pid: 4_000_000,
            host: "bench-7".into(),
            since: "2026-01-01T00:00:00Z".into(),
            command: "facebench run --sim".into(),
        };
        std::fs::write(tmp.path().join(LOCK_FILE), toml::to_string(&stale).unwrap()).unwrap();
        let lock = RunLock::acquire(tmp.path()).unwrap();
        let text = std::fs::read_to_string(lock.path()).unwrap();
        let holder = LockHolder::parse(&text).unwrap();
        assert_eq!(holder.pid, std::process::id());
        assert_ne!(holder, stale);
    }
}
