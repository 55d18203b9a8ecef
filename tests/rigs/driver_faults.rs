//! Issue 7, driver faults 2–5: each reproduced on a real pty with a scripted misbehaving peer;
//! the driver opens the pty's slave path exactly as it would open `/dev/ttyUSB0`.
//!
//! - late Modbus replies are discarded, never read as the next request's answer;
//! - a late ASCII reply is drained before the retry;
//! - teardown sends the stop even when reads fail;
//! - a gap names its real cause (CRC mismatch with the bytes, wrong slave, truncated, noise).

use crate::modbus_support;
use crate::rig_support::spawn_pty_peer;

use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;

use crate::modbus_peer::{PeerFault, RegisterPeer};
use facebench::clock::SimClock;
use facebench::plan::rig_step::{ChamberProfile, ConstantProfile, ProfileKind};
use facebench::rig::chamber::watlow_f4::{self, regs, WatlowF4Options};
use facebench::rig::link::LinkPolicy;
use facebench::rig::modbus::crc::rtu_frame;
use facebench::rig::modbus::open_driver;
use facebench::rig::wire_log::WireLog;
use facebench::rig::{open_chamber, Chamber, RigError};
use facebench::runner::rigs::chamber::{self, MAX_CONSECUTIVE_GAPS};
use facebench::runner::rigs::{RigSet, StepContext, StepError};
use facebench::station::{parse_station, SafeState};
use modbus_support::PtyPeer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The per-attempt timeout of the ASCII tests.
const ASCII_TIMEOUT: Duration = Duration::from_millis(150);

/// One scripted answer: the reply bytes and how long to wait before sending them.
type Answer = Option<(Vec<u8>, Duration)>;

/// A line peer on a pty in a thread of its own: `script` gets each request line and how many
/// times that same line came before. Returns the slave's path and a receiver of the lines seen.
fn ascii_peer(script: fn(&str, usize) -> Answer) -> (String, mpsc::Receiver<String>) {
    let (lines_tx, lines_rx) = mpsc::channel();
    let path = spawn_pty_peer(move |master| async move {
        let (read, mut write) = tokio::io::split(master);
        let mut read = BufReader::new(read);
        let mut seen: Vec<String> = Vec::new();
        loop {
            let mut line = String::new();
            match read.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end().to_string();
            let before = seen.iter().filter(|l| **l == line).count();
            seen.push(line.clone());
            if lines_tx.send(line.clone()).is_err() {
                return;
            }
            if let Some((reply, delay)) = script(&line, before) {
                tokio::time::sleep(delay).await;
                if write.write_all(&reply).await.is_err() {
                    return;
                }
            }
        }
    });
    (path, lines_rx)
}

/// An ESPEC chamber on `path` with the short test timeout and `retries`.
fn espec_on(path: &str, retries: u32) -> Box<dyn Chamber> {
    let text = format!(
        "[chamber]\nprotocol = \"espec\"\nport = \"{path}\"\nbaud = 9600\ntimeout_ms = {}\n\
         retries = {retries}\n",
        ASCII_TIMEOUT.as_millis()
    );
    let station = parse_station(&text, "pty", "pty").unwrap();
    open_chamber(&station.chamber.as_ref().unwrap().spec, None).unwrap()
}

/// Late ASCII replies (issue 7, fault 3): the first `MON?` is answered 1.3× the timeout late.
fn late_first_monitor(line: &str, before: usize) -> Answer {
    let now = Duration::ZERO;
    match (line, before) {
        ("MON?", 0) => Some((b"70.1,,CONSTANT,0\r\n".to_vec(), ASCII_TIMEOUT * 13 / 10)),
        ("MON?", n) => Some((format!("70.{},,CONSTANT,0\r\n", n + 1).into_bytes(), now)),
        ("TEMP?", _) => Some((b"70.9,80.0,100.0,-50.0\r\n".to_vec(), now)),
        _ => None,
    }
}

