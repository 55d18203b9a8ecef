//! Where shipped data comes from: a lab's own copy in the current folder (`./testplans`,
//! `./rigs`), then `$FACEBENCH_HOME/{testplans,rigs}`, then the copies embedded in the binary
//! ([`crate::assets`]). Each file is looked up on its own, so a folder holding only the one plan
//! a lab edited still gets every other file.

use std::fmt;
use std::path::{Path, PathBuf};

use super::CliError;

/// The environment variable naming a lab's shared data folder.
pub const HOME_VAR: &str = "FACEBENCH_HOME";

/// Where a shipped file was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Under the current folder.
    Local,
    /// Under `$FACEBENCH_HOME`.
    Home(PathBuf),
    /// Built into the binary.
    Embedded,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Local => f.write_str("current folder"),
            Origin::Home(home) => write!(f, "${HOME_VAR} ({})", home.display()),
            Origin::Embedded => f.write_str("built in"),
        }
    }
}

/// A shipped file found on one of the layers.
#[derive(Debug, Clone)]
pub struct Found {
    /// The file to read.
    pub path: PathBuf,
    /// The folder its relative paths (an answers file's evidence) are taken from.
    pub root: PathBuf,
    /// Which layer it came from.
    pub origin: Origin,
}

/// Looks up a shipped file by its path relative to the repository root
/// (`testplans/desktop-cashier.toml`, `rigs/sim.toml`) on every layer in order.
pub fn shipped(relative: &str) -> Result<Found, CliError> {
    let on_disk = [(PathBuf::from("."), Origin::Local)]
        .into_iter()
        .chain(home().map(|home| (home.clone(), Origin::Home(home))));
    for (root, origin) in on_disk {
        let path = root.join(relative);
        if path.is_file() {
            return Ok(Found { path, root, origin });
        }
    }
    if crate::assets::find(relative).is_none() {
        return Err(CliError::input(anyhow::anyhow!(
            "{relative} not found in the current folder, in ${HOME_VAR}, or among the files built into facebench"
        )));
    }
    let root = crate::assets::extracted_root().map_err(|e| {
        CliError::harness(anyhow::anyhow!(
            "cannot write the built-in data to {}: {e}",
            std::env::temp_dir().display()
        ))
    })?;
    Ok(Found {
        path: root.join(relative),
        root,
        origin: Origin::Embedded,
    })
}

/// A file the user named (`--plan`, `--station`, `--answers`): the path itself when it exists;
/// else, for a relative path, the shipped file of that name (`rigs/example-espec.toml` works from
/// any folder). Its root is the current folder unless it came from a shipped layer.
pub fn user_file(path: &Path) -> Result<Found, CliError> {
    if path.exists() || path.is_absolute() {
        return Ok(Found {
            path: path.to_path_buf(),
            root: PathBuf::from("."),
            origin: Origin::Local,
        });
    }
    let relative = path.to_string_lossy().replace('\\', "/");
    let relative = relative.trim_start_matches("./");
    match shipped(relative) {
        Ok(found) => Ok(found),
        // Let the loader name the missing file as the user wrote it.
        Err(_) => Ok(Found {
            path: path.to_path_buf(),
            root: PathBuf::from("."),
            origin: Origin::Local,
        }),
    }
}

/// `$FACEBENCH_HOME`, when set and not empty.
fn home() -> Option<PathBuf> {
    std::env::var_os(HOME_VAR)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

/// The catalog: `testplans/catalog.toml` of the first layer that has one (so a lab's edits
/// apply), else the embedded one.
pub fn load_catalog() -> Result<crate::catalog::Catalog, CliError> {
    let found = shipped("testplans/catalog.toml")?;
    match found.origin {
        Origin::Embedded => Ok(crate::catalog::Catalog::builtin()),
        _ => crate::catalog::Catalog::load(&found.path).map_err(CliError::input),
    }
}

/// The shipped plan file of a standard.
pub fn plan_path(standard: &crate::catalog::Standard) -> Result<Found, CliError> {
    shipped(&format!("testplans/{}", standard.plan))
}
