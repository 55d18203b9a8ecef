//! The camera checklist of a run, built only from the journal: each checklist row gathers the
//! plan's criteria on the measurements that row is about, across the plan's camera items, and
//! shows what the journal recorded for them (value, requirement, verdict). Nothing is judged
//! here: a row's verdict is the worst of the recorded criterion verdicts, held down by an item
//! whose own verdict is an error or not tested with a reason (a step that failed or was
//! stopped). Items without a result are named in the row's note; a row none of whose items ran
//! is *not tested*.

use crate::journal::{ItemResult, RunState};
use crate::judge::{Criterion, CriterionOutcome, Verdict};
use crate::plan::rig_step::CameraMode;
use crate::plan::{Item, Plan, RigKind, RigStep};

use super::checklist::{CameraCheck, CameraChecklist, CheckOutcome};
use super::wording::{aggregated_value, requirement_words, Measure};

/// The camera measurements each checklist row gathers. The dual-stream row takes every camera
/// criterion of an item that streams two or more streams at once (see [`streams_at_once`]).
fn measurements_of(check: CameraCheck) -> &'static [&'static str] {
    match check {
        CameraCheck::OpenClose => &["open_failures", "failed_cycles", "cycles_done"],
        CameraCheck::FirstFrame => &["first_frame_ms"],
        CameraCheck::SoakFps => &["fps", "fps_rgb", "fps_ir", "fps_depth"],
        CameraCheck::DropRate => &["drop_rate", "drop_rate_upper", "device_drops"],
        CameraCheck::Stalls => &["stalls", "usb_reenum"],
        CameraCheck::ErrorFrames => &["bad_frames"],
        CameraCheck::FrozenBlack => &["frozen_frames", "dark_frames"],
        CameraCheck::Exposure => &["luma_mean", "luma_frame_min", "luma_frame_max"],
        CameraCheck::ResourceTrend => &["rss_slope", "fd_slope"],
        CameraCheck::DualStream => &[],
        CameraCheck::FormatSwitch => &["switches_done", "switch_failures", "switch_wrong_frames"],
    }
}

/// The checklist for the run's units (one model's samples): every sample's results feed each
/// row, so a row passes only when it passes on every sample, and with several samples each
/// figure names its sample. A row no camera criterion of the plan feeds stays *not tested*
/// ("not run").
pub fn checklist_from_run(plan: &Plan, state: &RunState) -> CameraChecklist {
    let mut checklist = CameraChecklist {
        vendor: state.first_unit().vendor.clone(),
        model: state.first_unit().model.clone(),
        device_sn: joined(state, |u| &u.device_sn),
        camera_serial: joined(state, |u| &u.camera_sn),
        camera_model: camera_models(state),
        source: state.station.clone(),
        tested: format!(
            "{} – {} UTC",
            state.started_utc.format("%F %T"),
            state.last_utc.format("%F %T")
        ),
        ..CameraChecklist::default()
    };
    let camera_items: Vec<&Item> = plan
        .items
        .iter()
        .filter(|i| i.rigs_needed().contains(&RigKind::Camera))
        .collect();
    for check in CameraCheck::ALL {
        let several = state.units.len() > 1;
        let entries: Vec<Entry> = state
            .samples()
            .flat_map(|(sample, _)| {
                camera_items.iter().flat_map(move |item| {
                    let result = state.result(&item.id, sample);
                    item.criteria
                        .iter()
                        .enumerate()
                        .filter(move |(_, c)| row_takes(check, item, c))
                        .map(move |(index, c)| {
                            let entry = Entry::new(item, index, c, result);
                            match several {
                                true => entry.of_sample(sample),
                                false => entry,
                            }
                        })
                })
            })
            .collect();
        if let Some(outcome) = combine(&entries) {
            checklist.outcomes.insert(check, outcome);
        }
    }
    checklist
}

/// The camera models the units name, each once, in sample order, separated by commas.
fn camera_models(state: &RunState) -> String {
    let mut models: Vec<&str> = Vec::new();
    for model in state.units.iter().filter_map(|u| u.camera_model.as_deref()) {
        if !models.contains(&model) {
            models.push(model);
        }
    }
    models.join(", ")
}

/// One field of every unit, in sample order, separated by commas.
fn joined(state: &RunState, field: fn(&crate::unit::Unit) -> &String) -> String {
    let values: Vec<&str> = state.units.iter().map(|u| field(u).as_str()).collect();
    values.join(", ")
}

/// True when `criterion` of `item` belongs on the row of `check`.
fn row_takes(check: CameraCheck, item: &Item, criterion: &Criterion) -> bool {
    if !camera_measures(item, &criterion.measurement) {
        return false;
    }
    match check {
        CameraCheck::DualStream => streams_at_once(item),
        _ => measurements_of(check).contains(&criterion.measurement.as_str()),
    }
}

/// True when one of the item's camera steps produces `measurement`.
fn camera_measures(item: &Item, measurement: &str) -> bool {
    item.steps.iter().any(|s| {
        matches!(&s.rig, Some(RigStep::Camera(_)))
            && s.produces.iter().any(|m| m.name == measurement)
    })
}

