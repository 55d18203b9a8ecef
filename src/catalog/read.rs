//! Reading `catalog.toml` through the crate's one reader: standards, device types and their
//! usage variants, every unknown key, wrong type and dangling standard id reported at once.

use super::{Catalog, DeviceType, Requirement, Sheet, SheetRequirements, Standard, UsageVariant};
use crate::config::{Fields, Located, TableRef};
use crate::diagnostic::Sink;

const ROOT_KEYS: &[&str] = &["standards", "device_types"];
const STANDARD_KEYS: &[&str] = &[
    "id", "name_zh", "name_en", "version", "form", "plan", "sheets",
];
const DEVICE_KEYS: &[&str] = &["id", "name_zh", "name_en", "standard", "variants"];
const VARIANT_KEYS: &[&str] = &["usage", "name_zh", "standard"];

/// Resolves the catalog's root table; `None` only after reporting a problem.
pub(super) fn resolve_catalog(sink: &mut Sink<'_>, root: TableRef<'_, '_>) -> Option<Catalog> {
    let root = root.open(sink, ROOT_KEYS);
    let standards: Option<Vec<Standard>> = root
        .opt_tables(sink, "standards")
        .into_iter()
        .map(|table| resolve_standard(sink, table))
        .collect();
    let mut named = Vec::new();
    let device_types: Option<Vec<DeviceType>> = root
        .opt_tables(sink, "device_types")
        .into_iter()
        .map(|table| resolve_device(sink, table, &mut named))
        .collect();
    let standards = standards?;
    let ids: Vec<&str> = standards.iter().map(|s| s.id.as_str()).collect();
    for (field, standard) in named {
        if !ids.contains(&standard.get_ref().as_str()) {
            sink.report(
                &standard.span(),
                &field,
                format!(
                    "unknown standard `{}`; the catalog's standards are: {}",
                    standard.get_ref(),
                    ids.join(", ")
                ),
            );
        }
    }
    Some(Catalog {
        standards,
        device_types: device_types?,
    })
}

fn resolve_standard(sink: &mut Sink<'_>, table: TableRef<'_, '_>) -> Option<Standard> {
    let fields = table.open(sink, STANDARD_KEYS);
    let id = fields.name(sink, "id");
    let name_zh = fields.name(sink, "name_zh");
    let name_en = fields.name(sink, "name_en");
    let version = fields.name(sink, "version");
    let form = fields.opt_string(sink, "form");
    let plan = fields.name(sink, "plan");
    let sheets = fields
        .table(sink, "sheets")
        .map(|t| t.open(sink, &Sheet::ALL.map(Sheet::key)))
        .and_then(|t| resolve_sheets(sink, &t));
    Some(Standard {
        id: id?.into_inner(),
        name_zh: name_zh?.into_inner(),
        name_en: name_en?.into_inner(),
        version: version?.into_inner(),
        form: form.map(Located::into_inner),
        plan: plan?.into_inner(),
        sheets: sheets?,
    })
}

fn resolve_sheets(sink: &mut Sink<'_>, fields: &Fields<'_, '_>) -> Option<SheetRequirements> {
    let keys = Requirement::ALL.map(Requirement::key);
    let mut one = |sheet: Sheet| {
        fields
            .choice(sink, sheet.key(), "requirement", &keys, Requirement::parse)
            .map(Located::into_inner)
    };
    let climate = one(Sheet::Climate);
    let mechanical = one(Sheet::Mechanical);
    let coating = one(Sheet::Coating);
    let function = one(Sheet::Function);
    let performance = one(Sheet::Performance);
    Some(SheetRequirements {
        climate: climate?,
        mechanical: mechanical?,
        coating: coating?,
        function: function?,
        performance: performance?,
    })
}

/// A device type; each standard id it names is pushed to `named` with the key path that
/// names it, to be checked once every standard is read.
fn resolve_device(
    sink: &mut Sink<'_>,
    table: TableRef<'_, '_>,
    named: &mut Vec<(String, Located<String>)>,
) -> Option<DeviceType> {
    let fields = table.open(sink, DEVICE_KEYS);
    let id = fields.name(sink, "id");
    let name_zh = fields.name(sink, "name_zh");
    let name_en = fields.name(sink, "name_en");
    let standard = fields.opt_string(sink, "standard");
    if let Some(standard) = &standard {
        named.push((fields.path_of("standard"), standard.clone()));
    }
    let variants: Option<Vec<UsageVariant>> = fields
        .opt_tables(sink, "variants")
        .into_iter()
        .map(|table| {
            let variant = table.open(sink, VARIANT_KEYS);
            let usage = variant.name(sink, "usage");
            let name_zh = variant.name(sink, "name_zh");
            let standard = variant.name(sink, "standard")?;
            named.push((variant.path_of("standard"), standard.clone()));
            Some(UsageVariant {
                usage: usage?.into_inner(),
                name_zh: name_zh?.into_inner(),
                standard: standard.into_inner(),
            })
        })
        .collect();
    Some(DeviceType {
        id: id?.into_inner(),
        name_zh: name_zh?.into_inner(),
        name_en: name_en?.into_inner(),
        standard: standard.map(Located::into_inner),
        variants: variants?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Catalog, CatalogError, DEFAULT_CATALOG_TOML};

    fn problems(text: &str) -> Vec<String> {
        match Catalog::parse(text, "c.toml") {
            Ok(_) => Vec::new(),
            Err(CatalogError::Invalid(errors)) => {
                errors.0.iter().map(ToString::to_string).collect()
            }
            Err(other) => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn unknown_key_is_reported_with_a_suggestion() {
        let text = DEFAULT_CATALOG_TOML.replacen("name_en = ", "nam_en = ", 1);
        let errors = problems(&text);
        assert!(
            errors.iter().any(|e| e
                .contains("standards[0].nam_en: unknown key `nam_en` (did you mean `name_en`?)")),
            "{errors:?}"
        );
    }

    #[test]
    fn wrong_type_and_bad_requirement_are_reported_together() {
        let text = "[[standards]]\nid = \"a\"\nname_zh = \"甲\"\nname_en = \"a\"\nversion = 1.4\n\
                    plan = \"a.toml\"\nsheets = { climate = \"required\", mechanical = \"maybe\", \
                    coating = \"optional\", function = \"required\", performance = \"required\" }\n";
        let errors = problems(text);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(
            errors[0],
            "c.toml:5:11 standards[0].version: expected a string, found float"
        );
        assert!(
            errors[1].starts_with(
                "c.toml:7:47 standards[0].sheets.mechanical: unknown requirement `maybe`"
            ),
            "{errors:?}"
        );
    }
}
