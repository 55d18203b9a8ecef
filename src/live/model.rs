//! The run as the page shows it, kept up to date by polling the run directory: the journal and
//! the series files are followed from a byte offset ([`Tail`]), the status file and the chart
//! list are read again when they change. Each [`RunView::poll`] returns only what changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use super::series::{Point, SeriesKind, SeriesView};
use super::status::{read_status, RunStatus, STATUS_FILE};
use super::tail::Tail;
use crate::journal::{Entry, RunDir, RunEvent};
use crate::judge::Verdict;
use crate::plan::rig_step::RigStep;
use crate::plan::Plan;

/// The run's identity, from `run_started`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunHeader {
    /// Standard id.
    pub standard: String,
    /// Station name.
    pub station: String,
    /// The units, sample 1 first: `vendor model SN`.
    pub units: Vec<String>,
    /// `running`, `stopped` or `finished`.
    pub state: String,
    /// The overall verdict once finished.
    pub verdict: Option<String>,
}

/// One plan item's state on the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemView {
    /// Item id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// `pending`, `running`, or the worst verdict of its samples (`pass`, `no pass`, `NA`,
    /// `not tested`, `error`).
    pub state: String,
    /// Attempt under way or last run (0: never started).
    pub attempt: u32,
    /// Verdict per sample number.
    pub verdicts: BTreeMap<u32, String>,
    /// Why the last result was not a pass or fail, when it says.
    pub reason: Option<String>,
    /// The chamber profile's tolerance (K) around its set point, for the band.
    pub tolerance_k: Option<f64>,
}

/// A series' changes (or the whole of it when `reset`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesUpdate {
    /// `ITEM/name` or `ITEM/sample-N/name`.
    pub key: String,
    /// Its item.
    pub item: String,
    /// The unit a camera series belongs to.
    pub sample: Option<u32>,
    /// Chamber, camera or thermal.
    pub kind: SeriesKind,
    /// Column names, in the order of each point's values.
    pub columns: Vec<String>,
    /// The page drops what it had of this series first.
    pub reset: bool,
    /// `[x, [values…]]`.
    pub points: Vec<Point>,
}

/// What one poll found changed; everything, for a page that just connected.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Update {
    /// True for a whole snapshot.
    pub full: bool,
    /// The run's identity and state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunHeader>,
    /// Items whose state changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemView>,
    /// Series that grew.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<SeriesUpdate>,
    /// The runner's status file, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<RunStatus>,
    /// Wire faults so far: notes in the rigs' wire logs (discarded stray or late bytes, port
    /// lost, reconnects, transfers not logged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wire_faults: Option<u64>,
    /// PNG charts in the run directory (paths relative to it), when the list changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charts: Option<Vec<String>>,
}

impl Update {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == Update::default()
    }
}

#[derive(Debug)]
struct Followed {
    tail: Tail,
    view: Option<SeriesView>,
    item: String,
    sample: Option<u32>,
    name: String,
}

/// The run directory followed.
#[derive(Debug)]
pub struct RunView {
    dir: PathBuf,
    journal: Tail,
    header: RunHeader,
    items: Vec<ItemView>,
    /// Samples reported in the attempt under way, per item.
    reported: BTreeMap<String, usize>,
    series: BTreeMap<String, Followed>,
    wire_logs: BTreeMap<PathBuf, Tail>,
    wire_faults: u64,
    status_stamp: Option<SystemTime>,
    status: Option<RunStatus>,
    charts: Vec<String>,
}

