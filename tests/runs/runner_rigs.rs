//! Rig steps run by the runner against the simulators on real ptys, on simulated time: chamber
//! profiles, drop sequences and temperature-rise logging, with faults injected on the wire.

use crate::common;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use common::{
    code, run, run_args, sim_clock, sim_rigs_run_args, state, text, DEMO_UNIT, SIM_STATION,
};
use facebench::clock::Clock;
use facebench::judge::Verdict;
use facebench::plan::rig_step::{ChamberProfile, ConstantProfile, ProfileKind};
use facebench::rig::drop::manual::OperatorChannel;
use facebench::rig::RigError;
use facebench::runner::rigs::{chamber, StepContext, StepError};
use facebench::sim::FaultPlan;
use facebench::station::parse_station;
use facebench::station::{open_station, SimFaults};

#[derive(Debug)]
struct NoOperator;

impl OperatorChannel for NoOperator {
    fn instruct(&mut self, _text: &str) -> Result<bool, RigError> {
        Ok(false)
    }
}

#[test]
fn a_chamber_and_a_drop_rig_are_driven_over_their_protocols_on_the_simulators() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let output = run(&sim_rigs_run_args(&run_dir, &[]));
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    let state = state(&run_dir);

    // A damp-heat hold at 40 °C / 93 %RH driven over the ESPEC protocol.
    let damp = &state.results["CLM-DAMP"][&1];
    assert_eq!(damp.verdict, Verdict::Pass, "{damp:?}");
    let values = |name: &str| {
        damp.measurements
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.values.clone())
            .unwrap_or_default()
    };
    let temp = values("chamber_temp");
    assert!(temp.len() >= 59, "one reading a minute through the dwell");
    assert!(temp.iter().all(|t| (t - 40.0).abs() <= 2.0), "{temp:?}");
    assert_eq!(values("chamber_rh").len(), temp.len());
    let wire = std::fs::read_to_string(run_dir.join("wire-chamber.log")).unwrap();
    assert!(
        wire.contains("\"TEMP, S40.0\\r\\n\""),
        "the set point went over the wire"
    );
    assert!(wire.contains("\"HUMI, S93.0\\r\\n\""), "{wire}");
    let series = std::fs::read_to_string(run_dir.join("series/CLM-DAMP/chamber.csv")).unwrap();
    assert!(series.starts_with("elapsed_s,utc,phase,temp_sp,temp_pv,rh_sp,rh_pv,note\n"));
    assert!(series.contains(",dwell,"));

    // Three drops on the Modbus drop-rig simulator, heights as the rig measured them.
    let drop = &state.results["MEC-DROP"][&1];
    assert_eq!(drop.verdict, Verdict::Pass, "{drop:?}");
    let heights = drop
        .measurements
        .iter()
        .find(|m| m.name == "drop_height")
        .unwrap();
    assert_eq!(heights.values.len(), 3);
    let drops = std::fs::read_to_string(run_dir.join("series/MEC-DROP/drop.csv")).unwrap();
    assert_eq!(drops.lines().count(), 4, "{drops}");
}

#[test]
fn temperature_rise_logs_until_steady_state() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let options = [
        "--station",
        SIM_STATION,
        "--sim-clock",
        "--answers",
        "testplans/answers/demo-desktop-cashier.toml",
        "--only",
        "CLM-008",
    ];
    let output = run(&run_args(&run_dir, &options, &DEMO_UNIT));
    assert!(code(&output) <= 1, "{output:?}");
    let result = &state(&run_dir).results["CLM-008"][&1];
    let series = std::fs::read_to_string(run_dir.join("series/CLM-008/thermal.csv"));
    if result.verdict == Verdict::NotTested {
        // The item also needs the camera; on a station without one it is not run at all.
        assert!(
            result.reason.as_deref().unwrap().contains("camera"),
            "{result:?}"
        );
        assert!(series.is_err());
        return;
    }
    let series = series.unwrap();
    assert!(series.starts_with("elapsed_s,utc,cover_glass,"));
    let drift = result
        .measurements
        .iter()
        .find(|m| m.name == "steady_drift")
        .unwrap();
    assert!(drift.values[0] <= 1.0);
}

fn quick_profile() -> ChamberProfile {
    ChamberProfile {
        kind: ProfileKind::Constant(ConstantProfile {
            start_c: None,
            setpoint_c: 40.0,
            ramp_k_per_min: None,
            dwell_h: 0.5,
            rh_percent: None,
            humidity_ramp_h: None,
            settle_min: 5.0,
            settle_timeout_h: 2.0,
            return_c: Some(25.0),
        }),
        log_interval_s: 60.0,
        dut_powered: false,
        tolerance_k: 2.0,
        record_all: false,
    }
}

fn chamber_with_faults(
    specs: &[&str],
    series_dir: &Path,
) -> Result<facebench::runner::rigs::Measurements, StepError> {
    let text = std::fs::read_to_string(SIM_STATION).unwrap();
    let mut station = parse_station(&text, SIM_STATION, "test").unwrap();
    // Hundreds of replies are garbled here; retry after 1 ms rather than the stations' 200 ms,
    // listen 2 ms rather than 20 ms for a second reply behind a suspect one, and give up on a
    // silent chamber after 200 ms rather than the station's 500 ms.
    let chamber_link = &mut station.chamber.as_mut().unwrap().spec.connection.policy;
    chamber_link.backoff = Duration::from_millis(1);
    chamber_link.settle = Duration::from_millis(2);
    chamber_link.timeout = Some(Duration::from_millis(200));
    let clock: Arc<dyn Clock> = sim_clock();
    let faults = SimFaults {
        chamber: FaultPlan {
            seed: 7,
            specs: specs.iter().map(|s| s.parse().unwrap()).collect(),
        },
        ..SimFaults::default()
    };
    let (mut rigs, _sims) = open_station(
        &station,
        Arc::clone(&clock),
        None,
        Box::new(NoOperator),
        &faults,
        1,
    )
    .unwrap();
    let stop = AtomicBool::new(false);
    let ctx = StepContext {
        clock: clock.as_ref(),
        series_dir,
        item: "CLM-T",
        sample: None,
        stop: &stop,
    };
    chamber::run_profile(rigs.chamber.as_deref_mut().unwrap(), &quick_profile(), ctx)
}

#[test]
fn wire_faults_become_gaps_with_their_cause_and_the_profile_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let measured = chamber_with_faults(&["garble@40%"], tmp.path()).expect("the profile completes");
    let gaps = measured["gaps"][0];
    assert!(gaps > 0.0, "garbled replies are recorded as gaps");
    let series = std::fs::read_to_string(tmp.path().join("CLM-T/chamber.csv")).unwrap();
    let gap_rows: Vec<&str> = series.lines().filter(|l| l.contains("gap: ")).collect();
    assert_eq!(gap_rows.len() as f64, gaps);
    for row in gap_rows {
        // The reading is left empty, never filled in.
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[4], "", "{row}");
    }
    assert!(measured["chamber_temp"].len() >= 25);
}

#[test]
fn a_chamber_that_stops_answering_is_a_harness_error_naming_the_port() {
    let tmp = tempfile::tempdir().unwrap();
    let error = chamber_with_faults(&["no-reply@every1"], tmp.path()).unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(error, StepError::Rig(RigError::Timeout { .. })),
        "{text}"
    );
    assert!(text.contains("/dev/pts/"), "{text}");
}