#[test]
fn late_ascii_reply_is_drained_before_the_retry() {
    let (path, lines) = ascii_peer(late_first_monitor);
    let mut chamber = espec_on(&path, 2);

    let first = chamber.read().unwrap();
    // The retry's own answer (70.2), not the late one; TEMP? got its own reply, not a MON? line.
    assert_eq!((first.temp_pv, first.temp_sp), (70.2, 80.0));
    let second = chamber.read().unwrap();
    assert_eq!((second.temp_pv, second.temp_sp), (70.3, 80.0));

    let seen: Vec<String> = lines.try_iter().collect();
    assert_eq!(seen, ["MON?", "MON?", "TEMP?", "MON?", "TEMP?"]);
}

#[test]
fn late_ascii_reply_without_retries_is_not_the_next_answer() {
    let (path, _lines) = ascii_peer(late_first_monitor);
    let mut chamber = espec_on(&path, 0);
    let error = chamber.read().unwrap_err();
    assert!(matches!(error, RigError::Timeout { .. }), "{error}");
    let reading = chamber.read().unwrap();
    assert_eq!((reading.temp_pv, reading.temp_sp), (70.2, 80.0));
}

/// The per-attempt timeout of the Modbus late-reply tests.
const LATE_TIMEOUT: Duration = Duration::from_millis(250);

/// The Modbus policy of the late-reply tests: 250 ms per attempt, `retries`, 100 ms of silence
/// ending a late reply.
fn late_policy(retries: u32) -> LinkPolicy {
    LinkPolicy {
        timeout: Some(LATE_TIMEOUT),
        retries,
        settle: Duration::from_millis(100),
        ..modbus_support::fast_policy()
    }
}

/// Serves `peer` on a pty and returns a Modbus client that opened the slave path, with its
/// runtime and `policy`, logging the wire to `log`.
fn modbus_on_pty(
    pty: &mut PtyPeer,
    peer: &RegisterPeer,
    policy: LinkPolicy,
    log: Option<WireLog>,
) -> (
    tokio::runtime::Runtime,
    facebench::rig::modbus::ModbusClient,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut target = pty.target(1);
    target.policy = policy;
    let client = runtime.block_on(target.connect(log)).unwrap();
    pty.serve(peer);
    (runtime, client)
}

#[test]
fn late_modbus_reply_is_discarded_and_the_next_read_is_right() {
    let peer = RegisterPeer::new(1);
    peer.set(100, &[111]);
    peer.set(300, &[333]);
    let policy = late_policy(0);
    peer.fail_next(PeerFault::Delay(LATE_TIMEOUT * 13 / 10));
    let dir = tempfile::tempdir().unwrap();
    let log = WireLog::create(dir.path(), "chamber", "pty").unwrap();
    let mut pty = PtyPeer::new();
    let (runtime, mut client) = modbus_on_pty(&mut pty, &peer, policy, Some(log));

    let first = runtime.block_on(client.read_holding("PV", 100, 1));
    assert!(
        matches!(first, Err(ref e) if e.to_string().contains("no reply to `FC03 read 1 register(s) at 100")),
        "{first:?}"
    );
    // Same shape of reply, other register: only discarding the late frame tells them apart.
    let second = runtime.block_on(client.read_holding("SP", 300, 1)).unwrap();
    assert_eq!(second, vec![333]);
    let third = runtime.block_on(client.read_holding("PV", 100, 1)).unwrap();
    assert_eq!(third, vec![111]);

    // Closing the client closes its wire log, which writes out what is queued.
    drop(client);
    let wire = std::fs::read_to_string(dir.path().join("wire-chamber.log")).unwrap();
    assert!(
        wire.contains("discarded late reply to the previous attempt [01 03 02 00 6F"),
        "{wire}"
    );
}

#[test]
fn a_reply_later_than_the_listening_window_is_caught_by_the_reply_behind_it() {
    let peer = RegisterPeer::new(1);
    peer.set(100, &[111]);
    peer.set(300, &[333]);
    let policy = late_policy(0);
    // Past the timeout and the whole window listened after it: it lands after the next request
    // went out, and the (sequential) peer answers that request right behind it.
    peer.fail_next(PeerFault::Delay(LATE_TIMEOUT * 23 / 10));
    let dir = tempfile::tempdir().unwrap();
    let log = WireLog::create(dir.path(), "chamber", "pty").unwrap();
    let mut pty = PtyPeer::new();
    let (runtime, mut client) = modbus_on_pty(&mut pty, &peer, policy, Some(log));
    assert!(runtime.block_on(client.read_holding("PV", 100, 1)).is_err());
    assert_eq!(
        runtime.block_on(client.read_holding("SP", 300, 1)).unwrap(),
        vec![333]
    );
    // Closing the client closes its wire log, which writes out what is queued.
    drop(client);
    let wire = std::fs::read_to_string(dir.path().join("wire-chamber.log")).unwrap();
    assert!(
        wire.contains("a late reply to an earlier request, followed by the real one"),
        "{wire}"
    );
}

