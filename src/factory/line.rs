//! The factory line's station file (`line.toml`): which model the line builds, where its
//! device list is, how to reach each unit over adb, where the camera SN is read, and the camera
//! and its stream-check limits. Read through the crate's one TOML reader, every problem at once
//! with its file, line and key.
//!
//! ```toml
//! [line]
//! name = "line-1"                 # the station name written to the device list
//! model = "FP-200"                # the model name written to the device list
//! vendor_code = "FB"              # the SN's registered vendor code (characters 1-2)
//! model_code = "D1"               # the SN's registered model code (characters 4-5)
//! device_list = "devices.csv"     # relative to this file
//!
//! [dut]                           # a station's [dut] link keys (src/station/dut.rs): one of
//! connect = "192.168.1.20:5555"   # straight to the unit's adbd over TCP (`adb connect` style)
//! # serial = "FBAD1…"             # through the adb server (USB), chosen by serial
//! # server = "127.0.0.1:5037"     # the adb server (default)
//! # key = "/home/lab/.android/adbkey"  # the key a direct link offers (default ~/.android/adbkey)
//! timeout_ms = 2000               # every adb call gives up after this (default 5000)
//! sn_property = "ro.serialno"     # optional; the property holding the device SN
//!
//! [camera_sn]                     # one of:
//! property = "persist.vendor.camera.sn"
//! # command = "cat /sys/class/video4linux/video0/device/../serial"
//!
//! [camera]
//! source = "synthetic:640x480@30/MJPG"   # a camera selector, as `facebench camera list` shows
//! duration_s = 2.0                # stream-check length
//! min_fps = 28.0
//! max_drops = 0
//! max_first_frame_ms = 1500
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::camera::select::SourceSpec;
use crate::config::{load_document, Fields, Located, TableRef};
use crate::diagnostic::{Diagnostics, Sink};
use crate::dut::android::AdbLink;
use crate::station::dut::{open_dut, read_access};

const ROOT_KEYS: &[&str] = &["line", "dut", "camera_sn", "camera"];
const LINE_KEYS: &[&str] = &["name", "model", "vendor_code", "model_code", "device_list"];
const CAMERA_SN_KEYS: &[&str] = &["property", "command"];
const CAMERA_KEYS: &[&str] = &[
    "source",
    "duration_s",
    "warmup_s",
    "min_fps",
    "max_drops",
    "max_first_frame_ms",
];

/// The factory line, as its station file describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Station name, written to every device-list row.
    pub name: String,
    /// Model name, written to every device-list row.
    pub model: String,
    /// The registered vendor code every label SN must carry.
    pub vendor_code: String,
    /// The registered model code every label SN must carry.
    pub model_code: String,
    /// The device list (CSV), resolved against the station file's folder.
    pub device_list: PathBuf,
    /// How each unit is reached.
    pub dut: DutLink,
    /// Where the camera SN is read.
    pub camera_sn: CameraSnSource,
    /// The face camera and its limits.
    pub camera: StreamLimits,
}

/// How the line reaches a unit over adb.
#[derive(Debug, Clone, PartialEq)]
pub struct DutLink {
    /// The adb link to the unit on the jig.
    pub link: AdbLink,
    /// Every call's timeout.
    pub timeout: Duration,
    /// The property holding the device SN.
    pub sn_property: String,
}

/// Where the camera SN comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraSnSource {
    /// A system property of the unit.
    Property(String),
    /// A shell command on the unit; its trimmed output is the SN.
    Command(String),
}

/// The face camera's stream check.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamLimits {
    /// The camera selector.
    pub source: SourceSpec,
    /// The selector as written, for messages.
    pub source_text: String,
    /// How long to stream.
    pub duration: Duration,
    /// Frames this long after the first are left out of the frame rate.
    pub warmup: Duration,
    /// Lowest acceptable delivered frame rate.
    pub min_fps: f64,
    /// Most device drops accepted.
    pub max_drops: u64,
    /// Longest acceptable time from open to the first frame.
    pub max_first_frame: Duration,
}

/// Reads a line station file; every problem is reported at once.
pub fn load_line(path: &Path) -> Result<Line, Diagnostics> {
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    load_document(path, "line station file", |sink, root| {
        resolve_line(sink, root, &base)
    })
}

