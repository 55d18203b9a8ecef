//! From station TOML to [`Station`], through the crate's one reader ([`crate::config`]): each
//! section is opened with the keys its rig takes (unknown keys are reported with the closest
//! known one), read into typed fields, and checked: protocol names, ports, serial settings,
//! limits and options. Every problem is reported with its line and column.
//!
//! This file reads the root, the connection keys every rig shares, the drop rig and the
//! thermal logger; `chamber.rs`, `registers.rs` and `camera.rs` read their sections.

use std::time::Duration;

use super::camera::resolve_camera;
use super::chamber::{resolve_chamber, CHAMBER_KEYS};
use super::dut::resolve_dut;
use super::{Station, StationErrors, ThermalEntry, ThermalProtocol};
use crate::config::{read_document, Fields, Located, TableRef};
use crate::diagnostic::Sink;
use crate::rig::link::LinkPolicy;
use crate::rig::spec::{Connection, DropProtocol, DropSpec, ThermalSpec};
use crate::rig::transport::{DataBits, Endpoint, Parity, SerialSettings, StopBits};
use crate::rig::ChannelInfo;

/// Resolves station `text` from `origin`; `default_name` names it when the file does not.
pub fn parse_station(
    text: &str,
    origin: &str,
    default_name: &str,
) -> Result<Station, StationErrors> {
    read_document(text, origin, |sink, root| {
        resolve_station(sink, root, default_name)
    })
}

const ROOT_KEYS: &[&str] = &["name", "sim", "chamber", "drop", "thermal", "camera", "dut"];

/// The keys of every rig that talks over a port.
pub(super) const CONNECTION_KEYS: &[&str] = &[
    "protocol",
    "port",
    "baud",
    "parity",
    "stop_bits",
    "data_bits",
    "address",
    "timeout_ms",
    "retries",
    "wire_log",
];
const DROP_KEYS: &[&str] = &["height_min_mm", "height_max_mm"];
const MANUAL_DROP_KEYS: &[&str] = &["protocol", "height_min_mm", "height_max_mm"];
const THERMAL_KEYS: &[&str] = &["thermocouple", "channels"];
const CHANNEL_KEYS: &[&str] = &["channel", "location", "material"];

const DEFAULT_BAUD: u32 = 9600;
/// The drop-height register holds 0.1 mm in 16 bits.
const MAX_DROP_HEIGHT_MM: f64 = 6553.5;
const DEFAULT_RETRIES: u32 = 2;
const RETRY_BACKOFF: Duration = Duration::from_millis(200);

fn resolve_station(
    sink: &mut Sink<'_>,
    root: TableRef<'_, '_>,
    default_name: &str,
) -> Option<Station> {
    let root = root.open(sink, ROOT_KEYS);
    let name = root.opt_string(sink, "name").map(Located::into_inner);
    let sim = root.opt_bool(sink, "sim").is_some_and(Located::into_inner);
    let before = sink.count();
    let chamber = root
        .opt_table(sink, "chamber")
        .map(|t| t.open(sink, &[CONNECTION_KEYS, CHAMBER_KEYS].concat()))
        .map(|rig| resolve_chamber(sink, &rig, sim));
    let drop = root
        .opt_table(sink, "drop")
        .map(|t| open_drop(sink, t))
        .map(|rig| resolve_drop(sink, &rig, sim));
    let thermal = root
        .opt_table(sink, "thermal")
        .map(|t| t.open(sink, &[CONNECTION_KEYS, THERMAL_KEYS].concat()))
        .map(|rig| resolve_thermal(sink, &rig, sim));
    let camera = root
        .opt_table(sink, "camera")
        .map(|t| resolve_camera(sink, t, sim));
    let dut = root
        .opt_table(sink, "dut")
        .map(|t| resolve_dut(sink, t, sim));
    (sink.count() == before).then_some(())?;
    Some(Station {
        name: name.unwrap_or_else(|| default_name.to_string()),
        sim,
        chamber: chamber.flatten(),
        drop: drop.flatten(),
        thermal: thermal.flatten(),
        camera: camera.flatten(),
        dut: dut.flatten(),
    })
}