impl RunView {
    /// Follows the run in `dir`, whose items are those of `plan` (its snapshot).
    pub fn new(dir: &Path, plan: &Plan) -> RunView {
        let items = plan
            .items
            .iter()
            .map(|item| ItemView {
                id: item.id.clone(),
                name_zh: item.name_zh.clone(),
                name_en: item.name_en.clone(),
                state: "pending".to_string(),
                attempt: 0,
                verdicts: BTreeMap::new(),
                reason: None,
                tolerance_k: item.steps.iter().find_map(|s| match &s.rig {
                    Some(RigStep::Chamber(profile)) => Some(profile.tolerance_k),
                    _ => None,
                }),
            })
            .collect();
        RunView {
            dir: dir.to_path_buf(),
            journal: Tail::new(dir.join(RunDir::JOURNAL)),
            header: RunHeader::default(),
            items,
            reported: BTreeMap::new(),
            series: BTreeMap::new(),
            wire_logs: BTreeMap::new(),
            wire_faults: 0,
            status_stamp: None,
            status: None,
            charts: Vec::new(),
        }
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Everything known, for a page that just connected.
    pub fn snapshot(&self) -> Update {
        Update {
            full: true,
            run: Some(self.header.clone()),
            items: self.items.clone(),
            series: self
                .series
                .iter()
                .filter_map(|(key, f)| {
                    let view = f.view.as_ref()?;
                    let points = view.points().to_vec();
                    Some(series_update(key, &f.item, f.sample, view, true, points))
                })
                .collect(),
            status: self.status.clone(),
            wire_faults: Some(self.wire_faults),
            charts: Some(self.charts.clone()),
        }
    }

    /// Reads what was added to the run directory since the last poll.
    pub fn poll(&mut self) -> Update {
        let mut update = Update::default();
        self.poll_journal(&mut update);
        self.poll_series(&mut update);
        self.poll_wire_logs(&mut update);
        self.poll_status(&mut update);
        let charts = find_charts(&self.dir);
        if charts != self.charts {
            self.charts = charts.clone();
            update.charts = Some(charts);
        }
        update
    }

    fn poll_journal(&mut self, update: &mut Update) {
        let lines = match self.journal.poll() {
            Ok(found) => found.lines,
            Err(error) => {
                tracing::warn!("live view: {}: {error}", self.journal.path().display());
                return;
            }
        };
        let mut changed: Vec<String> = Vec::new();
        let header_before = self.header.clone();
        for (line, text) in lines.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(text) {
                Ok(entry) => {
                    if let Some(id) = self.apply(entry.event) {
                        changed.push(id);
                    }
                }
                Err(error) => tracing::warn!(
                    "live view: {}: a line read at this poll (#{}) is not an event: {error}",
                    self.journal.path().display(),
                    line + 1
                ),
            }
        }
        changed.sort();
        changed.dedup();
        update.items = self
            .items
            .iter()
            .filter(|i| changed.binary_search(&i.id).is_ok())
            .cloned()
            .collect();
        if self.header != header_before {
            update.run = Some(self.header.clone());
        }
    }

    /// Folds one event; the id of the item it changed.
    fn apply(&mut self, event: RunEvent) -> Option<String> {
        match event {
            RunEvent::RunStarted {
                standard,
                units,
                station,
                ..
            } => {
                self.header = RunHeader {
                    standard,
                    station,
                    units: units
                        .iter()
                        .map(|u| format!("{} {} SN {}", u.vendor, u.model, u.device_sn))
                        .collect(),
                    state: "running".to_string(),
                    verdict: None,
                };
                None
            }
            RunEvent::RunResumed { .. } => {
                self.header.state = "running".to_string();
                self.header.verdict = None;
                None
            }
            RunEvent::RunStopped { .. } => {
                self.header.state = "stopped".to_string();
                None
            }
            RunEvent::RunFinished { verdict } => {
                self.header.state = "finished".to_string();
                self.header.verdict = Some(verdict.label().to_string());
                None
            }
            RunEvent::ItemStarted { item, attempt } => {
                let view = self.items.iter_mut().find(|i| i.id == item)?;
                view.state = "running".to_string();
                view.attempt = attempt;
                self.reported.insert(item.clone(), 0);
                Some(item)
            }
            RunEvent::ItemResult(result) => {
                let samples = self.header.units.len().max(1);
                let view = self.items.iter_mut().find(|i| i.id == result.item)?;
                view.verdicts
                    .insert(result.sample, result.verdict.label().to_string());
                view.reason = result.reason.clone();
                let running = match self.reported.get_mut(&result.item) {
                    Some(reported) => {
                        *reported += 1;
                        *reported < samples
                    }
                    None => false,
                };
                if !running {
                    self.reported.remove(&result.item);
                    let worst = Verdict::worst(
                        view.verdicts
                            .values()
                            .filter_map(|label| label.parse::<Verdict>().ok()),
                    );
                    view.state = worst.map_or("pending", Verdict::label).to_string();
                }
                Some(result.item)
            }
        }
    }

