//! Reading the history: runs by model, SN, standard, date and verdict, and one item's results
//! across runs with their measured values. Each answer takes a fixed number of queries (not one
//! per run), so it stays fast over thousands of runs.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

use super::db::HistoryDb;
use super::rows::verdict_key;
use super::HistoryError;
use crate::judge::Verdict;

/// Which runs to list; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    /// A unit of the run has this model (any case).
    pub model: Option<String>,
    /// A unit of the run has this device SN (any case).
    pub sn: Option<String>,
    /// The run's standard id.
    pub standard: Option<String>,
    /// Started on or after this day (UTC).
    pub since: Option<chrono::NaiveDate>,
    /// Started on or before this day (UTC).
    pub until: Option<chrono::NaiveDate>,
    /// The run's overall verdict.
    pub verdict: Option<Verdict>,
}

/// A unit of a listed run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunUnit {
    /// Sample number.
    pub sample: i64,
    /// Model.
    pub model: String,
    /// Device SN.
    pub device_sn: String,
    /// Camera module model, when recorded.
    pub camera_model: Option<String>,
}

/// One run of the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    /// The run's id.
    pub run_id: String,
    /// The run folder it was indexed from.
    pub run_dir: String,
    /// Vendor of sample 1.
    pub vendor: String,
    /// Model of sample 1.
    pub model: String,
    /// Device type of sample 1.
    pub device_type: String,
    /// Standard id.
    pub standard: String,
    /// Station name.
    pub station: String,
    /// Test PC.
    pub host: String,
    /// First journal entry (RFC 3339 UTC).
    pub started_utc: String,
    /// When it finished or was stopped.
    pub ended_utc: Option<String>,
    /// `finished`, `stopped` or `unfinished`.
    pub status: String,
    /// The worst latest result (`pass`, `no-pass`, `na`, `not-tested`, `error`), if any.
    pub verdict: Option<String>,
    /// Journal entries indexed.
    pub indexed_seq: i64,
    /// The units, sample 1 first.
    pub units: Vec<RunUnit>,
}

/// Which results of an item to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemFilter {
    /// Item id (as given or in upper case).
    pub item: String,
    /// Only units of this model (any case).
    pub model: Option<String>,
    /// Only this measurement's values.
    pub measure: Option<String>,
    /// Every result (re-runs and corrected ones too), not only the latest per run and sample.
    pub all: bool,
}

/// A measured value of a result: the measurement's summary and, where a criterion judged it,
/// the criterion's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasuredValue {
    /// Measurement name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Readings.
    pub count: i64,
    /// Smallest reading.
    pub min: Option<f64>,
    /// Largest reading.
    pub max: Option<f64>,
    /// Mean reading.
    pub mean: Option<f64>,
    /// The value a criterion judged (its aggregate), if one did.
    pub judged: Option<f64>,
    /// That criterion's requirement text.
    pub requirement: Option<String>,
}

impl MeasuredValue {
    /// The value that stands for the result: the judged value, else the mean.
    pub fn value(&self) -> Option<f64> {
        self.judged.or(self.mean)
    }
}

/// One result of an item in one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemResultRow {
    /// The run's id.
    pub run_id: String,
    /// Its folder.
    pub run_dir: String,
    /// When the run started.
    pub run_started_utc: String,
    /// When this result was recorded.
    pub recorded_utc: String,
    /// Sample number.
    pub sample: i64,
    /// Attempt number.
    pub attempt: i64,
    /// The unit's model.
    pub model: String,
    /// The unit's SN.
    pub device_sn: String,
    /// The unit's camera model, when recorded.
    pub camera_model: Option<String>,
    /// Verdict (journal spelling).
    pub verdict: String,
    /// Where the result came from.
    pub source: String,
    /// True when it is the run's latest result of the item on that sample.
    pub latest: bool,
    /// Measured values.
    pub values: Vec<MeasuredValue>,
    /// The result's journal sequence number in its run.
    pub seq: i64,
}

const RUN_COLUMNS: &str = "r.run_id, r.run_dir, r.vendor, r.model, r.device_type, r.standard, \
     r.station, r.host, r.started_utc, r.ended_utc, r.status, r.verdict, r.indexed_seq";

