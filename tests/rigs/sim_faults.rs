//! Every fault flag produces its wire behaviour; unplug and replug re-create the link path.

use crate::sim_support;

use std::time::{Duration, Instant};

use facebench::rig::chamber::temi_pclink::frame::checksum;
use facebench::rig::chamber::ChamberProtocol;
use facebench::sim::{FaultPlan, Serve, SimChamber, SimOptions, SimThermalLogger};
use sim_support::{
    ask, exchange, has_len, line, open_pty, pclink_frame as frame, sim_clock, with_crc,
};

fn with_faults(mut opts: SimOptions, specs: &[&str]) -> SimOptions {
    opts.faults = FaultPlan {
        seed: 42,
        specs: specs.iter().map(|s| s.parse().unwrap()).collect(),
    };
    opts
}

/// A simulated `protocol` chamber with `faults` on a pty (serving while the first value is
/// held), and the port opened on it.
fn faulty_chamber(
    protocol: ChamberProtocol,
    faults: &[&str],
) -> (impl Sized, tokio_serial::SerialStream) {
    let opts = with_faults(SimOptions::pty(sim_clock()), faults);
    let sim = SimChamber::spawn(protocol, opts).unwrap();
    let port = open_pty(&sim.path().unwrap());
    (sim, port)
}

/// The PC-Link reply to the frame with `body`.
async fn pclink_reply(port: &mut tokio_serial::SerialStream, body: &str) -> Vec<u8> {
    exchange(port, &frame(body), Duration::from_secs(2), line).await
}

#[tokio::test]
async fn no_reply_delay_and_garble_on_espec() {
    let (_sim, mut port) = faulty_chamber(
        ChamberProtocol::Espec,
        &["no-reply@1", "delay=300ms@2", "garble@3"],
    );
    let silent = exchange(&mut port, b"MODE?\r\n", Duration::from_millis(300), line).await;
    assert!(silent.is_empty(), "{silent:?}");
    let started = Instant::now();
    assert_eq!(ask(&mut port, "MODE?\r\n").await, "STANDBY\r\n");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let garbled = ask(&mut port, "MODE?\r\n").await;
    assert_ne!(garbled, "STANDBY\r\n");
    assert_eq!(garbled.len(), "STANDBY\r\n".len());
    assert!(garbled.ends_with("\r\n"));
    assert_eq!(ask(&mut port, "MODE?\r\n").await, "STANDBY\r\n");
}

#[tokio::test]
async fn refusals_and_sensor_faults_speak_each_protocol() {
    let (_sim, mut port) = faulty_chamber(
        ChamberProtocol::Espec,
        &["refuse@1", "refuse=PROTECT ON@2", "sensor@3"],
    );
    assert_eq!(ask(&mut port, "TEMP, S30\r\n").await, "NA:INVALID REQ\r\n");
    assert_eq!(ask(&mut port, "TEMP, S30\r\n").await, "NA:PROTECT ON\r\n");
    assert_eq!(
        ask(&mut port, "TEMP?\r\n").await,
        "999.9,23.0,155.0,-45.0\r\n"
    );
    assert_eq!(
        ask(&mut port, "TEMP?\r\n").await,
        "23.0,23.0,155.0,-45.0\r\n"
    );

    let (_sim, mut port) = faulty_chamber(ChamberProtocol::TemiPclink, &["refuse=08@1"]);
    let reply = pclink_reply(&mut port, "01RSD,01,0001").await;
    assert_eq!(reply, frame("01RSD,NG,08"));

    let (_sim, mut port) = faulty_chamber(ChamberProtocol::WatlowF4, &["refuse@1", "refuse=04@2"]);
    let read = with_crc(&[0x01, 0x03, 0x00, 0x64, 0x00, 0x01]);
    let reply = exchange(&mut port, &read, Duration::from_secs(2), has_len(5)).await;
    assert_eq!(reply, with_crc(&[0x01, 0x83, 0x06]));
    let reply = exchange(&mut port, &read, Duration::from_secs(2), has_len(5)).await;
    assert_eq!(reply, with_crc(&[0x01, 0x83, 0x04]));

    let opts = with_faults(SimOptions::tcp(sim_clock(), 0), &["sensor=102"]);
    let sim = SimThermalLogger::spawn(3, opts).unwrap();
    let mut tcp = tokio::net::TcpStream::connect(sim.addr().unwrap())
        .await
        .unwrap();
    assert_eq!(
        ask(&mut tcp, "MEAS:TEMP? TC,K,(@101:102)\n").await,
        "+2.50000000E+01,+9.90000000E+37\n"
    );
}

