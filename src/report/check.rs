//! The completeness check of a submission folder (`facebench package --check`): the four
//! software pre-check files the vendor supplies, and the certificates the unit needs.
//!
//! Rules (from the onboarding document): exact names
//! `[1摄像头测试Checklist]-[<vendor>][<model>].xls`,
//! `[2软件预检测结果]-[<vendor>][<model>][<SDK|APP>模式].xls`,
//! `[3设备流程视频]-[<vendor>][<model>][<SDK|APP>模式].mp4` (an MP4 of at most
//! [`MAX_VIDEO_BYTES`]) and `[4设备安装&操作手册]-[<vendor>][<model>].pdf` (a PDF);
//! spreadsheets may also be `.xlsx`. Certificates: 3C always, SRRC with Wi-Fi or Bluetooth, CTA
//! with 4G.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::unit::{Features, Unit};

use super::names::submission_file_name;

/// The flow-video limit: 10 MB, read as 10 × 1024 × 1024 bytes.
pub const MAX_VIDEO_BYTES: u64 = 10 * 1024 * 1024;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A required file is not there.
    Missing,
    /// A file is there but misnamed, of the wrong format or too large.
    Problem,
    /// Something for the operator to confirm (certificates).
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Missing => "missing",
            Severity::Problem => "problem",
            Severity::Info => "info",
        })
    }
}

/// One result of [`check_submission`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// What is wrong or what to confirm, naming the file.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.message)
    }
}

/// A national certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certificate {
    /// China Compulsory Certification, for every device.
    Ccc,
    /// Radio type approval, for Wi-Fi or Bluetooth.
    Srrc,
    /// Network access licence, for a 4G module.
    Cta,
}

impl Certificate {
    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Certificate::Ccc => "3C",
            Certificate::Srrc => "SRRC",
            Certificate::Cta => "CTA",
        }
    }
}

/// The certificates a unit with these features needs: 3C always; SRRC with Wi-Fi or
/// Bluetooth; CTA with 4G.
pub fn needed_certificates(features: &Features) -> Vec<Certificate> {
    let mut needed = vec![Certificate::Ccc];
    if features.wifi || features.bluetooth {
        needed.push(Certificate::Srrc);
    }
    if features.cellular_4g {
        needed.push(Certificate::Cta);
    }
    needed
}

/// The content a file must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Spreadsheet,
    Mp4,
    Pdf,
}

/// One required vendor-supplied file.
struct Expected {
    tag: &'static str,
    /// True when the name ends in `[SDK模式]` or `[APP模式]`.
    with_mode: bool,
    extensions: &'static [&'static str],
    /// Words (normalised) that mark a near miss of this file.
    keywords: &'static [&'static str],
    content: Content,
}

const EXPECTED: [Expected; 4] = [
    Expected {
        tag: "1摄像头测试Checklist",
        with_mode: false,
        extensions: &["xls", "xlsx"],
        keywords: &["摄像头测试", "checklist"],
        content: Content::Spreadsheet,
    },
    Expected {
        tag: "2软件预检测结果",
        with_mode: true,
        extensions: &["xls", "xlsx"],
        keywords: &["软件预检测", "预检测结果"],
        content: Content::Spreadsheet,
    },
    Expected {
        tag: "3设备流程视频",
        with_mode: true,
        extensions: &["mp4"],
        keywords: &["流程视频"],
        content: Content::Mp4,
    },
    Expected {
        tag: "4设备安装&操作手册",
        with_mode: false,
        extensions: &["pdf"],
        keywords: &["操作手册", "安装手册"],
        content: Content::Pdf,
    },
];

const MODES: [&str; 2] = ["[SDK模式]", "[APP模式]"];

impl Expected {
    /// Every exact name this file may have.
    fn names(&self, unit: &Unit) -> Vec<String> {
        let suffixes: &[&str] = if self.with_mode { &MODES } else { &[""] };
        suffixes
            .iter()
            .flat_map(|suffix| {
                self.extensions.iter().map(move |ext| {
                    submission_file_name(self.tag, &unit.vendor, &unit.model, suffix, ext)
                })
            })
            .collect()
    }

    /// The name to show in messages.
    fn pattern(&self, unit: &Unit) -> String {
        let suffix = if self.with_mode { "[SDK模式]" } else { "" };
        let mut text = submission_file_name(
            self.tag,
            &unit.vendor,
            &unit.model,
            suffix,
            self.extensions[0],
        );
        if self.extensions.len() > 1 {
            text.push_str(&format!(" (or .{})", self.extensions[1..].join(", .")));
        }
        if self.with_mode {
            text.push_str(" (or [APP模式])");
        }
        text
    }

