//! The status of every plan item on every sample of a model, the counts per sheet and the
//! overall verdict: the one place that decides what each report shows for an item.
//!
//! An item's verdict for a model merges its samples' verdicts with [`merge_samples`].

use crate::catalog::{Sheet, Standard};
use crate::journal::{ItemResult, RunState};
use crate::judge::{Verdict, VerdictCounts};
use crate::plan::{Item, Plan};

use super::model::Model;

/// What the reports show for one item on one sample.
#[derive(Debug, Clone)]
pub struct SampleStatus<'a> {
    /// The run-wide sample number (from 1).
    pub sample: u32,
    /// Its verdict on this sample.
    pub verdict: Verdict,
    /// Why, when the verdict needs a reason (NA, not tested, error, corrections).
    pub reason: Option<String>,
    /// The latest result on this sample, when the item applies and was run on it.
    pub result: Option<&'a ItemResult>,
}

/// An item that asks for more samples than the model has in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleShortfall {
    /// Samples of the model in the run.
    pub run: usize,
    /// Samples the plan asks for (`sample_qty`).
    pub asked: u32,
}

impl SampleShortfall {
    /// `2 of 3 samples`, for the reports.
    pub fn text(&self) -> String {
        format!("样品不足 {} of {} samples", self.run, self.asked)
    }
}

/// What the reports show for one item of a model.
#[derive(Debug, Clone)]
pub struct ItemStatus<'a> {
    /// The plan item.
    pub item: &'a Item,
    /// Its verdict for the model: [`merge_samples`] of the sample verdicts.
    pub verdict: Verdict,
    /// One status per sample of the model, in sample order.
    pub samples: Vec<SampleStatus<'a>>,
    /// Set when the item's `sample_qty` is larger than the model's samples in the run.
    pub shortfall: Option<SampleShortfall>,
}

impl ItemStatus<'_> {
    /// The reasons of the samples, each once, in sample order, joined by `; `.
    pub fn reason(&self) -> Option<String> {
        let mut reasons: Vec<&str> = Vec::new();
        for reason in self.samples.iter().filter_map(|s| s.reason.as_deref()) {
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }
}

/// The verdict of an item over several samples, from each sample's verdict (a sample without
/// a result counts as `not tested`):
///
/// 1. `no pass` when any sample failed: a failure on one sample fails the model, whatever the
///    others show;
/// 2. else `error` when any sample's result could not be judged (harness or rig fault): the
///    model cannot pass before that sample is re-run;
/// 3. else `not tested` when any sample was not tested (so no model passes on fewer samples
///    than it brought);
/// 4. else `pass` when any sample passed (samples where the item does not apply, `NA`, do not
///    count against the others);
/// 5. else `NA` (the item applies to none of the samples).
///
/// No samples at all is `not tested`. This is [`Verdict::worst`] over the samples, whose
/// severity order is exactly this list.
pub fn merge_samples<I: IntoIterator<Item = Verdict>>(verdicts: I) -> Verdict {
    Verdict::worst(verdicts).unwrap_or(Verdict::NotTested)
}

/// Decides an item's status on one sample: not applicable to the sample's device type → NA;
/// else its latest result on that sample; else not tested.
fn sample_status<'a>(
    item: &'a Item,
    state: &'a RunState,
    sample: u32,
    device_type: &str,
) -> SampleStatus<'a> {
    if !item.applies_to_device(device_type) {
        return SampleStatus {
            sample,
            verdict: Verdict::NotApplicable,
            reason: Some(format!("not applicable to {device_type}")),
            result: None,
        };
    }
    match state.result(&item.id, sample) {
        Some(result) => SampleStatus {
            sample,
            verdict: result.verdict,
            reason: result.reason.clone(),
            result: Some(result),
        },
        None => SampleStatus {
            sample,
            verdict: Verdict::NotTested,
            reason: Some("not run".to_string()),
            result: None,
        },
    }
}

/// Decides an item's status for a model: each sample's status, merged by [`merge_samples`],
/// and the sample shortfall when the item applies to the model and the plan asks for more
/// samples than the model has.
pub fn item_status<'a>(item: &'a Item, state: &'a RunState, model: &Model) -> ItemStatus<'a> {
    let samples: Vec<SampleStatus<'a>> = model
        .samples
        .iter()
        .map(|(sample, unit)| sample_status(item, state, *sample, &unit.device_type))
        .collect();
    let verdict = merge_samples(samples.iter().map(|s| s.verdict));
    let run = model.samples.len();
    let applies = model
        .samples
        .iter()
        .any(|(_, unit)| item.applies_to_device(&unit.device_type));
    let shortfall = (applies && run < item.sample_qty as usize).then_some(SampleShortfall {
        run,
        asked: item.sample_qty,
    });
    ItemStatus {
        item,
        verdict,
        samples,
        shortfall,
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
    model: &Model,
) -> Vec<SheetStatus<'a>> {
    standard
        .sheets
        .applicable()
        .into_iter()
        .map(|sheet| {
            let items: Vec<ItemStatus<'a>> = plan
                .items_of(sheet)
                .map(|item| item_status(item, state, model))
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

/// Counts over all applicable sheets of one sample's verdicts: what that sample alone shows.
pub fn sample_counts(sheets: &[SheetStatus<'_>], sample: u32) -> VerdictCounts {
    sheets
        .iter()
        .flat_map(|s| &s.items)
        .flat_map(|i| &i.samples)
        .filter(|s| s.sample == sample)
        .map(|s| s.verdict)
        .collect()
}

/// The items of the sheets that ask for more samples than the model has, in sheet order.
pub fn shortfalls<'s, 'a>(
    sheets: &'s [SheetStatus<'a>],
) -> impl Iterator<Item = (&'s ItemStatus<'a>, SampleShortfall)> {
    sheets
        .iter()
        .flat_map(|s| &s.items)
        .filter_map(|i| i.shortfall.map(|f| (i, f)))
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
    #[test]
    fn samples_merge_worst_first() {
        use Verdict::*;
        let cases: [(&[Verdict], Verdict); 10] = [
            (&[], NotTested),
            (&[Pass], Pass),
            (&[Pass, NoPass], NoPass),
            (&[NoPass, NotTested], NoPass),
            (&[Error, NoPass], NoPass),
            (&[Pass, Error], Error),
            (&[NotTested, Error], Error),
            (&[Pass, NotTested], NotTested),
            (&[NotApplicable, Pass], Pass),
            (&[NotApplicable, NotApplicable], NotApplicable),
        ];
        for (samples, merged) in cases {
            assert_eq!(
                merge_samples(samples.iter().copied()),
                merged,
                "{samples:?}"
            );
            let reversed = samples.iter().rev().copied();
            assert_eq!(merge_samples(reversed), merged, "{samples:?} reversed");
        }
    }
}
