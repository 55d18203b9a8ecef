//! `plan check`: one test per class of problem, each asserting the line, column and key path of
//! what is reported, and one test that a plan with many problems reports all of them.

use std::path::Path;

use facebench::catalog::Catalog;
use facebench::plan::rig_step::ProfileKind;
use facebench::plan::{load_plan, parse_plan, plan_sha256, PlanDiagnostic, RigStep, StepKind};

/// Lines 1–5: a valid header for the `canteen` standard (coating is not part of it).
const HEADER: &str = "[plan]
standard = \"canteen\"
name_zh = \"团餐机\"
version = \"1.0\"
notice = \"n\"
";

/// Lines 6–13: a valid manual item without steps; tests append its steps and criteria.
const ITEM: &str = "[[items]]
id = \"FUN-001\"
sheet = \"function\"
name_zh = \"检查\"
name_en = \"Check\"
method = \"visual\"
conditions = \"\"
automation = \"manual\"
";

/// A prompt step asking for a verdict, appended last so the item can be judged without moving
/// the lines the tests point at.
const VERDICT: &str = "[[items.steps]]
kind = \"prompt\"
text = \"judge\"
verdict = true
";

/// Lines 14–17: a prompt step producing `x` in `count`.
const STEP: &str = "[[items.steps]]
kind = \"prompt\"
text = \"t\"
produces = [{ name = \"x\", unit = \"count\" }]
";

/// A criterion table on `x` (its header on line 18 when appended after [`STEP`]) with the
/// comparison and limit lines given.
fn criterion(compare_and_limit: &str) -> String {
    format!(
        "[[items.criteria]]\nmeasurement = \"x\"\naggregate = \"max\"\n{compare_and_limit}\nunit = \"count\"\n"
    )
}

fn problems(text: &str) -> Vec<PlanDiagnostic> {
    match parse_plan(text, "t.toml", &Catalog::builtin()) {
        Ok(_) => panic!("expected problems in:\n{text}"),
        Err(errors) => errors.0,
    }
}

/// The single problem of a plan, checked for position, field and message.
fn assert_one(text: &str, line: usize, column: usize, field: &str, message: &str) {
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(
        (d.line, d.column, d.field.as_str()),
        (line, column, field),
        "{d}"
    );
    assert!(
        d.message.contains(message),
        "`{}` lacks `{message}`",
        d.message
    );
    assert_eq!(d.file, "t.toml");
}

#[test]
fn the_minimal_plans_used_below_are_valid() {
    let catalog = Catalog::builtin();
    let plan = parse_plan(&format!("{HEADER}{ITEM}{VERDICT}"), "t.toml", &catalog).expect("valid");
    assert_eq!(plan.items[0].sample_qty, 1);
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"GE\"\nlimit = 1")
    );
    let plan = parse_plan(&text, "t.toml", &catalog).expect("valid");
    assert_eq!(plan.items[0].criteria[0].limit.value, Some(1.0));
}

#[test]
fn valid_fixture_loads_with_every_field_resolved() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans/valid.toml");
    let loaded = load_plan(&path, &Catalog::builtin()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.sha256, plan_sha256(&loaded.text));
    let plan = &loaded.plan;
    assert_eq!(
        (plan.standard.as_str(), plan.version.as_str()),
        ("canteen", "1.0")
    );
    assert_eq!(plan.categories.len(), 2);
    assert_eq!(plan.items.len(), 3);
    let first = &plan.items[0];
    assert_eq!(first.sample_qty, 2);
    assert_eq!(first.parameters[0].tolerance, Some(2.0));
    let Some(RigStep::Chamber(profile)) = &first.steps[0].rig else {
        panic!(
            "the first step is a chamber profile: {:?}",
            first.steps[0].rig
        );
    };
    let ProfileKind::Constant(constant) = &profile.kind else {
        panic!("a constant profile: {profile:?}");
    };
    assert_eq!((constant.setpoint_c, constant.dwell_h), (-10.0, 2.0));
    assert_eq!(profile.tolerance_k, 2.0);
    assert_eq!(first.steps[1].kind, StepKind::Wait);
    assert_eq!(first.steps[1].seconds, Some(7200.0));
    assert_eq!(first.criteria[1].limit.marginal, Some(0.005));
    assert!(plan.items[2].steps[0].verdict);
}

#[test]
fn syntax_error_is_one_diagnostic_with_the_parser_position() {
    let found = problems(&format!("{HEADER}[[items]\n"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].line, 6);
    assert_eq!(found[0].field, "");
}

