//! Plan problems as the user sees them: file, line, column, key path and message.
//!
//! [`PlanDiagnostic`] is one problem; [`PlanErrors`] is every problem found in one file (the
//! crate-wide [`crate::diagnostic`] types under their plan names).
//! [`Sink`] collects diagnostics while a plan is checked, turning byte spans into 1-based
//! line and column numbers.

use std::ops::Range;

pub use crate::diagnostic::{Diagnostic as PlanDiagnostic, Diagnostics as PlanErrors};

use super::line_column;

/// Collects diagnostics for one plan text, converting byte spans to line and column.
#[derive(Debug)]
pub(super) struct Sink<'t> {
    text: &'t str,
    origin: &'t str,
    diagnostics: Vec<PlanDiagnostic>,
}

impl<'t> Sink<'t> {
    /// A sink for the plan `text` read from `origin`.
    pub(super) fn new(text: &'t str, origin: &'t str) -> Sink<'t> {
        Sink {
            text,
            origin,
            diagnostics: Vec::new(),
        }
    }

    /// Records a problem at the start of `span`.
    pub(super) fn report(&mut self, span: &Range<usize>, field: &str, message: impl Into<String>) {
        let (line, column) = line_column(self.text, span.start);
        self.diagnostics.push(PlanDiagnostic {
            file: self.origin.to_string(),
            line,
            column,
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// 1-based line of a byte offset, for messages that point at an earlier occurrence.
    pub(super) fn line_of(&self, span: &Range<usize>) -> usize {
        line_column(self.text, span.start).0
    }

    /// The diagnostics in file order (line, then column), or `Ok` when there are none.
    pub(super) fn finish(self) -> Result<(), PlanErrors> {
        let mut diagnostics = self.diagnostics;
        if diagnostics.is_empty() {
            return Ok(());
        }
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(PlanErrors(diagnostics))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(line: usize, field: &str) -> PlanDiagnostic {
        PlanDiagnostic {
            file: "testplans/x.toml".into(),
            line,
            column: 9,
            field: field.into(),
            message: "expected a number".into(),
        }
    }

    #[test]
    fn displays_file_line_column_field_and_message() {
        assert_eq!(
            diagnostic(88, "items[12].criteria[0].limit").to_string(),
            "testplans/x.toml:88:9 items[12].criteria[0].limit: expected a number"
        );
        assert_eq!(
            diagnostic(3, "").to_string(),
            "testplans/x.toml:3:9: expected a number"
        );
        let whole = PlanErrors::whole_file("gone.toml", "cannot read: not found");
        assert_eq!(whole.to_string(), "gone.toml: cannot read: not found");
    }

    #[test]
    fn errors_list_one_diagnostic_per_line() {
        let errors = PlanErrors(vec![diagnostic(1, "a"), diagnostic(2, "b")]);
        assert_eq!(
            errors.to_string(),
            "testplans/x.toml:1:9 a: expected a number\ntestplans/x.toml:2:9 b: expected a number"
        );
    }

    #[test]
    fn sink_sorts_by_position_and_counts_characters() {
        let text = "a = 1\nnom = \"é\" x\n";
        let mut sink = Sink::new(text, "p.toml");
        let x = text.find('x').unwrap_or_default();
        sink.report(&(x..x + 1), "late", "second");
        sink.report(&(0..1), "early", "first");
        let errors = sink.finish().unwrap_err();
        assert_eq!(errors.0[0].field, "early");
        assert_eq!((errors.0[1].line, errors.0[1].column), (2, 11));
    }
}
