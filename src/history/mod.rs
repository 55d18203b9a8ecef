//! The results history: every run's units, items, attempts, results, corrections and series
//! summaries indexed into a database, so a lab can ask across runs ("how did this model's frame
//! rate at −10 °C change between builds", "which units failed drop tests this month").
//!
//! The journal stays the source of truth: the index is derived from a run folder alone
//! ([`rows`] reads the journal through [`crate::journal`], [`series`] summarises the series
//! files), so [`rebuild`] can always recreate it. SQLite (one bundled file per bench, the
//! default) and PostgreSQL (a lab's shared server) get the same schema from the same SQL
//! migrations ([`db`]).
//!
//! - [`target`]: what `--db` names (a file path or a `postgres://` URL) and the default.
//! - [`db`]: connecting, migrations, SQLite's WAL and busy timeout, errors naming the database.
//! - [`rows`], [`series`]: the rows a run folder gives, from the journal and the series files.
//! - [`index`]: writing them, idempotently, from a per-run watermark (events indexed).
//! - [`live`]: indexing a run while it runs, from a background thread that never holds it up.
//! - [`query`]: listing runs and one item's results across runs.

pub mod db;
pub mod index;
pub mod live;
pub mod query;
pub mod rows;
pub mod series;
pub mod target;

pub use db::HistoryDb;
pub use index::{index_run, rebuild, IndexReport};
pub use live::{LiveIndex, LiveOutcome};
pub use query::{item_results, list_runs, ItemFilter, ItemResultRow, RunFilter, RunRow};
pub use target::DbTarget;

use std::time::Duration;

use crate::journal::JournalError;

/// Why the history database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// `--db` names neither a file path nor a PostgreSQL URL.
    #[error("--db {text}: {reason}")]
    BadTarget {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A query asked for a SQLite history that does not exist yet.
    #[error(
        "no history database at {db}: runs are indexed into it by `facebench run --db` or \
         `facebench history rebuild RUN_DIR`"
    )]
    Missing {
        /// The database, as shown to people.
        db: String,
    },
    /// The database could not be reached or opened.
    #[error("cannot open history database {db}: {source}")]
    Connect {
        /// The database, as shown to people (no password).
        db: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A statement failed.
    #[error("history database {db}: cannot {action}: {source}")]
    Query {
        /// The database, as shown to people (no password).
        db: String,
        /// What was being done, e.g. `index run 3f2a…`.
        action: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The database did not answer in time.
    #[error("history database {db}: no answer within {} ms to {action}", after.as_millis())]
    Timeout {
        /// The database, as shown to people (no password).
        db: String,
        /// What was being done.
        action: String,
        /// How long it was given.
        after: Duration,
    },
    /// The run folder could not be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl HistoryError {
    /// True when the error lies in what the user named (a bad `--db`, a missing history file, a
    /// run folder that is not one) rather than in the database server or the machine.
    pub fn is_input_error(&self) -> bool {
        match self {
            HistoryError::BadTarget { .. } | HistoryError::Missing { .. } => true,
            HistoryError::Journal(error) => error.is_input_error(),
            HistoryError::Connect { .. }
            | HistoryError::Query { .. }
            | HistoryError::Timeout { .. } => false,
        }
    }
}
