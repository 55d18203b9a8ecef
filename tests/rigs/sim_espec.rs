//! The ESPEC simulator on a real pty, byte for byte.

use crate::sim_support;

use std::time::Duration;

use facebench::clock::Clock;
use facebench::rig::chamber::ChamberProtocol;
use facebench::sim::physics::chamber::ChamberMode;
use facebench::sim::{SimChamber, SimOptions};
use sim_support::{ask, exchange, line, open_pty, sim_clock};

#[tokio::test]
async fn queries_settings_and_errors_have_the_controller_shapes() {
    let clock = sim_clock();
    let sim = SimChamber::spawn(ChamberProtocol::Espec, SimOptions::pty(clock.clone())).unwrap();
    let path = sim.path().unwrap();
    assert!(path.starts_with("/dev/pts"), "{path:?}");
    let mut port = open_pty(&path);

    assert_eq!(ask(&mut port, "MON?\r\n").await, "23.0,45,STANDBY,0\r\n");
    assert_eq!(
        ask(&mut port, "TEMP?\r\n").await,
        "23.0,23.0,155.0,-45.0\r\n"
    );
    assert_eq!(ask(&mut port, "HUMI?\r\n").await, "45,OFF,100,0\r\n");
    assert_eq!(ask(&mut port, "TYPE?\r\n").await, "T,T,P300,150.0\r\n");
    assert_eq!(
        ask(&mut port, "TEMP, S40.0\r\n").await,
        "OK:TEMP, S40.0\r\n"
    );
    assert_eq!(ask(&mut port, "HUMI,S93\r\n").await, "OK:HUMI,S93\r\n");
    assert_eq!(
        ask(&mut port, "MODE, CONSTANT\r\n").await,
        "OK:MODE, CONSTANT\r\n"
    );
    assert_eq!(ask(&mut port, "MODE?\r\n").await, "CONSTANT\r\n");
    assert_eq!(
        ask(&mut port, "TEMP, S900.0\r\n").await,
        "NA:DATA OUT OF RANGE\r\n"
    );
    assert_eq!(ask(&mut port, "BREW?\r\n").await, "NA:CMD ERR\r\n");
    assert_eq!(ask(&mut port, "TEMP, Q5\r\n").await, "NA:PARA ERR\r\n");
    assert_eq!(
        ask(&mut port, "MODE, RUN7\r\n").await,
        "NA:DATA NOT READY\r\n"
    );
    assert_eq!(
        ask(&mut port, "1,TEMP?\r\n").await,
        "23.0,40.0,155.0,-45.0\r\n"
    );

    // Another RS-485 address: silence.
    let other = exchange(&mut port, b"2,TEMP?\r\n", Duration::from_millis(200), line).await;
    assert!(other.is_empty(), "{other:?}");

    // A request split over two writes is answered once complete.
    let half = exchange(&mut port, b"MO", Duration::from_millis(100), line).await;
    assert!(half.is_empty());
    assert_eq!(ask(&mut port, "DE?\r\n").await, "CONSTANT\r\n");

    // Two simulated minutes at the +3 K/min limit (far from the set point the limit binds).
    clock.advance(Duration::from_secs(120));
    assert_eq!(
        ask(&mut port, "TEMP?\r\n").await,
        "29.0,40.0,155.0,-45.0\r\n"
    );
    let state = sim.state();
    assert_eq!(state.mode, ChamberMode::Constant);
    assert_eq!(state.rh_sp_pct, Some(93.0));
    assert_eq!(state.now, clock.elapsed());
}

#[tokio::test]
async fn a_temperature_only_chamber_leaves_humidity_empty() {
    use facebench::sim::physics::chamber::{ChamberModel, ChamberParams};
    let params = ChamberParams {
        has_humidity: false,
        ..ChamberParams::default()
    };
    let sim = SimChamber::spawn_model(
        ChamberProtocol::Espec,
        ChamberModel::new(params),
        SimOptions::tcp(sim_clock(), 0),
    )
    .unwrap();
    let mut tcp = tokio::net::TcpStream::connect(sim.addr().unwrap())
        .await
        .unwrap();
    assert_eq!(ask(&mut tcp, "MON?\r\n").await, "23.0,,STANDBY,0\r\n");
    assert_eq!(ask(&mut tcp, "HUMI?\r\n").await, "NA:CONT NOT READY-1\r\n");
    assert_eq!(ask(&mut tcp, "TYPE?\n").await, "T,P300,150.0\r\n");
    assert_eq!(
        ask(&mut tcp, "RUN PRGM, TEMP30.0 TIME0:30 HUMI60\r\n").await,
        "NA:CONT NOT READY-1\r\n"
    );
    assert_eq!(
        ask(&mut tcp, "RUN PRGM, TEMP30.0 TIME0:30\r\n").await,
        "OK:RUN PRGM, TEMP30.0 TIME0:30\r\n"
    );
    assert_eq!(ask(&mut tcp, "PRGM MON?\r\n").await, "1,30.0,,0:30,0,0\r\n");
}

