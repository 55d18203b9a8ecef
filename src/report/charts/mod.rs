//! Charts of a run's series files, as PNG and SVG.
//!
//! The runner writes series CSVs under `RUN_DIR/series/<ITEM-ID>/`: the shared rigs'
//! `chamber.csv` and `thermal.csv` there, and each sample's camera files (`camera-<stream>.csv`,
//! `camera-cycles.csv`, the frame-interval histograms `camera-<stream>-intervals.csv` or an
//! older `camera-intervals.csv`) under `sample-<N>/` (a format-1 run has them
//! directly in the item's folder). [`Charts::render`] turns each item's files into
//! `<ITEM-ID>-chamber` and `-thermal` charts and one `<ITEM-ID>-camera-sample-<N>` chart per
//! sample (`<ITEM-ID>-camera` for a format-1 run) under `RUN_DIR/report/charts/`;
//! [`Charts::for_samples`] keeps the charts and series of one model's samples. The workbook
//! embeds the PNGs and lists the files in the item's evidence cell, and the bundle packs charts
//! and series into the item's evidence zip.
//!
//! - `series`: streaming CSV reads (one pass per file, malformed rows skipped and counted) and
//!   decimation to at most four points per pixel column, so a 72 h run at 1 s stays small in
//!   memory. An item's chamber, thermal and camera series are read by a few threads side by
//!   side, then drawn in order.
//! - `chamber`, `thermal`, `camera`: one figure each; `draw`: what they share.
//! - `fonts`: an installed CJK font when there is one, else the shipped CJK subset.
//! - `limits`: tolerance bands and limit lines from the item's criteria.
//!
//! A series file that cannot be drawn (missing columns, no rows) gives a warning, not an error:
//! the rest of the report still comes out.

mod camera;
mod chamber;
mod draw;
mod fonts;
mod limits;
mod series;
mod sheet;
mod thermal;
mod trend;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::plan::{Item, Plan};

use super::names::{join_in, safe_file_component};
use super::ReportError;
use camera::CameraChart;
use chamber::ChamberChart;
use draw::{render, RenderError};
use thermal::ThermalChart;

pub use fonts::CJK_FONT_ENV;
pub(super) use fonts::SHIPPED_CJK_FONT;
pub(super) use sheet::write_charts_sheet;
pub use sheet::CHARTS_SHEET;
pub use trend::{write_trend_chart, TrendChart, TrendPoint};

/// Pixel columns the series are reduced to (about the plot width).
const PLOT_COLUMNS: usize = 1200;

/// Folder of the charts inside the report folder.
pub const CHARTS_DIR: &str = "charts";

/// What a chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChartKind {
    /// Chamber temperature (and humidity) against the set point.
    Chamber,
    /// Thermal logger channels against their limits.
    Thermal,
    /// Camera frame rate, frame intervals, luma and first-frame latency.
    Camera,
}

impl ChartKind {
    /// Every kind, in the order charts are listed.
    pub const ALL: [ChartKind; 3] = [ChartKind::Chamber, ChartKind::Thermal, ChartKind::Camera];

    /// The file-name suffix: `chamber`, `thermal`, `camera`.
    pub fn key(self) -> &'static str {
        match self {
            ChartKind::Chamber => "chamber",
            ChartKind::Thermal => "thermal",
            ChartKind::Camera => "camera",
        }
    }
}

/// One chart written as PNG and SVG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// Id of the item it belongs to.
    pub item: String,
    /// What it shows.
    pub kind: ChartKind,
    /// The sample it shows (camera charts); `None` for the shared rigs' charts (and a
    /// format-1 run's camera chart).
    pub sample: Option<u32>,
    /// The PNG file.
    pub png: PathBuf,
    /// The SVG file.
    pub svg: PathBuf,
    /// Its title.
    pub title: String,
    /// The caption lines printed under it (counts, gaps, skipped rows).
    pub notes: Vec<String>,
}

/// The charts of a run, plus the series files they came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Charts {
    run_dir: PathBuf,
    /// Every chart written, in plan order, then by kind.
    pub charts: Vec<Chart>,
    /// Series CSV files per item id: the item folder's files, then each sample folder's
    /// (sorted by name).
    pub series: Vec<(String, Vec<PathBuf>)>,
    /// Series that could not be charted, and why.
    pub warnings: Vec<String>,
    /// The CJK font the chart text uses (an installed one, or the shipped subset); `None` means
    /// the embedded Latin font, with Chinese names left out of the charts.
    pub cjk_font: Option<PathBuf>,
}

