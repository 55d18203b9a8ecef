//! `camera stress` flags as a short-hand for the checklist plan: `--duration` and `--cycles`
//! rewrite the matching camera step parameters in the plan's text (comments and layout kept, so
//! the run's plan snapshot shows exactly what ran), and `--mode` picks the items of that mode.

use std::ops::Range;
use std::time::Duration;

use super::StressMode;
use crate::config::{read_document, Fields};
use crate::diagnostic::{Diagnostics, Sink};
use crate::plan::rig_step::{CameraMode, CameraStress};
use crate::plan::{Item, Plan, RigStep};

/// Step parameters the flags set.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Shorthand {
    /// `--duration`: `duration_s` of every soak and stream-check step.
    pub duration: Option<Duration>,
    /// `--cycles`: `cycles` of every open/close step and `switches` of every switching step.
    pub cycles: Option<u32>,
}

/// One text replacement.
struct Edit {
    span: Range<usize>,
    text: String,
}

impl Shorthand {
    /// True when no flag changes the plan.
    pub fn is_empty(&self) -> bool {
        self.duration.is_none() && self.cycles.is_none()
    }

    /// The plan's text with the flags applied to its camera steps. `plan` is `text` resolved
    /// (read from `origin`). A step the flags apply to that has none of the keys they set is
    /// reported at its `params` table, by file, line and key path.
    pub fn apply(&self, text: &str, origin: &str, plan: &Plan) -> Result<String, Diagnostics> {
        let mut edits = read_document(text, origin, |sink, root| {
            let mut edits = Vec::new();
            let items = root.open_map().opt_tables(sink, "items");
            for (item, table) in plan.items.iter().zip(items) {
                let steps = table.open_map().opt_tables(sink, "steps");
                for (index, (step, step_table)) in item.steps.iter().zip(steps).enumerate() {
                    let Some(RigStep::Camera(stress)) = &step.rig else {
                        continue;
                    };
                    let Some(params) = step_table.open_map().opt_table(sink, "params") else {
                        continue;
                    };
                    let params = params.open_map();
                    for (flag, keys, line) in self.wanted(stress) {
                        match replace_key(&params, keys, line) {
                            Some(edit) => edits.push(edit),
                            None => no_key(sink, &params, (item, index + 1), stress, flag, keys),
                        }
                    }
                }
            }
            Some(edits)
        })?;
        edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
        let mut edited = text.to_string();
        for edit in edits {
            edited.replace_range(edit.span, &edit.text);
        }
        Ok(edited)
    }

