//! Kill -9 in the middle of a scripted run, resume, and compare with an uninterrupted run.

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
    args.extend(DEMO_UNIT);
    args.into_iter().map(String::from).collect()
}

#[test]
fn a_killed_run_resumes_to_the_same_results_as_an_uninterrupted_one() {
    let tmp = tempfile::tempdir().unwrap();
    let reference_dir = tmp.path().join("reference");
    let reference = run(&scripted_run(&reference_dir));
    assert_eq!(code(&reference), 1, "one fixture item is answered no pass");

    let killed_dir = tmp.path().join("killed");
    let mut child = facebench()
        .args(scripted_run(&killed_dir))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while item_results_on_disk(&killed_dir) < 3 {
        assert!(
            Instant::now() < deadline,
            "the run never recorded 3 results"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let before = state(&killed_dir);
    assert!(!before.finished);
    assert!(before.results.len() >= 3 && before.results.len() < 8);

    let resumed = run(&[
        "run",
        "--resume",
        killed_dir.to_str().unwrap(),
        "--answers",
        SLOW_ANSWERS,
    ]);
    assert_eq!(code(&resumed), 1, "{resumed:?}");

    let expected = state(&reference_dir);
    let actual = state(&killed_dir);
    assert_eq!(actual.sessions, 2);
    assert!(actual.finished);
    assert_eq!(
        actual.results.keys().collect::<Vec<_>>(),
        expected.results.keys().collect::<Vec<_>>()
    );
    for (id, want) in &expected.results {
        let (got, want) = (&actual.results[id][&1], &want[&1]);
        assert_eq!(got.verdict, want.verdict, "{id}");
        assert_eq!(got.measurements, want.measurements, "{id}");
        assert_eq!(got.criteria, want.criteria, "{id}");
        assert_eq!(got.note, want.note, "{id}");
        // Nothing recorded twice: one result per item, whatever the kill interrupted.
        assert_eq!(actual.history[id].len(), 1, "{id} recorded twice");
    }
    // Every result recorded before the kill is still there, unchanged.
    for (id, result) in &before.results {
        assert_eq!(&actual.results[id], result);
    }
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
    ]);
    assert_eq!(code(&resumed), 1, "{resumed:?}");
    assert_eq!(state(&run_dir).results.len(), 8);
}
