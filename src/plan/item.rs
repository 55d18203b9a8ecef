//! Resolving one `[[items]]` table: its fields, parameters, steps and criteria, and the
//! device types it applies to.

use super::criterion::resolve_criterion;
use super::diagnostic::Sink;
use super::ranges;
use super::reader::{Fields, Located, TableRef};
use super::resolve::{read_sheet, read_unit, Context};
use super::step::{resolve_step, Produced, StepDraft};
use super::{Automation, DutState, Item, Parameter};

const ITEM_KEYS: &[&str] = &[
    "id",
    "sheet",
    "name_zh",
    "name_en",
    "method",
    "conditions",
    "automation",
    "equipment",
    "sample_qty",
    "dut_state",
    "evidence",
    "applies_to",
    "notes",
    "parameters",
    "steps",
    "criteria",
];
const PARAMETER_KEYS: &[&str] = &["name", "value", "unit", "tolerance"];

/// An item's id and the key path it was written at, for checks across items.
#[derive(Debug)]
pub(super) struct ItemId {
    /// Key path of the id (`items[3].id`).
    pub(super) field: String,
    /// The id as written.
    pub(super) id: Located<String>,
}

/// What resolving one item gave: its id even when the rest is broken.
#[derive(Debug)]
pub(super) struct ItemDraft {
    /// The id, when it is a non-empty string.
    pub(super) id: Option<ItemId>,
    /// The item, when nothing in it was wrong.
    pub(super) item: Option<Item>,
}

/// Resolves one item table.
pub(super) fn resolve_item(
    sink: &mut Sink<'_>,
    table: TableRef<'_, '_>,
    context: Context<'_>,
) -> ItemDraft {
    let f = table.open(sink, ITEM_KEYS);
    let id = f.name(sink, "id").map(|id| ItemId {
        field: f.path_of("id"),
        id,
    });
    let id_safe = id
        .as_ref()
        .is_some_and(|id| match id_problem(id.id.get_ref()) {
            Some(problem) => {
                sink.report(&id.id.span(), &id.field, problem);
                false
            }
            None => true,
        });
    let sheet = read_sheet(sink, &f, "sheet", true, context);
    let name_zh = f.name(sink, "name_zh");
    let name_en = f.name(sink, "name_en");
    let method = f.string(sink, "method");
    let conditions = f.string(sink, "conditions");
    let automation = f.choice(
        sink,
        "automation",
        "automation",
        &Automation::ALL.map(Automation::key),
        Automation::parse,
    );
    let equipment = plain_strings(f.opt_strings(sink, "equipment"));
    let sample_qty = ranges::opt_count(sink, &f, "sample_qty");
    let dut_state = f
        .opt_choice(
            sink,
            "dut_state",
            "DUT state",
            &DutState::ALL.map(DutState::key),
            DutState::parse,
        )
        .map_or(DutState::Powered, |s| s.into_inner());
    let evidence = plain_strings(f.opt_strings(sink, "evidence"));
    let applies_to = read_applies_to(sink, &f, context);
    let notes = f.opt_string(sink, "notes").map(|n| n.into_inner());
    // Resolve every parameter before combining, so a bad one does not hide the next.
    let parameters: Vec<Option<Parameter>> = f
        .opt_tables(sink, "parameters")
        .into_iter()
        .map(|t| resolve_parameter(sink, t))
        .collect();
    let steps: Vec<StepDraft> = f
        .opt_tables(sink, "steps")
        .into_iter()
        .map(|t| resolve_step(sink, t))
        .collect();
    let produced: Vec<&Produced> = steps.iter().flat_map(|s| &s.produced).collect();
    report_unit_conflicts(sink, &produced);
    let criteria_tables = f.opt_tables(sink, "criteria");
    if criteria_tables.is_empty() && never_judged(&steps) {
        sink.report(
            &f.span(),
            &f.path_of("criteria"),
            "the item has no criteria and no prompt step with `verdict = true`: it could never pass",
        );
    }
    let criteria: Vec<_> = criteria_tables
        .into_iter()
        .map(|t| resolve_criterion(sink, t, &produced))
        .collect();

    let item = (|| {
        id_safe.then_some(())?;
        Some(Item {
            id: id.as_ref()?.id.get_ref().clone(),
            sheet: sheet?,
            name_zh: name_zh?.into_inner(),
            name_en: name_en?.into_inner(),
            method: method?.into_inner(),
            conditions: conditions?.into_inner(),
            automation: automation?.into_inner(),
            equipment,
            sample_qty: sample_qty?.unwrap_or(1),
            dut_state,
            evidence,
            applies_to,
            notes: notes.unwrap_or_default(),
            parameters: parameters.into_iter().collect::<Option<_>>()?,
            steps: steps.into_iter().map(|s| s.step).collect::<Option<_>>()?,
            criteria: criteria.into_iter().collect::<Option<_>>()?,
        })
    })();
    ItemDraft { id, item }
}

