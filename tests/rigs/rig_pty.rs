//! The real serial path: a pty pair stands in for a USB adapter, the scripted instrument owns
//! the master, and the driver opens the slave by **path** through the station and registry,
//! exactly as it would open `/dev/ttyUSB0`.

use crate::rig_support;

use facebench::rig::{open_chamber, ChamberMode, RigError};
use facebench::station::parse_station;
use rig_support::{seen_text, serve, spawn_pty_peer, Seen};

/// Starts a pty pair in a thread of its own; returns the slave's path and the request record.
fn pty_peer(answer: fn(&[u8]) -> Option<Vec<u8>>) -> (String, Seen) {
    let seen = Seen::default();
    let record = seen.clone();
    let path = spawn_pty_peer(move |master| serve(master, record, answer));
    (path, seen)
}

fn espec(line: &[u8]) -> Option<Vec<u8>> {
    match line {
        b"MON?\r\n" => Some(b"-10.2,,CONSTANT,0\r\n".to_vec()),
        b"TEMP?\r\n" => Some(b"-10.2,-10.0,100.0,-50.0\r\n".to_vec()),
        b"TEMP, S-10.0\r\n" => Some(b"OK: TEMP, S-10.0\r\n".to_vec()),
        _ => None,
    }
}

#[test]
fn espec_driver_over_a_pty_slave_path() {
    let (path, seen) = pty_peer(espec);
    assert!(path.starts_with("/dev/"), "{path}");
    let text = format!(
        "[chamber]\nprotocol = \"espec\"\nport = \"{path}\"\nbaud = 9600\ntimeout_ms = 500\nretries = 0\n"
    );
    let station = parse_station(&text, "pty", "pty").unwrap();
    let mut chamber = open_chamber(&station.chamber.as_ref().unwrap().spec, None).unwrap();
    chamber.set_temperature(-10.0).unwrap();
    let reading = chamber.read().unwrap();
    assert_eq!(reading.temp_pv, -10.2);
    assert_eq!(reading.temp_sp, -10.0);
    assert_eq!(reading.mode, ChamberMode::Constant);
    let silent = chamber.alarms().unwrap_err();
    assert!(
        matches!(&silent, RigError::Timeout { port, command, .. } if port == &path && command == "ALARM?"),
        "{silent}"
    );
    assert_eq!(
        seen_text(&seen),
        vec!["TEMP, S-10.0\r\n", "MON?\r\n", "TEMP?\r\n", "ALARM?\r\n"]
    );
}
