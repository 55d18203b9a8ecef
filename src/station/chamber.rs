//! The station's `[chamber]` section: protocol, connection, safe limits, safe state, the
//! options only some protocols take, and a generic chamber's register map.

use super::registers::{named, resolve_register_map, resolve_run_stop, WORD_ORDERS};
use super::resolve::{protocol, resolve_connection};
use super::{ChamberEntry, SafeState};
use crate::config::{Fields, Located};
use crate::diagnostic::Sink;
use crate::rig::chamber::{ChamberProtocol, SafeLimits};
use crate::rig::spec::{ChamberOptions, ChamberSpec};

/// The keys of `[chamber]` beside the connection keys; each option is checked against the
/// protocols that take it once the protocol is known.
pub(super) const CHAMBER_KEYS: &[&str] = &[
    "temp_min_c",
    "temp_max_c",
    "humidity_min",
    "humidity_max",
    "safe_state",
    "registers",
    "humidity",
    "checksum",
    "power_event",
    "word_order",
    "run_stop",
];
const SAFE_STATE_KEYS: &[&str] = &["action", "setpoint_c", "then"];

/// The chamber options and the protocols that take each.
fn option_owners() -> [(&'static str, &'static [ChamberProtocol]); 6] {
    use ChamberProtocol::{Espec, ModbusGeneric, TemiModbus, TemiPclink, WatlowF4, WatlowF4t};
    [
        ("humidity", &[Espec, TemiPclink, TemiModbus]),
        ("checksum", &[TemiPclink]),
        ("power_event", &[WatlowF4]),
        ("word_order", &[WatlowF4t]),
        ("run_stop", &[TemiModbus]),
        ("registers", &[ModbusGeneric]),
    ]
}

/// Resolves an opened `[chamber]`; `None` after reporting a problem.
pub(super) fn resolve_chamber(
    sink: &mut Sink<'_>,
    rig: &Fields<'_, '_>,
    sim: bool,
) -> Option<ChamberEntry> {
    let before = sink.count();
    let names = ChamberProtocol::ALL.map(ChamberProtocol::key);
    let protocol = protocol(sink, rig, &names, ChamberProtocol::parse);
    if let Some(protocol) = protocol {
        for (key, owners) in option_owners() {
            if !owners.contains(&protocol) {
                let names: Vec<&str> = owners.iter().map(|p| p.key()).collect();
                let message = format!("only a {} chamber takes `{key}`", names.join(" or "));
                rig.reject(sink, key, &message);
            }
        }
    }
    let options = resolve_options(sink, rig);
    let connection = resolve_connection(sink, rig, sim);
    let limits = resolve_limits(sink, rig);
    let safe_state = resolve_safe_state(sink, rig, limits);
    let registers = match rig.opt_table(sink, "registers") {
        Some(table) => resolve_register_map(sink, table),
        None if protocol == Some(ChamberProtocol::ModbusGeneric) => {
            sink.report(
                &rig.span(),
                &rig.path_of("registers"),
                "a modbus-generic chamber needs [chamber.registers]",
            );
            None
        }
        None => None,
    };
    (sink.count() == before).then_some(ChamberEntry {
        spec: ChamberSpec {
            protocol: protocol?,
            connection: connection?,
            limits: limits?,
            registers,
            options,
        },
        safe_state: safe_state?,
    })
}

fn resolve_options(sink: &mut Sink<'_>, rig: &Fields<'_, '_>) -> ChamberOptions {
    let power_event = rig.opt_whole::<u8>(sink, "power_event");
    if let Some(event) = &power_event {
        if !(1..=8).contains(event.get_ref()) {
            let message = "expected an event output 1–8";
            sink.report(&event.span(), &rig.path_of("power_event"), message);
        }
    }
    ChamberOptions {
        humidity: rig.opt_bool(sink, "humidity").map(Located::into_inner),
        checksum: rig.opt_bool(sink, "checksum").map(Located::into_inner),
        power_event: power_event.map(Located::into_inner),
        word_order: named(sink, rig, "word_order", "word order", &WORD_ORDERS),
        run_stop: rig
            .opt_table(sink, "run_stop")
            .and_then(|t| resolve_run_stop(sink, t)),
    }
}

fn resolve_limits(sink: &mut Sink<'_>, rig: &Fields<'_, '_>) -> Option<SafeLimits> {
    let before = sink.count();
    let mut value = |key: &str, default: f64| {
        rig.opt_number(sink, key)
            .map_or(default, Located::into_inner)
    };
    let limits = SafeLimits {
        temp_min_c: value("temp_min_c", -40.0),
        temp_max_c: value("temp_max_c", 85.0),
        humidity_min: value("humidity_min", 10.0),
        humidity_max: value("humidity_max", 95.0),
    };
    let pairs = [
        (
            "temp_min_c",
            limits.temp_min_c,
            limits.temp_max_c,
            -100.0,
            200.0,
        ),
        (
            "humidity_min",
            limits.humidity_min,
            limits.humidity_max,
            0.0,
            100.0,
        ),
    ];
    for (key, min, max, floor, ceiling) in pairs {
        let at = rig.value_span(key).unwrap_or_else(|| rig.span());
        let message = if min > max {
            format!("limits [{min}, {max}] are not an interval")
        } else if min < floor || max > ceiling {
            format!("limits [{min}, {max}] leave [{floor}, {ceiling}]")
        } else {
            continue;
        };
        sink.report(&at, &rig.path_of(key), message);
    }
    (sink.count() == before).then_some(limits)
}

fn resolve_safe_state(
    sink: &mut Sink<'_>,
    rig: &Fields<'_, '_>,
    limits: Option<SafeLimits>,
) -> Option<SafeState> {
    let Some(table) = rig.opt_table(sink, "safe_state") else {
        return Some(SafeState::Standby);
    };
    let raw = table.open(sink, SAFE_STATE_KEYS);
    let span = raw.span();
    let field = raw.path().to_string();
    let action = raw.opt_string(sink, "action").map(Located::into_inner);
    let setpoint = raw.opt_number(sink, "setpoint_c").map(Located::into_inner);
    let then = raw.opt_string(sink, "then").map(Located::into_inner);
    let (message, state) = match (action.as_deref(), setpoint, then.as_deref()) {
        (Some("standby" | "stop"), None, None) => (None, Some(SafeState::Standby)),
        (None, Some(celsius), then @ (None | Some("stop" | "hold"))) => (
            None,
            Some(SafeState::Setpoint {
                celsius,
                then_stop: then != Some("hold"),
            }),
        ),
        (Some(other), None, None) => (
            Some(format!("action `{other}`: expected \"standby\"")),
            None,
        ),
        (None, Some(_), Some(other)) => (
            Some(format!("then `{other}`: expected \"stop\" or \"hold\"")),
            None,
        ),
        _ => (
            Some(
                "expected { action = \"standby\" } or { setpoint_c = 23.0, then = \"stop\" }"
                    .to_string(),
            ),
            None,
        ),
    };
    if let Some(message) = message {
        sink.report(&span, &field, message);
        return None;
    }
    if let (Some(SafeState::Setpoint { celsius, .. }), Some(limits)) = (state, limits) {
        if limits.check_temperature(celsius).is_err() {
            let message =
                format!("setpoint_c {celsius} is outside the station's temperature limits");
            sink.report(&span, &field, message);
            return None;
        }
    }
    state
}