fn resolve_line(sink: &mut Sink<'_>, root: TableRef<'_, '_>, base: &Path) -> Option<Line> {
    let root = root.open(sink, ROOT_KEYS);
    let line = root.table(sink, "line").map(|t| t.open(sink, LINE_KEYS));
    let dut = root.table(sink, "dut").and_then(|t| resolve_dut(sink, t));
    let camera_sn = root
        .table(sink, "camera_sn")
        .and_then(|t| resolve_camera_sn(sink, t));
    let camera = root
        .table(sink, "camera")
        .and_then(|t| resolve_camera(sink, t));
    let line = line?;
    let text = |sink: &mut Sink<'_>, key: &str| line.name(sink, key).map(Located::into_inner);
    let name = text(sink, "name");
    let model = text(sink, "model");
    let vendor_code = code(sink, &line, "vendor_code");
    let model_code = code(sink, &line, "model_code");
    let device_list = text(sink, "device_list");
    Some(Line {
        name: name?,
        model: model?,
        vendor_code: vendor_code?,
        model_code: model_code?,
        device_list: base.join(device_list?),
        dut: dut?,
        camera_sn: camera_sn?,
        camera: camera?,
    })
}

/// A two-character SN code of `0-9` and `A-Z`.
fn code(sink: &mut Sink<'_>, f: &Fields<'_, '_>, key: &str) -> Option<String> {
    let value = f.string(sink, key)?;
    let text = value.get_ref();
    let ok = text.len() == 2
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    if !ok {
        sink.report(
            &value.span(),
            &f.path_of(key),
            format!("`{text}` is not a two-character code of 0-9 and A-Z"),
        );
        return None;
    }
    Some(value.into_inner())
}

/// The line's `[dut]`: a station's link keys (read by the station's reader) and `sn_property`.
fn resolve_dut(sink: &mut Sink<'_>, table: TableRef<'_, '_>) -> Option<DutLink> {
    let f = open_dut(sink, table, &["sn_property"]);
    let access = read_access(sink, &f, false);
    let sn_property = f
        .opt_string(sink, "sn_property")
        .map_or_else(|| "ro.serialno".to_string(), Located::into_inner);
    let access = access?;
    Some(DutLink {
        link: access.link?,
        timeout: access.timeout,
        sn_property,
    })
}

fn resolve_camera_sn(sink: &mut Sink<'_>, table: TableRef<'_, '_>) -> Option<CameraSnSource> {
    let f = table.open(sink, CAMERA_SN_KEYS);
    let property = f.opt_string(sink, "property");
    let command = f.opt_string(sink, "command");
    match (property, command) {
        (Some(p), None) => Some(CameraSnSource::Property(p.into_inner())),
        (None, Some(c)) => Some(CameraSnSource::Command(c.into_inner())),
        (Some(_), Some(_)) => {
            f.reject(sink, "command", "give `property` or `command`, not both");
            None
        }
        (None, None) => {
            f.report_missing(
                sink,
                "property",
                ": name the property (or the `command`) that holds the camera SN",
            );
            None
        }
    }
}

fn resolve_camera(sink: &mut Sink<'_>, table: TableRef<'_, '_>) -> Option<StreamLimits> {
    let f = table.open(sink, CAMERA_KEYS);
    let source_text = f.name(sink, "source");
    let source = source_text
        .as_ref()
        .and_then(|text| match text.get_ref().parse::<SourceSpec>() {
            Ok(spec) => Some(spec),
            Err(e) => {
                sink.report(&text.span(), &f.path_of("source"), e.to_string());
                None
            }
        });
    let duration = positive(sink, &f, "duration_s", 600.0);
    let warmup = positive(sink, &f, "warmup_s", 60.0);
    let min_fps = positive(sink, &f, "min_fps", 1000.0);
    let max_drops = f.opt_u32(sink, "max_drops").map(Located::into_inner);
    let first_frame = positive(sink, &f, "max_first_frame_ms", 60_000.0);
    Some(StreamLimits {
        source: source?,
        source_text: source_text?.into_inner(),
        duration: Duration::from_secs_f64(duration?.unwrap_or(2.0)),
        warmup: Duration::from_secs_f64(warmup?.unwrap_or(0.5)),
        min_fps: min_fps?.unwrap_or(25.0),
        max_drops: u64::from(max_drops.unwrap_or(0)),
        max_first_frame: Duration::from_secs_f64(first_frame?.unwrap_or(1500.0) / 1000.0),
    })
}