#[test]
fn unreadable_file_is_one_diagnostic_naming_the_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("missing.toml");
    let errors = load_plan(&path, &Catalog::builtin()).expect_err("missing file");
    assert_eq!(errors.0.len(), 1);
    assert_eq!(errors.0[0].line, 0);
    assert_eq!(errors.0[0].file, path.display().to_string());
    assert!(
        errors.to_string().contains("cannot read plan file"),
        "{errors}"
    );
}

#[test]
fn unknown_key_is_reported_at_the_key() {
    let text = format!("{HEADER}{ITEM}  colour = \"red\"\n{VERDICT}");
    assert_one(&text, 14, 3, "items[0].colour", "unknown key `colour`");
}

#[test]
fn missing_key_is_reported_at_the_table_header() {
    let text = format!("{HEADER}{ITEM}{VERDICT}").replace("name_en = \"Check\"\n", "");
    assert_one(&text, 6, 1, "items[0].name_en", "missing key `name_en`");
    let found = problems(&format!("{ITEM}{VERDICT}"));
    assert_eq!((found[0].line, found[0].column), (1, 1));
    assert_eq!(found[0].field, "plan");
}

#[test]
fn wrong_type_is_reported_at_the_value() {
    let text = format!("{HEADER}{ITEM}sample_qty = \"two\"\n{VERDICT}");
    assert_one(
        &text,
        14,
        14,
        "items[0].sample_qty",
        "expected an integer, found string",
    );
    let text = format!("{HEADER}{ITEM}equipment = [\"chamber\", 3]\n{VERDICT}");
    assert_one(
        &text,
        14,
        25,
        "items[0].equipment[1]",
        "expected a string, found integer",
    );
}

#[test]
fn duplicate_item_id_is_reported_at_the_second_id() {
    let text = format!("{HEADER}{ITEM}{VERDICT}{ITEM}{VERDICT}");
    assert_one(
        &text,
        19,
        6,
        "items[1].id",
        "duplicate item id `FUN-001` (first used on line 7)",
    );
}

#[test]
fn limit_missing_for_the_comparison_is_reported_at_the_criterion() {
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"GE\"")
    );
    assert_one(&text, 18, 1, "items[0].criteria[0].limit", "GE needs it");
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"GELE\"\nlow = 1")
    );
    assert_one(&text, 18, 1, "items[0].criteria[0].high", "GELE needs it");
}

#[test]
fn limit_keys_the_comparison_does_not_take_are_reported() {
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"LE\"\nlimit = 1\nlow = 0")
    );
    assert_one(&text, 23, 1, "items[0].criteria[0].low", "not used by LE");
}

#[test]
fn low_above_high_is_reported_at_low() {
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"GELE\"\nlow = 5\nhigh = 3")
    );
    assert_one(
        &text,
        22,
        7,
        "items[0].criteria[0].low",
        "low (5) is above high (3)",
    );
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"GTLT\"\nlow = 3\nhigh = 3")
    );
    assert_one(
        &text,
        22,
        7,
        "items[0].criteria[0].low",
        "no value can pass GTLT",
    );
}

#[test]
fn eqt_tolerance_missing_or_negative_is_reported() {
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"EQT\"\nlimit = 1")
    );
    assert_one(
        &text,
        18,
        1,
        "items[0].criteria[0].tolerance",
        "EQT needs it",
    );
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"EQT\"\nlimit = 1\ntolerance = -0.5")
    );
    assert_one(
        &text,
        23,
        13,
        "items[0].criteria[0].tolerance",
        "must not be negative",
    );
}

#[test]
fn non_finite_and_non_numeric_limits_are_reported_at_the_value() {
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"GE\"\nlimit = inf")
    );
    assert_one(
        &text,
        22,
        9,
        "items[0].criteria[0].limit",
        "expected a finite number",
    );
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"GE\"\nlimit = \"1\"")
    );
    assert_one(
        &text,
        22,
        9,
        "items[0].criteria[0].limit",
        "expected a number, found string",
    );
}

#[test]
fn negative_marginal_is_reported_at_the_value() {
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"GE\"\nlimit = 1\nmarginal = -0.1")
    );
    assert_one(
        &text,
        23,
        12,
        "items[0].criteria[0].marginal",
        "must not be negative",
    );
}

#[test]
fn unknown_unit_is_reported_at_the_value() {
    let text =
        format!("{HEADER}{ITEM}{STEP}{VERDICT}").replace("unit = \"count\"", "unit = \"pcs\"");
    assert_one(
        &text,
        17,
        34,
        "items[0].steps[0].produces[0].unit",
        "unknown unit `pcs`",
    );
    let text = format!(
        "{HEADER}{ITEM}[[items.parameters]]\nname = \"t\"\nvalue = 1\nunit = \"degC\"\n{VERDICT}"
    );
    assert_one(
        &text,
        17,
        8,
        "items[0].parameters[0].unit",
        "unknown unit `degC`",
    );
}

