//! `package` and `report` write every output under a temporary name and rename it: a write that
//! fails midway leaves the previous file as it was, and no temporary file.

use crate::common;

use std::fs;
use std::path::Path;

use common::{code, run, text, DEMO_UNIT};

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn package(run_dir: &Path, out: &Path) -> std::process::Output {
    run(&[
        "package",
        run_dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
#[cfg(target_os = "linux")]
fn a_package_that_fails_midway_leaves_the_previous_zip_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let mut args = vec![
        "run",
        "--answers",
        "testplans/answers/demo-desktop-cashier.toml",
        "--run-dir",
        run_dir.to_str().unwrap(),
        "--only",
        "COT-001",
    ];
    args.extend(DEMO_UNIT);
    let output = run(&args);
    assert!(code(&output) <= 1, "{output:?}");
    let submission = tmp.path().join("out");
    let output = package(&run_dir, &submission);
    assert_eq!(code(&output), 0, "{output:?}");
    assert_eq!(
        listing(&submission),
        ["DemoTech-FP-200"],
        "one folder per model"
    );
    let out = submission.join("DemoTech-FP-200");
    let before = listing(&out);
    assert!(before.iter().all(|n| !n.starts_with('.')), "{before:?}");
    let zips: Vec<(String, Vec<u8>)> = before
        .iter()
        .filter(|n| n.ends_with(".zip"))
        .map(|n| (n.clone(), fs::read(out.join(n)).unwrap()))
        .collect();
    assert!(!zips.is_empty());

    // The evidence file now fails on its first read (EIO), after the zip has been started.
    let evidence = fs::read_dir(run_dir.join("attachments/COT-001"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::remove_file(&evidence).unwrap();
    std::os::unix::fs::symlink("/proc/self/mem", &evidence).unwrap();

    let output = package(&run_dir, &submission);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 3, "{stderr}");
    assert!(stderr.contains(&evidence.display().to_string()), "{stderr}");
    assert_eq!(listing(&out), before, "no temporary file is left");
    for (name, bytes) in zips {
        assert_eq!(fs::read(out.join(&name)).unwrap(), bytes, "{name}");
    }
}
