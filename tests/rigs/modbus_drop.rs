//! Modbus drop rig against a scripted peer that behaves like the generic map's PLC: set-up
//! registers, a command register with sequence numbers, status, busy and refusals.

use crate::modbus_support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::modbus_peer::{store, PeerFault, RegisterPeer};
use facebench::rig::drop::modbus::{regs, DropLimits, ModbusDropRig};
use facebench::rig::drop::{DropSetup, DropState, Orientation};
use facebench::rig::{DropRig, RigError};
use modbus_support::{fast_policy, rtu_client, PtyPeer};

/// A PLC that executes each command sequence number once and counts executions.
fn rig_peer() -> (RegisterPeer, Arc<AtomicU32>) {
    let peer = RegisterPeer::new(1).strict();
    peer.set(regs::MAP_VERSION, &[regs::MAP_VERSION_1, 0, 0, 0b1_1111]);
    peer.set(regs::HEIGHT_SP, &[0; 5]);
    peer.set(regs::COMMAND, &[0, 0, 0]);
    peer.set(regs::ACTUAL_HEIGHT, &[0; 6]);
    let executed = Arc::new(AtomicU32::new(0));
    let counter = executed.clone();
    peer.on_write(Box::new(move |registers, address, values| {
        if address == regs::HEIGHT_SP && values.first().is_some_and(|h| *h > 20_000) {
            return Err(3);
        }
        match (address, values) {
            (regs::COMMAND, [command, seq]) => {
                let done = registers.get(&regs::COMMAND_DONE).copied().unwrap_or(0);
                if *seq != done {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let state = match *command {
                        regs::CMD_START => 4,
                        regs::CMD_ABORT => 0,
                        _ => 0,
                    };
                    registers.insert(regs::STATE, state);
                    store(registers, regs::COMMAND, &[0, *seq, *seq]);
                }
                Ok(())
            }
            _ => {
                store(registers, address, values);
                Ok(())
            }
        }
    }));
    (peer, executed)
}

fn setup() -> DropSetup {
    DropSetup {
        height_mm: 1000.0,
        orientation: Orientation::Corner,
        target_id: "2-3-5".into(),
        count: 10,
        interval_s: 2.5,
    }
}

fn rig(peer: &RegisterPeer) -> ModbusDropRig {
    ModbusDropRig::attach(rtu_client(peer, 1, fast_policy()), DropLimits::default())
        .with_ack_timing(Duration::from_millis(300), Duration::from_millis(5))
}

#[tokio::test]
async fn configure_writes_the_setup_block_in_one_fc16() {
    let (peer, _) = rig_peer();
    let mut rig = rig(&peer);
    rig.configure(&setup()).await.unwrap();
    assert_eq!(
        peer.writes(),
        vec![(regs::HEIGHT_SP, vec![10000, 10, 2, 235, 25])]
    );
}

