//! The Modbus client against a scripted RTU peer: byte-exact frames, exceptions, busy backoff,
//! timeouts, broken CRCs and late replies.

use crate::modbus_support;

use std::time::Duration;

use crate::modbus_peer::{PeerFault, PeerRequest, RegisterPeer};
use crate::rig_support::{silent_link, FAST_TIMEOUT};
use facebench::rig::modbus::crc::rtu_frame;
use facebench::rig::modbus::{Exception, ModbusError, BUSY_RETRIES};
use facebench::rig::RigError;
use modbus_support::{fast_policy, rtu_client, PORT};

#[tokio::test]
async fn temi_manual_read_and_write_are_byte_exact() {
    let peer = RegisterPeer::new(1);
    peer.set(0, &[0x00FA, 0x03E8]);
    let mut client = rtu_client(&peer, 1, fast_policy());

    let words = client.read_holding("temp PV/SP", 0, 2).await.unwrap();
    assert_eq!(words, vec![250, 1000]);
    client.write_register("pattern", 0x63, 2).await.unwrap();

    assert_eq!(
        peer.frames(),
        vec![
            vec![0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xC4, 0x0B],
            vec![0x01, 0x06, 0x00, 0x63, 0x00, 0x02, 0xF8, 0x15],
        ]
    );
    assert_eq!(peer.get(0x63), 2);
}

#[tokio::test]
async fn write_multiple_sends_fc16_and_checks_the_echo() {
    let peer = RegisterPeer::new(3);
    let mut client = rtu_client(&peer, 3, fast_policy());
    client
        .write_registers("float SP", 2782, &[0x0000, 0x41C8])
        .await
        .unwrap();
    assert_eq!(
        peer.frames(),
        vec![rtu_frame(
            3,
            &[0x10, 0x0A, 0xDE, 0x00, 0x02, 0x04, 0x00, 0x00, 0x41, 0xC8]
        )]
    );
    assert_eq!((peer.get(2782), peer.get(2783)), (0x0000, 0x41C8));
}

