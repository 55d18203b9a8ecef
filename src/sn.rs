//! The public 23-character device serial-number rule.
//!
//! A device SN is 23 characters of `0-9` and `A-Z`:
//!
//! | characters | part | length |
//! |---|---|---|
//! | 1-2 | vendor code | 2 |
//! | 3 | OS type: `A` Android, `W` Windows, `L` Linux | 1 |
//! | 4-5 | model code | 2 |
//! | 6-15 | vendor serial | 10 |
//! | 16-23 | random | 8 |
//!
//! [`check`] parses an SN into a [`SerialNumber`] or lists every violation at once
//! ([`SnErrors`]), each naming the part, its 1-based character positions and what is wrong.
//! Lengths count characters, not bytes, so multibyte input is reported, never a panic. Part
//! boundaries are only known when the length is right, so a wrong-length SN gets the length
//! violation and the bad characters by position, and the OS-type and expected-code checks wait
//! for a 23-character SN.
//!
//! [`generate`] builds an SN from its parts and a fresh random part. A vendor serial shorter than
//! 10 characters is rejected, not padded: the SN must match the nameplate, so padding is the
//! vendor's decision. The random part only has to make SNs unique, not secret: it comes from a
//! `std` [`RandomState`] hasher, whose SipHash keys `std` draws from the OS random source once per
//! thread and then steps for every new `RandomState`, so each call hashes with fresh keys. 64
//! hashed bits are written as 8 base-36 digits (about 41 bits); the modulo bias is below 10⁻⁶.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;

/// Length of a device SN in characters.
pub const SN_LEN: usize = 23;

/// The characters an SN may use.
const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// One part of the SN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnPart {
    /// Characters 1-2: the vendor code assigned at registration.
    VendorCode,
    /// Character 3: the operating system.
    OsType,
    /// Characters 4-5: the model code assigned at registration.
    ModelCode,
    /// Characters 6-15: the vendor's own serial.
    VendorSerial,
    /// Characters 16-23: random.
    Random,
}

impl SnPart {
    /// The parts in SN order.
    pub const ALL: [SnPart; 5] = [
        SnPart::VendorCode,
        SnPart::OsType,
        SnPart::ModelCode,
        SnPart::VendorSerial,
        SnPart::Random,
    ];

    /// Human name (`vendor code`, `OS type` …).
    pub fn name(self) -> &'static str {
        match self {
            SnPart::VendorCode => "vendor code",
            SnPart::OsType => "OS type",
            SnPart::ModelCode => "model code",
            SnPart::VendorSerial => "vendor serial",
            SnPart::Random => "random",
        }
    }

    /// 1-based position of the part's first character.
    pub fn first(self) -> usize {
        match self {
            SnPart::VendorCode => 1,
            SnPart::OsType => 3,
            SnPart::ModelCode => 4,
            SnPart::VendorSerial => 6,
            SnPart::Random => 16,
        }
    }

    /// Length in characters.
    pub fn char_count(self) -> usize {
        match self {
            SnPart::VendorCode | SnPart::ModelCode => 2,
            SnPart::OsType => 1,
            SnPart::VendorSerial => 10,
            SnPart::Random => 8,
        }
    }

    /// 1-based position of the part's last character.
    pub fn last(self) -> usize {
        self.first() + self.char_count() - 1
    }
}

/// The operating system coded at character 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OsType {
    /// `A`.
    Android,
    /// `W`.
    Windows,
    /// `L`.
    Linux,
}

impl OsType {
    /// The SN letter: `A`, `W` or `L`.
    pub fn code(self) -> char {
        match self {
            OsType::Android => 'A',
            OsType::Windows => 'W',
            OsType::Linux => 'L',
        }
    }

    /// The OS name: `Android`, `Windows` or `Linux`.
    pub fn name(self) -> &'static str {
        match self {
            OsType::Android => "Android",
            OsType::Windows => "Windows",
            OsType::Linux => "Linux",
        }
    }

    /// The OS an SN letter stands for; only the uppercase letters are valid in an SN.
    pub fn from_code(code: char) -> Option<OsType> {
        [OsType::Android, OsType::Windows, OsType::Linux]
            .into_iter()
            .find(|os| os.code() == code)
    }
}

impl fmt::Display for OsType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Text that names no OS type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an OS type; use A (Android), W (Windows) or L (Linux)")]
pub struct ParseOsTypeError {
    /// The text as given.
    pub input: String,
}

impl FromStr for OsType {
    type Err = ParseOsTypeError;

    /// Accepts the letter or the name, ignoring case and surrounding space: `A`, `android`,
    /// `W`, `Windows`, `l`, `LINUX`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a" | "android" => Ok(OsType::Android),
            "w" | "windows" => Ok(OsType::Windows),
            "l" | "linux" => Ok(OsType::Linux),
            _ => Err(ParseOsTypeError {
                input: s.to_string(),
            }),
        }
    }
}

