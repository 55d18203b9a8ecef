//! Opening a history database: SQLite (bundled) or PostgreSQL through sqlx's `any` driver, the
//! schema brought up to date by the embedded migrations, and every failure named with the
//! database it concerns.
//!
//! Several processes may index into one database at once (two benches on one server, two runs
//! on one PC). PostgreSQL serialises them with transactions. A SQLite file is put in WAL mode
//! (readers never wait for the writer) with a busy timeout, and every write transaction starts
//! with `BEGIN IMMEDIATE`, so a writer waits for the file's write lock up front instead of
//! failing when a read turns into a write. SQLite's WAL needs the processes on one machine: a
//! history shared by several PCs belongs in PostgreSQL, not in a file on a network share.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::pool::PoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection, Executor, Transaction};

use super::target::DbTarget;
use super::HistoryError;

/// The schema, in order; the same SQL for both databases.
const MIGRATIONS: [(i64, &str, &str); 1] =
    [(1, "history", include_str!("migrations/0001_history.sql"))];

/// How long a SQLite writer waits for another process's write to finish.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 15_000;

/// Whether opening may create a SQLite file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file (and the schema) if missing: for indexing.
    Create,
    /// The file must exist: for queries, which would only find an empty history.
    Existing,
}

/// An open history database.
#[derive(Debug, Clone)]
pub struct HistoryDb {
    pool: AnyPool,
    target: DbTarget,
    shown: String,
    timeout: Duration,
}

impl HistoryDb {
    /// Connects to `target` within `timeout` and applies the migrations it lacks. Every later
    /// statement is bounded by the same `timeout`.
    pub async fn open(
        target: &DbTarget,
        mode: OpenMode,
        timeout: Duration,
    ) -> Result<HistoryDb, HistoryError> {
        sqlx::any::install_default_drivers();
        let shown = target.to_string();
        let options = connect_options(target, mode)?;
        let connect_error = |source| HistoryError::Connect {
            db: shown.clone(),
            source,
        };
        // One direct connection first: the pool would retry a refused connection until its
        // timeout and report only that it timed out, not why.
        let probe = tokio::time::timeout(timeout, AnyConnection::connect_with(&options))
            .await
            .map_err(|_| HistoryError::Timeout {
                db: shown.clone(),
                action: "connect".into(),
                after: timeout,
            })?
            .map_err(connect_error)?;
        let sqlite = target.sqlite_path().is_some();
        let _ = probe.close().await;
        let pool = pool_options(sqlite, mode, timeout).connect_lazy_with(options);
        let db = HistoryDb {
            pool,
            target: target.clone(),
            shown,
            timeout,
        };
        db.migrate().await?;
        Ok(db)
    }

    /// The database as it was named.
    pub fn target(&self) -> &DbTarget {
        &self.target
    }

    /// The database as shown to people (no password).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The connection pool, for queries.
    pub(super) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite, see the module docs).
    pub(super) async fn begin(
        &self,
        action: &str,
    ) -> Result<Transaction<'static, Any>, HistoryError> {
        let statement = if self.target.sqlite_path().is_some() {
            "BEGIN IMMEDIATE"
        } else {
            "BEGIN"
        };
        self.timed(action, self.pool.begin_with(statement)).await
    }

    /// Runs `work` within the statement timeout, naming `action` in its error.
    pub(super) async fn timed<T>(
        &self,
        action: &str,
        work: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, HistoryError> {
        match tokio::time::timeout(self.timeout, work).await {
            Ok(result) => result.map_err(|source| self.error(action, source)),
            Err(_) => Err(HistoryError::Timeout {
                db: self.shown.clone(),
                action: action.into(),
                after: self.timeout,
            }),
        }
    }

    /// A failed statement, named with the database and what was being done.
    pub(super) fn error(&self, action: &str, source: sqlx::Error) -> HistoryError {
        HistoryError::Query {
            db: self.shown.clone(),
            action: action.into(),
            source,
        }
    }

    /// Closes every connection.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Applies the migrations the database lacks. Two processes opening a new database at once
    /// may race to apply the first one; the loser finds it applied on its second try.
    async fn migrate(&self) -> Result<(), HistoryError> {
        let migrator = Migrator::new(Embedded)
            .await
            .map_err(|e| self.error("read the migrations", e.into()))?;
        let mut outcome = self.timed_migrate(&migrator).await;
        if outcome.is_err() {
            outcome = self.timed_migrate(&migrator).await;
        }
        outcome
    }

    async fn timed_migrate(&self, migrator: &Migrator) -> Result<(), HistoryError> {
        self.timed("apply the schema migrations", async {
            migrator.run(&self.pool).await.map_err(sqlx::Error::from)
        })
        .await
    }
}

/// The driver options of `target`.
fn connect_options(target: &DbTarget, mode: OpenMode) -> Result<AnyConnectOptions, HistoryError> {
    let bad = |e: sqlx::Error| HistoryError::BadTarget {
        text: target.to_string(),
        reason: e.to_string(),
    };
    match target {
        DbTarget::Sqlite(path) => {
            if mode == OpenMode::Existing && !path.is_file() {
                return Err(HistoryError::Missing {
                    db: target.to_string(),
                });
            }
            // The `any` driver takes a URL: the SQLite driver writes the file's (characters
            // such as `?` and `#` in the path escaped).
            let url = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(mode == OpenMode::Create)
                .to_url_lossy();
            AnyConnectOptions::from_url(&url).map_err(bad)
        }
        DbTarget::Postgres(url) => url.parse::<AnyConnectOptions>().map_err(bad),
    }
}

/// The pool: SQLite connections set their busy timeout (and WAL, when the file may be written)
/// as they open.
fn pool_options(sqlite: bool, mode: OpenMode, timeout: Duration) -> PoolOptions<Any> {
    let options = AnyPoolOptions::new()
        .max_connections(if sqlite { 2 } else { 4 })
        .min_connections(0)
        .acquire_timeout(timeout);
    if !sqlite {
        return options;
    }
    options.after_connect(move |conn, _meta| {
        Box::pin(async move {
            conn.execute(format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}").as_str())
                .await?;
            if mode == OpenMode::Create {
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
            }
            Ok(())
        })
    })
}

/// The migrations built into the binary.
#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<
        Box<
            dyn Future<Output = Result<Vec<Migration>, Box<dyn std::error::Error + Send + Sync>>>
                + Send,
        >,
    > {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|(version, name, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*name),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}
