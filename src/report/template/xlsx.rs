//! Filling an .xlsx in place: only the target cells inside the sheet XML change.
//!
//! The workbook's `xl/workbook.xml` and its relationships give each sheet's XML part. Each
//! part with target cells is streamed through quick-xml: every event is written back as read,
//! except a target cell, which is replaced by an inline-string cell that keeps the original's
//! style (`s`), and target cells or rows that did not exist, which are inserted in order. Every
//! other zip member (styles, shared strings, untouched sheets, print setup) is copied raw, byte
//! for byte, except that the sheet's `<dimension>` grows to cover cells written outside it.
//! Result cells use the wording of the sheet's list validation when it has one: a list written
//! in the validation, or the cells of the range (or defined name) it names, in the plain or the
//! Excel 2010 (`x14`) form; the validations themselves are copied unchanged.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read, Write};

use calamine::{Reader as _, Xlsx};
use quick_xml::escape::{escape, unescape};
use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::{Reader, Writer};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::plan::template::{cell_name, column_index};

use super::fit::{SheetMetrics, MAX_ROW_HEIGHT_PT};
use super::values::{word_in_list, CellText};

/// Target cells of one sheet: row (1-based) → column (0-based) → text.
type Targets = BTreeMap<u32, BTreeMap<u32, String>>;

/// The filled workbook's bytes and the notes for the operator (result words not in a list).
pub(super) fn fill_xlsx(
    original: &[u8],
    cells: &[CellText],
) -> Result<(Vec<u8>, Vec<String>), String> {
    let mut archive =
        ZipArchive::new(Cursor::new(original)).map_err(|e| format!("not an xlsx zip: {e}"))?;
    let paths = sheet_paths(&mut archive)?;
    let mut notes = Vec::new();
    let mut by_part: BTreeMap<String, (String, Vec<&CellText>)> = BTreeMap::new();
    for cell in cells {
        let part = paths.get(&cell.sheet).ok_or_else(|| {
            format!(
                "the workbook has no sheet '{}' (plan [template] cells)",
                cell.sheet
            )
        })?;
        by_part
            .entry(part.clone())
            .or_insert_with(|| (cell.sheet.clone(), Vec::new()))
            .1
            .push(cell);
    }
    let mut rewritten: HashMap<String, Vec<u8>> = HashMap::new();
    let mut list_cells = ListCells::new(original);
    for (part, (sheet, cells)) in &by_part {
        let xml = read_member(&mut archive, part)?;
        let lists: Vec<ValidationList> = list_validations(&String::from_utf8_lossy(&xml))
            .into_iter()
            .filter_map(|(ranges, formula)| Some((ranges, list_cells.entries(&formula, sheet)?)))
            .collect();
        let mut targets = Targets::new();
        for cell in cells {
            let text = match (cell.verdict, list_at(&lists, cell.row, cell.column)) {
                (Some(verdict), Some(list)) => word_in_list(verdict, list).unwrap_or_else(|| {
                    notes.push(format!(
                        "'{sheet}'!{}: the cell's list ({}) has no word for {}; wrote {}",
                        cell_name(cell.column, cell.row),
                        list.join(", "),
                        verdict.label(),
                        cell.text
                    ));
                    cell.text.clone()
                }),
                _ => cell.text.clone(),
            };
            targets
                .entry(cell.row)
                .or_default()
                .insert(cell.column, text);
        }
        let metrics = SheetMetrics::read(&String::from_utf8_lossy(&xml));
        for (row, height) in metrics.needed_heights(&targets) {
            if height > MAX_ROW_HEIGHT_PT {
                notes.push(format!(
                    "'{sheet}' row {row}: its text needs a row {height:.0} pt tall, more than                      Excel's {MAX_ROW_HEIGHT_PT:.0} pt; the cells hold all of it, but to print                      it whole widen the column or shrink the text"
                ));
            }
        }
        let new_xml = rewrite_sheet(&xml, &metrics, targets)
            .map_err(|e| format!("{part} ('{sheet}'): {e}"))?;
        rewritten.insert(part.clone(), new_xml);
    }
    let mut out = ZipWriter::new(Cursor::new(Vec::with_capacity(original.len() + 4096)));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let name = archive
            .name_for_index(index)
            .ok_or_else(|| format!("zip member {index} has no name"))?
            .to_string();
        let zip_error = |e: zip::result::ZipError| format!("{name}: {e}");
        match rewritten.get(&name) {
            Some(bytes) => {
                out.start_file(name.as_str(), options).map_err(zip_error)?;
                out.write_all(bytes).map_err(|e| format!("{name}: {e}"))?;
            }
            None => {
                let member = archive.by_index_raw(index).map_err(zip_error)?;
                out.raw_copy_file(member).map_err(zip_error)?;
            }
        }
    }
    let bytes = out.finish().map_err(|e| format!("zip: {e}"))?.into_inner();
    Ok((bytes, notes))
}

