//! From a path or a text to a resolved value: read the file, parse the TOML, hand the root
//! table to a resolver, and fail once with every problem.

use std::path::Path;

use toml::de::DeTable;

use super::reader::TableRef;
use crate::diagnostic::{line_column, Diagnostic, Diagnostics, Sink};

/// Reads `path` (named `what` in a read failure, e.g. "plan file") and resolves it with
/// `resolve`; see [`read_document`].
pub fn load_document<T>(
    path: &Path,
    what: &str,
    resolve: impl FnOnce(&mut Sink<'_>, TableRef<'_, '_>) -> Option<T>,
) -> Result<T, Diagnostics> {
    let origin = path.display().to_string();
    let text = read_text(path, &origin, what)?;
    read_document(&text, &origin, resolve)
}

/// Parses `text` from `origin` and resolves its root table with `resolve`.
///
/// A TOML syntax error is one diagnostic at the parser's position. Otherwise `resolve` reports
/// every problem it finds to the sink and returns `None` when one leaves it without a value;
/// the value is returned only when nothing at all was reported.
pub fn read_document<T>(
    text: &str,
    origin: &str,
    resolve: impl FnOnce(&mut Sink<'_>, TableRef<'_, '_>) -> Option<T>,
) -> Result<T, Diagnostics> {
    let root = DeTable::parse(text).map_err(|e| syntax_error(text, origin, &e))?;
    let mut sink = Sink::new(text, origin);
    let value = resolve(&mut sink, TableRef::root(&root));
    sink.finish_with(value)
}

/// The text of `path`; a read failure or non-UTF-8 bytes is one diagnostic.
pub fn read_text(path: &Path, origin: &str, what: &str) -> Result<String, Diagnostics> {
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostics::whole_file(origin, format!("cannot read {what}: {e}")))?;
    String::from_utf8(bytes).map_err(|e| not_utf8(origin, &e))
}

fn syntax_error(text: &str, origin: &str, error: &toml::de::Error) -> Diagnostics {
    let (line, column) = error
        .span()
        .map_or((1, 1), |span| line_column(text, span.start));
    Diagnostics(vec![Diagnostic {
        file: origin.to_string(),
        line,
        column,
        field: String::new(),
        message: format!("TOML syntax: {}", error.message().trim()),
    }])
}

fn not_utf8(origin: &str, error: &std::string::FromUtf8Error) -> Diagnostics {
    let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
    let (line, column) = std::str::from_utf8(valid).map_or((0, 0), |t| line_column(t, t.len()));
    Diagnostics(vec![Diagnostic {
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
    fn syntax_errors_are_one_diagnostic_at_the_parser_position() {
        let errors =
            read_document("a = 1\nb = \n", "x.toml", |_, _| Some(())).expect_err("syntax error");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].line, 2, "{errors}");
        assert!(errors.0[0].message.starts_with("TOML syntax"), "{errors}");
    }

    #[test]
    fn missing_file_is_one_whole_file_diagnostic() {
        let path = Path::new("/nonexistent/facebench/x.toml");
        let errors = load_document(path, "unit file", |_, _| Some(())).expect_err("missing");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].line, 0);
        assert!(errors
            .to_string()
            .starts_with("/nonexistent/facebench/x.toml: cannot read unit file"));
    }

    #[test]
    fn non_utf8_file_points_at_the_first_bad_byte() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("latin1.toml");
        std::fs::write(&path, b"a = 1\nb = \"\xff\"\n").expect("write");
        let errors = load_document(&path, "file", |_, _| Some(())).expect_err("not UTF-8");
        assert_eq!(errors.0.len(), 1);
        assert_eq!((errors.0[0].line, errors.0[0].column), (2, 6));
        assert!(errors.0[0].message.contains("not UTF-8"), "{errors}");
    }

    #[test]
    fn a_resolver_that_reports_fails_the_document_once_with_every_problem() {
        let errors = read_document("a = 1\nb = 2\n", "x.toml", |sink, root| {
            let fields = root.open(sink, &[]);
            Some(fields.path().to_string())
        })
        .expect_err("unknown keys");
        assert_eq!(errors.0.len(), 2, "{errors}");
    }
}
