//! Property tests: random mutations of the shipped plans (numbers turned to 0, negatives, 1e20,
//! 1e-300, NaN, infinities and huge counts; item ids turned to path-traversal strings) never make
//! the plan check panic and never let a bad id through, and a mutated plan that passes the check
//! runs its mutated item on the simulated station and clock without a panic, a hang, or a file
//! outside the run directory.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{facebench, text, DEMO_UNIT};
use facebench::catalog::Catalog;
use facebench::plan::parse_plan;
use proptest::prelude::*;

/// The shipped plans; the first is the demo unit's standard, the one mutated plans are run for.
const PLANS: [&str; 5] = [
    "testplans/desktop-cashier.toml",
    "testplans/canteen.toml",
    "testplans/medical.toml",
    "testplans/self-checkout.toml",
    "testplans/unattended-vending.toml",
];

/// What a number is replaced with: zero, negatives, absurdly large and small, not a number,
/// counts beyond any rig, and one that is not even a TOML integer.
const NUMBERS: [&str; 12] = [
    "0",
    "-1",
    "-0.5",
    "-40",
    "1e20",
    "1e-300",
    "nan",
    "inf",
    "-inf",
    "4294967295",
    "1000001",
    "99999999999999999999",
];

/// What an item id is replaced with: ways out of a run directory and names a file system
/// treats specially.
const IDS: [&str; 7] = [
    "../../../X",
    "..",
    "a/b",
    ".hidden",
    "/tmp/abs",
    "CLM\u{202e}1",
    "C:\\\\x",
];

/// Longest a run of one mutated item may take on the simulated clock.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A place in the plan text that can be mutated: a number after `= `, or an item id's text.
#[derive(Debug, Clone)]
struct Site {
    range: std::ops::Range<usize>,
    is_id: bool,
}

fn sites(text: &str) -> Vec<Site> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("= ") {
        let start = at + 2;
        let rest = &text[start..];
        if let Some(quoted) = rest.strip_prefix('"') {
            let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
            if text[line_start..at].trim() == "id" {
                let end = quoted.find('"').map_or(start + 1, |n| start + 1 + n);
                found.push(Site {
                    range: start + 1..end,
                    is_id: true,
                });
            }
            continue;
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_digit() || "+-._eE".contains(c)))
            .unwrap_or(rest.len());
        let token = &rest[..len];
        if token.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            found.push(Site {
                range: start..start + len,
                is_id: false,
            });
        }
    }
    found
}

/// The id of the item whose table holds byte `offset`, if any.
fn item_at(text: &str, offset: usize) -> Option<String> {
    let header = text[..offset].rfind("[[items]]")?;
    let id_line = text[header..].find("\nid = \"")? + header + 7;
    let end = text[id_line..].find('"')? + id_line;
    Some(text[id_line..end].to_string())
}

/// Runs facebench, killing it after [`RUN_LIMIT`]; `None` when it had to be killed.
fn run_bounded(args: &[&str]) -> Option<Output> {
    let mut child = facebench()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("facebench starts");
    let began = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if began.elapsed() > RUN_LIMIT {
            child.kill().expect("kill");
            child.wait().expect("reap");
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(child.wait_with_output().expect("output"))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Runs the mutated item of a plan that passed the check and checks how the run ended.
fn run_mutated(plan_text: &str, item: &str) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let plan = tmp.path().join("plan.toml");
    std::fs::write(&plan, plan_text).expect("write plan");
    // Deep enough that `../../../X` from the series folder still lands inside `tmp`.
    let run_dir = tmp.path().join("a/b/c/run");
    let mut args = vec![
        "run",
        "--sim",
        "--plan",
        plan.to_str().unwrap(),
        "--run-dir",
        run_dir.to_str().unwrap(),
        "--only",
        item,
    ];
    args.extend(DEMO_UNIT);
    let output = run_bounded(&args);
    prop_assert!(output.is_some(), "{item} ran longer than {RUN_LIMIT:?}");
    let output = output.unwrap_or_else(|| unreachable!());
    let (stdout, stderr) = text(&output);
    let code = output.status.code();
    prop_assert!(
        matches!(code, Some(0 | 1 | 3)),
        "{item}: exit {code:?}\n{stdout}\n{stderr}"
    );
    prop_assert!(!stderr.contains("panicked"), "{item}: {stderr}");
    for file in files_under(tmp.path()) {
        prop_assert!(
            file == plan || file.starts_with(&run_dir),
            "{item} wrote {} outside the run directory",
            file.display()
        );
    }
    Ok(())
}

/// The text of shipped plan `which` with the site `pick` chooses replaced by `number` (or by
/// `id` when the site is an item id), the site, and the id of the item it lies in.
fn mutate(
    which: usize,
    pick: &prop::sample::Index,
    number: &str,
    id: &str,
) -> Result<(String, Site, Option<String>), TestCaseError> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PLANS[which]);
    let original = std::fs::read_to_string(&path).expect("shipped plan");
    let all = sites(&original);
    prop_assert!(
        all.len() > 100,
        "{} has numbers and ids to mutate",
        PLANS[which]
    );
    let site = all[pick.index(all.len())].clone();
    let replacement = if site.is_id { id } else { number };
    let mut mutated = original;
    mutated.replace_range(site.range.clone(), replacement);
    let item = item_at(&mutated, site.range.start);
    Ok((mutated, site, item))
}

// Checking a plan is in-process and cheap: many cases over every shipped plan. Running one is
// a process on the simulated station (seconds for a chamber item): fewer cases, on the demo
// unit's plan.
proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn mutated_plans_are_refused_or_pass_the_check(
        which in 0..PLANS.len(),
        pick in any::<prop::sample::Index>(),
        number in prop::sample::select(NUMBERS.to_vec()),
        id in prop::sample::select(IDS.to_vec()),
    ) {
        let (mutated, site, _) = mutate(which, &pick, number, id)?;
        let checked = parse_plan(&mutated, PLANS[which], &Catalog::builtin());
        if site.is_id {
            prop_assert!(checked.is_err(), "id `{id}` passed the check");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn mutated_plans_that_pass_the_check_run_safely(
        pick in any::<prop::sample::Index>(),
        number in prop::sample::select(NUMBERS.to_vec()),
        id in prop::sample::select(IDS.to_vec()),
    ) {
        let (mutated, _, item) = mutate(0, &pick, number, id)?;
        let checked = parse_plan(&mutated, PLANS[0], &Catalog::builtin());
        if let (Ok(_), Some(item)) = (checked, item) {
            run_mutated(&mutated, &item)?;
        }
    }
}

#[test]
fn sites_find_numbers_and_ids_but_not_words() {
    let text = "[[items]]\nid = \"A-1\"\nx = 1.5\ny = -2\nz = \"3\"\nw = { a = 4 }\n";
    let found: Vec<(&str, bool)> = sites(text)
        .iter()
        .map(|s| (&text[s.range.clone()], s.is_id))
        .collect();
    assert_eq!(
        found,
        [("A-1", true), ("1.5", false), ("-2", false), ("4", false)]
    );
    assert_eq!(item_at(text, text.len() - 1).as_deref(), Some("A-1"));
}