/// Runs matching `filter`, newest first.
pub async fn list_runs(db: &HistoryDb, filter: &RunFilter) -> Result<Vec<RunRow>, HistoryError> {
    let mut sql = format!("SELECT {RUN_COLUMNS} FROM runs r WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    let bind = |binds: &mut Vec<String>, value: String| {
        binds.push(value);
        format!("${}", binds.len())
    };
    if let Some(model) = &filter.model {
        let n = bind(&mut binds, model.to_lowercase());
        sql += &format!(
            " AND EXISTS (SELECT 1 FROM units u WHERE u.run_id = r.run_id AND LOWER(u.model) = {n})"
        );
    }
    if let Some(sn) = &filter.sn {
        let n = bind(&mut binds, sn.to_uppercase());
        sql += &format!(
            " AND EXISTS (SELECT 1 FROM units u WHERE u.run_id = r.run_id \
             AND UPPER(u.device_sn) = {n})"
        );
    }
    if let Some(standard) = &filter.standard {
        let n = bind(&mut binds, standard.clone());
        sql += &format!(" AND r.standard = {n}");
    }
    if let Some(since) = filter.since {
        let n = bind(&mut binds, since.format("%Y-%m-%d").to_string());
        sql += &format!(" AND r.started_utc >= {n}");
    }
    if let Some(until) = filter.until.and_then(|day| day.succ_opt()) {
        let n = bind(&mut binds, until.format("%Y-%m-%d").to_string());
        sql += &format!(" AND r.started_utc < {n}");
    }
    if let Some(verdict) = filter.verdict {
        let n = bind(&mut binds, verdict_key(verdict).to_string());
        sql += &format!(" AND r.verdict = {n}");
    }
    sql += " ORDER BY r.started_utc DESC, r.run_id";
    let mut query = sqlx::query(&sql);
    for value in &binds {
        query = query.bind(value.as_str());
    }
    let rows = db.timed("list runs", query.fetch_all(db.pool())).await?;
    let mut runs: Vec<RunRow> = rows.iter().map(run_row).collect();
    attach_units(db, &mut runs).await?;
    Ok(runs)
}

fn run_row(row: &AnyRow) -> RunRow {
    RunRow {
        run_id: row.get(0),
        run_dir: row.get(1),
        vendor: row.get(2),
        model: row.get(3),
        device_type: row.get(4),
        standard: row.get(5),
        station: row.get(6),
        host: row.get(7),
        started_utc: row.get(8),
        ended_utc: row.get(9),
        status: row.get(10),
        verdict: row.get(11),
        indexed_seq: row.get(12),
        units: Vec::new(),
    }
}

/// Fills in the units of `runs`, a few hundred runs per query.
async fn attach_units(db: &HistoryDb, runs: &mut [RunRow]) -> Result<(), HistoryError> {
    let mut by_run: BTreeMap<String, Vec<RunUnit>> = BTreeMap::new();
    for chunk in runs.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT run_id, sample, model, device_sn, camera_model FROM units \
             WHERE run_id IN ({}) ORDER BY run_id, sample",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for run in chunk {
            query = query.bind(run.run_id.as_str());
        }
        for row in db.timed("list units", query.fetch_all(db.pool())).await? {
            by_run.entry(row.get(0)).or_default().push(RunUnit {
                sample: row.get(1),
                model: row.get(2),
                device_sn: row.get(3),
                camera_model: row.get(4),
            });
        }
    }
    for run in runs {
        run.units = by_run.remove(&run.run_id).unwrap_or_default();
    }
    Ok(())
}