#[test]
fn unknown_step_kind_is_reported_at_the_value() {
    let text = format!("{HEADER}{ITEM}{STEP}{VERDICT}").replacen("\"prompt\"", "\"oven\"", 1);
    assert_one(
        &text,
        15,
        8,
        "items[0].steps[0].kind",
        "unknown step kind `oven`",
    );
}

#[test]
fn sheet_outside_the_standard_is_reported_at_the_value() {
    let text = format!("{HEADER}{ITEM}{VERDICT}").replace("\"function\"", "\"coating\"");
    assert_one(
        &text,
        8,
        9,
        "items[0].sheet",
        "not part of standard `canteen`",
    );
    let text = format!("{HEADER}{ITEM}{VERDICT}").replace("\"function\"", "\"paint\"");
    assert_one(&text, 8, 9, "items[0].sheet", "unknown sheet `paint`");
}

#[test]
fn standard_not_in_the_catalog_is_reported_at_the_value() {
    let text = format!("{HEADER}{ITEM}{VERDICT}").replace("\"canteen\"", "\"kiosk\"");
    assert_one(
        &text,
        2,
        12,
        "plan.standard",
        "standard `kiosk` is not in the catalog",
    );
}

#[test]
fn header_differing_from_the_catalog_is_reported() {
    let text = format!("{HEADER}{ITEM}{VERDICT}").replace("\"1.0\"", "\"1.1\"");
    assert_one(
        &text,
        4,
        11,
        "plan.version",
        "differs from the catalog's `1.0`",
    );
}

#[test]
fn criterion_on_an_unproduced_measurement_is_reported() {
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}{VERDICT}",
        criterion("compare = \"GE\"\nlimit = 1")
    )
    .replace("measurement = \"x\"", "measurement = \"y\"");
    assert_one(
        &text,
        19,
        15,
        "items[0].criteria[0].measurement",
        "no step produces `y`",
    );
}

#[test]
fn wait_without_positive_seconds_is_reported() {
    let wait = "[[items.steps]]\nkind = \"wait\"\ntext = \"rest\"\n";
    let text = format!("{HEADER}{ITEM}{wait}{VERDICT}");
    assert_one(
        &text,
        14,
        1,
        "items[0].steps[0].seconds",
        "missing key `seconds`",
    );
    let text = format!("{HEADER}{ITEM}{wait}seconds = 0\n{VERDICT}");
    assert_one(
        &text,
        17,
        11,
        "items[0].steps[0].seconds",
        "must be at least 0.001",
    );
}

#[test]
fn keys_a_step_kind_does_not_take_are_reported_at_the_key() {
    let camera = "[[items.steps]]\nkind = \"camera\"\ntext = \"t\"\nverdict = true\nparams = { mode = \"soak\" }\n";
    let text = format!("{HEADER}{ITEM}{camera}{VERDICT}");
    assert_one(
        &text,
        17,
        1,
        "items[0].steps[0].verdict",
        "only for prompt steps",
    );
    let prompt = "[[items.steps]]\nkind = \"prompt\"\ntext = \"look\"\n";
    let text = format!("{HEADER}{ITEM}{prompt}seconds = 5\n{VERDICT}");
    assert_one(
        &text,
        17,
        1,
        "items[0].steps[0].seconds",
        "only for wait steps",
    );
    let text = format!("{HEADER}{ITEM}{prompt}[items.steps.params]\nx = 1\n{VERDICT}");
    assert_one(
        &text,
        17,
        14,
        "items[0].steps[0].params",
        "only for rig steps",
    );
}

#[test]
fn duplicate_category_number_is_reported_at_the_second_number() {
    let category = "[[categories]]\nnumber = 2\nname = \"c\"\nsheet = \"function\"\n";
    let text = format!("{HEADER}{category}{category}{ITEM}{VERDICT}");
    assert_one(
        &text,
        11,
        10,
        "categories[1].number",
        "duplicate category number 2",
    );
}

