//! The software pre-check workbook, `[2软件预检测结果]-[<vendor>][<model>][<SDK|APP>模式].xlsx`.
//!
//! Input is a plain [`SoftwarePrecheck`]: the unit, its software mode, and one [`PrecheckRow`] per item of the pre-check plan (verdict, what was
//! found, the requirement, and the screenshot that proves it). `precheck_run` fills it from a
//! run's journal; this module only lays it out. Each screenshot is embedded in the sheet in the
//! evidence column of its own item's row, scaled to fit that cell, so the reviewer sees the
//! proof beside the verdict, as the network asks ("the tool's result screenshot pasted into the
//! sheet"). Formats and page set-up are the main workbook's (landscape A4, one page wide).

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Image, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use crate::judge::{Verdict, VerdictCounts};
use crate::plan::SoftwareMode;

use super::layout::{fitted_height, PageHeading};
use super::names::{join_in, submission_file_name};
use super::status::overall;
use super::workbook::{
    cells_with_widths, save_workbook, set_up_page, write_header, write_title_block, Styles,
};
use super::ReportError;

/// Name of the one sheet of the pre-check workbook.
pub const PRECHECK_SHEET: &str = "软件预检测 Software pre-check";

/// The tag of the file name, `[2软件预检测结果]-[<vendor>][<model>][<SDK|APP>模式].xlsx`.
const FILE_TAG: &str = "2软件预检测结果";

/// Column headers of the item table.
pub const PRECHECK_HEADERS: [&str; 6] = [
    "编号 No.",
    "检查项 Check",
    "要求 Requirement",
    "检查结果 Found",
    "结论 Result",
    "截图 Screenshot",
];

/// Column widths of the item table, in [`PRECHECK_HEADERS`] order (Excel character units).
const COLUMN_WIDTHS: [f64; 6] = [9.0, 26.0, 36.0, 36.0, 11.0, 44.0];

/// Zero-based column of the verdict.
const RESULT_COLUMN: u16 = 4;

/// Zero-based column the screenshots are embedded in.
pub const SCREENSHOT_COLUMN: u16 = 5;

/// Height of a row that holds a screenshot, in points: tall enough for a phone-shaped or a
/// landscape screenshot to be legible, short enough for about four rows per A4 page.
const SCREENSHOT_ROW_PT: f64 = 190.0;

/// Row of the item table's header (zero-based): title, blank, the header fields, the overall
/// verdict, a blank row.
pub const PRECHECK_HEADER_ROW: u32 = 10;

/// One checked item, in sheet order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrecheckRow {
    /// The plan's item id (`SWP-001`).
    pub id: String,
    /// Chinese and English name.
    pub name: String,
    /// What the onboarding rules require (the plan's conditions).
    pub requirement: String,
    /// What was found: values read from the device, the operator's note, why not tested.
    pub found: String,
    /// The verdict; `NA` where the rules allow the item not to apply.
    pub verdict: Verdict,
    /// The screenshot that proves it, when one was taken.
    pub screenshot: Option<PathBuf>,
}

/// Everything the pre-check workbook shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoftwarePrecheck {
    /// Vendor (device maker), as in the file name.
    pub vendor: String,
    /// Unit model, as in the file name.
    pub model: String,
    /// The software mode the unit runs (the file name's `[SDK模式]` / `[APP模式]`).
    pub mode: SoftwareMode,
    /// The device SNs checked, comma-separated.
    pub device_sn: String,
    /// How the unit was reached (the station, e.g. `adb 127.0.0.1:5555`).
    pub station: String,
    /// When the checks ran (free text, e.g. a UTC range).
    pub tested: String,
    /// Every item, in plan order.
    pub rows: Vec<PrecheckRow>,
}

impl SoftwarePrecheck {
    /// Counts over all rows.
    pub fn counts(&self) -> VerdictCounts {
        self.rows.iter().map(|r| r.verdict).collect()
    }

    /// The overall verdict: the worst row verdict (NA rows count for nothing).
    pub fn overall(&self) -> Verdict {
        overall(&self.counts())
    }
}

/// `[2软件预检测结果]-[<vendor>][<model>][<SDK|APP>模式].xlsx`, with vendor and model sanitised.
pub fn precheck_file_name(vendor: &str, model: &str, mode: SoftwareMode) -> String {
    submission_file_name(FILE_TAG, vendor, model, mode.file_suffix(), "xlsx")
}

/// Writes the pre-check workbook into `dir` under [`precheck_file_name`] and returns its path.
/// A screenshot that cannot be read as an image is named in its row instead of failing the
/// workbook.
pub fn write_precheck(dir: &Path, precheck: &SoftwarePrecheck) -> Result<PathBuf, ReportError> {
    let name = precheck_file_name(&precheck.vendor, &precheck.model, precheck.mode);
    let path = join_in(dir, &name)?;
    let xlsx = |source| ReportError::Xlsx {
        path: path.display().to_string(),
        source,
    };
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_sheet(sheet, &styles, precheck).map_err(xlsx)?;
    PageHeading {
        report: "软件预检测结果 Software pre-check".to_string(),
        unit: format!("{} {}", precheck.vendor, precheck.model),
        standard: precheck.mode.file_suffix().to_string(),
    }
    .apply(sheet);
    save_workbook(&mut workbook, &path)?;
    Ok(path)
}

