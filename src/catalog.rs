//! The catalog: which test standard a device type falls under, and which of the five test sheets
//! that standard requires.
//!
//! The catalog is data (`testplans/catalog.toml`), embedded in the binary as the default and
//! loadable from a file so a lab can follow a newer standard number without a new build.

mod read;

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{load_document, read_document};
use crate::diagnostic::Diagnostics;

/// The embedded default catalog, `testplans/catalog.toml`.
pub const DEFAULT_CATALOG_TOML: &str = include_str!("../testplans/catalog.toml");

/// One of the five hardware test sheets, in workbook order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sheet {
    /// 气候类可靠性: climate reliability.
    Climate,
    /// 机械类可靠性: mechanical reliability.
    Mechanical,
    /// 涂层类可靠性: coating reliability.
    Coating,
    /// 基本功能测试: basic function.
    Function,
    /// 性能测试: performance.
    Performance,
}

impl Sheet {
    /// All sheets in workbook order.
    pub const ALL: [Sheet; 5] = [
        Sheet::Climate,
        Sheet::Mechanical,
        Sheet::Coating,
        Sheet::Function,
        Sheet::Performance,
    ];

    /// The exact Chinese worksheet name the network's workbook uses.
    pub fn name_zh(self) -> &'static str {
        match self {
            Sheet::Climate => "气候类可靠性",
            Sheet::Mechanical => "机械类可靠性",
            Sheet::Coating => "涂层类可靠性",
            Sheet::Function => "基本功能测试",
            Sheet::Performance => "性能测试",
        }
    }

    /// English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Sheet::Climate => "climate reliability",
            Sheet::Mechanical => "mechanical reliability",
            Sheet::Coating => "coating reliability",
            Sheet::Function => "basic function",
            Sheet::Performance => "performance",
        }
    }

    /// The item-id prefix used by the shipped templates (`CLM-001`, …).
    pub fn id_prefix(self) -> &'static str {
        match self {
            Sheet::Climate => "CLM",
            Sheet::Mechanical => "MEC",
            Sheet::Coating => "COT",
            Sheet::Function => "FUN",
            Sheet::Performance => "PER",
        }
    }

    /// The kebab-case key used in TOML files (`climate`, …).
    pub fn key(self) -> &'static str {
        match self {
            Sheet::Climate => "climate",
            Sheet::Mechanical => "mechanical",
            Sheet::Coating => "coating",
            Sheet::Function => "function",
            Sheet::Performance => "performance",
        }
    }

    /// Parses a sheet from its key, its Chinese name or its id prefix.
    pub fn parse(text: &str) -> Option<Sheet> {
        Sheet::ALL.into_iter().find(|s| {
            text == s.key() || text == s.name_zh() || text.eq_ignore_ascii_case(s.id_prefix())
        })
    }
}

impl fmt::Display for Sheet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_zh())
    }
}

/// Whether a standard asks for a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Requirement {
    /// The sheet must be submitted.
    Required,
    /// The sheet may be submitted.
    Optional,
    /// The sheet is not part of this standard.
    NotRequired,
}

impl Requirement {
    /// Every requirement, in schema order.
    pub const ALL: [Requirement; 3] = [
        Requirement::Required,
        Requirement::Optional,
        Requirement::NotRequired,
    ];

    /// The key used in catalog files (`required`, `optional`, `not-required`).
    pub fn key(self) -> &'static str {
        match self {
            Requirement::Required => "required",
            Requirement::Optional => "optional",
            Requirement::NotRequired => "not-required",
        }
    }

    /// Parses a catalog-file key.
    pub fn parse(text: &str) -> Option<Requirement> {
        Requirement::ALL.into_iter().find(|r| r.key() == text)
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Requirement::Required => "required",
            Requirement::Optional => "optional",
            Requirement::NotRequired => "not required",
        }
    }

    /// True when the sheet belongs in the workbook (required or optional).
    pub fn applies(self) -> bool {
        self != Requirement::NotRequired
    }
}