#[test]
fn category_naming_an_unknown_item_or_sheet_is_reported() {
    let category = "[[categories]]\nnumber = 2\nname = \"c\"\nitems = [\"FUN-001\", \"FUN-999\"]\n";
    let text = format!("{HEADER}{category}{ITEM}{VERDICT}");
    assert_one(
        &text,
        9,
        21,
        "categories[0].items[1]",
        "no item has id `FUN-999`",
    );
    let category = "[[categories]]\nnumber = 2\nname = \"c\"\nsheet = \"misc\"\n";
    let text = format!("{HEADER}{category}{ITEM}{VERDICT}");
    assert_one(&text, 9, 9, "categories[0].sheet", "unknown sheet `misc`");
}

#[test]
fn applies_to_unknown_or_foreign_device_type_is_reported() {
    let text = format!("{HEADER}{ITEM}applies_to = [\"canteen-machine\", \"toaster\"]\n{VERDICT}");
    assert_one(
        &text,
        14,
        34,
        "items[0].applies_to[1]",
        "unknown device type `toaster`",
    );
    let text = format!("{HEADER}{ITEM}applies_to = [\"desktop-single-screen\"]\n{VERDICT}");
    assert_one(
        &text,
        14,
        15,
        "items[0].applies_to[0]",
        "falls under standard `desktop-cashier`",
    );
}

#[test]
fn empty_id_or_name_is_reported_at_the_value() {
    let text = format!("{HEADER}{ITEM}{VERDICT}").replace("\"FUN-001\"", "\"\"");
    assert_one(&text, 7, 6, "items[0].id", "must not be empty");
    let text = format!("{HEADER}{ITEM}{VERDICT}").replace("\"Check\"", "\" \"");
    assert_one(&text, 10, 11, "items[0].name_en", "must not be empty");
}

#[test]
fn item_that_could_never_pass_is_reported_at_its_header() {
    let text = format!("{HEADER}{ITEM}");
    assert_one(&text, 6, 1, "items[0].criteria", "could never pass");
}

#[test]
fn criterion_unit_must_be_the_unit_of_the_aggregated_value() {
    let text = format!(
        "{HEADER}{ITEM}{STEP}{}",
        criterion("compare = \"GE\"\nlimit = 1")
    )
    .replace("unit = \"count\"\n", "unit = \"%\"\n")
    .replace("aggregate = \"max\"", "aggregate = \"rate\"");
    assert_one(
        &text,
        23,
        8,
        "items[0].criteria[0].unit",
        "the unit must be `1`, not `%`",
    );
    let step_in_ms = STEP.replace("\"count\"", "\"ms\"");
    let text = format!(
        "{HEADER}{ITEM}{step_in_ms}{}",
        criterion("compare = \"LE\"\nlimit = 1")
    );
    assert_one(
        &text,
        23,
        8,
        "items[0].criteria[0].unit",
        "`x` is produced in `ms`",
    );
}

#[test]
fn measurement_produced_in_two_units_is_reported_at_the_second() {
    let second = STEP.replace("\"count\"", "\"s\"");
    let text = format!("{HEADER}{ITEM}{STEP}{second}{VERDICT}");
    assert_one(
        &text,
        21,
        22,
        "items[0].steps[1].produces[0].name",
        "produced in `count` on line 17 and in `s` here",
    );
}

#[test]
fn every_problem_of_a_plan_is_reported_in_file_order() {
    let text = format!(
        "{HEADER}{ITEM}colour = 1\n{STEP}{}{ITEM}{VERDICT}",
        criterion("compare = \"GELE\"\nlow = 2\nhigh = 1")
    )
    .replace("\"canteen\"", "\"canteen\"\nextra = true")
    .replacen("kind = \"prompt\"", "kind = \"robot\"", 1);
    let found = problems(&text);
    let summary: Vec<(usize, &str)> = found.iter().map(|d| (d.line, d.field.as_str())).collect();
    assert_eq!(
        summary,
        [
            (3, "plan.extra"),
            (15, "items[0].colour"),
            (17, "items[0].steps[0].kind"),
            (24, "items[0].criteria[0].low"),
            (28, "items[1].id"),
        ],
        "{found:#?}"
    );
}

#[test]
fn rig_step_parameters_are_checked_for_their_kind() {
    let camera =
        "[[items.steps]]\nkind = \"camera\"\ntext = \"t\"\nparams = { mode = \"selfie\" }\n";
    assert_one(
        &format!("{HEADER}{ITEM}{camera}{VERDICT}"),
        17,
        19,
        "items[0].steps[0].params.mode",
        "unknown camera mode `selfie`",
    );
    let chamber = "[[items.steps]]\nkind = \"chamber\"\ntext = \"t\"\n\
                   params = { profile = \"constant\", setpoint_c = 40, dwell_h = -1 }\n";
    assert_one(
        &format!("{HEADER}{ITEM}{chamber}{VERDICT}"),
        17,
        61,
        "items[0].steps[0].params.dwell_h",
        "must be at least 0.001",
    );
    let bare = "[[items.steps]]\nkind = \"drop\"\ntext = \"t\"\n";
    assert_one(
        &format!("{HEADER}{ITEM}{bare}{VERDICT}"),
        14,
        1,
        "items[0].steps[0].params",
        "needs a `params` table",
    );
}