/// A valid SN, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SerialNumber {
    /// Characters 1-2.
    pub vendor_code: String,
    /// Character 3.
    pub os: OsType,
    /// Characters 4-5.
    pub model_code: String,
    /// Characters 6-15.
    pub vendor_serial: String,
    /// Characters 16-23.
    pub random: String,
}

impl fmt::Display for SerialNumber {
    /// The 23-character SN.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}{}{}",
            self.vendor_code,
            self.os.code(),
            self.model_code,
            self.vendor_serial,
            self.random
        )
    }
}

/// Why a character is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BadCharKind {
    /// `a-z`.
    Lowercase,
    /// Any Unicode whitespace.
    Whitespace,
    /// Any other non-ASCII character (`é`, full-width `Ａ`).
    NonAscii,
    /// An ASCII control character.
    Control,
    /// ASCII punctuation or a symbol (`-`, `_`, `#`).
    Symbol,
}

impl BadCharKind {
    const ALL: [BadCharKind; 5] = [
        BadCharKind::Lowercase,
        BadCharKind::Whitespace,
        BadCharKind::NonAscii,
        BadCharKind::Control,
        BadCharKind::Symbol,
    ];

    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            BadCharKind::Lowercase => "lowercase",
            BadCharKind::Whitespace => "whitespace",
            BadCharKind::NonAscii => "non-ASCII",
            BadCharKind::Control => "control character",
            BadCharKind::Symbol => "symbol",
        }
    }

    /// The problem with `c`, or `None` when it is `0-9` or `A-Z`.
    fn of(c: char) -> Option<BadCharKind> {
        if c.is_ascii_digit() || c.is_ascii_uppercase() {
            None
        } else if c.is_ascii_lowercase() {
            Some(BadCharKind::Lowercase)
        } else if c.is_whitespace() {
            Some(BadCharKind::Whitespace)
        } else if !c.is_ascii() {
            Some(BadCharKind::NonAscii)
        } else if c.is_ascii_control() {
            Some(BadCharKind::Control)
        } else {
            Some(BadCharKind::Symbol)
        }
    }
}

/// One character that is not `0-9` or `A-Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BadChar {
    /// 1-based position: in the SN when the violation has positions, else in the given part.
    pub position: usize,
    /// The character.
    pub ch: char,
    /// What is wrong with it.
    pub kind: BadCharKind,
}

/// What is wrong with a part (or the whole SN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnProblem {
    /// Wrong number of characters.
    Length {
        /// Characters given.
        actual: usize,
        /// Characters required.
        expected: usize,
    },
    /// Characters other than `0-9` and `A-Z`.
    Characters(Vec<BadChar>),
    /// Character 3 is not `A`, `W` or `L`.
    UnknownOs,
    /// The part differs from the code the unit was registered with.
    Mismatch {
        /// The expected code.
        expected: String,
    },
}

/// One violated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnViolation {
    /// The part, or `None` for the SN as a whole (its length) or characters past the 23rd.
    pub part: Option<SnPart>,
    /// 1-based first and last character positions in the SN; `None` for the whole SN and for
    /// the parts given to [`generate`].
    pub positions: Option<(usize, usize)>,
    /// The offending text.
    pub found: String,
    /// What is wrong.
    pub problem: SnProblem,
}

impl fmt::Display for SnViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.part {
            Some(part) => part.name(),
            None => "beyond the 23rd",
        };
        match (self.positions, self.part) {
            (None, None) => {}
            (None, Some(part)) => write!(f, "{} {:?}: ", part.name(), self.found)?,
            (Some((first, last)), _) => {
                let span = if first == last {
                    format!("character {first}")
                } else {
                    format!("characters {first}-{last}")
                };
                write!(f, "{span} ({what}) {:?}: ", self.found)?;
            }
        }
        match &self.problem {
            SnProblem::Length { actual, expected } => {
                write!(f, "length is {actual}, must be {expected}")
            }
            SnProblem::Characters(bad) => {
                let whole = self.found.chars().count();
                write!(
                    f,
                    "{} not allowed, use 0-9 and A-Z",
                    describe_bad_chars(bad, whole)
                )
            }
            SnProblem::UnknownOs => f.write_str("must be A (Android), W (Windows) or L (Linux)"),
            SnProblem::Mismatch { expected } => {
                write!(f, "does not match the expected {expected:?}")
            }
        }
    }
}

/// `lowercase` when every character is lowercase, else `lowercase (character 4) and whitespace
/// (characters 6, 9)`.
fn describe_bad_chars(bad: &[BadChar], whole: usize) -> String {
    let groups: Vec<String> = BadCharKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let positions: Vec<String> = bad
                .iter()
                .filter(|b| b.kind == kind)
                .map(|b| b.position.to_string())
                .collect();
            match positions.len() {
                0 => None,
                n if n == whole => Some(kind.name().to_string()),
                1 => Some(format!("{} (character {})", kind.name(), positions[0])),
                _ => Some(format!(
                    "{} (characters {})",
                    kind.name(),
                    positions.join(", ")
                )),
            }
        })
        .collect();
    join_with_and(&groups)
}

