//! The workbook's charts sheet: each chart's PNG under its title and caption lines.

use rust_xlsxwriter::{Image, Worksheet, XlsxError};

use super::Charts;
use crate::report::workbook::{Styles, PAPER_A4};

/// Name of the charts sheet, between the category sheets and the history.
pub const CHARTS_SHEET: &str = "图表 Charts";

/// How much the PNGs are scaled down in the sheet (1400 px wide becomes 910 px).
const IMAGE_SCALE: f64 = 0.65;

/// Default row height in pixels, to know how many rows an image covers.
const ROW_PX: f64 = 20.0;

/// Fills `sheet` with every chart of `charts`, in order.
pub(in crate::report) fn write_charts_sheet(
    sheet: &mut Worksheet,
    styles: &Styles,
    charts: &Charts,
) -> Result<(), XlsxError> {
    sheet.set_name(CHARTS_SHEET)?;
    sheet.set_column_width(0, 120)?;
    sheet.set_paper_size(PAPER_A4);
    sheet.set_print_fit_to_pages(1, 0);
    let mut row = 0u32;
    let mut breaks = Vec::with_capacity(charts.charts.len());
    for chart in &charts.charts {
        sheet.write_string_with_format(row, 0, &chart.title, &styles.title)?;
        row += 1;
        let files = format!(
            "{} · {}",
            charts.relative(&chart.png),
            charts.relative(&chart.svg)
        );
        for line in chart.notes.iter().chain(std::iter::once(&files)) {
            sheet.write_string(row, 0, line)?;
            row += 1;
        }
        let image = Image::new(&chart.png)?
            .set_scale_width(IMAGE_SCALE)
            .set_scale_height(IMAGE_SCALE)
            .set_alt_text(chart.title.as_str());
        let rows = (image.height() * IMAGE_SCALE / ROW_PX).ceil() as u32;
        sheet.insert_image(row, 0, &image)?;
        row += rows + 2;
        breaks.push(row);
    }
    breaks.pop();
    sheet.set_page_breaks(&breaks)?;
    Ok(())
}