#[test]
fn late_modbus_reply_with_a_retry_gives_each_read_its_own_value() {
    let peer = RegisterPeer::new(1);
    peer.set(100, &[111]);
    peer.set(300, &[333]);
    let policy = late_policy(1);
    peer.fail_next(PeerFault::Delay(LATE_TIMEOUT * 13 / 10));
    let mut pty = PtyPeer::new();
    let (runtime, mut client) = modbus_on_pty(&mut pty, &peer, policy, None);
    assert_eq!(
        runtime.block_on(client.read_holding("PV", 100, 1)).unwrap(),
        vec![111]
    );
    assert_eq!(
        runtime.block_on(client.read_holding("SP", 300, 1)).unwrap(),
        vec![333]
    );
    assert_eq!(peer.requests().len(), 3, "PV, its retry, SP");
}

#[test]
fn a_mismatched_modbus_frame_is_discarded_and_the_real_reply_used() {
    let peer = RegisterPeer::new(1);
    peer.set(10, &[7, 8]);
    // A stale one-register reply, then (well inside the timeout) nothing more: the peer's Raw
    // fault replaces the real answer, so the retry must fetch it.
    peer.fail_next(PeerFault::Raw(rtu_frame(1, &[0x03, 0x02, 0x00, 0x6F])));
    let mut pty = PtyPeer::new();
    let (runtime, mut client) = modbus_on_pty(&mut pty, &peer, late_policy(1), None);
    assert_eq!(
        runtime
            .block_on(client.read_holding("pair", 10, 2))
            .unwrap(),
        vec![7, 8]
    );
}

/// A Watlow F4 in °C with one decimal, no humidity loop, on a pty; `fault` on input 1 PV.
fn f4_with_pv_fault(fault: PeerFault) -> (PtyPeer, RegisterPeer, Box<dyn Chamber>) {
    let peer = RegisterPeer::new(1).strict();
    peer.set(regs::MODEL_ID, &[regs::MODEL_F4]);
    peer.set(regs::PV_INPUT1, &[215]);
    peer.set(regs::SP_LOOP1, &[230]);
    peer.set(regs::PROFILE_STATE, &[0]);
    peer.fail_at(regs::PV_INPUT1, fault);
    let mut pty = PtyPeer::new();
    // One attempt per read: every gap waits out the timeout after the faulty frame.
    let mut target = pty.target(1);
    target.policy.retries = 0;
    let chamber = Box::new(
        open_driver(&target, None, |c| {
            watlow_f4::WatlowF4::attach(c, WatlowF4Options::default())
        })
        .unwrap(),
    );
    pty.serve(&peer);
    (pty, peer, chamber)
}

/// The text the runner records for a failed poll (`gap: {error}` in the series file).
fn gap_text(fault: PeerFault) -> String {
    let (_pty, _peer, mut chamber) = f4_with_pv_fault(fault);
    let error = chamber.read().unwrap_err();
    assert!(error.is_link_fault(), "{error}");
    format!("gap: {error}")
}

#[test]
fn gap_from_a_bad_crc_names_the_crc_and_the_bytes() {
    let text = gap_text(PeerFault::BadCrc);
    // 21.5 °C is 0x00D7; the CRC's low byte is flipped by the peer.
    assert!(text.contains("CRC mismatch"), "{text}");
    assert!(text.contains("got [01 03 02 00 D7 "), "{text}");
    assert!(text.contains("at 100 (input 1 PV)"), "{text}");
    assert!(!text.contains("no reply"), "{text}");
}

