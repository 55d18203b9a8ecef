//! `facebench factory` against simulated Android terminals over adb and the synthetic camera:
//! pass, label ≠ device SN, bad SN rule, a duplicate SN across restarts, a duplicate camera SN,
//! a unit whose adb link is gone (blocked, and the next unit on the same line passes), and the
//! device list's rows.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use facebench::clock::{Clock, SystemClock};
use facebench::sim::android::{AndroidSimHandle, SimAndroid};

use crate::common::{code, facebench, run, text};

const SN_1: &str = "FBAD120261100017KQ2M9XA";
const SN_2: &str = "FBAD120261100027KQ2M9XB";
const SN_3: &str = "FBAD120261100037KQ2M9XC";
const CAMERA_PROPERTY: &str = "persist.vendor.camera.sn";

/// A terminal with `sn` and camera `camera_sn`, on `addr` (port 0: any).
fn terminal(sn: &str, camera_sn: &str, addr: SocketAddr) -> AndroidSimHandle {
    let mut sim = SimAndroid::new(sn);
    sim.config
        .properties
        .insert(CAMERA_PROPERTY.into(), camera_sn.into());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    sim.spawn(addr, clock).expect("terminal starts")
}

fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A line station reaching the terminal at `addr`, with a short camera check.
fn station(dir: &Path, addr: SocketAddr) -> String {
    let path = dir.join(format!("line-{}.toml", addr.port()));
    std::fs::write(
        &path,
        format!(
            "[line]\nname = \"line-1\"\nmodel = \"FP-200\"\nvendor_code = \"FB\"\nmodel_code = \"D1\"\n\
             device_list = \"devices.csv\"\n\
             [dut]\nconnect = \"{addr}\"\ntimeout_ms = 1000\n\
             [camera_sn]\nproperty = \"{CAMERA_PROPERTY}\"\n\
             [camera]\nsource = \"synthetic:320x240@30/YUYV\"\nduration_s = 0.3\nwarmup_s = 0.05\n\
             min_fps = 25\nmax_first_frame_ms = 1500\n"
        ),
    )
    .expect("station file");
    path.to_str().unwrap().to_string()
}

fn factory(station: &str, sns: &[&str]) -> (i32, String) {
    let mut args = vec!["factory", "--station", station];
    for sn in sns {
        args.extend(["--sn", sn]);
    }
    let output = run(&args);
    let (stdout, stderr) = text(&output);
    (code(&output), format!("{stdout}\n{stderr}"))
}

#[test]
fn every_fault_blocks_its_unit_with_its_reason_and_the_device_list_keeps_every_row() {
    let dir = tempfile::tempdir().expect("dir");
    let first = terminal(SN_1, "CAM-1", any_port());
    let line = station(dir.path(), first.addr());

    let (status, out) = factory(&line, &[SN_1, SN_2, "FBAD1202611"]);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains(&format!("PASS {SN_1}  camera CAM-1")), "{out}");
    assert!(
        out.contains(&format!(
            "device SN {SN_1} differs from the label SN {SN_2}"
        )),
        "{out}"
    );
    assert!(
        out.contains("BLOCKED FBAD1202611") && out.contains("label SN: "),
        "{out}"
    );
    assert!(out.contains("3 units: 1 PASS, 2 BLOCKED"), "{out}");

    // A new shift: the device list is read back, so the same SN passing again is caught.
    let (status, out) = factory(&line, &[SN_1]);
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains(&format!("duplicate: SN {SN_1} already passed ("))
            && out.contains("devices.csv line 2)"),
        "{out}"
    );

    // Another unit whose camera module carries the first unit's camera SN.
    drop(first);
    let second = terminal(SN_2, "CAM-1", any_port());
    let (_, out) = factory(&station(dir.path(), second.addr()), &[SN_2]);
    assert!(
        out.contains(&format!(
            "duplicate: camera SN CAM-1 already passed with unit {SN_1}"
        )),
        "{out}"
    );
    drop(second);

    let rows: Vec<String> = std::fs::read_to_string(dir.path().join("devices.csv"))
        .expect("device list")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        rows[0],
        "sn,camera_sn,model,time_utc,station,result,reasons"
    );
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert!(
        rows[1].starts_with(&format!("{SN_1},CAM-1,FP-200,20"))
            && rows[1].ends_with(",line-1,PASS,"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].starts_with(&format!("{SN_2},CAM-1,FP-200,"))
            && rows[2].contains(",BLOCKED,device SN"),
        "{}",
        rows[2]
    );
    assert!(
        rows[5].starts_with(&format!("{SN_2},CAM-1,"))
            && rows[5].contains("BLOCKED,duplicate: camera SN"),
        "{}",
        rows[5]
    );
}

#[test]
fn a_unit_whose_adb_link_is_gone_is_blocked_and_the_next_unit_passes() {
    let dir = tempfile::tempdir().expect("dir");
    // Take a free port, then leave it closed: the first unit's adb link is refused.
    let addr = terminal(SN_3, "CAM-3", any_port()).addr();
    let line = station(dir.path(), addr);
    let mut child = facebench()
        .args(["factory", "--station", &line])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("factory starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    let mut read_until = |needle: &str, seen: &mut String| {
        let mut line = String::new();
        while !seen.contains(needle) {
            line.clear();
            if stdout.read_line(&mut line).expect("read") == 0 {
                break;
            }
            seen.push_str(&line);
        }
    };
    writeln!(stdin, "{SN_3}").expect("scan");
    // The refused link is the unit's only reason (its camera streams fine).
    read_until("✗ device: ", &mut seen);
    assert!(seen.contains(&format!("BLOCKED {SN_3}")), "{seen}");
    // The unit is plugged in properly; the operator scans it again.
    let back = terminal(SN_3, "CAM-3", addr);
    writeln!(stdin, "{SN_3}").expect("scan");
    drop(stdin);
    let status = child.wait().expect("factory ends");
    read_until("units:", &mut seen);
    drop(back);
    assert!(status.success(), "{seen}");
    assert!(
        seen.contains(&format!("PASS {SN_3}  camera CAM-3")),
        "{seen}"
    );
    assert!(seen.contains("2 units: 1 PASS, 1 BLOCKED"), "{seen}");
}
