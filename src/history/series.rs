//! Summaries of a run's series files (`RUN_DIR/series/<ITEM>/…/*.csv`, see
//! [`crate::runner::rigs::series`]): for every numeric column of every file, the count, min, max
//! and mean of its values, read in one streaming pass (a 72 h series at 1 s is never held in
//! memory).
//!
//! A file that cannot be read, or rows that do not parse, are left out with a warning: the
//! history is an index, the series files stay the evidence.

use std::fs;
use std::path::{Component, Path};

use csv::ByteRecord;

use super::rows::Summary;
use crate::journal::RunDir;

/// One column of one series file.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSummary {
    /// The file, relative to the run folder, with `/` separators.
    pub path: String,
    /// The item whose folder holds it.
    pub item: String,
    /// The sample, for a file under `sample-<N>/`.
    pub sample: Option<u32>,
    /// Column name from the header.
    pub column: String,
    /// Its numeric values.
    pub summary: Summary,
}

/// The summaries of every series file of `item` in the run folder `dir` (none when the item
/// has no series folder).
pub fn summarise_item(dir: &RunDir, item: &str) -> Vec<SeriesSummary> {
    let root = dir.path().join(RunDir::SERIES);
    let mut files = Vec::new();
    collect_csv(&root.join(item), &mut files);
    files.sort();
    files
        .iter()
        .flat_map(|file| summarise_file(dir.path(), file))
        .collect()
}

/// Every `.csv` under `folder`, depth first.
fn collect_csv(folder: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_csv(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "csv") {
            out.push(path);
        }
    }
}

/// One file's numeric columns.
fn summarise_file(run_dir: &Path, file: &Path) -> Vec<SeriesSummary> {
    let relative = file.strip_prefix(run_dir).unwrap_or(file);
    let parts: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let item = parts.get(1).cloned().unwrap_or_default();
    let sample = parts
        .iter()
        .find_map(|part| part.strip_prefix("sample-")?.parse().ok());
    let columns = match column_summaries(file) {
        Ok(columns) => columns,
        Err(message) => {
            tracing::warn!(
                "history: series {} not summarised: {message}",
                file.display()
            );
            return Vec::new();
        }
    };
    columns
        .into_iter()
        .filter(|(_, summary)| summary.count > 0)
        .map(|(column, summary)| SeriesSummary {
            path: parts.join("/"),
            item: item.clone(),
            sample,
            column,
            summary,
        })
        .collect()
}

/// Running sums of one column.
#[derive(Debug, Default)]
struct Column {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    last: f64,
}

/// Each header column with the summary of the values in it that parse as finite numbers.
fn column_summaries(file: &Path) -> Result<Vec<(String, Summary)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .map_err(|e| e.to_string())?;
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| format!("header: {e}"))?
        .iter()
        .map(|name| name.trim().to_string())
        .collect();
    let mut columns: Vec<Column> = names.iter().map(|_| Column::default()).collect();
    let mut record = ByteRecord::new();
    let mut bad_rows = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => {
                bad_rows += 1;
                continue;
            }
        }
        for (column, field) in columns.iter_mut().zip(record.iter()) {
            let Some(value) = number(field) else {
                continue;
            };
            if column.count == 0 {
                (column.min, column.max) = (value, value);
            }
            column.count += 1;
            column.sum += value;
            column.min = column.min.min(value);
            column.max = column.max.max(value);
            column.last = value;
        }
    }
    if bad_rows > 0 {
        tracing::warn!(
            "history: {bad_rows} unreadable row(s) of series {} left out of its summary",
            file.display()
        );
    }
    Ok(names
        .into_iter()
        .zip(columns)
        .map(|(name, c)| {
            let summary = Summary {
                count: c.count,
                min: (c.count > 0).then_some(c.min),
                max: (c.count > 0).then_some(c.max),
                mean: (c.count > 0).then(|| c.sum / c.count as f64),
                last: (c.count > 0).then_some(c.last),
            };
            (name, summary)
        })
        .collect())
}

/// A field as a finite number, if it is one.
fn number(field: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(field).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_columns_are_summarised_per_file_with_item_and_sample() {
        let tmp = tempfile::tempdir().unwrap();
        let folder = tmp.path().join("series/PER-009/sample-2");
        fs::create_dir_all(&folder).unwrap();
        fs::write(
            folder.join("camera-rgb.csv"),
            "elapsed_s,utc,fps,note\n0,2026-01-01T00:00:00Z,29.5,\n1,x,30.5,ok\n2,y,,\n",
        )
        .unwrap();
        fs::write(tmp.path().join("journal.jsonl"), "").unwrap();
        let dir = RunDir::open(tmp.path()).unwrap();
        let summaries = summarise_item(&dir, "PER-009");
        let names: Vec<&str> = summaries.iter().map(|s| s.column.as_str()).collect();
        assert_eq!(names, ["elapsed_s", "fps"]);
        let fps = &summaries[1];
        assert_eq!(fps.path, "series/PER-009/sample-2/camera-rgb.csv");
        assert_eq!((fps.item.as_str(), fps.sample), ("PER-009", Some(2)));
        assert_eq!(fps.summary.count, 2);
        assert_eq!(fps.summary.mean, Some(30.0));
        assert_eq!(summaries[0].summary.max, Some(2.0));
        assert!(summarise_item(&dir, "CLM-001").is_empty());
    }
}
