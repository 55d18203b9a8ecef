//! Reports rebuilt from the journal: workbook, CSV, JSON, and the submission bundle.
//!
//! Everything here reads only the resolved [`Plan`](crate::plan::Plan), the journal's
//! [`RunState`](crate::journal::RunState) and the catalog
//! [`Standard`](crate::catalog::Standard).
//!
//! - [`models`]: the run's samples grouped by (vendor, model); every report below is written
//!   once per [`Model`], with a result per sample (run-wide sample numbers).
//! - [`status`]: what each item shows ([`item_status`]) per sample and merged over the samples
//!   ([`merge_samples`]), counts and the overall verdict; the one place that decides pass /
//!   no pass / NA / not tested / error for the reports.
//! - `layout`: fitted row heights and the page header and footer of every printed sheet.
//! - `row`: the cells of an item's row, shared by the workbook and the CSV files.
//! - [`wording`]: measurement names, rounded values and criteria in a reviewer's words.
//! - [`write_workbook`]: the xlsx (summary, one sheet per applicable category, history).
//! - [`write_reports`]: workbook, one CSV per sheet and `run.json` into a run's report folder,
//!   one folder per model.
//! - [`package`]: the submission bundles, one folder per model (workbook, camera checklist and
//!   one evidence zip per category).
//! - [`check_submission`]: the completeness check of the vendor-supplied pre-check files and
//!   the certificates a unit needs.
//! - [`write_checklist`]: the camera stress checklist workbook from a [`CameraChecklist`], which
//!   [`checklist_from_run`] builds from a run's journal and the criteria of its plan.
//! - [`write_precheck`]: the software pre-check workbook from a [`SoftwarePrecheck`], each
//!   item's screenshot embedded beside its verdict; [`precheck_from_run`] builds it from a
//!   pre-check run's journal and [`package_precheck`] writes it into the submission folder.
//! - [`template`]: the network's own workbook (the plan's `[template]`), filled in a copy.
//! - [`names`]: sanitised file and zip-entry names built from user input.
//! - [`charts`]: PNG and SVG charts of the series files (chamber, thermal, camera).
//! - [`write_pdf`]: the PDF test report of a model (cover, summary, sheets, charts).

mod bundle;
pub mod charts;
mod check;
mod checklist;
mod checklist_run;
mod export;
#[cfg(test)]
mod fixtures;
mod layout;
mod model;
pub mod names;
mod pdf;
mod precheck;
mod precheck_run;
mod row;
pub mod status;
pub mod template;
pub mod wording;
mod workbook;

use std::path::Path;

pub use bundle::{package, Bundle, CategoryZip, SkippedCategory};
pub use charts::{Chart, ChartKind, Charts};
pub use check::{
    check_submission, needed_certificates, Certificate, Finding, Severity, MAX_VIDEO_BYTES,
};
pub use checklist::{
    checklist_file_name, write_checklist, CameraCheck, CameraChecklist, CheckOutcome,
    ChecklistChart, CHECKLIST_SHEET, CHECK_HEADERS, CHECK_HEADER_ROW,
};
pub use checklist_run::checklist_from_run;
pub use export::{csv_file_name, write_reports, ReportFiles, JSON_FILE, WORKBOOK_FILE};
pub use model::{models, Model};
pub use names::safe_file_component;
pub use pdf::{write_pdf, PDF_FILE, PDF_FONT_ENV};
pub use precheck::{
    precheck_file_name, write_precheck, PrecheckRow, SoftwarePrecheck, PRECHECK_HEADER_ROW,
    PRECHECK_SHEET, SCREENSHOT_COLUMN,
};
pub use precheck_run::{
    is_precheck, package_precheck, precheck_from_run, PrecheckBundle, PRECHECK_STANDARD,
};
pub use row::{
    criterion_text, headers, measured_text, row_cells, sample_header, HEADERS, TRAILING_HEADERS,
};
pub use status::{
    item_status, merge_samples, overall, sheet_statuses, ItemStatus, SampleShortfall, SampleStatus,
    SheetStatus,
};
pub use workbook::{write_workbook, HISTORY_SHEET, SUMMARY_SHEET};

/// Why a report or bundle could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading or writing a file failed.
    #[error("{path}")]
    Io {
        /// The file or folder.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The workbook could not be built or saved.
    #[error("{path}: workbook")]
    Xlsx {
        /// The workbook file.
        path: String,
        /// Underlying error.
        source: rust_xlsxwriter::XlsxError,
    },
    /// A CSV file could not be written.
    #[error("{path}: csv")]
    Csv {
        /// The CSV file.
        path: String,
        /// Underlying error.
        source: csv::Error,
    },
    /// The JSON record could not be written.
    #[error("{path}: json")]
    Json {
        /// The JSON file.
        path: String,
        /// Underlying error.
        source: serde_json::Error,
    },
    /// A zip could not be written.
    #[error("{path}: zip")]
    Zip {
        /// The zip file.
        path: String,
        /// Underlying error.
        source: zip::result::ZipError,
    },
    /// The network's workbook named by the plan's `[template]` could not be filled.
    #[error("{path}: {message}")]
    Template {
        /// The template workbook.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The PDF report could not be laid out or written (its font, an image).
    #[error("{path}: pdf: {reason}")]
    Pdf {
        /// The PDF file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A built file name was not a single plain path component (a sanitiser bug, refused).
    #[error("refusing unsafe file name {name:?}")]
    UnsafeName {
        /// The refused name.
        name: String,
    },
}

impl ReportError {
    fn io(path: &Path, source: std::io::Error) -> ReportError {
        ReportError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