    fn is_near_miss(&self, file_name: &str) -> bool {
        let normalised = normalise(file_name);
        self.keywords.iter().any(|k| normalised.contains(k))
    }
}

/// Lower case, full-width brackets as ASCII, no whitespace: for spotting near misses.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '【' | '［' => '[',
            '】' | '］' => ']',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Checks the vendor-supplied software pre-check files in `folder` and lists the certificates
/// the unit needs. Reports missing files, misnamed ones (close to a required name), wrong
/// formats and an oversize video.
pub fn check_submission(folder: &Path, unit: &Unit) -> Vec<Finding> {
    let mut findings = Vec::new();
    match list_files(folder) {
        Ok(files) => {
            for expected in &EXPECTED {
                check_one(folder, unit, expected, &files, &mut findings);
            }
        }
        Err(e) => findings.push(Finding {
            severity: Severity::Missing,
            message: format!("submission folder {}: {e}", folder.display()),
        }),
    }
    let needed: Vec<String> = needed_certificates(&unit.features)
        .into_iter()
        .map(|c| {
            let why = match c {
                Certificate::Ccc => "every device",
                Certificate::Srrc => "Wi-Fi or Bluetooth",
                Certificate::Cta => "4G module",
            };
            format!("{} ({why})", c.name())
        })
        .collect();
    findings.push(Finding {
        severity: Severity::Info,
        message: format!(
            "certificates needed: {}; confirm each is in hand",
            needed.join(", ")
        ),
    });
    findings
}

/// Names of the regular files in a folder.
fn list_files(folder: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

fn check_one(
    folder: &Path,
    unit: &Unit,
    expected: &Expected,
    files: &[String],
    findings: &mut Vec<Finding>,
) {
    let names = expected.names(unit);
    let present: Vec<&String> = files.iter().filter(|f| names.contains(f)).collect();
    for name in &present {
        if let Some(problem) = content_problem(&folder.join(name), name, expected.content) {
            findings.push(Finding {
                severity: Severity::Problem,
                message: format!("{name}: {problem}"),
            });
        }
    }
    if !present.is_empty() {
        return;
    }
    let near: Vec<&String> = files.iter().filter(|f| expected.is_near_miss(f)).collect();
    if near.is_empty() {
        findings.push(Finding {
            severity: Severity::Missing,
            message: format!("{} is not in {}", expected.pattern(unit), folder.display()),
        });
    }
    for name in near {
        findings.push(Finding {
            severity: Severity::Problem,
            message: format!("{name}: misnamed; expected {}", expected.pattern(unit)),
        });
    }
}

/// What is wrong with a file's content, if anything.
fn content_problem(path: &Path, name: &str, content: Content) -> Option<String> {
    let mut head = [0u8; 8];
    let read = File::open(path).and_then(|mut f| {
        let mut filled = 0;
        while filled < head.len() {
            match f.read(&mut head[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        Ok((filled, f.metadata()?.len()))
    });
    let (filled, size) = match read {
        Ok(ok) => ok,
        Err(e) => return Some(format!("cannot read: {e}")),
    };
    let head = &head[..filled];
    match content {
        Content::Spreadsheet => {
            let xls = head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
            let xlsx = head.starts_with(b"PK\x03\x04");
            let wants_xlsx = name.to_lowercase().ends_with(".xlsx");
            match (xls, xlsx, wants_xlsx) {
                (true, _, false) | (_, true, true) => None,
                (true, _, true) => Some("is an .xls (OLE2) workbook named .xlsx".to_string()),
                (_, true, false) => Some("is an .xlsx workbook named .xls".to_string()),
                _ => Some("is not an Excel workbook (neither OLE2 nor zip)".to_string()),
            }
        }
        Content::Mp4 => {
            if head.len() < 8 || &head[4..8] != b"ftyp" {
                Some("is not an MP4 (no ftyp box at the start)".to_string())
            } else if size > MAX_VIDEO_BYTES {
                Some(format!(
                    "is {size} bytes ({:.1} MB); the limit is 10 MB = {MAX_VIDEO_BYTES} bytes",
                    size as f64 / (1024.0 * 1024.0)
                ))
            } else {
                None
            }
        }
        Content::Pdf => {
            if head.starts_with(b"%PDF-") {
                None
            } else {
                Some("is not a PDF (does not start with %PDF-)".to_string())
            }
        }
    }
}