#[test]
fn a_rig_step_cannot_claim_a_measurement_it_does_not_make() {
    let chamber = "[[items.steps]]\nkind = \"chamber\"\ntext = \"t\"\n\
                   produces = [{ name = \"face_ok\", unit = \"1\" }]\n\
                   params = { profile = \"constant\", setpoint_c = 40, dwell_h = 1 }\n";
    assert_one(
        &format!("{HEADER}{ITEM}{chamber}{VERDICT}"),
        17,
        22,
        "items[0].steps[0].produces[0].name",
        "a chamber step cannot measure `face_ok`",
    );
}

#[test]
fn numbers_outside_their_physical_range_are_reported_at_the_value() {
    // Lines 14–23: a chamber step whose every number is impossible, one per line.
    let chamber = "[[items.steps]]\nkind = \"chamber\"\ntext = \"t\"\n[items.steps.params]\n\
                   profile = \"cyclic\"\n\
                   log_interval_s = 0\n\
                   low_c = -1e20\n\
                   high_c = nan\n\
                   cycles = 4000000000\n\
                   ramp_up_h = 1e-300\n\
                   high_dwell_h = inf\n\
                   ramp_down_h = -2\n\
                   cycle_h = 1e20\n\
                   rh_high_percent = 101\n";
    let found = problems(&format!("{HEADER}{ITEM}{chamber}{VERDICT}"));
    let at: Vec<(usize, &str)> = found
        .iter()
        .map(|d| (d.line, d.field.rsplit('.').next().unwrap_or_default()))
        .collect();
    assert_eq!(
        at,
        [
            (19, "log_interval_s"),
            (20, "low_c"),
            (21, "high_c"),
            (22, "cycles"),
            (23, "ramp_up_h"),
            (24, "high_dwell_h"),
            (25, "ramp_down_h"),
            (26, "cycle_h"),
            (27, "rh_high_percent"),
        ],
        "{found:#?}"
    );
    assert!(found[0].message.contains("at least 0.01 s"), "{}", found[0]);
    assert!(found[1].message.contains("a temperature"), "{}", found[1]);
    assert!(found[2].message.contains("finite number"), "{}", found[2]);
    assert!(found[4].message.contains("1e-300"), "{}", found[4]);
    assert!(found[7].message.contains("at most 1440 h"), "{}", found[7]);
}

#[test]
fn counts_sample_sizes_waits_and_camera_numbers_have_ranges_too() {
    let wait = "[[items.steps]]\nkind = \"wait\"\ntext = \"rest\"\nseconds = 1e20\n";
    assert_one(
        &format!("{HEADER}{ITEM}{wait}{VERDICT}"),
        17,
        11,
        "items[0].steps[0].seconds",
        "at most 5184000 s",
    );
    let qty = ITEM.replace("automation", "sample_qty = 2000000\nautomation");
    assert_one(
        &format!("{HEADER}{qty}{VERDICT}"),
        13,
        14,
        "items[0].sample_qty",
        "a count must be at least 1 and at most 1000000",
    );
    let camera = "[[items.steps]]\nkind = \"camera\"\ntext = \"t\"\n\
                  params = { mode = \"first_frame\", repeats = 0, nominal_fps = 1e-300 }\n";
    let found = problems(&format!("{HEADER}{ITEM}{camera}{VERDICT}"));
    let fields: Vec<&str> = found.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "items[0].steps[0].params.repeats",
            "items[0].steps[0].params.nominal_fps"
        ],
        "{found:#?}"
    );
}

#[test]
fn item_ids_that_could_leave_the_run_directory_are_reported_at_the_id() {
    for bad in ["../../../X", "a/b", ".hidden", "CLM 1"] {
        let item = ITEM.replace("FUN-001", bad);
        assert_one(
            &format!("{HEADER}{item}{VERDICT}"),
            7,
            6,
            "items[0].id",
            "item id",
        );
    }
    let long = ITEM.replace("FUN-001", &"A".repeat(65));
    assert_one(
        &format!("{HEADER}{long}{VERDICT}"),
        7,
        6,
        "items[0].id",
        "at most 64",
    );
}