#[test]
fn the_runner_records_each_gap_with_its_cause_in_the_series() {
    let (_pty, _peer, mut chamber) = f4_with_pv_fault(PeerFault::BadCrc);
    let profile = ChamberProfile {
        kind: ProfileKind::Constant(ConstantProfile {
            start_c: Some(23.0),
            setpoint_c: 40.0,
            ramp_k_per_min: None,
            dwell_h: 1.0,
            rh_percent: None,
            humidity_ramp_h: None,
            settle_min: 5.0,
            settle_timeout_h: 1.0,
            return_c: None,
        }),
        log_interval_s: 60.0,
        dut_powered: false,
        tolerance_k: 2.0,
        record_all: false,
    };
    let dir = tempfile::tempdir().unwrap();
    let clock = SimClock::starting_at(chrono::Utc::now());
    let stop = AtomicBool::new(false);
    let ctx = StepContext {
        clock: &clock,
        series_dir: dir.path(),
        item: "CLM-T",
        sample: None,
        stop: &stop,
    };
    let error = chamber::run_profile(chamber.as_mut(), &profile, ctx).unwrap_err();
    assert!(
        matches!(error, StepError::Rig(RigError::Garbled { .. })),
        "{error}"
    );
    let series = std::fs::read_to_string(dir.path().join("CLM-T/chamber.csv")).unwrap();
    let gaps: Vec<&str> = series.lines().filter(|l| l.contains("gap: ")).collect();
    assert_eq!(gaps.len(), MAX_CONSECUTIVE_GAPS as usize, "{series}");
    for row in gaps {
        assert!(row.contains("CRC mismatch"), "{row}");
        assert!(row.contains("[01 03 02 00 D7 "), "{row}");
    }
}

#[test]
fn gap_from_a_wrong_slave_names_both_addresses() {
    let text = gap_text(PeerFault::Raw(rtu_frame(7, &[0x03, 0x02, 0x00, 0xD7])));
    assert!(
        text.contains("reply from slave 7, expected slave 1"),
        "{text}"
    );
    assert!(text.contains("got [07 03 02 00 D7"), "{text}");
}

#[test]
fn gap_from_a_truncated_frame_says_how_short() {
    let frame = rtu_frame(1, &[0x03, 0x02, 0x00, 0xD7]);
    let text = gap_text(PeerFault::Raw(frame[..4].to_vec()));
    assert!(text.contains("truncated frame: 4 of 7 bytes"), "{text}");
    assert!(text.contains("got [01 03 02 00]"), "{text}");
}

#[test]
fn gap_from_line_noise_is_called_noise() {
    let text = gap_text(PeerFault::Raw(vec![0xFF, 0x00, 0xFE, 0x55, 0xAA]));
    assert!(text.contains("line noise, no Modbus frame"), "{text}");
    assert!(text.contains("got [FF 00 FE 55 AA]"), "{text}");
}

#[test]
fn gap_from_silence_is_still_a_timeout() {
    let text = gap_text(PeerFault::Silent);
    assert!(text.contains("no reply to"), "{text}");
}

/// Teardown (issue 7, fault 4): every `MON?` goes unanswered; setters are acknowledged.
fn unreadable_chamber(line: &str, _before: usize) -> Answer {
    match line {
        "MON?" | "TEMP?" => None,
        command => Some((format!("OK: {command}\r\n").into_bytes(), Duration::ZERO)),
    }
}

#[test]
fn teardown_sends_the_stop_even_when_reads_fail() {
    let (path, lines) = ascii_peer(unreadable_chamber);
    let mut rigs = RigSet {
        chamber: Some(espec_on(&path, 0)),
        safe_state: Some(SafeState::Setpoint {
            celsius: 23.0,
            then_stop: true,
        }),
        ..RigSet::none()
    };
    let clock = SimClock::starting_at(chrono::Utc::now());
    let error = rigs.make_safe(&clock, 1.0).unwrap_err();
    assert!(error.to_string().contains("MON?"), "{error}");

    let seen: Vec<String> = lines.try_iter().collect();
    assert_eq!(
        seen.first().map(String::as_str),
        Some("TEMP, S23.0"),
        "{seen:?}"
    );
    assert!(seen.contains(&"MODE, CONSTANT".to_string()), "{seen:?}");
    assert_eq!(
        seen.last().map(String::as_str),
        Some("MODE, STANDBY"),
        "the stop arrives after the failed reads: {seen:?}"
    );
    let reads = seen.iter().filter(|l| *l == "MON?").count();
    assert!((1..=5).contains(&reads), "{seen:?}");
}