/// The rig's `protocol`, one of `choices` mapped through `parse`.
pub(super) fn protocol<T>(
    sink: &mut Sink<'_>,
    rig: &Fields<'_, '_>,
    choices: &[&str],
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    rig.choice(sink, "protocol", "protocol", choices, parse)
        .map(Located::into_inner)
}

/// Port, serial settings, address, timeout, retries and wire log of a rig that talks over a
/// port. With `sim` the port may be left out.
pub(super) fn resolve_connection(
    sink: &mut Sink<'_>,
    rig: &Fields<'_, '_>,
    sim: bool,
) -> Option<Connection> {
    let before = sink.count();
    let baud = rig
        .opt_whole::<u32>(sink, "baud")
        .map_or(DEFAULT_BAUD, Located::into_inner);
    if baud == 0 {
        rig.reject(sink, "baud", "must be above 0");
    }
    let stop_bits = one_of(
        sink,
        rig,
        "stop_bits",
        [(1, StopBits::One), (2, StopBits::Two)],
    );
    let data_bits = one_of(
        sink,
        rig,
        "data_bits",
        [(8, DataBits::Eight), (7, DataBits::Seven)],
    );
    let parity = rig
        .opt_choice(
            sink,
            "parity",
            "parity",
            &["none", "even", "odd"],
            |p| match p {
                "none" => Some(Parity::None),
                "even" => Some(Parity::Even),
                "odd" => Some(Parity::Odd),
                _ => None,
            },
        )
        .map_or(Parity::None, Located::into_inner);
    let settings = SerialSettings {
        baud,
        parity,
        stop_bits,
        data_bits,
    };
    let endpoint = match rig.opt_string(sink, "port") {
        Some(port) => match Endpoint::parse(port.get_ref(), settings) {
            Ok(endpoint) => Some(endpoint),
            Err(message) => {
                sink.report(&port.span(), &rig.path_of("port"), message);
                None
            }
        },
        None if sim => None,
        None => {
            let at = rig.key_span("protocol").unwrap_or_else(|| rig.span());
            let message = "missing: give a device path (/dev/serial/by-id/…) or tcp:HOST:PORT";
            sink.report(&at, &rig.path_of("port"), message);
            None
        }
    };
    let timeout = rig
        .opt_whole::<u64>(sink, "timeout_ms")
        .map(Located::into_inner);
    if timeout == Some(0) {
        rig.reject(sink, "timeout_ms", "must be above 0");
    }
    let policy = LinkPolicy {
        timeout: timeout.map(Duration::from_millis),
        retries: rig
            .opt_u32(sink, "retries")
            .map_or(DEFAULT_RETRIES, Located::into_inner),
        backoff: RETRY_BACKOFF,
    };
    let address = rig
        .opt_whole::<u8>(sink, "address")
        .map(Located::into_inner);
    let wire_log = rig
        .opt_bool(sink, "wire_log")
        .is_some_and(Located::into_inner);
    (sink.count() == before).then_some(Connection {
        endpoint,
        address,
        policy,
        wire_log,
    })
}

/// An optional setting written as one of two small numbers; the first is the default.
fn one_of<T: Copy>(
    sink: &mut Sink<'_>,
    rig: &Fields<'_, '_>,
    key: &str,
    options: [(u8, T); 2],
) -> T {
    let [(default_value, default), (other_value, _)] = options;
    let Some(written) = rig.opt_whole::<u8>(sink, key) else {
        return default;
    };
    match options.iter().find(|(value, _)| value == written.get_ref()) {
        Some((_, setting)) => *setting,
        None => {
            let message = format!("expected {default_value} or {other_value}");
            sink.report(&written.span(), &rig.path_of(key), message);
            default
        }
    }
}

/// Opens `[drop]` with the keys its protocol takes: a manual rig has no port.
fn open_drop<'a, 'i>(sink: &mut Sink<'_>, table: TableRef<'a, 'i>) -> Fields<'a, 'i> {
    if table.peek_string("protocol").as_deref() == Some("manual") {
        table.open(sink, MANUAL_DROP_KEYS)
    } else {
        table.open(sink, &[CONNECTION_KEYS, DROP_KEYS].concat())
    }
}