    fn poll_series(&mut self, update: &mut Update) {
        for (key, item, sample, name, path) in find_series(&self.dir.join(RunDir::SERIES)) {
            self.series.entry(key).or_insert_with(|| Followed {
                tail: Tail::new(path),
                view: None,
                item,
                sample,
                name,
            });
        }
        for (key, followed) in &mut self.series {
            let Ok(found) = followed.tail.poll() else {
                continue;
            };
            let mut lines = found.lines.as_slice();
            let mut reset = found.restarted;
            if followed.view.is_none() || found.restarted {
                let (Some(kind), Some((header, rows))) =
                    (SeriesKind::of(&followed.name), lines.split_first())
                else {
                    continue;
                };
                followed.view = SeriesView::new(kind, header);
                lines = rows;
                reset = true;
            }
            let Some(view) = followed.view.as_mut() else {
                continue;
            };
            let added = view.add(lines);
            if !reset && !added.thinned && added.points.is_empty() {
                continue;
            }
            let reset = reset || added.thinned;
            let points = if reset {
                view.points().to_vec()
            } else {
                added.points
            };
            let (item, sample) = (followed.item.as_str(), followed.sample);
            update
                .series
                .push(series_update(key, item, sample, view, reset, points));
        }
    }

    fn poll_wire_logs(&mut self, update: &mut Update) {
        let Ok(listing) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in listing.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("wire-") && name.ends_with(".log") {
                self.wire_logs
                    .entry(entry.path())
                    .or_insert_with(|| Tail::new(entry.path()));
            }
        }
        let before = self.wire_faults;
        for tail in self.wire_logs.values_mut() {
            if let Ok(found) = tail.poll() {
                self.wire_faults += found
                    .lines
                    .iter()
                    .filter(|line| line.contains(" -- "))
                    .count() as u64;
            }
        }
        if self.wire_faults != before {
            update.wire_faults = Some(self.wire_faults);
        }
    }

    fn poll_status(&mut self, update: &mut Update) {
        let stamp = std::fs::metadata(self.dir.join(STATUS_FILE))
            .and_then(|m| m.modified())
            .ok();
        if stamp.is_none() || stamp == self.status_stamp {
            return;
        }
        self.status_stamp = stamp;
        if let Some(status) = read_status(&self.dir) {
            if self.status.as_ref() != Some(&status) {
                self.status = Some(status.clone());
                update.status = Some(status);
            }
        }
    }
}

fn series_update(
    key: &str,
    item: &str,
    sample: Option<u32>,
    view: &SeriesView,
    reset: bool,
    points: Vec<Point>,
) -> SeriesUpdate {
    SeriesUpdate {
        key: key.to_string(),
        item: item.to_string(),
        sample,
        kind: view.kind(),
        columns: view.column_names(),
        reset,
        points,
    }
}

/// Drawn series files under `series/`: `<ITEM>/<name>.csv` and `<ITEM>/sample-<N>/<name>.csv`
/// (earlier attempts' `attempt-<n>/` folders are left out), as (key, item, sample, name, path).
fn find_series(root: &Path) -> Vec<(String, String, Option<u32>, String, PathBuf)> {
    let mut found = Vec::new();
    let Ok(items) = std::fs::read_dir(root) else {
        return found;
    };
    for item in items.flatten().filter(|e| e.path().is_dir()) {
        let id = item.file_name().to_string_lossy().into_owned();
        let mut folders = vec![(item.path(), None)];
        if let Ok(inner) = std::fs::read_dir(item.path()) {
            for sub in inner.flatten() {
                let name = sub.file_name().to_string_lossy().into_owned();
                if let Some(n) = name.strip_prefix("sample-").and_then(|n| n.parse().ok()) {
                    folders.push((sub.path(), Some(n)));
                }
            }
        }
        for (folder, sample) in folders {
            let Ok(files) = std::fs::read_dir(&folder) else {
                continue;
            };
            for file in files.flatten() {
                let file_name = file.file_name().to_string_lossy().into_owned();
                let Some(name) = file_name.strip_suffix(".csv") else {
                    continue;
                };
                if SeriesKind::of(name).is_none() {
                    continue;
                }
                let key = match sample {
                    Some(n) => format!("{id}/sample-{n}/{name}"),
                    None => format!("{id}/{name}"),
                };
                found.push((key, id.clone(), sample, name.to_string(), file.path()));
            }
        }
    }
    found
}

/// PNG files in the run directory, two folders deep at most (the report's charts), sorted;
/// the operator's evidence under `attachments/` is left out.
pub fn find_charts(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, folder: &Path, depth: u32, found: &mut Vec<String>) {
        let Ok(listing) = std::fs::read_dir(folder) else {
            return;
        };
        for entry in listing.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if depth < 2 && name != RunDir::ATTACHMENTS && name != RunDir::SERIES {
                    walk(root, &path, depth + 1, found);
                }
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("png"))
            {
                if let Ok(relative) = path.strip_prefix(root) {
                    found.push(relative.to_string_lossy().replace('\\', "/"));
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, dir, 0, &mut found);
    found.sort();
    found
}
