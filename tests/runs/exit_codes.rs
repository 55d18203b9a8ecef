//! Exit codes and input errors of `run` and the print-only commands: a stop after a no pass,
//! unknown `--only` ids, bad answers files found before anything runs, and a closed pipe.

use crate::common;

use std::io::Write;
use std::process::Stdio;

use common::{code, facebench, run, state, text, DEMO_UNIT, SLOW_PLAN};
use facebench::judge::Verdict;

fn slow_run(run_dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    [
        "run",
        "--plan",
        SLOW_PLAN,
        "--run-dir",
        run_dir.to_str().unwrap(),
    ]
    .iter()
    .chain(extra)
    .chain(DEMO_UNIT.iter())
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn quitting_after_a_no_pass_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let mut child = facebench()
        .args(slow_run(&run_dir, &["--only", "FUN-001", "FUN-002"]))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // FUN-001: answer 42.5 s, no pass, no note, no files, record. FUN-002: q.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\n42.5\nn\n\n\n\nq\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(code(&output), 1, "{output:?}");
    assert!(text(&output).0.contains("--resume"));
    let stopped = state(&run_dir);
    assert_eq!(stopped.results["FUN-001"][&1].verdict, Verdict::NoPass);
    assert!(!stopped.results.contains_key("FUN-002"));
}

#[test]
fn an_unknown_only_id_is_an_input_error_with_suggestions() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let output = run(&slow_run(&run_dir, &["--only", "FUN-01"]));
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(stderr.contains("--only FUN-01"), "{stderr}");
    assert!(stderr.contains("did you mean FUN-001"), "{stderr}");
    assert!(
        !run_dir.exists(),
        "nothing is created for a bad command line"
    );
    // A word that is neither an item nor a sheet is refused too.
    let output = run(&slow_run(&run_dir, &["--only", "nonsense-sheet"]));
    assert_eq!(code(&output), 2);
}

#[test]
fn a_bad_answers_file_is_refused_before_the_run_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let answers = tmp.path().join("answers.toml");
    std::fs::write(
        &answers,
        "[items.\"FUN-001\"]\nverdict = \"pass\"\nvalues = { boot_s = nan }\n",
    )
    .unwrap();
    let output = run(&slow_run(
        &run_dir,
        &["--answers", answers.to_str().unwrap(), "--only", "FUN-001"],
    ));
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(
        stderr.contains("3:21 items.FUN-001.values.boot_s"),
        "{stderr}"
    );
    assert!(!run_dir.exists(), "no run directory for a bad answers file");
}

#[test]
fn a_closed_pipe_ends_print_only_commands_quietly() {
    for args in [["plan", "list"], ["plan", "show"]] {
        let mut args = args.to_vec();
        if args[1] == "show" {
            args.push("desktop-cashier");
        }
        // The reading end is closed before facebench writes anything (as after `head -1`), so
        // its very first line meets a closed pipe.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = facebench()
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn an_impossible_duration_fails_plan_check_and_run_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = std::fs::read_to_string(SLOW_PLAN).unwrap();
    let line = fixture
        .lines()
        .position(|l| l.trim() == "seconds = 0.4")
        .unwrap()
        + 1;
    let plan = tmp.path().join("plan.toml");
    std::fs::write(
        &plan,
        fixture.replacen("seconds = 0.4", "seconds = 1e20", 1),
    )
    .unwrap();
    let plan = plan.to_str().unwrap();
    let at_line = format!("{plan}:{line}:");
    let checked = run(&["plan", "check", plan]);
    let (stdout, stderr) = text(&checked);
    assert_eq!(code(&checked), 2, "{stdout}{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains(&at_line),
        "{stdout}{stderr}"
    );
    let run_dir = tmp.path().join("run");
    let mut args = vec![
        "run",
        "--plan",
        plan,
        "--run-dir",
        run_dir.to_str().unwrap(),
    ];
    args.extend(DEMO_UNIT);
    let output = run(&args);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(stderr.contains(&at_line), "{stderr}");
    assert!(stderr.contains("at most 5184000 s"), "{stderr}");
    assert!(!run_dir.exists());
}
