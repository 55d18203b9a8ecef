//! The run directory: its lock against a second run, resume or record; a journal damaged by two
//! writers; the station remembered on resume; a directory left by a run killed before it started.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Output;

use common::{code, run, state, text, DEMO_UNIT};
use facebench::journal::{ResultSource, RunDir};
use facebench::judge::Verdict;

const ANSWERS: &str = "testplans/answers/demo-desktop-cashier.toml";

/// A run of one manual item, answered from the shipped answers file.
fn quick_run(run_dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "--answers",
        ANSWERS,
        "--run-dir",
        run_dir.to_str().unwrap(),
        "--only",
        "COT-001",
    ];
    args.extend(extra);
    args.extend(DEMO_UNIT);
    let output = run(&args);
    let (stdout, stderr) = text(&output);
    assert!(code(&output) <= 1, "{stdout}\n{stderr}");
    output
}

fn resume(run_dir: &Path, only: &str) -> Output {
    run(&[
        "run",
        "--resume",
        run_dir.to_str().unwrap(),
        "--answers",
        ANSWERS,
        "--only",
        only,
    ])
}

fn record(run_dir: &Path) -> Output {
    run(&[
        "record",
        run_dir.to_str().unwrap(),
        "COT-002",
        "--verdict",
        "pass",
        "--reason",
        "entered afterwards",
    ])
}

#[test]
fn a_second_resume_and_record_are_refused_while_a_run_holds_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    quick_run(&run_dir, &[]);
    let journal = fs::read(run_dir.join("journal.jsonl")).unwrap();

    let held = RunDir::open(&run_dir).unwrap().lock().unwrap();
    let holder = format!("is in use by pid {} on host", std::process::id());
    let mut new_run = vec![
        "run",
        "--answers",
        ANSWERS,
        "--run-dir",
        run_dir.to_str().unwrap(),
    ];
    new_run.extend(DEMO_UNIT);
    for output in [resume(&run_dir, "COT-002"), record(&run_dir), run(&new_run)] {
        let (_, stderr) = text(&output);
        assert_eq!(code(&output), 2, "{stderr}");
        assert!(stderr.contains(&holder), "{stderr}");
        assert!(stderr.contains(" since "), "{stderr}");
        assert_eq!(
            fs::read(run_dir.join("journal.jsonl")).unwrap(),
            journal,
            "the journal is not touched"
        );
    }
    drop(held);

    let output = record(&run_dir);
    assert!(code(&output) <= 1, "{output:?}");
    let recorded = &state(&run_dir).results["COT-002"][&1];
    assert_eq!(recorded.source, ResultSource::Record);
    assert_eq!(
        fs::read_to_string(run_dir.join("run.lock")).unwrap(),
        "",
        "the lock file names no holder once released"
    );
}

#[test]
fn the_lock_file_of_a_dead_process_is_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    quick_run(&run_dir, &[]);
    fs::write(
        run_dir.join("run.lock"),
        "pid = 4000000\nhost = \"gone\"\nsince = \"2026-01-01T00:00:00Z\"\ncommand = \"facebench run\"\n",
    )
    .unwrap();
    let output = record(&run_dir);
    assert!(code(&output) <= 1, "{output:?}");
    assert_eq!(
        state(&run_dir).results["COT-002"][&1].source,
        ResultSource::Record
    );
    assert_eq!(fs::read_to_string(run_dir.join("run.lock")).unwrap(), "");
}

#[test]
fn resume_without_sim_reopens_the_simulated_station_and_runs_rig_items() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    quick_run(&run_dir, &["--sim"]);
    let snapshot = fs::read_to_string(run_dir.join("station.toml")).unwrap();
    assert!(snapshot.contains("sim = true"), "{snapshot}");

    let output = resume(&run_dir, "MEC-006");
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    let drop = &state(&run_dir).results["MEC-006"][&1];
    assert_eq!(drop.verdict, Verdict::Pass, "{drop:?}");
    let heights = drop
        .measurements
        .iter()
        .find(|m| m.name == "drop_height")
        .unwrap();
    assert_eq!(heights.values.len(), 10, "ten drops on the simulated rig");
    assert!(!stderr.contains("another station"), "{stderr}");

    // Another station on resume is allowed, with a warning; the first one stays on record.
    let other = tmp.path().join("bench-2.toml");
    fs::write(&other, snapshot.replace("simulated bench", "bench 2")).unwrap();
    let output = run(&[
        "run",
        "--resume",
        run_dir.to_str().unwrap(),
        "--station",
        other.to_str().unwrap(),
        "--sim-clock",
        "--answers",
        ANSWERS,
        "--only",
        "COT-002",
    ]);
    let (stdout, stderr) = text(&output);
    assert!(code(&output) <= 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("this run used another station before (kept as"),
        "{stderr}"
    );
    assert!(
        stderr.contains("continues with station `bench 2`"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(run_dir.join("station.1.toml")).unwrap(),
        snapshot
    );
    let log = fs::read_to_string(run_dir.join("facebench.log")).unwrap();
    assert!(log.contains("used another station before"), "{log}");
}

#[test]
fn a_damaged_journal_is_explained_and_repaired() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    quick_run(&run_dir, &[]);
    let journal = run_dir.join("journal.jsonl");
    let original = fs::read_to_string(&journal).unwrap();
    // What a second writer appended: an event with a sequence number already used.
    let second = original.lines().nth(1).unwrap().to_string();
    let lines = original.lines().count();
    fs::write(&journal, format!("{original}{second}\n")).unwrap();

    let repair_hint = format!("facebench repair {}", run_dir.display());
    let line = format!("journal.jsonl:{}: sequence number 2 again", lines + 1);
    for output in [
        run(&["report", run_dir.to_str().unwrap()]),
        resume(&run_dir, "COT-002"),
    ] {
        let (_, stderr) = text(&output);
        assert_eq!(code(&output), 2, "{stderr}");
        assert!(stderr.contains(&line), "{stderr}");
        assert!(stderr.contains(&repair_hint), "{stderr}");
    }

    let output = run(&["repair", run_dir.to_str().unwrap()]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stderr}");
    assert!(
        stdout.contains(&format!("renumbered 1 of {} events", lines + 1)),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("line {}: seq 2 -> {}", lines + 1, lines + 1)),
        "{stdout}"
    );
    let backups: Vec<_> = fs::read_dir(&run_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("journal.jsonl.bak-"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let output = run(&["report", run_dir.to_str().unwrap()]);
    assert!(code(&output) <= 1, "{output:?}");
}

#[test]
fn a_run_killed_before_its_first_event_is_explained_on_resume_and_reused_by_a_new_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    fs::create_dir(&run_dir).unwrap();
    fs::copy("testplans/desktop-cashier.toml", run_dir.join("plan.toml")).unwrap();
    fs::write(run_dir.join("journal.jsonl"), "").unwrap();
    fs::write(run_dir.join("run.lock"), "").unwrap();

    let output = resume(&run_dir, "COT-001");
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(
        stderr.contains("stopped before its run started"),
        "{stderr}"
    );
    assert!(stderr.contains("--run-dir"), "{stderr}");

    quick_run(&run_dir, &[]);
    let state = state(&run_dir);
    assert_eq!(state.results["COT-001"][&1].source, ResultSource::Answers);
}
