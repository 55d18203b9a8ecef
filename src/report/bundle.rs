//! The submission bundles of a run: one folder per model (`<out>/<vendor>-<model>/`) with the
//! workbook under its required name, the camera checklist, and one evidence zip per category of
//! the plan.
//!
//! An item's evidence goes to the first category that lists its id, else to the category whose
//! sheet is the item's sheet. Each zip holds the attachments of its items (paths relative to the
//! run directory), their charts (PNG and SVG, redrawn from the series) and series CSVs, the CSV
//! of each sheet its items come from, and a `README.txt` index. Only the model's samples are
//! packed: shared rig series and charts once, each sample's camera series under its
//! `series/<item>/sample-<N>/` folder, and, when the model has several samples, an attachment
//! that not every sample has under `sample-<N>/`.
//! Attachments outside the run directory or missing on disk are left out and reported.

use std::collections::BTreeSet;
use std::fmt;
use std::fs::File;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::catalog::Standard;
use crate::journal::{write_atomically, RunDir, RunState};
use crate::judge::Verdict;
use crate::plan::{EvidenceCategory, Plan};

use super::charts::{Charts, CHARTS_DIR};
use super::checklist::write_checklist;
use super::checklist_run::checklist_from_run;
use super::export::{csv_file_name, sheet_csv};
use super::model::{models, Model};
use super::names::{category_zip_name, join_in, workbook_file_name, zip_entry_name};
use super::status::{sheet_statuses, ItemStatus, SheetStatus};
use super::template::fill_template;
use super::workbook::write_workbook_with_charts;
use super::ReportError;

/// Zip members at or above this size need the zip64 extension.
const ZIP64_THRESHOLD_BYTES: u64 = u32::MAX as u64;

/// What [`package`] wrote for one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The model.
    pub model: Model,
    /// Its submission folder.
    pub folder: PathBuf,
    /// The workbook.
    pub workbook: PathBuf,
    /// The camera checklist workbook, built from the run's camera items.
    pub checklist: PathBuf,
    /// The evidence zips, in plan order.
    pub zips: Vec<CategoryZip>,
    /// Categories left out because none of their items applies to the unit.
    pub skipped: Vec<SkippedCategory>,
    /// Problems that did not stop the bundle: missing attachments, items without a category.
    pub warnings: Vec<String>,
}

/// One evidence zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryZip {
    /// Category number.
    pub number: u32,
    /// Category name.
    pub name: String,
    /// The zip file.
    pub path: PathBuf,
    /// Ids of the items whose evidence it holds.
    pub items: Vec<String>,
    /// Entry names inside the zip.
    pub entries: Vec<String>,
}

/// A category without a zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedCategory {
    /// Category number.
    pub number: u32,
    /// Category name.
    pub name: String,
    /// Why it was skipped.
    pub reason: String,
}

/// The first line of a bundle's summary: the model, its number of samples and its submission
/// folder (the hardware bundle and the software pre-check print it alike).
pub(super) fn write_model_line(
    f: &mut fmt::Formatter<'_>,
    model: &Model,
    folder: &Path,
) -> fmt::Result {
    writeln!(
        f,
        "model:    {} {} ({} samples) → {}",
        model.vendor,
        model.model,
        model.samples.len(),
        folder.display()
    )
}

impl fmt::Display for Bundle {
    /// One line per file written, skipped category and warning.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_model_line(f, &self.model, &self.folder)?;
        writeln!(f, "workbook: {}", self.workbook.display())?;
        writeln!(f, "camera:   {}", self.checklist.display())?;
        for zip in &self.zips {
            writeln!(
                f,
                "zip:      {} ({} items, {} entries)",
                zip.path.display(),
                zip.items.len(),
                zip.entries.len()
            )?;
        }
        for skipped in &self.skipped {
            writeln!(
                f,
                "skipped:  [{}{}]: {}",
                skipped.number, skipped.name, skipped.reason
            )?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning:  {warning}")?;
        }
        Ok(())
    }
}

/// Writes one submission bundle per model of the run, each into `out/<vendor>-<model>/`
/// (see [`Model::folder_name`]; created when missing): the workbook as
/// `[1微信刷脸支付-<standard>测试用例v<version>]-[<vendor>][<model>].xlsx`, the camera checklist,
/// and one `[<n><category>]-[<vendor>][<model>].zip` per category that has applicable items.
/// The charts are drawn once, into the run's `report/charts/`.
pub fn package(
    run_dir: &Path,
    out: &Path,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
) -> Result<Vec<Bundle>, ReportError> {
    std::fs::create_dir_all(out).map_err(|source| ReportError::io(out, source))?;
    let chart_dir = run_dir.join(RunDir::REPORT).join(CHARTS_DIR);
    let charts = Charts::render(run_dir, &chart_dir, plan)?;
    models(state)
        .into_iter()
        .map(|model| {
            let folder = join_in(out, &model.folder_name())?;
            let charts = charts.for_samples(&model.sample_numbers());
            package_model(run_dir, &folder, plan, standard, state, model, &charts)
        })
        .collect()
}

