//! `facebench plan import`: the network's test-case workbook (.xls or .xlsx) to a draft plan.
//!
//! Each worksheet that is one of the standard's sheets (by its Chinese name, or mapped with
//! `--sheet-map`) is searched for its header row (`序号 / 测试项目 / 测试条件 / 判定标准 /
//! 测试结果 / 备注` or English synonyms, see [`headings`]); every row below it with an id and a
//! name becomes a manual item judged by the operator against the criterion as written, and a
//! `[template]` entry that records where its result, measured value and note go. What cannot be
//! mapped is listed as [`Unmapped`] with the sheet and cell (`'气候类可靠性'!B12`).

mod draft;
pub mod headings;
pub mod workbook;

use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::catalog::{Catalog, Requirement, Sheet, Standard};
use crate::plan::template::cell_name;

use headings::{find_header, Header, Role};
use workbook::{read_workbook, Merge, SheetData};

/// One `--sheet-map` entry: `NAME=KEY` maps a worksheet to a plan sheet, `NAME!ROLE=COLUMN`
/// sets the column of a role and `NAME!header=ROW` the (1-based) header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetMapEntry {
    /// The worksheet is this plan sheet.
    Sheet(String, Sheet),
    /// The worksheet's column for a role (0-based).
    Column(String, Role, u32),
    /// The worksheet's header row (0-based).
    HeaderRow(String, u32),
}

impl SheetMapEntry {
    /// Parses `NAME=KEY`, `NAME!ROLE=LETTERS` or `NAME!header=ROW`.
    pub fn parse(text: &str) -> Result<SheetMapEntry, String> {
        let usage = "use NAME=SHEET (climate, mechanical, coating, function, performance or the \
                     Chinese sheet name), NAME!ROLE=COLUMN (roles: id, name, conditions, criterion, \
                     measured, result, note) or NAME!header=ROW";
        let (left, value) = text
            .rsplit_once('=')
            .ok_or_else(|| format!("--sheet-map {text:?}: no `=`; {usage}"))?;
        let value = value.trim();
        match left.rsplit_once('!') {
            None => Sheet::parse(value)
                .map(|sheet| SheetMapEntry::Sheet(left.trim().to_string(), sheet))
                .ok_or_else(|| format!("--sheet-map {text:?}: unknown sheet `{value}`; {usage}")),
            Some((name, "header")) => value
                .parse::<u32>()
                .ok()
                .filter(|row| *row >= 1)
                .map(|row| SheetMapEntry::HeaderRow(name.trim().to_string(), row - 1))
                .ok_or_else(|| format!("--sheet-map {text:?}: `{value}` is not a row number")),
            Some((name, role)) => {
                let role = Role::parse(role.trim()).ok_or_else(|| {
                    format!("--sheet-map {text:?}: unknown role `{role}`; {usage}")
                })?;
                let column = crate::plan::template::column_index(value).ok_or_else(|| {
                    format!("--sheet-map {text:?}: `{value}` is not a column (`F`, `AB`)")
                })?;
                Ok(SheetMapEntry::Column(name.trim().to_string(), role, column))
            }
        }
    }
}

/// Something in the workbook `plan import` did not turn into an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    /// The worksheet.
    pub sheet: String,
    /// The cell or range (`B12`, `B5:B6`), when the problem has one.
    pub cell: Option<String>,
    /// What was not mapped and why.
    pub message: String,
}

impl fmt::Display for Unmapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sheet = self.sheet.replace('\'', "''");
        match &self.cell {
            Some(cell) => write!(f, "'{sheet}'!{cell}: {}", self.message),
            None => write!(f, "'{sheet}': {}", self.message),
        }
    }
}

/// One imported row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedItem {
    /// Plan item id (`CLM-001`).
    pub id: String,
    /// The id as written in the workbook (`1`).
    pub source_id: String,
    /// Plan sheet.
    pub sheet: Sheet,
    /// Worksheet name.
    pub worksheet: String,
    /// 1-based row.
    pub row: u32,
    /// Name as written.
    pub name: String,
    /// Conditions as written.
    pub conditions: String,
    /// Criterion as written.
    pub criterion: String,
    /// Result column (0-based), when it can be filled.
    pub result: Option<u32>,
    /// Measured column (0-based).
    pub measured: Option<u32>,
    /// Note column (0-based).
    pub note: Option<u32>,
}

