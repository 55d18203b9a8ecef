//! Streaming reads of series CSV files and their reduction to what a chart can show.
//!
//! Series files can hold millions of rows, so nothing here keeps rows: [`scan`] hands each
//! well-formed row to a closure and counts the malformed ones, and a [`Trace`] keeps at most
//! four points per pixel column (first, min, max, last), so memory is bounded by the chart
//! width, not the file length.
//!
//! A chart needs the x extent of a file before its first row can go into a pixel column. The
//! series writer appends rows in time order, so [`extent_hint`] guesses the extent from the
//! first and the last rows alone, and [`with_extent`] reads the file once with that guess; only
//! when the pass finds a different extent (rows out of order) is the file read a second time.
//!
//! Rows are read as bytes into one reused record, and numbers are parsed from the fields as
//! they are; only a field that does not parse is trimmed and tried again, so padded files still
//! read as before without every field paying for the trim.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use csv::{ByteRecord, StringRecord};

/// The largest magnitude taken as a reading; anything beyond (or not finite) is a garbled
/// value, and would make the axis arithmetic overflow.
pub(super) const MAX_MAGNITUDE: f64 = 1e12;

/// Bytes read from the end of a file to guess where its x column ends.
const TAIL_BYTES: u64 = 8 * 1024;

/// Rows read from the start of a file to guess where its x column starts.
const HEAD_ROWS: usize = 16;

/// The smallest and largest x of a file.
pub(super) type Extent = (f64, f64);

/// What a [`scan`] saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Scan {
    /// Well-formed rows handed to the closure.
    pub(super) rows: u64,
    /// Rows skipped as malformed.
    pub(super) malformed: u64,
    /// The first malformed row, as `file:line: problem`.
    pub(super) first_problem: Option<String>,
    /// The smallest and largest value of the x column over every row with the header's field
    /// count where it parses (malformed rows included), when the scan was given one.
    pub(super) extent: Option<Extent>,
}

impl Scan {
    /// `N malformed rows skipped (first: …)`, or `None` when there were none.
    pub(super) fn malformed_note(&self) -> Option<String> {
        let first = self.first_problem.as_deref()?;
        Some(format!(
            "{} malformed row{} skipped (first: {first})",
            self.malformed,
            if self.malformed == 1 { "" } else { "s" }
        ))
    }
}

/// Powers of ten that are exact in an `f64`.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Most significant digits the fast path takes: below 10^15, so below 2^53 and exact.
const FAST_DIGITS: usize = 15;

/// A field of the form `[-]digits[.digits]` with at most [`FAST_DIGITS`] digits, as the
/// series writer formats readings. Its digits and its power of ten are both exact `f64`s, so
/// one division gives the correctly rounded value, the same `str::parse` gives. `None` for any
/// other form (the caller falls back to `str::parse`).
fn parse_plain_decimal(field: &[u8]) -> Option<f64> {
    let (negative, rest) = match field.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, field),
    };
    let (mut mantissa, mut digits, mut point) = (0u64, 0usize, None);
    for &byte in rest {
        if byte.is_ascii_digit() {
            if digits == FAST_DIGITS {
                return None;
            }
            mantissa = mantissa * 10 + u64::from(byte - b'0');
            digits += 1;
        } else if byte == b'.' && point.is_none() {
            point = Some(digits);
        } else {
            return None;
        }
    }
    let fraction = match point {
        None if digits > 0 => 0,
        Some(whole) if whole > 0 && whole < digits => digits - whole,
        _ => return None,
    };
    let value = mantissa as f64 / EXACT_POWERS_OF_TEN[fraction];
    Some(if negative { -value } else { value })
}

/// A number field: `Ok(None)` when empty (or only blanks), `Err(())` when it is not a number
/// within ±[`MAX_MAGNITUDE`].
fn parse_number(field: &[u8]) -> Result<Option<f64>, ()> {
    if field.is_empty() {
        return Ok(None);
    }
    let value = match parse_plain_decimal(field) {
        Some(value) => value,
        None => match parse_text(field)? {
            Some(value) => value,
            None => return Ok(None),
        },
    };
    if value.abs() <= MAX_MAGNITUDE {
        Ok(Some(value))
    } else {
        Err(())
    }
}