#[tokio::test]
async fn a_remote_program_ramps_and_reports_its_step() {
    let clock = sim_clock();
    let sim = SimChamber::spawn(ChamberProtocol::Espec, SimOptions::pty(clock.clone())).unwrap();
    let mut port = open_pty(&sim.path().unwrap());
    let reply = ask(&mut port, "RUN PRGM, TEMP23.0 TIME1:00 GOTEMP53.0\r\n").await;
    assert_eq!(reply, "OK:RUN PRGM, TEMP23.0 TIME1:00 GOTEMP53.0\r\n");
    clock.advance(Duration::from_secs(1800));
    assert_eq!(ask(&mut port, "MODE?\r\n").await, "RUN\r\n");
    assert_eq!(
        ask(&mut port, "PRGM MON?\r\n").await,
        "1,38.0,,0:30,0,0\r\n"
    );
    clock.advance(Duration::from_secs(1800));
    // The program ends in constant mode at its last target.
    assert_eq!(ask(&mut port, "MODE?\r\n").await, "CONSTANT\r\n");
    assert_eq!(
        ask(&mut port, "PRGM MON?\r\n").await,
        "NA:CONT NOT READY-2\r\n"
    );
}

#[tokio::test]
async fn acknowledgements_program_end_modes_detail_and_standby_humidity() {
    let clock = sim_clock();
    let sim = SimChamber::spawn(ChamberProtocol::Espec, SimOptions::pty(clock.clone())).unwrap();
    let mut port = open_pty(&sim.path().unwrap());
    // The controller's acknowledgement: `OK:` then the command as sent, no space between.
    assert_eq!(
        ask(&mut port, "TEMP, S30.0\r\n").await,
        "OK:TEMP, S30.0\r\n"
    );
    assert_eq!(ask(&mut port, "HUMI, S60\r\n").await, "OK:HUMI, S60\r\n");
    // In standby the humidity set point is shown, as the temperature set point is.
    assert_eq!(ask(&mut port, "MODE?\r\n").await, "STANDBY\r\n");
    assert_eq!(
        ask(&mut port, "TEMP?\r\n").await,
        "23.0,30.0,155.0,-45.0\r\n"
    );
    assert_eq!(ask(&mut port, "HUMI?\r\n").await, "45,60,100,0\r\n");

    // A remote program is `RMT RUN` in the detailed mode, `RUN` in the plain one.
    let run = "RUN PRGM, TEMP30.0 TIME1:00 GOTEMP50.0\r\n";
    assert_eq!(ask(&mut port, run).await, format!("OK:{run}"));
    assert_eq!(ask(&mut port, "MODE?,DETAIL\r\n").await, "RMT RUN\r\n");
    assert_eq!(ask(&mut port, "MODE?\r\n").await, "RUN\r\n");
    clock.advance(Duration::from_secs(1800));
    // HOLD ends the program and holds where it was (40 °C half-way through the ramp).
    assert_eq!(
        ask(&mut port, "PRGM, END, HOLD\r\n").await,
        "OK:PRGM, END, HOLD\r\n"
    );
    let state = sim.state();
    assert_eq!((state.mode, state.temp_sp_c), (ChamberMode::Constant, 40.0));
    assert_eq!(ask(&mut port, "MODE?,DETAIL\r\n").await, "CONSTANT\r\n");
    assert_eq!(
        ask(&mut port, "PRGM, END, HOLD\r\n").await,
        "NA:CONT NOT READY-2\r\n",
        "no program runs any more"
    );

    // CONST ends in constant mode at the constant set point; STANDBY and OFF stop.
    for (end, mode) in [
        ("CONST", ChamberMode::Constant),
        ("STANDBY", ChamberMode::Standby),
        ("OFF", ChamberMode::Off),
    ] {
        assert_eq!(ask(&mut port, run).await, format!("OK:{run}"));
        let command = format!("PRGM, END, {end}\r\n");
        assert_eq!(ask(&mut port, &command).await, format!("OK:{command}"));
        assert_eq!(sim.state().mode, mode, "{end}");
    }
    assert_eq!(
        ask(&mut port, "PRGM, END, WARP\r\n").await,
        "NA:PARA ERR\r\n"
    );
}