/// The longest item id: ids name series folders and attachment files.
const MAX_ID_LEN: usize = 64;

/// Why `id` cannot be an item id, if it cannot. Ids become path components of the run directory
/// (`series/<id>/`, attachments), so only ASCII letters, digits, `-`, `_` and a `.` that does not
/// lead are allowed: no separators, no `..`, nothing a file system treats specially.
fn id_problem(id: &str) -> Option<String> {
    if id.len() > MAX_ID_LEN {
        return Some(format!(
            "item id is {} characters long; at most {MAX_ID_LEN} are allowed",
            id.len()
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "item id `{}` contains `{}`; use only ASCII letters, digits, `-`, `_` and `.` \
             (ids name folders in the run directory)",
            id.escape_debug(),
            bad.escape_debug()
        ));
    }
    if id.starts_with('.') {
        return Some(format!(
            "item id `{id}` starts with `.`; ids name folders in the run directory"
        ));
    }
    None
}

/// True when every step resolved and none asks the operator for a verdict.
fn never_judged(steps: &[StepDraft]) -> bool {
    steps
        .iter()
        .all(|s| s.step.as_ref().is_some_and(|step| !step.verdict))
}

/// Reports a measurement produced twice in one item with different units, at the second.
fn report_unit_conflicts(sink: &mut Sink<'_>, produced: &[&Produced]) {
    for (index, later) in produced.iter().enumerate() {
        let earlier = produced[..index]
            .iter()
            .find(|p| p.name.get_ref() == later.name.get_ref());
        if let Some(earlier) = earlier {
            if let (Some(first), Some(second)) = (&earlier.unit, &later.unit) {
                if first != second {
                    let line = sink.line_of(&earlier.name.span());
                    sink.report(
                        &later.name.span(),
                        &later.field,
                        format!(
                            "`{}` is produced in `{first}` on line {line} and in `{second}` here",
                            later.name.get_ref()
                        ),
                    );
                }
            }
        }
    }
}

fn plain_strings(strings: Option<Vec<Located<String>>>) -> Vec<String> {
    strings
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.into_inner())
        .collect()
}

/// Device-type ids, each in the catalog and under the plan's standard.
fn read_applies_to(sink: &mut Sink<'_>, f: &Fields<'_, '_>, context: Context<'_>) -> Vec<String> {
    let names = f.opt_strings(sink, "applies_to").unwrap_or_default();
    let path = f.path_of("applies_to");
    for (index, name) in names.iter().enumerate() {
        if let Some(problem) = device_type_problem(name.get_ref(), context) {
            sink.report(&name.span(), &format!("{path}[{index}]"), problem);
        }
    }
    plain_strings(Some(names))
}

fn device_type_problem(name: &str, context: Context<'_>) -> Option<String> {
    let catalog = context.catalog;
    let Some(device) = catalog.device_types.iter().find(|d| d.id == name) else {
        return Some(match catalog.device_type(name) {
            Some(device) => format!("use the device-type id `{}`, not its name", device.id),
            None => format!("unknown device type `{name}` (see `facebench plan list`)"),
        });
    };
    let standard = context.standard?;
    let theirs: Vec<&str> = device
        .standard
        .iter()
        .chain(device.variants.iter().map(|v| &v.standard))
        .map(String::as_str)
        .collect();
    if theirs.contains(&standard.id.as_str()) {
        return None;
    }
    Some(format!(
        "device type `{name}` falls under standard `{}`, not `{}`",
        theirs.join("` / `"),
        standard.id
    ))
}

fn resolve_parameter(sink: &mut Sink<'_>, table: TableRef<'_, '_>) -> Option<Parameter> {
    let f = table.open(sink, PARAMETER_KEYS);
    let name = f.name(sink, "name");
    let value = f.number(sink, "value");
    let unit = read_unit(sink, &f, "unit");
    let tolerance = f.opt_number(sink, "tolerance");
    if let Some(t) = tolerance.as_ref().filter(|t| *t.get_ref() < 0.0) {
        sink.report(&t.span(), &f.path_of("tolerance"), "must not be negative");
    }
    Some(Parameter {
        name: name?.into_inner(),
        value: value?.into_inner(),
        unit: unit?.into_inner(),
        tolerance: tolerance.map(|t| t.into_inner()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_safe_path_components() {
        for good in ["CLM-001", "a.b_c-9", "X", &"x".repeat(MAX_ID_LEN)] {
            assert_eq!(id_problem(good), None, "{good}");
        }
        for bad in [
            "../../../X",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "C:x",
            "CLM 001",
            "CLM-\u{202e}1",
            "温升",
            "a\0b",
            &"x".repeat(MAX_ID_LEN + 1),
        ] {
            assert!(id_problem(bad).is_some(), "{bad:?}");
        }
    }
}