/// A field in any form `str::parse` takes, trimmed when it does not parse as it is;
/// `Ok(None)` when only blanks.
fn parse_text(field: &[u8]) -> Result<Option<f64>, ()> {
    let text = std::str::from_utf8(field).map_err(|_| ())?;
    let value = match text.parse::<f64>() {
        Ok(value) => value,
        Err(_) => {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                return Ok(None);
            }
            if trimmed.len() == text.len() {
                return Err(());
            }
            trimmed.parse::<f64>().map_err(|_| ())?
        }
    };
    Ok(Some(value))
}

/// Widens `extent` to take in `value`.
fn widen(extent: Option<Extent>, value: f64) -> Option<Extent> {
    Some(extent.map_or((value, value), |(lo, hi)| (lo.min(value), hi.max(value))))
}

/// One data row: its fields, and the header to name a column in errors.
pub(super) struct Row<'a> {
    record: &'a ByteRecord,
    headers: &'a StringRecord,
    /// The x column and its value, parsed once by the scan.
    x: Option<(usize, Result<Option<f64>, ()>)>,
}

impl Row<'_> {
    /// The trimmed text of column `index` (empty when absent).
    pub(super) fn text(&self, index: usize) -> &str {
        self.record
            .get(index)
            .and_then(|field| std::str::from_utf8(field).ok())
            .map_or("", str::trim)
    }

    /// The number in column `index`: `Ok(None)` when empty, `Err` naming the column when it is
    /// not a number within ±[`MAX_MAGNITUDE`].
    pub(super) fn number(&self, index: usize) -> Result<Option<f64>, String> {
        let parsed = match self.x {
            Some((x, parsed)) if x == index => parsed,
            _ => parse_number(self.record.get(index).unwrap_or_default()),
        };
        parsed.map_err(|()| {
            format!(
                "{}: {:?} is not a number",
                self.headers.get(index).unwrap_or("?"),
                self.text(index)
            )
        })
    }
}

/// The open header of a series file: column positions by name.
pub(super) struct Header {
    record: StringRecord,
}

impl Header {
    /// The position of a column.
    pub(super) fn find(&self, name: &str) -> Option<usize> {
        self.record.iter().position(|h| h == name)
    }

    /// The position of a column the chart cannot do without.
    pub(super) fn require(&self, path: &Path, name: &str) -> Result<usize, String> {
        self.find(name)
            .ok_or_else(|| format!("{}: no column {name:?} in the header", path.display()))
    }

    /// All column names, trimmed.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.record.iter()
    }
}

/// Reads the header of a series file.
pub(super) fn header(path: &Path) -> Result<Header, String> {
    let (_, record) = open(path)?;
    Ok(Header { record })
}

/// Opens a series file and reads its header, names trimmed.
fn open(path: &Path) -> Result<(csv::Reader<std::fs::File>, StringRecord), String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut headers = reader
        .headers()
        .map_err(|e| format!("{}: header: {e}", path.display()))?
        .clone();
    headers.trim();
    Ok((reader, headers))
}

/// What is wrong with a row the CSV layer read, if anything.
fn check(record: &ByteRecord, headers: &StringRecord) -> Option<String> {
    if std::str::from_utf8(record.as_slice()).is_err() {
        let field = record
            .iter()
            .position(|f| std::str::from_utf8(f).is_err())
            .unwrap_or(0);
        return Some(format!(
            "{}: invalid UTF-8",
            headers.get(field).unwrap_or("?")
        ));
    }
    (record.len() != headers.len())
        .then(|| format!("{} fields, the header has {}", record.len(), headers.len()))
}

