//! Chamber profiles: constant (ramp, settle, dwell, return), cyclic (damp heat, temperature
//! cycling) and thermal shock.

use serde::{Deserialize, Serialize};

use crate::plan::diagnostic::Sink;
use crate::plan::ranges::{
    self, DURATION_H, DURATION_S, HUMIDITY_PERCENT, LOG_INTERVAL_S, RAMP_K_PER_MIN, SETTLE_MIN,
    TEMPERATURE_C, TOLERANCE_K,
};
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
    let log_interval_s = ranges::or_default(sink, &f, "log_interval_s", LOG_INTERVAL_S, 60.0);
    let tolerance_k = ranges::or_default(sink, &f, "tolerance_k", TOLERANCE_K, 2.0);
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
    let start_c = ranges::optional(sink, f, "start_c", TEMPERATURE_C);
    let setpoint_c = ranges::required(sink, f, "setpoint_c", TEMPERATURE_C);
    let ramp = ranges::optional(sink, f, "ramp_k_per_min", RAMP_K_PER_MIN);
    let dwell_h = ranges::required(sink, f, "dwell_h", DURATION_H);
    let rh_percent = ranges::optional(sink, f, "rh_percent", HUMIDITY_PERCENT);
    let humidity_ramp_h = ranges::optional(sink, f, "humidity_ramp_h", DURATION_H);
    let settle_min = ranges::or_default(sink, f, "settle_min", SETTLE_MIN, 10.0);
    let settle_timeout_h = ranges::or_default(sink, f, "settle_timeout_h", DURATION_H, 8.0);
    let return_c = ranges::optional(sink, f, "return_c", TEMPERATURE_C);
    Some(ConstantProfile {
        start_c: start_c?,
        setpoint_c: setpoint_c?,
        ramp_k_per_min: ramp?,
        dwell_h: dwell_h?,
        rh_percent: rh_percent?,
        humidity_ramp_h: humidity_ramp_h?,
        settle_min: settle_min?,
        settle_timeout_h: settle_timeout_h?,
        return_c: return_c?,
    })
}

fn cyclic(sink: &mut Sink<'_>, f: &Fields<'_, '_>) -> Option<CyclicProfile> {
    let start_c = ranges::optional(sink, f, "start_c", TEMPERATURE_C);
    let low_high = low_high(sink, f);
    let cycles = ranges::count(sink, f, "cycles");
    let ramp_up_h = ranges::required(sink, f, "ramp_up_h", DURATION_H);
    let high_dwell_h = ranges::required(sink, f, "high_dwell_h", DURATION_H);
    let ramp_down_h = ranges::required(sink, f, "ramp_down_h", DURATION_H);
    let cycle_h = ranges::required(sink, f, "cycle_h", DURATION_H);
    let rh_high_percent = ranges::optional(sink, f, "rh_high_percent", HUMIDITY_PERCENT);
    let rh_low_percent = ranges::optional(sink, f, "rh_low_percent", HUMIDITY_PERCENT);
    let return_c = ranges::optional(sink, f, "return_c", TEMPERATURE_C);
    let (low, high) = low_high?;
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
        start_c: start_c?,
        low_c: low,
        high_c: high,
        cycles: cycles?,
        ramp_up_h: up,
        high_dwell_h: dwell,
        ramp_down_h: down,
        cycle_h: cycle,
        rh_high_percent: rh_high_percent?,
        rh_low_percent: rh_low_percent?,
        return_c: return_c?,
    })
}

fn shock(sink: &mut Sink<'_>, f: &Fields<'_, '_>) -> Option<ShockProfile> {
    let start_c = ranges::optional(sink, f, "start_c", TEMPERATURE_C);
    let method = f.choice(sink, "method", "shock method", &["Na", "Nb"], |s| match s {
        "Na" => Some(ShockMethod::Na),
        "Nb" => Some(ShockMethod::Nb),
        _ => None,
    });
    let low_high = low_high(sink, f);
    let dwell_h = ranges::required(sink, f, "dwell_h", DURATION_H);
    let cycles = ranges::count(sink, f, "cycles");
    let transfer_max_s = ranges::optional(sink, f, "transfer_max_s", DURATION_S);
    let ramp = ranges::optional(sink, f, "ramp_k_per_min", RAMP_K_PER_MIN);
    let (low, high) = low_high?;
    Some(ShockProfile {
        start_c: start_c?,
        method: method?.into_inner(),
        low_c: low,
        high_c: high,
        dwell_h: dwell_h?,
        cycles: cycles?,
        transfer_max_s: transfer_max_s?,
        ramp_k_per_min: ramp?,
    })
}

/// `low_c` and `high_c`: two temperatures, low below high.
fn low_high(sink: &mut Sink<'_>, f: &Fields<'_, '_>) -> Option<(f64, f64)> {
    let low = ranges::required(sink, f, "low_c", TEMPERATURE_C);
    let high = ranges::required(sink, f, "high_c", TEMPERATURE_C);
    let (low, high) = (low?, high?);
    if low >= high {
        sink.report(
            &f.key_span("high_c").unwrap_or(f.span()),
            &f.path_of("high_c"),
            format!("must be above low_c ({low})"),
        );
        return None;
    }
    Some((low, high))
}
