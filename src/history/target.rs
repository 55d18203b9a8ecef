//! What `--db` names: a SQLite file (any path) or a PostgreSQL server (`postgres://` or
//! `postgresql://` URL), and the default when it names nothing.

use std::fmt;
use std::path::{Path, PathBuf};

use super::HistoryError;

/// Environment variable giving `--db` when the flag is absent.
pub const DB_ENV: &str = "FACEBENCH_DB";

/// The history file used when `--db` is given without a value, or a `history` command has no
/// `--db` and no [`DB_ENV`]: beside the default run folders (`reports/<time>-<vendor>-<model>`).
pub const DEFAULT_SQLITE: &str = "reports/history.sqlite";

/// A history database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server: the URL as given.
    Postgres(String),
}

impl DbTarget {
    /// Reads a `--db` value: empty is [`DEFAULT_SQLITE`], a `postgres://` / `postgresql://` URL
    /// is PostgreSQL, `sqlite://PATH` or `sqlite:PATH` and any other text without a URL scheme
    /// is a SQLite file. Another scheme (`mysql://`) is refused.
    pub fn parse(text: &str) -> Result<DbTarget, HistoryError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(DbTarget::default_sqlite());
        }
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(DbTarget::Postgres(trimmed.to_string()));
        }
        for prefix in ["sqlite://", "sqlite:"] {
            if lower.starts_with(prefix) {
                let path = &trimmed[prefix.len()..];
                if path.is_empty() {
                    return Err(HistoryError::BadTarget {
                        text: text.into(),
                        reason: "names no file after sqlite:".into(),
                    });
                }
                return Ok(DbTarget::Sqlite(PathBuf::from(path)));
            }
        }
        if let Some((scheme, _)) = trimmed.split_once("://") {
            return Err(HistoryError::BadTarget {
                text: text.into(),
                reason: format!(
                    "{scheme}:// is not supported; give a SQLite file path or a \
                     postgres://USER:PASSWORD@HOST:PORT/DATABASE URL"
                ),
            });
        }
        Ok(DbTarget::Sqlite(PathBuf::from(trimmed)))
    }

    /// The database of `flag` (`Some("")` is the flag without a value), else of
    /// [`DB_ENV`]; `None` when neither names one.
    pub fn from_flag_or_env(flag: Option<&str>) -> Result<Option<DbTarget>, HistoryError> {
        match flag {
            Some(text) => DbTarget::parse(text).map(Some),
            None => match std::env::var(DB_ENV) {
                Ok(text) if !text.trim().is_empty() => DbTarget::parse(&text).map(Some),
                _ => Ok(None),
            },
        }
    }

    /// [`DEFAULT_SQLITE`].
    pub fn default_sqlite() -> DbTarget {
        DbTarget::Sqlite(PathBuf::from(DEFAULT_SQLITE))
    }

    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DbTarget::Sqlite(path) => Some(path),
            DbTarget::Postgres(_) => None,
        }
    }
}

impl fmt::Display for DbTarget {
    /// The file path, or the URL with its password replaced by `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbTarget::Sqlite(path) => write!(f, "{}", path.display()),
            DbTarget::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// `scheme://user:secret@host/db` as `scheme://user:***@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_urls_and_the_default_are_told_apart() {
        assert_eq!(DbTarget::parse("").unwrap(), DbTarget::default_sqlite());
        assert_eq!(
            DbTarget::parse("bench/h.sqlite").unwrap(),
            DbTarget::Sqlite("bench/h.sqlite".into())
        );
        assert_eq!(
            DbTarget::parse("sqlite:///srv/h.db").unwrap(),
            DbTarget::Sqlite("/srv/h.db".into())
        );
        assert_eq!(
            DbTarget::parse("PostgreSQL://lab@db/history").unwrap(),
            DbTarget::Postgres("PostgreSQL://lab@db/history".into())
        );
        let err = DbTarget::parse("mysql://x/y").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("--db mysql://x/y: mysql:// is not supported"));
        assert!(DbTarget::parse("sqlite:").is_err());
    }

    #[test]
    fn a_shown_url_hides_the_password() {
        let target = DbTarget::parse("postgres://lab:s3cret@db.local:5432/h?sslmode=disable");
        assert_eq!(
            target.unwrap().to_string(),
            "postgres://lab:***@db.local:5432/h?sslmode=disable"
        );
        assert_eq!(
            without_password("postgres://lab@db/h"),
            "postgres://lab@db/h"
        );
    }
}