#[tokio::test]
async fn bad_checksums_break_only_the_checksum() {
    let (_sim, mut port) = faulty_chamber(ChamberProtocol::TemiPclink, &["bad-checksum@1"]);
    let reply = pclink_reply(&mut port, "01RSD,01,0001").await;
    let body = b"01RSD,OK,00E6";
    assert_eq!(
        &reply[..1 + body.len()],
        [b"\x02".as_slice(), body].concat().as_slice()
    );
    assert_ne!(
        &reply[1 + body.len()..reply.len() - 2],
        format!("{:02X}", checksum(body)).as_bytes()
    );
    assert!(reply.ends_with(b"\r\n"));

    let (_sim, mut port) = faulty_chamber(ChamberProtocol::WatlowF4, &["bad-crc@1"]);
    let read = with_crc(&[0x01, 0x03, 0x00, 0x64, 0x00, 0x01]);
    let good = with_crc(&[0x01, 0x03, 0x02, 0x00, 0xE6]);
    let reply = exchange(&mut port, &read, Duration::from_secs(2), has_len(7)).await;
    assert_eq!(reply[..5], good[..5]);
    assert_ne!(reply[5..], good[5..]);
    let reply = exchange(&mut port, &read, Duration::from_secs(2), has_len(7)).await;
    assert_eq!(reply, good);
}

fn wait_for_link(link: &std::path::Path) -> std::path::PathBuf {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(target) = std::fs::read_link(link) {
            return target;
        }
        assert!(Instant::now() < deadline, "link {link:?} did not come back");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[tokio::test]
async fn an_unplug_fault_drops_the_pty_and_a_new_one_appears_behind_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("usb-ESPEC_SIM-if00");
    let mut opts = with_faults(SimOptions::pty(sim_clock()), &["unplug=300ms@2"]);
    opts.serve = Serve::Pty {
        link: Some(link.clone()),
    };
    let sim = SimChamber::spawn(ChamberProtocol::Espec, opts).unwrap();
    let first = wait_for_link(&link);
    assert_eq!(Some(first.clone()), sim.path());
    let mut port = open_pty(&link);
    assert_eq!(ask(&mut port, "MODE?\r\n").await, "STANDBY\r\n");
    let gone = exchange(&mut port, b"MODE?\r\n", Duration::from_millis(200), line).await;
    assert!(gone.is_empty());
    drop(port);
    // The new pty may reuse the old one's number once that is freed, so wait for the link to
    // answer again rather than for a different target.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let second = wait_for_link(&link);
        assert!(second.starts_with("/dev/pts"));
        // The old link may still point at the closed pty for a moment: retry until it answers.
        let builder = tokio_serial::new(link.to_string_lossy(), 9600);
        if let Ok(mut port) = tokio_serial::SerialStream::open(&builder) {
            let reply = exchange(&mut port, b"MODE?\r\n", Duration::from_millis(300), line).await;
            if reply == b"STANDBY\r\n" {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the replugged link never answered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn handle_unplug_and_replug_recreate_the_link_and_drop_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("chamber");
    let mut opts = SimOptions::pty(sim_clock());
    opts.serve = Serve::Pty {
        link: Some(link.clone()),
    };
    let sim = SimChamber::spawn(ChamberProtocol::Espec, opts).unwrap();
    let first = std::fs::read_link(&link).unwrap();
    assert_eq!(Some(first), sim.path());
    sim.unplug().unwrap();
    assert!(sim.path().is_none());
    assert!(std::fs::symlink_metadata(&link).is_err());
    sim.replug().unwrap();
    let second = std::fs::read_link(&link).unwrap();
    assert_eq!(Some(second.clone()), sim.path());
    assert!(second.exists());
    drop(sim);
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "link left behind"
    );
}

#[test]
fn a_real_file_at_the_link_path_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("precious");
    std::fs::write(&link, b"keep").unwrap();
    let mut opts = SimOptions::pty(sim_clock());
    opts.serve = Serve::Pty {
        link: Some(link.clone()),
    };
    let err = SimChamber::spawn(ChamberProtocol::Espec, opts).unwrap_err();
    assert!(err.to_string().contains("not a symlink"), "{err}");
    assert_eq!(std::fs::read(&link).unwrap(), b"keep");
}
