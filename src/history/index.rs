//! Writing a run's rows into the history, from the run's watermark on.
//!
//! Every write of a run happens in one transaction that also moves the run's watermark
//! (`runs.indexed_seq`, the last journal entry indexed), so a connection dropped in the middle
//! leaves the database as it was and the next attempt starts from the same watermark. Rows keyed
//! by a journal sequence number are inserted only if absent and the run, its units and its series
//! summaries are upserted, so indexing the same entries twice (two indexers of one run, a retry)
//! changes nothing. [`rebuild`] deletes the run's rows and indexes the whole journal again in one
//! transaction: the database is never seen without the run.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row, Transaction};

use super::db::HistoryDb;
use super::rows::{run_id, source_key, verdict_key, RunHeader, RunRows, Summary};
use super::series::{summarise_item, SeriesSummary};
use super::HistoryError;
use crate::journal::{read_journal, RunDir};

/// What indexing a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexReport {
    /// The run's id in the history.
    pub run_id: String,
    /// The run folder.
    pub run_dir: PathBuf,
    /// Journal entries indexed by this call.
    pub new_entries: u64,
    /// The watermark now: the last entry indexed.
    pub watermark: u64,
    /// Series files summarised by this call.
    pub series_files: usize,
}

/// Tables holding a run's rows, children first.
const RUN_TABLES: [&str; 8] = [
    "series",
    "corrections",
    "criteria",
    "measurements",
    "results",
    "attempts",
    "units",
    "runs",
];

/// Indexes the entries of the run in `run_dir` that the history does not have yet.
pub async fn index_run(db: &HistoryDb, run_dir: &Path) -> Result<IndexReport, HistoryError> {
    index(db, run_dir, false).await
}

/// Recreates the run's index from its whole journal and series files.
pub async fn rebuild(db: &HistoryDb, run_dir: &Path) -> Result<IndexReport, HistoryError> {
    index(db, run_dir, true).await
}

async fn index(db: &HistoryDb, run_dir: &Path, replace: bool) -> Result<IndexReport, HistoryError> {
    let dir = RunDir::open(run_dir)?;
    let id = run_id(&dir)?;
    let contents = read_journal(&dir)?;
    let watermark = if replace {
        0
    } else {
        watermark(db, &id).await?
    };
    let last = contents.entries.last().map_or(0, |e| e.seq);
    let mut report = IndexReport {
        run_id: id.clone(),
        run_dir: run_dir.to_path_buf(),
        new_entries: 0,
        watermark,
        series_files: 0,
    };
    if !replace && last <= watermark {
        return Ok(report);
    }
    let rows = RunRows::after(id.clone(), &dir, &contents.entries, watermark)?;
    let items: BTreeSet<&str> = rows
        .results
        .iter()
        .map(|r| r.result.item.as_str())
        .collect();
    let series: Vec<SeriesSummary> = items
        .into_iter()
        .flat_map(|item| summarise_item(&dir, item))
        .collect();
    let action = format!("index run {id} ({})", run_dir.display());
    let mut tx = db.begin(&action).await?;
    if replace {
        for table in RUN_TABLES {
            let sql = format!("DELETE FROM {table} WHERE run_id = $1");
            exec(db, &mut tx, &action, sqlx::query(&sql).bind(id.as_str())).await?;
        }
    }
    write_rows(db, &mut tx, &action, &rows).await?;
    for summary in &series {
        exec(db, &mut tx, &action, series_query(&id, summary)).await?;
    }
    db.timed(&action, tx.commit()).await?;
    report.new_entries = last - watermark;
    report.watermark = last;
    report.series_files = series
        .iter()
        .map(|s| s.path.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    Ok(report)
}

/// The last entry of run `id` the history holds (0 when it has none).
pub async fn watermark(db: &HistoryDb, id: &str) -> Result<u64, HistoryError> {
    let row = db
        .timed(
            &format!("read the watermark of run {id}"),
            sqlx::query("SELECT indexed_seq FROM runs WHERE run_id = $1")
                .bind(id)
                .fetch_optional(db.pool()),
        )
        .await?;
    Ok(row.map_or(0, |row| row.get::<i64, _>(0).max(0) as u64))
}

/// Runs one statement within the database's timeout.
async fn exec<'q>(
    db: &HistoryDb,
    tx: &mut Transaction<'static, Any>,
    action: &str,
    query: Query<'q, Any, AnyArguments<'q>>,
) -> Result<(), HistoryError> {
    db.timed(action, query.execute(&mut **tx)).await.map(|_| ())
}

