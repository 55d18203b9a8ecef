//! The CLI's commands and exit codes: catalog listing, plan show/check, serial numbers, the
//! terminal operator, skip / stop / resume, corrections with `record`, hostile names, and bad run
//! directories.

use crate::common;

use std::io::Write;
use std::process::Stdio;

use common::{
    code, facebench, package, run, run_args, slow_run_args, state, text, DEMO_UNIT, SLOW_ANSWERS,
    SLOW_PLAN,
};
use facebench::judge::Verdict;

#[test]
fn plan_list_shows_nineteen_device_types_and_the_kiosk_variants() {
    let output = run(&["plan", "list", "--json"]);
    assert_eq!(code(&output), 0);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let devices = json["device_types"].as_array().unwrap();
    assert_eq!(devices.len(), 19);
    let kiosk = devices
        .iter()
        .find(|d| d["id"] == "self-service-kiosk")
        .unwrap();
    let standards: Vec<&str> = kiosk["standards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["standard"].as_str().unwrap())
        .collect();
    assert_eq!(standards, ["medical", "self-checkout"]);
    // Five device standards, the camera checklist and the software pre-check.
    assert_eq!(json["standards"].as_array().unwrap().len(), 7);

    let (table, _) = text(&run(&["plan", "list"]));
    assert!(
        table.contains("自助一体机") && table.contains("团餐机 v1.0"),
        "{table}"
    );
}

#[test]
fn plan_show_lists_the_sheets_of_a_device_type() {
    let output = run(&["plan", "show", "vending-machine", "--json"]);
    assert_eq!(code(&output), 0);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let sheets = json["sheets"].as_array().unwrap();
    let required: Vec<&str> = sheets
        .iter()
        .filter(|s| s["requirement"] == "required")
        .map(|s| s["sheet"].as_str().unwrap())
        .collect();
    assert_eq!(required, ["function", "performance"]);
    assert!(!sheets[3]["items"].as_array().unwrap().is_empty());

    let needs_usage = run(&["plan", "show", "self-service-kiosk"]);
    assert_eq!(code(&needs_usage), 2);
    assert!(text(&needs_usage).1.contains("--usage"));
    let medical = run(&["plan", "show", "self-service-kiosk", "--usage", "medical"]);
    assert!(text(&medical).0.contains("医疗设备 v1.0"));
}

#[test]
fn plan_check_reports_problems_with_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    let text_plan = std::fs::read_to_string(SLOW_PLAN).unwrap().replacen(
        "unit = \"s\"",
        "unit = \"parsecs\"",
        1,
    );
    std::fs::write(&bad, text_plan).unwrap();
    let output = run(&["plan", "check", bad.to_str().unwrap()]);
    assert_eq!(code(&output), 2);
    let stderr = text(&output).1;
    assert!(
        stderr.contains("bad.toml:") && stderr.contains("parsecs"),
        "{stderr}"
    );
    assert_eq!(
        code(&run(&["plan", "check", "testplans/desktop-cashier.toml"])),
        0
    );
}

#[test]
fn sn_check_names_every_violated_part_and_exits_2() {
    let ok = run(&[
        "sn",
        "check",
        "FBAD120261100017KQ2M9XA",
        "--vendor-code",
        "FB",
    ]);
    assert_eq!(code(&ok), 0, "{ok:?}");
    let bad = run(&[
        "sn",
        "check",
        "fbXD120261100017KQ2M9XA",
        "--model-code",
        "ZZ",
    ]);
    assert_eq!(code(&bad), 2);
    let stderr = text(&bad).1;
    assert!(stderr.contains("vendor code"), "{stderr}");
    assert!(stderr.contains("OS type"), "{stderr}");
    assert!(stderr.contains("model code"), "{stderr}");
    let generated = run(&[
        "sn",
        "generate",
        "--vendor-code",
        "FB",
        "--os",
        "L",
        "--model-code",
        "D1",
        "--vendor-serial",
        "2026110002",
    ]);
    let sn = text(&generated).0.trim().to_string();
    assert_eq!(sn.len(), 23);
    assert_eq!(code(&run(&["sn", "check", &sn])), 0);
}

#[test]
fn a_unit_with_a_bad_serial_number_is_not_registered() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let unit = [
        "--vendor",
        "Acme",
        "--model",
        "X1",
        "--device-type",
        "desktop-single-screen",
        "--sn",
        "TOO-SHORT",
        "--camera-sn",
        "C1",
    ];
    let output = run(&run_args(&run_dir, &["--answers", SLOW_ANSWERS], &unit));
    assert_eq!(code(&output), 2);
    assert!(text(&output).1.contains("length is 9, must be 23"));
    assert!(
        !run_dir.exists(),
        "nothing is created for an unregistered unit"
    );
}

