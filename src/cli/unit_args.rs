//! Registering the unit under test from flags or a unit file.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::exit::CliError;
use crate::catalog::Catalog;
use crate::unit::{Features, Unit};

/// Who and what is being tested. Either `--unit FILE` or the individual flags.
#[derive(Debug, Args, Clone)]
pub struct UnitArgs {
    /// Unit file (TOML with vendor, model, device_type, device_sn, camera_sn, features, lab, operator).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["vendor", "model", "device_type", "sn", "camera_sn"])]
    pub unit: Option<PathBuf>,
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
    /// Builds and checks the unit: device type known, usage resolved, serial number valid.
    pub fn register(&self, catalog: &Catalog) -> Result<Unit, CliError> {
        let mut unit = match &self.unit {
            Some(path) => load_unit_file(path)?,
            None => Unit {
                vendor: required(&self.vendor, "--vendor")?,
                model: required(&self.model, "--model")?,
                device_type: required(&self.device_type, "--device-type")?,
                usage: self.usage.clone(),
                device_sn: required(&self.sn, "--sn")?,
                camera_sn: required(&self.camera_sn, "--camera-sn")?,
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
    catalog
        .standard_for(&unit.device_type, unit.usage.as_deref())
        .map_err(CliError::input)?;
    if let Some(device) = catalog.device_type(&unit.device_type) {
        unit.device_type = device.id.clone();
    }
    crate::sn::check(&unit.device_sn, vendor_code, model_code).map_err(|e| {
        CliError::input(anyhow::anyhow!(
            "device serial number {:?} is invalid:\n{e}",
            unit.device_sn
        ))
    })?;
    Ok(unit)
}

fn required(value: &Option<String>, flag: &str) -> Result<String, CliError> {
    value
        .clone()
        .ok_or_else(|| CliError::input(anyhow::anyhow!("{flag} is required (or give --unit FILE)")))
}

/// Reads a unit file.
pub fn load_unit_file(path: &std::path::Path) -> Result<Unit, CliError> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read unit file {}", path.display()))
        .map_err(CliError::input)?;
    toml::from_str(&text).map_err(|e| {
        CliError::input(anyhow::anyhow!(
            "{}:{}",
            path.display(),
            crate::plan::describe_toml_error(&text, &e)
        ))
    })
}
