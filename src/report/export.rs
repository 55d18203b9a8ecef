//! CSV per sheet, the JSON run record, and [`write_reports`], which writes them with the
//! workbook into a run's report folder, one folder per model.
//!
//! Per-sample results: each sheet's CSV has the workbook's columns (a result column per sample
//! after the item's merged result; measured values, notes and attachments per sample where
//! they differ); `run.json` lists the model's units with their sample numbers and, per item,
//! the merged result and one record per sample with that sample's full result.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::catalog::{Sheet, Standard};
use crate::journal::{write_atomically, MeasuredSeries, ResultSource, RunState};
use crate::judge::{Verdict, VerdictCounts};
use crate::plan::Plan;
use crate::unit::Unit;

use super::charts::{Charts, CHARTS_DIR};
use super::model::{models, Model};
use super::names::join_in;
use super::row::{headers, row_cells};
use super::status::{
    overall, sample_counts, sheet_statuses, total_counts, ItemStatus, SampleStatus, SheetStatus,
};
use super::workbook::write_workbook_with_charts;
use super::ReportError;

/// Byte-order mark that makes Excel read a CSV as UTF-8.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// File name of the workbook inside the report folder.
pub const WORKBOOK_FILE: &str = "workbook.xlsx";

/// File name of the JSON record inside the report folder.
pub const JSON_FILE: &str = "run.json";

/// The files [`write_reports`] wrote for one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// The model.
    pub model: Model,
    /// Its folder (`<report folder>/<vendor>-<model>`).
    pub folder: PathBuf,
    /// The workbook.
    pub workbook: PathBuf,
    /// One CSV per applicable sheet, in workbook order.
    pub csv: Vec<(Sheet, PathBuf)>,
    /// The JSON record.
    pub json: PathBuf,
    /// The charts of the model's samples and the shared rigs, drawn from the run's series.
    pub charts: Charts,
}

/// The CSV file name of a sheet (`climate.csv`, …).
pub fn csv_file_name(sheet: Sheet) -> String {
    format!("{}.csv", sheet.key())
}

/// One sheet as CSV bytes: UTF-8 with BOM, the workbook's header and rows.
pub fn sheet_csv(
    sheet: &SheetStatus<'_>,
    model: &Model,
    charts: &Charts,
) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(UTF8_BOM.to_vec());
    writer.write_record(headers(model))?;
    for status in &sheet.items {
        writer.write_record(row_cells(status, &charts.evidence_of(&status.item.id)))?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `bytes` to `path` atomically (see [`write_atomically`]).
fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    write_atomically(
        path,
        |file| file.write_all(bytes).map_err(|e| ReportError::io(path, e)),
        ReportError::io,
    )
}

/// Writes the reports of every model of the run: the charts of the run's series once (into
/// `folder/charts/`), then per model the workbook, one CSV per applicable sheet and `run.json`
/// into `folder/<vendor>-<model>/` (see [`Model::folder_name`]). `folder` (created when
/// missing) is the run directory's `report/` folder: the series are read from
/// `<folder>/../series/`. Returns the files per model, in model order.
pub fn write_reports(
    folder: &Path,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
) -> Result<Vec<ReportFiles>, ReportError> {
    std::fs::create_dir_all(folder).map_err(|source| ReportError::io(folder, source))?;
    let run_dir = folder.parent().unwrap_or(folder);
    let charts = Charts::render(run_dir, &folder.join(CHARTS_DIR), plan)?;
    models(state)
        .into_iter()
        .map(|model| {
            let model_folder = join_in(folder, &model.folder_name())?;
            let charts = charts.for_samples(&model.sample_numbers());
            write_model_reports(&model_folder, plan, standard, state, model, charts)
        })
        .collect()
}

/// Writes one model's workbook, CSV files and `run.json` into `folder`.
fn write_model_reports(
    folder: &Path,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
    model: Model,
    charts: Charts,
) -> Result<ReportFiles, ReportError> {
    std::fs::create_dir_all(folder).map_err(|source| ReportError::io(folder, source))?;
    let workbook = folder.join(WORKBOOK_FILE);
    write_workbook_with_charts(&workbook, plan, standard, state, &model, &charts)?;
    let sheets = sheet_statuses(plan, standard, state, &model);
    let mut csv_files = Vec::with_capacity(sheets.len());
    for sheet in &sheets {
        let path = folder.join(csv_file_name(sheet.sheet));
        let bytes = sheet_csv(sheet, &model, &charts).map_err(|source| ReportError::Csv {
            path: path.display().to_string(),
            source,
        })?;
        write_bytes(&path, &bytes)?;
        csv_files.push((sheet.sheet, path));
    }
    let json = folder.join(JSON_FILE);
    let record = run_record(&sheets, plan, standard, state, &model);
    let text = serde_json::to_string_pretty(&record).map_err(|source| ReportError::Json {
        path: json.display().to_string(),
        source,
    })?;
    write_bytes(&json, (text + "\n").as_bytes())?;
    Ok(ReportFiles {
        folder: folder.to_path_buf(),
        model,
        workbook,
        csv: csv_files,
        json,
        charts,
    })
}

