//! Reading a plan file: the text, its SHA-256, and the resolved [`Plan`].

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use toml::de::DeTable;

use super::diagnostic::{PlanDiagnostic, PlanErrors};
use super::resolve::resolve_document;
use super::{line_column, Plan};
use crate::catalog::Catalog;

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
    let bytes = std::fs::read(path)
        .map_err(|e| PlanErrors::whole_file(&origin, format!("cannot read plan file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| not_utf8(&origin, &e))?;
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
    let root = DeTable::parse(text).map_err(|e| syntax_error(text, origin, &e))?;
    resolve_document(text, origin, &root, catalog)
}

/// Lower-case hex SHA-256 of a plan's text (its UTF-8 bytes).
pub fn plan_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn syntax_error(text: &str, origin: &str, error: &toml::de::Error) -> PlanErrors {
    let (line, column) = error
        .span()
        .map_or((1, 1), |span| line_column(text, span.start));
    PlanErrors(vec![PlanDiagnostic {
        file: origin.to_string(),
        line,
        column,
        field: String::new(),
        message: format!("TOML syntax: {}", error.message().trim()),
    }])
}

fn not_utf8(origin: &str, error: &std::string::FromUtf8Error) -> PlanErrors {
    let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
    let (line, column) = std::str::from_utf8(valid).map_or((0, 0), |t| line_column(t, t.len()));
    PlanErrors(vec![PlanDiagnostic {
        file: origin.to_string(),
        line,
        column,
        field: String::new(),
        message: "the file is not UTF-8 text; save it as UTF-8".to_string(),
    }])
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
    fn syntax_errors_are_one_diagnostic_at_the_parser_position() {
        let errors = parse_plan("[plan]\nstandard = \n", "p.toml", &Catalog::builtin())
            .expect_err("syntax error");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].line, 2, "{errors}");
        assert!(errors.0[0].message.starts_with("TOML syntax"), "{errors}");
    }

    #[test]
    fn missing_file_is_one_whole_file_diagnostic() {
        let path = Path::new("/nonexistent/facebench/plan.toml");
        let errors = load_plan(path, &Catalog::builtin()).expect_err("missing");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].line, 0);
        assert!(errors
            .to_string()
            .starts_with("/nonexistent/facebench/plan.toml: cannot read"));
    }

    #[test]
    fn non_utf8_file_points_at_the_first_bad_byte() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("latin1.toml");
        std::fs::write(&path, b"a = 1\nb = \"\xff\"\n").expect("write");
        let errors = load_plan(&path, &Catalog::builtin()).expect_err("not UTF-8");
        assert_eq!(errors.0.len(), 1);
        assert_eq!((errors.0[0].line, errors.0[0].column), (2, 6));
        assert!(errors.0[0].message.contains("not UTF-8"), "{errors}");
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
}
