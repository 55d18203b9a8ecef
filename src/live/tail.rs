//! Reading a growing file from where the last read stopped: only complete lines, so a row the
//! writer has half written is read whole next time. A file that shrank or was replaced (a new
//! attempt moved the old one aside) is read again from its start.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Bytes read at most per poll of one file, so a 72 h series is taken in bounded steps.
pub const MAX_READ: u64 = 8 << 20;

/// A file followed by byte offset.
#[derive(Debug)]
pub struct Tail {
    path: PathBuf,
    offset: u64,
    /// The identity (inode on unix) seen last, to notice a replaced file.
    identity: Option<u64>,
}

/// What one poll found.
#[derive(Debug, Default, PartialEq)]
pub struct NewLines {
    /// The file was read again from its start: what was taken from it before is stale.
    pub restarted: bool,
    /// Complete lines added since the last poll, without their line ends.
    pub lines: Vec<String>,
}

impl Tail {
    /// Follows `path` from its start.
    pub fn new(path: PathBuf) -> Tail {
        Tail {
            path,
            offset: 0,
            identity: None,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the complete lines written since the last poll (none when the file is missing or
    /// has not grown: a size check, not a read).
    pub fn poll(&mut self) -> std::io::Result<NewLines> {
        let mut found = NewLines::default();
        let Ok(meta) = std::fs::metadata(&self.path) else {
            return Ok(found);
        };
        let identity = identity(&meta);
        if meta.len() < self.offset || (self.identity.is_some() && self.identity != identity) {
            self.offset = 0;
            found.restarted = true;
        }
        self.identity = identity;
        if meta.len() == self.offset {
            return Ok(found);
        }
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        let mut bytes = Vec::new();
        file.take(MAX_READ).read_to_end(&mut bytes)?;
        let Some(end) = bytes.iter().rposition(|&b| b == b'\n') else {
            return Ok(found);
        };
        self.offset += end as u64 + 1;
        found.lines = String::from_utf8_lossy(&bytes[..end])
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line).to_string())
            .collect();
        Ok(found)
    }
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.ino())
}

#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn reads_only_complete_new_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        let mut tail = Tail::new(path.clone());
        assert_eq!(tail.poll().unwrap(), NewLines::default());
        let mut file = File::create(&path).unwrap();
        file.write_all(b"a,b\n1,2\n3,").unwrap();
        assert_eq!(tail.poll().unwrap().lines, ["a,b", "1,2"]);
        assert!(tail.poll().unwrap().lines.is_empty());
        file.write_all(b"4\n").unwrap();
        assert_eq!(tail.poll().unwrap().lines, ["3,4"]);
    }

    #[test]
    fn a_replaced_file_is_read_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.csv");
        std::fs::write(&path, "h\n1\n2\n").unwrap();
        let mut tail = Tail::new(path.clone());
        assert_eq!(tail.poll().unwrap().lines.len(), 3);
        std::fs::rename(&path, dir.path().join("old.csv")).unwrap();
        std::fs::write(&path, "h\n9\n").unwrap();
        let again = tail.poll().unwrap();
        assert!(again.restarted);
        assert_eq!(again.lines, ["h", "9"]);
    }
}
