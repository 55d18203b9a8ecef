//! The status of every plan item, the counts per sheet and the overall verdict: the one place
//! that decides what each report shows for an item.

use crate::catalog::{Sheet, Standard};
use crate::journal::{ItemResult, RunState};
use crate::judge::{Verdict, VerdictCounts};
use crate::plan::{Item, Plan};

/// What the reports show for one item.
#[derive(Debug, Clone)]
pub struct ItemStatus<'a> {
    /// The plan item.
    pub item: &'a Item,
    /// Its verdict for this unit.
    pub verdict: Verdict,
    /// Why, when the verdict needs a reason (NA, not tested, error, corrections).
    pub reason: Option<String>,
    /// The latest result, when the item applies and was run.
    pub result: Option<&'a ItemResult>,
}

/// Decides an item's status: not applicable to the unit's device type → NA; else the latest
/// result in the journal; else not tested.
pub fn item_status<'a>(item: &'a Item, state: &'a RunState) -> ItemStatus<'a> {
    let device_type = &state.first_unit().device_type;
    if !item.applies_to_device(device_type) {
        return ItemStatus {
            item,
            verdict: Verdict::NotApplicable,
            reason: Some(format!("not applicable to {device_type}")),
            result: None,
        };
    }
    match state.result(&item.id, 1) {
        Some(result) => ItemStatus {
            item,
            verdict: result.verdict,
            reason: result.reason.clone(),
            result: Some(result),
        },
        None => ItemStatus {
            item,
            verdict: Verdict::NotTested,
            reason: Some("not run".to_string()),
            result: None,
        },
    }
}

/// The summary verdict of a sheet or a run: the worst item verdict ([`Verdict::worst`]), and
/// `not tested` when there are no items at all.
pub fn overall(counts: &VerdictCounts) -> Verdict {
    counts.overall().unwrap_or(Verdict::NotTested)
}

/// One applicable sheet with the status of each of its items.
#[derive(Debug, Clone)]
pub struct SheetStatus<'a> {
    /// The sheet.
    pub sheet: Sheet,
    /// Its items in plan order.
    pub items: Vec<ItemStatus<'a>>,
    /// Counts over those items.
    pub counts: VerdictCounts,
}

/// The status of the sheets that apply to the standard (required or optional), in workbook
/// order. Items of sheets the standard does not ask for are left out.
pub fn sheet_statuses<'a>(
    plan: &'a Plan,
    standard: &Standard,
    state: &'a RunState,
) -> Vec<SheetStatus<'a>> {
    standard
        .sheets
        .applicable()
        .into_iter()
        .map(|sheet| {
            let items: Vec<ItemStatus<'a>> = plan
                .items_of(sheet)
                .map(|item| item_status(item, state))
                .collect();
            let counts = items.iter().map(|s| s.verdict).collect();
            SheetStatus {
                sheet,
                items,
                counts,
            }
        })
        .collect()
}

/// Counts over all applicable sheets.
pub fn total_counts(sheets: &[SheetStatus<'_>]) -> VerdictCounts {
    let mut total = VerdictCounts::default();
    for sheet in sheets {
        total += sheet.counts;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overall_of_nothing_is_not_tested() {
        assert_eq!(overall(&VerdictCounts::default()), Verdict::NotTested);
        let only_na: VerdictCounts = [Verdict::NotApplicable].into_iter().collect();
        assert_eq!(overall(&only_na), Verdict::NotApplicable);
        let mixed: VerdictCounts = [Verdict::Pass, Verdict::Error, Verdict::NoPass]
            .into_iter()
            .collect();
        assert_eq!(overall(&mixed), Verdict::NoPass);
    }
}
