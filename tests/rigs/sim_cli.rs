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