/// Reads every row of `path` once, handing well-formed rows to `each`. A row is malformed when
/// the CSV layer rejects it, it is not UTF-8, its field count differs from the header's, or
/// `each` returns `Err` (a bad number); malformed rows are skipped and counted. `Err` only when
/// the file cannot be opened.
pub(super) fn scan(
    path: &Path,
    each: impl FnMut(&Row<'_>) -> Result<(), String>,
) -> Result<Scan, String> {
    scan_rows(path, None, each)
}

/// [`scan`] that also finds the extent of column `x` ([`Scan::extent`]) in the same pass.
pub(super) fn scan_with_extent(
    path: &Path,
    x: usize,
    each: impl FnMut(&Row<'_>) -> Result<(), String>,
) -> Result<Scan, String> {
    scan_rows(path, Some(x), each)
}

/// The x extent of a file: the smallest and largest value of column `x` over rows where it
/// parses, or `None` when there is no such row. A whole pass: for columns not in file order.
pub(super) fn x_extent(path: &Path, x: usize) -> Result<Option<Extent>, String> {
    Ok(scan_with_extent(path, x, |_| Ok(()))?.extent)
}

fn scan_rows(
    path: &Path,
    x: Option<usize>,
    mut each: impl FnMut(&Row<'_>) -> Result<(), String>,
) -> Result<Scan, String> {
    let (mut reader, headers) = open(path)?;
    let mut scan = Scan::default();
    let mut record = ByteRecord::new();
    loop {
        let line = reader.position().line();
        let problem = match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => match check(&record, &headers) {
                Some(problem) => Some(problem),
                None => {
                    let x = x.map(|x| (x, parse_number(record.get(x).unwrap_or_default())));
                    if let Some((_, Ok(Some(value)))) = x {
                        scan.extent = widen(scan.extent, value);
                    }
                    each(&Row {
                        record: &record,
                        headers: &headers,
                        x,
                    })
                    .err()
                }
            },
            Err(e) if e.is_io_error() => Some(format!("read error: {e}")),
            Err(e) => Some(e.to_string()),
        };
        match problem {
            None => scan.rows += 1,
            Some(problem) => {
                scan.malformed += 1;
                if scan.first_problem.is_none() {
                    let name = path.file_name().map_or_else(
                        || path.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    scan.first_problem = Some(format!("{name}:{line}: {problem}"));
                }
            }
        }
    }
    Ok(scan)
}

/// A guess at the extent of column `x` from the first [`HEAD_ROWS`] rows and the rows in the
/// last [`TAIL_BYTES`] of the file: right whenever the rows are in x order, as the series
/// writer appends them. `None` when none of those rows has an x.
pub(super) fn extent_hint(path: &Path, x: usize) -> Result<Option<Extent>, String> {
    let (mut reader, headers) = open(path)?;
    let mut extent = None;
    let mut record = ByteRecord::new();
    let consider = |record: &ByteRecord, extent: &mut Option<Extent>| {
        if check(record, &headers).is_none() {
            if let Ok(Some(value)) = parse_number(record.get(x).unwrap_or_default()) {
                *extent = widen(*extent, value);
            }
        }
    };
    for _ in 0..HEAD_ROWS {
        match reader.read_byte_record(&mut record) {
            Ok(true) => consider(&record, &mut extent),
            Ok(false) => return Ok(extent),
            Err(_) => {}
        }
    }
    let mut file = reader.into_inner();
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    let length = file.metadata().map_err(fail)?.len();
    let from = length.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(from)).map_err(fail)?;
    let mut tail = Vec::with_capacity((length - from) as usize);
    file.read_to_end(&mut tail).map_err(fail)?;
    let start = tail
        .iter()
        .position(|&b| b == b'\n')
        .map_or(tail.len(), |n| n + 1);
    let mut rows = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(&tail[start..]);
    loop {
        match rows.read_byte_record(&mut record) {
            Ok(true) => consider(&record, &mut extent),
            Ok(false) => return Ok(extent),
            Err(e) if e.is_io_error() => return Ok(extent),
            Err(_) => {}
        }
    }
}

/// Runs `read` over the guessed extent, and once more over the extent it found when that
/// differs. `read` returns what it built and the extent its pass found (`None`: no x at all);
/// the result is built over exactly the extent it reports.
pub(super) fn with_extent<T>(
    guess: Option<Extent>,
    mut read: impl FnMut(Option<Extent>) -> Result<(T, Option<Extent>), String>,
) -> Result<(T, Option<Extent>), String> {
    let (built, found) = read(guess)?;
    if found == guess {
        Ok((built, found))
    } else {
        read(found)
    }
}

/// Pixel columns over an x range: which column a value falls in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Columns {
    start: f64,
    width: f64,
    count: usize,
}

impl Columns {
    /// `count` equal columns over `start..=end` (a zero-width range gets width 1).
    pub(super) fn new(start: f64, end: f64, count: usize) -> Columns {
        let count = count.max(1);
        let span = end - start;
        let width = if span > 0.0 && span.is_finite() {
            span / count as f64
        } else {
            1.0
        };
        Columns {
            start,
            width,
            count,
        }
    }

    /// The column of `x`, clamped into range.
    pub(super) fn of(&self, x: f64) -> usize {
        // Truncation is the floor here: anything below 0 (or NaN) goes to column 0 anyway.
        let index = (x - self.start) / self.width;
        if index.is_nan() || index < 0.0 {
            0
        } else {
            (index as usize).min(self.count - 1)
        }
    }

    /// The width of one column in x units.
    pub(super) fn width(&self) -> f64 {
        self.width
    }

    /// How many columns there are.
    pub(super) fn count(&self) -> usize {
        self.count
    }
}

/// Points of one pixel column: first, lowest, highest and last, each as (x, y).
#[derive(Debug, Clone, Copy)]
struct Bucket {
    column: usize,
    first: (f64, f64),
    min: (f64, f64),
    max: (f64, f64),
    last: (f64, f64),
}

impl Bucket {
    /// The distinct points in time order.
    fn points(&self) -> Vec<(f64, f64)> {
        let mut points = vec![self.first, self.min, self.max, self.last];
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        points.dedup_by(|a, b| a == b);
        points
    }
}

/// A decimated line: segments of points, broken where values were missing. Within one pixel
/// column the line is the column's min–max span; it never runs across a missing value that
/// lies between two columns.
#[derive(Debug, Clone)]
pub(super) struct Trace {
    columns: Columns,
    segments: Vec<Vec<(f64, f64)>>,
    bucket: Option<Bucket>,
    broken: bool,
    y_range: Option<(f64, f64)>,
    missing: u64,
}

impl Trace {
    /// An empty trace over `columns`.
    pub(super) fn new(columns: Columns) -> Trace {
        Trace {
            columns,
            segments: Vec::new(),
            bucket: None,
            broken: false,
            y_range: None,
            missing: 0,
        }
    }

    /// Adds a value at `x`; `None` is a missing value that breaks the line.
    pub(super) fn push(&mut self, x: f64, y: Option<f64>) {
        let Some(y) = y else {
            self.missing += 1;
            self.broken = true;
            return;
        };
        self.y_range = Some(
            self.y_range
                .map_or((y, y), |(lo, hi)| (lo.min(y), hi.max(y))),
        );
        let column = self.columns.of(x);
        match &mut self.bucket {
            Some(bucket) if bucket.column == column => {
                if y < bucket.min.1 {
                    bucket.min = (x, y);
                }
                if y > bucket.max.1 {
                    bucket.max = (x, y);
                }
                bucket.last = (x, y);
            }
            _ => {
                self.flush();
                if self.broken || self.segments.is_empty() {
                    self.segments.push(Vec::new());
                    self.broken = false;
                }
                self.bucket = Some(Bucket {
                    column,
                    first: (x, y),
                    min: (x, y),
                    max: (x, y),
                    last: (x, y),
                });
            }
        }
    }

    fn flush(&mut self) {
        if let Some(bucket) = self.bucket.take() {
            if let Some(segment) = self.segments.last_mut() {
                segment.extend(bucket.points());
            }
        }
    }

    /// The finished segments.
    pub(super) fn finish(mut self) -> FinishedTrace {
        self.flush();
        FinishedTrace {
            segments: self.segments,
            y_range: self.y_range,
            missing: self.missing,
        }
    }
}

/// A trace ready to draw.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct FinishedTrace {
    /// Unbroken runs of points in x order.
    pub(super) segments: Vec<Vec<(f64, f64)>>,
    /// Lowest and highest value, when there was any.
    pub(super) y_range: Option<(f64, f64)>,
    /// How many values were missing.
    pub(super) missing: u64,
}

