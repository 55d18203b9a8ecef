//! The software pre-check of a run, built only from the journal: one row per plan item with
//! its verdict for the model (merged over the samples as everywhere else), what was found
//! (the values recorded, the operator's judgement, notes and reasons) and the first image the
//! item's results carry as evidence (the DUT screenshot, or one the operator attached).
//! Nothing is judged here.

use std::path::{Path, PathBuf};

use crate::journal::RunState;
use crate::plan::{Plan, SoftwareMode};

use super::bundle::{resolve_attachment, write_model_line};
use super::model::Model;
use super::precheck::{PrecheckRow, SoftwarePrecheck};
use super::row::{criterion_text, measured_text, sample_header};
use super::status::{item_status, ItemStatus};

/// Image files the workbook can embed.
const IMAGE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// The pre-check of `model`'s samples in the run at `run_dir`. The mode is the plan's
/// `software_mode`, SDK when the plan does not say.
pub fn precheck_from_run(
    plan: &Plan,
    state: &RunState,
    run_dir: &Path,
    model: &Model,
) -> SoftwarePrecheck {
    let several = model.samples.len() > 1;
    let rows = plan
        .items
        .iter()
        .map(|item| {
            let status = item_status(item, state, model);
            PrecheckRow {
                id: item.id.clone(),
                name: format!("{} {}", item.name_zh, item.name_en),
                requirement: requirement(&status),
                found: join_nonempty([found(&status, several), device_readings(run_dir, &item.id)]),
                verdict: status.verdict,
                screenshot: screenshot(&status, run_dir),
            }
        })
        .collect();
    let sns: Vec<&str> = model
        .samples
        .iter()
        .map(|(_, u)| u.device_sn.as_str())
        .collect();
    SoftwarePrecheck {
        vendor: model.vendor.clone(),
        model: model.model.clone(),
        mode: plan.software_mode.unwrap_or(SoftwareMode::Sdk),
        device_sn: sns.join(", "),
        station: state.station.clone(),
        tested: format!(
            "{} – {} UTC",
            state.started_utc.format("%F %T"),
            state.last_utc.format("%F %T")
        ),
        rows,
    }
}

/// The item's conditions, then its criteria in a reviewer's words.
fn requirement(status: &ItemStatus<'_>) -> String {
    let criteria = criterion_text(status.item);
    [status.item.conditions.trim(), criteria.trim()]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Per sample: the values and judgement recorded, the note and the reason.
fn found(status: &ItemStatus<'_>, several: bool) -> String {
    let mut blocks = Vec::new();
    for sample in &status.samples {
        let mut lines = vec![measured_text(status.item, sample)];
        if let Some(result) = sample.result {
            lines.push(result.note.trim().to_string());
        }
        lines.push(sample.reason.clone().unwrap_or_default());
        lines.retain(|l| !l.trim().is_empty());
        if several {
            let sn = sample.result.map_or("", |r| r.device_sn.as_str());
            lines.insert(0, sample_header(sample.sample, sn));
        }
        blocks.push(lines.join("\n"));
    }
    blocks.retain(|b| !b.is_empty());
    blocks.join("\n")
}

/// The longest reading shown per line (a shell command's output can be long).
const MAX_READING_CHARS: usize = 200;

/// What the item's DUT steps read from the device (`series/<item>/dut-*.csv`: the property's
/// value, the command and its output, the package's path and version), one `what: value` line
/// each, so the sheet shows the text behind the numbers.
fn device_readings(run_dir: &Path, item: &str) -> String {
    let folder = run_dir.join("series").join(item);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return String::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dut-") && n.ends_with(".csv"))
        })
        .filter(|p| {
            !p.to_string_lossy().contains("dut-logcat")
                && !p.to_string_lossy().contains("dut-dmesg")
        })
        .collect();
    files.sort();
    let mut lines = Vec::new();
    for file in files {
        let Ok(mut reader) = csv::Reader::from_path(&file) else {
            continue;
        };
        for row in reader.records().flatten() {
            let (Some(what), Some(value)) = (row.get(0), row.get(1)) else {
                continue;
            };
            if matches!(what, "device" | "screenshot") {
                continue;
            }
            let mut value: String = value.trim().chars().take(MAX_READING_CHARS).collect();
            if value.is_empty() {
                value = "—".to_string();
            }
            lines.push(format!("{what}: {value}"));
        }
    }
    lines.join("\n")
}

/// The non-empty texts, one per line.
fn join_nonempty<const N: usize>(texts: [String; N]) -> String {
    texts
        .into_iter()
        .filter(|t| !t.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first image among the item's attachments that is inside the run directory and on disk.
fn screenshot(status: &ItemStatus<'_>, run_dir: &Path) -> Option<PathBuf> {
    status
        .samples
        .iter()
        .filter_map(|s| s.result)
        .flat_map(|r| &r.attachments)
        .filter(|a| {
            let lower = a.to_lowercase();
            IMAGE_EXTENSIONS
                .iter()
                .any(|ext| lower.ends_with(&format!(".{ext}")))
        })
        .find_map(|a| resolve_attachment(run_dir, a).ok().map(|(_, path)| path))
}

/// The catalog id of the software pre-check standard: a run of this plan packages into the
/// pre-check workbook instead of a hardware workbook.
pub const PRECHECK_STANDARD: &str = "software-precheck";

/// True when `plan` is a software pre-check plan.
pub fn is_precheck(plan: &Plan) -> bool {
    plan.standard == PRECHECK_STANDARD
}

/// What [`package_precheck`] wrote for one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrecheckBundle {
    /// The model.
    pub model: Model,
    /// Its submission folder (`<out>/<vendor>-<model>`, shared with the hardware bundle).
    pub folder: PathBuf,
    /// The pre-check workbook.
    pub workbook: PathBuf,
    /// Its overall verdict.
    pub overall: crate::judge::Verdict,
}

impl std::fmt::Display for PrecheckBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_model_line(f, &self.model, &self.folder)?;
        writeln!(
            f,
            "precheck: {} ({})",
            self.workbook.display(),
            self.overall.label()
        )
    }
}

/// Writes the software pre-check workbook of each model of a pre-check run into
/// `out/<vendor>-<model>/` (created when missing), beside the hardware bundle of the same
/// model when `out` is the same folder.
pub fn package_precheck(
    run_dir: &Path,
    out: &Path,
    plan: &Plan,
    state: &RunState,
) -> Result<Vec<PrecheckBundle>, super::ReportError> {
    super::models(state)
        .into_iter()
        .map(|model| {
            let folder = super::names::join_in(out, &model.folder_name())?;
            std::fs::create_dir_all(&folder)
                .map_err(|source| super::ReportError::io(&folder, source))?;
            let precheck = precheck_from_run(plan, &model.restrict(state), run_dir, &model);
            let workbook = super::precheck::write_precheck(&folder, &precheck)?;
            Ok(PrecheckBundle {
                model,
                folder,
                workbook,
                overall: precheck.overall(),
            })
        })
        .collect()
}
