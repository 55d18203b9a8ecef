//! Steps run on the device under test over its debug link (adb): read a property, run a shell
//! command and judge its output, check a package, take a screenshot as evidence, reboot and
//! wait, and capture the device's logs for the length of another step.
//!
//! ```toml
//! [[items.steps]]
//! kind = "dut"
//! text = "Read the device SN"
//! produces = [{ name = "sn_valid", unit = "bool" }, { name = "sn_match", unit = "bool" }]
//! params = { action = "property", property = "ro.serialno" }
//! ```

use serde::{Deserialize, Serialize};

use super::camera::Concurrent;
use crate::plan::diagnostic::Sink;
use crate::plan::ranges::{self, DURATION_S};
use crate::plan::reader::TableRef;

/// What a DUT step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DutAction {
    /// Read a system property (`ro.serialno`, a vendor property).
    Property,
    /// Run a shell command and judge its output.
    Shell,
    /// Check a package is installed (and whether as a system app).
    Package,
    /// Take a screenshot as the item's evidence.
    Screenshot,
    /// Reboot the device and wait for it.
    Reboot,
    /// Capture logcat and dmesg for the length of another step and count face-app crashes and
    /// camera USB re-enumerations.
    Logcat,
}

impl DutAction {
    const KEYS: [&'static str; 6] = [
        "property",
        "shell",
        "package",
        "screenshot",
        "reboot",
        "logcat",
    ];

    fn parse(text: &str) -> Option<DutAction> {
        DutAction::KEYS
            .into_iter()
            .zip(DutAction::ALL)
            .find_map(|(key, action)| (key == text).then_some(action))
    }

    const ALL: [DutAction; 6] = [
        DutAction::Property,
        DutAction::Shell,
        DutAction::Package,
        DutAction::Screenshot,
        DutAction::Reboot,
        DutAction::Logcat,
    ];

    /// Its key in plan files.
    pub fn key(self) -> &'static str {
        DutAction::KEYS[DutAction::ALL
            .iter()
            .position(|a| *a == self)
            .unwrap_or_default()]
    }

    /// The measurements this action produces.
    pub fn measurements(self) -> &'static [&'static str] {
        match self {
            // `value`: the property as a number, when it is one (ro.build.version.sdk).
            DutAction::Property => &["property_set", "sn_valid", "sn_match", "value"],
            DutAction::Shell => &["exit_code", "output_match", "value"],
            DutAction::Package => &["installed", "system_app"],
            DutAction::Screenshot => &["screenshots"],
            DutAction::Reboot => &["reboot_s"],
            DutAction::Logcat => &["app_restarts", "usb_reenum"],
        }
    }
}

/// A DUT step's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutStep {
    /// What the step does.
    pub action: DutAction,
    /// `property`: the property name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// `shell`: the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// `shell`: a regular expression the output is matched against (`output_match` 1 or 0;
    /// its first capture group, when it is a number, is `value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
    /// `package`: the package name (default: the station's face app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// `reboot`: how long to wait for the device, s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<f64>,
    /// `logcat`: the step whose length the capture lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_with: Option<Concurrent>,
}

impl DutStep {
    /// True when this step can measure `name`.
    pub fn can_measure(&self, name: &str) -> bool {
        self.action.measurements().contains(&name)
    }

    /// Measurement names this step produces.
    pub fn measurable(&self) -> Vec<String> {
        self.action
            .measurements()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }
}

const KEYS: &[&str] = &[
    "action",
    "property",
    "command",
    "expect",
    "package",
    "timeout_s",
    "concurrent_with",
];

