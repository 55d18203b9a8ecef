//! The network's own workbook, filled in: a copy of the plan's `[template]` workbook with each
//! item's result, measured value and note written into the cells the template names.
//!
//! An .xlsx original is edited in place ([`xlsx`]): only the target cells of the sheet XML
//! change, everything else is copied byte for byte. An .xls original cannot be edited that way:
//! it is rewritten as an .xlsx ([`xls`]) with the same sheets, values and merged cells, and the
//! result says so.

mod fit;
mod values;
mod xls;
mod xlsx;

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::catalog::Standard;
use crate::journal::{write_atomically, RunState};
use crate::plan::Plan;

use super::model::{models, Model};
use super::names::{join_in, workbook_file_name};
use super::status::sheet_statuses;
use super::ReportError;

pub use values::default_word;

/// What [`fill_template`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledWorkbook {
    /// The filled copy.
    pub path: PathBuf,
    /// The original it was copied from.
    pub source: PathBuf,
    /// True when the original was an .xls, rewritten as an .xlsx.
    pub converted_from_xls: bool,
    /// Cells written.
    pub cells: usize,
    /// Things the operator should know (a result word not in a cell's list, estimated widths).
    pub notes: Vec<String>,
}

impl std::fmt::Display for FilledWorkbook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.converted_from_xls {
            write!(
                f,
                "{} ({} cells; an .xlsx copy of the .xls original {}: same sheets, values and \
                 merged cells; its styles, print setup and list validations are not carried \
                 over: column widths fitted to the text, printed A4 landscape one page wide)",
                self.path.display(),
                self.cells,
                self.source.display()
            )?;
        } else {
            write!(
                f,
                "{} ({} cells filled in a copy of {})",
                self.path.display(),
                self.cells,
                self.source.display()
            )?;
        }
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        Ok(())
    }
}

/// The template workbook of a plan run: `[template] source`, relative to the plan file the run
/// was started with (`state.plan_path`).
pub fn template_source(plan: &Plan, state: &RunState) -> Option<PathBuf> {
    let template = plan.template.as_ref()?;
    let source = Path::new(&template.source);
    if source.is_absolute() {
        return Some(source.to_path_buf());
    }
    let base = Path::new(&state.plan_path)
        .parent()
        .unwrap_or(Path::new(""));
    Some(base.join(source))
}

/// Writes `target` (an .xlsx path): the plan's template workbook with `model`'s results filled
/// in. `Ok(None)` when the plan has no template.
pub fn fill_template(
    target: &Path,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
    model: &Model,
) -> Result<Option<FilledWorkbook>, ReportError> {
    let (Some(template), Some(source)) = (&plan.template, template_source(plan, state)) else {
        return Ok(None);
    };
    let failed = |message: String| ReportError::Template {
        path: source.display().to_string(),
        message,
    };
    let original = std::fs::read(&source).map_err(|e| ReportError::io(&source, e))?;
    if let Some(expected) = &template.sha256 {
        let actual: String = Sha256::digest(&original)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if &actual != expected {
            return Err(failed(format!(
                "the workbook changed since the plan was imported (SHA-256 {actual}, the plan's \
                 [template] records {expected}); its rows may have moved: import it again"
            )));
        }
    }
    let sheets = sheet_statuses(plan, standard, state, model);
    let statuses: Vec<_> = sheets.iter().flat_map(|s| &s.items).collect();
    let cells = values::template_cells(plan, &statuses);
    let converted_from_xls = !original.starts_with(b"PK");
    let (bytes, notes) = if converted_from_xls {
        xls::xls_as_filled_xlsx(&source, &cells).map_err(failed)?
    } else {
        xlsx::fill_xlsx(&original, &cells).map_err(failed)?
    };
    write_atomically(
        target,
        |file| {
            file.write_all(&bytes)
                .map_err(|e| ReportError::io(target, e))
        },
        ReportError::io,
    )?;
    Ok(Some(FilledWorkbook {
        path: target.to_path_buf(),
        source,
        converted_from_xls,
        cells: cells.len(),
        notes,
    }))
}

/// Fills the plan's template workbook once per model of the run, each into
/// `<report folder>/<vendor>-<model>/` under the workbook's official file name (beside our own
/// `workbook.xlsx`). Empty when the plan has no template.
pub fn fill_reports(
    folder: &Path,
    plan: &Plan,
    standard: &Standard,
    state: &RunState,
) -> Result<Vec<FilledWorkbook>, ReportError> {
    if plan.template.is_none() {
        return Ok(Vec::new());
    }
    let mut filled = Vec::new();
    for model in models(state) {
        let model_folder = join_in(folder, &model.folder_name())?;
        std::fs::create_dir_all(&model_folder).map_err(|e| ReportError::io(&model_folder, e))?;
        let name = workbook_file_name(&plan.name_zh, &plan.version, &model.vendor, &model.model);
        let target = join_in(&model_folder, &name)?;
        filled.extend(fill_template(&target, plan, standard, state, &model)?);
    }
    Ok(filled)
}