const UPSERT_RUN: &str = "INSERT INTO runs (run_id, run_dir, host, station, standard, plan_path, \
     plan_sha256, facebench_version, vendor, model, device_type, started_utc, last_utc, ended_utc, \
     status, verdict, sessions, indexed_seq) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
     ON CONFLICT (run_id) DO UPDATE SET run_dir = excluded.run_dir, host = excluded.host, \
     station = excluded.station, standard = excluded.standard, plan_path = excluded.plan_path, \
     plan_sha256 = excluded.plan_sha256, facebench_version = excluded.facebench_version, \
     vendor = excluded.vendor, model = excluded.model, device_type = excluded.device_type, \
     started_utc = excluded.started_utc, last_utc = excluded.last_utc, \
     ended_utc = excluded.ended_utc, status = excluded.status, verdict = excluded.verdict, \
     sessions = excluded.sessions, indexed_seq = excluded.indexed_seq";

const UPSERT_UNIT: &str = "INSERT INTO units (run_id, sample, vendor, model, device_type, \
     device_sn, camera_sn, camera_model) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (run_id, sample) DO UPDATE SET vendor = excluded.vendor, model = excluded.model, \
     device_type = excluded.device_type, device_sn = excluded.device_sn, \
     camera_sn = excluded.camera_sn, camera_model = excluded.camera_model";

const INSERT_ATTEMPT: &str = "INSERT INTO attempts (run_id, item, attempt, seq, started_utc) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id, item, attempt) DO NOTHING";

const INSERT_RESULT: &str = "INSERT INTO results (run_id, seq, item, sample, attempt, device_sn, \
     verdict, source, operator, reason, note, recorded_utc, latest) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0) \
     ON CONFLICT (run_id, seq) DO NOTHING";

const INSERT_MEASUREMENT: &str = "INSERT INTO measurements (run_id, seq, name, unit, count, \
     min_value, max_value, mean_value, last_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (run_id, seq, name) DO NOTHING";

const INSERT_CRITERION: &str = "INSERT INTO criteria (run_id, seq, position, measurement, value, \
     verdict, marginal, requirement) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (run_id, seq, position) DO NOTHING";

const INSERT_CORRECTION: &str = "INSERT INTO corrections (run_id, seq, item, sample, operator, \
     reason, old_verdict, new_verdict, recorded_utc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (run_id, seq) DO NOTHING";

const MARK_LATEST: &str = "UPDATE results SET latest = CASE WHEN seq = $1 THEN 1 ELSE 0 END \
     WHERE run_id = $2 AND item = $3 AND sample = $4";

const UPSERT_SERIES: &str = "INSERT INTO series (run_id, path, item, sample, column_name, count, \
     min_value, max_value, mean_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (run_id, path, column_name) DO UPDATE SET item = excluded.item, \
     sample = excluded.sample, count = excluded.count, min_value = excluded.min_value, \
     max_value = excluded.max_value, mean_value = excluded.mean_value";

