//! Problems in the files facebench reads, as the user sees them: file, line, column, key path
//! and message. Plans and station files both report through these types.

use std::fmt;

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
