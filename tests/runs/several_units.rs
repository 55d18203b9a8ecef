//! Several units in one run from the command line: `--unit` repeated and `--units` batch files,
//! the checks on them, per-sample answers and `record --sample`.

use crate::common;

use std::path::Path;

use common::{code, run, state, text, SLOW_ANSWERS, SLOW_PLAN};
use facebench::judge::Verdict;

const UNIT_1: &str = "testplans/units/demo-unit.toml";
const UNIT_2: &str = "testplans/units/demo-unit-2.toml";

/// `facebench run` of the slow plan's FUN items on the units `unit_args` names.
fn run_units(run_dir: &Path, answers: &str, unit_args: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        "--plan",
        SLOW_PLAN,
        "--only",
        "FUN-001",
        "FUN-002",
        "--answers",
        answers,
        "--run-dir",
        run_dir.to_str().unwrap(),
    ];
    args.extend(unit_args);
    run(&args)
}

#[test]
fn a_batch_file_runs_every_unit_with_per_sample_answers_and_record_corrects_one_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let batch = tmp.path().join("load.toml");
    std::fs::write(
        &batch,
        format!(
            "[[unit]]\nfile = {:?}\n\n[[unit]]\nfile = {:?}\n",
            root.join(UNIT_1),
            root.join(UNIT_2)
        ),
    )
    .unwrap();
    let answers = tmp.path().join("answers.toml");
    let fixture = std::fs::read_to_string(SLOW_ANSWERS).unwrap();
    std::fs::write(
        &answers,
        format!(
            "{fixture}\n[items.\"FUN-001\".sample.2]\nverdict = \"no pass\"\n\
             values = {{ boot_s = 75.0 }}\nnote = \"sample 2 boots slowly\"\n"
        ),
    )
    .unwrap();
    let run_dir = tmp.path().join("run");
    let output = run_units(
        &run_dir,
        answers.to_str().unwrap(),
        &["--units", batch.to_str().unwrap()],
    );
    assert_eq!(code(&output), 1, "sample 2 fails FUN-001: {output:?}");

    let recorded = state(&run_dir);
    let sns: Vec<&str> = recorded
        .units
        .iter()
        .map(|u| u.device_sn.as_str())
        .collect();
    assert_eq!(sns, ["FBAD120261100017KQ2M9XA", "FBAD120261100025MW8P3TC"]);
    let first = recorded.result("FUN-001", 1).unwrap();
    let second = recorded.result("FUN-001", 2).unwrap();
    assert_eq!(first.verdict, Verdict::Pass);
    assert_eq!(first.note, "fixture answer for FUN-001");
    assert_eq!(second.verdict, Verdict::NoPass);
    assert_eq!(second.note, "sample 2 boots slowly");
    assert_eq!(second.device_sn, sns[1]);
    assert_eq!(second.measurements[0].values, [75.0]);
    assert_eq!(
        recorded.result("FUN-002", 2).unwrap().verdict,
        Verdict::Pass
    );

    // A correction must say which unit it is for.
    let base = [
        "record",
        run_dir.to_str().unwrap(),
        "FUN-001",
        "--verdict",
        "pass",
        "--reason",
        "boot time re-measured",
    ];
    let ambiguous = run(&base);
    assert_eq!(code(&ambiguous), 2);
    let (_, stderr) = text(&ambiguous);
    assert!(
        stderr.contains("--sample") && stderr.contains(sns[1]),
        "{stderr}"
    );
    let by_sn = run(&[&base[..], &["--value", "boot_s=58", "--sample", sns[1]]].concat());
    assert_eq!(code(&by_sn), 0, "{by_sn:?}");
    let corrected = state(&run_dir);
    assert_eq!(
        corrected.result("FUN-001", 2).unwrap().verdict,
        Verdict::Pass
    );
    assert_eq!(
        corrected.result("FUN-001", 1),
        recorded.result("FUN-001", 1)
    );
    assert_eq!(corrected.history["FUN-001"].len(), 3);
}

#[test]
fn units_that_cannot_share_a_run_are_refused_before_anything_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let same_sn = run_units(
        &tmp.path().join("same"),
        SLOW_ANSWERS,
        &["--unit", UNIT_1, "--unit", UNIT_1],
    );
    assert_eq!(code(&same_sn), 2);
    let (_, stderr) = text(&same_sn);
    assert!(
        stderr.contains("samples 1 and 2 have the same device serial number"),
        "{stderr}"
    );
    assert!(!tmp.path().join("same").exists());

    let vending = tmp.path().join("vending.toml");
    let unit = std::fs::read_to_string(UNIT_2)
        .unwrap()
        .replace("desktop-single-screen", "vending-machine");
    std::fs::write(&vending, unit).unwrap();
    let mixed = run_units(
        &tmp.path().join("mixed"),
        SLOW_ANSWERS,
        &["--unit", UNIT_1, "--unit", vending.to_str().unwrap()],
    );
    assert_eq!(code(&mixed), 2);
    let (_, stderr) = text(&mixed);
    assert!(
        stderr.contains("sample 2") && stderr.contains("run them separately"),
        "{stderr}"
    );

    let answers = tmp.path().join("answers.toml");
    std::fs::write(
        &answers,
        "[items.\"FUN-001\".sample.3]\nverdict = \"pass\"\n",
    )
    .unwrap();
    let unknown_sample = run_units(
        &tmp.path().join("answers"),
        answers.to_str().unwrap(),
        &["--unit", UNIT_1, "--unit", UNIT_2],
    );
    assert_eq!(code(&unknown_sample), 2);
    let (_, stderr) = text(&unknown_sample);
    assert!(
        stderr.contains("items.FUN-001.sample.3") && stderr.contains("samples 1 to 2"),
        "{stderr}"
    );
}