fn read_member(archive: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, String> {
    let mut member = archive.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    let mut bytes = Vec::new();
    member
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(bytes)
}

/// The value of an attribute, unescaped.
fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| attribute_text(&a))
}

/// An attribute's value as text (xlsx parts are UTF-8), unescaped.
fn attribute_text(attribute: &quick_xml::events::attributes::Attribute<'_>) -> Option<String> {
    let raw = std::str::from_utf8(&attribute.value).ok()?;
    unescape(raw).ok().map(|v| v.into_owned())
}

/// Sheet name → zip part (`xl/worksheets/sheet1.xml`).
fn sheet_paths(archive: &mut ZipArchive<Cursor<&[u8]>>) -> Result<HashMap<String, String>, String> {
    let workbook = read_member(archive, "xl/workbook.xml")?;
    let rels = read_member(archive, "xl/_rels/workbook.xml.rels")?;
    let mut targets: HashMap<String, String> = HashMap::new();
    let mut reader = Reader::from_reader(rels.as_slice());
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("xl/_rels/workbook.xml.rels: {e}"))?
        {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Relationship" => {
                if let (Some(id), Some(target)) = (attribute(&e, "Id"), attribute(&e, "Target")) {
                    let part = match target.strip_prefix('/') {
                        Some(absolute) => absolute.to_string(),
                        None => format!("xl/{target}"),
                    };
                    targets.insert(id, part);
                }
            }
            _ => {}
        }
    }
    let mut paths = HashMap::new();
    let mut reader = Reader::from_reader(workbook.as_slice());
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("xl/workbook.xml: {e}"))?
        {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"sheet" => {
                let name = attribute(&e, "name");
                let id = e.attributes().flatten().find_map(|a| {
                    let key = a.key.as_ref();
                    (key == b"r:id" || key.ends_with(b":id"))
                        .then(|| attribute_text(&a))
                        .flatten()
                });
                if let (Some(name), Some(part)) = (name, id.and_then(|id| targets.get(&id))) {
                    paths.insert(name, part.clone());
                }
            }
            _ => {}
        }
    }
    Ok(paths)
}

/// A list validation: its ranges (0-based `(row, column)` corners) and its entries.
type ValidationList = (Vec<Corners>, Vec<String>);

/// The text between `open` and the next `close` in `text`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let from = text.find(open)? + open.len();
    let to = text[from..].find(close)?;
    Some(&text[from..from + to])
}