fn terminal_run(run_dir: &std::path::Path, only: &[&str], stdin: &str) -> std::process::Output {
    let options = [&["--plan", SLOW_PLAN, "--only"], only].concat();
    let mut child = facebench()
        .args(run_args(run_dir, &options, &DEMO_UNIT))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_terminal_operator_answers_skips_and_stops_and_the_run_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    // FUN-001: answer 42.5 s, pass, a note, no files, record. FUN-002: skip with a reason.
    // FUN-003: a typo first, then stop.
    let stdin = "\n42.5\np\nbooted cleanly\n\n\ns\nno SN reader at this bench\n\nabc\n";
    let output = terminal_run(&run_dir, &["FUN-001", "FUN-002", "FUN-003"], stdin);
    assert_eq!(code(&output), 0, "{output:?}");
    assert!(text(&output).0.contains("--resume"));
    let stopped = state(&run_dir);
    assert_eq!(stopped.results["FUN-001"][&1].verdict, Verdict::Pass);
    assert_eq!(stopped.results["FUN-001"][&1].note, "booted cleanly");
    assert_eq!(
        stopped.results["FUN-001"][&1].measurements[0].values,
        vec![42.5]
    );
    let skipped = &stopped.results["FUN-002"][&1];
    assert_eq!(skipped.verdict, Verdict::NotTested);
    assert!(skipped
        .reason
        .as_deref()
        .unwrap()
        .contains("no SN reader at this bench"));
    assert!(!stopped.results.contains_key("FUN-003"));
    assert!(!stopped.finished);

    let resumed = run(&[
        "run",
        "--resume",
        run_dir.to_str().unwrap(),
        "--answers",
        SLOW_ANSWERS,
        "--only",
        "FUN-003",
    ]);
    assert_eq!(code(&resumed), 0, "{resumed:?}");
    let done = state(&run_dir);
    assert_eq!(done.results["FUN-003"][&1].verdict, Verdict::Pass);
    assert_eq!(
        done.attempts["FUN-003"], 2,
        "the stopped attempt and the resumed one"
    );
}

#[test]
fn record_corrects_a_result_and_keeps_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    // On the simulated clock: the fixture's real-time waits are for tests that stop a run.
    let args = slow_run_args(&run_dir, &["--sim-clock"], &DEMO_UNIT);
    assert_eq!(code(&run(&args)), 1, "COT-002 is answered no pass");

    let evidence = tmp.path().join("retest.txt");
    std::fs::write(&evidence, "pencil 3H, 750 g, no scratch").unwrap();
    let corrected = run(&[
        "record",
        run_dir.to_str().unwrap(),
        "COT-002",
        "--verdict",
        "pass",
        "--value",
        "pencil_h=3",
        "--note",
        "retested on a fresh panel",
        "--attach",
        evidence.to_str().unwrap(),
        "--reason",
        "first panel was contaminated",
    ]);
    assert_eq!(code(&corrected), 0, "{corrected:?}");
    assert!(text(&corrected).0.contains("COT-002: no pass → pass"));
    let after = state(&run_dir);
    let history = &after.history["COT-002"];
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].verdict, Verdict::NoPass);
    assert_eq!(after.results["COT-002"][&1].verdict, Verdict::Pass);
    assert!(run_dir
        .join(&after.results["COT-002"][&1].attachments[0])
        .is_file());

    let unknown = run(&[
        "record",
        run_dir.to_str().unwrap(),
        "COT-002",
        "--value",
        "hardness=3",
        "--reason",
        "retest",
    ]);
    assert_eq!(code(&unknown), 2);
    assert!(text(&unknown).1.contains("pencil_h"));
    let no_item = run(&[
        "record",
        run_dir.to_str().unwrap(),
        "XYZ-001",
        "--verdict",
        "pass",
        "--reason",
        "retest",
    ]);
    assert_eq!(code(&no_item), 2);
}

