//! Chamber profiles: constant (ramp, settle, dwell, return), cyclic (damp heat, temperature
//! cycling) and thermal shock.

use serde::{Deserialize, Serialize};

use crate::plan::diagnostic::Sink;
use crate::plan::reader::{Fields, TableRef};

/// A chamber step's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChamberProfile {
    /// What the chamber does.
    pub kind: ProfileKind,
    /// Seconds between logged readings.
    pub log_interval_s: f64,
    /// Whether the unit is powered during the profile (recorded; the station powers it).
    pub dut_powered: bool,
    /// Maximum deviation from the setpoint that counts as "at setpoint", in K.
    pub tolerance_k: f64,
    /// Whether the measurements cover the whole profile (`record = "all"`) or only the dwell
    /// phases (`record = "dwell"`, the default).
    pub record_all: bool,
}

/// The shape of a chamber profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "profile", rename_all = "lowercase")]
pub enum ProfileKind {
    /// Ramp to a setpoint, settle, dwell, return.
    Constant(ConstantProfile),
    /// Repeated low/high cycles.
    Cyclic(CyclicProfile),
    /// Thermal shock between two extremes.
    Shock(ShockProfile),
}

/// Ramp → settle → dwell → return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstantProfile {
    /// Temperature to start from (the chamber is brought there first), °C.
    pub start_c: Option<f64>,
    /// Dwell setpoint, °C.
    pub setpoint_c: f64,
    /// Setpoint ramp rate, K/min (none: as fast as the chamber goes).
    pub ramp_k_per_min: Option<f64>,
    /// Dwell duration, h.
    pub dwell_h: f64,
    /// Humidity setpoint during the dwell, %RH.
    pub rh_percent: Option<f64>,
    /// Time allowed for humidity to come up before the dwell, h.
    pub humidity_ramp_h: Option<f64>,
    /// Minutes the temperature must stay within tolerance before the dwell starts.
    pub settle_min: f64,
    /// Give up settling after this many hours (a chamber that cannot reach its setpoint).
    pub settle_timeout_h: f64,
    /// Temperature to return to afterwards, °C.
    pub return_c: Option<f64>,
}

/// Low/high cycles (GB/T 2423.4 Db, GB/T 2423.22 Nb-like cycling).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CyclicProfile {
    /// Temperature to start from, °C.
    pub start_c: Option<f64>,
    /// Low temperature, °C.
    pub low_c: f64,
    /// High temperature, °C.
    pub high_c: f64,
    /// Number of cycles.
    pub cycles: u32,
    /// Ramp from low to high, h.
    pub ramp_up_h: f64,
    /// Dwell at high, h.
    pub high_dwell_h: f64,
    /// Ramp from high to low, h.
    pub ramp_down_h: f64,
    /// Total cycle length, h (the rest is spent at low).
    pub cycle_h: f64,
    /// Humidity at high temperature, %RH.
    pub rh_high_percent: Option<f64>,
    /// Humidity at low temperature, %RH.
    pub rh_low_percent: Option<f64>,
    /// Temperature to return to afterwards, °C.
    pub return_c: Option<f64>,
}

/// How a thermal shock is produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShockMethod {
    /// Two-zone transfer (GB/T 2423.22 Na): needs a two-zone shock chamber.
    Na,
    /// Single chamber with a fast change rate (Nb).
    Nb,
}

/// Thermal shock between two extremes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShockProfile {
    /// Temperature to start from, °C.
    pub start_c: Option<f64>,
    /// Na or Nb.
    pub method: ShockMethod,
    /// Low extreme, °C.
    pub low_c: f64,
    /// High extreme, °C.
    pub high_c: f64,
    /// Dwell at each extreme, h.
    pub dwell_h: f64,
    /// Number of cycles (low + high).
    pub cycles: u32,
    /// Longest allowed transfer (Na) or change (Nb) time, s.
    pub transfer_max_s: Option<f64>,
    /// Change rate for Nb, K/min.
    pub ramp_k_per_min: Option<f64>,
}

/// Measurements every profile produces.
const COMMON: &[&str] = &[
    "chamber_temp",
    "chamber_dev",
    "chamber_rh",
    "chamber_rh_dev",
    "time_in_tolerance",
    "gaps",
];

impl ChamberProfile {
    /// True when this profile can measure `name`.
    pub fn can_measure(&self, name: &str) -> bool {
        self.measurable().iter().any(|m| m == name)
    }

    /// Measurement names this profile produces.
    pub fn measurable(&self) -> Vec<String> {
        let specific: &[&str] = match self.kind {
            ProfileKind::Constant(_) => &["overshoot", "ramp_rate"],
            ProfileKind::Cyclic(_) => &["cycles_done", "ramp_rate"],
            ProfileKind::Shock(_) => &["cycles_done", "transfer_time"],
        };
        COMMON
            .iter()
            .chain(specific)
            .map(|s| s.to_string())
            .collect()
    }
}