/// The list validations of a sheet, both the plain ones (`<dataValidation type="list">`) and
/// the Excel 2010 ones in the sheet's extensions (`<x14:dataValidation>`), each with its ranges
/// and its source formula as written: a quoted list (`"a,b,c"`), a range (`Lists!$A$1:$A$3`)
/// or a defined name.
fn list_validations(xml: &str) -> Vec<(Vec<Corners>, String)> {
    let mut found = Vec::new();
    for (open, close) in [
        ("<dataValidation ", "</dataValidation>"),
        ("<x14:dataValidation ", "</x14:dataValidation>"),
    ] {
        let mut rest = xml;
        while let Some(start) = rest.find(open) {
            rest = &rest[start..];
            let end = rest.find(close).map_or(rest.len(), |e| e + close.len());
            let block = &rest[..end];
            rest = &rest[end..];
            let head = &block[..block.find('>').unwrap_or(block.len())];
            if !head.contains("type=\"list\"") {
                continue;
            }
            let sqref = between(head, "sqref=\"", "\"")
                .or_else(|| between(block, "<xm:sqref>", "</xm:sqref>"))
                .unwrap_or("");
            let Some(formula) = between(block, "<xm:f>", "</xm:f>")
                .or_else(|| between(block, "<formula1>", "</formula1>"))
                .and_then(|f| unescape(f).ok())
            else {
                continue;
            };
            let ranges = sqref.split_whitespace().filter_map(parse_range).collect();
            found.push((ranges, formula.trim().to_string()));
        }
    }
    found
}

/// The original workbook read with calamine, opened when a list names cells.
struct ListCells<'a> {
    original: &'a [u8],
    book: Option<Xlsx<Cursor<&'a [u8]>>>,
}

impl<'a> ListCells<'a> {
    fn new(original: &'a [u8]) -> ListCells<'a> {
        ListCells {
            original,
            book: None,
        }
    }

    /// The entries of a list validation of `sheet` with source `formula`: the words of a quoted
    /// list, or the non-empty cells of the range it names (directly or through a defined
    /// name). `None` when the source cannot be read.
    fn entries(&mut self, formula: &str, sheet: &str) -> Option<Vec<String>> {
        if let Some(literal) = formula.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
            return Some(literal.split(',').map(|e| e.trim().to_string()).collect());
        }
        if self.book.is_none() {
            self.book = Xlsx::new(Cursor::new(self.original)).ok();
        }
        let book = self.book.as_mut()?;
        let formula = formula.trim_start_matches('=');
        let named = book
            .defined_names()
            .iter()
            .find(|(name, _)| name == formula)
            .map(|(_, value)| value.trim_start_matches('=').to_string());
        let reference = named.as_deref().unwrap_or(formula);
        let (on, range) = match reference.rsplit_once('!') {
            Some((on, range)) => (on.trim_matches('\'').replace("''", "'"), range.to_string()),
            None => (sheet.to_string(), reference.to_string()),
        };
        let ((top, left), (bottom, right)) = parse_range(&range)?;
        let cells = book.worksheet_range(&on).ok()?;
        let mut entries = Vec::new();
        for row in top..=bottom.min(top + MAX_LIST_CELLS) {
            for column in left..=right.min(left + MAX_LIST_CELLS) {
                if let Some(value) = cells.get_value((row, column)) {
                    let text = value.to_string();
                    if !text.trim().is_empty() {
                        entries.push(text.trim().to_string());
                    }
                }
            }
        }
        (!entries.is_empty()).then_some(entries)
    }
}

/// The most rows or columns of a range read as a list's entries.
const MAX_LIST_CELLS: u32 = 256;

/// `E3:E20` or `E3` to 0-based corners.
fn parse_range(text: &str) -> Option<Corners> {
    let (first, last) = text.split_once(':').unwrap_or((text, text));
    Some((parse_cell(first)?, parse_cell(last)?))
}

/// `F5` to 0-based `(row, column)`.
fn parse_cell(text: &str) -> Option<(u32, u32)> {
    let text = text.replace('$', "");
    let split = text.find(|c: char| c.is_ascii_digit())?;
    let column = column_index(&text[..split])?;
    let row: u32 = text[split..].parse().ok()?;
    Some((row.checked_sub(1)?, column))
}

fn list_at(lists: &[ValidationList], row: u32, column: u32) -> Option<&[String]> {
    let (row, column) = (row - 1, column);
    lists.iter().find_map(|(ranges, entries)| {
        ranges
            .iter()
            .any(|(a, b)| (a.0..=b.0).contains(&row) && (a.1..=b.1).contains(&column))
            .then_some(entries.as_slice())
    })
}