/// Reads a DUT step's params: the key each action needs is required, keys of other actions are
/// refused, and `expect` must be a valid regular expression.
pub(super) fn resolve(sink: &mut Sink<'_>, params: TableRef<'_, '_>) -> Option<DutStep> {
    let f = params.open(sink, KEYS);
    let action = f
        .choice(
            sink,
            "action",
            "DUT action",
            &DutAction::KEYS,
            DutAction::parse,
        )?
        .into_inner();
    let own: &[&str] = match action {
        DutAction::Property => &["property"],
        DutAction::Shell => &["command", "expect"],
        DutAction::Package => &["package"],
        DutAction::Screenshot => &[],
        DutAction::Reboot => &["timeout_s"],
        DutAction::Logcat => &["concurrent_with"],
    };
    let name = action.key();
    let before = sink.count();
    for key in &KEYS[1..] {
        if !own.contains(key) {
            f.reject(
                sink,
                key,
                &format!("`{key}` is not a key of a `{name}` step"),
            );
        }
    }
    let property = f.opt_string(sink, "property").map(|p| p.into_inner());
    let command = f.opt_string(sink, "command").map(|c| c.into_inner());
    let expect = f.opt_string(sink, "expect");
    if let Some(pattern) = &expect {
        if let Err(e) = regex::Regex::new(pattern.get_ref()) {
            sink.report(
                &pattern.span(),
                &f.path_of("expect"),
                format!("not a regular expression: {e}"),
            );
        }
    }
    let package = f.opt_string(sink, "package").map(|p| p.into_inner());
    let timeout_s = ranges::optional(sink, &f, "timeout_s", DURATION_S);
    let concurrent_with = f.opt_choice(
        sink,
        "concurrent_with",
        "step to capture beside",
        &["chamber", "thermal"],
        |s| match s {
            "chamber" => Some(Concurrent::Chamber),
            "thermal" => Some(Concurrent::Thermal),
            _ => None,
        },
    );
    match action {
        DutAction::Property if property.is_none() => {
            f.report_missing(sink, "property", ": the property to read (ro.serialno)")
        }
        DutAction::Shell if command.is_none() => {
            f.report_missing(sink, "command", ": the shell command to run")
        }
        DutAction::Logcat if concurrent_with.is_none() => f.report_missing(
            sink,
            "concurrent_with",
            ": the step the capture lasts for (chamber or thermal)",
        ),
        _ => {}
    }
    (sink.count() == before).then_some(())?;
    Some(DutStep {
        action,
        property,
        command,
        expect: expect.map(|e| e.into_inner()),
        package,
        timeout_s: timeout_s?,
        concurrent_with: concurrent_with.map(|c| c.into_inner()),
    })
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::plan::parse_plan;

    /// The diagnostics of a one-item plan whose DUT step has `params` and `produces`.
    fn problems(params: &str, produces: &str) -> String {
        let text = format!(
            "[plan]\nstandard = \"desktop-cashier\"\nname_zh = \"x\"\nversion = \"1\"\n\n\
             [[items]]\nid = \"SW-1\"\nsheet = \"function\"\nname_zh = \"x\"\nname_en = \"x\"\n\
             method = \"m\"\nconditions = \"c\"\nautomation = \"auto\"\n\n\
             [[items.steps]]\nkind = \"dut\"\ntext = \"t\"\nproduces = [{produces}]\n\
             params = {params}\n"
        );
        // Only the step's own problems: the fixture's header and criteria are not the point.
        match parse_plan(&text, "p.toml", &Catalog::builtin()) {
            Ok(_) => String::new(),
            Err(e) => e
                .to_string()
                .lines()
                .filter(|l| l.contains("steps[0]"))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn a_good_step_reads_and_each_problem_names_its_key() {
        let ok = problems(
            "{ action = \"shell\", command = \"getprop ro.build.version.sdk\", expect = \"^(\\\\d+)\" }",
            "{ name = \"value\", unit = \"1\" }",
        );
        assert_eq!(ok, "");
        let text = problems("{ action = \"flash\" }", "");
        assert!(
            text.contains("p.toml:") && text.contains("params.action"),
            "{text}"
        );
        let text = problems("{ action = \"property\" }", "");
        assert!(text.contains("missing key `property`"), "{text}");
        let text = problems(
            "{ action = \"shell\", command = \"ls\", expect = \"(\" }",
            "",
        );
        assert!(
            text.contains("params.expect") && text.contains("not a regular expression"),
            "{text}"
        );
        let text = problems("{ action = \"screenshot\", package = \"a.b\" }", "");
        assert!(
            text.contains("`package` is not a key of a `screenshot` step"),
            "{text}"
        );
        let text = problems("{ action = \"logcat\" }", "");
        assert!(text.contains("missing key `concurrent_with`"), "{text}");
        let text = problems(
            "{ action = \"package\", package = \"a.b\" }",
            "{ name = \"reboot_s\", unit = \"s\" }",
        );
        assert!(
            text.contains("cannot measure `reboot_s`") && text.contains("system_app"),
            "{text}"
        );
    }
}
