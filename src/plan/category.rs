//! Resolving the `[[categories]]` tables: the evidence zips of the submission bundle.

use std::collections::HashMap;

use super::diagnostic::Sink;
use super::item::ItemId;
use super::reader::Fields;
use super::resolve::{read_sheet, Context};
use super::EvidenceCategory;

const CATEGORY_KEYS: &[&str] = &["number", "name", "items", "sheet"];

/// Number 1 of the bundle is the workbook itself, so categories start here.
const FIRST_CATEGORY_NUMBER: u32 = 2;

/// Resolves every category; `ids` are the item ids of the plan.
pub(super) fn resolve_categories(
    sink: &mut Sink<'_>,
    root: &Fields<'_, '_>,
    context: Context<'_>,
    ids: &[&ItemId],
) -> Option<Vec<EvidenceCategory>> {
    let mut first_line_of: HashMap<u32, usize> = HashMap::new();
    let categories: Vec<Option<EvidenceCategory>> = root
        .opt_tables(sink, "categories")
        .into_iter()
        .map(|table| {
            let category = table.open(sink, CATEGORY_KEYS);
            resolve_category(sink, &category, context, ids, &mut first_line_of)
        })
        .collect();
    categories.into_iter().collect()
}

fn resolve_category(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    context: Context<'_>,
    ids: &[&ItemId],
    first_line_of: &mut HashMap<u32, usize>,
) -> Option<EvidenceCategory> {
    let number = f.u32(sink, "number");
    if let Some(n) = &number {
        let line = sink.line_of(&n.span());
        if *n.get_ref() < FIRST_CATEGORY_NUMBER {
            sink.report(
                &n.span(),
                &f.path_of("number"),
                format!(
                    "number 1 is the workbook itself; categories start at {FIRST_CATEGORY_NUMBER}"
                ),
            );
        } else if let Some(first) = first_line_of.get(n.get_ref()) {
            sink.report(
                &n.span(),
                &f.path_of("number"),
                format!(
                    "duplicate category number {} (first used on line {first})",
                    n.get_ref()
                ),
            );
        } else {
            first_line_of.insert(*n.get_ref(), line);
        }
    }
    let name = f.name(sink, "name");
    let items = f.opt_strings(sink, "items").unwrap_or_default();
    let items_path = f.path_of("items");
    for (index, item) in items.iter().enumerate() {
        if !ids.iter().any(|id| id.id.get_ref() == item.get_ref()) {
            sink.report(
                &item.span(),
                &format!("{items_path}[{index}]"),
                format!("no item has id `{}`", item.get_ref()),
            );
        }
    }
    let sheet = read_sheet(sink, f, "sheet", false, context);
    if items.is_empty() && f.key_span("sheet").is_none() {
        sink.report(
            &f.span(),
            f.path(),
            "a category needs `items`, a `sheet`, or both, or it collects nothing",
        );
    }
    Some(EvidenceCategory {
        number: number?.into_inner(),
        name: name?.into_inner(),
        items: items.into_iter().map(|i| i.into_inner()).collect(),
        sheet,
    })
}