    /// What the flags set on a step: the flag, the keys that may carry the value, and the line
    /// that replaces the first of them found.
    fn wanted(
        &self,
        stress: &CameraStress,
    ) -> Vec<(&'static str, &'static [&'static str], String)> {
        let mut wanted = Vec::new();
        match stress.mode {
            CameraMode::Soak | CameraMode::StreamCheck => {
                if let Some(duration) = self.duration {
                    wanted.push((
                        "--duration",
                        &["duration_s", "duration_h"][..],
                        format!("duration_s = {}", duration.as_secs_f64()),
                    ));
                }
            }
            CameraMode::OpenClose | CameraMode::Switch => {
                if let Some(cycles) = self.cycles {
                    let key = if stress.mode == CameraMode::Switch {
                        "switches"
                    } else {
                        "cycles"
                    };
                    wanted.push((
                        "--cycles",
                        &["cycles", "switches", "repeats"][..],
                        format!("{key} = {cycles}"),
                    ));
                }
            }
            CameraMode::Monitor | CameraMode::FirstFrame => {}
        }
        wanted
    }
}

/// Replaces the `key = value` of the first of `keys` present in `params` with `line`.
fn replace_key(params: &Fields<'_, '_>, keys: &[&str], line: String) -> Option<Edit> {
    params.keys().into_iter().find_map(|key| {
        let name: &str = key.get_ref();
        let value = params.value_span(name)?;
        keys.contains(&name).then(|| Edit {
            span: key.span().start..value.end,
            text: line.clone(),
        })
    })
}

/// Reports that step `step` (from 1) of `item` has none of the `keys` its `flag` sets.
fn no_key(
    sink: &mut Sink<'_>,
    params: &Fields<'_, '_>,
    (item, step): (&Item, usize),
    stress: &CameraStress,
    flag: &str,
    keys: &[&str],
) {
    let mode = format!("{:?}", stress.mode).to_lowercase();
    let keys = keys.join(" or ");
    let message = format!(
        "item {}, step {step}: the {mode} step sets none of {keys}, so {flag} has nothing to \
         change; add the key to the plan or edit the plan instead of using {flag}",
        item.id
    );
    sink.report(&params.span(), params.path(), message);
}

/// The items `--mode` runs: open/close and first-frame steps for `cycles`, single-stream soaks
/// for `soak`, switching for `switch`, soaks of two or more streams at once for `dual`. Without
/// a mode, every item — but those that need `--source2` when there is none.
pub fn items_for(plan: &Plan, mode: Option<StressMode>, has_source2: bool) -> Vec<String> {
    plan.items
        .iter()
        .filter(|item| match mode {
            Some(mode) => camera_steps(item).any(|s| mode_of(s) == Some(mode)),
            None => has_source2 || !camera_steps(item).any(needs_source2),
        })
        .map(|item| item.id.clone())
        .collect()
}

fn camera_steps(item: &Item) -> impl Iterator<Item = &CameraStress> {
    item.steps.iter().filter_map(|s| match &s.rig {
        Some(RigStep::Camera(stress)) => Some(stress),
        _ => None,
    })
}

/// The stress mode a camera step belongs to.
fn mode_of(stress: &CameraStress) -> Option<StressMode> {
    match stress.mode {
        CameraMode::FirstFrame | CameraMode::OpenClose => Some(StressMode::Cycles),
        CameraMode::Soak | CameraMode::StreamCheck if stress.streams.len() >= 2 => {
            Some(StressMode::Dual)
        }
        CameraMode::Soak | CameraMode::StreamCheck => Some(StressMode::Soak),
        CameraMode::Switch => Some(StressMode::Switch),
        CameraMode::Monitor => None,
    }
}

/// True when the step streams anything besides `rgb` (`--source`).
fn needs_source2(stress: &CameraStress) -> bool {
    stress.streams.iter().any(|s| s != "rgb")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::plan::parse_plan;

    fn shipped() -> (String, Plan) {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testplans/camera-checklist.toml"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let plan = parse_plan(&text, path, &Catalog::builtin()).unwrap();
        (text, plan)
    }

    fn step(plan: &Plan, id: &str) -> CameraStress {
        camera_steps(plan.item(id).unwrap()).next().unwrap().clone()
    }

    #[test]
    fn flags_rewrite_the_camera_steps_and_keep_the_rest() {
        let (text, plan) = shipped();
        let flags = Shorthand {
            duration: Some(Duration::from_millis(2500)),
            cycles: Some(7),
        };
        let edited = flags.apply(&text, "plan", &plan).unwrap();
        let again = parse_plan(&edited, "edited", &Catalog::builtin()).unwrap();
        assert_eq!(step(&again, "CAM-003").duration_s, Some(2.5));
        assert_eq!(step(&again, "CAM-005").duration_s, Some(2.5));
        assert_eq!(step(&again, "CAM-002").repeats, Some(7));
        assert_eq!(step(&again, "CAM-004").repeats, Some(7));
        assert_eq!(step(&again, "CAM-001"), step(&plan, "CAM-001"));
        assert!(edited.contains("switches = 7") && edited.contains("cycles = 7"));
        assert_eq!(again.items.len(), plan.items.len());
        assert_eq!(
            again.item("CAM-003").unwrap().criteria,
            plan.item("CAM-003").unwrap().criteria
        );
        // Comments stay.
        assert_eq!(
            edited.lines().filter(|l| l.starts_with('#')).count(),
            text.lines().filter(|l| l.starts_with('#')).count()
        );
        assert_eq!(
            Shorthand::default().apply(&text, "plan", &plan).unwrap(),
            text
        );
    }

    #[test]
    fn a_duration_in_hours_is_replaced_and_a_missing_key_is_named() {
        let (text, _) = shipped();
        let hours = text.replacen("duration_s = 3600", "duration_h = 1.0", 1);
        let plan = parse_plan(&hours, "h", &Catalog::builtin()).unwrap();
        let flags = Shorthand {
            duration: Some(Duration::from_secs(9)),
            cycles: None,
        };
        let edited = flags.apply(&hours, "h", &plan).unwrap();
        let again = parse_plan(&edited, "edited", &Catalog::builtin()).unwrap();
        assert_eq!(step(&again, "CAM-003").duration_s, Some(9.0));

        let bare = text.replacen("duration_s = 3600\n", "", 1);
        let plan = parse_plan(&bare, "bare", &Catalog::builtin()).unwrap();
        let error = flags.apply(&bare, "bare", &plan).unwrap_err();
        assert_eq!(error.0.len(), 1, "{error}");
        // Named at CAM-003's `[items.steps.params]` header.
        let item = bare.find("id = \"CAM-003\"").unwrap();
        let header = item + bare[item..].find("[items.steps.params]").unwrap();
        let diagnostic = &error.0[0];
        assert_eq!(diagnostic.file, "bare");
        assert_eq!(
            diagnostic.line,
            bare[..header].matches('\n').count() + 1,
            "{error}"
        );
        assert!(diagnostic.field.ends_with("].steps[0].params"), "{error}");
        assert!(
            diagnostic.message.contains("item CAM-003, step 1"),
            "{error}"
        );
        assert!(
            diagnostic.message.contains("duration_s or duration_h"),
            "{error}"
        );

        // A text that is not TOML is one syntax problem at its line.
        let broken = text.replacen("duration_s = 3600", "duration_s = ", 1);
        let error = flags.apply(&broken, "broken", &plan).unwrap_err();
        assert_eq!(error.0.len(), 1, "{error}");
        let at = broken.find("duration_s = \n").unwrap();
        assert_eq!(
            error.0[0].line,
            broken[..at].matches('\n').count() + 1,
            "{error}"
        );
        assert!(error.0[0].message.starts_with("TOML syntax"), "{error}");
    }

    #[test]
    fn modes_pick_their_items() {
        let (_, plan) = shipped();
        let pick = |mode, second| items_for(&plan, mode, second);
        assert_eq!(
            pick(Some(StressMode::Cycles), false),
            ["CAM-001", "CAM-002"]
        );
        assert_eq!(pick(Some(StressMode::Soak), false), ["CAM-003"]);
        assert_eq!(pick(Some(StressMode::Switch), false), ["CAM-004"]);
        assert_eq!(pick(Some(StressMode::Dual), true), ["CAM-005"]);
        assert_eq!(
            pick(None, false),
            ["CAM-001", "CAM-002", "CAM-003", "CAM-004"]
        );
        assert_eq!(pick(None, true).len(), 5);
    }
}