#[tokio::test]
async fn height_beyond_the_station_limit_is_refused_before_anything_is_sent() {
    let (peer, _) = rig_peer();
    let mut rig = ModbusDropRig::attach(
        rtu_client(&peer, 1, fast_policy()),
        DropLimits {
            height_min_mm: 100.0,
            height_max_mm: 1200.0,
        },
    );
    let error = rig
        .configure(&DropSetup {
            height_mm: 1500.0,
            ..setup()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(error, RigError::Limit { max, .. } if max == 1200.0),
        "{error:?}"
    );
    assert!(peer.requests().is_empty());
}

#[tokio::test]
async fn rig_refusing_a_value_is_a_refusal_naming_exception_03() {
    let (peer, _) = rig_peer();
    let mut rig = rig(&peer);
    let error = rig
        .configure(&DropSetup {
            height_mm: 2500.0,
            ..setup()
        })
        .await
        .unwrap_err();
    let RigError::Refusal { reply, command, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(reply, "exception 03 (illegal data value)");
    assert!(
        command.starts_with("FC16 write 5 register(s) at 10"),
        "{command}"
    );
}

#[tokio::test]
async fn start_sends_command_with_sequence_and_waits_for_acceptance() {
    let (peer, executed) = rig_peer();
    let mut rig = rig(&peer);
    rig.start().await.unwrap();
    rig.abort().await.unwrap();
    let commands: Vec<_> = peer
        .writes()
        .into_iter()
        .filter(|(a, _)| *a == regs::COMMAND)
        .collect();
    assert_eq!(
        commands,
        vec![
            (regs::COMMAND, vec![regs::CMD_START, 1]),
            (regs::COMMAND, vec![regs::CMD_ABORT, 2]),
        ]
    );
    assert_eq!(executed.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_command_whose_reply_was_lost_is_retried_but_executed_once() {
    let (peer, executed) = rig_peer();
    peer.set(regs::COMMAND_DONE, &[41]);
    let mut rig = rig(&peer);
    rig.detailed_status().await.unwrap();
    // The version and status reads come first; lose the reply to the command write only.
    peer.fail_at(regs::COMMAND, PeerFault::LoseReply);
    let outcome = tokio::time::timeout(Duration::from_secs(2), async {
        // Heal the fault once the first command frame is seen, so the retry gets through.
        let healer = peer.clone();
        tokio::spawn(async move {
            while !healer.writes().iter().any(|(a, _)| *a == regs::COMMAND) {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            healer.heal();
        });
        rig.command("start", regs::CMD_START).await
    })
    .await
    .unwrap();
    outcome.unwrap();
    let sent: Vec<_> = peer
        .writes()
        .into_iter()
        .filter(|(a, _)| *a == regs::COMMAND)
        .collect();
    assert_eq!(sent.len(), 2, "the write was retried");
    assert_eq!(sent[0], sent[1], "with the same sequence number");
    assert_eq!(sent[0].1, vec![regs::CMD_START, 42]);
    assert_eq!(executed.load(Ordering::SeqCst), 1, "but executed once");
}

#[tokio::test]
async fn busy_rig_is_retried_then_refused_naming_busy() {
    let (peer, executed) = rig_peer();
    let mut rig = rig(&peer);
    peer.fail_next(PeerFault::Exception(6)); // version read
    rig.detailed_status().await.unwrap();
    peer.fail_at(regs::COMMAND, PeerFault::Exception(6));
    let error = rig.abort().await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("exception 06 (server device busy)"),
        "{error}"
    );
    assert_eq!(executed.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn open_interlock_blocks_start_without_writing() {
    let (peer, _) = rig_peer();
    peer.set(regs::INTERLOCKS, &[0b1_1110]); // door open
    let mut rig = rig(&peer);
    let error = rig.start().await.unwrap_err();
    assert!(matches!(error, RigError::Refusal { .. }), "{error:?}");
    assert!(peer.writes().is_empty());
}

#[tokio::test]
async fn status_decodes_every_register() {
    let (peer, _) = rig_peer();
    peer.set(regs::STATE, &[7, 2, 0b1_1110]);
    peer.set(regs::ACTUAL_HEIGHT, &[9995, 3, 0x0001, 0x0002, 412, 1234]);
    let mut rig = rig(&peer);
    let status = rig.detailed_status().await.unwrap();
    assert_eq!(status.status.state, DropState::Fault);
    assert_eq!(status.status.fault.as_deref(), Some("door open"));
    assert_eq!(status.status.drops_done, 3);
    assert!(!status.status.interlocks.unwrap().door_closed);
    assert_eq!(status.status.actual_height_mm, Some(999.5));
    assert_eq!(status.last_drop_s, 0x0001_0002);
    assert_eq!(status.last_impact, Duration::from_millis(412));
    assert_eq!(status.last_peak_g, 123.4);
}

#[tokio::test]
async fn unknown_state_and_wrong_map_version_are_errors() {
    let (peer, _) = rig_peer();
    peer.set(regs::STATE, &[99]);
    let mut rig = rig(&peer);
    let error = rig.detailed_status().await.unwrap_err();
    let RigError::Garbled { bytes, problem, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(problem, "unknown state 99");
    assert_eq!(&bytes[..2], &[0x00, 0x63]);
    let (peer, _) = rig_peer();
    peer.set(regs::MAP_VERSION, &[0x0200]);
    let mut rig = self::rig(&peer);
    assert!(matches!(
        rig.detailed_status().await,
        Err(RigError::NotSupported { .. })
    ));
}

#[tokio::test]
async fn unaccepted_command_times_out_naming_the_sequence() {
    let peer = RegisterPeer::new(1);
    peer.set(regs::MAP_VERSION, &[regs::MAP_VERSION_1]);
    // No hook: the command is stored but never accepted (register 20 never cleared).
    let mut rig = rig(&peer);
    let error = rig.command("home", regs::CMD_HOME).await.unwrap_err();
    assert!(matches!(error, RigError::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("sequence 1"), "{error}");
}

#[tokio::test]
async fn a_long_command_counts_as_accepted_once_register_20_is_cleared() {
    let peer = RegisterPeer::new(1);
    peer.set(regs::MAP_VERSION, &[regs::MAP_VERSION_1]);
    peer.set(regs::COMMAND, &[0, 0, 0]);
    // Accept (clear 20, keep the sequence in 21) but do not finish: 22 stays 0.
    peer.on_write(Box::new(|registers, address, values| {
        match (address, values) {
            (regs::COMMAND, [_, seq]) => store(registers, regs::COMMAND, &[0, *seq]),
            _ => store(registers, address, values),
        }
        Ok(())
    }));
    let mut rig = rig(&peer);
    rig.command("home", regs::CMD_HOME).await.unwrap();
    assert_eq!(peer.get(regs::COMMAND_DONE), 0);
    assert_eq!(peer.get(regs::COMMAND_SEQ), 1);
}

#[test]
fn blocking_face_over_a_real_pty() {
    let (peer, executed) = rig_peer();
    let mut pty = PtyPeer::new();
    let mut rig: Box<dyn DropRig> =
        facebench::rig::drop::modbus::open(&pty.target(1), DropLimits::default(), None).unwrap();
    pty.serve(&peer);
    rig.configure(&setup()).unwrap();
    rig.start().unwrap();
    let status = rig.status().unwrap();
    assert_eq!(status.state, DropState::Releasing);
    assert_eq!(status.actual_height_mm, Some(0.0));
    assert_eq!(executed.load(Ordering::SeqCst), 1);
    assert_eq!(peer.get(regs::TARGET_ID), 235);
}