/// Writes one model's bundle into `out`.
fn package_model(
    run_dir: &Path,
    out: &Path,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
    model: Model,
    charts: &Charts,
) -> Result<Bundle, ReportError> {
    std::fs::create_dir_all(out).map_err(|source| ReportError::io(out, source))?;
    let unit = model.first_unit();
    let workbook = join_in(
        out,
        &workbook_file_name(&plan.name_zh, &plan.version, &model.vendor, &model.model),
    )?;
    // The network's own workbook, filled in, when the plan was imported from it; else ours.
    if fill_template(&workbook, plan, standard, state, &model)?.is_none() {
        write_workbook_with_charts(&workbook, plan, standard, state, &model, charts)?;
    }
    let checklist = checklist_from_run(plan, &model.restrict(state)).with_camera_charts(charts);
    let checklist = write_checklist(out, &checklist)?;

    let sheets = sheet_statuses(plan, standard, state, &model);
    let mut assigned: Vec<Vec<&ItemStatus<'_>>> = vec![Vec::new(); plan.categories.len()];
    let mut warnings = charts.warnings.clone();
    for status in sheets.iter().flat_map(|s| &s.items) {
        match category_of(&plan.categories, status) {
            Some(index) => assigned[index].push(status),
            None => warnings.push(format!(
                "item {} has no evidence category in the plan; its evidence is not bundled",
                status.item.id
            )),
        }
    }

    let mut bundle = Bundle {
        model: model.clone(),
        folder: out.to_path_buf(),
        checklist,
        workbook,
        zips: Vec::new(),
        skipped: Vec::new(),
        warnings,
    };
    for (category, items) in plan.categories.iter().zip(&assigned) {
        if items.iter().all(|s| s.verdict == Verdict::NotApplicable) {
            bundle.skipped.push(SkippedCategory {
                number: category.number,
                name: category.name.clone(),
                reason: if items.is_empty() {
                    "no items of this plan".to_string()
                } else {
                    format!("no item applies to {}", unit.device_type)
                },
            });
            continue;
        }
        let name = category_zip_name(category.number, &category.name, &model.vendor, &model.model);
        let path = join_in(out, &name)?;
        let zip = write_category_zip(
            &path,
            run_dir,
            category,
            items,
            &sheets,
            (&model, charts),
            &mut bundle.warnings,
        )?;
        bundle.zips.push(zip);
    }
    Ok(bundle)
}

/// The first category listing the item's id, else the category of its sheet.
fn category_of(categories: &[EvidenceCategory], status: &ItemStatus<'_>) -> Option<usize> {
    let item = status.item;
    categories
        .iter()
        .position(|c| c.items.contains(&item.id))
        .or_else(|| categories.iter().position(|c| c.sheet == Some(item.sheet)))
}

/// Files going into one zip, with their entry names, deduplicated.
#[derive(Default)]
struct Members {
    entries: BTreeSet<String>,
    files: Vec<(String, PathBuf)>,
}

impl Members {
    /// Adds a file under `entry`, renaming on a clash with a different file; returns the entry
    /// name used.
    fn add(&mut self, entry: String, source: PathBuf) -> String {
        if let Some((name, _)) = self.files.iter().find(|(_, s)| *s == source) {
            return name.clone();
        }
        let mut name = entry.clone();
        let mut counter = 2;
        while self.entries.contains(&name) || name == README {
            name = format!("{counter}-{entry}");
            counter += 1;
        }
        self.entries.insert(name.clone());
        self.files.push((name.clone(), source));
        name
    }
}

const README: &str = "README.txt";

