//! Chamber profiles on the scripted chamber: holding the band, drifting out of it, gaps,
//! silence, cycles, a profile the chamber cannot run, a panic, and teardown.

use std::time::Duration;

use super::{judged, measured, result, Bench};
use crate::fake::{ChamberFault, ChamberScript, FakeChamber, FaultWindow};
use crate::judge::Verdict;
use crate::runner::rigs::chamber::MAX_CONSECUTIVE_GAPS;
use crate::station::{RigSet, SafeState};

const MINUTE: Duration = Duration::from_secs(60);

/// A rig set with only the scripted chamber, its command log, and `safe_state` for teardown.
fn chamber_rigs(
    bench: &Bench,
    script: ChamberScript,
    safe_state: Option<SafeState>,
) -> (RigSet, crate::fake::chamber::CommandLog) {
    let chamber = FakeChamber::new(script, bench.clock());
    let commands = chamber.commands();
    let rigs = RigSet {
        chamber: Some(Box::new(chamber)),
        safe_state,
        ..RigSet::none()
    };
    (rigs, commands)
}

/// The scripted chamber with `fault` between `from` and `until` minutes.
fn with_window(from: u32, until: Option<u32>, fault: ChamberFault) -> ChamberScript {
    ChamberScript {
        faults: vec![FaultWindow {
            from: MINUTE * from,
            until: until.map(|m| MINUTE * m),
            fault,
        }],
        ..ChamberScript::healthy()
    }
}

#[test]
fn a_chamber_that_holds_its_band_passes_with_every_dwell_reading_judged() {
    let bench = Bench::new();
    let (rigs, commands) = chamber_rigs(&bench, ChamberScript::healthy(), None);
    let state = bench.run("CLM-HOLD", 1, rigs);
    let hold = result(&state, "CLM-HOLD", 1);
    assert_eq!(hold.verdict, Verdict::Pass, "{hold:?}");
    // Two hours at one reading a minute, all inside ±2 K of +40 °C.
    let temp = measured(hold, "chamber_temp");
    assert!((119..=121).contains(&temp.len()), "{}", temp.len());
    assert!(temp.iter().all(|t| (t - 40.0).abs() <= 2.0), "{temp:?}");
    assert_eq!(judged(hold, "chamber_dev"), (Some(0.0), Verdict::Pass));
    assert_eq!(measured(hold, "chamber_rh").len(), temp.len());
    assert_eq!(measured(hold, "gaps"), [0.0]);
    // The ramp went up in one-minute steps of 1 K, humidity on for the dwell, off on return.
    let commands = commands.lock().unwrap();
    let set_points = commands.iter().filter(|c| c.starts_with("set ")).count();
    assert!(set_points >= 16, "{commands:?}");
    assert!(commands.contains(&"rh 93".to_string()));
    assert_eq!(commands.last().map(String::as_str), Some("set 25"));
    let series = bench.series("CLM-HOLD/chamber.csv");
    assert!(series.starts_with("elapsed_s,utc,phase,temp_sp,temp_pv,rh_sp,rh_pv,note\n"));
    let dwell = series.lines().find(|l| l.contains(",dwell,")).unwrap();
    assert!(
        dwell.contains(",dwell,40.000,40.000,93.000,93.000,"),
        "{dwell}"
    );
}

#[test]
fn a_chamber_that_drifts_out_of_tolerance_gives_no_pass_with_the_measured_figure() {
    let bench = Bench::new();
    // Three kelvin too warm for 40 minutes in the middle of the dwell.
    let script = with_window(60, Some(100), ChamberFault::Offset(3.0));
    let (rigs, _) = chamber_rigs(&bench, script, None);
    let state = bench.run("CLM-HOLD", 1, rigs);
    let hold = result(&state, "CLM-HOLD", 1);
    assert_eq!(hold.verdict, Verdict::NoPass, "{hold:?}");
    let (worst, verdict) = judged(hold, "chamber_dev");
    assert_eq!(verdict, Verdict::NoPass);
    assert!((worst.unwrap() - 3.0).abs() < 1e-9, "{worst:?}");
    assert!(measured(hold, "chamber_temp").iter().any(|t| *t > 42.0));
}