/// An optional number in `0 < value <= max` (`Some(None)` when absent, `None` when wrong).
fn positive(sink: &mut Sink<'_>, f: &Fields<'_, '_>, key: &str, max: f64) -> Option<Option<f64>> {
    if f.key_span(key).is_none() {
        return Some(None);
    }
    let value = f.opt_number(sink, key)?;
    let number = *value.get_ref();
    if !(number > 0.0 && number <= max) {
        sink.report(
            &value.span(),
            &f.path_of(key),
            format!("must be more than 0 and at most {max}, found {number}"),
        );
        return None;
    }
    Some(Some(number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::read_document;

    const GOOD: &str = "[line]\nname = \"line-1\"\nmodel = \"FP-200\"\nvendor_code = \"FB\"\n\
        model_code = \"D1\"\ndevice_list = \"devices.csv\"\n\
        [dut]\nconnect = \"127.0.0.1:5555\"\ntimeout_ms = 200\n\
        [camera_sn]\nproperty = \"persist.camera.sn\"\n\
        [camera]\nsource = \"synthetic:640x480@30/MJPG\"\nduration_s = 1\nmin_fps = 28\n";

    fn read(text: &str) -> Result<Line, Diagnostics> {
        read_document(text, "line.toml", |sink, root| {
            resolve_line(sink, root, Path::new("/lines"))
        })
    }

    /// Asserts that reading `text` fails with every one of `expected` among its messages.
    fn assert_reports(text: &str, expected: &[&str]) {
        let errors = read(text).expect_err("a bad station").to_string();
        for part in expected {
            assert!(errors.contains(part), "{part}: {errors}");
        }
    }

    #[test]
    fn a_good_station_reads_with_defaults() {
        let line = read(GOOD).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(line.device_list, Path::new("/lines/devices.csv"));
        assert_eq!(line.dut.timeout, Duration::from_millis(200));
        assert_eq!(line.dut.sn_property, "ro.serialno");
        assert_eq!(
            line.camera_sn,
            CameraSnSource::Property("persist.camera.sn".into())
        );
        assert_eq!(line.camera.duration, Duration::from_secs(1));
        assert_eq!(line.camera.max_drops, 0);
        assert_eq!(line.camera.max_first_frame, Duration::from_millis(1500));
    }

    #[test]
    fn the_dut_reads_as_a_station_dut_plus_the_sn_property() {
        let text = GOOD.replace(
            "connect = \"127.0.0.1:5555\"\ntimeout_ms = 200",
            "serial = \"FB1\"\nserver = \"10.0.0.2:5037\"\nsn_property = \"ro.boot.serialno\"",
        );
        let line = read(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            line.dut.link,
            AdbLink::Server {
                server: "10.0.0.2:5037".parse().unwrap(),
                serial: "FB1".into()
            }
        );
        assert_eq!(line.dut.timeout, Duration::from_secs(5));
        assert_eq!(line.dut.sn_property, "ro.boot.serialno");
    }

    #[test]
    fn a_bad_dut_key_is_named_with_its_file_line_and_key() {
        let text = GOOD
            .replace("127.0.0.1:5555", "nowhere")
            .replace("timeout_ms = 200", "timeout_ms = 0\nface_app = \"x\"");
        assert_reports(
            &text,
            &[
                "line.toml:8:11 dut.connect: `nowhere` is not HOST:PORT",
                "line.toml:9:1 dut.timeout_ms: must be above 0",
                "line.toml:10:1 dut.face_app: unknown key `face_app`",
            ],
        );
        assert_reports(
            &GOOD.replace("connect = \"127.0.0.1:5555\"\n", ""),
            &["line.toml:7:1 dut.serial: missing key `serial`"],
        );
    }

    #[test]
    fn every_problem_is_named_with_its_line_and_key() {
        let text = GOOD
            .replace("\"FB\"", "\"fb1\"")
            .replace("min_fps = 28", "min_fps = -1")
            .replace("property = ", "command = \"x\"\nproperty = ");
        assert_reports(
            &text,
            &[
                "line.toml:4:15 line.vendor_code:",
                "camera.min_fps: must be more than 0",
                "camera_sn.command: give `property` or `command`",
            ],
        );
    }
}
