//! Kill -9 in the middle of a scripted run, resume, and compare with an uninterrupted run.
//!
//! The run that is killed or stopped waits on the real clock, so the kill lands between items;
//! the reference runs and the resumes run on the simulated clock (`--sim-clock`), where the
//! plan's waits pass at once and record the same results.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{code, facebench, run, state, DEMO_UNIT, SLOW_ANSWERS, SLOW_PLAN};

fn item_results_on_disk(run_dir: &Path) -> usize {
    std::fs::read_to_string(run_dir.join("journal.jsonl"))
        .map(|t| t.matches("\"type\":\"item_result\"").count())
        .unwrap_or(0)
}

fn scripted_run(run_dir: &Path) -> Vec<String> {
    scripted_run_of(run_dir, &DEMO_UNIT)
}

/// A scripted run of the slow plan on the units `unit_args` names.
fn scripted_run_of(run_dir: &Path, unit_args: &[&str]) -> Vec<String> {
    let dir = run_dir.display().to_string();
    let mut args = vec![
        "run",
        "--plan",
        SLOW_PLAN,
        "--answers",
        SLOW_ANSWERS,
        "--run-dir",
        &dir,
    ];
    args.extend(unit_args);
    args.into_iter().map(String::from).collect()
}

/// Runs the slow plan on `unit_args` once uninterrupted and once killed (SIGKILL) after
/// `kill_after` results and resumed, and checks the two end with the same results on every
/// sample, nothing recorded twice and nothing recorded before the kill changed.
fn killed_run_matches_an_uninterrupted_one(unit_args: &[&str], samples: u32, kill_after: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let reference_dir = tmp.path().join("reference");
    let mut reference = scripted_run_of(&reference_dir, unit_args);
    reference.push("--sim-clock".to_string());
    let reference = run(&reference);
    assert_eq!(code(&reference), 1, "one fixture item is answered no pass");

    let killed_dir = tmp.path().join("killed");
    let mut child = facebench()
        .args(scripted_run_of(&killed_dir, unit_args))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while item_results_on_disk(&killed_dir) < kill_after {
        assert!(
            Instant::now() < deadline,
            "the run never recorded {kill_after} results"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let before = state(&killed_dir);
    assert!(!before.finished);
    assert_eq!(before.units.len(), samples as usize);
    assert!(before.results.len() >= kill_after / samples as usize && before.results.len() < 8);

    let resumed = run(&[
        "run",
        "--resume",
        killed_dir.to_str().unwrap(),
        "--answers",
        SLOW_ANSWERS,
        "--sim-clock",
    ]);
    assert_eq!(code(&resumed), 1, "{resumed:?}");

    let expected = state(&reference_dir);
    let actual = state(&killed_dir);
    assert_eq!(actual.sessions, 2);
    assert!(actual.finished);
    assert_eq!(actual.units, expected.units);
    assert_eq!(
        actual.results.keys().collect::<Vec<_>>(),
        expected.results.keys().collect::<Vec<_>>()
    );
    for (id, want) in &expected.results {
        assert_eq!(
            actual.results[id].keys().collect::<Vec<_>>(),
            (1..=samples).collect::<Vec<_>>().iter().collect::<Vec<_>>(),
            "{id}: a result for every sample"
        );
        for (sample, want) in want {
            let got = &actual.results[id][sample];
            assert_eq!(got.verdict, want.verdict, "{id} sample {sample}");
            assert_eq!(got.measurements, want.measurements, "{id} sample {sample}");
            assert_eq!(got.criteria, want.criteria, "{id} sample {sample}");
            assert_eq!(got.note, want.note, "{id} sample {sample}");
            assert_eq!(got.device_sn, want.device_sn, "{id} sample {sample}");
        }
        // Nothing recorded twice: one result per item and sample, whatever the kill interrupted.
        assert_eq!(
            actual.history[id].len(),
            samples as usize,
            "{id} recorded twice"
        );
    }
    // Every result recorded before the kill is still there, unchanged.
    for (id, result) in &before.results {
        for (sample, result) in result {
            assert_eq!(&actual.results[id][sample], result);
        }
    }
}

#[test]
fn a_killed_run_resumes_to_the_same_results_as_an_uninterrupted_one() {
    killed_run_matches_an_uninterrupted_one(&DEMO_UNIT, 1, 3);
}

#[test]
fn a_killed_two_unit_run_resumes_to_the_same_results_as_an_uninterrupted_one() {
    let units = [
        "--unit",
        "testplans/units/demo-unit.toml",
        "--unit",
        "testplans/units/demo-unit-2.toml",
    ];
    // An odd count: the kill may land between the two samples' results of one item.
    killed_run_matches_an_uninterrupted_one(&units, 2, 5);
}

#[test]
fn resume_refuses_an_edited_plan_unless_told_to_accept_it() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("plan.toml");
    std::fs::copy(SLOW_PLAN, &plan).unwrap();
    let run_dir = tmp.path().join("run");
    let mut args = vec![
        "run",
        "--plan",
        plan.to_str().unwrap(),
        "--only",
        "FUN-001",
        "--answers",
        SLOW_ANSWERS,
        "--run-dir",
        run_dir.to_str().unwrap(),
    ];
    args.extend(DEMO_UNIT);
    assert_eq!(code(&run(&args)), 0);

    let edited = std::fs::read_to_string(&plan)
        .unwrap()
        .replace("limit = 60", "limit = 45");
    std::fs::write(&plan, edited).unwrap();
    let refused = run(&[
        "run",
        "--resume",
        run_dir.to_str().unwrap(),
        "--answers",
        SLOW_ANSWERS,
    ]);
    assert_eq!(code(&refused), 2);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("has changed") && stderr.contains("--accept-plan-change"),
        "{stderr}"
    );
    assert_eq!(
        state(&run_dir).sessions,
        1,
        "a refused resume records nothing"
    );

    let accepted = run(&[
        "run",
        "--resume",
        run_dir.to_str().unwrap(),
        "--accept-plan-change",
        "--answers",
        SLOW_ANSWERS,
        "--sim-clock",
    ]);
    assert_eq!(code(&accepted), 1, "{accepted:?}");
    let after = state(&run_dir);
    assert_eq!(after.results.len(), 8);
    assert!(run_dir.join("plan.toml").is_file());
    let kept: Vec<_> = std::fs::read_dir(&run_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("plan.") && n != "plan.toml")
        .collect();
    assert_eq!(
        kept.len(),
        1,
        "the original plan snapshot is kept: {kept:?}"
    );
}

#[test]
fn ctrl_c_stops_the_run_cleanly_and_it_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let child = facebench()
        .args(scripted_run(&run_dir))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while item_results_on_disk(&run_dir) < 2 {
        assert!(
            Instant::now() < deadline,
            "the run never recorded 2 results"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    // 128 + SIGINT, as a shell reports a command Ctrl-C ended: a stopped run is not a pass.
    assert_eq!(code(&output), 130, "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("--resume"));
    let journal = std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"type\":\"run_stopped\""));
    let stopped = state(&run_dir);
    assert!(!stopped.finished && stopped.results.len() < 8);

    let resumed = run(&[
        "run",
        "--resume",
        run_dir.to_str().unwrap(),
        "--answers",
        SLOW_ANSWERS,
        "--sim-clock",
    ]);
    assert_eq!(code(&resumed), 1, "{resumed:?}");
    assert_eq!(state(&run_dir).results.len(), 8);
}