#[test]
fn garbled_readings_are_gaps_with_their_cause_and_the_profile_goes_on() {
    let bench = Bench::new();
    let (rigs, _) = chamber_rigs(
        &bench,
        with_window(60, Some(64), ChamberFault::Garbled),
        None,
    );
    let state = bench.run("CLM-HOLD", 1, rigs);
    let hold = result(&state, "CLM-HOLD", 1);
    assert_eq!(hold.verdict, Verdict::Pass, "{hold:?}");
    assert_eq!(measured(hold, "gaps"), [4.0]);
    let series = bench.series("CLM-HOLD/chamber.csv");
    let gaps: Vec<&str> = series.lines().filter(|l| l.contains("gap: ")).collect();
    assert_eq!(gaps.len(), 4, "{series}");
    for row in gaps {
        assert!(row.contains("garbled reply to `read`"), "{row}");
        // The reading is left empty, never filled in.
        assert_eq!(row.split(',').nth(4), Some(""), "{row}");
    }
}

#[test]
fn a_chamber_that_stops_answering_is_an_error_not_a_verdict_on_the_unit() {
    let bench = Bench::new();
    let (rigs, _) = chamber_rigs(&bench, with_window(60, None, ChamberFault::NoReply), None);
    let state = bench.run("CLM-HOLD", 1, rigs);
    let hold = result(&state, "CLM-HOLD", 1);
    assert_eq!(hold.verdict, Verdict::Error, "{hold:?}");
    let reason = hold.reason.as_deref().unwrap();
    assert!(reason.contains("fake: no reply to `read`"), "{reason}");
    // The series keeps the readings before the silence and one gap row per failed read.
    let series = bench.series("CLM-HOLD/chamber.csv");
    let gaps = series
        .lines()
        .filter(|l| l.contains("gap: fake: no reply"))
        .count();
    assert_eq!(gaps as u32, MAX_CONSECUTIVE_GAPS, "{series}");
    assert!(series.lines().any(|l| l.contains(",dwell,")));
}

#[test]
fn teardown_returns_the_chamber_to_its_safe_set_point_and_stops_it() {
    let bench = Bench::new();
    let safe = SafeState::Setpoint {
        celsius: 23.0,
        then_stop: true,
    };
    let (rigs, commands) = chamber_rigs(&bench, ChamberScript::healthy(), Some(safe));
    let state = bench.run("CLM-HOLD", 1, rigs);
    assert_eq!(result(&state, "CLM-HOLD", 1).verdict, Verdict::Pass);
    let commands = commands.lock().unwrap();
    let returned = commands.iter().rposition(|c| c == "set 25").unwrap();
    assert_eq!(
        commands[returned + 1..],
        ["set 23", "rh off", "constant", "stop"],
        "{commands:?}"
    );
}

#[test]
fn a_cyclic_profile_counts_its_cycles() {
    let bench = Bench::new();
    let (rigs, _) = chamber_rigs(&bench, ChamberScript::healthy(), None);
    let state = bench.run("CLM-CYCLE", 1, rigs);
    let cycle = result(&state, "CLM-CYCLE", 1);
    assert_eq!(cycle.verdict, Verdict::Pass, "{cycle:?}");
    assert_eq!(measured(cycle, "cycles_done"), [2.0]);
    let (high, _) = judged(cycle, "chamber_temp");
    assert!((high.unwrap() - 55.0).abs() <= 2.0, "{high:?}");
}

#[test]
fn a_two_zone_shock_on_a_single_zone_chamber_is_not_tested_and_never_starts() {
    let bench = Bench::new();
    let (rigs, commands) = chamber_rigs(&bench, ChamberScript::healthy(), None);
    let state = bench.run("CLM-SHOCK", 1, rigs);
    let shock = result(&state, "CLM-SHOCK", 1);
    assert_eq!(shock.verdict, Verdict::NotTested);
    assert!(
        shock.reason.as_deref().unwrap().contains("two-zone"),
        "{shock:?}"
    );
    assert!(commands.lock().unwrap().is_empty());
}

#[test]
fn a_step_that_panics_is_an_error_and_the_run_goes_on_to_its_end() {
    let bench = Bench::new();
    let (rigs, _) = chamber_rigs(&bench, with_window(30, None, ChamberFault::Panic), None);
    let state = bench.run("CLM-HOLD", 1, rigs);
    let hold = result(&state, "CLM-HOLD", 1);
    assert_eq!(hold.verdict, Verdict::Error);
    assert!(
        hold.reason.as_deref().unwrap().contains("panicked"),
        "{hold:?}"
    );
}