/// The text itself, or a dash for an empty field.
fn or_dash(text: &str) -> &str {
    if text.trim().is_empty() {
        "—"
    } else {
        text
    }
}

/// Label / value pairs of the header block.
fn header_fields(precheck: &SoftwarePrecheck) -> [(&'static str, &str); 6] {
    [
        ("厂商 Vendor", or_dash(&precheck.vendor)),
        ("型号 Model", or_dash(&precheck.model)),
        ("模式 Mode", precheck.mode.label()),
        ("设备SN Device SN", or_dash(&precheck.device_sn)),
        ("连接 Station", or_dash(&precheck.station)),
        ("测试时间 Tested", or_dash(&precheck.tested)),
    ]
}

fn write_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    precheck: &SoftwarePrecheck,
) -> Result<(), XlsxError> {
    sheet.set_name(PRECHECK_SHEET)?;
    write_title_block(
        sheet,
        styles,
        &COLUMN_WIDTHS,
        "软件预检测结果 — facebench software pre-check",
        &header_fields(precheck),
        precheck.overall(),
    )?;
    write_header(sheet, styles, PRECHECK_HEADER_ROW, &PRECHECK_HEADERS)?;
    for (row, item) in (PRECHECK_HEADER_ROW + 1..).zip(&precheck.rows) {
        write_row(sheet, styles, row, item)?;
    }
    set_up_page(sheet, PRECHECK_HEADER_ROW)
}

/// One item's row: its cells, the coloured verdict, and its screenshot in the last column.
fn write_row(
    sheet: &mut Worksheet,
    styles: &Styles,
    row: u32,
    item: &PrecheckRow,
) -> Result<(), XlsxError> {
    let image = item.screenshot.as_deref().map(Image::new);
    let evidence = match (&item.screenshot, &image) {
        (None, _) => "—".to_string(),
        (Some(_), Some(Ok(_))) => String::new(),
        (Some(path), _) => format!("screenshot {} unreadable", path.display()),
    };
    let cells = [
        item.id.clone(),
        item.name.clone(),
        item.requirement.clone(),
        item.found.clone(),
        item.verdict.label().to_string(),
        evidence,
    ];
    for (col, text) in (0u16..).zip(&cells[..RESULT_COLUMN as usize]) {
        sheet.write_string_with_format(row, col, text, &styles.text)?;
    }
    sheet.write_string_with_format(
        row,
        RESULT_COLUMN,
        item.verdict.label(),
        &styles.verdict(item.verdict),
    )?;
    sheet.write_string_with_format(
        row,
        SCREENSHOT_COLUMN,
        &cells[SCREENSHOT_COLUMN as usize],
        &styles.text,
    )?;
    let text_height = fitted_height(&cells_with_widths(&cells, &COLUMN_WIDTHS));
    match image {
        Some(Ok(image)) => {
            sheet.set_row_height(row, text_height.max(SCREENSHOT_ROW_PT))?;
            let image = image.set_alt_text(format!("{} {}", item.id, item.name));
            sheet.insert_image_fit_to_cell_centered(row, SCREENSHOT_COLUMN, &image)?;
        }
        _ => {
            sheet.set_row_height(row, text_height)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, verdict: Verdict) -> PrecheckRow {
        PrecheckRow {
            id: id.into(),
            name: "x".into(),
            requirement: "r".into(),
            found: "f".into(),
            verdict,
            screenshot: None,
        }
    }

    #[test]
    fn file_name_carries_the_mode_and_is_sanitised() {
        assert_eq!(
            precheck_file_name("Acme", "FP-200", SoftwareMode::Sdk),
            "[2软件预检测结果]-[Acme][FP-200][SDK模式].xlsx"
        );
        assert_eq!(
            precheck_file_name("Acme", "FP-200", SoftwareMode::App),
            "[2软件预检测结果]-[Acme][FP-200][APP模式].xlsx"
        );
        let hostile = precheck_file_name("../../x", "a/b", SoftwareMode::Sdk);
        assert!(
            !hostile.contains('/') && !hostile.contains(".."),
            "{hostile}"
        );
    }

    #[test]
    fn na_rows_do_not_hold_back_the_overall_verdict_but_untested_ones_do() {
        let mut precheck = SoftwarePrecheck {
            vendor: "v".into(),
            model: "m".into(),
            mode: SoftwareMode::Sdk,
            device_sn: String::new(),
            station: String::new(),
            tested: String::new(),
            rows: vec![row("A", Verdict::Pass), row("B", Verdict::NotApplicable)],
        };
        assert_eq!(precheck.overall(), Verdict::Pass);
        precheck.rows.push(row("C", Verdict::NotTested));
        assert_eq!(precheck.overall(), Verdict::NotTested);
        precheck.rows.push(row("D", Verdict::NoPass));
        assert_eq!(precheck.overall(), Verdict::NoPass);
    }
}
