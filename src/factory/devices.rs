//! The line's device list: one CSV row per unit checked, appended and synced to disk before
//! the next unit is accepted, and read back at start so a duplicate is caught across restarts.
//!
//! Columns: `sn, camera_sn, model, time_utc, station, result, reasons` (`result` is `PASS` or
//! `BLOCKED`; `reasons` joins the reasons with ` | `). Only what the checks need stays in
//! memory: the SNs and camera SNs of units that passed, each with the row that passed it.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};

/// The header row of the device list.
pub const HEADER: [&str; 7] = [
    "sn",
    "camera_sn",
    "model",
    "time_utc",
    "station",
    "result",
    "reasons",
];

/// Why the device list cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DeviceListError {
    /// Reading, writing or syncing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The device list.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A row of an existing list is not a device-list row.
    #[error("{path}:{line}: {problem}")]
    Malformed {
        /// The device list.
        path: String,
        /// 1-based line of the bad row.
        line: u64,
        /// What is wrong with it.
        problem: String,
    },
}

/// The result written for a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineResult {
    /// Ready for the network's factory check.
    Pass,
    /// Held back, with reasons.
    Blocked,
}

impl LineResult {
    /// How the device list spells it.
    pub fn word(self) -> &'static str {
        match self {
            LineResult::Pass => "PASS",
            LineResult::Blocked => "BLOCKED",
        }
    }

    fn parse(text: &str) -> Option<LineResult> {
        match text {
            "PASS" => Some(LineResult::Pass),
            "BLOCKED" => Some(LineResult::Blocked),
            _ => None,
        }
    }
}

/// One row of the device list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The label SN as scanned.
    pub sn: String,
    /// The camera SN read from the unit (empty when none could be read).
    pub camera_sn: String,
    /// The model.
    pub model: String,
    /// When the check ended.
    pub time_utc: DateTime<Utc>,
    /// The station.
    pub station: String,
    /// The result.
    pub result: LineResult,
    /// Every reason it was blocked.
    pub reasons: Vec<String>,
}

/// A 1-based line of the device list.
pub type LineNumber = u64;

/// The open device list: what passed so far, and the file to append to.
#[derive(Debug)]
pub struct DeviceList {
    path: PathBuf,
    file: File,
    /// Device SNs that passed, with the line that passed them.
    passed_sns: HashMap<String, LineNumber>,
    /// Camera SNs of units that passed, with the device SN they belong to.
    passed_cameras: HashMap<String, String>,
    /// The line the next row lands on.
    next_line: LineNumber,
}

impl DeviceList {
    /// Opens (or creates, with its header) the device list at `path`, reading every existing
    /// row; a malformed row is an error naming the file and line.
    pub fn open(path: &Path) -> Result<DeviceList, DeviceListError> {
        let io = |source| DeviceListError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut list = DeviceList {
            path: path.to_path_buf(),
            file: OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(io)?,
            passed_sns: HashMap::new(),
            passed_cameras: HashMap::new(),
            next_line: 1,
        };
        if list.file.metadata().map_err(io)?.len() == 0 {
            list.append_row(&HEADER)?;
        } else {
            list.read_existing()?;
        }
        Ok(list)
    }

    /// The device list's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The line on which `sn` passed, if it did.
    pub fn passed(&self, sn: &str) -> Option<LineNumber> {
        self.passed_sns.get(sn).copied()
    }

    /// The device SN a camera SN passed with, if it did.
    pub fn camera_owner(&self, camera_sn: &str) -> Option<&str> {
        self.passed_cameras.get(camera_sn).map(String::as_str)
    }

    /// Units that passed so far.
    pub fn passed_count(&self) -> usize {
        self.passed_sns.len()
    }

    /// Appends `record`, syncs it to disk and returns its line.
    pub fn append(&mut self, record: &DeviceRecord) -> Result<LineNumber, DeviceListError> {
        let time = record.time_utc.to_rfc3339_opts(SecondsFormat::Millis, true);
        let reasons = record.reasons.join(" | ");
        let line = self.next_line;
        self.append_row(&[
            record.sn.as_str(),
            &record.camera_sn,
            &record.model,
            &time,
            &record.station,
            record.result.word(),
            &reasons,
        ])?;
        self.remember(record, line);
        Ok(line)
    }

    /// Writes one CSV row and syncs the file.
    fn append_row(&mut self, fields: &[&str]) -> Result<(), DeviceListError> {
        let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
        let row = writer
            .write_record(fields)
            .map_err(|e| self.io(std::io::Error::other(e)))
            .and_then(|()| {
                writer
                    .into_inner()
                    .map_err(|e| self.io(std::io::Error::other(e.to_string())))
            })?;
        // Fields with line breaks are quoted and may span lines; count them for the next row.
        let lines = row.iter().filter(|b| **b == b'\n').count() as u64;
        self.file.write_all(&row).map_err(|e| self.io(e))?;
        self.file.sync_data().map_err(|e| self.io(e))?;
        self.next_line += lines;
        Ok(())
    }

