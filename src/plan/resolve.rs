//! Resolving the plan tree into a [`Plan`]: the `[plan]` header, the items, the categories, and
//! the checks that span the whole file (duplicate item ids).
//!
//! Every resolve function reports its problems to the [`Sink`] and keeps going, so that every
//! problem is found. It returns `None` when a problem leaves it without a value, and may fall back
//! to a default after reporting a bad optional field: neither reaches the caller, because a plan
//! is returned only when nothing at all was reported.

use std::collections::HashMap;

use super::category::resolve_categories;
use super::diagnostic::Sink;
use super::item::{resolve_item, ItemDraft, ItemId};
use super::reader::{Fields, Located, TableRef};
use super::template::resolve_template;
use super::units::is_known_unit;
use super::{Plan, SoftwareMode};
use crate::catalog::{Catalog, Requirement, Sheet, Standard};

const ROOT_KEYS: &[&str] = &["plan", "categories", "items", "template"];
const HEADER_KEYS: &[&str] = &["standard", "name_zh", "version", "notice", "software_mode"];

/// What items and categories are checked against.
#[derive(Debug, Clone, Copy)]
pub(super) struct Context<'c> {
    /// The catalog the plan is checked against.
    pub(super) catalog: &'c Catalog,
    /// The plan's standard, when it is in the catalog.
    pub(super) standard: Option<&'c Standard>,
}

/// Resolves a parsed plan document; `None` only after reporting a problem.
pub(super) fn resolve_document(
    sink: &mut Sink<'_>,
    root: TableRef<'_, '_>,
    catalog: &Catalog,
) -> Option<Plan> {
    let root = root.open(sink, ROOT_KEYS);
    let header = root.table(sink, "plan").map(|t| t.open(sink, HEADER_KEYS));
    let standard = header
        .as_ref()
        .and_then(|h| resolve_standard(sink, h, catalog));
    let context = Context { catalog, standard };
    let name_zh = header
        .as_ref()
        .and_then(|h| catalog_consistent(sink, h, "name_zh", standard.map(|s| s.name_zh.as_str())));
    let version = header
        .as_ref()
        .and_then(|h| catalog_consistent(sink, h, "version", standard.map(|s| s.version.as_str())));
    let notice = header.as_ref().and_then(|h| h.string(sink, "notice"));
    let software_mode = header.as_ref().and_then(|h| {
        h.opt_choice(
            sink,
            "software_mode",
            "software mode",
            &SoftwareMode::ALL.map(SoftwareMode::key),
            SoftwareMode::parse,
        )
        .map(Located::into_inner)
    });

    let item_tables = root.opt_tables(sink, "items");
    if item_tables.is_empty() && root.key_span("items").is_none() {
        root.report_missing(sink, "items", ": a plan needs at least one `[[items]]`");
    }
    let drafts: Vec<ItemDraft> = item_tables
        .into_iter()
        .map(|table| resolve_item(sink, table, context))
        .collect();
    let ids: Vec<&ItemId> = drafts.iter().filter_map(|d| d.id.as_ref()).collect();
    report_duplicate_ids(sink, &ids);
    let categories = resolve_categories(sink, &root, context, &ids);
    let template = resolve_template(sink, &root, &ids);

    let items = drafts.into_iter().map(|d| d.item).collect::<Option<_>>();
    Some(Plan {
        standard: standard?.id.clone(),
        name_zh: name_zh?,
        version: version?,
        notice: notice?.into_inner(),
        categories: categories?,
        items: items?,
        template: template?,
        software_mode,
    })
}

fn resolve_standard<'c>(
    sink: &mut Sink<'_>,
    header: &Fields<'_, '_>,
    catalog: &'c Catalog,
) -> Option<&'c Standard> {
    let id = header.name(sink, "standard")?;
    let standard = catalog.standard(id.get_ref());
    if standard.is_none() {
        let known: Vec<&str> = catalog.standards.iter().map(|s| s.id.as_str()).collect();
        sink.report(
            &id.span(),
            &header.path_of("standard"),
            format!(
                "standard `{}` is not in the catalog; known standards: {}",
                id.get_ref(),
                known.join(", ")
            ),
        );
    }
    standard
}

/// A required name that must equal what the catalog says for the plan's standard.
fn catalog_consistent(
    sink: &mut Sink<'_>,
    header: &Fields<'_, '_>,
    key: &str,
    expected: Option<&str>,
) -> Option<String> {
    let value = header.name(sink, key)?;
    match expected {
        Some(expected) if expected != value.get_ref() => {
            sink.report(
                &value.span(),
                &header.path_of(key),
                format!(
                    "`{}` differs from the catalog's `{expected}` for this standard; \
                     edit both together",
                    value.get_ref()
                ),
            );
            None
        }
        _ => Some(value.into_inner()),
    }
}

fn report_duplicate_ids(sink: &mut Sink<'_>, ids: &[&ItemId]) {
    let mut first_seen: HashMap<&str, &Located<String>> = HashMap::new();
    for id in ids {
        let text = id.id.get_ref().as_str();
        match first_seen.get(text) {
            Some(first) => {
                let line = sink.line_of(&first.span());
                sink.report(
                    &id.id.span(),
                    &id.field,
                    format!("duplicate item id `{text}` (first used on line {line})"),
                );
            }
            None => {
                first_seen.insert(text, &id.id);
            }
        }
    }
}

/// A sheet key (`climate` …), checked against the plan's standard.
pub(super) fn read_sheet(
    sink: &mut Sink<'_>,
    fields: &Fields<'_, '_>,
    key: &str,
    required: bool,
    context: Context<'_>,
) -> Option<Sheet> {
    let keys: Vec<&str> = Sheet::ALL.iter().map(|s| s.key()).collect();
    let parse = |text: &str| Sheet::ALL.into_iter().find(|s| s.key() == text);
    let sheet = if required {
        fields.choice(sink, key, "sheet", &keys, parse)
    } else {
        fields.opt_choice(sink, key, "sheet", &keys, parse)
    }?;
    if let Some(standard) = context.standard {
        if standard.sheets.get(*sheet.get_ref()) == Requirement::NotRequired {
            sink.report(
                &sheet.span(),
                &fields.path_of(key),
                format!(
                    "sheet `{}` is not part of standard `{}` (the catalog marks it not-required)",
                    sheet.get_ref().key(),
                    standard.id
                ),
            );
            return None;
        }
    }
    Some(sheet.into_inner())
}

/// A required unit, checked against the known units.
pub(super) fn read_unit(
    sink: &mut Sink<'_>,
    fields: &Fields<'_, '_>,
    key: &str,
) -> Option<Located<String>> {
    let unit = fields.string(sink, key)?;
    if !is_known_unit(unit.get_ref()) {
        sink.report(
            &unit.span(),
            &fields.path_of(key),
            format!(
                "unknown unit `{}`; the known units are listed in testplans/README.md",
                unit.get_ref()
            ),
        );
        return None;
    }
    Some(unit)
}
