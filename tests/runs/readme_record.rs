//! The README's `facebench record` example, run as written (with the run directory and the
//! photo put in), on a run of the shipped plan.

use crate::common::{code, run, state, text, DEMO_UNIT};
use facebench::journal::ResultSource;
use facebench::judge::Verdict;

/// Splits a shell command line into words: spaces separate, double quotes group.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[test]
fn the_readme_record_example_works_as_written() {
    let readme = include_str!("../../README.md");
    let example = readme
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("facebench record RUN_DIR"))
        .expect("the README has a `facebench record RUN_DIR …` example line");

    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let mut args = vec![
        "run",
        "--answers",
        "testplans/answers/demo-desktop-cashier.toml",
        "--only",
        "COT-001",
        "--run-dir",
        run_dir.to_str().unwrap(),
    ];
    args.extend(DEMO_UNIT);
    let first = run(&args);
    assert!(matches!(code(&first), 0 | 1), "{first:?}");
    let photo = tmp.path().join("photo.jpg");
    std::fs::write(&photo, b"\xFF\xD8\xFF\xE0 not really a photo").unwrap();

    let words: Vec<String> = shell_words(example)
        .into_iter()
        .skip(1)
        .map(|word| match word.as_str() {
            "RUN_DIR" => run_dir.display().to_string(),
            "photo.jpg" => photo.display().to_string(),
            _ => word,
        })
        .collect();
    let output = crate::common::facebench()
        .args(&words)
        .env("USER", "lab-tech")
        .env_remove("USERNAME")
        .output()
        .unwrap();
    let (out, err) = text(&output);
    assert_eq!(code(&output), 0, "{out}{err}");

    let corrected = &state(&run_dir).results["COT-001"][&1];
    assert_eq!(corrected.source, ResultSource::Record);
    assert_eq!(corrected.verdict, Verdict::Pass);
    assert_eq!(
        corrected.operator, "lab-tech",
        "the current user, not the run's operator"
    );
    assert_eq!(corrected.measurements[0].values, [2.0], "2H is two H");
    assert!(corrected
        .reason
        .as_deref()
        .is_some_and(|r| r.contains("first panel was contaminated")));
    assert!(run_dir.join(&corrected.attachments[0]).is_file());

    // Without --reason, record refuses.
    let no_reason = run(&[
        "record",
        run_dir.to_str().unwrap(),
        "COT-001",
        "--verdict",
        "pass",
    ]);
    assert_eq!(code(&no_reason), 2);
    assert!(text(&no_reason).1.contains("--reason"));
}