const COMMON_KEYS: &[&str] = &[
    "profile",
    "log_interval_s",
    "dut_powered",
    "tolerance_k",
    "record",
];
const CONSTANT_KEYS: &[&str] = &[
    "start_c",
    "setpoint_c",
    "ramp_k_per_min",
    "dwell_h",
    "rh_percent",
    "humidity_ramp_h",
    "settle_min",
    "settle_timeout_h",
    "return_c",
];
const CYCLIC_KEYS: &[&str] = &[
    "start_c",
    "low_c",
    "high_c",
    "cycles",
    "ramp_up_h",
    "high_dwell_h",
    "ramp_down_h",
    "cycle_h",
    "rh_high_percent",
    "rh_low_percent",
    "return_c",
];
const SHOCK_KEYS: &[&str] = &[
    "start_c",
    "method",
    "low_c",
    "high_c",
    "dwell_h",
    "cycles",
    "transfer_max_s",
    "ramp_k_per_min",
];

/// Reads a chamber step's params.
pub(super) fn resolve(sink: &mut Sink<'_>, params: TableRef<'_, '_>) -> Option<ChamberProfile> {
    let profile = params.peek_string("profile");
    let specific = match profile.as_deref() {
        Some("cyclic") => CYCLIC_KEYS,
        Some("shock") => SHOCK_KEYS,
        _ => CONSTANT_KEYS,
    };
    let allowed: Vec<&str> = COMMON_KEYS.iter().chain(specific).copied().collect();
    let f = params.open(sink, &allowed);
    let kind = f.choice(
        sink,
        "profile",
        "chamber profile",
        &["constant", "cyclic", "shock"],
        |s| Some(s.to_string()).filter(|s| ["constant", "cyclic", "shock"].contains(&s.as_str())),
    )?;
    let log_interval_s = positive(sink, &f, "log_interval_s", 60.0);
    let tolerance_k = positive(sink, &f, "tolerance_k", 2.0);
    let dut_powered = f.opt_bool(sink, "dut_powered").map(|b| b.into_inner());
    let record = f.opt_choice(sink, "record", "record range", &["dwell", "all"], |s| {
        ["dwell", "all"].contains(&s).then(|| s == "all")
    });
    let kind = match kind.get_ref().as_str() {
        "cyclic" => ProfileKind::Cyclic(cyclic(sink, &f)?),
        "shock" => ProfileKind::Shock(shock(sink, &f)?),
        _ => ProfileKind::Constant(constant(sink, &f)?),
    };
    Some(ChamberProfile {
        kind,
        log_interval_s: log_interval_s?,
        dut_powered: dut_powered.unwrap_or(false),
        tolerance_k: tolerance_k?,
        record_all: match record {
            Some(all) => all.into_inner(),
            None if f.key_span("record").is_some() => return None,
            None => false,
        },
    })
}

fn constant(sink: &mut Sink<'_>, f: &Fields<'_, '_>) -> Option<ConstantProfile> {
    let start_c = f.opt_number(sink, "start_c").map(|v| v.into_inner());
    let setpoint_c = f.number(sink, "setpoint_c").map(|v| v.into_inner());
    let ramp = opt_positive(sink, f, "ramp_k_per_min");
    let dwell_h = required_positive(sink, f, "dwell_h");
    let rh_percent = opt_humidity(sink, f, "rh_percent");
    let humidity_ramp_h = opt_positive(sink, f, "humidity_ramp_h");
    let settle_min = non_negative(sink, f, "settle_min", 10.0);
    let settle_timeout_h = positive(sink, f, "settle_timeout_h", 8.0);
    let return_c = f.opt_number(sink, "return_c").map(|v| v.into_inner());
    Some(ConstantProfile {
        start_c,
        setpoint_c: setpoint_c?,
        ramp_k_per_min: ramp?,
        dwell_h: dwell_h?,
        rh_percent: rh_percent?,
        humidity_ramp_h: humidity_ramp_h?,
        settle_min: settle_min?,
        settle_timeout_h: settle_timeout_h?,
        return_c,
    })
}