/// The results of one item across runs, oldest run first.
pub async fn item_results(
    db: &HistoryDb,
    filter: &ItemFilter,
) -> Result<Vec<ItemResultRow>, HistoryError> {
    let mut binds = vec![filter.item.clone(), filter.item.to_uppercase()];
    let mut scope = String::from(
        "FROM results res JOIN units u ON u.run_id = res.run_id AND u.sample = res.sample \
         WHERE res.item IN ($1, $2)",
    );
    if !filter.all {
        scope += " AND res.latest = 1";
    }
    if let Some(model) = &filter.model {
        binds.push(model.to_lowercase());
        scope += &format!(" AND LOWER(u.model) = ${}", binds.len());
    }
    let results_sql = format!(
        "SELECT res.run_id, r.run_dir, r.started_utc, res.recorded_utc, res.sample, res.attempt, \
         u.model, u.device_sn, u.camera_model, res.verdict, res.source, res.latest, res.seq \
         {} ORDER BY r.started_utc, res.run_id, res.sample, res.seq",
        scope.replacen(
            "FROM results res",
            "FROM results res JOIN runs r ON r.run_id = res.run_id",
            1
        )
    );
    let measure_sql = format!(
        "SELECT m.run_id, m.seq, m.name, m.unit, m.count, m.min_value, m.max_value, m.mean_value \
         FROM measurements m JOIN ({}) k ON k.run_id = m.run_id AND k.seq = m.seq \
         ORDER BY m.run_id, m.seq, m.name",
        format_args!("SELECT res.run_id, res.seq {scope}")
    );
    let criteria_sql = format!(
        "SELECT c.run_id, c.seq, c.measurement, c.value, c.requirement \
         FROM criteria c JOIN ({}) k ON k.run_id = c.run_id AND k.seq = c.seq \
         ORDER BY c.run_id, c.seq, c.position",
        format_args!("SELECT res.run_id, res.seq {scope}")
    );
    let fetch = |sql| bound(sql, &binds);
    let action = format!("read the results of {}", filter.item);
    let rows = db
        .timed(&action, fetch(&results_sql).fetch_all(db.pool()))
        .await?;
    let measures = db
        .timed(&action, fetch(&measure_sql).fetch_all(db.pool()))
        .await?;
    let criteria = db
        .timed(&action, fetch(&criteria_sql).fetch_all(db.pool()))
        .await?;

    let mut values: BTreeMap<(String, i64), Vec<MeasuredValue>> = BTreeMap::new();
    for row in &measures {
        values
            .entry((row.get(0), row.get(1)))
            .or_default()
            .push(MeasuredValue {
                name: row.get(2),
                unit: row.get(3),
                count: row.get(4),
                min: row.get(5),
                max: row.get(6),
                mean: row.get(7),
                judged: None,
                requirement: None,
            });
    }
    for row in &criteria {
        let list = values.entry((row.get(0), row.get(1))).or_default();
        let name: String = row.get(2);
        let judged: Option<f64> = row.get(3);
        let requirement: String = row.get(4);
        match list
            .iter_mut()
            .find(|v| v.name == name && v.judged.is_none())
        {
            Some(value) => {
                value.judged = judged;
                value.requirement = Some(requirement);
            }
            None => list.push(MeasuredValue {
                name,
                unit: String::new(),
                count: 0,
                min: None,
                max: None,
                mean: None,
                judged,
                requirement: Some(requirement),
            }),
        }
    }
    Ok(rows
        .iter()
        .map(|row| {
            let run_id: String = row.get(0);
            let seq: i64 = row.get(12);
            let mut found = values.remove(&(run_id.clone(), seq)).unwrap_or_default();
            if let Some(measure) = &filter.measure {
                found.retain(|v| v.name.eq_ignore_ascii_case(measure));
            }
            ItemResultRow {
                run_id,
                run_dir: row.get(1),
                run_started_utc: row.get(2),
                recorded_utc: row.get(3),
                sample: row.get(4),
                attempt: row.get(5),
                model: row.get(6),
                device_sn: row.get(7),
                camera_model: row.get(8),
                verdict: row.get(9),
                source: row.get(10),
                latest: row.get::<i64, _>(11) == 1,
                values: found,
                seq,
            }
        })
        .collect())
}

/// `sql` with `binds` bound to `$1`, `$2`, …
fn bound<'q>(sql: &'q str, binds: &'q [String]) -> Query<'q, Any, AnyArguments<'q>> {
    binds
        .iter()
        .fold(sqlx::query(sql), |query, value| query.bind(value.as_str()))
}
