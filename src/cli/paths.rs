//! Where shipped data lives: the `testplans/` folder.

use std::path::{Path, PathBuf};

/// The shipped `testplans/` folder: `./testplans` when run from a checkout, else the one
/// beside the crate that built this binary.
pub fn testplans_dir() -> PathBuf {
    let local = Path::new("testplans");
    if local.join("catalog.toml").is_file() {
        return local.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testplans")
}

/// The folder shipped relative paths (answers' evidence files) are taken from.
pub fn repo_root() -> PathBuf {
    testplans_dir()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The catalog: `testplans/catalog.toml` (so a lab's edits apply), else the embedded one.
pub fn load_catalog() -> Result<crate::catalog::Catalog, super::CliError> {
    let path = testplans_dir().join("catalog.toml");
    if path.is_file() {
        crate::catalog::Catalog::load(&path).map_err(super::CliError::input)
    } else {
        Ok(crate::catalog::Catalog::builtin())
    }
}

/// The shipped plan file of a standard.
pub fn plan_path(standard: &crate::catalog::Standard) -> PathBuf {
    testplans_dir().join(&standard.plan)
}

/// A shipped file by its path relative to the repository root (`rigs/sim.toml`).
pub fn shipped(relative: &str) -> PathBuf {
    repo_root().join(relative)
}