/// Sheet requirements of one standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetRequirements {
    /// 气候类可靠性.
    pub climate: Requirement,
    /// 机械类可靠性.
    pub mechanical: Requirement,
    /// 涂层类可靠性.
    pub coating: Requirement,
    /// 基本功能测试.
    pub function: Requirement,
    /// 性能测试.
    pub performance: Requirement,
}

impl SheetRequirements {
    /// The requirement for one sheet.
    pub fn get(&self, sheet: Sheet) -> Requirement {
        match sheet {
            Sheet::Climate => self.climate,
            Sheet::Mechanical => self.mechanical,
            Sheet::Coating => self.coating,
            Sheet::Function => self.function,
            Sheet::Performance => self.performance,
        }
    }

    /// The sheets that apply (required or optional), in workbook order.
    pub fn applicable(&self) -> Vec<Sheet> {
        Sheet::ALL
            .into_iter()
            .filter(|s| self.get(*s).applies())
            .collect()
    }
}

/// A hardware test-case standard (桌面收银 v1.4, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    /// Stable id (`desktop-cashier`).
    pub id: String,
    /// Chinese name as used in the workbook file name (`桌面收银`).
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Version number without the `v` (`1.4`).
    pub version: String,
    /// Form factor note, where the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// Plan template file, relative to the catalog's folder.
    pub plan: String,
    /// Which sheets the standard asks for.
    pub sheets: SheetRequirements,
}

/// A usage variant of a device type whose standard depends on where it is deployed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageVariant {
    /// Variant key (`medical`, `other`).
    pub usage: String,
    /// Chinese description.
    pub name_zh: String,
    /// Standard id for this usage.
    pub standard: String,
}

/// One of the device types of the onboarding table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceType {
    /// Stable id (`desktop-single-screen`).
    pub id: String,
    /// Chinese name from the onboarding table.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Standard id, for device types with a single standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
    /// Usage variants, for device types whose standard depends on use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<UsageVariant>,
}

/// The whole catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Test standards.
    pub standards: Vec<Standard>,
    /// Device types.
    pub device_types: Vec<DeviceType>,
}

/// Why a catalog could not be loaded or a lookup failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The catalog file could not be read, or has problems (each with file, line, column and
    /// key path).
    #[error("{0}")]
    Invalid(#[from] Diagnostics),
    /// Neither a device type nor a standard has this id.
    #[error("no device type or standard named `{0}` (see `facebench plan list`)")]
    Unknown(String),
    /// A device type needs a usage to pick its standard.
    #[error("device type `{device_type}` needs --usage, one of: {choices}")]
    UsageNeeded {
        /// Device type id.
        device_type: String,
        /// Allowed usage keys.
        choices: String,
    },
    /// The usage given is not one of the device type's variants.
    #[error("device type `{device_type}` has no usage `{usage}`; use one of: {choices}")]
    UnknownUsage {
        /// Device type id.
        device_type: String,
        /// The usage given.
        usage: String,
        /// Allowed usage keys.
        choices: String,
    },
    /// A usage was given for a device type that has a single standard.
    #[error("device type `{0}` has a single standard; drop --usage")]
    UsageNotApplicable(String),
}

impl Catalog {
    /// The embedded default catalog.
    pub fn builtin() -> Catalog {
        Catalog::parse(DEFAULT_CATALOG_TOML, "testplans/catalog.toml")
            .expect("the embedded catalog is valid (checked by tests)")
    }

