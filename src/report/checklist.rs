//! The camera stress checklist workbook, `[1摄像头测试Checklist]-[<vendor>][<model>].xlsx`.
//!
//! Input is a plain [`CameraChecklist`]: who the unit is, which camera, and one [`CheckOutcome`]
//! per [`CameraCheck`] that was run (figures, limit, verdict). `checklist_run` fills it from a
//! run's journal and the criteria of its plan; this module only lays it out. Every check of
//! [`CameraCheck::ALL`] gets a row: a check without an outcome is written `not tested`, never
//! `pass`. Formats (header fill, verdict colours, page set-up) are the main workbook's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Image, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use crate::judge::{Verdict, VerdictCounts};

use super::charts::{ChartKind, Charts};
use super::layout::{fit_row, PageHeading};
use super::names::{join_in, submission_file_name};
use super::status::overall;
use super::workbook::{
    cells_with_widths, continued_rows, save_workbook, set_up_page, write_header, write_title_block,
    Styles, TITLE_ROW_PT,
};
use super::ReportError;

/// Name of the one sheet of the checklist workbook.
pub const CHECKLIST_SHEET: &str = "摄像头 Camera";

/// The tag of the checklist file name, `[1摄像头测试Checklist]-[<vendor>][<model>].xlsx`.
const FILE_TAG: &str = "1摄像头测试Checklist";

/// Column headers of the check table.
pub const CHECK_HEADERS: [&str; 6] = [
    "编号 No.",
    "检查项 Check",
    "数据 Figures",
    "限值 Limit",
    "结果 Result",
    "备注 Note",
];

/// Column widths of the check table, in [`CHECK_HEADERS`] order (Excel character units).
const CHECK_COLUMN_WIDTHS: [f64; 6] = [9.0, 24.0, 60.0, 46.0, 12.0, 22.0];

/// Zero-based column of the verdict in the check table.
const RESULT_COLUMN: u16 = 4;

/// One row of the camera checklist, in sheet order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CameraCheck {
    /// Open / first frame / close cycles: every cycle reaches a frame, no failure to open.
    OpenClose,
    /// Open → first frame latency over the opens.
    FirstFrame,
    /// Frame rate over the soak, from device timestamps.
    SoakFps,
    /// Device drop rate (sequence gaps, or intervals above 1.5× nominal where the backend has no
    /// sequence), with its Clopper–Pearson 95 % upper bound.
    DropRate,
    /// Stalls: no frame within the stall timeout.
    Stalls,
    /// Frames flagged as errors, empty, or corrupt (MJPEG without SOI/EOI).
    ErrorFrames,
    /// Frozen (identical content) and black or blown-out frames.
    FrozenBlack,
    /// Exposure behaviour: control read-back and image luma against the expected range.
    Exposure,
    /// Open file descriptors and resident memory over the cycles (slope ≈ 0).
    ResourceTrend,
    /// Two streams at once (RGB + IR, or two nodes of one module).
    DualStream,
    /// Switching format and resolution while the device stays open.
    FormatSwitch,
}

impl CameraCheck {
    /// Every check, in sheet order.
    pub const ALL: [CameraCheck; 11] = [
        CameraCheck::OpenClose,
        CameraCheck::FirstFrame,
        CameraCheck::SoakFps,
        CameraCheck::DropRate,
        CameraCheck::Stalls,
        CameraCheck::ErrorFrames,
        CameraCheck::FrozenBlack,
        CameraCheck::Exposure,
        CameraCheck::ResourceTrend,
        CameraCheck::DualStream,
        CameraCheck::FormatSwitch,
    ];

    /// The row number shown in the sheet, `C01` … `C11`.
    pub fn number(self) -> String {
        let index = CameraCheck::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or(0);
        format!("C{:02}", index + 1)
    }

    /// Chinese and English name, as written in the sheet.
    pub fn name(self) -> &'static str {
        match self {
            CameraCheck::OpenClose => "开关循环 Open/close cycles",
            CameraCheck::FirstFrame => "首帧时延 First-frame latency",
            CameraCheck::SoakFps => "长稳帧率 Soak frame rate",
            CameraCheck::DropRate => "丢帧率 Drop rate",
            CameraCheck::Stalls => "卡顿 Stalls",
            CameraCheck::ErrorFrames => "错误/损坏帧 Error/corrupt frames",
            CameraCheck::FrozenBlack => "冻结/黑帧 Frozen/black frames",
            CameraCheck::Exposure => "曝光 Exposure behaviour",
            CameraCheck::ResourceTrend => "内存/句柄趋势 Memory/fd trend",
            CameraCheck::DualStream => "双流 Dual stream",
            CameraCheck::FormatSwitch => "格式切换 Format switching",
        }
    }
}