impl Charts {
    /// Renders the charts of every plan item that has a series folder under `run_dir/series/`
    /// into `out` (created when needed). Unreadable series become warnings; only failing to
    /// write into `out` is an error.
    pub fn render(run_dir: &Path, out: &Path, plan: &Plan) -> Result<Charts, ReportError> {
        let mut charts = Charts {
            run_dir: run_dir.to_path_buf(),
            cjk_font: fonts::chart_font().ok().and_then(|f| f.cjk.clone()),
            ..Charts::default()
        };
        let series_root = run_dir.join(crate::journal::RunDir::SERIES);
        for item in &plan.items {
            let dir = series_root.join(safe_file_component(&item.id));
            let sample_dirs = sample_dirs(&dir);
            let mut files = csv_files(&dir);
            files.extend(sample_dirs.iter().flat_map(|(_, d)| csv_files(d)));
            if files.is_empty() {
                continue;
            }
            std::fs::create_dir_all(out).map_err(|e| ReportError::io(out, e))?;
            let font = match fonts::chart_font() {
                Ok(font) => font,
                Err(problem) => {
                    for _ in ChartKind::ALL {
                        charts
                            .warnings
                            .push(format!("{}: no chart: {problem}", item.id));
                    }
                    charts.series.push((item.id.clone(), files));
                    continue;
                }
            };
            let figures = read_figures(item, &dir, &sample_dirs, font);
            for (figure, read) in figures {
                charts.draw_one(item, figure, read, out)?;
            }
            charts.series.push((item.id.clone(), files));
        }
        Ok(charts)
    }

    /// Draws one figure read by [`read_figures`], or turns its reading problem into a warning.
    fn draw_one(
        &mut self,
        item: &Item,
        job: FigureJob,
        read: Result<Option<Figures>, String>,
        out: &Path,
    ) -> Result<(), ReportError> {
        let FigureJob {
            kind,
            sample,
            title,
            ..
        } = job;
        let figure = match read {
            Ok(Some(figure)) => figure,
            Ok(None) => return Ok(()),
            Err(problem) => {
                self.warnings
                    .push(format!("{}: no {} chart: {problem}", item.id, kind.key()));
                return Ok(());
            }
        };
        let stem = match sample {
            Some(n) => format!(
                "{}-{}-sample-{n}",
                safe_file_component(&item.id),
                kind.key()
            ),
            None => format!("{}-{}", safe_file_component(&item.id), kind.key()),
        };
        let png = join_in(out, &format!("{stem}.png"))?;
        let svg = join_in(out, &format!("{stem}.svg"))?;
        let rendered = match &figure {
            Figures::Chamber(f) => render(f, &png, &svg),
            Figures::Thermal(f) => render(f, &png, &svg),
            Figures::Camera(f) => render(f, &png, &svg),
        };
        match rendered {
            Ok(()) => {}
            Err(RenderError::Write(e)) => return Err(e),
            Err(RenderError::Draw(problem)) => {
                self.warnings.push(format!(
                    "{}: {} chart not drawn: {problem}",
                    item.id,
                    kind.key()
                ));
                return Ok(());
            }
        }
        let notes = figure.notes().to_vec();
        self.warnings.extend(
            notes
                .iter()
                .filter(|n| n.contains("malformed"))
                .map(|n| format!("{} {} chart: {n}", item.id, kind.key())),
        );
        self.charts.push(Chart {
            item: item.id.clone(),
            kind,
            sample,
            png,
            svg,
            title,
            notes,
        });
        Ok(())
    }

    /// The charts and series of the shared rigs and of `samples` only: what one model's
    /// reports show.
    pub fn for_samples(&self, samples: &[u32]) -> Charts {
        let keep = |sample: Option<u32>| sample.is_none_or(|n| samples.contains(&n));
        Charts {
            run_dir: self.run_dir.clone(),
            charts: self
                .charts
                .iter()
                .filter(|c| keep(c.sample))
                .cloned()
                .collect(),
            series: self
                .series
                .iter()
                .map(|(item, files)| {
                    let kept = files.iter().filter(|f| keep(sample_of(f))).cloned();
                    (item.clone(), kept.collect())
                })
                .collect(),
            warnings: self.warnings.clone(),
            cjk_font: self.cjk_font.clone(),
        }
    }

    /// The charts of one item.
    pub fn of_item<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Chart> + 'a {
        self.charts.iter().filter(move |c| c.item == id)
    }

    /// The series files of one item.
    pub fn series_of(&self, id: &str) -> &[PathBuf] {
        self.series
            .iter()
            .find(|(item, _)| item == id)
            .map_or(&[], |(_, files)| files.as_slice())
    }

    /// The chart files of one item as the evidence cell lists them: paths relative to the run
    /// directory, PNG then SVG per chart.
    pub fn evidence_of(&self, id: &str) -> Vec<String> {
        self.of_item(id)
            .flat_map(|c| [&c.png, &c.svg])
            .map(|path| self.relative(path))
            .collect()
    }

    /// `path` relative to the run directory (with `/`), or as given when outside it.
    pub fn relative(&self, path: &Path) -> String {
        match path.strip_prefix(&self.run_dir) {
            Ok(relative) => relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
            Err(_) => path.display().to_string(),
        }
    }
}