    /// Loads a catalog file.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        Ok(load_document(path, "catalog", read::resolve_catalog)?)
    }

    /// Parses catalog TOML; `origin` names the file in errors. Every problem is reported at
    /// once: unknown keys, wrong types, unknown requirements and standard ids no standard has.
    pub fn parse(text: &str, origin: &str) -> Result<Catalog, CatalogError> {
        Ok(read_document(text, origin, read::resolve_catalog)?)
    }

    /// The standard with this id.
    pub fn standard(&self, id: &str) -> Option<&Standard> {
        self.standards.iter().find(|s| s.id == id)
    }

    /// The device type with this id or Chinese name.
    pub fn device_type(&self, key: &str) -> Option<&DeviceType> {
        self.device_types
            .iter()
            .find(|d| d.id == key || d.name_zh == key)
    }

    /// The standard that applies to a device type, resolving the usage variant.
    pub fn standard_for(
        &self,
        device_type: &str,
        usage: Option<&str>,
    ) -> Result<&Standard, CatalogError> {
        let device = self
            .device_type(device_type)
            .ok_or_else(|| CatalogError::Unknown(device_type.to_string()))?;
        let choices = || {
            device
                .variants
                .iter()
                .map(|v| v.usage.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let id = match (&device.standard, usage) {
            (Some(id), None) => id,
            (Some(_), Some(_)) => return Err(CatalogError::UsageNotApplicable(device.id.clone())),
            (None, None) => {
                return Err(CatalogError::UsageNeeded {
                    device_type: device.id.clone(),
                    choices: choices(),
                })
            }
            (None, Some(usage)) => {
                &device
                    .variants
                    .iter()
                    .find(|v| v.usage == usage)
                    .ok_or_else(|| CatalogError::UnknownUsage {
                        device_type: device.id.clone(),
                        usage: usage.to_string(),
                        choices: choices(),
                    })?
                    .standard
            }
        };
        self.standard(id)
            .ok_or_else(|| CatalogError::Unknown(id.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_has_nineteen_device_types_and_seven_standards() {
        let catalog = Catalog::builtin();
        assert_eq!(catalog.device_types.len(), 19);
        // Five device standards, the camera checklist and the software pre-check, which no
        // device type maps to.
        assert_eq!(catalog.standards.len(), 7);
        assert!(catalog.device_types.iter().all(|d| !matches!(
            d.standard.as_deref(),
            Some("camera-checklist" | "software-precheck")
        )));
    }

    #[test]
    fn kiosk_standard_depends_on_usage() {
        let catalog = Catalog::builtin();
        assert_eq!(
            catalog
                .standard_for("self-service-kiosk", Some("medical"))
                .unwrap()
                .id,
            "medical"
        );
        assert_eq!(
            catalog
                .standard_for("自助一体机", Some("other"))
                .unwrap()
                .id,
            "self-checkout"
        );
        assert!(matches!(
            catalog.standard_for("self-service-kiosk", None),
            Err(CatalogError::UsageNeeded { .. })
        ));
        assert!(matches!(
            catalog.standard_for("self-service-kiosk", Some("garage")),
            Err(CatalogError::UnknownUsage { .. })
        ));
    }

    #[test]
    fn vending_requires_only_function_and_performance() {
        let catalog = Catalog::builtin();
        let vending = catalog.standard_for("vending-machine", None).unwrap();
        assert_eq!(
            vending.sheets.applicable(),
            vec![Sheet::Function, Sheet::Performance]
        );
        let self_checkout = catalog.standard("self-checkout").unwrap();
        assert_eq!(self_checkout.sheets.coating, Requirement::Optional);
    }

    #[test]
    fn dangling_standard_is_reported() {
        let text = DEFAULT_CATALOG_TOML.replace("standard = \"canteen\"", "standard = \"kantine\"");
        let err = Catalog::parse(&text, "c.toml").unwrap_err();
        assert!(err.to_string().contains("kantine"), "{err}");
    }

    #[test]
    fn sheet_parses_from_key_chinese_name_and_prefix() {
        assert_eq!(Sheet::parse("coating"), Some(Sheet::Coating));
        assert_eq!(Sheet::parse("性能测试"), Some(Sheet::Performance));
        assert_eq!(Sheet::parse("CLM"), Some(Sheet::Climate));
        assert_eq!(Sheet::parse("weather"), None);
    }
}