/// What one check found: the figures, the limit they were judged against, and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckOutcome {
    /// The measured figures as the operator should read them, e.g.
    /// `dropped 12 of 7 776 000 frames (0.00015 %); 95 % upper bound 0.00027 %`.
    pub figures: String,
    /// The limit, e.g. `≤ 0.1 %`.
    pub limit: String,
    /// The verdict of the check.
    pub verdict: Verdict,
    /// Anything the reader needs besides the figures (backend limits, why not tested).
    #[serde(default)]
    pub note: String,
}

impl CheckOutcome {
    /// The drop-rate row: `dropped` of `counted` frames (frames received + dropped), the rate,
    /// and its 95 % upper bound `upper_95` as the stress run computed it (one-sided
    /// Clopper–Pearson, `camera::stress::binomial`), judged `pass` when the rate is at most
    /// `max_rate` (a fraction: 0.001 = 0.1 %). `estimated` marks drops inferred from intervals
    /// (no sequence numbers). Nothing counted → `not tested`.
    pub fn drop_rate(
        dropped: u64,
        counted: u64,
        upper_95: Option<f64>,
        max_rate: f64,
        estimated: bool,
    ) -> CheckOutcome {
        let limit = format!("≤ {}", percent(max_rate));
        let note = if estimated {
            "no sequence numbers: drops estimated from intervals > 1.5× nominal".to_string()
        } else {
            String::new()
        };
        if counted == 0 {
            return CheckOutcome {
                figures: "no frames counted".into(),
                limit,
                verdict: Verdict::NotTested,
                note,
            };
        }
        let dropped = dropped.min(counted);
        let rate = dropped as f64 / counted as f64;
        let bound = upper_95
            .map(|u| format!("; 95 % upper bound {}", percent(u)))
            .unwrap_or_default();
        CheckOutcome {
            figures: format!(
                "dropped {dropped} of {counted} frames ({}){bound}",
                percent(rate)
            ),
            limit,
            verdict: if rate <= max_rate {
                Verdict::Pass
            } else {
                Verdict::NoPass
            },
            note,
        }
    }
}

/// Formats a fraction as a percentage with four significant digits (`0.0001234` → `0.01234 %`).
fn percent(fraction: f64) -> String {
    let value = fraction * 100.0;
    if value == 0.0 || !value.is_finite() {
        return format!("{value} %");
    }
    let digits = (3 - value.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{value:.digits$} %")
}

/// Everything the checklist workbook shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CameraChecklist {
    /// Vendor (device maker), as in the file name.
    pub vendor: String,
    /// Unit model, as in the file name.
    pub model: String,
    /// The unit's 23-character device SN.
    pub device_sn: String,
    /// Camera module model (e.g. the USB product string).
    pub camera_model: String,
    /// Camera serial number.
    pub camera_serial: String,
    /// The source tested, e.g. `v4l:/dev/v4l/by-id/usb-…-video-index0 1920x1080@30/MJPG`.
    pub source: String,
    /// Limits of the backend that the reader must know (e.g. nokhwa has no sequence numbers).
    #[serde(default)]
    pub backend_note: String,
    /// When the checks ran (free text, e.g. a UTC range).
    #[serde(default)]
    pub tested: String,
    /// The outcome of each check that was run; the others are `not tested`.
    #[serde(default)]
    pub outcomes: BTreeMap<CameraCheck, CheckOutcome>,
    /// The camera charts (frame rate, frame-interval histogram, first-frame latency) shown
    /// under the checks where the network asks for the stress tool's screenshots.
    #[serde(default)]
    pub charts: Vec<ChecklistChart>,
}

/// A chart embedded in the checklist: its title and PNG file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistChart {
    /// The chart's title, written above it.
    pub title: String,
    /// The PNG file.
    pub png: PathBuf,
}

impl CameraChecklist {
    /// The checklist with the camera charts of `charts` (one per sample) to embed.
    pub fn with_camera_charts(mut self, charts: &Charts) -> CameraChecklist {
        self.charts = charts
            .charts
            .iter()
            .filter(|c| c.kind == ChartKind::Camera)
            .map(|c| ChecklistChart {
                title: c.title.clone(),
                png: c.png.clone(),
            })
            .collect();
        self
    }

    /// The verdict each check shows: its outcome's, or `not tested` when it was not run.
    pub fn verdict_of(&self, check: CameraCheck) -> Verdict {
        self.outcomes
            .get(&check)
            .map_or(Verdict::NotTested, |o| o.verdict)
    }