impl FinishedTrace {
    /// True when the trace has no value at all.
    pub(super) fn is_empty(&self) -> bool {
        self.y_range.is_none()
    }
}

/// Spans of x (start, end) merged when closer than a column, at most one per column.
#[derive(Debug, Clone)]
pub(super) struct Spans {
    columns: Columns,
    spans: Vec<(f64, f64)>,
    count: u64,
}

impl Spans {
    /// No spans yet.
    pub(super) fn new(columns: Columns) -> Spans {
        Spans {
            columns,
            spans: Vec::new(),
            count: 0,
        }
    }

    /// Adds the span `start..=end`.
    pub(super) fn add(&mut self, start: f64, end: f64) {
        self.count += 1;
        let (start, end) = (start.min(end), start.max(end));
        if let Some(last) = self.spans.last_mut() {
            if start - last.1 <= self.columns.width() {
                last.1 = last.1.max(end);
                return;
            }
        }
        if self.spans.len() < self.columns.count() {
            self.spans.push((start, end));
        }
    }

    /// The merged spans, each at least two columns wide so it shows.
    pub(super) fn drawable(&self) -> Vec<(f64, f64)> {
        let min_width = 2.0 * self.columns.width();
        self.spans
            .iter()
            .map(|&(s, e)| (s, e.max(s + min_width)))
            .collect()
    }