#[tokio::test]
async fn exception_reply_is_a_refusal_naming_code_and_register() {
    let peer = RegisterPeer::new(1);
    peer.fail_at(300, PeerFault::Exception(3));
    let mut client = rtu_client(&peer, 1, fast_policy());
    let error = client
        .write_register("loop 1 SP", 300, 9999)
        .await
        .unwrap_err();
    assert_eq!(error.exception(), Some(Exception(3)));
    let rig: RigError = error.into();
    let RigError::Refusal {
        port,
        command,
        reply,
    } = &rig
    else {
        panic!("expected a refusal, got {rig:?}");
    };
    assert_eq!(port, PORT);
    assert_eq!(command, "FC06 write 1 register(s) at 300 (loop 1 SP)");
    assert_eq!(reply, "exception 03 (illegal data value)");
    assert!(!rig.is_link_fault());
    assert_eq!(peer.requests().len(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn busy_is_retried_with_backoff_then_succeeds() {
    let peer = RegisterPeer::new(1);
    peer.set(20, &[0]);
    peer.fail_next(PeerFault::Exception(6));
    peer.fail_next(PeerFault::Exception(6));
    let mut client = rtu_client(&peer, 1, fast_policy());
    client.write_register("command", 20, 1).await.unwrap();
    assert_eq!(peer.writes().len(), 3);
    assert_eq!(peer.get(20), 1);
}

#[tokio::test]
async fn busy_beyond_the_retries_is_a_refusal_naming_busy() {
    let peer = RegisterPeer::new(1);
    peer.fail_at(20, PeerFault::Exception(6));
    let mut client = rtu_client(&peer, 1, fast_policy());
    let error: RigError = client
        .write_register("command", 20, 1)
        .await
        .unwrap_err()
        .into();
    assert!(
        error
            .to_string()
            .contains("exception 06 (server device busy)"),
        "{error}"
    );
    // First attempt plus the busy retries.
    assert_eq!(peer.requests().len(), 1 + BUSY_RETRIES as usize);
}

#[tokio::test]
async fn silent_peer_times_out_naming_port_and_function() {
    let peer = RegisterPeer::new(1);
    peer.fail_at(100, PeerFault::Silent);
    let mut client = rtu_client(&peer, 1, silent_link(1));
    let error = client.read_holding("input 1 PV", 100, 1).await.unwrap_err();
    assert!(
        matches!(error, ModbusError::Link(RigError::Timeout { .. })),
        "{error:?}"
    );
    let rig: RigError = error.into();
    assert!(rig.is_link_fault());
    let text = rig.to_string();
    assert!(
        text.starts_with("duplex:test: no reply to `FC03 read 1 register(s) at 100"),
        "{text}"
    );
    assert_eq!(peer.requests().len(), 2, "one retry");
}

#[tokio::test]
async fn a_wrong_slave_never_answers_for_us() {
    let peer = RegisterPeer::new(2);
    let mut client = rtu_client(&peer, 1, silent_link(1));
    let error = client.read_holding("PV", 0, 1).await.unwrap_err();
    assert!(
        matches!(error, ModbusError::Link(RigError::Timeout { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn broken_crc_is_an_error_naming_the_crc_then_the_link_recovers() {
    let peer = RegisterPeer::new(1);
    peer.set(100, &[215]);
    peer.fail_next(PeerFault::BadCrc);
    peer.fail_next(PeerFault::BadCrc);
    let mut client = rtu_client(&peer, 1, fast_policy());
    let error = client.read_holding("PV", 100, 1).await.unwrap_err();
    let ModbusError::Link(RigError::Garbled { bytes, problem, .. }) = &error else {
        panic!("expected a wire fault, got {error:?}");
    };
    assert!(
        problem.starts_with("CRC mismatch") && problem.ends_with("(after 2 attempt(s))"),
        "{error}"
    );
    assert_eq!(bytes.len(), 7, "the whole broken frame is kept: {error}");
    // The broken bytes are discarded; the next request gets a clean answer.
    assert_eq!(client.read_holding("PV", 100, 1).await.unwrap(), vec![215]);
}

#[tokio::test]
async fn broken_crc_once_is_recovered_by_the_retry() {
    let peer = RegisterPeer::new(1);
    peer.set(100, &[215]);
    peer.fail_next(PeerFault::BadCrc);
    let mut client = rtu_client(&peer, 1, fast_policy());
    assert_eq!(client.read_holding("PV", 100, 1).await.unwrap(), vec![215]);
    assert_eq!(peer.requests().len(), 2);
}

#[tokio::test]
async fn a_late_reply_is_never_taken_as_the_next_answer() {
    let peer = RegisterPeer::new(1);
    peer.set(100, &[111]);
    peer.set(300, &[333]);
    let mut policy = fast_policy();
    policy.retries = 0;
    policy.settle = Duration::from_millis(200);
    // Answer 50 ms after the client gave up.
    peer.fail_next(PeerFault::Delay(FAST_TIMEOUT + Duration::from_millis(50)));
    let mut client = rtu_client(&peer, 1, policy);
    assert!(client.read_holding("PV", 100, 1).await.is_err());
    assert_eq!(client.read_holding("SP", 300, 1).await.unwrap(), vec![333]);
}

#[tokio::test]
async fn wrong_register_count_is_discarded_and_named_with_the_frame() {
    let peer = RegisterPeer::new(1);
    // A reply carrying one register where two were asked for.
    let short = rtu_frame(1, &[0x03, 0x02, 0x12, 0x34]);
    peer.fail_next(PeerFault::Raw(short.clone()));
    let mut policy = fast_policy();
    policy.retries = 0;
    let mut client = rtu_client(&peer, 1, policy);
    let error: RigError = client.read_holding("pair", 10, 2).await.unwrap_err().into();
    let RigError::Garbled { bytes, problem, .. } = &error else {
        panic!("expected garbled, got {error:?}");
    };
    assert_eq!(bytes, &short);
    assert_eq!(
        problem,
        "reply does not match the request: 1 register(s) instead of 2 (after 1 attempt(s))"
    );
}

#[tokio::test]
async fn a_mismatched_reply_is_never_used_and_the_retry_gets_the_value() {
    let peer = RegisterPeer::new(1);
    peer.set(10, &[7, 8]);
    peer.fail_next(PeerFault::Raw(rtu_frame(1, &[0x03, 0x02, 0x12, 0x34])));
    let mut client = rtu_client(&peer, 1, fast_policy());
    assert_eq!(
        client.read_holding("pair", 10, 2).await.unwrap(),
        vec![7, 8]
    );
    assert_eq!(peer.requests().len(), 2);
}

#[tokio::test]
async fn wrong_write_echo_is_garbled() {
    let peer = RegisterPeer::new(1);
    peer.fail_next(PeerFault::Raw(rtu_frame(
        1,
        &[0x06, 0x00, 0x14, 0x00, 0x07],
    )));
    let mut policy = fast_policy();
    policy.retries = 0;
    let mut client = rtu_client(&peer, 1, policy);
    let error: RigError = client
        .write_register("command", 20, 1)
        .await
        .unwrap_err()
        .into();
    assert!(
        error
            .to_string()
            .contains("echo 0x0007 at 20 instead of 0x0001 at 20"),
        "{error}"
    );
}

#[tokio::test]
async fn peer_hanging_up_is_a_link_error() {
    let (near, far) = tokio::io::duplex(64);
    drop(far);
    let mut client = facebench::rig::modbus::ModbusClient::rtu(near, PORT, 1, fast_policy());
    let error = client.read_holding("PV", 0, 1).await.unwrap_err();
    // The peer hung up: the port is gone, and without a reopener it stays gone.
    assert!(
        matches!(error, ModbusError::Link(RigError::Disconnected { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn garbage_replies_never_panic() {
    let mut x: u32 = 0x9E37_79B9;
    for round in 0..60 {
        let peer = RegisterPeer::new(1);
        let len = 1 + (round % 12);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let mut reply = vec![0x01, 0x03];
        reply.extend_from_slice(&bytes);
        let framed = if round % 2 == 0 {
            rtu_frame(1, &reply[1..])
        } else {
            reply
        };
        peer.fail_next(PeerFault::Raw(framed));
        // Any outcome is fine as long as it is not a panic, so the timeout may race the garbage.
        let mut policy = fast_policy();
        policy.timeout = Some(Duration::from_millis(5));
        policy.retries = 0;
        let mut client = rtu_client(&peer, 1, policy);
        let _ = client.read_holding("PV", 0, 2).await;
    }
    let peer = RegisterPeer::new(1);
    let mut client = rtu_client(&peer, 1, fast_policy());
    assert!(client.read_holding("PV", 0, 1).await.is_ok());
    assert!(matches!(peer.requests()[0], PeerRequest::ReadHolding(0, 1)));
}

#[tokio::test]
async fn a_dropped_link_is_reopened_and_the_request_retried() {
    use facebench::rig::modbus::{ModbusFraming, ModbusTarget};
    use facebench::rig::transport::{Endpoint, SerialSettings};

    let peer = RegisterPeer::new(1);
    peer.set(100, &[215]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = peer.clone();
    tokio::spawn(async move {
        // The first connection dies at once, like a gateway restarting; later ones are served.
        let (first, _) = listener.accept().await.unwrap();
        drop(first);
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let server = server.clone();
            tokio::spawn(async move { server.serve(stream).await });
        }
    });
    let target = ModbusTarget {
        endpoint: Endpoint::parse(&format!("tcp:{address}"), SerialSettings::eight_n_one(9600))
            .unwrap(),
        slave: 1,
        framing: ModbusFraming::Rtu,
        policy: fast_policy(),
    };
    let mut client = target.connect(None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(client.read_holding("PV", 100, 1).await.unwrap(), vec![215]);
    assert_eq!(client.port(), format!("tcp:{address}"));
}

#[tokio::test]
async fn without_reopen_a_dead_link_stays_a_link_error() {
    let (near, far) = tokio::io::duplex(64);
    drop(far);
    let mut client = facebench::rig::modbus::ModbusClient::rtu(near, PORT, 1, fast_policy());
    assert!(client.read_holding("PV", 0, 1).await.is_err());
    let error: RigError = client.read_holding("PV", 0, 1).await.unwrap_err().into();
    assert!(
        matches!(error, RigError::Disconnected { .. }) && error.is_link_fault(),
        "{error:?}"
    );
}