#[test]
fn hostile_vendor_and_model_names_cannot_escape_the_submission_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let unit = tmp.path().join("unit.toml");
    std::fs::write(
        &unit,
        r#"vendor = "../../evil\u0000\u0007"
model = "a/b\\c/../.."
device_type = "desktop-single-screen"
device_sn = "FBAD120261100017KQ2M9XA"
camera_sn = "C1"
lab = "lab"
operator = "op"
[features]
wifi = false
bluetooth = false
cellular_4g = true
"#,
    )
    .unwrap();
    let run_dir = tmp.path().join("run");
    let output = run(&slow_run_args(
        &run_dir,
        &["--sim-clock", "--only", "FUN-001"],
        &["--unit", unit.to_str().unwrap()],
    ));
    assert_eq!(code(&output), 0, "{output:?}");
    let out = tmp.path().join("deep/submission");
    let packaged = run(&[
        "package",
        run_dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(
        code(&packaged),
        2,
        "the vendor files are missing: {packaged:?}"
    );
    let stdout = text(&packaged).0;
    assert!(stdout.contains("CTA"), "a 4G unit needs CTA: {stdout}");
    let mut written = Vec::new();
    for entry in walk(tmp.path()) {
        if entry.extension().is_some_and(|e| e == "xlsx" || e == "zip")
            && !entry.starts_with(&run_dir)
        {
            written.push(entry);
        }
    }
    assert!(!written.is_empty());
    // One submission folder for the one model, directly under `out`, holding every file.
    let folders: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    let folder = folders[0].path();
    for path in written {
        assert_eq!(path.parent().unwrap(), folder, "{} escaped", path.display());
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn missing_or_unreadable_run_directories_are_input_errors_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-run");
    let output = run(&["report", missing.to_str().unwrap()]);
    assert_eq!(code(&output), 2);
    assert!(text(&output).1.contains("no-such-run"));

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let output = run(&[
        "package",
        empty.to_str().unwrap(),
        "--out",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(code(&output), 2);
    assert!(text(&output).1.contains("journal.jsonl"), "{output:?}");

    let odd = tmp.path().join("odd");
    std::fs::create_dir_all(odd.join("journal.jsonl")).unwrap();
    let output = run(&[
        "run",
        "--resume",
        odd.to_str().unwrap(),
        "--answers",
        SLOW_ANSWERS,
    ]);
    assert_eq!(code(&output), 2, "{output:?}");
    assert!(text(&output).1.contains("odd"));

    let garbage = tmp.path().join("garbage");
    std::fs::create_dir(&garbage).unwrap();
    std::fs::write(garbage.join("journal.jsonl"), "{not json}\n{\"also\": 1}\n").unwrap();
    let output = run(&["report", garbage.to_str().unwrap()]);
    assert_eq!(code(&output), 2);
    assert!(text(&output).1.contains("journal.jsonl:1"), "{output:?}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(&run(&["run", "--no-such-flag"])), 2);
    assert_eq!(code(&run(&["plan", "show", "toaster"])), 2);
}

/// A mixed chamber load: two samples of the demo model and one of another model in one run.
/// `report` (run by `run`) writes one report folder per model and `package` one submission
/// folder per model, each with its own workbook named after its model.
#[test]
fn a_run_of_two_models_reports_and_packages_each_model_on_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let other = tmp.path().join("other.toml");
    let text_of_second = std::fs::read_to_string("testplans/units/demo-unit-2.toml").unwrap();
    std::fs::write(
        &other,
        text_of_second.replace("model = \"FP-200\"", "model = \"FP-300\""),
    )
    .unwrap();
    let run_dir = tmp.path().join("run");
    let output = run(&slow_run_args(
        &run_dir,
        &["--sim-clock", "--only", "FUN-001"],
        &[&DEMO_UNIT[..], &["--unit", other.to_str().unwrap()]].concat(),
    ));
    let (stdout, stderr) = text(&output);
    assert!(code(&output) <= 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("DemoTech FP-200 (desktop-single-screen), 1 sample(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("DemoTech FP-300 (desktop-single-screen), 1 sample(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("overall, 2 models:"), "{stdout}");
    for model in ["DemoTech-FP-200", "DemoTech-FP-300"] {
        let folder = run_dir.join("report").join(model);
        assert!(folder.join("workbook.xlsx").is_file(), "{model}");
        assert!(folder.join("run.json").is_file(), "{model}");
    }

    let out = tmp.path().join("submission");
    package(&run_dir, &out);
    for (folder, model) in [("DemoTech-FP-200", "FP-200"), ("DemoTech-FP-300", "FP-300")] {
        let workbook = out.join(folder).join(format!(
            "[1微信刷脸支付-桌面收银测试用例v1.4]-[DemoTech][{model}].xlsx"
        ));
        assert!(workbook.is_file(), "{}", workbook.display());
        let checklist = out
            .join(folder)
            .join(format!("[1摄像头测试Checklist]-[DemoTech][{model}].xlsx"));
        assert!(checklist.is_file(), "{}", checklist.display());
    }
}
