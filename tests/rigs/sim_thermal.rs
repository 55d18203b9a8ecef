//! The SCPI thermocouple-logger simulator over TCP.

use crate::sim_support;

use std::time::Duration;

use facebench::sim::{SimOptions, SimThermalLogger};
use sim_support::{ask, exchange, line, sim_clock};

#[tokio::test]
async fn readings_rise_to_steady_state_and_open_channels_read_overload() {
    let clock = sim_clock();
    let sim = SimThermalLogger::spawn(3, SimOptions::tcp(clock.clone(), 0)).unwrap();
    let mut tcp = tokio::net::TcpStream::connect(sim.addr().unwrap())
        .await
        .unwrap();
    assert_eq!(
        ask(&mut tcp, "*IDN?\n").await,
        "FACEBENCH,SIM34970A,SIM00001,1.0-1.0-1.0\n"
    );
    assert_eq!(
        ask(&mut tcp, "MEAS:TEMP? TC,K,(@101:102)\n").await,
        "+2.50000000E+01,+2.50000000E+01\n"
    );
    clock.advance(Duration::from_secs(24 * 3600));
    let silent = exchange(
        &mut tcp,
        b"ROUT:SCAN (@101:103)\n",
        Duration::from_millis(100),
        line,
    )
    .await;
    assert!(silent.is_empty());
    assert_eq!(ask(&mut tcp, "ROUT:SCAN?\n").await, "(@101,102,103)\n");
    assert_eq!(
        ask(&mut tcp, "READ?\n").await,
        "+3.00000000E+01,+3.30000000E+01,+3.60000000E+01\n"
    );
    sim.with_model(|m| m.channels[1].open = true);
    assert_eq!(
        ask(&mut tcp, "READ?\n").await,
        "+3.00000000E+01,+9.90000000E+37,+3.60000000E+01\n"
    );
    // A channel that does not exist: no reply, an error in the queue.
    let silent = exchange(
        &mut tcp,
        b"MEAS:TEMP? TC,K,(@150)\n",
        Duration::from_millis(100),
        line,
    )
    .await;
    assert!(silent.is_empty());
    assert_eq!(
        ask(&mut tcp, "SYST:ERR?\n").await,
        "-222,\"Data out of range\"\n"
    );
    assert_eq!(ask(&mut tcp, "SYST:ERR?\n").await, "+0,\"No error\"\n");
    // Several units in one message, replies joined by `;`.
    assert_eq!(
        ask(
            &mut tcp,
            "CONF:TEMP TC,K,(@101);:ROUT:SCAN (@101);*OPC?;READ?\n"
        )
        .await,
        "1;+3.00000000E+01\n"
    );
}

#[tokio::test]
async fn spaced_parameters_resolution_and_ieee_488_status_on_a_pty() {
    let sim = SimThermalLogger::spawn(3, SimOptions::pty(sim_clock())).unwrap();
    let mut port = sim_support::open_pty(&sim.path().unwrap());
    let three = "+2.50000000E+01,+2.50000000E+01,+2.50000000E+01\n";
    assert_eq!(
        ask(&mut port, "MEAS:TEMP? TC, K, (@101:103)\n").await,
        three
    );
    assert_eq!(
        ask(&mut port, "MEAS:TEMP? TC,K,1,DEF,(@101)\n").await,
        "+2.50000000E+01\n"
    );
    assert_eq!(
        ask(&mut port, "CONF:TEMP TC, K, 1, 0.1, (@101:103);READ?\n").await,
        three
    );
    // Clean status first.
    assert_eq!(ask(&mut port, "*ESR?\n").await, "0\n");
    assert_eq!(ask(&mut port, "*STB?\n").await, "0\n");
    // A command error and an execution error set their event bits and fill the queue.
    let quiet = exchange(&mut port, b"BOGUS\n", Duration::from_millis(100), line).await;
    assert!(quiet.is_empty());
    let quiet = exchange(
        &mut port,
        b"MEAS:TEMP? TC,K,(@109)\n",
        Duration::from_millis(100),
        line,
    )
    .await;
    assert!(quiet.is_empty());
    assert_eq!(ask(&mut port, "*STB?\n").await, "4\n", "error queue bit");
    let quiet = exchange(&mut port, b"*ESE 32\n", Duration::from_millis(100), line).await;
    assert!(quiet.is_empty());
    assert_eq!(ask(&mut port, "*ESE?\n").await, "32\n");
    assert_eq!(
        ask(&mut port, "*STB?\n").await,
        "36\n",
        "queue and event summary"
    );
    assert_eq!(
        ask(&mut port, "*ESR?\n").await,
        "48\n",
        "command + execution"
    );
    assert_eq!(ask(&mut port, "*ESR?\n").await, "0\n", "read clears it");
    assert_eq!(
        ask(&mut port, "SYST:ERR?\n").await,
        "-113,\"Undefined header\"\n"
    );
    let quiet = exchange(&mut port, b"*CLS\n", Duration::from_millis(100), line).await;
    assert!(quiet.is_empty());
    assert_eq!(ask(&mut port, "*STB?\n").await, "0\n");
    assert_eq!(ask(&mut port, "SYST:ERR?\n").await, "+0,\"No error\"\n");
}
