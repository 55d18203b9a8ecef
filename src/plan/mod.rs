//! Test plans: one hardware test-case standard as an editable TOML file.
//!
//! A plan file (schema in `testplans/README.md`) is read through the crate's one TOML reader
//! ([`crate::config`]) and resolved against the [`Catalog`](crate::catalog::Catalog) into a
//! [`Plan`]: sheets checked against the
//! standard, criteria turned into [`judge::Criterion`](crate::judge::Criterion)s, units and rig
//! kinds checked. Every problem found is reported at once as a [`PlanDiagnostic`] carrying the
//! file, line, column and key path.
//!
//! [`load_plan`] reads a file (keeping its text and SHA-256), [`parse_plan`] checks a text.
//! Inside, `resolve` drives the checks of the whole file, and `item`, `step`, `criterion` and `category` each resolve one
//! kind of table. The known units live in [`units`], the physical range of every number in
//! [`ranges`].

mod category;
mod criterion;
mod diagnostic;
pub mod import;
mod item;
mod load;
pub mod ranges;
mod reader;
mod resolve;
pub mod rig_step;
mod step;
pub mod suggest;
pub mod template;
pub mod units;

use serde::{Deserialize, Serialize};

pub use diagnostic::{PlanDiagnostic, PlanErrors};
pub use load::{load_plan, parse_plan, plan_sha256, LoadedPlan};
pub use rig_step::RigStep;
pub use template::{Template, TemplateCells};
pub use units::is_known_unit;

use crate::catalog::Sheet;
use crate::judge::Criterion;

/// A resolved, validated test plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Standard id from the catalog.
    pub standard: String,
    /// Chinese standard name, used in the workbook file name.
    pub name_zh: String,
    /// Standard version (`1.4`).
    pub version: String,
    /// Template notice shown on the summary sheet.
    pub notice: String,
    /// Evidence categories of the submission bundle.
    pub categories: Vec<EvidenceCategory>,
    /// Items in file order.
    pub items: Vec<Item>,
    /// The network's workbook the plan was imported from, filled in by `report` and `package`.
    #[serde(default)]
    pub template: Option<Template>,
    /// The software mode of the unit (`[plan] software_mode`), named in the software pre-check
    /// workbook's file name; `None` when the plan does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_mode: Option<SoftwareMode>,
}

/// The software mode a terminal runs the face payment in; fixed after the factory check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SoftwareMode {
    /// The vendor's own app embeds the face SDK.
    #[serde(rename = "SDK")]
    Sdk,
    /// The network's face app runs on the terminal.
    #[serde(rename = "APP")]
    App,
}

impl SoftwareMode {
    /// Both modes, in schema order.
    pub const ALL: [SoftwareMode; 2] = [SoftwareMode::Sdk, SoftwareMode::App];

    /// The key used in plan files (`SDK`, `APP`).
    pub fn key(self) -> &'static str {
        match self {
            SoftwareMode::Sdk => "SDK",
            SoftwareMode::App => "APP",
        }
    }

    /// Parses a plan-file key.
    pub fn parse(text: &str) -> Option<SoftwareMode> {
        SoftwareMode::ALL.into_iter().find(|m| m.key() == text)
    }

    /// The file-name suffix of the submission files, `[SDK模式]` or `[APP模式]`.
    pub fn file_suffix(self) -> &'static str {
        match self {
            SoftwareMode::Sdk => "[SDK模式]",
            SoftwareMode::App => "[APP模式]",
        }
    }

    /// How a report names the mode.
    pub fn label(self) -> &'static str {
        match self {
            SoftwareMode::Sdk => "SDK模式 SDK mode",
            SoftwareMode::App => "APP模式 app mode",
        }
    }
}

/// One evidence zip of the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceCategory {
    /// Number in the file name (`2` in `[2温升测试]`).
    pub number: u32,
    /// Category name (`温升测试`).
    pub name: String,
    /// Items listed explicitly.
    pub items: Vec<String>,
    /// The sheet whose remaining items go here.
    pub sheet: Option<Sheet>,
}

/// How an item is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Automation {
    /// Rigs and the camera do everything.
    Auto,
    /// A rig does the conditioning; the operator judges.
    Semi,
    /// The operator does and judges it.
    Manual,
}

impl Automation {
    /// Every level, in schema order.
    pub const ALL: [Automation; 3] = [Automation::Auto, Automation::Semi, Automation::Manual];

    /// The key used in plan files (`auto`, `semi`, `manual`).
    pub fn key(self) -> &'static str {
        match self {
            Automation::Auto => "auto",
            Automation::Semi => "semi",
            Automation::Manual => "manual",
        }
    }

    /// Parses a plan-file key.
    pub fn parse(text: &str) -> Option<Automation> {
        Automation::ALL.into_iter().find(|a| a.key() == text)
    }
}

/// State of the device under test during an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DutState {
    /// Powered and operating.
    Powered,
    /// Not powered.
    Unpowered,
    /// In its transport packaging.
    Packed,
}

impl DutState {
    /// Every state, in schema order.
    pub const ALL: [DutState; 3] = [DutState::Powered, DutState::Unpowered, DutState::Packed];

    /// The key used in plan files (`powered`, `unpowered`, `packed`).
    pub fn key(self) -> &'static str {
        match self {
            DutState::Powered => "powered",
            DutState::Unpowered => "unpowered",
            DutState::Packed => "packed",
        }
    }

    /// Parses a plan-file key.
    pub fn parse(text: &str) -> Option<DutState> {
        DutState::ALL.into_iter().find(|d| d.key() == text)
    }
}