/// True when a camera step of the item streams two or more streams at the same time.
fn streams_at_once(item: &Item) -> bool {
    item.steps.iter().any(|s| match &s.rig {
        Some(RigStep::Camera(stress)) => {
            stress.streams.len() >= 2
                && matches!(
                    stress.mode,
                    CameraMode::Soak | CameraMode::Monitor | CameraMode::StreamCheck
                )
        }
        _ => false,
    })
}

/// One criterion of one item on a checklist row, as the journal recorded it.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    /// The item has a result.
    ran: bool,
    figure: String,
    limit: String,
    verdict: Verdict,
    note: Option<String>,
}

impl Entry {
    /// The entry as one of several samples' figures: the figure names its sample.
    fn of_sample(self, sample: u32) -> Entry {
        Entry {
            figure: format!("sample {sample}: {}", self.figure),
            ..self
        }
    }

    /// The entry for the `index`-th criterion of `item`, from its latest result (if any).
    fn new(item: &Item, index: usize, criterion: &Criterion, result: Option<&ItemResult>) -> Entry {
        let measure = Measure::of(item, &criterion.measurement);
        let label = format!("{} {}", item.id, measure.label());
        let limit = format!("{label}: {}", requirement_words(criterion, &measure));
        let Some(result) = result else {
            return Entry {
                ran: false,
                figure: format!("{label}: —"),
                limit: limit.clone(),
                verdict: Verdict::NotTested,
                note: Some(format!("{}: not run", item.id)),
            };
        };
        let Some(outcome) = recorded_outcome(result, index, criterion) else {
            return Entry {
                ran: true,
                figure: format!("{label}: —"),
                limit: limit.clone(),
                verdict: result.verdict,
                note: Some(item_note(result)),
            };
        };
        // An item whose step failed or was cut short is an error or not tested whatever its
        // partial figures say: a criterion on them cannot pass.
        let held_down = result.reason.is_some()
            && matches!(result.verdict, Verdict::Error | Verdict::NotTested);
        let verdict = if held_down {
            Verdict::worst([outcome.verdict, result.verdict]).unwrap_or(result.verdict)
        } else {
            outcome.verdict
        };
        let note = if held_down {
            Some(item_note(result))
        } else {
            outcome
                .reason
                .as_ref()
                .map(|reason| format!("{label}: {reason}"))
        };
        Entry {
            ran: true,
            figure: format!(
                "{label}: {}",
                value_text(criterion, &measure, outcome.value)
            ),
            limit,
            verdict,
            note,
        }
    }
}

/// The recorded outcome of the `index`-th plan criterion: at the same position when the
/// measurement matches there, else the first with the same measurement and requirement.
fn recorded_outcome<'r>(
    result: &'r ItemResult,
    index: usize,
    criterion: &Criterion,
) -> Option<&'r CriterionOutcome> {
    result
        .criteria
        .get(index)
        .filter(|o| o.measurement == criterion.measurement)
        .or_else(|| {
            let requirement = criterion.requirement();
            result
                .criteria
                .iter()
                .find(|o| o.measurement == criterion.measurement && o.requirement == requirement)
        })
}

/// `<item>: <verdict> — <reason>` for an item-level verdict.
fn item_note(result: &ItemResult) -> String {
    match &result.reason {
        Some(reason) => format!("{}: {} — {reason}", result.item, result.verdict),
        None => format!("{}: {}", result.item, result.verdict),
    }
}

/// A recorded value as the sheet shows it: aggregated, rounded and in its unit, as the
/// workbook shows it (`mean 30 fps`, `99.2 %`); `—` when nothing was recorded.
fn value_text(criterion: &Criterion, measure: &Measure<'_>, value: Option<f64>) -> String {
    value.map_or("—".to_string(), |v| {
        aggregated_value(criterion, measure, v)
    })
}

/// A row from its entries: lines of figures and limits of the items that ran, their worst
/// verdict, and distinct notes (naming the items that did not run). A row whose items all did
/// not run is not tested, with the limits it would have been judged on.
fn combine(entries: &[Entry]) -> Option<CheckOutcome> {
    if entries.is_empty() {
        return None;
    }
    let ran: Vec<&Entry> = entries.iter().filter(|e| e.ran).collect();
    let notes = distinct(entries.iter().filter_map(|e| e.note.as_deref()));
    let shown: Vec<&Entry> = if ran.is_empty() {
        entries.iter().collect()
    } else {
        ran.clone()
    };
    // Several samples share their limits: each text is shown once.
    let lines = |part: fn(&Entry) -> &str| distinct(shown.iter().map(|e| part(e))).join("\n");
    Some(CheckOutcome {
        figures: if ran.is_empty() {
            "—".to_string()
        } else {
            lines(|e| &e.figure)
        },
        limit: lines(|e| &e.limit),
        verdict: Verdict::worst(ran.iter().map(|e| e.verdict)).unwrap_or(Verdict::NotTested),
        note: notes.join("\n"),
    })
}

