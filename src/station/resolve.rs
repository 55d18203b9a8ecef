//! From station TOML to [`Station`]: serde-only raw structs (unknown keys rejected, spans
//! kept), then one resolver per section that checks protocol names, ports, limits and options
//! and reports every problem with its line and column.

use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::camera::{resolve_camera, RawCamera};
use super::{
    ChamberEntry, SafeState, Station, StationDiagnostic, StationErrors, ThermalEntry,
    ThermalProtocol,
};
use crate::plan::line_column;
use crate::rig::chamber::registers::{RegisterMap, RunStopRegister, WordOrder};
use crate::rig::chamber::{ChamberProtocol, SafeLimits};
use crate::rig::link::LinkPolicy;
use crate::rig::spec::{
    ChamberOptions, ChamberSpec, Connection, DropProtocol, DropSpec, ThermalSpec,
};
use crate::rig::transport::{DataBits, Endpoint, Parity, SerialSettings, StopBits};
use crate::rig::ChannelInfo;

/// Resolves station `text` from `origin`; `default_name` names it when the file does not.
pub fn parse_station(
    text: &str,
    origin: &str,
    default_name: &str,
) -> Result<Station, StationErrors> {
    let mut sink = Sink {
        text,
        origin,
        found: Vec::new(),
    };
    let raw: RawStation = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            sink.push(error.span().unwrap_or(0..0), "", error.message().trim());
            return Err(StationErrors(sink.found));
        }
    };
    let sim = raw.sim.unwrap_or(false);
    let chamber = raw
        .chamber
        .and_then(|rig| resolve_chamber(&rig, sim, &mut sink));
    let drop = raw.drop.and_then(|rig| resolve_drop(&rig, sim, &mut sink));
    let thermal = raw
        .thermal
        .and_then(|rig| resolve_thermal(&rig, sim, &mut sink));
    let camera = raw
        .camera
        .and_then(|camera| resolve_camera(&camera, sim, &mut sink));
    if !sink.found.is_empty() {
        return Err(StationErrors(sink.found));
    }
    Ok(Station {
        name: raw.name.unwrap_or_else(|| default_name.to_string()),
        sim,
        chamber,
        drop,
        thermal,
        camera,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStation {
    name: Option<String>,
    sim: Option<bool>,
    chamber: Option<Spanned<RawRig>>,
    drop: Option<Spanned<RawRig>>,
    thermal: Option<Spanned<RawRig>>,
    camera: Option<Spanned<RawCamera>>,
}

/// Every key any rig section may hold; each resolver rejects the keys that are not its own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRig {
    protocol: Spanned<String>,
    port: Option<Spanned<String>>,
    baud: Option<Spanned<u32>>,
    parity: Option<Spanned<String>>,
    stop_bits: Option<Spanned<u8>>,
    data_bits: Option<Spanned<u8>>,
    address: Option<Spanned<u8>>,
    timeout_ms: Option<Spanned<u64>>,
    retries: Option<Spanned<u32>>,
    wire_log: Option<bool>,
    temp_min_c: Option<Spanned<f64>>,
    temp_max_c: Option<Spanned<f64>>,
    humidity_min: Option<Spanned<f64>>,
    humidity_max: Option<Spanned<f64>>,
    safe_state: Option<Spanned<RawSafeState>>,
    registers: Option<Spanned<RegisterMap>>,
    thermocouple: Option<Spanned<String>>,
    channels: Option<Vec<Spanned<RawChannel>>>,
    height_min_mm: Option<Spanned<f64>>,
    height_max_mm: Option<Spanned<f64>>,
    humidity: Option<Spanned<bool>>,
    checksum: Option<Spanned<bool>>,
    power_event: Option<Spanned<u8>>,
    word_order: Option<Spanned<WordOrder>>,
    run_stop: Option<Spanned<RunStopRegister>>,
}

/// A chamber option: its key, the protocols that take it, and where it is in the file.
type ChamberOptionKey = (
    &'static str,
    &'static [ChamberProtocol],
    Option<Range<usize>>,
);

impl RawRig {
    /// Spans of the chamber options that are present, with the protocol each belongs to.
    fn chamber_options(&self) -> [ChamberOptionKey; 5] {
        use ChamberProtocol::{Espec, TemiModbus, TemiPclink, WatlowF4, WatlowF4t};
        [
            (
                "humidity",
                &[Espec, TemiPclink, TemiModbus],
                self.humidity.as_ref().map(Spanned::span),
            ),
            (
                "checksum",
                &[TemiPclink],
                self.checksum.as_ref().map(Spanned::span),
            ),
            (
                "power_event",
                &[WatlowF4],
                self.power_event.as_ref().map(Spanned::span),
            ),
            (
                "word_order",
                &[WatlowF4t],
                self.word_order.as_ref().map(Spanned::span),
            ),
            (
                "run_stop",
                &[TemiModbus],
                self.run_stop.as_ref().map(Spanned::span),
            ),
        ]
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSafeState {
    action: Option<String>,
    setpoint_c: Option<f64>,
    then: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    channel: u16,
    location: String,
    #[serde(default)]
    material: String,
}

/// Where the resolvers report problems.
pub(super) struct Sink<'t> {
    text: &'t str,
    /// The station file.
    pub(super) origin: &'t str,
    /// Problems so far.
    pub(super) found: Vec<StationDiagnostic>,
}

impl Sink<'_> {
    /// Reports a problem with `field` at `span`.
    pub(super) fn push(&mut self, span: Range<usize>, field: &str, message: impl Into<String>) {
        let (line, column) = line_column(self.text, span.start);
        self.found.push(StationDiagnostic {
            file: self.origin.to_string(),
            line,
            column,
            field: field.to_string(),
            message: message.into(),
        });
    }
}

const DEFAULT_BAUD: u32 = 9600;
/// The drop-height register holds 0.1 mm in 16 bits.
const MAX_DROP_HEIGHT_MM: f64 = 6553.5;
const DEFAULT_RETRIES: u32 = 2;
const RETRY_BACKOFF: Duration = Duration::from_millis(200);

fn resolve_connection(
    section: &str,
    rig: &RawRig,
    sim: bool,
    sink: &mut Sink<'_>,
) -> Option<Connection> {
    let before = sink.found.len();
    let baud = rig.baud.as_ref().map_or(DEFAULT_BAUD, |b| *b.get_ref());
    if baud == 0 {
        if let Some(b) = &rig.baud {
            sink.push(b.span(), &format!("{section}.baud"), "must be above 0");
        }
    }
    let parity = match rig
        .parity
        .as_ref()
        .map(|p| (p.get_ref().as_str(), p.span()))
    {
        None | Some(("none", _)) => Parity::None,
        Some(("even", _)) => Parity::Even,
        Some(("odd", _)) => Parity::Odd,
        Some((other, span)) => {
            let message = format!("`{other}`: expected \"none\", \"even\" or \"odd\"");
            sink.push(span, &format!("{section}.parity"), message);
            Parity::None
        }
    };
    let stop_bits = match rig.stop_bits.as_ref().map(|s| (*s.get_ref(), s.span())) {
        None | Some((1, _)) => StopBits::One,
        Some((2, _)) => StopBits::Two,
        Some((_, span)) => {
            sink.push(span, &format!("{section}.stop_bits"), "expected 1 or 2");
            StopBits::One
        }
    };
    let data_bits = match rig.data_bits.as_ref().map(|d| (*d.get_ref(), d.span())) {
        None | Some((8, _)) => DataBits::Eight,
        Some((7, _)) => DataBits::Seven,
        Some((_, span)) => {
            sink.push(span, &format!("{section}.data_bits"), "expected 7 or 8");
            DataBits::Eight
        }
    };
    let settings = SerialSettings {
        baud,
        parity,
        stop_bits,
        data_bits,
    };
    let endpoint = match &rig.port {
        Some(port) => match Endpoint::parse(port.get_ref(), settings) {
            Ok(endpoint) => Some(endpoint),
            Err(message) => {
                sink.push(port.span(), &format!("{section}.port"), message);
                None
            }
        },
        None if sim => None,
        None => {
            let message = "missing: give a device path (/dev/serial/by-id/…) or tcp:HOST:PORT";
            sink.push(rig.protocol.span(), &format!("{section}.port"), message);
            None
        }
    };
    if let Some(timeout) = &rig.timeout_ms {
        if *timeout.get_ref() == 0 {
            sink.push(
                timeout.span(),
                &format!("{section}.timeout_ms"),
                "must be above 0",
            );
        }
    }
    let policy = LinkPolicy {
        timeout: rig
            .timeout_ms
            .as_ref()
            .map(|t| Duration::from_millis(*t.get_ref())),
        retries: rig
            .retries
            .as_ref()
            .map_or(DEFAULT_RETRIES, |r| *r.get_ref()),
        backoff: RETRY_BACKOFF,
    };
    (sink.found.len() == before).then(|| Connection {
        endpoint,
        address: rig.address.as_ref().map(|a| *a.get_ref()),
        policy,
        wire_log: rig.wire_log.unwrap_or(false),
    })
}

/// Reports keys that do not belong in `section`.
fn reject_keys(section: &str, present: &[(&str, Option<Range<usize>>)], sink: &mut Sink<'_>) {
    for (key, span) in present {
        if let Some(span) = span {
            sink.push(
                span.clone(),
                &format!("{section}.{key}"),
                format!("not a key of [{section}]"),
            );
        }
    }
}

fn resolve_chamber(rig: &Spanned<RawRig>, sim: bool, sink: &mut Sink<'_>) -> Option<ChamberEntry> {
    let span = rig.span();
    let rig = rig.get_ref();
    let before = sink.found.len();
    let protocol = ChamberProtocol::parse(rig.protocol.get_ref());
    if protocol.is_none() {
        let names: Vec<&str> = ChamberProtocol::ALL.iter().map(|p| p.key()).collect();
        let message = format!(
            "unknown protocol `{}`; expected one of {}",
            rig.protocol.get_ref(),
            names.join(", ")
        );
        sink.push(rig.protocol.span(), "chamber.protocol", message);
    }
    reject_thermal_only_keys("chamber", rig, sink);
    for (key, owners, at) in rig.chamber_options() {
        if let (Some(at), Some(protocol)) = (at, protocol) {
            if !owners.contains(&protocol) {
                let names: Vec<&str> = owners.iter().map(|p| p.key()).collect();
                let message = format!("only a {} chamber takes `{key}`", names.join(" or "));
                sink.push(at, &format!("chamber.{key}"), message);
            }
        }
    }
    if let Some(event) = &rig.power_event {
        if !(1..=8).contains(event.get_ref()) {
            sink.push(
                event.span(),
                "chamber.power_event",
                "expected an event output 1–8",
            );
        }
    }
    reject_drop_only_keys("chamber", rig, sink);
    let connection = resolve_connection("chamber", rig, sim, sink);
    let limits = resolve_limits(rig, span.clone(), sink);
    let safe_state = resolve_safe_state(rig, limits, sink);
    if let Some(spec) = &rig.registers {
        if protocol != Some(ChamberProtocol::ModbusGeneric) {
            sink.push(
                spec.span(),
                "chamber.registers",
                "only a modbus-generic chamber takes a register map",
            );
        }
        for (field, message) in spec.get_ref().problems() {
            sink.push(spec.span(), &format!("chamber.registers.{field}"), message);
        }
    } else if protocol == Some(ChamberProtocol::ModbusGeneric) {
        sink.push(
            span,
            "chamber.registers",
            "a modbus-generic chamber needs [chamber.registers]",
        );
    }
    if sink.found.len() != before {
        return None;
    }
    Some(ChamberEntry {
        spec: ChamberSpec {
            protocol: protocol?,
            connection: connection?,
            limits: limits?,
            registers: rig.registers.as_ref().map(|r| *r.get_ref()),
            options: ChamberOptions {
                humidity: rig.humidity.as_ref().map(|v| *v.get_ref()),
                checksum: rig.checksum.as_ref().map(|v| *v.get_ref()),
                power_event: rig.power_event.as_ref().map(|v| *v.get_ref()),
                word_order: rig.word_order.as_ref().map(|v| *v.get_ref()),
                run_stop: rig.run_stop.as_ref().map(|v| *v.get_ref()),
            },
        },
        safe_state: safe_state?,
    })
}

fn resolve_limits(rig: &RawRig, section: Range<usize>, sink: &mut Sink<'_>) -> Option<SafeLimits> {
    let value = |field: &Option<Spanned<f64>>, default: f64| {
        field.as_ref().map_or(default, |v| *v.get_ref())
    };
    let limits = SafeLimits {
        temp_min_c: value(&rig.temp_min_c, -40.0),
        temp_max_c: value(&rig.temp_max_c, 85.0),
        humidity_min: value(&rig.humidity_min, 10.0),
        humidity_max: value(&rig.humidity_max, 95.0),
    };
    let before = sink.found.len();
    let pairs = [
        (
            "temp",
            &rig.temp_min_c,
            limits.temp_min_c,
            limits.temp_max_c,
            -100.0,
            200.0,
        ),
        (
            "humidity",
            &rig.humidity_min,
            limits.humidity_min,
            limits.humidity_max,
            0.0,
            100.0,
        ),
    ];
    for (name, min_field, min, max, floor, ceiling) in pairs {
        let at = min_field.as_ref().map_or(section.clone(), Spanned::span);
        if !(min.is_finite() && max.is_finite()) || min > max {
            sink.push(
                at,
                &format!("chamber.{name}_min"),
                format!("limits [{min}, {max}] are not an interval"),
            );
        } else if min < floor || max > ceiling {
            sink.push(
                at,
                &format!("chamber.{name}_min"),
                format!("limits [{min}, {max}] leave [{floor}, {ceiling}]"),
            );
        }
    }
    (sink.found.len() == before).then_some(limits)
}

fn resolve_safe_state(
    rig: &RawRig,
    limits: Option<SafeLimits>,
    sink: &mut Sink<'_>,
) -> Option<SafeState> {
    let Some(raw) = &rig.safe_state else {
        return Some(SafeState::Standby);
    };
    let span = raw.span();
    let field = "chamber.safe_state";
    let raw = raw.get_ref();
    let state = match (raw.action.as_deref(), raw.setpoint_c, raw.then.as_deref()) {
        (Some("standby" | "stop"), None, None) => Some(SafeState::Standby),
        (None, Some(celsius), then @ (None | Some("stop") | Some("hold"))) => {
            Some(SafeState::Setpoint {
                celsius,
                then_stop: then != Some("hold"),
            })
        }
        (Some(other), None, None) => {
            sink.push(
                span.clone(),
                field,
                format!("action `{other}`: expected \"standby\""),
            );
            None
        }
        (None, Some(_), Some(other)) => {
            sink.push(
                span.clone(),
                field,
                format!("then `{other}`: expected \"stop\" or \"hold\""),
            );
            None
        }
        _ => {
            let message =
                "expected { action = \"standby\" } or { setpoint_c = 23.0, then = \"stop\" }";
            sink.push(span.clone(), field, message);
            None
        }
    };
    if let (Some(SafeState::Setpoint { celsius, .. }), Some(limits)) = (state, limits) {
        if limits.check_temperature(celsius).is_err() {
            let message =
                format!("setpoint_c {celsius} is outside the station's temperature limits");
            sink.push(span.clone(), field, message);
            return None;
        }
    }
    state
}

fn resolve_drop(rig: &Spanned<RawRig>, sim: bool, sink: &mut Sink<'_>) -> Option<DropSpec> {
    let rig = rig.get_ref();
    let before = sink.found.len();
    let protocol = match rig.protocol.get_ref().as_str() {
        "modbus" => Some(DropProtocol::Modbus),
        "manual" => Some(DropProtocol::Manual),
        other => {
            let message = format!("unknown protocol `{other}`; expected modbus or manual");
            sink.push(rig.protocol.span(), "drop.protocol", message);
            None
        }
    };
    reject_chamber_only_keys("drop", rig, sink);
    reject_thermal_only_keys("drop", rig, sink);
    let connection = match protocol {
        Some(DropProtocol::Manual) => {
            reject_keys(
                "drop",
                &[("port", rig.port.as_ref().map(Spanned::span))],
                sink,
            );
            None
        }
        _ => resolve_connection("drop", rig, sim, sink),
    };
    let min = rig.height_min_mm.as_ref().map(|h| (*h.get_ref(), h.span()));
    let max = rig.height_max_mm.as_ref().map(|h| (*h.get_ref(), h.span()));
    for (key, bound) in [("height_min_mm", &min), ("height_max_mm", &max)] {
        if let Some((value, span)) = bound {
            if !(0.0..=MAX_DROP_HEIGHT_MM).contains(value) {
                let message = format!("{value} mm is outside 0–{MAX_DROP_HEIGHT_MM} mm");
                sink.push(span.clone(), &format!("drop.{key}"), message);
            }
        }
    }
    if let (Some((low, span)), Some((high, _))) = (&min, &max) {
        if low >= high {
            let message = format!("{low} mm is not below height_max_mm {high} mm");
            sink.push(span.clone(), "drop.height_min_mm", message);
        }
    }
    (sink.found.len() == before).then_some(DropSpec {
        protocol: protocol?,
        connection,
        height_min_mm: min.map(|(value, _)| value),
        height_max_mm: max.map(|(value, _)| value),
    })
}

/// Reports the drop-only keys in another section.
fn reject_drop_only_keys(section: &str, rig: &RawRig, sink: &mut Sink<'_>) {
    reject_keys(
        section,
        &[
            (
                "height_min_mm",
                rig.height_min_mm.as_ref().map(Spanned::span),
            ),
            (
                "height_max_mm",
                rig.height_max_mm.as_ref().map(Spanned::span),
            ),
        ],
        sink,
    );
}

/// Reports thermal-logger keys (`thermocouple`, `channels`) in another rig's section.
fn reject_thermal_only_keys(section: &str, rig: &RawRig, sink: &mut Sink<'_>) {
    reject_keys(
        section,
        &[
            ("thermocouple", rig.thermocouple.as_ref().map(Spanned::span)),
            (
                "channels",
                rig.channels
                    .as_ref()
                    .and_then(|c| c.first())
                    .map(Spanned::span),
            ),
        ],
        sink,
    );
}

fn reject_chamber_only_keys(section: &str, rig: &RawRig, sink: &mut Sink<'_>) {
    reject_keys(
        section,
        &[
            ("temp_min_c", rig.temp_min_c.as_ref().map(Spanned::span)),
            ("temp_max_c", rig.temp_max_c.as_ref().map(Spanned::span)),
            ("humidity_min", rig.humidity_min.as_ref().map(Spanned::span)),
            ("humidity_max", rig.humidity_max.as_ref().map(Spanned::span)),
            ("safe_state", rig.safe_state.as_ref().map(Spanned::span)),
            ("registers", rig.registers.as_ref().map(Spanned::span)),
        ],
        sink,
    );
    let options = rig.chamber_options().map(|(key, _, at)| (key, at));
    reject_keys(section, &options, sink);
}

fn resolve_thermal(rig: &Spanned<RawRig>, sim: bool, sink: &mut Sink<'_>) -> Option<ThermalEntry> {
    let span = rig.span();
    let rig = rig.get_ref();
    let before = sink.found.len();
    if rig.protocol.get_ref() != "scpi" {
        let message = format!(
            "unknown protocol `{}`; expected scpi",
            rig.protocol.get_ref()
        );
        sink.push(rig.protocol.span(), "thermal.protocol", message);
    }
    reject_chamber_only_keys("thermal", rig, sink);
    reject_drop_only_keys("thermal", rig, sink);
    let connection = resolve_connection("thermal", rig, sim, sink);
    let thermocouple = match rig.thermocouple.as_ref() {
        None => 'K',
        Some(kind) => match kind.get_ref().trim().to_ascii_uppercase().as_str() {
            letter @ ("B" | "E" | "J" | "K" | "N" | "R" | "S" | "T") => {
                letter.chars().next().unwrap_or('K')
            }
            other => {
                sink.push(
                    kind.span(),
                    "thermal.thermocouple",
                    format!("`{other}`: expected one of B E J K N R S T"),
                );
                'K'
            }
        },
    };
    let mut channels: Vec<ChannelInfo> = Vec::new();
    for (index, raw) in rig.channels.iter().flatten().enumerate() {
        let field = format!("thermal.channels[{index}]");
        let channel = raw.get_ref();
        if !(101..=999).contains(&channel.channel) || channel.channel % 100 == 0 {
            sink.push(
                raw.span(),
                &format!("{field}.channel"),
                format!("{}: expected slot×100 + channel, e.g. 101", channel.channel),
            );
        } else if channels.iter().any(|c| c.channel == channel.channel) {
            sink.push(
                raw.span(),
                &format!("{field}.channel"),
                format!("channel {} is listed twice", channel.channel),
            );
        }
        channels.push(ChannelInfo {
            channel: channel.channel,
            location: channel.location.clone(),
            material: channel.material.clone(),
        });
    }
    if channels.is_empty() {
        sink.push(span, "thermal.channels", "list at least one channel");
    }
    (sink.found.len() == before).then_some(ThermalEntry {
        protocol: ThermalProtocol::Scpi,
        spec: ThermalSpec {
            connection: connection?,
            thermocouple,
            channels,
        },
    })
}
