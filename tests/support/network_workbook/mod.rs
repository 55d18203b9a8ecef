//! A made-up test-case workbook in the payment network's style, for `plan import` and the
//! template filler: a merged title row, Chinese (and bilingual) headers, several sheets, a
//! section-heading row, a row without an id, a criterion merged across two rows, result list
//! validations with the sheet's own words (written in the list, or in cells of another sheet
//! the list names), and a sheet without a recognisable header.
//!
//! `tests/fixtures/network-workbook.xls` is this workbook converted once with LibreOffice (see
//! `tests/fixtures/README.md`).
#![allow(dead_code)]

use std::path::Path;

use rust_xlsxwriter::{
    DataValidation, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

/// The climate sheet's name (one of the standard's sheets).
pub const CLIMATE: &str = "气候类可靠性";
/// The mechanical sheet's name.
pub const MECHANICAL: &str = "机械类可靠性";
/// A sheet with no header row the importer knows.
pub const PERFORMANCE: &str = "性能测试";
/// The instructions sheet (not a test sheet).
pub const README: &str = "填写说明";

/// The climate sheet's result words (its list validation).
pub const CLIMATE_WORDS: [&str; 4] = ["合格", "不合格", "不适用", "未测试"];

/// The mechanical sheet's result words: its list validation names these cells of the
/// instructions sheet ([`MECHANICAL_LIST`]).
pub const MECHANICAL_WORDS: [&str; 3] = ["OK", "NG", "NA"];

/// Where the instructions sheet holds [`MECHANICAL_WORDS`] (A3:A5).
pub const MECHANICAL_LIST: &str = "'填写说明'!$A$3:$A$5";

/// Climate rows: (excel row, 序号, 测试项目, 测试条件, 判定标准). Row 6–7 share a merged criterion.
pub const CLIMATE_ROWS: [(u32, &str, &str, &str, &str); 4] = [
    (
        3,
        "1",
        "低温工作",
        "−10 ℃，2 h，通电工作",
        "功能正常，刷脸支付成功",
    ),
    (
        4,
        "2",
        "高温工作",
        "45 ℃，2 h，通电工作",
        "功能正常，刷脸支付成功",
    ),
    (
        6,
        "3",
        "低温存储",
        "−40 ℃，16 h，不通电",
        "恢复 2 h 后外观无损坏，功能正常",
    ),
    (
        7,
        "4",
        "高温存储",
        "70 ℃，16 h，不通电",
        "恢复 2 h 后外观无损坏，功能正常",
    ),
];

/// Mechanical rows: (excel row, No., Test item, Method, Criterion).
pub const MECHANICAL_ROWS: [(u32, &str, &str, &str, &str); 3] = [
    (
        3,
        "1",
        "跌落 Drop",
        "0.8 m, 6 faces, packed",
        "no damage; functions normal",
    ),
    (
        4,
        "2",
        "振动 Vibration",
        "10–55 Hz, 0.35 mm, 3 axes, 30 min each",
        "no loose parts",
    ),
    (
        6,
        "3",
        "按键寿命 Key life",
        "10 000 presses",
        "keys work; no sticking",
    ),
];

/// Column widths of the climate sheet (A…G), in characters.
pub const CLIMATE_WIDTHS: [f64; 7] = [6.0, 16.0, 30.0, 34.0, 10.0, 22.0, 24.0];

fn climate(
    sheet: &mut Worksheet,
    title: &Format,
    head: &Format,
    body: &Format,
) -> Result<(), XlsxError> {
    sheet.set_name(CLIMATE)?;
    for (column, width) in CLIMATE_WIDTHS.iter().enumerate() {
        sheet.set_column_width(column as u16, *width)?;
    }
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.merge_range(
        0,
        0,
        0,
        6,
        "微信刷脸支付 桌面收银测试用例 v1.4 — 气候类可靠性",
        title,
    )?;
    sheet.set_row_height(0, 30)?;
    let headers = [
        "序号",
        "测试项目",
        "测试条件",
        "判定标准",
        "测试结果",
        "实测值",
        "备注",
    ];
    for (column, text) in headers.iter().enumerate() {
        sheet.write_string_with_format(1, column as u16, *text, head)?;
    }
    sheet.merge_range(4, 0, 4, 6, "二、存储", head)?;
    for (row, id, name, conditions, criterion) in CLIMATE_ROWS {
        let r = row - 1;
        sheet.write_string_with_format(r, 0, id, body)?;
        sheet.write_string_with_format(r, 1, name, body)?;
        sheet.write_string_with_format(r, 2, conditions, body)?;
        if row != 6 && row != 7 {
            sheet.write_string_with_format(r, 3, criterion, body)?;
        }
        for column in 4..7 {
            sheet.write_blank(r, column, body)?;
        }
    }
    // Storage items share one criterion cell, merged across their two rows.
    sheet.merge_range(5, 3, 6, 3, CLIMATE_ROWS[2].4, body)?;
    // A row without an id (a reference test the lab does not number).
    sheet.write_string_with_format(7, 1, "恒定湿热（参考）", body)?;
    sheet.write_string_with_format(7, 2, "40 ℃，93 %RH，48 h", body)?;
    let list = DataValidation::new().allow_list_strings(&CLIMATE_WORDS)?;
    sheet.add_data_validation(2, 4, 7, 4, &list)?;
    Ok(())
}

fn mechanical(
    sheet: &mut Worksheet,
    title: &Format,
    head: &Format,
    body: &Format,
) -> Result<(), XlsxError> {
    sheet.set_name(MECHANICAL)?;
    for (column, width) in [8.0, 20.0, 30.0, 30.0, 12.0, 24.0].iter().enumerate() {
        sheet.set_column_width(column as u16, *width)?;
    }
    sheet.merge_range(0, 0, 0, 5, "Mechanical reliability 机械类可靠性", title)?;
    let headers = [
        "序号\nNo.",
        "测试项目\nTest item",
        "测试方法\nMethod",
        "判定标准\nCriterion",
        "测试结果\nResult",
        "备注\nRemarks",
    ];
    for (column, text) in headers.iter().enumerate() {
        sheet.write_string_with_format(1, column as u16, *text, head)?;
    }
    for (row, id, name, method, criterion) in MECHANICAL_ROWS {
        let r = row - 1;
        sheet.write_number_with_format(r, 0, id.parse::<f64>().unwrap_or(0.0), body)?;
        for (column, text) in [(1, name), (2, method), (3, criterion)] {
            sheet.write_string_with_format(r, column, text, body)?;
        }
        sheet.write_blank(r, 4, body)?;
        sheet.write_blank(r, 5, body)?;
    }
    // Row 5: a name without an id.
    sheet.write_string_with_format(4, 1, "扭转 Twist (optional)", body)?;
    let list = DataValidation::new().allow_list_formula(MECHANICAL_LIST.into());
    sheet.add_data_validation(2, 4, 5, 4, &list)?;
    Ok(())
}

/// Writes the workbook to `path`.
pub fn write_network_workbook(path: &Path) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("#D9E1F2")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let body = Format::new()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    let readme = book.add_worksheet();
    readme.set_name(README)?;
    readme.write_string(0, 0, "请在测试结果列选择 合格 / 不合格，并在备注列说明。")?;
    readme.write_string(1, 0, "机械类结果 Mechanical results:")?;
    for (row, word) in (2u32..).zip(MECHANICAL_WORDS) {
        readme.write_string(row, 0, word)?;
    }
    climate(book.add_worksheet(), &title, &head, &body)?;
    mechanical(book.add_worksheet(), &title, &head, &body)?;
    let perf = book.add_worksheet();
    perf.set_name(PERFORMANCE)?;
    perf.write_string(0, 0, "参数")?;
    perf.write_string(0, 1, "要求")?;
    perf.write_string(1, 0, "识别速度")?;
    perf.write_string(1, 1, "≤ 1 s")?;
    book.save(path)
}
