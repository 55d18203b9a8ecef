//! Series files: one CSV per rig per item under `RUN_DIR/series/<ITEM>/` (a sample's own
//! camera series under `RUN_DIR/series/<ITEM>/sample-<N>/`), written row by row.
//!
//! Rows are flushed to the OS at most [`FLUSH_INTERVAL`] apart and synced to disk every
//! [`SYNC_EVERY_ROWS`] rows (at most once per [`SYNC_INTERVAL`]) and when the file is closed.
//! On a real-time run, where readings come seconds apart, every row reaches the OS as it is
//! written and a power cut loses at most the last minute of a series, never a recorded result
//! (results live in the journal); a run on simulated time, which writes thousands of rows a
//! second, is not slowed down by a write and a sync per row.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Rows between two `fsync`s.
pub const SYNC_EVERY_ROWS: usize = 60;
/// Shortest wall-clock time between two `fsync`s.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(1);
/// Longest wall-clock time a written row waits in the buffer before it reaches the OS.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);

/// A CSV series being written.
#[derive(Debug)]
pub struct SeriesWriter {
    path: PathBuf,
    out: csv::Writer<BufWriter<File>>,
    rows_since_sync: usize,
    /// When rows last reached the OS (`None`: never).
    flushed: Option<Instant>,
    /// When the file was last synced (`None`: never).
    synced: Option<Instant>,
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
            flushed: None,
            synced: None,
        };
        writer.row(header.iter().copied())?;
        Ok(writer)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one row; it reaches the OS at once unless rows came less than
    /// [`FLUSH_INTERVAL`] ago, and then with the next row or on close.
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
            .map_err(fail)?;
        self.rows_since_sync += 1;
        let due = |last: Option<Instant>, interval| last.is_none_or(|at| at.elapsed() >= interval);
        if self.rows_since_sync >= SYNC_EVERY_ROWS && due(self.synced, SYNC_INTERVAL) {
            self.sync()?;
        } else if due(self.flushed, FLUSH_INTERVAL) {
            self.out.flush().map_err(|source| SeriesError {
                path: self.path.clone(),
                source,
            })?;
            self.flushed = Some(Instant::now());
        }
        Ok(())
    }

    /// Syncs what was written to disk.
    pub fn sync(&mut self) -> Result<(), SeriesError> {
        self.rows_since_sync = 0;
        let now = Instant::now();
        (self.flushed, self.synced) = (Some(now), Some(now));
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
        drop(second);
        let now = fs::read_to_string(dir.path().join("CLM-001/chamber.csv")).unwrap();
        assert_eq!(now, "a,b\n3,\n");
        let kept = fs::read_to_string(dir.path().join("CLM-001/attempt-1/chamber.csv")).unwrap();
        assert_eq!(kept, "a,b\n1,2\n");
        assert_eq!(cell(None), "");
        assert_eq!(cell(Some(-10.04)), "-10.040");
    }

    #[test]
    fn the_first_row_reaches_the_file_at_once_and_a_burst_is_whole_once_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("PER-009/camera-rgb.csv");
        let mut series =
            SeriesWriter::create(&dir.path().join("PER-009"), "camera-rgb", &["s"]).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "s\n");
        for second in 0..10_000 {
            series.row([second.to_string()]).unwrap();
        }
        drop(series);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 10_001);
        assert!(text.ends_with("9999\n"));
    }
}