fn cyclic(sink: &mut Sink<'_>, f: &Fields<'_, '_>) -> Option<CyclicProfile> {
    let start_c = f.opt_number(sink, "start_c").map(|v| v.into_inner());
    let low_c = f.number(sink, "low_c");
    let high_c = f.number(sink, "high_c");
    let cycles = f.u32(sink, "cycles").map(|v| v.into_inner());
    let ramp_up_h = required_positive(sink, f, "ramp_up_h");
    let high_dwell_h = required_positive(sink, f, "high_dwell_h");
    let ramp_down_h = required_positive(sink, f, "ramp_down_h");
    let cycle_h = required_positive(sink, f, "cycle_h");
    let rh_high_percent = opt_humidity(sink, f, "rh_high_percent");
    let rh_low_percent = opt_humidity(sink, f, "rh_low_percent");
    let return_c = f.opt_number(sink, "return_c").map(|v| v.into_inner());
    let (low, high) = ordered(sink, f, low_c?, high_c?)?;
    let (up, dwell, down, cycle) = (ramp_up_h?, high_dwell_h?, ramp_down_h?, cycle_h?);
    if up + dwell + down > cycle {
        sink.report(
            &f.key_span("cycle_h").unwrap_or(f.span()),
            &f.path_of("cycle_h"),
            format!(
                "ramp up + high dwell + ramp down ({} h) exceed the cycle ({cycle} h)",
                up + dwell + down
            ),
        );
        return None;
    }
    Some(CyclicProfile {
        start_c,
        low_c: low,
        high_c: high,
        cycles: cycles?,
        ramp_up_h: up,
        high_dwell_h: dwell,
        ramp_down_h: down,
        cycle_h: cycle,
        rh_high_percent: rh_high_percent?,
        rh_low_percent: rh_low_percent?,
        return_c,
    })
}

fn shock(sink: &mut Sink<'_>, f: &Fields<'_, '_>) -> Option<ShockProfile> {
    let start_c = f.opt_number(sink, "start_c").map(|v| v.into_inner());
    let method = f.choice(sink, "method", "shock method", &["Na", "Nb"], |s| match s {
        "Na" => Some(ShockMethod::Na),
        "Nb" => Some(ShockMethod::Nb),
        _ => None,
    });
    let low_c = f.number(sink, "low_c");
    let high_c = f.number(sink, "high_c");
    let dwell_h = required_positive(sink, f, "dwell_h");
    let cycles = f.u32(sink, "cycles").map(|v| v.into_inner());
    let transfer_max_s = opt_positive(sink, f, "transfer_max_s");
    let ramp = opt_positive(sink, f, "ramp_k_per_min");
    let (low, high) = ordered(sink, f, low_c?, high_c?)?;
    Some(ShockProfile {
        start_c,
        method: method?.into_inner(),
        low_c: low,
        high_c: high,
        dwell_h: dwell_h?,
        cycles: cycles?,
        transfer_max_s: transfer_max_s?,
        ramp_k_per_min: ramp?,
    })
}

fn ordered(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    low: toml::Spanned<f64>,
    high: toml::Spanned<f64>,
) -> Option<(f64, f64)> {
    if low.get_ref() >= high.get_ref() {
        sink.report(
            &high.span(),
            &f.path_of("high_c"),
            format!("must be above low_c ({})", low.get_ref()),
        );
        return None;
    }
    Some((low.into_inner(), high.into_inner()))
}

/// An optional number that must be > 0; `Some(None)` when absent, `None` when reported.
pub(super) fn opt_positive(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    key: &str,
) -> Option<Option<f64>> {
    match f.opt_number(sink, key) {
        Some(v) if *v.get_ref() <= 0.0 => {
            sink.report(&v.span(), &f.path_of(key), "must be positive");
            None
        }
        Some(v) => Some(Some(v.into_inner())),
        None if f.key_span(key).is_some() => None,
        None => Some(None),
    }
}

/// A required number that must be > 0.
pub(super) fn required_positive(sink: &mut Sink<'_>, f: &Fields<'_, '_>, key: &str) -> Option<f64> {
    let value = f.number(sink, key)?;
    if *value.get_ref() <= 0.0 {
        sink.report(&value.span(), &f.path_of(key), "must be positive");
        return None;
    }
    Some(value.into_inner())
}

/// An optional number > 0 with a default.
pub(super) fn positive(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    key: &str,
    default: f64,
) -> Option<f64> {
    opt_positive(sink, f, key).map(|v| v.unwrap_or(default))
}

fn non_negative(sink: &mut Sink<'_>, f: &Fields<'_, '_>, key: &str, default: f64) -> Option<f64> {
    match f.opt_number(sink, key) {
        Some(v) if *v.get_ref() < 0.0 => {
            sink.report(&v.span(), &f.path_of(key), "must not be negative");
            None
        }
        Some(v) => Some(v.into_inner()),
        None if f.key_span(key).is_some() => None,
        None => Some(default),
    }
}

fn opt_humidity(sink: &mut Sink<'_>, f: &Fields<'_, '_>, key: &str) -> Option<Option<f64>> {
    match f.opt_number(sink, key) {
        Some(v) if !(0.0..=100.0).contains(v.get_ref()) => {
            sink.report(
                &v.span(),
                &f.path_of(key),
                "relative humidity must be within 0–100 %",
            );
            None
        }
        Some(v) => Some(Some(v.into_inner())),
        None if f.key_span(key).is_some() => None,
        None => Some(None),
    }
}
