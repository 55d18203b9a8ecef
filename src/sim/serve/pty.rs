//! A pseudo-terminal for a simulator: the simulator keeps the master, a driver opens the slave
//! path exactly as it would open `/dev/ttyUSB0`. An optional stable symlink (like a
//! `/dev/serial/by-id` link) follows the pty across unplug and replug.

use std::io;
use std::path::{Path, PathBuf};

use tokio_serial::{SerialPort, SerialStream};

/// An open pty: the master to serve on and the slave's path.
#[derive(Debug)]
pub struct PtyPort {
    /// The master side, read and written by the simulator.
    pub master: SerialStream,
    /// Kept open so the master never sees EIO between driver sessions; never read.
    _slave: SerialStream,
    /// Path of the slave, e.g. `/dev/pts/7`.
    pub path: PathBuf,
}

impl PtyPort {
    /// Opens a new pty pair (needs a tokio runtime).
    pub fn open() -> io::Result<PtyPort> {
        let (master, slave) = SerialStream::pair().map_err(io::Error::from)?;
        let path = slave
            .name()
            .map(PathBuf::from)
            .ok_or_else(|| io::Error::other("the new pty has no slave path"))?;
        Ok(PtyPort {
            master,
            _slave: slave,
            path,
        })
    }
}

/// Points the symlink `link` at `target`, replacing an older symlink atomically. Refuses to
/// replace anything that is not a symlink.
pub fn point_link(link: &Path, target: &Path) -> io::Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(link) {
        if !meta.file_type().is_symlink() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and is not a symlink; not replacing it",
                    link.display()
                ),
            ));
        }
    }
    let name = link
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = link.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    std::os::unix::fs::symlink(target, &temp)
        .and_then(|()| std::fs::rename(&temp, link))
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("symlink {} -> {}: {e}", link.display(), target.display()),
            )
        })
}

/// Removes the symlink `link` if it still points at `target` (another simulator may own it now).
pub fn remove_link(link: &Path, target: &Path) {
    if std::fs::read_link(link).is_ok_and(|t| t == target) {
        let _ = std::fs::remove_file(link);
    }
}