fn resolve_drop(sink: &mut Sink<'_>, rig: &Fields<'_, '_>, sim: bool) -> Option<DropSpec> {
    let before = sink.count();
    let protocol = protocol(sink, rig, &["modbus", "manual"], |p| match p {
        "modbus" => Some(DropProtocol::Modbus),
        "manual" => Some(DropProtocol::Manual),
        _ => None,
    });
    let connection = match protocol {
        Some(DropProtocol::Manual) => None,
        _ => resolve_connection(sink, rig, sim),
    };
    let min = rig.opt_number(sink, "height_min_mm");
    let max = rig.opt_number(sink, "height_max_mm");
    for (key, bound) in [("height_min_mm", &min), ("height_max_mm", &max)] {
        if let Some(value) = bound {
            if !(0.0..=MAX_DROP_HEIGHT_MM).contains(value.get_ref()) {
                let message = format!(
                    "{} mm is outside 0–{MAX_DROP_HEIGHT_MM} mm",
                    value.get_ref()
                );
                sink.report(&value.span(), &rig.path_of(key), message);
            }
        }
    }
    if let (Some(low), Some(high)) = (&min, &max) {
        if low.get_ref() >= high.get_ref() {
            let message = format!(
                "{} mm is not below height_max_mm {} mm",
                low.get_ref(),
                high.get_ref()
            );
            sink.report(&low.span(), &rig.path_of("height_min_mm"), message);
        }
    }
    (sink.count() == before).then_some(DropSpec {
        protocol: protocol?,
        connection,
        height_min_mm: min.map(Located::into_inner),
        height_max_mm: max.map(Located::into_inner),
    })
}

fn resolve_thermal(sink: &mut Sink<'_>, rig: &Fields<'_, '_>, sim: bool) -> Option<ThermalEntry> {
    let before = sink.count();
    protocol(sink, rig, &["scpi"], |p| (p == "scpi").then_some(()));
    let connection = resolve_connection(sink, rig, sim);
    let thermocouple = match rig.opt_string(sink, "thermocouple") {
        None => 'K',
        Some(kind) => match kind.get_ref().trim().to_ascii_uppercase().as_str() {
            letter @ ("B" | "E" | "J" | "K" | "N" | "R" | "S" | "T") => {
                letter.chars().next().unwrap_or('K')
            }
            other => {
                sink.report(
                    &kind.span(),
                    &rig.path_of("thermocouple"),
                    format!("`{other}`: expected one of B E J K N R S T"),
                );
                'K'
            }
        },
    };
    let mut channels: Vec<ChannelInfo> = Vec::new();
    let tables = rig.opt_tables(sink, "channels");
    if tables.is_empty() {
        sink.report(
            &rig.span(),
            &rig.path_of("channels"),
            "list at least one channel",
        );
    }
    for table in tables {
        let entry = table.open(sink, CHANNEL_KEYS);
        let channel = entry.whole::<u16>(sink, "channel");
        let location = entry.string(sink, "location");
        let material = entry.opt_string(sink, "material");
        let Some(channel) = channel else { continue };
        let number = *channel.get_ref();
        if !(101..=999).contains(&number) || number % 100 == 0 {
            sink.report(
                &channel.span(),
                &entry.path_of("channel"),
                format!("{number}: expected slot×100 + channel, e.g. 101"),
            );
        } else if channels.iter().any(|c| c.channel == number) {
            sink.report(
                &channel.span(),
                &entry.path_of("channel"),
                format!("channel {number} is listed twice"),
            );
        }
        channels.push(ChannelInfo {
            channel: number,
            location: location.map(Located::into_inner).unwrap_or_default(),
            material: material.map(Located::into_inner).unwrap_or_default(),
        });
    }
    (sink.count() == before).then_some(ThermalEntry {
        protocol: ThermalProtocol::Scpi,
        spec: ThermalSpec {
            connection: connection?,
            thermocouple,
            channels,
        },
    })
}
