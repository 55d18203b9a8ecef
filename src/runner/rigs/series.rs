//! Series files: one CSV per rig per item under `RUN_DIR/series/<ITEM>/` (a sample's own
//! camera series under `RUN_DIR/series/<ITEM>/sample-<N>/`), written row by row.
//!
//! Rows are flushed to the OS as they are written and synced to disk every
//! [`SYNC_EVERY_ROWS`] rows and when the file is closed, so a power cut loses at most the last
//! few readings of a series, never a recorded result (results live in the journal).

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Rows between two `fsync`s.
pub const SYNC_EVERY_ROWS: usize = 60;

/// A CSV series being written.
#[derive(Debug)]
pub struct SeriesWriter {
    path: PathBuf,
    out: csv::Writer<BufWriter<File>>,
    rows_since_sync: usize,
}

/// Why a series could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write series {}", path.display())]
pub struct SeriesError {
    /// The file.
    pub path: PathBuf,
    /// What failed.
    #[source]
    pub source: std::io::Error,
}

impl SeriesWriter {
    /// Creates `<folder>/<name>.csv` with a header. A file left by an earlier attempt of the
    /// same item is moved to `<folder>/attempt-<n>/` first, so no reading is lost.
    pub fn create(folder: &Path, name: &str, header: &[&str]) -> Result<SeriesWriter, SeriesError> {
        let path = folder.join(format!("{name}.csv"));
        let fail = |source| SeriesError {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(folder).map_err(fail)?;
        if path.exists() {
            keep_earlier_attempt(folder, &path).map_err(fail)?;
        }
        let file = File::create(&path).map_err(fail)?;
        let mut writer = SeriesWriter {
            out: csv::Writer::from_writer(BufWriter::new(file)),
            path: path.clone(),
            rows_since_sync: 0,
        };
        writer.row(header.iter().copied())?;
        Ok(writer)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one row and flushes it to the OS.
    pub fn row<I, S>(&mut self, cells: I) -> Result<(), SeriesError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let path = self.path.clone();
        let fail = |source| SeriesError { path, source };
        self.out
            .write_record(cells)
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|()| self.out.flush())
            .map_err(fail)?;
        self.rows_since_sync += 1;
        if self.rows_since_sync >= SYNC_EVERY_ROWS {
            self.sync()?;
        }
        Ok(())
    }

    /// Syncs what was written to disk.
    pub fn sync(&mut self) -> Result<(), SeriesError> {
        self.rows_since_sync = 0;
        self.out
            .flush()
            .and_then(|()| self.out.get_ref().get_ref().sync_data())
            .map_err(|source| SeriesError {
                path: self.path.clone(),
                source,
            })
    }
}

impl Drop for SeriesWriter {
    fn drop(&mut self) {
        if let Err(error) = self.sync() {
            tracing::warn!("{error}: {}", error.source);
        }
    }
}

/// Moves an earlier attempt's file into `attempt-<n>/`.
fn keep_earlier_attempt(folder: &Path, path: &Path) -> std::io::Result<()> {
    let mut n = 1;
    let target = loop {
        let dir = folder.join(format!("attempt-{n}"));
        let candidate = dir.join(path.file_name().unwrap_or_default());
        if !candidate.exists() {
            fs::create_dir_all(&dir)?;
            break candidate;
        }
        n += 1;
    };
    fs::rename(path, target)
}

/// Formats a reading for a cell; `None` is an empty cell (a gap).
pub fn cell(value: Option<f64>) -> String {
    value.map_or(String::new(), |v| format!("{v:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_land_in_the_file_and_a_new_attempt_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut first =
                SeriesWriter::create(&dir.path().join("CLM-001"), "chamber", &["a", "b"]).unwrap();
            first.row(["1", "2"]).unwrap();
        }
        let mut second =
            SeriesWriter::create(&dir.path().join("CLM-001"), "chamber", &["a", "b"]).unwrap();
        second.row(["3", ""]).unwrap();
        let now = fs::read_to_string(dir.path().join("CLM-001/chamber.csv")).unwrap();
        assert_eq!(now, "a,b\n3,\n");
        let kept = fs::read_to_string(dir.path().join("CLM-001/attempt-1/chamber.csv")).unwrap();
        assert_eq!(kept, "a,b\n1,2\n");
        assert_eq!(cell(None), "");
        assert_eq!(cell(Some(-10.04)), "-10.040");
    }
}
