//! The run directory's lock: one process writes a run at a time.
//!
//! `run.lock` is locked with the operating system's exclusive file lock ([`File::try_lock`]),
//! which the kernel releases when the holder exits, however it exits. So a lock file left by a
//! killed process is not a lock at all: the next run takes it over. The file's text names the
//! holder (pid, host, since, command) so that a refused second run can say who holds it; the
//! holder empties it when it lets go. The text is TOML, read through [`crate::config`] like
//! every other file facebench takes, so a damaged one is named by file, line and key.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::JournalError;
use crate::config::{read_document, Located};
use crate::diagnostic::Diagnostics;

/// The lock file's name in a run directory.
pub const LOCK_FILE: &str = "run.lock";

/// Who holds (or last held) a run directory's lock, as written in `run.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

    /// Reads the holder from the text of the lock file `origin`: `None` when it is empty (no
    /// holder, or one that has not written its name yet); every problem of a text that is not
    /// a holder, by line and key.
    pub fn read(text: &str, origin: &str) -> Result<Option<LockHolder>, Diagnostics> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        read_document(text, origin, |sink, root| {
            let fields = root.open(sink, &["pid", "host", "since", "command"]);
            let pid = fields.whole::<u32>(sink, "pid");
            let host = fields.string(sink, "host");
            let since = fields.string(sink, "since");
            let command = fields.string(sink, "command");
            Some(LockHolder {
                pid: pid?.into_inner(),
                host: host?.into_inner(),
                since: since?.into_inner(),
                command: command.map(Located::into_inner)?,
            })
        })
        .map(Some)
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
                let holder = match read_holder(&mut file, &path) {
                    Ok(Some(holder)) => holder.to_string(),
                    Ok(None) => "another process (it has not written its name yet)".to_string(),
                    Err(problems) => {
                        format!("another process (its lock file does not name it: {problems})")
                    }
                };
                return Err(JournalError::InUse {
                    path: dir.into(),
                    holder,
                });
            }
            Err(TryLockError::Error(e)) => return Err(JournalError::io("lock", &path, e)),
        }
        match read_holder(&mut file, &path) {
            Ok(Some(stale)) => {
                tracing::warn!(lock = %path.display(), %stale, "took over the lock of a process that is gone");
            }
            Ok(None) => {}
            Err(problems) => {
                tracing::warn!(%problems, "took over a lock file that named no holder");
            }
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

/// The holder named in the open lock file at `path`; a file that cannot be read (or is not
/// UTF-8) is one whole-file problem.
fn read_holder(file: &mut File, path: &Path) -> Result<Option<LockHolder>, Diagnostics> {
    let origin = path.display().to_string();
    let mut text = String::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text))
        .map_err(|e| Diagnostics::whole_file(&origin, format!("cannot read run lock: {e}")))?;
    LockHolder::read(&text, &origin)
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
        let holder = LockHolder::read(&text, "run.lock").unwrap().unwrap();
        assert_eq!(holder.pid, std::process::id());
        assert_ne!(holder, stale);
    }

    #[test]
    fn a_malformed_lock_file_is_named_by_file_line_and_key() {
        let tmp = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(tmp.path()).unwrap();
        // Damaged while held: the refusal says why it cannot name the holder.
        std::fs::write(
            first.path(),
            "pid = \"many\"\nhost = \"bench-7\"\nsince = \"2026-01-01T00:00:00Z\"\n",
        )
        .unwrap();
        let message = RunLock::acquire(tmp.path()).unwrap_err().to_string();
        let file = first.path().display().to_string();
        assert!(
            message.contains(&format!("{file}:1:7 pid: expected")),
            "{message}"
        );
        assert!(
            message.contains("command: missing key `command`"),
            "{message}"
        );
        drop(first);

        // A syntax error is one problem at its line; the next run takes the lock over.
        std::fs::write(tmp.path().join(LOCK_FILE), "pid = 7\nhost = \n").unwrap();
        let problems = LockHolder::read("pid = 7\nhost = \n", "run.lock").unwrap_err();
        assert_eq!(problems.0.len(), 1, "{problems}");
        assert_eq!(problems.0[0].line, 2, "{problems}");
        RunLock::acquire(tmp.path()).unwrap();
        assert_eq!(LockHolder::read(" \n", "run.lock").unwrap(), None);
    }
}