    /// How many spans were added before merging.
    pub(super) fn count(&self) -> u64 {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> std::path::PathBuf {
        let path = dir.join("s.csv");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn malformed_rows_are_counted_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "x,y\n0,1\n1,abc\n2\n3,4\n4,1e300\n\"5,6\n");
        let mut seen = Vec::new();
        let scan = scan(&path, |row| {
            seen.push((row.number(0)?, row.number(1)?));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.last(), Some(&(Some(3.0), Some(4.0))));
        assert_eq!(scan.rows, 2);
        assert_eq!(scan.malformed, 4);
        assert_eq!(
            scan.first_problem.as_deref(),
            Some("s.csv:3: y: \"abc\" is not a number")
        );
        assert!(scan
            .malformed_note()
            .unwrap()
            .starts_with("4 malformed rows"));
    }

    #[test]
    fn padded_fields_and_headers_still_read_and_bad_bytes_are_malformed() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = b" x , y ,note\n 1 ,2.5 , a \n2,  ,\n3,4,".to_vec();
        text.extend_from_slice(&[0xff, b'\n']);
        text.extend_from_slice(b"4, 1e13,\n");
        let path = dir.path().join("s.csv");
        std::fs::write(&path, text).unwrap();
        let head = header(&path).unwrap();
        assert_eq!(head.names().collect::<Vec<_>>(), ["x", "y", "note"]);
        let y = head.require(&path, "y").unwrap();
        let mut seen = Vec::new();
        let scan = scan_with_extent(&path, 0, |row| {
            seen.push((row.number(0)?, row.number(y)?, row.text(2).to_string()));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                (Some(1.0), Some(2.5), "a".to_string()),
                (Some(2.0), None, String::new())
            ]
        );
        assert_eq!(scan.rows, 2);
        assert_eq!(scan.malformed, 2);
        assert_eq!(
            scan.first_problem.as_deref(),
            Some("s.csv:4: note: invalid UTF-8")
        );
        assert_eq!(scan.extent, Some((1.0, 4.0)), "a bad y still counts its x");
    }