/// What `plan import` read from a workbook.
#[derive(Debug, Clone)]
pub struct Import {
    /// The standard the plan is for.
    pub standard: Standard,
    /// Items in workbook order.
    pub items: Vec<ImportedItem>,
    /// What could not be mapped.
    pub unmapped: Vec<Unmapped>,
    /// SHA-256 of the workbook's bytes.
    pub sha256: String,
}

impl Import {
    /// The draft plan TOML; `source` is the workbook path as the plan should record it
    /// (relative to the plan file) and `origin` the file name for the header comment.
    pub fn to_toml(&self, source: &str) -> String {
        draft::render(self, source)
    }
}

/// Reads `path` and maps its sheets for `standard` (a catalog standard id; when `None`, the
/// standard whose Chinese name appears in the file name).
pub fn import_workbook(
    path: &Path,
    catalog: &Catalog,
    standard: Option<&str>,
    sheet_map: &[SheetMapEntry],
) -> Result<Import, String> {
    let standard = choose_standard(path, catalog, standard)?.clone();
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let sha256 = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let sheets = read_workbook(path)?;
    let mut import = Import {
        standard,
        items: Vec::new(),
        unmapped: Vec::new(),
        sha256,
    };
    for entry in sheet_map {
        let name = match entry {
            SheetMapEntry::Sheet(name, _)
            | SheetMapEntry::Column(name, _, _)
            | SheetMapEntry::HeaderRow(name, _) => name,
        };
        if !sheets.iter().any(|s| &s.name == name) {
            let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "--sheet-map names sheet '{name}', which {} does not have; its sheets: {}",
                path.display(),
                names.join(", ")
            ));
        }
    }
    for sheet in &sheets {
        import_sheet(&mut import, sheet, sheet_map);
    }
    Ok(import)
}

fn choose_standard<'c>(
    path: &Path,
    catalog: &'c Catalog,
    standard: Option<&str>,
) -> Result<&'c Standard, String> {
    let known = || {
        catalog
            .standards
            .iter()
            .map(|s| format!("{} ({})", s.id, s.name_zh))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(id) = standard {
        return catalog
            .standard(id)
            .ok_or_else(|| format!("unknown standard `{id}`; known: {}", known()));
    }
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy())
        .unwrap_or_default();
    let mut found = catalog
        .standards
        .iter()
        .filter(|s| file.contains(&s.name_zh));
    match (found.next(), found.next()) {
        (Some(s), None) => Ok(s),
        _ => Err(format!(
            "cannot tell the standard from the file name {file:?}; give --standard (known: {})",
            known()
        )),
    }
}

fn plan_sheet(sheet: &SheetData, sheet_map: &[SheetMapEntry]) -> Option<Sheet> {
    sheet_map
        .iter()
        .find_map(|e| match e {
            SheetMapEntry::Sheet(name, key) if *name == sheet.name => Some(*key),
            _ => None,
        })
        .or_else(|| Sheet::parse(sheet.name.trim()))
}

fn header_of(sheet: &SheetData, sheet_map: &[SheetMapEntry]) -> Option<Header> {
    let forced_row = sheet_map.iter().find_map(|e| match e {
        SheetMapEntry::HeaderRow(name, row) if *name == sheet.name => Some(*row),
        _ => None,
    });
    let mut header = match forced_row {
        Some(row) => Header {
            row,
            columns: headings::roles_in_row(sheet, row),
        },
        None => find_header(sheet).unwrap_or(Header {
            row: u32::MAX,
            columns: Vec::new(),
        }),
    };
    for entry in sheet_map {
        if let SheetMapEntry::Column(name, role, column) = entry {
            if *name == sheet.name {
                header.set(*role, *column);
            }
        }
    }
    (header.row != u32::MAX && header.column(Role::Name).is_some()).then_some(header)
}

