//! Temperature-rise logging: read every thermocouple at an interval until thermal steady state
//! (or the maximum duration), and derive rises against the ambient channel.

use std::collections::VecDeque;
use std::time::Duration;

use super::series::cell;
use super::{Measurements, StepContext, StepError};
use crate::plan::rig_step::thermal::AMBIENT;
use crate::plan::rig_step::ThermalLogging;
use crate::rig::{ChannelInfo, ThermalLogger};

/// Failed reads in a row after which the logger is taken as lost.
pub const MAX_CONSECUTIVE_GAPS: u32 = 5;
/// The window steady state is judged over.
pub const STEADY_WINDOW: Duration = Duration::from_secs(30 * 60);

/// Logs until steady state and returns the measurements (`temp_<name>`, `rise_<name>`,
/// `steady_drift`, `dropouts`, `duration`).
pub fn run_logging(
    logger: &mut dyn ThermalLogger,
    logging: &ThermalLogging,
    ctx: StepContext<'_>,
) -> Result<Measurements, StepError> {
    let station_channels = logger.channels();
    let map: Vec<(String, u16)> = logging
        .channels
        .iter()
        .map(|c| {
            channel_for(&station_channels, c.tc)
                .map(|ch| (c.name.clone(), ch))
                .ok_or_else(|| {
                    StepError::Unsupported(format!(
                        "thermocouple {} ({}) has no logger channel: the station lists {} channels",
                        c.tc,
                        c.name,
                        station_channels.len()
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    let mut header = vec!["elapsed_s".to_string(), "utc".to_string()];
    header.extend(map.iter().map(|(name, _)| name.clone()));
    header.push("note".to_string());
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut series = ctx.series("thermal", &header_refs)?;

    let interval = Duration::from_secs_f64(logging.log_interval_s);
    let min = Duration::from_secs_f64(logging.min_duration_h * 3600.0);
    let max = Duration::from_secs_f64(logging.max_duration_h * 3600.0);
    let window_rows =
        ((STEADY_WINDOW.as_secs_f64() / logging.log_interval_s).ceil() as usize).max(1);
    let start = ctx.clock.elapsed();
    let mut m = Measurements::new();
    let mut recent: VecDeque<Vec<Option<f64>>> = VecDeque::with_capacity(window_rows + 1);
    let mut failures = 0;
    let mut dropouts = 0u32;
    let mut drift = None;
    loop {
        ctx.check_stop()?;
        let elapsed = ctx.clock.elapsed() - start;
        let utc = ctx.clock.now_utc().to_rfc3339();
        let row: Vec<Option<f64>> = match logger.read_all() {
            Ok(readings) => {
                failures = 0;
                map.iter()
                    .map(|(_, ch)| {
                        readings
                            .iter()
                            .find(|r| r.channel == *ch)
                            .and_then(|r| r.celsius)
                    })
                    .collect()
            }
            Err(error) => {
                failures += 1;
                if failures >= MAX_CONSECUTIVE_GAPS {
                    return Err(error.into());
                }
                let mut cells = vec![format!("{:.0}", elapsed.as_secs_f64()), utc];
                cells.extend(map.iter().map(|_| String::new()));
                cells.push(format!("gap: {error}"));
                series.row(cells)?;
                ctx.sleep(interval)?;
                continue;
            }
        };
        dropouts += row.iter().filter(|v| v.is_none()).count() as u32;
        record(&mut m, &map, &row);
        let mut cells = vec![format!("{:.0}", elapsed.as_secs_f64()), utc];
        cells.extend(row.iter().map(|v| cell(*v)));
        cells.push(String::new());
        series.row(cells)?;
        recent.push_back(row);
        if recent.len() > window_rows + 1 {
            recent.pop_front();
        }
        if recent.len() == window_rows + 1 {
            drift = window_drift(&recent);
        }
        let steady = drift.is_some_and(|d| d <= logging.steady_k_per_30min);
        if (elapsed >= min && steady) || elapsed >= max {
            m.insert("duration".to_string(), vec![elapsed.as_secs_f64() / 3600.0]);
            break;
        }
        ctx.sleep(interval)?;
    }
    series.sync()?;
    if let Some(d) = drift {
        m.insert("steady_drift".to_string(), vec![d]);
    }
    m.insert("dropouts".to_string(), vec![f64::from(dropouts)]);
    Ok(m)
}

/// The logger channel of thermocouple `tc`: the `tc`-th channel the station lists.
fn channel_for(channels: &[ChannelInfo], tc: u32) -> Option<u16> {
    let index = usize::try_from(tc).ok()?.checked_sub(1)?;
    channels.get(index).map(|c| c.channel)
}

/// Adds one row's temperatures and rises.
fn record(m: &mut Measurements, map: &[(String, u16)], row: &[Option<f64>]) {
    let ambient = map
        .iter()
        .position(|(name, _)| name == AMBIENT)
        .and_then(|i| row.get(i).copied().flatten());
    for ((name, _), value) in map.iter().zip(row) {
        let Some(t) = value else { continue };
        m.entry(format!("temp_{name}")).or_default().push(*t);
        if let (Some(a), true) = (ambient, name != AMBIENT) {
            m.entry(format!("rise_{name}")).or_default().push(t - a);
        }
    }
}

/// The largest change of any channel between the first and last row of the window, K.
fn window_drift(window: &VecDeque<Vec<Option<f64>>>) -> Option<f64> {
    let (first, last) = (window.front()?, window.back()?);
    first
        .iter()
        .zip(last)
        .filter_map(|(a, b)| Some((b.as_ref()? - a.as_ref()?).abs()))
        .fold(None, |worst: Option<f64>, d| {
            Some(worst.map_or(d, |w| w.max(d)))
        })
}
