//! Typed reads from the span-keeping TOML tree, reporting every problem to a [`Sink`].
//!
//! [`Fields`] wraps one table of a file: it reports unknown keys when it is opened (with the
//! closest known key as a suggestion) and offers
//! getters that report a missing key at the table, and a wrong type or bad value at the value,
//! each under its full key path (`items[3].steps[0].seconds`). A getter that reports returns
//! `None`, so the caller keeps going and the next problem is found too.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::suggest::closest;
use crate::diagnostic::Sink;

/// A byte range in the file text.
pub type Span = Range<usize>;

/// A value read from the file, with where it was written.
pub type Located<T> = Spanned<T>;

/// A table found in the tree, not yet opened.
#[derive(Debug)]
pub struct TableRef<'a, 'i> {
    path: String,
    table: &'a DeTable<'i>,
    span: Span,
}

impl<'a, 'i> TableRef<'a, 'i> {
    /// The document root.
    pub fn root(root: &'a Spanned<DeTable<'i>>) -> TableRef<'a, 'i> {
        TableRef {
            path: String::new(),
            table: root.get_ref(),
            span: root.span(),
        }
    }

    /// A string value of this table without reporting anything (to choose which keys to allow).
    pub fn peek_string(&self, key: &str) -> Option<String> {
        self.table
            .get(key)
            .and_then(|v| v.get_ref().as_str())
            .map(str::to_string)
    }

    /// Opens a table whose keys are names the caller checks (item ids, measurement names),
    /// so no key is unknown to the reader.
    pub fn open_map(self) -> Fields<'a, 'i> {
        Fields {
            path: self.path,
            table: self.table,
            span: self.span,
        }
    }

    /// Opens the table, reporting every key not in `allowed`.
    pub fn open(self, sink: &mut Sink<'_>, allowed: &[&str]) -> Fields<'a, 'i> {
        let fields = Fields {
            path: self.path,
            table: self.table,
            span: self.span,
        };
        for (key, _) in fields.table.iter() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                sink.report(
                    &key.span(),
                    &fields.path_of(name),
                    unknown("key", name, allowed),
                );
            }
        }
        fields
    }
}

/// "unknown `what` `name`", with the closest of `allowed` and then all of them.
fn unknown(what: &str, name: &str, allowed: &[&str]) -> String {
    if allowed.is_empty() {
        return format!("unknown {what} `{name}`: there are none here");
    }
    let guess = match closest(name, allowed.iter().copied()).first() {
        Some(best) => format!(" (did you mean `{best}`?)"),
        None => String::new(),
    };
    format!(
        "unknown {what} `{name}`{guess}; expected one of: {}",
        allowed.join(", ")
    )
}

/// A whole number type a file may hold, with its range.
pub trait Whole: Sized + Copy {
    /// Smallest value.
    const LOW: i64;
    /// Largest value.
    const HIGH: i64;
    /// The value of `n`, which lies in `LOW..=HIGH`.
    fn from_i64(n: i64) -> Option<Self>;
}

macro_rules! whole {
    ($($t:ty),*) => {$(
        impl Whole for $t {
            const LOW: i64 = <$t>::MIN as i64;
            const HIGH: i64 = if (<$t>::MAX as u64) > i64::MAX as u64 { i64::MAX } else { <$t>::MAX as i64 };
            fn from_i64(n: i64) -> Option<Self> {
                <$t>::try_from(n).ok()
            }
        }
    )*};
}
whole!(u8, u16, u32, u64);

/// One opened table of a file.
#[derive(Debug)]
pub struct Fields<'a, 'i> {
    path: String,
    table: &'a DeTable<'i>,
    span: Span,
}

impl<'a, 'i> Fields<'a, 'i> {
    /// The key path of this table (`items[3]`), empty at the root.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the table starts: its header, its `{`, or the top of the file.
    pub fn span(&self) -> Span {
        self.span.clone()
    }