fn import_sheet(import: &mut Import, sheet: &SheetData, sheet_map: &[SheetMapEntry]) {
    let mut report = |cell: Option<String>, message: String| {
        import.unmapped.push(Unmapped {
            sheet: sheet.name.clone(),
            cell,
            message,
        })
    };
    if sheet.last_row().is_none() {
        return;
    }
    let Some(plan_sheet) = plan_sheet(sheet, sheet_map) else {
        let keys: Vec<String> = Sheet::ALL
            .iter()
            .map(|s| format!("{} ({})", s.name_zh(), s.key()))
            .collect();
        report(
            None,
            format!(
                "not one of the standard's sheets ({}); map it with --sheet-map 'NAME=climate'",
                keys.join(", ")
            ),
        );
        return;
    };
    if import.standard.sheets.get(plan_sheet) == Requirement::NotRequired {
        report(
            None,
            format!(
                "sheet {} is not part of standard {} (not required); not imported",
                plan_sheet.name_zh(),
                import.standard.id
            ),
        );
        return;
    }
    let Some(header) = header_of(sheet, sheet_map) else {
        report(
            Some("A1".to_string()),
            "no header row with 测试项目 / Test item and two more known headings (序号, 测试条件, \
             判定标准, 测试结果, 备注 …) in the first rows; give --sheet-map 'NAME!header=ROW' and \
             'NAME!ROLE=COLUMN'"
                .to_string(),
        );
        return;
    };
    if header.column(Role::Result).is_none() {
        report(
            Some(cell_name(0, header.row + 1)),
            "the header has no result column (测试结果 / Result); the items are imported but \
             nothing is filled in; give --sheet-map 'NAME!result=COLUMN'"
                .to_string(),
        );
    }
    let last = sheet.last_row().unwrap_or(header.row);
    for row in header.row + 1..=last {
        import_row(import, sheet, plan_sheet, &header, row);
    }
}

/// The text of a role's cell in a row: a cell inside a region merged down its column gives the
/// region's text (reported once, at the region).
fn role_text(sheet: &SheetData, header: &Header, role: Role, row: u32) -> String {
    let Some(column) = header.column(role) else {
        return String::new();
    };
    match sheet.merge_at(row, column) {
        Some(merge) if merge.start.1 == column => sheet.text(merge.start.0, column),
        Some(_) => String::new(),
        None => sheet.text(row, column),
    }
}

/// The region merged across the row's id and name cells (a section heading), if any.
fn heading_merge<'s>(sheet: &'s SheetData, header: &Header, row: u32) -> Option<&'s Merge> {
    let name = header.column(Role::Name)?;
    let other = header.column(Role::Id).unwrap_or(0);
    sheet
        .merge_at(row, name)
        .filter(|m| m.covers(row, other) && name != other)
}

