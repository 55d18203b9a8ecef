//! `facebench sim …` as a user runs it: it prints where to connect and serves until stopped.

use crate::sim_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use sim_support::ask;

#[tokio::test]
async fn sim_thermal_prints_its_address_and_answers_there() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_facebench"))
        .args([
            "sim",
            "thermal",
            "--tcp",
            "0",
            "--channels",
            "2",
            "--fault",
            "sensor=102",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Keep stdout open for the whole test: the simulator prints more lines.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let addr = first
        .trim()
        .strip_prefix("tcp: ")
        .unwrap_or_else(|| panic!("{first:?}"))
        .to_string();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let reply = ask(&mut tcp, "MEAS:TEMP? TC,K,(@101:102)\n").await;
    child.kill().unwrap();
    let _ = child.wait();
    drop(stdout);
    assert!(reply.ends_with(",+9.90000000E+37\n"), "{reply:?}");
}

/// Starts `facebench sim ARGS…` and returns it with its first line (where it listens).
fn start(
    args: &[&str],
) -> (
    std::process::Child,
    BufReader<std::process::ChildStdout>,
    String,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_facebench"))
        .arg("sim")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    (child, stdout, first.trim().to_string())
}

#[tokio::test]
async fn a_lone_sim_chamber_runs_constant_at_ambient_and_follows_a_new_set_point() {
    let (mut child, stdout, first) = start(&[
        "chamber",
        "--protocol",
        "espec",
        "--tcp",
        "0",
        "--speed",
        "600",
    ]);
    let addr = first
        .strip_prefix("tcp: ")
        .unwrap_or_else(|| panic!("{first:?}"));
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mode = ask(&mut tcp, "MODE?\r\n").await;
    let before = ask(&mut tcp, "TEMP?\r\n").await;
    let ack = ask(&mut tcp, "TEMP, S40.0\r\n").await;
    // 600x: half a real second is five simulated minutes, 15 K at +3 K/min.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after = ask(&mut tcp, "TEMP?\r\n").await;
    child.kill().unwrap();
    let _ = child.wait();
    drop(stdout);
    assert_eq!(mode, "CONSTANT\r\n");
    assert!(before.starts_with("23.0,23.0,"), "{before:?}");
    assert_eq!(ack, "OK:TEMP, S40.0\r\n");
    let pv: f64 = after.split(',').next().unwrap().parse().unwrap();
    assert!(pv > 25.0 && pv < 40.0, "{after:?}");
}

#[tokio::test]
async fn a_no_humidity_sim_chamber_refuses_humi_as_a_temperature_only_controller() {
    let (mut child, stdout, first) = start(&[
        "chamber",
        "--protocol",
        "espec",
        "--no-humidity",
        "--tcp",
        "0",
    ]);
    let addr = first
        .strip_prefix("tcp: ")
        .unwrap_or_else(|| panic!("{first:?}"));
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let off = ask(&mut tcp, "HUMI, SOFF\r\n").await;
    let mon = ask(&mut tcp, "MON?\r\n").await;
    child.kill().unwrap();
    let _ = child.wait();
    drop(stdout);
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
