//! The unit under test: who made it, what it is, and where it is tested; unit files and
//! `--units` batch files, read through the crate's one reader ([`crate::config`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{load_document, read_document, Located, TableRef};
use crate::diagnostic::{Diagnostics, Sink};

/// Radio features that decide which national certificates a unit needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Features {
    /// Has Wi-Fi.
    pub wifi: bool,
    /// Has Bluetooth.
    pub bluetooth: bool,
    /// Has a 4G module.
    pub cellular_4g: bool,
}

/// A registered unit under test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Vendor (device maker) name as it appears in file names.
    pub vendor: String,
    /// Model name as it appears in file names.
    pub model: String,
    /// Device-type id from the catalog.
    pub device_type: String,
    /// Usage variant, for device types whose standard depends on use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    /// The 23-character device serial number.
    pub device_sn: String,
    /// The face camera's serial number.
    pub camera_sn: String,
    /// The face camera module's model (the camera checklist's header), when the lab gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_model: Option<String>,
    /// Radio features.
    pub features: Features,
    /// Testing lab.
    pub lab: String,
    /// Operator name.
    pub operator: String,
}

/// Reads a unit file (`vendor`, `model`, `device_type`, `usage`, `device_sn`, `camera_sn`,
/// optional `camera_model`,
/// `lab`, `operator` and a `[features]` table); every problem is reported at once.
pub fn load_unit(path: &Path) -> Result<Unit, Diagnostics> {
    load_document(path, "unit file", resolve_unit)
}

/// Parses unit-file TOML; `origin` names the file in diagnostics.
pub fn parse_unit(text: &str, origin: &str) -> Result<Unit, Diagnostics> {
    read_document(text, origin, resolve_unit)
}

/// Reads a `--units` batch file (`[[unit]] file = "…"`): the unit files it lists, in sample
/// order, relative to the batch file's folder.
pub fn load_batch(path: &Path) -> Result<Vec<PathBuf>, Diagnostics> {
    let base = path.parent().unwrap_or(Path::new("."));
    load_document(path, "batch file", |sink, root| {
        let root = root.open(sink, &["unit"]);
        if root.key_span("unit").is_none() {
            root.report_missing(
                sink,
                "unit",
                ": list the unit files as [[unit]] file = \"…\"",
            );
        }
        root.opt_tables(sink, "unit")
            .into_iter()
            .map(|table| {
                let entry = table.open(sink, &["file"]);
                let file = entry.name(sink, "file")?;
                Some(base.join(file.into_inner()))
            })
            .collect()
    })
}

const UNIT_KEYS: &[&str] = &[
    "vendor",
    "model",
    "device_type",
    "usage",
    "device_sn",
    "camera_sn",
    "camera_model",
    "features",
    "lab",
    "operator",
];
const FEATURE_KEYS: &[&str] = &["wifi", "bluetooth", "cellular_4g"];

fn resolve_unit(sink: &mut Sink<'_>, root: TableRef<'_, '_>) -> Option<Unit> {
    let fields = root.open(sink, UNIT_KEYS);
    let mut text = |key: &str| fields.string(sink, key).map(Located::into_inner);
    let vendor = text("vendor");
    let model = text("model");
    let device_type = text("device_type");
    let device_sn = text("device_sn");
    let camera_sn = text("camera_sn");
    let lab = text("lab");
    let operator = text("operator");
    let usage = fields.opt_string(sink, "usage").map(Located::into_inner);
    let camera_model = fields
        .opt_string(sink, "camera_model")
        .map(Located::into_inner);
    let features = fields.table(sink, "features").and_then(|table| {
        let table = table.open(sink, FEATURE_KEYS);
        let mut flag = |key: &str| table.boolean(sink, key).map(Located::into_inner);
        let wifi = flag("wifi");
        let bluetooth = flag("bluetooth");
        let cellular_4g = flag("cellular_4g");
        Some(Features {
            wifi: wifi?,
            bluetooth: bluetooth?,
            cellular_4g: cellular_4g?,
        })
    });
    Some(Unit {
        vendor: vendor?,
        model: model?,
        device_type: device_type?,
        usage,
        device_sn: device_sn?,
        camera_sn: camera_sn?,
        camera_model,
        features: features?,
        lab: lab?,
        operator: operator?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "vendor = \"Acme\"\nmodel = \"FP200\"\ndevice_type = \"desktop-single-screen\"\n\
                        device_sn = \"SN\"\ncamera_sn = \"C1\"\nlab = \"lab 3\"\noperator = \"Li\"\n\
                        [features]\nwifi = true\nbluetooth = false\ncellular_4g = false\n";

    fn problems(text: &str) -> Vec<String> {
        match parse_unit(text, "u.toml") {
            Ok(_) => Vec::new(),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_good_unit_file_reads() {
        let unit = parse_unit(GOOD, "u.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(unit.model, "FP200");
        assert!(unit.features.wifi && !unit.features.bluetooth);
        assert_eq!(unit.usage, None);
    }

    #[test]
    fn unknown_key_is_reported_with_a_suggestion() {
        let errors = problems(&GOOD.replace("camera_sn", "camra_sn"));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].starts_with("u.toml:1:1 camera_sn: missing key `camera_sn`"),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with(
                "u.toml:5:1 camra_sn: unknown key `camra_sn` (did you mean `camera_sn`?)"
            ),
            "{errors:?}"
        );
    }

    #[test]
    fn wrong_types_are_all_reported_at_once() {
        let text = GOOD
            .replace("wifi = true", "wifi = \"yes\"")
            .replace("lab = \"lab 3\"", "lab = 3");
        assert_eq!(
            problems(&text),
            [
                "u.toml:6:7 lab: expected a string, found integer",
                "u.toml:9:8 features.wifi: expected a boolean, found string",
            ]
        );
    }

    #[test]
    fn batch_files_list_units_relative_to_their_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("load.toml");
        std::fs::write(
            &path,
            "[[unit]]\nfile = \"a.toml\"\n[[unit]]\nfiel = \"b.toml\"\n",
        )
        .expect("write");
        let errors = load_batch(&path).expect_err("typo").to_string();
        assert!(
            errors.contains(":4:1 unit[1].fiel: unknown key `fiel` (did you mean `file`?)"),
            "{errors}"
        );
        assert!(
            errors.contains(":3:1 unit[1].file: missing key `file`"),
            "{errors}"
        );
        std::fs::write(&path, "[[unit]]\nfile = \"a.toml\"\n").expect("write");
        assert_eq!(
            load_batch(&path).expect("valid"),
            [dir.path().join("a.toml")]
        );
    }
}