/// Writes the header, units, attempts, results and the latest flags.
async fn write_rows(
    db: &HistoryDb,
    tx: &mut Transaction<'static, Any>,
    action: &str,
    rows: &RunRows,
) -> Result<(), HistoryError> {
    let id = rows.header.run_id.as_str();
    exec(db, tx, action, run_query(&rows.header)).await?;
    for unit in &rows.units {
        let u = &unit.unit;
        let query = sqlx::query(UPSERT_UNIT)
            .bind(id)
            .bind(i64::from(unit.sample))
            .bind(u.vendor.as_str())
            .bind(u.model.as_str())
            .bind(u.device_type.as_str())
            .bind(u.device_sn.as_str())
            .bind(u.camera_sn.as_str())
            .bind(u.camera_model.as_deref());
        exec(db, tx, action, query).await?;
    }
    for attempt in &rows.attempts {
        let query = sqlx::query(INSERT_ATTEMPT)
            .bind(id)
            .bind(attempt.item.as_str())
            .bind(i64::from(attempt.attempt))
            .bind(attempt.seq as i64)
            .bind(attempt.started_utc.as_str());
        exec(db, tx, action, query).await?;
    }
    for row in &rows.results {
        let r = &row.result;
        let seq = row.seq as i64;
        let query = sqlx::query(INSERT_RESULT)
            .bind(id)
            .bind(seq)
            .bind(r.item.as_str())
            .bind(i64::from(r.sample))
            .bind(i64::from(row.attempt))
            .bind(r.device_sn.as_str())
            .bind(verdict_key(r.verdict))
            .bind(source_key(r.source))
            .bind(r.operator.as_str())
            .bind(r.reason.as_deref())
            .bind(r.note.as_str())
            .bind(row.recorded_utc.as_str());
        exec(db, tx, action, query).await?;
        for m in &r.measurements {
            let s = Summary::of(m.values.iter().copied());
            let query = sqlx::query(INSERT_MEASUREMENT)
                .bind(id)
                .bind(seq)
                .bind(m.name.as_str())
                .bind(m.unit.as_str())
                .bind(s.count as i64)
                .bind(s.min)
                .bind(s.max)
                .bind(s.mean)
                .bind(s.last);
            exec(db, tx, action, query).await?;
        }
        for (position, c) in (0i64..).zip(&r.criteria) {
            let query = sqlx::query(INSERT_CRITERION)
                .bind(id)
                .bind(seq)
                .bind(position)
                .bind(c.measurement.as_str())
                .bind(c.value.filter(|v| v.is_finite()))
                .bind(verdict_key(c.verdict))
                .bind(i64::from(c.marginal))
                .bind(c.requirement.as_str());
            exec(db, tx, action, query).await?;
        }
        if let Some(old) = row.corrects {
            let query = sqlx::query(INSERT_CORRECTION)
                .bind(id)
                .bind(seq)
                .bind(r.item.as_str())
                .bind(i64::from(r.sample))
                .bind(r.operator.as_str())
                .bind(r.reason.as_deref())
                .bind(verdict_key(old))
                .bind(verdict_key(r.verdict))
                .bind(row.recorded_utc.as_str());
            exec(db, tx, action, query).await?;
        }
    }
    for ((item, sample), seq) in &rows.latest {
        let query = sqlx::query(MARK_LATEST)
            .bind(*seq as i64)
            .bind(id)
            .bind(item.as_str())
            .bind(i64::from(*sample));
        exec(db, tx, action, query).await?;
    }
    Ok(())
}

/// The upsert of a run's header, moving its watermark.
fn run_query(h: &RunHeader) -> Query<'_, Any, AnyArguments<'_>> {
    sqlx::query(UPSERT_RUN)
        .bind(h.run_id.as_str())
        .bind(h.run_dir.as_str())
        .bind(h.host.as_str())
        .bind(h.station.as_str())
        .bind(h.standard.as_str())
        .bind(h.plan_path.as_str())
        .bind(h.plan_sha256.as_str())
        .bind(h.facebench_version.as_str())
        .bind(h.vendor.as_str())
        .bind(h.model.as_str())
        .bind(h.device_type.as_str())
        .bind(h.started_utc.as_str())
        .bind(h.last_utc.as_str())
        .bind(h.ended_utc.as_deref())
        .bind(h.status)
        .bind(h.verdict.map(verdict_key))
        .bind(i64::from(h.sessions))
        .bind(h.last_seq as i64)
}

/// The upsert of one series column's summary.
fn series_query<'q>(id: &'q str, s: &'q SeriesSummary) -> Query<'q, Any, AnyArguments<'q>> {
    sqlx::query(UPSERT_SERIES)
        .bind(id)
        .bind(s.path.as_str())
        .bind(s.item.as_str())
        .bind(s.sample.map(i64::from))
        .bind(s.column.as_str())
        .bind(s.summary.count as i64)
        .bind(s.summary.min)
        .bind(s.summary.max)
        .bind(s.summary.mean)
}
