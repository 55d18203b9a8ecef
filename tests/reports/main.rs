//! Workbooks, charts and the camera checklist, read back from the files written.
//!
//! One test binary per area (each links the whole crate): add a module here rather than a new
//! file under `tests/`. Shared fixtures live in `tests/support/`.

#[path = "../support/checklist/mod.rs"]
mod checklist_support;
#[path = "../support/common/mod.rs"]
mod common;
#[path = "../support/network_workbook/mod.rs"]
mod network_workbook;
#[path = "../support/services/mod.rs"]
mod services;

mod checklist_workbook;
mod report_charts;
mod report_pdf;
mod report_samples;
mod report_wording;
mod report_workbook;
mod template_workbook;
