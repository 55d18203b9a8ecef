//! The results history (`run --db`, `history`, `history item`, `history rebuild`) against
//! SQLite, always, and against PostgreSQL when `FACEBENCH_TEST_POSTGRES_URL` names a server
//! (`.ci/postgres.sh` starts one; each test works in its own schema, so tests run in parallel).

use crate::common;
use crate::services;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{
    code, facebench, run, sim_rigs_run_args, slow_run_args, state, text, DEMO_UNIT, SLOW_PLAN,
};
use serde_json::Value;
use sqlx::{AnyPool, Connection, Executor, Row};

/// The environment variable naming the test server.
const POSTGRES_ENV: &str = "FACEBENCH_TEST_POSTGRES_URL";
/// Every table of the schema.
const TABLES: [&str; 8] = [
    "runs",
    "units",
    "attempts",
    "results",
    "measurements",
    "criteria",
    "corrections",
    "series",
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh SQLite history in `tmp`.
fn sqlite_db(tmp: &Path) -> String {
    tmp.join("history.sqlite").display().to_string()
}

/// A fresh schema `test` in the test server, as a URL that works in it; `None` (after a skip
/// line) when there is no server.
fn postgres_db(test: &str) -> Option<String> {
    let base = services::available(
        POSTGRES_ENV,
        test,
        "a PostgreSQL server URL; `bash .ci/postgres.sh start` prints one",
    )?;
    let schema = format!("t_{test}").to_lowercase();
    sqlx::any::install_default_drivers();
    runtime().block_on(async {
        let mut conn = sqlx::AnyConnection::connect(&base).await.unwrap();
        conn.execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
            .await
            .unwrap();
        conn.execute(format!("CREATE SCHEMA {schema}").as_str())
            .await
            .unwrap();
    });
    let joiner = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{joiner}options[search_path]={schema}"))
}

/// The URL sqlx takes for `db` (a SQLite path or a PostgreSQL URL).
fn url(db: &str) -> String {
    if db.starts_with("postgres") {
        db.to_string()
    } else {
        format!("sqlite://{db}")
    }
}

/// Rows per table.
fn counts(db: &str) -> Vec<(String, i64)> {
    sqlx::any::install_default_drivers();
    runtime().block_on(async {
        let pool = AnyPool::connect(&url(db)).await.unwrap();
        let mut out = Vec::new();
        for table in TABLES {
            let row = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap();
            out.push((table.to_string(), row.get::<i64, _>(0)));
        }
        pool.close().await;
        out
    })
}

/// One number from the history.
fn scalar(db: &str, sql: &str) -> i64 {
    sqlx::any::install_default_drivers();
    runtime().block_on(async {
        let pool = AnyPool::connect(&url(db)).await.unwrap();
        let value = sqlx::query(sql).fetch_one(&pool).await.unwrap().get(0);
        pool.close().await;
        value
    })
}

/// `facebench ARGS --db DB`, which must exit 0; its stdout as JSON.
fn json(args: &[&str], db: &str) -> Value {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--db", db]);
    let output = run(&all);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{all:?}\n{stdout}\n{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Item results in a journal.
fn journal_results(run_dir: &Path) -> usize {
    state(run_dir).history.values().map(Vec::len).sum()
}

/// The slow fixture plan (eight items of 0.4 s each) with its answers, as a command.
fn slow_run(run_dir: &Path, db: &str) -> Command {
    let mut command = facebench();
    command.args(slow_run_args(run_dir, &["--db", db], &DEMO_UNIT));
    command
}

fn a_simulated_run_is_indexed_queried_charted_and_rebuilt_idempotently(db: &str, tmp: &Path) {
    let run_dir = tmp.join("run");
    let output = run(&sim_rigs_run_args(&run_dir, &["--db", db]));
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    assert!(!stderr.contains("warning: the run is not"), "{stderr}");
    let journal = state(&run_dir);
    let unit = journal.first_unit();

    let runs = json(&["history", "--json"], db);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let listed = &runs[0];
    assert_eq!(listed["model"], unit.model.as_str());
    assert_eq!(listed["standard"], journal.standard.as_str());
    assert_eq!(listed["status"], "finished");
    assert_eq!(listed["verdict"], "pass");
    assert_eq!(listed["indexed_seq"], journal.last_seq);
    assert_eq!(listed["units"][0]["device_sn"], unit.device_sn.as_str());
    assert_eq!(
        listed["units"][0]["camera_model"],
        unit.camera_model.as_deref().unwrap()
    );

    let sn = unit.device_sn.to_lowercase();
    assert_eq!(
        json(&["history", "--sn", &sn, "--json"], db)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for filters in [
        ["--verdict", "no-pass"],
        ["--model", "FP-999"],
        ["--until", "2000-01-01"],
        ["--standard", "medical"],
    ] {
        let mut args = vec!["history", "--json"];
        args.extend(filters);
        assert_eq!(json(&args, db), Value::Array(vec![]), "{filters:?}");
    }

    let damp = &journal.results["CLM-DAMP"][&1];
    let items = json(
        &["history", "item", "CLM-DAMP", "--model", "fp-200", "--json"],
        db,
    );
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["verdict"], "pass");
    assert_eq!(items[0]["device_sn"], unit.device_sn.as_str());
    let temp = items[0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "chamber_temp")
        .expect("chamber_temp indexed");
    let readings = &damp
        .measurements
        .iter()
        .find(|m| m.name == "chamber_temp")
        .unwrap()
        .values;
    assert_eq!(temp["count"], readings.len());
    let judged = damp
        .criteria
        .iter()
        .find(|c| c.measurement == "chamber_temp")
        .unwrap();
    let indexed = temp["judged"].as_f64().unwrap();
    assert!((indexed - judged.value.unwrap()).abs() < 1e-9, "{temp}");
    assert!(
        scalar(
            db,
            "SELECT COUNT(*) FROM series WHERE column_name = 'temp_pv'"
        ) >= 1
    );

    let chart = tmp.join("trend.png");
    let output = run(&[
        "history",
        "item",
        "clm-damp",
        "--measure",
        "chamber_temp",
        "--chart",
        chart.to_str().unwrap(),
        "--db",
        db,
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("chamber_temp="), "{stdout}");
    let png = image::open(&chart).expect("the chart is a PNG");
    assert_eq!((png.width(), png.height()), (1200, 652));

    // Rebuilding gives the same rows, however often.
    let before = counts(db);
    let listed_before = json(&["history", "--json"], db);
    let all_before = json(&["history", "item", "MEC-DROP", "--all", "--json"], db);
    for _ in 0..2 {
        let output = run(&["history", "rebuild", run_dir.to_str().unwrap(), "--db", db]);
        assert_eq!(code(&output), 0, "{:?}", text(&output));
        assert_eq!(counts(db), before);
    }
    assert_eq!(json(&["history", "--json"], db), listed_before);
    assert_eq!(
        json(&["history", "item", "MEC-DROP", "--all", "--json"], db),
        all_before
    );
}

fn a_database_that_is_down_never_stops_the_run_and_rebuild_indexes_it(db: &str, tmp: &Path) {
    let unreachable = [
        tmp.join("no-such-folder/history.sqlite")
            .display()
            .to_string(),
        "postgres://nobody:secret@127.0.0.1:9/history".to_string(),
    ];
    let mut run_dirs = Vec::new();
    for (n, down) in unreachable.iter().enumerate() {
        let run_dir = tmp.join(format!("run-{n}"));
        let output = slow_run(&run_dir, down)
            .args(["--sim-clock", "--only", "FUN-001", "FUN-002"])
            .output()
            .unwrap();
        let (stdout, stderr) = text(&output);
        assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
        assert!(stdout.contains("run finished"), "{stdout}");
        assert!(
            stderr.contains("warning: index it later with: facebench history rebuild"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("secret"),
            "the password is never shown: {stderr}"
        );
        assert_eq!(journal_results(&run_dir), 2);
        run_dirs.push(run_dir);
    }
    let mut args = vec!["history", "rebuild"];
    args.extend(run_dirs.iter().map(|d| d.to_str().unwrap()));
    args.extend(["--db", db]);
    let output = run(&args);
    assert_eq!(code(&output), 0, "{:?}", text(&output));
    assert_eq!(
        json(&["history", "--json"], db).as_array().unwrap().len(),
        2
    );
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM results"), 4);
}

fn two_runs_indexing_at_once_lose_nothing(db: &str, tmp: &Path) {
    let run_dirs = [tmp.join("bench-a"), tmp.join("bench-b")];
    let children: Vec<_> = run_dirs
        .iter()
        .map(|dir| {
            slow_run(dir, db)
                .args(["--only", "FUN-001", "FUN-002", "FUN-003"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(code(&output), 0, "{stderr}");
        assert!(!stderr.contains("warning: the run is not"), "{stderr}");
    }
    let runs = json(&["history", "--json"], db);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2, "{runs:?}");
    for dir in &run_dirs {
        let journal = state(dir);
        let listed = runs
            .iter()
            .find(|r| r["run_dir"] == dir.display().to_string())
            .expect("each run is listed");
        assert_eq!(listed["indexed_seq"], journal.last_seq);
        let id = listed["run_id"].as_str().unwrap();
        let results = scalar(
            db,
            &format!("SELECT COUNT(*) FROM results WHERE run_id = '{id}'"),
        );
        assert_eq!(results as usize, journal_results(dir));
        let attempts = scalar(
            db,
            &format!("SELECT COUNT(*) FROM attempts WHERE run_id = '{id}'"),
        );
        assert_eq!(attempts as u32, journal.attempts.values().sum::<u32>());
    }
}

/// Runs `test` on a new SQLite file in a temporary folder.
fn on_sqlite(test: fn(&str, &Path)) {
    let tmp = tempfile::tempdir().unwrap();
    test(&sqlite_db(tmp.path()), tmp.path());
}

/// Runs `test` in a new PostgreSQL schema `schema` when the test server is there; otherwise
/// [`postgres_db`] prints why it skipped.
fn on_postgres(schema: &str, test: fn(&str, &Path)) {
    let Some(db) = postgres_db(schema) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    test(&db, tmp.path());
}

#[test]
fn sqlite_indexes_a_simulated_run_queries_charts_and_rebuilds() {
    on_sqlite(a_simulated_run_is_indexed_queried_charted_and_rebuilt_idempotently);
}

#[test]
fn postgres_indexes_a_simulated_run_queries_charts_and_rebuilds() {
    on_postgres(
        "indexes_a_simulated_run",
        a_simulated_run_is_indexed_queried_charted_and_rebuilt_idempotently,
    );
}

#[test]
fn sqlite_down_never_stops_a_run_and_rebuild_indexes_it() {
    on_sqlite(a_database_that_is_down_never_stops_the_run_and_rebuild_indexes_it);
}

#[test]
fn postgres_down_never_stops_a_run_and_rebuild_indexes_it() {
    on_postgres(
        "down_never_stops_a_run",
        a_database_that_is_down_never_stops_the_run_and_rebuild_indexes_it,
    );
}

#[test]
fn sqlite_two_runs_indexing_at_once_lose_nothing() {
    on_sqlite(two_runs_indexing_at_once_lose_nothing);
}

#[test]
fn postgres_two_runs_indexing_at_once_lose_nothing() {
    on_postgres("two_runs_at_once", two_runs_indexing_at_once_lose_nothing);
}

#[test]
fn history_errors_name_the_database() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("none.sqlite");
    let output = run(&["history", "--db", missing.to_str().unwrap()]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(
        stderr.contains(&format!("no history database at {}", missing.display())),
        "{stderr}"
    );
    let output = run(&["history", "--db", "mysql://lab/h"]);
    assert_eq!(code(&output), 2);
    assert!(text(&output).1.contains("mysql:// is not supported"));
    let output = run(&["history", "--db", "postgres://lab:pw@127.0.0.1:9/h"]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 3, "{stderr}");
    assert!(
        stderr.contains("cannot open history database postgres://lab:***@127.0.0.1:9/h"),
        "{stderr}"
    );
    let output = run(&["run", "--db", "mysql://lab/h", "--plan", SLOW_PLAN]);
    assert_eq!(
        code(&output),
        2,
        "a bad --db is refused before the run starts"
    );
}
