//! Reading a plan file: the text, its SHA-256, and the resolved [`Plan`].

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::diagnostic::PlanErrors;
use super::resolve::resolve_document;
use super::Plan;
use crate::catalog::Catalog;
use crate::config::document::{read_document, read_text};

/// A plan read from a file, with its text and SHA-256 (hex of the exact bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedPlan {
    /// The resolved plan.
    pub plan: Plan,
    /// The file it was read from.
    pub path: PathBuf,
    /// The file's text, exactly as read.
    pub text: String,
    /// Lower-case hex SHA-256 of the file's bytes; resume compares it to spot an edited plan.
    pub sha256: String,
}

/// Reads, parses and validates a plan file against `catalog`.
///
/// A file that cannot be read, or is not UTF-8, is one diagnostic; otherwise every problem in
/// the plan is reported at once (see [`parse_plan`]).
pub fn load_plan(path: &Path, catalog: &Catalog) -> Result<LoadedPlan, PlanErrors> {
    let origin = path.display().to_string();
    let text = read_text(path, &origin, "plan file")?;
    let plan = parse_plan(&text, &origin, catalog)?;
    Ok(LoadedPlan {
        plan,
        path: path.to_path_buf(),
        sha256: plan_sha256(&text),
        text,
    })
}

/// Parses and validates plan TOML; `origin` names the file in diagnostics.
///
/// A TOML syntax error is one diagnostic at the position the parser gives. Otherwise every
/// problem is reported at once: unknown, missing or mistyped keys, unknown sheets, units, step
/// kinds and device types, bad limits, duplicate ids and category numbers, and references to
/// items or measurements that do not exist.
pub fn parse_plan(text: &str, origin: &str, catalog: &Catalog) -> Result<Plan, PlanErrors> {
    read_document(text, origin, |sink, root| {
        resolve_document(sink, root, catalog)
    })
}

/// Lower-case hex SHA-256 of a plan's text (its UTF-8 bytes).
pub fn plan_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_lower_hex_of_the_bytes() {
        assert_eq!(
            plan_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn loaded_plan_keeps_text_and_hash() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans/valid.toml");
        let loaded = load_plan(&path, &Catalog::builtin()).unwrap_or_else(|e| panic!("{e}"));
        let bytes = std::fs::read(&path).expect("fixture");
        assert_eq!(loaded.text.as_bytes(), bytes.as_slice());
        assert_eq!(loaded.sha256, plan_sha256(&loaded.text));
        assert_eq!(loaded.sha256.len(), 64);
        assert_eq!(loaded.path, path);
    }

    fn problems(text: &str) -> Vec<String> {
        match parse_plan(text, "p.toml", &Catalog::builtin()) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    fn valid_fixture() -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans/valid.toml");
        std::fs::read_to_string(path).expect("fixture")
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_reported_together_with_suggestions() {
        let text = valid_fixture()
            .replacen("name_en = ", "nme_en = ", 1)
            .replacen("sample_qty = 2", "sample_qty = \"2\"", 1)
            .replacen("version = \"1.0\"", "verison = \"1.0\"", 1);
        let errors = problems(&text);
        assert_eq!(errors.len(), 5, "{errors:#?}");
        let expect = [
            "p.toml:2:1 plan.version: missing key `version`",
            "p.toml:5:1 plan.verison: unknown key `verison` (did you mean `version`?)",
            "p.toml:18:1 items[0].name_en: missing key `name_en`",
            "p.toml:22:1 items[0].nme_en: unknown key `nme_en` (did you mean `name_en`?)",
            "p.toml:27:14 items[0].sample_qty: expected an integer, found string",
        ];
        for (got, want) in errors.iter().zip(expect) {
            assert!(got.starts_with(want), "{got}\n  should start with\n{want}");
        }
    }
}
