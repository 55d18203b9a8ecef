//! A 48 h damp-heat profile driven through the ESPEC simulator on a simulated clock finishes in
//! well under two seconds, and the chamber follows it.

use crate::sim_support;

use std::time::{Duration, Instant};

use facebench::rig::chamber::ChamberProtocol;
use facebench::sim::physics::chamber::ChamberMode;
use facebench::sim::physics::program::{Program, ProgramStep, StepKind};
use facebench::sim::{SimChamber, SimOptions};
use sim_support::{ask, open_pty, sim_clock};

fn damp_heat_48h() -> Program {
    let step = |kind, temp_c, rh, hours: u64| ProgramStep {
        kind,
        temp_c,
        rh_pct: Some(rh),
        duration: Duration::from_secs(hours * 3600),
    };
    Program {
        name: "DAMP HEAT 40C 93%".into(),
        steps: vec![
            step(StepKind::Ramp, 40.0, 93.0, 1),
            step(StepKind::Soak, 40.0, 93.0, 46),
            step(StepKind::Ramp, 23.0, 50.0, 1),
        ],
        end: ChamberMode::Standby,
    }
}

#[tokio::test]
async fn a_48_hour_profile_runs_in_seconds_and_holds_its_soak() {
    let clock = sim_clock();
    let sim = SimChamber::spawn(ChamberProtocol::Espec, SimOptions::pty(clock.clone())).unwrap();
    sim.with_model(|m| m.programs.push(damp_heat_48h()));
    let mut port = open_pty(&sim.path().unwrap());
    let started = Instant::now();
    assert_eq!(ask(&mut port, "MODE, RUN1\r\n").await, "OK:MODE, RUN1\r\n");
    let mut soak = Vec::new();
    for minute in (5..=48 * 60 + 5).step_by(5) {
        clock.advance(Duration::from_secs(300));
        let mon = ask(&mut port, "MON?\r\n").await;
        let fields: Vec<&str> = mon.trim_end().split(',').collect();
        let temp: f64 = fields[0].parse().unwrap();
        let humi: f64 = fields[1].parse().unwrap();
        if (3 * 60..47 * 60).contains(&minute) {
            soak.push((temp, humi));
            assert_eq!(fields[2], "RUN", "minute {minute}");
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        soak.iter()
            .all(|(t, h)| (t - 40.0).abs() < 0.2 && (h - 93.0).abs() < 1.0),
        "{soak:?}"
    );
    assert_eq!(ask(&mut port, "MODE?\r\n").await, "STANDBY\r\n");
}