    fn io(&self, source: std::io::Error) -> DeviceListError {
        DeviceListError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn remember(&mut self, record: &DeviceRecord, line: LineNumber) {
        if record.result == LineResult::Pass {
            self.passed_sns.entry(record.sn.clone()).or_insert(line);
            if !record.camera_sn.is_empty() {
                self.passed_cameras
                    .entry(record.camera_sn.clone())
                    .or_insert_with(|| record.sn.clone());
            }
        }
    }

    /// Reads the rows already in the file.
    fn read_existing(&mut self) -> Result<(), DeviceListError> {
        let file = File::open(&self.path).map_err(|e| self.io(e))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(file);
        let mut last_line = 0;
        for (index, row) in reader.records().enumerate() {
            let malformed = |line: u64, problem: String| DeviceListError::Malformed {
                path: self.path.display().to_string(),
                line,
                problem,
            };
            let row = row.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                malformed(line, e.to_string())
            })?;
            let line = row.position().map_or(index as u64 + 1, |p| p.line());
            last_line = line
                + row
                    .iter()
                    .map(|f| f.matches('\n').count() as u64)
                    .sum::<u64>();
            if index == 0 {
                if row.iter().ne(HEADER) {
                    return Err(malformed(
                        line,
                        format!("expected the header `{}`", HEADER.join(",")),
                    ));
                }
                continue;
            }
            let record = parse_row(&row).map_err(|problem| malformed(line, problem))?;
            self.remember(&record, line);
        }
        self.next_line = last_line + 1;
        if !ends_with_newline(&self.path).map_err(|e| self.io(e))? {
            // A row cut short by a crash: finish its line so the next row starts on its own.
            self.file.write_all(b"\n").map_err(|e| self.io(e))?;
        }
        Ok(())
    }
}

/// Whether the file's last byte is a line feed.
fn ends_with_newline(path: &Path) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = File::open(path)?;
    if file.seek(SeekFrom::End(0))? == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// One data row, or what is wrong with it.
fn parse_row(row: &csv::StringRecord) -> Result<DeviceRecord, String> {
    if row.len() != HEADER.len() {
        return Err(format!(
            "{} fields; a device-list row has {} ({})",
            row.len(),
            HEADER.len(),
            HEADER.join(",")
        ));
    }
    let field = |i: usize| row.get(i).unwrap_or_default().to_string();
    let sn = field(0);
    if sn.trim().is_empty() {
        return Err("sn is empty".to_string());
    }
    let time_utc = DateTime::parse_from_rfc3339(&field(3))
        .map_err(|e| format!("time_utc `{}` is not an RFC 3339 time: {e}", field(3)))?
        .with_timezone(&Utc);
    let result = LineResult::parse(&field(5))
        .ok_or_else(|| format!("result `{}` is neither PASS nor BLOCKED", field(5)))?;
    let reasons = field(6);
    Ok(DeviceRecord {
        sn,
        camera_sn: field(1),
        model: field(2),
        time_utc,
        station: field(4),
        result,
        reasons: reasons
            .split(" | ")
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(sn: &str, camera: &str, result: LineResult) -> DeviceRecord {
        DeviceRecord {
            sn: sn.into(),
            camera_sn: camera.into(),
            model: "FP-200".into(),
            time_utc: Utc::now(),
            station: "line-1".into(),
            result,
            reasons: match result {
                LineResult::Pass => Vec::new(),
                LineResult::Blocked => vec!["a, \"quoted\"\nreason".into(), "b".into()],
            },
        }
    }

    #[test]
    fn rows_survive_a_restart_and_only_passes_count() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("devices.csv");
        let mut list = DeviceList::open(&path).expect("new list");
        assert_eq!(
            list.append(&record("A", "C1", LineResult::Blocked)).ok(),
            Some(2)
        );
        // The blocked row's reason spans two lines; the next row's line number follows it.
        assert_eq!(
            list.append(&record("B", "C2", LineResult::Pass)).ok(),
            Some(4)
        );
        drop(list);
        let mut list = DeviceList::open(&path).expect("reopened");
        assert_eq!(list.passed("A"), None);
        assert_eq!(list.passed("B"), Some(4));
        assert_eq!(list.camera_owner("C2"), Some("B"));
        assert_eq!(
            list.append(&record("D", "C3", LineResult::Pass)).ok(),
            Some(5)
        );
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with("sn,camera_sn,model,time_utc,station,result,reasons\n"));
        assert_eq!(text.lines().count(), 5, "{text}");
    }

    #[test]
    fn a_malformed_row_names_the_file_and_line() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("devices.csv");
        std::fs::write(
            &path,
            "sn,camera_sn,model,time_utc,station,result,reasons\n\
             A,C,M,2026-01-01T00:00:00Z,l,PASS,\n\
             B,C,M,yesterday,l,PASS,\n",
        )
        .expect("write");
        let error = DeviceList::open(&path).expect_err("bad time").to_string();
        assert!(
            error.contains("devices.csv:3: time_utc `yesterday`"),
            "{error}"
        );
        std::fs::write(&path, "serial,result\n").expect("write");
        let error = DeviceList::open(&path).expect_err("bad header").to_string();
        assert!(
            error.contains("devices.csv:1: expected the header"),
            "{error}"
        );
        std::fs::write(
            &path,
            "sn,camera_sn,model,time_utc,station,result,reasons\nA,C,M,2026-01-01T00:00:00Z,l,MAYBE,\n",
        )
        .expect("write");
        let error = DeviceList::open(&path).expect_err("bad result").to_string();
        assert!(error.contains(":2: result `MAYBE` is neither"), "{error}");
    }
}