fn join_with_and(items: &[String]) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Every violation found, in SN order. `Display` writes one line per violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnErrors(pub Vec<SnViolation>);

impl fmt::Display for SnErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SnErrors {}

/// The bad characters of `chars`, numbered from `first`.
fn bad_chars(chars: &[char], first: usize) -> Vec<BadChar> {
    chars
        .iter()
        .enumerate()
        .filter_map(|(i, &ch)| {
            BadCharKind::of(ch).map(|kind| BadChar {
                position: first + i,
                ch,
                kind,
            })
        })
        .collect()
}

/// Checks a device SN against the rule and, when given, the registered vendor and model codes
/// (compared exactly). Returns the parts, or every violation found.
pub fn check(
    sn: &str,
    expected_vendor_code: Option<&str>,
    expected_model_code: Option<&str>,
) -> Result<SerialNumber, SnErrors> {
    let chars: Vec<char> = sn.chars().collect();
    let mut violations = Vec::new();
    if chars.len() != SN_LEN {
        violations.push(SnViolation {
            part: None,
            positions: None,
            found: sn.to_string(),
            problem: SnProblem::Length {
                actual: chars.len(),
                expected: SN_LEN,
            },
        });
    }
    let length_ok = violations.is_empty();
    let mut segments: Vec<(Option<SnPart>, usize, usize)> = SnPart::ALL
        .into_iter()
        .map(|part| (Some(part), part.first(), part.last().min(chars.len())))
        .collect();
    segments.push((None, SN_LEN + 1, chars.len()));
    let mut os = None;
    for (part, first, last) in segments.into_iter().filter(|(_, f, l)| f <= l) {
        let text = &chars[first - 1..last];
        let found: String = text.iter().collect();
        let violation = |problem| SnViolation {
            part,
            positions: Some((first, last)),
            found: found.clone(),
            problem,
        };
        if length_ok && part == Some(SnPart::OsType) {
            os = text.first().copied().and_then(OsType::from_code);
            if os.is_none() {
                violations.push(violation(SnProblem::UnknownOs));
            }
            continue;
        }
        let bad = bad_chars(text, first);
        let expected = match part {
            Some(SnPart::VendorCode) => expected_vendor_code,
            Some(SnPart::ModelCode) => expected_model_code,
            _ => None,
        };
        if !bad.is_empty() {
            violations.push(violation(SnProblem::Characters(bad)));
        } else if let Some(expected) = expected.filter(|e| length_ok && *e != found) {
            violations.push(violation(SnProblem::Mismatch {
                expected: expected.to_string(),
            }));
        }
    }
    match os {
        Some(os) if violations.is_empty() => {
            let part = |p: SnPart| chars[p.first() - 1..p.last()].iter().collect::<String>();
            Ok(SerialNumber {
                vendor_code: part(SnPart::VendorCode),
                os,
                model_code: part(SnPart::ModelCode),
                vendor_serial: part(SnPart::VendorSerial),
                random: part(SnPart::Random),
            })
        }
        _ => Err(SnErrors(violations)),
    }
}

/// Builds an SN from its parts and a fresh 8-character random part.
///
/// Each given part must have exactly its length (vendor code 2, model code 2, vendor serial 10;
/// nothing is padded) and only `0-9` and `A-Z`; every violation is listed.
pub fn generate(
    vendor_code: &str,
    os: OsType,
    model_code: &str,
    vendor_serial: &str,
) -> Result<String, SnErrors> {
    let given = [
        (SnPart::VendorCode, vendor_code),
        (SnPart::ModelCode, model_code),
        (SnPart::VendorSerial, vendor_serial),
    ];
    let mut violations = Vec::new();
    for (part, text) in given {
        let chars: Vec<char> = text.chars().collect();
        let violation = |problem| SnViolation {
            part: Some(part),
            positions: None,
            found: text.to_string(),
            problem,
        };
        if chars.len() != part.char_count() {
            violations.push(violation(SnProblem::Length {
                actual: chars.len(),
                expected: part.char_count(),
            }));
        }
        let bad = bad_chars(&chars, 1);
        if !bad.is_empty() {
            violations.push(violation(SnProblem::Characters(bad)));
        }
    }
    if !violations.is_empty() {
        return Err(SnErrors(violations));
    }
    Ok(format!(
        "{vendor_code}{}{model_code}{vendor_serial}{}",
        os.code(),
        random_part()
    ))
}

/// 8 base-36 digits from a freshly keyed `RandomState` hasher (module docs).
fn random_part() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write(b"facebench device SN random part");
    let mut bits = hasher.finish();
    let alphabet_len = ALPHABET.len() as u64;
    (0..SnPart::Random.char_count())
        .map(|_| {
            let digit = ALPHABET[(bits % alphabet_len) as usize];
            bits /= alphabet_len;
            char::from(digit)
        })
        .collect()
}