    #[test]
    fn the_hint_is_the_extent_of_an_ordered_file_and_a_wrong_one_costs_a_second_pass() {
        let dir = tempfile::tempdir().unwrap();
        let mut ordered = String::from("elapsed_s,v\n");
        for i in 0..5000 {
            ordered.push_str(&format!("{},{}\n", f64::from(i) * 0.5, i % 7));
        }
        let path = write(dir.path(), &ordered);
        let hint = extent_hint(&path, 0).unwrap();
        assert_eq!(hint, Some((0.0, 2499.5)));
        assert_eq!(hint, x_extent(&path, 0).unwrap());
        let mut passes = 0;
        let (rows, extent) = with_extent(hint, |_| {
            passes += 1;
            let scan = scan_with_extent(&path, 0, |_| Ok(()))?;
            Ok((scan.rows, scan.extent))
        })
        .unwrap();
        assert_eq!((passes, rows, extent), (1, 5000, hint));

        let shuffled = ordered.replacen("\n1000,", "\n-7,", 1);
        let path = write(dir.path(), &shuffled);
        let hint = extent_hint(&path, 0).unwrap();
        assert_eq!(hint, Some((0.0, 2499.5)), "the middle is not looked at");
        let mut extents = Vec::new();
        let (_, extent) = with_extent(hint, |extent| {
            extents.push(extent);
            let scan = scan_with_extent(&path, 0, |_| Ok(()))?;
            Ok(((), scan.extent))
        })
        .unwrap();
        assert_eq!(extent, Some((-7.0, 2499.5)));
        assert_eq!(extents, [hint, extent], "built again over the true extent");

        let path = write(dir.path(), "elapsed_s,v\n");
        assert_eq!(extent_hint(&path, 0).unwrap(), None);
    }