/// A typed, editable test parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// Name (`temperature`).
    pub name: String,
    /// Value.
    pub value: f64,
    /// Unit (`°C`).
    pub unit: String,
    /// Tolerance (±), if any.
    pub tolerance: Option<f64>,
}

/// The kinds of rig a step can need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RigKind {
    /// Climate (temperature / humidity) chamber.
    Chamber,
    /// Drop tester.
    Drop,
    /// Multi-channel thermocouple logger.
    Thermal,
    /// The face camera.
    Camera,
    /// The device under test itself, over its debug link (adb).
    Dut,
}

impl RigKind {
    /// Every rig kind, in schema order.
    pub const ALL: [RigKind; 5] = [
        RigKind::Chamber,
        RigKind::Drop,
        RigKind::Thermal,
        RigKind::Camera,
        RigKind::Dut,
    ];

    /// Parses a plan or station file key.
    pub fn parse(text: &str) -> Option<RigKind> {
        RigKind::ALL.into_iter().find(|k| k.key() == text)
    }

    /// The key used in plan and station files.
    pub fn key(self) -> &'static str {
        match self {
            RigKind::Chamber => "chamber",
            RigKind::Drop => "drop",
            RigKind::Thermal => "thermal",
            RigKind::Camera => "camera",
            RigKind::Dut => "dut",
        }
    }
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// A rig carries it out.
    Rig(RigKind),
    /// The operator carries it out and answers.
    Prompt,
    /// Wait (recovery time, a dwell done by hand).
    Wait,
}

impl StepKind {
    /// The keys of every step kind, in schema order: the rig kinds, then `prompt` and `wait`.
    pub const KEYS: [&'static str; 7] = [
        "chamber", "drop", "thermal", "camera", "dut", "prompt", "wait",
    ];

    /// The key used in plan files (`chamber` … `prompt`, `wait`).
    pub fn key(&self) -> &'static str {
        match self {
            StepKind::Rig(kind) => kind.key(),
            StepKind::Prompt => "prompt",
            StepKind::Wait => "wait",
        }
    }

    /// Parses a plan-file key.
    pub fn parse(text: &str) -> Option<StepKind> {
        match text {
            "prompt" => Some(StepKind::Prompt),
            "wait" => Some(StepKind::Wait),
            _ => RigKind::parse(text).map(StepKind::Rig),
        }
    }
}

/// A measurement a step produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasurementSpec {
    /// Name criteria refer to.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Chinese display name for reports (`人脸支付成功率`); reports fall back to the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_zh: Option<String>,
    /// English display name for reports (`face payment success rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_en: Option<String>,
    /// The step reports round a value in `unit` to (0.1 shows `25.3`), positive; without it
    /// they keep four significant digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<f64>,
}

/// One step of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// What kind of step.
    pub kind: StepKind,
    /// Instruction text.
    pub text: String,
    /// Measurements the step produces.
    pub produces: Vec<MeasurementSpec>,
    /// Prompt steps: the operator gives a pass / no pass / NA judgement.
    pub verdict: bool,
    /// Wait steps: duration in seconds.
    pub seconds: Option<f64>,
    /// Rig steps: the typed rig parameters.
    pub rig: Option<RigStep>,
}

/// One row of a test sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable id (`CLM-001`).
    pub id: String,
    /// The sheet it belongs to.
    pub sheet: Sheet,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Method reference.
    pub method: String,
    /// Conditions text.
    pub conditions: String,
    /// Automation level.
    pub automation: Automation,
    /// Equipment needed.
    pub equipment: Vec<String>,
    /// Units per test.
    pub sample_qty: u32,
    /// DUT state.
    pub dut_state: DutState,
    /// Evidence to keep.
    pub evidence: Vec<String>,
    /// Device types it applies to; empty means all.
    pub applies_to: Vec<String>,
    /// Free notes.
    pub notes: String,
    /// Typed parameters.
    pub parameters: Vec<Parameter>,
    /// Steps in order.
    pub steps: Vec<Step>,
    /// Criteria.
    pub criteria: Vec<Criterion>,
}

impl Plan {
    /// Items of one sheet, in file order.
    pub fn items_of(&self, sheet: Sheet) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(move |i| i.sheet == sheet)
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

impl Item {
    /// Rig kinds the item's steps need.
    pub fn rigs_needed(&self) -> Vec<RigKind> {
        let mut kinds: Vec<RigKind> = self
            .steps
            .iter()
            .filter_map(|s| match s.kind {
                StepKind::Rig(kind) => Some(kind),
                _ => None,
            })
            .collect();
        kinds.dedup();
        kinds
    }

    /// The spec of a measurement one of the item's steps produces (the first that names it).
    pub fn measurement(&self, name: &str) -> Option<&MeasurementSpec> {
        self.steps
            .iter()
            .flat_map(|s| &s.produces)
            .find(|m| m.name == name)
    }

    /// True when the item applies to a device type.
    pub fn applies_to_device(&self, device_type: &str) -> bool {
        self.applies_to.is_empty() || self.applies_to.iter().any(|d| d == device_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_back() {
        for a in Automation::ALL {
            assert_eq!(Automation::parse(a.key()), Some(a));
        }
        for d in DutState::ALL {
            assert_eq!(DutState::parse(d.key()), Some(d));
        }
        for key in StepKind::KEYS {
            assert_eq!(StepKind::parse(key).map(|k| k.key()), Some(key));
        }
        assert_eq!(StepKind::parse("oven"), None);
        assert_eq!(RigKind::parse("prompt"), None);
    }
}