/// One figure to read: its kind, the sample it shows, the folder its series are in and its
/// title.
struct FigureJob {
    kind: ChartKind,
    sample: Option<u32>,
    dir: PathBuf,
    title: String,
}

/// Reads the figures of `item` from its series folder `dir` and its `sample_dirs`: the chamber
/// and thermal figures from `dir`, one camera figure from `dir` (a format-1 run) and one per
/// sample folder. They are read by a few threads side by side (the files are independent and
/// reading them is most of a report's time; see [`reader_count`]); `Ok(None)` when the item has
/// no series of that kind there.
fn read_figures(
    item: &Item,
    dir: &Path,
    sample_dirs: &[(u32, PathBuf)],
    font: &'static fonts::ChartFont,
) -> Vec<(FigureJob, Result<Option<Figures>, String>)> {
    let name = font.bilingual(&item.name_zh, &item.name_en);
    let job = |kind: ChartKind, sample: Option<u32>, dir: &Path| {
        let what = match sample {
            Some(n) => format!("{}, sample {n}", kind.key()),
            None => kind.key().to_string(),
        };
        FigureJob {
            kind,
            sample,
            dir: dir.to_path_buf(),
            title: font.printable(&format!("{} {name} — {what}", item.id)),
        }
    };
    let jobs: Vec<FigureJob> = ChartKind::ALL
        .into_iter()
        .map(|kind| job(kind, None, dir))
        .chain(
            sample_dirs
                .iter()
                .map(|(n, d)| job(ChartKind::Camera, Some(*n), d)),
        )
        .collect();
    let next = AtomicUsize::new(0);
    let mut reads: Vec<(usize, Result<Option<Figures>, String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..reader_count(jobs.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(index) else {
                            return done;
                        };
                        let read = read_figure(item, job.kind, &job.dir, job.title.clone(), font);
                        done.push((index, read));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    reads.sort_by_key(|(index, _)| *index);
    jobs.into_iter()
        .zip(reads.into_iter().map(|(_, read)| read))
        .collect()
}

/// Series readers at once: enough to keep every core busy (and the chamber, thermal and camera
/// series of one item read side by side), few enough that a run of many samples does not hold
/// every sample's read buffers at the same time.
fn reader_count(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    jobs.min(cores.max(3))
}

/// Reads the figure of one chart kind; `Ok(None)` when there is no series of that kind.
fn read_figure(
    item: &Item,
    kind: ChartKind,
    dir: &Path,
    title: String,
    font: &fonts::ChartFont,
) -> Result<Option<Figures>, String> {
    match kind {
        ChartKind::Chamber => {
            let path = dir.join("chamber.csv");
            let tolerance = limits::chamber_tolerance(&item.criteria);
            path.is_file()
                .then(|| ChamberChart::read(&path, title, tolerance, font))
                .transpose()
                .map(|c| c.flatten().map(Figures::Chamber))
        }
        ChartKind::Thermal => {
            let path = dir.join("thermal.csv");
            path.is_file()
                .then(|| ThermalChart::read(&path, title, &item.criteria, font))
                .transpose()
                .map(|c| c.flatten().map(Figures::Thermal))
        }
        ChartKind::Camera => CameraChart::read(dir, title).map(|c| c.map(Figures::Camera)),
    }
}

/// The figure of one chart kind.
enum Figures {
    Chamber(ChamberChart),
    Thermal(ThermalChart),
    Camera(CameraChart),
}

impl Figures {
    fn notes(&self) -> &[String] {
        match self {
            Figures::Chamber(f) => f.notes(),
            Figures::Thermal(f) => f.notes(),
            Figures::Camera(f) => f.notes(),
        }
    }
}

/// The name of a sample's series folder inside an item's folder.
fn sample_dir_name(sample: u32) -> String {
    format!("sample-{sample}")
}

/// The sample folders (`sample-<N>`) in an item's series folder `dir`, by sample number.
fn sample_dirs(dir: &Path) -> Vec<(u32, PathBuf)> {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<(u32, PathBuf)> = listing
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter_map(|p| Some((sample_of_dir(&p)?, p)))
        .collect();
    dirs.sort();
    dirs
}

/// The sample number of a `sample-<N>` folder.
fn sample_of_dir(dir: &Path) -> Option<u32> {
    let name = dir.file_name()?.to_str()?;
    let number: u32 = name.strip_prefix("sample-")?.parse().ok()?;
    (sample_dir_name(number) == name).then_some(number)
}

/// The sample a series file belongs to: the number of its `sample-<N>` folder, `None` for a
/// shared rig's file directly in the item's folder.
fn sample_of(file: &Path) -> Option<u32> {
    sample_of_dir(file.parent()?)
}

/// The `.csv` files directly in `dir`, sorted; empty when it is missing.
fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = listing
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests;