    /// The key path of one of this table's keys; a key that is not a bare TOML key is quoted
    /// (`items."温升"`).
    pub fn path_of(&self, key: &str) -> String {
        let bare = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let key = if bare {
            key.to_string()
        } else {
            format!("{key:?}")
        };
        if self.path.is_empty() {
            key
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The keys of this table with where each is written, in file order.
    pub fn keys(&self) -> Vec<Located<String>> {
        self.table
            .iter()
            .map(|(key, _)| Spanned::new(key.span(), key.get_ref().to_string()))
            .collect()
    }

    /// Where a key is written, when it is present.
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.table.get_key_value(key).map(|(k, _)| k.span())
    }

    /// Where the value of a key is written, when it is present.
    pub fn value_span(&self, key: &str) -> Option<Span> {
        self.table.get(key).map(Spanned::span)
    }

    /// Reports that a present key does not belong here, at the key.
    pub fn reject(&self, sink: &mut Sink<'_>, key: &str, message: &str) {
        if let Some(span) = self.key_span(key) {
            sink.report(&span, &self.path_of(key), message);
        }
    }

    /// Reports a missing key at the table.
    pub fn report_missing(&self, sink: &mut Sink<'_>, key: &str, why: &str) {
        sink.report(
            &self.span,
            &self.path_of(key),
            format!("missing key `{key}`{why}"),
        );
    }

    fn optional(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table.get(key)
    }

    fn required(&self, sink: &mut Sink<'_>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        let value = self.optional(key);
        if value.is_none() {
            self.report_missing(sink, key, "");
        }
        value
    }

    fn wrong_type(&self, sink: &mut Sink<'_>, key: &str, value: &Spanned<DeValue<'_>>, want: &str) {
        wrong_type_at(sink, &self.path_of(key), value, want);
    }

    /// The value of `key` read by `read` under its key path; a missing key is reported when
    /// `required`.
    fn read<T>(
        &self,
        sink: &mut Sink<'_>,
        key: &str,
        required: bool,
        read: impl FnOnce(&mut Sink<'_>, &str, &Spanned<DeValue<'_>>) -> Option<T>,
    ) -> Option<T> {
        let value = if required {
            self.required(sink, key)?
        } else {
            self.optional(key)?
        };
        read(sink, &self.path_of(key), value)
    }

    /// A required string.
    pub fn string(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<String>> {
        self.read(sink, key, true, string_at)
    }

    /// An optional string.
    pub fn opt_string(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<String>> {
        self.read(sink, key, false, string_at)
    }

    /// A required string that is not empty or blank (ids and names).
    pub fn name(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<String>> {
        let text = self.string(sink, key)?;
        if text.get_ref().trim().is_empty() {
            sink.report(&text.span(), &self.path_of(key), "must not be empty");
            return None;
        }
        Some(text)
    }

    /// A required finite number (integer or float).
    pub fn number(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<f64>> {
        self.read(sink, key, true, number_at)
    }

    /// An optional finite number (integer or float).
    pub fn opt_number(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<f64>> {
        self.read(sink, key, false, number_at)
    }

    /// An optional integer in `0..=u32::MAX`.
    pub fn opt_u32(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<u32>> {
        self.opt_whole(sink, key)
    }

    /// A required integer in `0..=u32::MAX`.
    pub fn u32(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<u32>> {
        self.whole(sink, key)
    }

    /// A required whole number in the range of `T`.
    pub fn whole<T: Whole>(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<T>> {
        self.read(sink, key, true, whole_at)
    }

    /// An optional whole number in the range of `T`.
    pub fn opt_whole<T: Whole>(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<T>> {
        self.read(sink, key, false, whole_at)
    }

    /// A required boolean.
    pub fn boolean(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<bool>> {
        self.read(sink, key, true, bool_at)
    }

    /// An optional boolean.
    pub fn opt_bool(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<bool>> {
        self.read(sink, key, false, bool_at)
    }

    /// A required number or array of numbers (a series), each finite.
    pub fn numbers(&self, sink: &mut Sink<'_>, key: &str) -> Option<Located<Vec<f64>>> {
        let value = self.required(sink, key)?;
        let path = self.path_of(key);
        let Some(array) = value.get_ref().as_array() else {
            let number = number_at(sink, &path, value)?;
            return Some(Spanned::new(value.span(), vec![number.into_inner()]));
        };
        let mut numbers = Vec::with_capacity(array.len());
        for (index, element) in array.iter().enumerate() {
            let element_path = format!("{path}[{index}]");
            numbers.push(number_at(sink, &element_path, element));
        }
        let numbers: Option<Vec<f64>> = numbers
            .into_iter()
            .map(|n| n.map(Located::into_inner))
            .collect();
        Some(Spanned::new(value.span(), numbers?))
    }

    /// An optional array of strings; a non-string element is reported and skipped.
    pub fn opt_strings(&self, sink: &mut Sink<'_>, key: &str) -> Option<Vec<Located<String>>> {
        let array = self.opt_array(sink, key)?;
        let path = self.path_of(key);
        let strings = array
            .iter()
            .enumerate()
            .filter_map(|(index, element)| string_at(sink, &format!("{path}[{index}]"), element))
            .collect();
        Some(strings)
    }

    /// An optional array of tables (`[[key]]` or an inline array of `{ … }`); a non-table
    /// element is reported and skipped.
    pub fn opt_tables(&self, sink: &mut Sink<'_>, key: &str) -> Vec<TableRef<'a, 'i>> {
        let Some(array) = self.opt_array(sink, key) else {
            return Vec::new();
        };
        let path = self.path_of(key);
        let mut tables = Vec::with_capacity(array.len());
        for (index, element) in array.iter().enumerate() {
            let element_path = format!("{path}[{index}]");
            match element.get_ref().as_table() {
                Some(table) => tables.push(TableRef {
                    path: element_path,
                    table,
                    span: element.span(),
                }),
                None => sink.report(
                    &element.span(),
                    &element_path,
                    format!("expected a table, found {}", element.get_ref().type_str()),
                ),
            }
        }
        tables
    }

    /// A required table (`[key]` or `key = { … }`).
    pub fn table(&self, sink: &mut Sink<'_>, key: &str) -> Option<TableRef<'a, 'i>> {
        let value = self.required(sink, key)?;
        self.read_table(sink, key, value)
    }

    /// An optional table (`[key]` or `key = { … }`).
    pub fn opt_table(&self, sink: &mut Sink<'_>, key: &str) -> Option<TableRef<'a, 'i>> {
        let value = self.optional(key)?;
        self.read_table(sink, key, value)
    }

    fn read_table(
        &self,
        sink: &mut Sink<'_>,
        key: &str,
        value: &'a Spanned<DeValue<'i>>,
    ) -> Option<TableRef<'a, 'i>> {
        match value.get_ref().as_table() {
            Some(table) => Some(TableRef {
                path: self.path_of(key),
                table,
                span: value.span(),
            }),
            None => {
                self.wrong_type(sink, key, value, "a table");
                None
            }
        }
    }

    fn opt_array(&self, sink: &mut Sink<'_>, key: &str) -> Option<&'a [Spanned<DeValue<'i>>]> {
        let value = self.optional(key)?;
        match value.get_ref().as_array() {
            Some(array) => Some(array),
            None => {
                self.wrong_type(sink, key, value, "an array");
                None
            }
        }
    }

    /// A required string that must be one of `choices`, mapped through `parse`.
    pub fn choice<T>(
        &self,
        sink: &mut Sink<'_>,
        key: &str,
        what: &str,
        choices: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<Located<T>> {
        self.read(sink, key, true, |sink, path, value| {
            choice_at(sink, path, value, what, choices, parse)
        })
    }

    /// An optional string that must be one of `choices`, mapped through `parse`.
    pub fn opt_choice<T>(
        &self,
        sink: &mut Sink<'_>,
        key: &str,
        what: &str,
        choices: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<Located<T>> {
        self.read(sink, key, false, |sink, path, value| {
            choice_at(sink, path, value, what, choices, parse)
        })
    }
}

/// A string at the key path `path` that must be one of `choices` (a `what`: "protocol"),
/// mapped through `parse`.
fn choice_at<T>(
    sink: &mut Sink<'_>,
    path: &str,
    value: &Spanned<DeValue<'_>>,
    what: &str,
    choices: &[&str],
    parse: impl Fn(&str) -> Option<T>,
) -> Option<Located<T>> {
    let text = string_at(sink, path, value)?;
    let Some(parsed) = parse(text.get_ref()) else {
        sink.report(&text.span(), path, unknown(what, text.get_ref(), choices));
        return None;
    };
    Some(Spanned::new(text.span(), parsed))
}

/// Reports a value of the wrong type at the key path `path`.
fn wrong_type_at(sink: &mut Sink<'_>, path: &str, value: &Spanned<DeValue<'_>>, want: &str) {
    let found = value.get_ref().type_str();
    sink.report(
        &value.span(),
        path,
        format!("expected {want}, found {found}"),
    );
}

/// A string at the key path `path`.
fn string_at(
    sink: &mut Sink<'_>,
    path: &str,
    value: &Spanned<DeValue<'_>>,
) -> Option<Located<String>> {
    let Some(text) = value.get_ref().as_str() else {
        wrong_type_at(sink, path, value, "a string");
        return None;
    };
    Some(Spanned::new(value.span(), text.to_string()))
}

/// A boolean at the key path `path`.
fn bool_at(sink: &mut Sink<'_>, path: &str, value: &Spanned<DeValue<'_>>) -> Option<Located<bool>> {
    let Some(flag) = value.get_ref().as_bool() else {
        wrong_type_at(sink, path, value, "a boolean");
        return None;
    };
    Some(Spanned::new(value.span(), flag))
}

/// A whole number in the range of `T` at the key path `path`.
fn whole_at<T: Whole>(
    sink: &mut Sink<'_>,
    path: &str,
    value: &Spanned<DeValue<'_>>,
) -> Option<Located<T>> {
    let Some(integer) = value.get_ref().as_integer() else {
        wrong_type_at(sink, path, value, "an integer");
        return None;
    };
    let number = i64::from_str_radix(integer.as_str(), integer.radix()).ok();
    let Some(n) = number.and_then(T::from_i64) else {
        let message = format!("expected a whole number from {} to {}", T::LOW, T::HIGH);
        sink.report(&value.span(), path, message);
        return None;
    };
    Some(Spanned::new(value.span(), n))
}

/// A finite number at the key path `path`.
fn number_at(
    sink: &mut Sink<'_>,
    path: &str,
    value: &Spanned<DeValue<'_>>,
) -> Option<Located<f64>> {
    let (written, number) = match value.get_ref() {
        DeValue::Integer(i) => (
            i.as_str(),
            i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|n| n as f64),
        ),
        DeValue::Float(f) => (f.as_str(), f.as_str().parse::<f64>().ok()),
        _ => {
            wrong_type_at(sink, path, value, "a number");
            return None;
        }
    };
    match number {
        Some(n) if n.is_finite() => Some(Spanned::new(value.span(), n)),
        _ => {
            sink.report(
                &value.span(),
                path,
                format!("expected a finite number, found `{written}`"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_root(text: &str, check: impl FnOnce(&mut Sink<'_>, Fields<'_, '_>)) -> Vec<String> {
        let root = DeTable::parse(text).expect("test TOML parses");
        let mut sink = Sink::new(text, "t.toml");
        let fields = TableRef::root(&root).open(&mut sink, &["a", "b", "t"]);
        check(&mut sink, fields);
        match sink.finish() {
            Ok(()) => Vec::new(),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn reports_unknown_keys_at_the_key() {
        let errors = with_root("a = 1\n  zz = 2\n", |_, _| {});
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("t.toml:2:3 zz: unknown key `zz`"),
            "{errors:?}"
        );
    }

    #[test]
    fn numbers_accept_integers_radix_and_underscores() {
        let errors = with_root("a = 1_000\nb = 0x10\n", |sink, f| {
            assert_eq!(f.number(sink, "a").map(|n| n.into_inner()), Some(1000.0));
            assert_eq!(f.u32(sink, "b").map(|n| n.into_inner()), Some(16));
        });
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn numbers_reject_non_finite_values_and_wrong_types() {
        let errors = with_root("a = nan\nb = \"3\"\n", |sink, f| {
            assert!(f.number(sink, "a").is_none());
            assert!(f.number(sink, "b").is_none());
            assert!(f.number(sink, "t").is_none());
        });
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("t.toml:1:1 t: missing key `t`"),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("t.toml:1:5 a: expected a finite number"),
            "{errors:?}"
        );
        assert_eq!(errors[2], "t.toml:2:5 b: expected a number, found string");
    }

    #[test]
    fn names_must_not_be_blank() {
        let errors = with_root("a = \"  \"\n", |sink, f| {
            assert!(f.name(sink, "a").is_none());
        });
        assert_eq!(errors, ["t.toml:1:5 a: must not be empty"]);
    }

    #[test]
    fn table_lists_report_non_table_elements_with_their_index() {
        let errors = with_root("a = [{ x = 1 }, 2]\n", |sink, f| {
            assert_eq!(f.opt_tables(sink, "a").len(), 1);
        });
        assert_eq!(
            errors,
            ["t.toml:1:17 a[1]: expected a table, found integer"]
        );
    }

    #[test]
    fn optional_tables_open_with_their_path() {
        let errors = with_root("[t]\nx = 1\nz = 2\n", |sink, f| {
            assert!(f.opt_table(sink, "missing").is_none());
            let t = f.opt_table(sink, "t").expect("table t");
            assert_eq!(t.peek_string("x"), None);
            let inner = t.open(sink, &["x"]);
            assert_eq!(inner.number(sink, "x").map(|v| v.into_inner()), Some(1.0));
        });
        assert_eq!(
            errors,
            ["t.toml:3:1 t.z: unknown key `z` (did you mean `x`?); expected one of: x"]
        );
    }
}
