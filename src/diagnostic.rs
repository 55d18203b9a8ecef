//! Problems in the files facebench reads, as the user sees them: file, line, column, key path
//! and message. Plans, station files, unit files, batch files, answers files and the catalog
//! all report through these types.
//!
//! [`Diagnostic`] is one problem, [`Diagnostics`] every problem of one file, and [`Sink`] the
//! one collector the readers of [`crate::config`] report to: it turns byte spans into 1-based
//! lines and columns, keeps going after a problem, and fails once, sorted, at the end.

use std::fmt;
use std::ops::Range;

/// One problem in a file facebench reads (a plan, a station).
///
/// Displays as `testplans/x.toml:88:9 items[12].criteria[0].limit: expected a number`. A
/// diagnostic with `line == 0` concerns the whole file (it could not be read) and displays as
/// `file: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file (or other origin) the text came from.
    pub file: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column in characters; 0 when the problem concerns the whole file.
    pub column: usize,
    /// Key path of the offending field (`items[12].criteria[0].limit`); empty for syntax errors.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return write!(f, "{}: {}", self.file, self.message);
        }
        write!(f, "{}:{}:{}", self.file, self.line, self.column)?;
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, " {}: {}", self.field, self.message)
        }
    }
}

/// Every problem found in one file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// A single problem that concerns the whole file (line 0), such as a read failure.
    pub fn whole_file(file: &str, message: impl Into<String>) -> Diagnostics {
        Diagnostics(vec![Diagnostic {
            file: file.to_string(),
            line: 0,
            column: 0,
            field: String::new(),
            message: message.into(),
        }])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Collects the diagnostics of one file's text, converting byte spans to line and column.
#[derive(Debug)]
pub struct Sink<'t> {
    text: &'t str,
    origin: &'t str,
    diagnostics: Vec<Diagnostic>,
}

impl<'t> Sink<'t> {
    /// A sink for `text` read from `origin`.
    pub fn new(text: &'t str, origin: &'t str) -> Sink<'t> {
        Sink {
            text,
            origin,
            diagnostics: Vec::new(),
        }
    }

    /// The file this sink reports on.
    pub fn origin(&self) -> &'t str {
        self.origin
    }

    /// Records a problem at the start of `span`.
    pub fn report(&mut self, span: &Range<usize>, field: &str, message: impl Into<String>) {
        let (line, column) = line_column(self.text, span.start);
        self.diagnostics.push(Diagnostic {
            file: self.origin.to_string(),
            line,
            column,
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// How many problems have been reported so far; a reader compares counts to tell whether
    /// one section came through clean.
    pub fn count(&self) -> usize {
        self.diagnostics.len()
    }

    /// 1-based line of a byte offset, for messages that point at an earlier occurrence.
    pub fn line_of(&self, span: &Range<usize>) -> usize {
        line_column(self.text, span.start).0
    }

    /// The diagnostics in file order (line, then column), or `Ok` when there are none.
    pub fn finish(self) -> Result<(), Diagnostics> {
        let mut diagnostics = self.diagnostics;
        if diagnostics.is_empty() {
            return Ok(());
        }
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(Diagnostics(diagnostics))
    }

    /// `value` when nothing was reported, else every problem. A reader returns `None` only
    /// after reporting, so a `None` with nothing reported is a facebench bug, said as such.
    pub fn finish_with<T>(self, value: Option<T>) -> Result<T, Diagnostics> {
        let origin = self.origin;
        self.finish()?;
        value.ok_or_else(|| {
            Diagnostics::whole_file(origin, "the file could not be read (a facebench bug)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(line: usize, field: &str) -> Diagnostic {
        Diagnostic {
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
        let whole = Diagnostics::whole_file("gone.toml", "cannot read: not found");
        assert_eq!(whole.to_string(), "gone.toml: cannot read: not found");
    }

    #[test]
    fn errors_list_one_diagnostic_per_line() {
        let errors = Diagnostics(vec![diagnostic(1, "a"), diagnostic(2, "b")]);
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
        assert_eq!(sink.count(), 2);
        let errors = sink.finish().unwrap_err();
        assert_eq!(errors.0[0].field, "early");
        assert_eq!((errors.0[1].line, errors.0[1].column), (2, 11));
    }
}