/// The JSON run record.
#[derive(Debug, Serialize)]
struct RunRecord<'a> {
    facebench_version: &'a str,
    vendor: &'a str,
    model: &'a str,
    units: Vec<UnitRecord<'a>>,
    station: &'a str,
    standard: StandardRecord<'a>,
    plan_sha256: &'a str,
    notice: &'a str,
    started_utc: DateTime<Utc>,
    last_utc: DateTime<Utc>,
    finished: bool,
    sheets: Vec<SheetRecord<'a>>,
    counts: CountsRecord,
    overall: &'static str,
}

/// A unit of the model with its run-wide sample number and what it alone shows.
#[derive(Debug, Serialize)]
struct UnitRecord<'a> {
    sample: u32,
    #[serde(flatten)]
    unit: &'a Unit,
    counts: CountsRecord,
}

/// Verdict counts with their total.
#[derive(Debug, Serialize)]
struct CountsRecord {
    #[serde(flatten)]
    counts: VerdictCounts,
    total: usize,
}

impl From<VerdictCounts> for CountsRecord {
    fn from(counts: VerdictCounts) -> CountsRecord {
        CountsRecord {
            counts,
            total: counts.total(),
        }
    }
}

#[derive(Debug, Serialize)]
struct StandardRecord<'a> {
    id: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    version: &'a str,
}

#[derive(Debug, Serialize)]
struct SheetRecord<'a> {
    sheet: &'static str,
    name_zh: &'static str,
    counts: CountsRecord,
    verdict: &'static str,
    items: Vec<ItemRecord<'a>>,
}

#[derive(Debug, Serialize)]
struct ItemRecord<'a> {
    id: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    /// The merged result over the samples.
    result: &'static str,
    /// `sample_qty` of the plan.
    samples_asked: u32,
    /// True when the model has fewer samples in the run than `samples_asked`.
    too_few_samples: bool,
    samples: Vec<SampleRecord<'a>>,
}

/// One sample's result of an item.
#[derive(Debug, Serialize)]
struct SampleRecord<'a> {
    sample: u32,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<ResultSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator_verdict: Option<&'static str>,
    criteria: Vec<CriterionRecord<'a>>,
    measurements: &'a [MeasuredSeries],
    note: &'a str,
    attachments: &'a [String],
}

#[derive(Debug, Serialize)]
struct CriterionRecord<'a> {
    measurement: &'a str,
    requirement: &'a str,
    value: Option<f64>,
    unit: &'a str,
    result: &'static str,
    marginal: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

fn run_record<'a>(
    sheets: &'a [SheetStatus<'a>],
    plan: &'a Plan,
    standard: &'a Standard,
    state: &'a RunState,
    model: &'a Model,
) -> RunRecord<'a> {
    let counts = total_counts(sheets);
    RunRecord {
        facebench_version: &state.facebench_version,
        vendor: &model.vendor,
        model: &model.model,
        units: model
            .samples
            .iter()
            .map(|(sample, unit)| UnitRecord {
                sample: *sample,
                unit,
                counts: CountsRecord::from(sample_counts(sheets, *sample)),
            })
            .collect(),
        station: &state.station,
        standard: StandardRecord {
            id: &standard.id,
            name_zh: &standard.name_zh,
            name_en: &standard.name_en,
            version: &standard.version,
        },
        plan_sha256: &state.plan_sha256,
        notice: &plan.notice,
        started_utc: state.started_utc,
        last_utc: state.last_utc,
        finished: state.finished,
        sheets: sheets
            .iter()
            .map(|sheet| SheetRecord {
                sheet: sheet.sheet.key(),
                name_zh: sheet.sheet.name_zh(),
                counts: CountsRecord::from(sheet.counts),
                verdict: overall(&sheet.counts).label(),
                items: sheet.items.iter().map(item_record).collect(),
            })
            .collect(),
        counts: CountsRecord::from(counts),
        overall: overall(&counts).label(),
    }
}

fn item_record<'a>(status: &'a ItemStatus<'a>) -> ItemRecord<'a> {
    let item = status.item;
    ItemRecord {
        id: &item.id,
        name_zh: &item.name_zh,
        name_en: &item.name_en,
        result: status.verdict.label(),
        samples_asked: item.sample_qty,
        too_few_samples: status.shortfall.is_some(),
        samples: status
            .samples
            .iter()
            .map(|s| sample_record(status, s))
            .collect(),
    }
}

fn sample_record<'a>(status: &'a ItemStatus<'a>, sample: &'a SampleStatus<'a>) -> SampleRecord<'a> {
    let item = status.item;
    let result = sample.result;
    let criteria = result.map_or(Vec::new(), |r| {
        r.criteria
            .iter()
            .map(|outcome| CriterionRecord {
                measurement: &outcome.measurement,
                requirement: &outcome.requirement,
                value: outcome.value,
                unit: item
                    .criteria
                    .iter()
                    .find(|c| c.measurement == outcome.measurement)
                    .map_or("", |c| c.unit.as_str()),
                result: outcome.verdict.label(),
                marginal: outcome.marginal,
                reason: outcome.reason.as_deref(),
            })
            .collect()
    });
    SampleRecord {
        sample: sample.sample,
        result: sample.verdict.label(),
        reason: sample.reason.as_deref(),
        source: result.map(|r| r.source),
        operator_verdict: result.and_then(|r| r.operator_verdict).map(Verdict::label),
        criteria,
        measurements: result.map_or(&[], |r| r.measurements.as_slice()),
        note: result.map_or("", |r| r.note.as_str()),
        attachments: result.map_or(&[], |r| r.attachments.as_slice()),
    }
}