fn write_category_zip(
    path: &Path,
    run_dir: &Path,
    category: &EvidenceCategory,
    items: &[&ItemStatus<'_>],
    sheets: &[SheetStatus<'_>],
    (model, charts): (&Model, &Charts),
    warnings: &mut Vec<String>,
) -> Result<CategoryZip, ReportError> {
    let mut members = Members::default();
    let mut index = format!(
        "[{}{}] evidence index\nitem\tresult\tfiles\n",
        category.number, category.name
    );
    for status in items {
        let mut files = Vec::new();
        for (folder, attachment) in attachments_of(status) {
            match resolve_attachment(run_dir, attachment) {
                Ok((entry, source)) => files.push(members.add(folder + &entry, source)),
                Err(problem) => {
                    files.push(format!("({problem}: {attachment})"));
                    warnings.push(format!(
                        "{}: attachment {attachment:?} of {} {problem}; not bundled",
                        path.display(),
                        status.item.id
                    ));
                }
            }
        }
        let id = &status.item.id;
        let chart_files = charts.of_item(id).flat_map(|c| [&c.png, &c.svg]);
        for source in chart_files.chain(charts.series_of(id)) {
            if let Some(entry) = zip_entry_name(&charts.relative(source)) {
                files.push(members.add(entry, source.clone()));
            }
        }
        let listed = if files.is_empty() {
            "—".to_string()
        } else {
            files.join("; ")
        };
        index.push_str(&format!(
            "{}\t{}\t{listed}\n",
            status.item.id,
            result_text(status)
        ));
    }

    let zip_error = |source| ReportError::Zip {
        path: path.display().to_string(),
        source,
    };
    let io_error = |source| ReportError::io(path, source);
    let mut entries = vec![README.to_string()];
    write_atomically(
        path,
        |file| {
            let mut zip = ZipWriter::new(file);
            let options =
                SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
            zip.start_file(README, options).map_err(zip_error)?;
            zip.write_all(index.as_bytes()).map_err(io_error)?;

            let mut sheet_keys: Vec<_> = items.iter().map(|s| s.item.sheet).collect();
            sheet_keys.sort();
            sheet_keys.dedup();
            for sheet in sheets.iter().filter(|s| sheet_keys.contains(&s.sheet)) {
                let name = csv_file_name(sheet.sheet);
                let bytes = sheet_csv(sheet, model, charts).map_err(|source| ReportError::Csv {
                    path: format!("{}:{name}", path.display()),
                    source,
                })?;
                zip.start_file(name.as_str(), options).map_err(zip_error)?;
                zip.write_all(&bytes).map_err(io_error)?;
                entries.push(name);
            }

            for (entry, source) in &members.files {
                let mut input = File::open(source).map_err(|e| ReportError::io(source, e))?;
                let size = input
                    .metadata()
                    .map_err(|e| ReportError::io(source, e))?
                    .len();
                let options = options.large_file(size >= ZIP64_THRESHOLD_BYTES);
                zip.start_file(entry.as_str(), options).map_err(zip_error)?;
                std::io::copy(&mut input, &mut zip).map_err(|e| ReportError::io(source, e))?;
                entries.push(entry.clone());
            }
            zip.finish().map_err(zip_error)?;
            Ok(())
        },
        ReportError::io,
    )?;

    Ok(CategoryZip {
        number: category.number,
        name: category.name.clone(),
        path: path.to_path_buf(),
        items: items.iter().map(|s| s.item.id.clone()).collect(),
        entries,
    })
}

/// The item's result in the zip index: the merged verdict, then each sample's when there are
/// several (`no pass (1: pass, 2: no pass)`).
fn result_text(status: &ItemStatus<'_>) -> String {
    let merged = status.verdict.label();
    if status.samples.len() < 2 {
        return merged.to_string();
    }
    let samples: Vec<String> = status
        .samples
        .iter()
        .map(|s| format!("{}: {}", s.sample, s.verdict.label()))
        .collect();
    format!("{merged} ({})", samples.join(", "))
}

/// Every attachment of the item's samples, each once, with the folder prefix of its zip entry:
/// none for an attachment every sample has (or when there is one sample), `sample-<N>/` for
/// the others.
fn attachments_of<'a>(status: &'a ItemStatus<'a>) -> Vec<(String, &'a str)> {
    let per_sample: Vec<(u32, &[String])> = status
        .samples
        .iter()
        .map(|s| (s.sample, s.result.map_or(&[][..], |r| &r.attachments[..])))
        .collect();
    let mut listed: Vec<(String, &str)> = Vec::new();
    for (sample, attachments) in &per_sample {
        for attachment in attachments.iter() {
            let shared = per_sample.iter().all(|(_, a)| a.contains(attachment));
            let folder = if shared {
                String::new()
            } else {
                format!("sample-{sample}/")
            };
            if !listed.iter().any(|(f, a)| *a == attachment && *f == folder) {
                listed.push((folder, attachment));
            }
        }
    }
    listed
}

/// An attachment's zip entry name and file on disk, or why it cannot be bundled. Only files
/// inside the run directory are taken.
pub(super) fn resolve_attachment(
    run_dir: &Path,
    attachment: &str,
) -> Result<(String, PathBuf), &'static str> {
    let relative = Path::new(attachment);
    let inside = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside {
        return Err("is outside the run directory");
    }
    let entry = zip_entry_name(attachment).ok_or("has no file name")?;
    let source = run_dir.join(relative);
    if !source.is_file() {
        return Err("is missing");
    }
    Ok((entry, source))
}