/// An inline-string cell, or an empty one for empty text, with the original's style.
fn cell_xml(row: u32, column: u32, style: Option<&str>, text: &str) -> String {
    let style = style.map_or(String::new(), |s| format!(" s=\"{}\"", escape(s)));
    let reference = cell_name(column, row);
    if text.is_empty() {
        format!("<c r=\"{reference}\"{style}/>")
    } else {
        format!(
            "<c r=\"{reference}\"{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
            escape(text)
        )
    }
}

fn new_row_xml(row: u32, height: Option<f64>, cells: &BTreeMap<u32, String>) -> String {
    let cells: String = cells
        .iter()
        .map(|(column, text)| cell_xml(row, *column, None, text))
        .collect();
    let height = height.map_or(String::new(), |h| format!(" ht=\"{h}\" customHeight=\"1\""));
    format!("<row r=\"{row}\"{height}>{cells}</row>")
}

/// The sheet XML with the target cells written; every other event is written back as read.
fn rewrite_sheet(
    xml: &[u8],
    metrics: &SheetMetrics,
    mut targets: Targets,
) -> Result<Vec<u8>, String> {
    let mut heights = metrics.needed_heights(&targets);
    for height in heights.values_mut() {
        *height = height.min(MAX_ROW_HEIGHT_PT);
    }
    let written = targets_extent(&targets);
    let mut reader = Reader::from_reader(xml);
    let mut writer = Writer::new(Vec::with_capacity(xml.len() + 1024));
    let mut in_sheet_data = false;
    let mut row_cells: Option<(u32, BTreeMap<u32, String>)> = None;
    let mut last_row = 0u32;
    let mut last_column: Option<u32> = None;
    let mut skipping = false;
    let io = |e: std::io::Error| e.to_string();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("XML at byte {}: {e}", reader.buffer_position()))?;
        if skipping {
            if matches!(&event, Event::End(e) if e.local_name().as_ref() == b"c") {
                skipping = false;
            }
            continue;
        }
        match event {
            Event::Eof => break,
            Event::Empty(e) if e.local_name().as_ref() == b"dimension" => {
                let e = widened_dimension(e, written);
                writer.write_event(Event::Empty(e)).map_err(io)?;
            }
            Event::Start(e) if e.local_name().as_ref() == b"sheetData" => {
                in_sheet_data = true;
                writer.write_event(Event::Start(e)).map_err(io)?;
            }
            Event::Empty(e) if e.local_name().as_ref() == b"sheetData" => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                writer.write_event(Event::Start(e)).map_err(io)?;
                flush_rows(&mut writer, &mut targets, &heights, u32::MAX);
                writer
                    .write_event(Event::End(BytesEnd::new(name)))
                    .map_err(io)?;
            }
            Event::End(e) if e.local_name().as_ref() == b"sheetData" => {
                flush_rows(&mut writer, &mut targets, &heights, u32::MAX);
                in_sheet_data = false;
                writer.write_event(Event::End(e)).map_err(io)?;
            }
            Event::Start(e) if in_sheet_data && e.local_name().as_ref() == b"row" => {
                let row = attribute(&e, "r")
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(last_row + 1);
                flush_rows(&mut writer, &mut targets, &heights, row);
                let e = fit_row(e, heights.get(&row).copied(), metrics.line_height);
                writer.write_event(Event::Start(e)).map_err(io)?;
                row_cells = Some((row, targets.remove(&row).unwrap_or_default()));
                (last_row, last_column) = (row, None);
            }
            Event::Empty(e) if in_sheet_data && e.local_name().as_ref() == b"row" => {
                let row = attribute(&e, "r")
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(last_row + 1);
                flush_rows(&mut writer, &mut targets, &heights, row);
                last_row = row;
                let e = fit_row(e, heights.get(&row).copied(), metrics.line_height);
                match targets.remove(&row) {
                    Some(cells) => {
                        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                        writer.write_event(Event::Start(e)).map_err(io)?;
                        for (column, text) in &cells {
                            writer
                                .get_mut()
                                .extend_from_slice(cell_xml(row, *column, None, text).as_bytes());
                        }
                        writer
                            .write_event(Event::End(BytesEnd::new(name)))
                            .map_err(io)?;
                    }
                    None => writer.write_event(Event::Empty(e)).map_err(io)?,
                }
            }
            Event::End(e) if in_sheet_data && e.local_name().as_ref() == b"row" => {
                if let Some((row, cells)) = row_cells.take() {
                    for (column, text) in &cells {
                        writer
                            .get_mut()
                            .extend_from_slice(cell_xml(row, *column, None, text).as_bytes());
                    }
                }
                writer.write_event(Event::End(e)).map_err(io)?;
            }
            Event::Start(e) if e.local_name().as_ref() == b"c" => match row_cells.as_mut() {
                Some(row) => skipping = write_cell(&mut writer, row, &mut last_column, e, true)?,
                None => writer.write_event(Event::Start(e)).map_err(io)?,
            },
            Event::Empty(e) if e.local_name().as_ref() == b"c" => match row_cells.as_mut() {
                Some(row) => {
                    write_cell(&mut writer, row, &mut last_column, e, false)?;
                }
                None => writer.write_event(Event::Empty(e)).map_err(io)?,
            },
            other => writer.write_event(other).map_err(io)?,
        }
    }
    if !targets.is_empty() {
        return Err("the sheet has no <sheetData>".to_string());
    }
    Ok(writer.into_inner())
}

