//! The binary copied on its own to an empty folder (as a lab copies it to a bench PC): no source
//! tree, no `$HOME`, no `$FACEBENCH_HOME`. Plans, catalog, answers, units, evidence and the
//! simulated station come from the data built into it; `init` writes editable copies that then
//! take precedence, in the current folder or through `$FACEBENCH_HOME`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{code, text};

/// A copy of the binary in a folder of its own, an empty working folder and a private temporary
/// folder (where the built-in data is unpacked). The "copy" is a hard link where the file system
/// allows one (the binary sees only its new path; a real copy writes ~400 MB of debug binary).
struct Bench {
    _root: tempfile::TempDir,
    binary: PathBuf,
    work: PathBuf,
    tmp: PathBuf,
}

impl Bench {
    fn new() -> Bench {
        // Beside the target directory, so a hard link to the built binary is possible.
        let root = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let bin = root.path().join("bin");
        let work = root.path().join("work");
        let tmp = root.path().join("tmp");
        for dir in [&bin, &work, &tmp] {
            std::fs::create_dir_all(dir).unwrap();
        }
        let binary = bin.join("facebench");
        let built = env!("CARGO_BIN_EXE_facebench");
        if std::fs::hard_link(built, &binary).is_err() {
            std::fs::copy(built, &binary).unwrap();
        }
        Bench {
            binary,
            work,
            tmp,
            _root: root,
        }
    }

    fn command(&self, cwd: &Path) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .current_dir(cwd)
            .env_remove("HOME")
            .env_remove("FACEBENCH_HOME")
            .env("TMPDIR", &self.tmp);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(&self.work).args(args).output().unwrap()
    }
}

fn shipped(relative: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

#[test]
fn a_copied_binary_lists_and_shows_plans_from_its_built_in_data() {
    let bench = Bench::new();
    let output = bench.run(&["plan", "list"]);
    let (out, err) = text(&output);
    assert_eq!(code(&output), 0, "{out}{err}");
    assert!(out.contains("桌面收银 v1.4"), "{out}");
    let desktop = out
        .lines()
        .find(|line| line.starts_with("desktop-cashier ") && line.contains(".toml"))
        .unwrap_or_else(|| panic!("no origin line for desktop-cashier:\n{out}"));
    assert!(desktop.ends_with("built in"), "{desktop}");

    let output = bench.run(&["plan", "list", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let plans = json["plans"].as_array().unwrap();
    // The six hardware standards and the software pre-check.
    assert_eq!(plans.len(), 7, "{plans:?}");
    assert!(plans.iter().all(|p| p["origin"] == "built in"), "{plans:?}");

    let output = bench.run(&["plan", "show", "desktop-single-screen"]);
    let (out, err) = text(&output);
    assert_eq!(code(&output), 0, "{out}{err}");
    assert!(out.contains("plan built in"), "{out}");
    assert!(out.contains("COT-001") && out.contains("CLM-001"), "{out}");

    let output = bench.run(&["plan", "show", "desktop-dual-scren"]);
    let (_, err) = text(&output);
    assert_eq!(code(&output), 2, "{err}");
    assert!(err.contains("did you mean desktop-dual-screen"), "{err}");
}

#[test]
fn a_copied_binary_runs_the_demo_with_built_in_answers_and_evidence() {
    let bench = Bench::new();
    let output = bench.run(&["demo", "--only", "cot-001", "--out", "demo"]);
    let (out, err) = text(&output);
    assert_eq!(code(&output), 0, "{out}{err}");
    let run = bench.work.join("demo/run");
    let attached = run.join("attachments/COT-001/cot-001-pencil-hardness.txt");
    assert_eq!(
        std::fs::read(&attached).unwrap(),
        shipped("testplans/evidence/cot-001-pencil-hardness.txt")
    );
    let state = crate::common::state(&run);
    let results = &state.results["COT-001"];
    assert_eq!(results.len(), 2, "both demo samples have a COT-001 result");
    assert_eq!(
        state.results.len(),
        1,
        "only COT-001 ran: {:?}",
        state.results.keys()
    );
    assert!(bench.work.join("demo/submission").is_dir());
}

#[test]
fn init_writes_editable_copies_that_then_take_precedence() {
    let bench = Bench::new();
    let output = bench.run(&["init"]);
    let (out, err) = text(&output);
    assert_eq!(code(&output), 0, "{out}{err}");
    for relative in [
        "testplans/catalog.toml",
        "testplans/desktop-cashier.toml",
        "testplans/answers/demo-desktop-cashier.toml",
        "testplans/evidence/cot-002-crosscut.txt",
        "rigs/sim.toml",
        "rigs/example-espec.toml",
    ] {
        assert_eq!(
            std::fs::read(bench.work.join(relative)).unwrap(),
            shipped(relative),
            "{relative}"
        );
    }

    // A second init refuses and leaves a lab's edit alone; --force overwrites.
    let plan = bench.work.join("testplans/canteen.toml");
    std::fs::write(&plan, "# edited by the lab\n").unwrap();
    let output = bench.run(&["init"]);
    let (_, err) = text(&output);
    assert_eq!(code(&output), 2, "{err}");
    assert!(
        err.contains("--force") && err.contains("canteen.toml"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&plan).unwrap(),
        "# edited by the lab\n"
    );
    let output = bench.run(&["init", "--force"]);
    assert_eq!(code(&output), 0);
    assert_eq!(
        std::fs::read(&plan).unwrap(),
        shipped("testplans/canteen.toml")
    );

    // The copies are read in that folder…
    let (out, _) = text(&bench.run(&["plan", "list"]));
    let canteen = out.lines().find(|l| l.starts_with("canteen ")).unwrap();
    assert!(canteen.contains("current folder"), "{canteen}");

    // …and from any other folder through $FACEBENCH_HOME.
    let elsewhere = bench.tmp.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let output = bench
        .command(&elsewhere)
        .env("FACEBENCH_HOME", &bench.work)
        .args(["plan", "list"])
        .output()
        .unwrap();
    let (out, _) = text(&output);
    let canteen = out.lines().find(|l| l.starts_with("canteen ")).unwrap();
    assert!(canteen.contains("$FACEBENCH_HOME"), "{canteen}");

    // init DIR writes into that folder.
    let output = bench.run(&["init", "lab"]);
    assert_eq!(code(&output), 0);
    assert!(bench.work.join("lab/rigs/sim.toml").is_file());
}