/// Each text once, in the order they first come.
fn distinct<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut kept: Vec<&str> = Vec::new();
    for text in texts {
        if !kept.contains(&text) {
            kept.push(text);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::journal::ResultSource;

    fn shipped() -> Plan {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testplans/camera-checklist.toml"
        );
        let text = std::fs::read_to_string(path).unwrap();
        crate::plan::parse_plan(&text, path, &Catalog::builtin()).unwrap()
    }

    fn result(verdict: Verdict, reason: Option<&str>, outcome: CriterionOutcome) -> ItemResult {
        ItemResult {
            item: "CAM-003".into(),
            sample: 1,
            device_sn: String::new(),
            verdict,
            source: ResultSource::Measured,
            operator: String::new(),
            measurements: Vec::new(),
            criteria: vec![outcome],
            operator_verdict: None,
            reason: reason.map(str::to_string),
            note: String::new(),
            attachments: Vec::new(),
        }
    }

    #[test]
    fn a_failed_or_cut_short_item_never_passes_its_rows() {
        let plan = shipped();
        let item = plan.item("CAM-003").unwrap();
        let criterion = &item.criteria[0];
        let outcome = |verdict| CriterionOutcome {
            measurement: criterion.measurement.clone(),
            value: Some(30.0),
            verdict,
            marginal: false,
            requirement: criterion.requirement(),
            reason: None,
        };
        let passed = result(Verdict::Pass, None, outcome(Verdict::Pass));
        let entry = Entry::new(item, 0, criterion, Some(&passed));
        assert_eq!(entry.verdict, Verdict::Pass);
        assert_eq!(entry.figure, "CAM-003 帧率 frame rate: mean 30.0 fps");
        assert_eq!(entry.limit, "CAM-003 帧率 frame rate: mean 28.5 … 31.5 fps");
        // The camera vanished mid-step: the figures so far pass, the row is an error.
        let lost = result(
            Verdict::Error,
            Some("camera synthetic:rgb disconnected"),
            outcome(Verdict::Pass),
        );
        let entry = Entry::new(item, 0, criterion, Some(&lost));
        assert_eq!(entry.verdict, Verdict::Error);
        assert!(entry.note.unwrap().contains("disconnected"));
        // A failure found before the error stands.
        let failed = result(Verdict::Error, Some("lost"), outcome(Verdict::NoPass));
        let entry = Entry::new(item, 0, criterion, Some(&failed));
        assert_eq!(entry.verdict, Verdict::NoPass);
        // Not run: not tested, and named.
        let missing = Entry::new(item, 0, criterion, None);
        assert_eq!((missing.ran, missing.verdict), (false, Verdict::NotTested));
        let row = combine(&[
            Entry::new(item, 0, criterion, Some(&passed)),
            missing.clone(),
        ])
        .unwrap();
        assert_eq!(row.verdict, Verdict::Pass);
        assert_eq!(row.figures, "CAM-003 帧率 frame rate: mean 30.0 fps");
        assert_eq!(row.note, "CAM-003: not run");
        let row = combine(&[missing]).unwrap();
        assert_eq!(
            (row.verdict, row.figures.as_str()),
            (Verdict::NotTested, "—")
        );
        assert!(combine(&[]).is_none());
    }

    #[test]
    fn a_row_of_several_samples_fails_when_one_sample_fails_and_names_each_sample() {
        let plan = shipped();
        let item = plan.item("CAM-003").unwrap();
        let criterion = &item.criteria[0];
        let outcome = |verdict, value| CriterionOutcome {
            measurement: criterion.measurement.clone(),
            value: Some(value),
            verdict,
            marginal: false,
            requirement: criterion.requirement(),
            reason: None,
        };
        let first = result(Verdict::Pass, None, outcome(Verdict::Pass, 30.0));
        let second = result(Verdict::NoPass, None, outcome(Verdict::NoPass, 24.0));
        let row = combine(&[
            Entry::new(item, 0, criterion, Some(&first)).of_sample(1),
            Entry::new(item, 0, criterion, Some(&second)).of_sample(2),
        ])
        .unwrap();
        assert_eq!(row.verdict, Verdict::NoPass);
        assert_eq!(
            row.figures,
            "sample 1: CAM-003 帧率 frame rate: mean 30.0 fps\nsample 2: CAM-003 帧率 frame rate: mean 24.0 fps"
        );
        assert_eq!(row.limit, "CAM-003 帧率 frame rate: mean 28.5 … 31.5 fps");
    }

    #[test]
    fn values_are_written_as_the_workbook_writes_them() {
        let plan = shipped();
        let item = plan.item("CAM-003").unwrap();
        let criterion = &item.criteria[0];
        let measure = Measure::of(item, &criterion.measurement);
        assert_eq!(
            value_text(criterion, &measure, Some(29.96)),
            "mean 30.0 fps"
        );
        assert_eq!(value_text(criterion, &measure, None), "—");
    }
}