fn import_row(
    import: &mut Import,
    sheet: &SheetData,
    plan_sheet: Sheet,
    header: &Header,
    row: u32,
) {
    let excel_row = row + 1;
    let texts: Vec<String> = header
        .columns
        .iter()
        .map(|(role, _)| role_text(sheet, header, *role, row))
        .collect();
    let whole_row_blank =
        (0..=sheet.last_column().unwrap_or(0)).all(|c| sheet.text(row, c).is_empty());
    if whole_row_blank && texts.iter().all(String::is_empty) {
        return;
    }
    if let Some(merge) = heading_merge(sheet, header, row) {
        if merge.start.0 == row {
            import.unmapped.push(Unmapped {
                sheet: sheet.name.clone(),
                cell: Some(merge.name()),
                message: format!(
                    "section heading, not an item: {:?}",
                    sheet.text(merge.start.0, merge.start.1)
                ),
            });
        }
        return;
    }
    let name = role_text(sheet, header, Role::Name, row);
    let id_column = header.column(Role::Id);
    let source_id = id_column.map_or(String::new(), |c| sheet.text(row, c));
    let mut unmapped = Vec::new();
    let mut note = |cell: String, message: String| {
        unmapped.push(Unmapped {
            sheet: sheet.name.clone(),
            cell: Some(cell),
            message,
        })
    };
    for (role, column) in &header.columns {
        if let Some(merge) = sheet.merge_at(row, *column) {
            if merge.spans_rows() && merge.start.0 == row {
                let what = match role {
                    Role::Result | Role::Measured | Role::Note => {
                        "only its first row is filled in".to_string()
                    }
                    _ => format!(
                        "its text is used for each of rows {}–{}",
                        merge.start.0 + 1,
                        merge.end.0 + 1
                    ),
                };
                note(
                    merge.name(),
                    format!("{} cells merged across rows: {what}", role.key()),
                );
            }
        }
    }
    let id_cell = cell_name(id_column.unwrap_or(0), excel_row);
    let outcome = if name.is_empty() && source_id.is_empty() {
        let first = (0..=sheet.last_column().unwrap_or(0))
            .map(|c| sheet.text(row, c))
            .find(|t| !t.is_empty())
            .unwrap_or_default();
        Err(format!(
            "row has no id and no test item (a section heading?): {first:?}"
        ))
    } else if source_id.is_empty() {
        Err(format!("row has no id (测试项目 {name:?}); not imported"))
    } else if name.is_empty() {
        Err(format!(
            "row {source_id:?} has no test item name; not imported"
        ))
    } else {
        Ok(())
    };
    if let Err(message) = outcome {
        note(id_cell.clone(), message);
        import.unmapped.extend(unmapped);
        return;
    }
    let id = plan_id(plan_sheet, &source_id);
    if import.items.iter().any(|i| i.id == id) {
        note(
            id_cell,
            format!("id {source_id:?} repeats an earlier row of this sheet ({id}); not imported"),
        );
        import.unmapped.extend(unmapped);
        return;
    }
    let fill_column = |role: Role, note: &mut dyn FnMut(String, String)| {
        let column = header.column(role)?;
        match sheet.merge_at(row, column) {
            Some(merge) if merge.start.0 != row || merge.start.1 != column => {
                note(
                    cell_name(column, excel_row),
                    format!(
                        "{} cell is inside merged {} (not its top-left); left empty",
                        role.key(),
                        merge.name()
                    ),
                );
                None
            }
            _ => Some(column),
        }
    };
    let result = fill_column(Role::Result, &mut note);
    let measured = fill_column(Role::Measured, &mut note);
    let note_column = fill_column(Role::Note, &mut note);
    import.unmapped.extend(unmapped);
    import.items.push(ImportedItem {
        id,
        source_id,
        sheet: plan_sheet,
        worksheet: sheet.name.clone(),
        row: excel_row,
        name,
        conditions: role_text(sheet, header, Role::Conditions, row),
        criterion: role_text(sheet, header, Role::Criterion, row),
        result,
        measured,
        note: note_column,
    });
}

/// `CLM-001` from `1`; `CLM-2.1` from `2.1`; other characters become `_`.
fn plan_id(sheet: Sheet, source: &str) -> String {
    let prefix = sheet.id_prefix();
    match source.parse::<u32>() {
        Ok(n) => format!("{prefix}-{n:03}"),
        Err(_) => {
            let safe: String = source
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                        c
                    } else {
                        '_'
                    }
                })
                .take(40)
                .collect();
            format!("{prefix}-{safe}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_map_entries_parse() {
        assert_eq!(
            SheetMapEntry::parse("气候环境=climate"),
            Ok(SheetMapEntry::Sheet("气候环境".into(), Sheet::Climate))
        );
        assert_eq!(
            SheetMapEntry::parse("气候环境!result=G"),
            Ok(SheetMapEntry::Column("气候环境".into(), Role::Result, 6))
        );
        assert_eq!(
            SheetMapEntry::parse("气候环境!header=3"),
            Ok(SheetMapEntry::HeaderRow("气候环境".into(), 2))
        );
        for bad in ["x", "x=oven", "x!verdict=F", "x!result=F1", "x!header=0"] {
            assert!(SheetMapEntry::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_are_prefixed_and_safe() {
        assert_eq!(plan_id(Sheet::Climate, "1"), "CLM-001");
        assert_eq!(plan_id(Sheet::Coating, "2.1"), "COT-2.1");
        assert_eq!(plan_id(Sheet::Function, "A 3/4"), "FUN-A_3_4");
    }

    #[test]
    fn unmapped_names_sheet_and_cell() {
        let u = Unmapped {
            sheet: "气候类可靠性".into(),
            cell: Some("B12".into()),
            message: "row has no id".into(),
        };
        assert_eq!(u.to_string(), "'气候类可靠性'!B12: row has no id");
    }
}