    /// Counts over all checks of [`CameraCheck::ALL`].
    pub fn counts(&self) -> VerdictCounts {
        CameraCheck::ALL
            .iter()
            .map(|check| self.verdict_of(*check))
            .collect()
    }

    /// The checklist's overall verdict: the worst check verdict.
    pub fn overall(&self) -> Verdict {
        overall(&self.counts())
    }
}

/// `[1摄像头测试Checklist]-[<vendor>][<model>].xlsx`, with vendor and model sanitised.
pub fn checklist_file_name(vendor: &str, model: &str) -> String {
    submission_file_name(FILE_TAG, vendor, model, "", "xlsx")
}

/// Writes the checklist workbook into `dir` under [`checklist_file_name`] and returns its path.
pub fn write_checklist(dir: &Path, checklist: &CameraChecklist) -> Result<PathBuf, ReportError> {
    let path = join_in(
        dir,
        &checklist_file_name(&checklist.vendor, &checklist.model),
    )?;
    let xlsx = |source| ReportError::Xlsx {
        path: path.display().to_string(),
        source,
    };
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_sheet(sheet, &styles, checklist).map_err(xlsx)?;
    // The page header stays short enough for its three parts not to overlap on A4: the SN lists
    // of several samples are in the header block of the sheet itself.
    PageHeading {
        report: "摄像头测试Checklist Camera checklist".to_string(),
        unit: format!("{} {}", checklist.vendor, checklist.model),
        standard: or_dash(&checklist.camera_model).to_string(),
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
fn header_fields(checklist: &CameraChecklist) -> [(&'static str, &str); 8] {
    [
        ("厂商 Vendor", or_dash(&checklist.vendor)),
        ("型号 Model", or_dash(&checklist.model)),
        ("设备SN Device SN", or_dash(&checklist.device_sn)),
        ("摄像头型号 Camera model", or_dash(&checklist.camera_model)),
        ("摄像头SN Camera SN", or_dash(&checklist.camera_serial)),
        ("视频源 Source", or_dash(&checklist.source)),
        ("后端说明 Backend notes", or_dash(&checklist.backend_note)),
        ("测试时间 Tested", or_dash(&checklist.tested)),
    ]
}

/// Row of the check table's header (zero-based): title, blank, the header fields, the overall
/// verdict, a blank row.
pub const CHECK_HEADER_ROW: u32 = 12;

fn write_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    checklist: &CameraChecklist,
) -> Result<(), XlsxError> {
    sheet.set_name(CHECKLIST_SHEET)?;
    write_title_block(
        sheet,
        styles,
        &CHECK_COLUMN_WIDTHS,
        "摄像头测试Checklist — facebench camera stress checklist",
        &header_fields(checklist),
        checklist.overall(),
    )?;
    write_header(sheet, styles, CHECK_HEADER_ROW, &CHECK_HEADERS)?;
    let mut row = CHECK_HEADER_ROW + 1;
    for check in CameraCheck::ALL {
        let (figures, limit, verdict, note) = match checklist.outcomes.get(&check) {
            Some(o) => (
                o.figures.as_str(),
                o.limit.as_str(),
                o.verdict,
                o.note.as_str(),
            ),
            None => ("—", "—", Verdict::NotTested, "not run"),
        };
        let cells = [
            check.number(),
            check.name().to_string(),
            figures.into(),
            limit.into(),
            verdict.label().to_string(),
            note.into(),
        ];
        // A check with more figures than the tallest row holds goes on over continuation
        // rows; its verdict is one cell spanning them.
        let rows = continued_rows(&cells, &CHECK_COLUMN_WIDTHS);
        let (first, last) = (row, row + rows.len() as u32 - 1);
        for (row, cells) in (first..).zip(&rows) {
            for (col, text) in (0u16..).zip(cells) {
                if col != RESULT_COLUMN {
                    sheet.write_string_with_format(row, col, text, &styles.text)?;
                }
            }
            fit_row(sheet, row, &cells_with_widths(cells, &CHECK_COLUMN_WIDTHS))?;
        }
        let format = styles.verdict(verdict);
        if last > first {
            sheet.merge_range(
                first,
                RESULT_COLUMN,
                last,
                RESULT_COLUMN,
                verdict.label(),
                &format,
            )?;
        } else {
            sheet.write_string_with_format(first, RESULT_COLUMN, verdict.label(), &format)?;
        }
        row = last + 1;
    }
    let screenshots = row + 1;
    write_screenshots(sheet, styles, screenshots, &checklist.charts)?;
    set_up_page(sheet, CHECK_HEADER_ROW)
}

/// Scale of the chart PNGs in the sheet: a 1400 px chart spans about the table's width.
const SCREENSHOT_SCALE: f64 = 0.8;

/// Default row height in pixels, to know how many rows an image covers.
const ROW_PX: f64 = 20.0;

/// The stress tool's screenshots: from `row` on, each chart's title and PNG, each chart on a
/// page of its own when printed.
fn write_screenshots(
    sheet: &mut Worksheet,
    styles: &Styles,
    mut row: u32,
    charts: &[ChecklistChart],
) -> Result<(), XlsxError> {
    if charts.is_empty() {
        return Ok(());
    }
    sheet.merge_range(
        row,
        0,
        row,
        CHECK_HEADERS.len() as u16 - 1,
        "测试工具截图 Stress tool screenshots (frame rate, frame intervals, first-frame latency)",
        &styles.header,
    )?;
    let mut breaks = vec![row];
    row += 1;
    for chart in charts {
        sheet.set_row_height(row, TITLE_ROW_PT)?;
        sheet.write_string_with_format(row, 0, &chart.title, &styles.title)?;
        row += 1;
        let image = Image::new(&chart.png)?
            .set_scale_width(SCREENSHOT_SCALE)
            .set_scale_height(SCREENSHOT_SCALE)
            .set_alt_text(chart.title.as_str());
        sheet.insert_image(row, 0, &image)?;
        row += (image.height() * SCREENSHOT_SCALE / ROW_PX).ceil() as u32 + 1;
        breaks.push(row);
    }
    breaks.pop();
    sheet.set_page_breaks(&breaks)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_rate_rows() {
        let ok = CheckOutcome::drop_rate(1, 10_000, Some(0.000474), 0.001, false);
        assert_eq!(ok.verdict, Verdict::Pass);
        assert!(
            ok.figures
                .starts_with("dropped 1 of 10000 frames (0.01000 %)"),
            "{}",
            ok.figures
        );
        assert!(
            ok.figures.ends_with("; 95 % upper bound 0.04740 %"),
            "{}",
            ok.figures
        );
        assert_eq!(ok.limit, "≤ 0.1000 %");
        assert!(ok.note.is_empty());
        let bad = CheckOutcome::drop_rate(20, 10_000, None, 0.001, true);
        assert_eq!(bad.verdict, Verdict::NoPass);
        assert!(bad.note.contains("estimated from intervals > 1.5× nominal"));
        assert!(!bad.figures.contains("upper bound"), "{}", bad.figures);
        let none = CheckOutcome::drop_rate(0, 0, None, 0.001, false);
        assert_eq!(none.verdict, Verdict::NotTested);
        // More drops than frames (a confused counter) never panics and is capped.
        assert_eq!(
            CheckOutcome::drop_rate(9, 3, None, 0.5, false).verdict,
            Verdict::NoPass
        );
    }

    #[test]
    fn unrun_checks_are_not_tested_and_rule_the_overall_verdict() {
        let mut list = CameraChecklist::default();
        assert_eq!(list.overall(), Verdict::NotTested);
        for check in CameraCheck::ALL {
            list.outcomes.insert(
                check,
                CheckOutcome {
                    figures: "x".into(),
                    limit: "y".into(),
                    verdict: Verdict::Pass,
                    note: String::new(),
                },
            );
        }
        assert_eq!(list.overall(), Verdict::Pass);
        list.outcomes.remove(&CameraCheck::DualStream);
        assert_eq!(list.verdict_of(CameraCheck::DualStream), Verdict::NotTested);
        assert_eq!(list.overall(), Verdict::NotTested);
    }

    #[test]
    fn file_name_follows_the_pattern_and_is_sanitised() {
        assert_eq!(
            checklist_file_name("Acme", "FP-200"),
            "[1摄像头测试Checklist]-[Acme][FP-200].xlsx"
        );
        let hostile = checklist_file_name("../../x", "a/b");
        assert!(
            !hostile.contains('/') && !hostile.contains(".."),
            "{hostile}"
        );
    }

    #[test]
    fn numbers_are_unique_and_ordered() {
        let numbers: Vec<String> = CameraCheck::ALL.iter().map(|c| c.number()).collect();
        assert_eq!(numbers.first().map(String::as_str), Some("C01"));
        assert_eq!(numbers.last().map(String::as_str), Some("C11"));
        let mut sorted = numbers.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), CameraCheck::ALL.len());
    }
}
