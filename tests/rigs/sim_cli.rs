//! `facebench sim …` as a user runs it: it prints where to connect and serves until stopped.

use crate::sim_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use sim_support::ask;

/// A running `facebench sim …`, killed when dropped; its stdout stays open meanwhile (the
/// simulator prints more lines).
struct SimProcess {
    child: std::process::Child,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `facebench sim ARGS…` and connects to the `tcp: ADDRESS` it prints first.
async fn start_tcp(args: &[&str]) -> (SimProcess, tokio::net::TcpStream) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_facebench"))
        .arg("sim")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let sim = SimProcess {
        child,
        _stdout: stdout,
    };
    let addr = first
        .trim()
        .strip_prefix("tcp: ")
        .unwrap_or_else(|| panic!("{first:?}"))
        .to_string();
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    (sim, tcp)
}

#[tokio::test]
async fn sim_thermal_prints_its_address_and_answers_there() {
    let (sim, mut tcp) = start_tcp(&[
        "thermal",
        "--tcp",
        "0",
        "--channels",
        "2",
        "--fault",
        "sensor=102",
    ])
    .await;
    let reply = ask(&mut tcp, "MEAS:TEMP? TC,K,(@101:102)\n").await;
    drop(sim);
    assert!(reply.ends_with(",+9.90000000E+37\n"), "{reply:?}");
}

#[tokio::test]
async fn a_lone_sim_chamber_runs_constant_at_ambient_and_follows_a_new_set_point() {
    let (sim, mut tcp) = start_tcp(&[
        "chamber",
        "--protocol",
        "espec",
        "--tcp",
        "0",
        "--speed",
        "600",
    ])
    .await;
    let mode = ask(&mut tcp, "MODE?\r\n").await;
    let before = ask(&mut tcp, "TEMP?\r\n").await;
    let ack = ask(&mut tcp, "TEMP, S40.0\r\n").await;
    // 600x: half a real second is five simulated minutes, 15 K at +3 K/min.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after = ask(&mut tcp, "TEMP?\r\n").await;
    drop(sim);
    assert_eq!(mode, "CONSTANT\r\n");
    assert!(before.starts_with("23.0,23.0,"), "{before:?}");
    assert_eq!(ack, "OK:TEMP, S40.0\r\n");
    let pv: f64 = after.split(',').next().unwrap().parse().unwrap();
    assert!(pv > 25.0 && pv < 40.0, "{after:?}");
}

#[tokio::test]
async fn a_no_humidity_sim_chamber_refuses_humi_as_a_temperature_only_controller() {
    let (sim, mut tcp) = start_tcp(&[
        "chamber",
        "--protocol",
        "espec",
        "--no-humidity",
        "--tcp",
        "0",
    ])
    .await;
    let off = ask(&mut tcp, "HUMI, SOFF\r\n").await;
    let mon = ask(&mut tcp, "MON?\r\n").await;
    drop(sim);
    assert_eq!(off, "NA:CONT NOT READY-1\r\n");
    assert_eq!(mon, "23.0,,CONSTANT,0\r\n");
}

#[test]
fn bad_fault_flags_are_usage_errors_naming_the_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_facebench"))
        .args(["sim", "chamber", "--protocol", "espec", "--fault", "melt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad fault `melt`"), "{err}");
}
