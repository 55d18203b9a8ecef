//! The shipped data embedded in the binary: every plan, the catalog, the answers, unit and
//! evidence examples, and the station examples, so a binary copied to a bench PC runs without
//! the source tree.
//!
//! Each file is kept under its path relative to the repository root (`testplans/canteen.toml`,
//! `rigs/sim.toml`). [`extracted_root`] writes them once into a folder of the system's temporary
//! directory for the loaders that read files by path; `facebench init` writes editable copies.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One embedded file: its path relative to the repository root, and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Relative path with `/` separators, e.g. `testplans/desktop-cashier.toml`.
    pub path: &'static str,
    /// The file's bytes as they were at build time.
    pub bytes: &'static [u8],
}

macro_rules! assets {
    ($($path:literal),* $(,)?) => {
        &[$(Asset { path: $path, bytes: include_bytes!(concat!("../", $path)) }),*]
    };
}

/// Every shipped file. `every_shipped_file_is_embedded` checks that nothing under `testplans/`
/// or `rigs/` is missing.
pub const ASSETS: &[Asset] = assets![
    "testplans/README.md",
    "testplans/catalog.toml",
    "testplans/camera-checklist.toml",
    "testplans/canteen.toml",
    "testplans/desktop-cashier.toml",
    "testplans/medical.toml",
    "testplans/self-checkout.toml",
    "testplans/software-precheck.toml",
    "testplans/unattended-vending.toml",
    "testplans/answers/demo-desktop-cashier.toml",
    "testplans/answers/demo-software-precheck.toml",
    "testplans/units/demo-unit.toml",
    "testplans/units/demo-unit-2.toml",
    "testplans/evidence/clm-008-thermocouple-map.csv",
    "testplans/evidence/cot-001-pencil-hardness.txt",
    "testplans/evidence/cot-002-crosscut.txt",
    "testplans/evidence/cot-008-uv-colour.csv",
    "testplans/evidence/per-001-boot-times.csv",
    "testplans/evidence/swp-004-sn-after-reflash.png",
    "testplans/evidence/swp-008-apps-after-reset.png",
    "testplans/evidence/swp-010-camera-preview.png",
    "rigs/example-cameras.toml",
    "rigs/example-espec.toml",
    "rigs/example-modbus-generic.toml",
    "rigs/example-temi.toml",
    "rigs/example-watlow-f4.toml",
    "rigs/example-watlow-f4t.toml",
    "rigs/sim.toml",
];

/// The embedded file at `path` (relative, `/`-separated), if there is one.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.path == path)
}

/// A folder holding every embedded file under its relative path, written on first use into the
/// system's temporary directory and shared by later runs of the same build (its name carries a
/// hash of the contents). It is written under a private name and renamed into place, so two
/// processes starting at once never see it half-written.
pub fn extracted_root() -> io::Result<PathBuf> {
    let root = std::env::temp_dir().join(format!(
        "facebench-{}-{}",
        env!("CARGO_PKG_VERSION"),
        &contents_hash()[..12]
    ));
    if root.join(COMPLETE).is_file() {
        return Ok(root);
    }
    let partial = root.with_extension(format!("partial-{}", std::process::id()));
    write_all(&partial)?;
    std::fs::write(partial.join(COMPLETE), b"")?;
    if std::fs::rename(&partial, &root).is_err() {
        // Another process finished first (or a stale incomplete copy is in the way).
        std::fs::remove_dir_all(&partial)?;
        if !root.join(COMPLETE).is_file() {
            std::fs::remove_dir_all(&root)?;
            return extracted_root();
        }
    }
    Ok(root)
}

/// Marks an extracted folder as complete.
const COMPLETE: &str = ".complete";

/// Writes every embedded file under `dir`, overwriting.
fn write_all(dir: &Path) -> io::Result<()> {
    ASSETS
        .iter()
        .try_for_each(|asset| asset.write_under(dir).map(drop))
}

impl Asset {
    /// Writes the file under `dir` at its relative path (folders created as needed),
    /// overwriting, and returns the path written.
    pub fn write_under(&self, dir: &Path) -> io::Result<PathBuf> {
        let target = dir.join(self.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, self.bytes)?;
        Ok(target)
    }
}

fn contents_hash() -> String {
    let mut hasher = Sha256::new();
    for asset in ASSETS {
        hasher.update(asset.path.as_bytes());
        hasher.update((asset.bytes.len() as u64).to_le_bytes());
        hasher.update(asset.bytes);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_under(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_under(&path, root, out);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn every_shipped_file_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk = Vec::new();
        files_under(&root.join("testplans"), root, &mut on_disk);
        files_under(&root.join("rigs"), root, &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<String> = ASSETS.iter().map(|a| a.path.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn the_extracted_copy_holds_every_file_with_its_bytes() {
        let root = extracted_root().unwrap();
        for asset in ASSETS {
            assert_eq!(std::fs::read(root.join(asset.path)).unwrap(), asset.bytes);
        }
        assert_eq!(extracted_root().unwrap(), root);
        assert!(find("rigs/sim.toml").is_some());
        assert!(find("rigs/lab3.toml").is_none());
    }
}
