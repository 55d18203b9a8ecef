//! Thermocouple logging for temperature-rise tests.

use serde::{Deserialize, Serialize};

use crate::plan::diagnostic::Sink;
use crate::plan::ranges::{self, DRIFT_K_PER_30MIN, DURATION_H, LOG_INTERVAL_S, TEMPERATURE_C};
use crate::plan::reader::TableRef;

/// The channel name that holds the ambient temperature; rises are taken against it.
pub const AMBIENT: &str = "ambient";

/// One thermocouple on the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThermalChannel {
    /// Location name (`cover_glass`); measurements are `temp_<name>` and `rise_<name>`.
    pub name: String,
    /// Thermocouple number on the unit; the station maps it to a logger channel.
    pub tc: u32,
    /// Surface material (glass, plastic, metal, internal, air).
    pub material: String,
    /// Contact class (how long a person touches it).
    pub contact: String,
}

/// A thermal step's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThermalLogging {
    /// Seconds between readings.
    pub log_interval_s: f64,
    /// Expected ambient, °C (recorded; criteria judge `temp_ambient`).
    pub ambient_c: f64,
    /// Steady state: the hottest channel drifts less than this per 30 min, K.
    pub steady_k_per_30min: f64,
    /// Log at least this long, h.
    pub min_duration_h: f64,
    /// Stop after this long even if not steady, h.
    pub max_duration_h: f64,
    /// Thermocouples; one should be named `ambient`.
    pub channels: Vec<ThermalChannel>,
}

impl ThermalLogging {
    /// True when this logging can measure `name`.
    pub fn can_measure(&self, name: &str) -> bool {
        self.measurable().iter().any(|m| m == name)
    }

    /// Measurement names this logging produces.
    pub fn measurable(&self) -> Vec<String> {
        let mut names = vec![
            "steady_drift".to_string(),
            "dropouts".to_string(),
            "duration".to_string(),
        ];
        for channel in &self.channels {
            names.push(format!("temp_{}", channel.name));
            if channel.name != AMBIENT {
                names.push(format!("rise_{}", channel.name));
            }
        }
        names
    }
}

const KEYS: &[&str] = &[
    "log_interval_s",
    "ambient_c",
    "steady_k_per_30min",
    "min_duration_h",
    "max_duration_h",
    "channels",
];
const CHANNEL_KEYS: &[&str] = &["name", "tc", "material", "contact"];

/// Reads a thermal step's params.
pub(super) fn resolve(sink: &mut Sink<'_>, params: TableRef<'_, '_>) -> Option<ThermalLogging> {
    let f = params.open(sink, KEYS);
    let log_interval_s = ranges::or_default(sink, &f, "log_interval_s", LOG_INTERVAL_S, 30.0);
    let ambient_c = ranges::required(sink, &f, "ambient_c", TEMPERATURE_C);
    let steady = ranges::or_default(sink, &f, "steady_k_per_30min", DRIFT_K_PER_30MIN, 1.0);
    let min_h = ranges::or_default(sink, &f, "min_duration_h", DURATION_H, 1.0);
    let max_h = ranges::or_default(sink, &f, "max_duration_h", DURATION_H, 8.0);
    let mut channels = Vec::new();
    let mut channels_ok = true;
    for table in f.opt_tables(sink, "channels") {
        let c = table.open(sink, CHANNEL_KEYS);
        let name = c.name(sink, "name");
        let tc = c.u32(sink, "tc");
        let material = c.string(sink, "material");
        let contact = c.opt_string(sink, "contact");
        if let Some(earlier) = name.as_ref().and_then(|n| {
            channels
                .iter()
                .find(|ch: &&ThermalChannel| &ch.name == n.get_ref())
        }) {
            let n = name.as_ref().map(|n| n.span()).unwrap_or(c.span());
            sink.report(
                &n,
                &c.path_of("name"),
                format!("channel `{}` is listed twice", earlier.name),
            );
            channels_ok = false;
        }
        match (name, tc, material) {
            (Some(name), Some(tc), Some(material)) => channels.push(ThermalChannel {
                name: name.into_inner(),
                tc: tc.into_inner(),
                material: material.into_inner(),
                contact: contact.map(|s| s.into_inner()).unwrap_or_default(),
            }),
            _ => channels_ok = false,
        }
    }
    if channels.is_empty() && channels_ok {
        f.report_missing(
            sink,
            "channels",
            ": list the thermocouples and their locations",
        );
        channels_ok = false;
    }
    if channels_ok && !channels.iter().any(|c| c.name == AMBIENT) {
        sink.report(
            &f.key_span("channels").unwrap_or(f.span()),
            &f.path_of("channels"),
            format!("one channel must be named `{AMBIENT}`: rises are taken against it"),
        );
        channels_ok = false;
    }
    let (min_h, max_h) = (min_h?, max_h?);
    if min_h > max_h {
        sink.report(
            &f.key_span("max_duration_h").unwrap_or(f.span()),
            &f.path_of("max_duration_h"),
            format!("must not be below min_duration_h ({min_h})"),
        );
        return None;
    }
    Some(ThermalLogging {
        log_interval_s: log_interval_s?,
        ambient_c: ambient_c?,
        steady_k_per_30min: steady?,
        min_duration_h: min_h,
        max_duration_h: max_h,
        channels: channels_ok.then_some(channels)?,
    })
}
