//! Writing a whole file so that its final name only ever shows a complete file.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `target` through a temporary file in the same directory: `write` fills it, it is
/// synced, renamed over `target` and the directory is synced. A kill, a full disk or a failing
/// `write` therefore leaves either the previous `target` or the new one, never a truncated
/// file, and no temporary file after an error. `io_error` turns a file-system error into the
/// caller's error type, with the path it concerns.
pub fn write_atomically<E>(
    target: &Path,
    write: impl FnOnce(&mut File) -> Result<(), E>,
    io_error: impl Fn(&Path, io::Error) -> E,
) -> Result<(), E> {
    let temp = temp_path(target);
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temp)
        .map_err(|e| io_error(&temp, e))?;
    let written = write(&mut file).and_then(|()| file.sync_all().map_err(|e| io_error(&temp, e)));
    drop(file);
    if let Err(e) =
        written.and_then(|()| fs::rename(&temp, target).map_err(|e| io_error(target, e)))
    {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(dir, e))
}

/// `.<name>.tmp-<pid>-<n>` beside `target`: hidden, and unique to this call, so two writers of
/// the same file in one process (two threads, or a test beside a run) never share a temporary
/// file and one never renames the other's half-written bytes into place.
fn temp_path(target: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    target.with_file_name(format!(".{name}.tmp-{}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn io(path: &Path, e: io::Error) -> String {
        format!("{}: {e}", path.display())
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writers_of_one_file_in_one_process_never_mix_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("status.json");
        // Each thread writes its own length of its own byte, so a file holding two writers'
        // bytes (one truncating the shared temporary file under the other) shows as mixed.
        std::thread::scope(|scope| {
            for (byte, len) in [(b'a', 40_000), (b'b', 7), (b'c', 900)] {
                let target = &target;
                scope.spawn(move || {
                    for _ in 0..50 {
                        let fill =
                            |f: &mut File| f.write_all(&vec![byte; len]).map_err(|e| io(target, e));
                        write_atomically(target, fill, io).unwrap();
                        let shown = fs::read(target).unwrap();
                        let first = shown[0];
                        assert!(shown.iter().all(|&b| b == first), "mixed writers");
                    }
                });
            }
        });
        assert_eq!(listing(dir.path()), ["status.json"]);
    }

    #[test]
    fn a_failing_writer_leaves_the_old_file_untouched_and_no_temporary_file() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("report.xlsx");
        fs::write(&target, "the previous report").unwrap();
        let err = write_atomically(
            &target,
            |file| {
                file.write_all(b"half of a new rep")
                    .map_err(|e| e.to_string())?;
                Err("disk full".to_string())
            },
            io,
        )
        .unwrap_err();
        assert_eq!(err, "disk full");
        assert_eq!(fs::read_to_string(&target).unwrap(), "the previous report");
        assert_eq!(listing(tmp.path()), ["report.xlsx"]);
    }

    #[test]
    fn a_complete_write_replaces_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("a.zip");
        fs::write(&target, "old").unwrap();
        write_atomically(
            &target,
            |file| file.write_all(b"new").map_err(|e| io(&target, e)),
            io,
        )
        .unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(listing(tmp.path()), ["a.zip"]);
    }

    #[test]
    fn an_unwritable_target_is_an_error_naming_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("missing-folder/a.csv");
        let err = write_atomically(&target, |_| Ok(()), io).unwrap_err();
        assert!(err.contains("missing-folder"), "{err}");
    }
}
