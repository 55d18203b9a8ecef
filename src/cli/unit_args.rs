//! Registering the units under test from flags, unit files or a batch file.
//!
//! A batch file lists the units of a chamber load, in sample order:
//!
//! ```toml
//! [[unit]]
//! file = "units/fp200-a.toml"     # a unit file, relative to the batch file
//!
//! [[unit]]
//! file = "units/fp200-b.toml"
//! ```

use std::path::PathBuf;

use clap::Args;

use super::exit::CliError;
use crate::catalog::Catalog;
use crate::unit::{Features, Unit};

/// Who and what is being tested: `--unit FILE` (repeat it for several samples in one run),
/// `--units BATCH`, or the individual flags for one unit.
#[derive(Debug, Args, Clone)]
pub struct UnitArgs {
    /// Unit file (TOML with vendor, model, device_type, device_sn, camera_sn, features, lab,
    /// operator). Repeat for several units in one run: sample 1 is the first.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["vendor", "model", "device_type", "sn", "camera_sn"])]
    pub unit: Vec<PathBuf>,
    /// Batch file listing the unit files of a chamber load (`[[unit]] file = "…"`), in sample
    /// order; its units come after any `--unit`.
    #[arg(long, value_name = "BATCH", conflicts_with_all = ["vendor", "model", "device_type", "sn", "camera_sn"])]
    pub units: Option<PathBuf>,
    /// Vendor (device maker) name, as used in submission file names.
    #[arg(long)]
    pub vendor: Option<String>,
    /// Model name, as used in submission file names.
    #[arg(long)]
    pub model: Option<String>,
    /// Device type id or Chinese name (see `facebench plan list`).
    #[arg(long)]
    pub device_type: Option<String>,
    /// Usage, for device types whose standard depends on it (self-service kiosk: medical | other).
    #[arg(long)]
    pub usage: Option<String>,
    /// The 23-character device serial number.
    #[arg(long)]
    pub sn: Option<String>,
    /// The face camera's serial number.
    #[arg(long)]
    pub camera_sn: Option<String>,
    /// The face camera module's model (shown on the camera checklist).
    #[arg(long)]
    pub camera_model: Option<String>,
    /// The unit has Wi-Fi.
    #[arg(long)]
    pub wifi: bool,
    /// The unit has Bluetooth.
    #[arg(long)]
    pub bluetooth: bool,
    /// The unit has a 4G module.
    #[arg(long = "4g")]
    pub cellular_4g: bool,
    /// Testing lab.
    #[arg(long, default_value = "")]
    pub lab: String,
    /// Operator name.
    #[arg(long, default_value = "")]
    pub operator: String,
    /// Expected vendor code (first two SN characters), checked when given.
    #[arg(long)]
    pub vendor_code: Option<String>,
    /// Expected model code (SN characters 4-5), checked when given.
    #[arg(long)]
    pub model_code: Option<String>,
}

impl UnitArgs {
    /// Builds and checks the units, sample 1 first: device types known, usage resolved, serial
    /// numbers valid and different from each other.
    pub fn register_all(&self, catalog: &Catalog) -> Result<Vec<Unit>, CliError> {
        let mut files = self.unit.clone();
        if let Some(batch) = &self.units {
            files.extend(crate::unit::load_batch(batch).map_err(CliError::input)?);
        }
        let units = if files.is_empty() {
            vec![self.register(None, catalog)?]
        } else {
            files
                .iter()
                .map(|path| self.register(Some(path), catalog))
                .collect::<Result<Vec<_>, _>>()?
        };
        for (i, unit) in units.iter().enumerate() {
            if let Some(j) = units[..i]
                .iter()
                .position(|u| u.device_sn == unit.device_sn)
            {
                return Err(CliError::input(anyhow::anyhow!(
                    "samples {} and {} have the same device serial number {}: each unit of a run \
                     needs its own",
                    j + 1,
                    i + 1,
                    unit.device_sn
                )));
            }
        }
        Ok(units)
    }

    /// Builds and checks one unit from `file`, or from the flags.
    fn register(
        &self,
        file: Option<&std::path::Path>,
        catalog: &Catalog,
    ) -> Result<Unit, CliError> {
        let mut unit = match file {
            Some(path) => load_unit_file(&super::paths::user_file(path)?.path)?,
            None => Unit {
                vendor: required(&self.vendor, "--vendor")?,
                model: required(&self.model, "--model")?,
                device_type: required(&self.device_type, "--device-type")?,
                usage: self.usage.clone(),
                device_sn: required(&self.sn, "--sn")?,
                camera_sn: required(&self.camera_sn, "--camera-sn")?,
                camera_model: self.camera_model.clone(),
                features: Features {
                    wifi: self.wifi,
                    bluetooth: self.bluetooth,
                    cellular_4g: self.cellular_4g,
                },
                lab: self.lab.clone(),
                operator: self.operator.clone(),
            },
        };
        if !self.operator.is_empty() {
            unit.operator = self.operator.clone();
        }
        register_unit(
            unit,
            catalog,
            self.vendor_code.as_deref(),
            self.model_code.as_deref(),
        )
    }
}

/// Checks a unit against the catalog and the serial-number rule, normalising the device type
/// to its id.
pub fn register_unit(
    mut unit: Unit,
    catalog: &Catalog,
    vendor_code: Option<&str>,
    model_code: Option<&str>,
) -> Result<Unit, CliError> {
    for (value, flag) in [(&unit.vendor, "vendor"), (&unit.model, "model")] {
        if value.trim().is_empty() {
            return Err(CliError::input(anyhow::anyhow!("unit {flag} is empty")));
        }
    }
    unit.device_type = known_device_type(catalog, &unit.device_type)?;
    catalog
        .standard_for(&unit.device_type, unit.usage.as_deref())
        .map_err(CliError::input)?;
    crate::sn::check(&unit.device_sn, vendor_code, model_code).map_err(|e| {
        CliError::input(anyhow::anyhow!(
            "device serial number {:?} is invalid:\n{e}",
            unit.device_sn
        ))
    })?;
    Ok(unit)
}

/// The id of the device type named by its id (any case) or Chinese name; an unknown name is an
/// input error that suggests the closest ids.
pub(super) fn known_device_type(catalog: &Catalog, name: &str) -> Result<String, CliError> {
    let trimmed = name.trim();
    if let Some(device) = catalog.device_type(trimmed).or_else(|| {
        catalog
            .device_types
            .iter()
            .find(|d| d.id.eq_ignore_ascii_case(trimmed))
    }) {
        return Ok(device.id.clone());
    }
    let ids = catalog.device_types.iter().map(|d| d.id.as_str());
    let close = crate::config::suggest::closest(trimmed, ids);
    let hint = if close.is_empty() {
        "`facebench plan list` lists the device types".to_string()
    } else {
        format!("did you mean {}?", close.join(", "))
    };
    Err(CliError::input(anyhow::anyhow!(
        "unknown device type `{name}`; {hint}"
    )))
}

fn required(value: &Option<String>, flag: &str) -> Result<String, CliError> {
    value
        .clone()
        .ok_or_else(|| CliError::input(anyhow::anyhow!("{flag} is required (or give --unit FILE)")))
}

/// Reads a unit file.
pub fn load_unit_file(path: &std::path::Path) -> Result<Unit, CliError> {
    crate::unit::load_unit(path).map_err(CliError::input)
}