/// 0-based corners `((first row, first column), (last row, last column))` of a range.
type Corners = ((u32, u32), (u32, u32));

/// The range the target cells cover (0-based corners), `None` without targets.
fn targets_extent(targets: &Targets) -> Option<Corners> {
    let rows = (targets.keys().next()?, targets.keys().next_back()?);
    let columns = targets.values().flat_map(|cells| cells.keys());
    let first = *columns.clone().min()?;
    let last = *columns.max()?;
    Some((
        (rows.0.saturating_sub(1), first),
        (rows.1.saturating_sub(1), last),
    ))
}

/// The `<dimension>` element, its range grown to cover `written` cells outside it (an unchanged
/// element when they are inside or its range cannot be read).
fn widened_dimension(element: BytesStart<'_>, written: Option<Corners>) -> BytesStart<'_> {
    let (Some(written), Some(range)) = (written, attribute(&element, "ref")) else {
        return element;
    };
    let Some(old) = parse_range(&range) else {
        return element;
    };
    let grown = (
        (old.0 .0.min(written.0 .0), old.0 .1.min(written.0 .1)),
        (old.1 .0.max(written.1 .0), old.1 .1.max(written.1 .1)),
    );
    if grown == old {
        return element;
    }
    let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
    let mut widened = BytesStart::new(name);
    for attr in element.attributes().flatten() {
        if attr.key.as_ref() != b"ref" {
            widened.push_attribute(attr);
        }
    }
    let reference = format!(
        "{}:{}",
        cell_name(grown.0 .1, grown.0 .0 + 1),
        cell_name(grown.1 .1, grown.1 .0 + 1)
    );
    widened.push_attribute(("ref", reference.as_str()));
    widened
}

/// Writes one existing cell of a row with targets: first the new target cells left of it, then
/// the cell itself or, when it is a target, its replacement. Returns true when the original's
/// content must be skipped (a replaced start tag).
fn write_cell(
    writer: &mut Writer<Vec<u8>>,
    (row, cells): &mut (u32, BTreeMap<u32, String>),
    last_column: &mut Option<u32>,
    element: BytesStart<'_>,
    is_start: bool,
) -> Result<bool, String> {
    let column = attribute(&element, "r")
        .and_then(|r| parse_cell(&r))
        .map(|(_, c)| c)
        .unwrap_or(last_column.map_or(0, |c| c + 1));
    *last_column = Some(column);
    let before: Vec<u32> = cells.range(..column).map(|(c, _)| *c).collect();
    for c in before {
        if let Some(text) = cells.remove(&c) {
            writer
                .get_mut()
                .extend_from_slice(cell_xml(*row, c, None, &text).as_bytes());
        }
    }
    match cells.remove(&column) {
        Some(text) => {
            let style = attribute(&element, "s");
            writer
                .get_mut()
                .extend_from_slice(cell_xml(*row, column, style.as_deref(), &text).as_bytes());
            Ok(is_start)
        }
        None => {
            let event = if is_start {
                Event::Start(element)
            } else {
                Event::Empty(element)
            };
            writer.write_event(event).map_err(|e| e.to_string())?;
            Ok(false)
        }
    }
}

/// Writes, as new rows, every target row before `before`.
fn flush_rows(
    writer: &mut Writer<Vec<u8>>,
    targets: &mut Targets,
    heights: &BTreeMap<u32, f64>,
    before: u32,
) {
    let rows: Vec<u32> = targets.range(..before).map(|(r, _)| *r).collect();
    for row in rows {
        if let Some(cells) = targets.remove(&row) {
            let xml = new_row_xml(row, heights.get(&row).copied(), &cells);
            writer.get_mut().extend_from_slice(xml.as_bytes());
        }
    }
}

/// The row element, with a taller height when its new text needs one (else unchanged).
fn fit_row(row: BytesStart<'_>, needed: Option<f64>, line_height: f64) -> BytesStart<'_> {
    let current = attribute(&row, "ht")
        .and_then(|h| h.parse::<f64>().ok())
        .unwrap_or(line_height);
    let Some(needed) = needed.filter(|n| *n > current) else {
        return row;
    };
    let name = String::from_utf8_lossy(row.name().as_ref()).into_owned();
    let mut fitted = BytesStart::new(name);
    for attr in row.attributes().flatten() {
        if !matches!(attr.key.as_ref(), b"ht" | b"customHeight") {
            fitted.push_attribute(attr);
        }
    }
    fitted.push_attribute(("ht", format!("{needed}").as_str()));
    fitted.push_attribute(("customHeight", "1"));
    fitted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(xml: &[u8]) -> SheetMetrics {
        SheetMetrics::read(std::str::from_utf8(xml).expect("UTF-8"))
    }

    #[test]
    fn rows_grow_to_show_long_new_text_and_keep_their_other_attributes() {
        let xml = br#"<worksheet><sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="11"/></cols><sheetData><row r="2" spans="1:1" ht="20" customHeight="1"><c r="A2" s="1"/></row><row r="3"><c r="A3"/></row></sheetData></worksheet>"#;
        let out = rewrite_sheet(
            xml,
            &metrics(xml),
            targets(&[(2, 0, "one\ntwo\nthree"), (3, 0, "ok"), (5, 0, "a\nb")]),
        )
        .expect("rewrites");
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains(r#"<row r="2" spans="1:1" ht="45" customHeight="1">"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<row r="3"><c r="A3" t="inlineStr">"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<row r="5" ht="30" customHeight="1">"#),
            "{out}"
        );
        let tall = "line\n".repeat(40);
        let out = rewrite_sheet(xml, &metrics(xml), targets(&[(3, 0, &tall)])).expect("rewrites");
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains(r#"<row r="3" ht="409" customHeight="1">"#),
            "never taller than Excel's tallest row: {out}"
        );
    }

    fn targets(cells: &[(u32, u32, &str)]) -> Targets {
        let mut t = Targets::new();
        for (row, column, text) in cells {
            t.entry(*row).or_default().insert(*column, text.to_string());
        }
        t
    }

    #[test]
    fn replaces_existing_cells_keeping_style_and_inserts_missing_ones() {
        let xml = br#"<?xml version="1.0"?><worksheet><cols><col min="1" max="2" width="30"/></cols><sheetData><row r="2" spans="1:3"><c r="A2" s="4" t="s"><v>0</v></c><c r="C2" s="5"/></row><row r="4"/></sheetData><mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells></worksheet>"#;
        let out = rewrite_sheet(
            xml,
            &metrics(xml),
            targets(&[
                (2, 1, "B & <x>"),
                (2, 2, "通过"),
                (3, 0, "new"),
                (4, 1, "r4"),
                (9, 0, ""),
            ]),
        )
        .expect("rewrites");
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            r#"<?xml version="1.0"?><worksheet><cols><col min="1" max="2" width="30"/></cols><sheetData><row r="2" spans="1:3"><c r="A2" s="4" t="s"><v>0</v></c><c r="B2" t="inlineStr"><is><t xml:space="preserve">B &amp; &lt;x&gt;</t></is></c><c r="C2" s="5" t="inlineStr"><is><t xml:space="preserve">通过</t></is></c></row><row r="3"><c r="A3" t="inlineStr"><is><t xml:space="preserve">new</t></is></c></row><row r="4"><c r="B4" t="inlineStr"><is><t xml:space="preserve">r4</t></is></c></row><row r="9"><c r="A9"/></row></sheetData><mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells></worksheet>"#
        );
    }

    #[test]
    fn an_existing_cell_with_a_value_is_replaced_whole() {
        let xml = br#"<worksheet><sheetData><row r="5"><c r="F5" s="2" t="s"><v>7</v></c><c r="G5"><f>1+1</f><v>2</v></c></row></sheetData></worksheet>"#;
        let out = rewrite_sheet(xml, &metrics(xml), targets(&[(5, 5, "不通过"), (5, 6, "")]))
            .expect("rewrites");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<worksheet><sheetData><row r="5"><c r="F5" s="2" t="inlineStr"><is><t xml:space="preserve">不通过</t></is></c><c r="G5"/></row></sheetData></worksheet>"#
        );
    }

    #[test]
    fn the_dimension_grows_to_cover_cells_written_outside_it() {
        let xml = br#"<worksheet><dimension ref="A1:C4"/><sheetData><row r="2"><c r="A2"/></row></sheetData></worksheet>"#;
        let out = rewrite_sheet(xml, &metrics(xml), targets(&[(2, 5, "x"), (9, 1, "y")]))
            .expect("rewrites");
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with(r#"<worksheet><dimension ref="A1:F9"/>"#),
            "{out}"
        );
        let inside = rewrite_sheet(xml, &metrics(xml), targets(&[(3, 2, "z")])).expect("rewrites");
        assert!(String::from_utf8(inside)
            .unwrap()
            .starts_with(r#"<worksheet><dimension ref="A1:C4"/>"#));
    }

    #[test]
    fn list_validations_are_read_with_their_ranges() {
        let xml = r#"<dataValidations count="2"><dataValidation type="list" allowBlank="1" sqref="E3:E20 G3"><formula1>"合格,不合格,未测试"</formula1></dataValidation><dataValidation type="whole" sqref="A1"><formula1>1</formula1></dataValidation><dataValidation type="list" sqref="H3:H9"><formula1>Lists!$A$1:$A$3</formula1></dataValidation></dataValidations><extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"><x14:dataValidations count="1"><x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>'说明 sheet'!$B$2:$D$2</xm:f></x14:formula1><xm:sqref>J3:J9</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"#;
        let found = list_validations(xml);
        let formulas: Vec<&str> = found.iter().map(|(_, f)| f.as_str()).collect();
        assert_eq!(
            formulas,
            [
                "\"合格,不合格,未测试\"",
                "Lists!$A$1:$A$3",
                "'说明 sheet'!$B$2:$D$2"
            ]
        );
        assert_eq!(found[2].0, [((2, 9), (8, 9))]);
        let mut cells = ListCells::new(&[]);
        let lists: Vec<ValidationList> = found
            .into_iter()
            .filter_map(|(ranges, f)| Some((ranges, cells.entries(&f, "S")?)))
            .collect();
        assert_eq!(
            lists.len(),
            1,
            "a range list of an unreadable book is left alone"
        );
        assert_eq!(list_at(&lists, 3, 4).map(|l| l.len()), Some(3));
        assert_eq!(list_at(&lists, 3, 6).map(|l| l[0].as_str()), Some("合格"));
        assert!(list_at(&lists, 2, 4).is_none());
        assert_eq!(parse_cell("$AB$12"), Some((11, 27)));
    }
}
