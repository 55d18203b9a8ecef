//! A temperature-only ESPEC chamber (the simulator without humidity control, which refuses
//! `HUMI` commands with `NA:CONT NOT READY-1` as the real controller does) driven on a pty by the
//! real driver through the runner's constant profile and the station's safe state: the
//! temperature item runs, the stop is sent, and an item that needs humidity is an error that
//! says why.

use crate::sim_support;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use facebench::plan::rig_step::{ChamberProfile, ConstantProfile, ProfileKind};
use facebench::rig::chamber::ChamberProtocol;
use facebench::rig::open_chamber;
use facebench::runner::rigs::{chamber, StepContext, StepError};
use facebench::sim::physics::chamber::{ChamberMode, ChamberModel, ChamberParams};
use facebench::sim::{SimChamber, SimHandle, SimOptions};
use facebench::station::{parse_station, ChamberEntry};
use sim_support::sim_clock;

fn hold(rh_percent: Option<f64>) -> ChamberProfile {
    ChamberProfile {
        kind: ProfileKind::Constant(ConstantProfile {
            start_c: None,
            setpoint_c: 40.0,
            ramp_k_per_min: None,
            dwell_h: 0.5,
            rh_percent,
            humidity_ramp_h: None,
            settle_min: 2.0,
            settle_timeout_h: 2.0,
            return_c: None,
        }),
        log_interval_s: 60.0,
        dut_powered: false,
        tolerance_k: 2.0,
        record_all: false,
    }
}

fn temperature_only_sim(
    clock: std::sync::Arc<facebench::clock::SimClock>,
) -> SimHandle<ChamberModel> {
    let model = ChamberModel::new(ChamberParams {
        has_humidity: false,
        ..ChamberParams::default()
    });
    SimChamber::spawn_model(ChamberProtocol::Espec, model, SimOptions::pty(clock)).unwrap()
}

fn station(port: &Path, extra: &str) -> ChamberEntry {
    let text = format!(
        "[chamber]\nprotocol = \"espec\"\nport = \"{}\"\nbaud = 9600\ntimeout_ms = 300\n\
         wire_log = true\ntemp_min_c = -40.0\ntemp_max_c = 85.0\n\
         safe_state = {{ setpoint_c = 23.0, then = \"stop\" }}\n{extra}",
        port.display()
    );
    let station = parse_station(&text, "station.toml", "test").unwrap_or_else(|e| panic!("{e}"));
    station.chamber.expect("a chamber entry")
}

/// Runs the hold and the safe state; returns the wire log's transmitted lines.
fn run_hold(extra: &str) -> (Vec<String>, ChamberMode, f64) {
    let clock = sim_clock();
    let sim = temperature_only_sim(clock.clone());
    let entry = station(&sim.path().unwrap(), extra);
    let tmp = tempfile::tempdir().unwrap();
    let mut rig = open_chamber(&entry.spec, Some(tmp.path())).unwrap();
    let stop = AtomicBool::new(false);
    let ctx = StepContext {
        clock: clock.as_ref(),
        series_dir: tmp.path(),
        item: "CLM-T",
        sample: None,
        stop: &stop,
    };
    let measured = chamber::run_profile(rig.as_mut(), &hold(None), ctx).expect("the hold runs");
    let temps = &measured["chamber_temp"];
    assert!(temps.iter().all(|t| (t - 40.0).abs() < 2.0), "{temps:?}");
    entry
        .safe_state
        .begin(rig.as_mut())
        .expect("the safe state starts");
    entry
        .safe_state
        .finish(rig.as_mut())
        .expect("the stop is sent");
    let state = sim.state();
    // Closing the rig closes its wire log, which writes out what is queued.
    drop(rig);
    let log = std::fs::read_to_string(tmp.path().join("wire-chamber.log")).unwrap();
    let sent = log
        .lines()
        .filter(|l| l.contains(" TX "))
        .filter_map(|l| {
            l.split_once('"')
                .map(|(_, text)| text.trim_end_matches('"').to_string())
        })
        .collect();
    (sent, state.mode, state.temp_sp_c)
}

#[test]
fn the_driver_learns_temperature_only_from_the_reply_and_the_stop_is_sent() {
    let (sent, mode, sp) = run_hold("");
    assert_eq!(mode, ChamberMode::Standby, "the chamber ends stopped");
    assert_eq!(sp, 23.0, "the safe set point was written");
    let humi = sent.iter().filter(|l| l.starts_with("HUMI")).count();
    assert_eq!(humi, 1, "one HUMI command, refused, then none: {sent:?}");
    assert_eq!(
        sent.last().map(String::as_str),
        Some("MODE, STANDBY\\r\\n"),
        "{sent:?}"
    );
}

#[test]
fn a_station_saying_humidity_false_runs_without_any_humi_command() {
    let (sent, mode, _) = run_hold("humidity = false\n");
    assert_eq!(mode, ChamberMode::Standby);
    assert!(!sent.iter().any(|l| l.starts_with("HUMI")), "{sent:?}");
}

#[test]
fn an_item_that_needs_humidity_is_an_error_that_says_so() {
    let clock = sim_clock();
    let sim = temperature_only_sim(clock.clone());
    let entry = station(&sim.path().unwrap(), "");
    let tmp = tempfile::tempdir().unwrap();
    let mut rig = open_chamber(&entry.spec, None).unwrap();
    let stop = AtomicBool::new(false);
    let ctx = StepContext {
        clock: clock.as_ref(),
        series_dir: tmp.path(),
        item: "CLM-H",
        sample: None,
        stop: &stop,
    };
    let error = chamber::run_profile(rig.as_mut(), &hold(Some(93.0)), ctx).unwrap_err();
    assert!(matches!(error, StepError::Rig(_)), "{error}");
    assert!(error.to_string().contains("temperature-only"), "{error}");
    entry.safe_state.begin(rig.as_mut()).unwrap();
    entry.safe_state.finish(rig.as_mut()).unwrap();
    assert_eq!(sim.state().mode, ChamberMode::Standby);
}
