//! Resolving one `[[items.steps]]` table: its kind, the keys only some kinds take, and the
//! measurements it produces.

use super::diagnostic::Sink;
use super::ranges::{self, DURATION_S};
use super::reader::{Fields, Located, TableRef};
use super::resolve::read_unit;
use super::rig_step::resolve_rig_step;
use super::{MeasurementSpec, Step, StepKind};

const STEP_KEYS: &[&str] = &["kind", "text", "produces", "verdict", "seconds", "params"];
const MEASUREMENT_KEYS: &[&str] = &["name", "unit", "label_zh", "label_en", "resolution"];

/// A measurement a step says it produces, as written.
#[derive(Debug)]
pub(super) struct Produced {
    /// Key path of the name (`items[0].steps[1].produces[0].name`).
    pub(super) field: String,
    /// The measurement name.
    pub(super) name: Located<String>,
    /// Its unit, when it is a known one.
    pub(super) unit: Option<String>,
}

/// What resolving one step gave: what it produces even when the rest is broken, so the item's
/// criteria are checked against it without a cascade of false alarms.
#[derive(Debug)]
pub(super) struct StepDraft {
    /// The measurements the step produces.
    pub(super) produced: Vec<Produced>,
    /// The step, when nothing in it was wrong.
    pub(super) step: Option<Step>,
}

/// Resolves one step table.
pub(super) fn resolve_step(sink: &mut Sink<'_>, table: TableRef<'_, '_>) -> StepDraft {
    let f = table.open(sink, STEP_KEYS);
    let kind = f
        .choice(sink, "kind", "step kind", &StepKind::KEYS, StepKind::parse)
        .map(|k| k.into_inner());
    let text = f.string(sink, "text");
    let (produced, produces) = read_produces(sink, &f);
    let verdict = f.opt_bool(sink, "verdict").map(|v| v.into_inner());
    // Only a wait step takes a duration; on any other step the key itself is the problem.
    let seconds = match kind {
        Some(StepKind::Wait) => ranges::optional(sink, &f, "seconds", DURATION_S),
        _ => Some(None),
    };
    let params = f.opt_table(sink, "params");

    let mut rig = None;
    match &kind {
        Some(StepKind::Rig(rig_kind)) => {
            f.reject(sink, "verdict", "`verdict` is only for prompt steps");
            f.reject(sink, "seconds", "`seconds` is only for wait steps");
            rig = resolve_rig_step(
                sink,
                *rig_kind,
                params,
                &f.path_of("params"),
                &f.span(),
                &produced,
            );
        }
        Some(StepKind::Prompt) => {
            f.reject(sink, "seconds", "`seconds` is only for wait steps");
            f.reject(sink, "params", "`params` is only for rig steps");
        }
        Some(StepKind::Wait) => {
            f.reject(sink, "verdict", "`verdict` is only for prompt steps");
            f.reject(sink, "params", "`params` is only for rig steps");
            if seconds == Some(None) {
                f.report_missing(sink, "seconds", ": a wait step needs its duration");
            }
        }
        None => {}
    }

    let rig_ok = !matches!(kind, Some(StepKind::Rig(_))) || rig.is_some();
    let step = (|| {
        rig_ok.then_some(())?;
        Some(Step {
            kind: kind?,
            text: text?.into_inner(),
            produces: produces?,
            verdict: verdict.unwrap_or(false),
            seconds: seconds?,
            rig,
        })
    })();
    StepDraft { produced, step }
}

/// The `produces` list: every named measurement, and the specs when all of them are valid.
fn read_produces(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
) -> (Vec<Produced>, Option<Vec<MeasurementSpec>>) {
    let mut produced = Vec::new();
    let mut specs = Vec::new();
    let mut all_good = true;
    for table in f.opt_tables(sink, "produces") {
        let m = table.open(sink, MEASUREMENT_KEYS);
        let name = m.name(sink, "name");
        let unit = read_unit(sink, &m, "unit").map(|u| u.into_inner());
        let label_zh = m.opt_string(sink, "label_zh").map(Located::into_inner);
        let label_en = m.opt_string(sink, "label_en").map(Located::into_inner);
        let resolution = read_resolution(sink, &m);
        match (&name, &unit, resolution) {
            (Some(name), Some(unit), Some(resolution)) => specs.push(MeasurementSpec {
                name: name.get_ref().clone(),
                unit: unit.clone(),
                label_zh,
                label_en,
                resolution,
            }),
            _ => all_good = false,
        }
        if let Some(name) = name {
            let field = m.path_of("name");
            produced.push(Produced { field, name, unit });
        }
    }
    (produced, all_good.then_some(specs))
}

/// The optional display resolution: a positive number (`Some(None)` when absent, `None` when
/// wrong).
fn read_resolution(sink: &mut Sink<'_>, m: &Fields<'_, '_>) -> Option<Option<f64>> {
    if m.key_span("resolution").is_none() {
        return Some(None);
    }
    let number = m.opt_number(sink, "resolution")?;
    if *number.get_ref() <= 0.0 {
        sink.report(
            &number.span(),
            &m.path_of("resolution"),
            format!("must be positive, found {}", number.get_ref()),
        );
        return None;
    }
    Some(Some(number.into_inner()))
}