    #[test]
    fn plain_decimals_parse_to_the_same_bits_as_str_parse() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "0.000",
            "1.5",
            "-273.150",
            "999999999999999",
            "0.1",
            "00012.5000",
            "9007199254740993",
            "1.",
            ".5",
            "-",
            "",
            "1e3",
            "+1",
            "1.2.3",
            " 1",
            "-.5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for _ in 0..20_000 {
            let digits = (next() % 17) as usize + 1;
            let text: String = (0..digits)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect();
            let point = (next() % (digits as u64 + 1)) as usize;
            let sign = if next() % 2 == 0 { "-" } else { "" };
            cases.push(format!("{sign}{}.{}", &text[..point], &text[point..]));
            cases.push(format!("{sign}{text}"));
        }
        for case in &cases {
            let fast = parse_plain_decimal(case.as_bytes());
            if let Some(value) = fast {
                let parsed: f64 = case.parse().unwrap();
                assert_eq!(value.to_bits(), parsed.to_bits(), "{case:?}");
            }
            let number = parse_number(case.as_bytes());
            let expected = match case.trim() {
                "" => Ok(None),
                text => text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.abs() <= MAX_MAGNITUDE)
                    .map(Some)
                    .ok_or(()),
            };
            assert_eq!(
                number.map(|v| v.map(f64::to_bits)),
                expected.map(|v| v.map(f64::to_bits)),
                "{case:?}"
            );
        }
        assert_eq!(parse_plain_decimal(b"-273.150"), Some(-273.15));
        assert_eq!(parse_plain_decimal(b"1e3"), None);
    }

    #[test]
    fn random_and_truncated_files_never_panic() {
        let dir = tempfile::tempdir().unwrap();
        let good = "elapsed_s,utc,a,note\n0,t,1.5,\n1,t,,gap: x\n2,t,2.5,\"q,\"\n";
        let mut seed = 0x2545_f491_u32;
        for cut in 0..good.len() {
            let mut bytes = good.as_bytes()[..cut].to_vec();
            for byte in bytes.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                if seed.is_multiple_of(7) {
                    *byte = (seed >> 8) as u8;
                }
            }
            let path = dir.path().join("r.csv");
            std::fs::write(&path, &bytes).unwrap();
            let columns = Columns::new(0.0, 2.0, 4);
            let mut trace = Trace::new(columns);
            let result = scan(&path, |row| {
                let x = row.number(0)?.unwrap_or(0.0);
                trace.push(x, row.number(2)?);
                Ok(())
            });
            if let Ok(scan) = result {
                assert!(scan.rows + scan.malformed <= 3);
            }
            let _ = x_extent(&path, 0);
            let _ = extent_hint(&path, 0);
            let _ = trace.finish();
        }
    }

    #[test]
    fn a_trace_keeps_at_most_four_points_per_column_and_breaks_at_gaps() {
        let columns = Columns::new(0.0, 1000.0, 10);
        let mut trace = Trace::new(columns);
        for i in 0..=1000 {
            let x = f64::from(i);
            let y = if (400..450).contains(&i) {
                None
            } else {
                Some((x / 10.0).sin())
            };
            trace.push(x, y);
        }
        let done = trace.finish();
        assert_eq!(done.segments.len(), 2);
        let points: usize = done.segments.iter().map(Vec::len).sum();
        assert!(points <= 4 * 11, "{points} points");
        assert_eq!(done.missing, 50);
        let first_end = done.segments[0].last().unwrap().0;
        let second_start = done.segments[1][0].0;
        assert!(first_end < 400.0 && second_start >= 450.0);
        let (lo, hi) = done.y_range.unwrap();
        assert!(lo < -0.99 && hi > 0.99);
    }

    #[test]
    fn a_gap_inside_one_column_does_not_split_it() {
        let mut trace = Trace::new(Columns::new(0.0, 100.0, 1));
        trace.push(1.0, Some(1.0));
        trace.push(2.0, None);
        trace.push(3.0, Some(2.0));
        let done = trace.finish();
        assert_eq!(done.segments.len(), 1);
        assert_eq!(done.missing, 1);
    }

    #[test]
    fn spans_merge_within_a_column_and_stay_bounded() {
        let columns = Columns::new(0.0, 100.0, 10);
        let mut spans = Spans::new(columns);
        spans.add(10.0, 12.0);
        spans.add(15.0, 16.0);
        spans.add(50.0, 50.0);
        for i in 0..1000 {
            spans.add(60.0 + f64::from(i) * 0.04, 60.0 + f64::from(i) * 0.04);
        }
        assert_eq!(spans.count(), 1003);
        let drawn = spans.drawable();
        assert_eq!(drawn.len(), 2, "{drawn:?}");
        assert_eq!(drawn[0], (10.0, 30.0), "widened to two columns");
        assert_eq!(drawn[1].0, 50.0);
        assert!((drawn[1].1 - 99.96).abs() < 1e-9);
    }

    #[test]
    fn columns_clamp() {
        let columns = Columns::new(0.0, 10.0, 5);
        assert_eq!(columns.of(-3.0), 0);
        assert_eq!(columns.of(10.0), 4);
        assert_eq!(columns.of(f64::NAN), 0);
        assert_eq!(Columns::new(5.0, 5.0, 0).of(5.0), 0);
    }

    #[test]
    fn a_72_hour_series_at_one_second_stays_bounded_even_with_dropouts_everywhere() {
        let rows: u32 = 72 * 3600;
        let columns = Columns::new(0.0, f64::from(rows - 1), 1200);
        let mut trace = Trace::new(columns);
        let mut spans = Spans::new(columns);
        for i in 0..rows {
            let x = f64::from(i);
            let value = (i % 3 != 0).then(|| (x / 500.0).sin());
            if value.is_none() {
                spans.add(x, x + 1.0);
            }
            trace.push(x, value);
        }
        let done = trace.finish();
        let points: usize = done.segments.iter().map(Vec::len).sum();
        assert!(
            done.segments.len() <= 1200,
            "{} segments",
            done.segments.len()
        );
        assert!(points <= 4 * 1200, "{points} points");
        assert_eq!(done.missing, u64::from(rows / 3));
        assert!(spans.drawable().len() <= 1200);
    }
}
