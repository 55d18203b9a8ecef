//! Watlow F4 driver against a scripted peer holding the F4 register map.

use crate::modbus_support;

use crate::modbus_peer::{PeerFault, PeerRequest, RegisterPeer};
use facebench::rig::chamber::watlow_f4::{regs, WatlowF4, WatlowF4Options};
use facebench::rig::chamber::AsyncChamber;
use facebench::rig::modbus::crc::rtu_frame;
use facebench::rig::modbus::open_driver;
use facebench::rig::{ChamberMode, RigError};
use modbus_support::{fast_policy, rtu_client};

/// An F4 in °C with one decimal and a humidity loop.
fn f4_peer() -> RegisterPeer {
    let peer = RegisterPeer::new(1).strict();
    peer.set(regs::MODEL_ID, &[regs::MODEL_F4]);
    peer.set(regs::PV_INPUT1, &[0xFF23]); // -22.1
    peer.set(regs::PV_INPUT2, &[553]); // 55.3 %
    peer.set(regs::PROFILE_STATE, &[0]);
    peer.set(regs::SP_LOOP1, &[250]);
    peer.set(regs::SP_LOOP2, &[600]);
    peer.set(regs::SP_HIGH_LIMIT_LOOP1, &[1800]);
    peer.set(regs::DECIMALS_INPUT1, &[1, 0, regs::UNITS_TEMPERATURE]);
    peer.set(regs::DECIMALS_INPUT2, &[1, 0, regs::UNITS_RH]);
    peer.set(regs::TEMP_UNITS_CELSIUS, &[1]);
    for reg in [
        regs::PROFILE_RESUME,
        regs::PROFILE_HOLD,
        regs::PROFILE_TERMINATE,
    ] {
        peer.set(reg, &[0]);
    }
    peer.set(regs::PROFILE_NUMBER, &[0, 0, 0]);
    peer.set(regs::EVENT_OUTPUT_BASE + 10, &[1]); // event 2
    peer
}

fn f4(peer: &RegisterPeer, options: WatlowF4Options) -> WatlowF4 {
    WatlowF4::attach(rtu_client(peer, 1, fast_policy()), options)
}

#[tokio::test]
async fn reads_negative_temperature_and_humidity_scaled_by_decimals() {
    let peer = f4_peer();
    let mut chamber = f4(&peer, WatlowF4Options::default());
    let reading = chamber.read().await.unwrap();
    assert_eq!(reading.temp_pv, -22.1);
    assert_eq!(reading.temp_sp, 25.0);
    assert_eq!(reading.humidity_pv, Some(55.3));
    assert_eq!(reading.humidity_sp, Some(60.0));
    assert_eq!(reading.mode, ChamberMode::Constant);
    let reads: Vec<PeerRequest> = peer.requests();
    for reg in [
        regs::PV_INPUT1,
        regs::SP_LOOP1,
        regs::PV_INPUT2,
        regs::SP_LOOP2,
    ] {
        assert!(
            reads.contains(&PeerRequest::ReadHolding(reg, 1)),
            "{reg} not read"
        );
    }
    assert!(peer.writes().is_empty());
}

#[tokio::test]
async fn two_decimals_scale_differently() {
    let peer = f4_peer();
    peer.set(regs::DECIMALS_INPUT1, &[2]);
    peer.set(regs::PV_INPUT1, &[2512]);
    let mut chamber = f4(&peer, WatlowF4Options::default());
    assert_eq!(chamber.read().await.unwrap().temp_pv, 25.12);
}

#[tokio::test]
async fn identify_reports_model_humidity_and_high_limit() {
    let peer = f4_peer();
    let mut chamber = f4(&peer, WatlowF4Options::default());
    let id = chamber.identify().await.unwrap();
    assert_eq!(id.protocol, "watlow-f4");
    assert_eq!(id.model, "F4");
    assert!(id.humidity);
    assert_eq!(id.temp_max_c, Some(180.0));
}

#[tokio::test]
async fn temperature_only_f4_refusing_input_2_has_no_humidity() {
    let peer = f4_peer();
    peer.fail_at(regs::DECIMALS_INPUT2, PeerFault::Exception(2));
    let mut chamber = f4(&peer, WatlowF4Options::default());
    let reading = chamber.read().await.unwrap();
    assert_eq!(reading.humidity_pv, None);
    let error = chamber.set_humidity(Some(50.0)).await.unwrap_err();
    assert!(matches!(error, RigError::NotSupported { .. }), "{error:?}");
}

#[tokio::test]
async fn set_temperature_writes_the_scaled_register_byte_exact() {
    let peer = f4_peer();
    let mut chamber = f4(&peer, WatlowF4Options::default());
    chamber.set_temperature(-40.5).await.unwrap();
    assert_eq!(peer.get(regs::SP_LOOP1), 0xFE6B); // -405
    let last = peer.frames().pop().unwrap();
    assert_eq!(last, rtu_frame(1, &[0x06, 0x01, 0x2C, 0xFE, 0x6B]));
}

#[tokio::test]
async fn fahrenheit_controllers_are_converted_both_ways() {
    let peer = f4_peer();
    peer.set(regs::TEMP_UNITS_CELSIUS, &[0]);
    peer.set(regs::PV_INPUT1, &[770]); // 77.0 °F
    let mut chamber = f4(&peer, WatlowF4Options::default());
    let reading = chamber.read().await.unwrap();
    assert!((reading.temp_pv - 25.0).abs() < 1e-9, "{}", reading.temp_pv);
    chamber.set_temperature(-40.0).await.unwrap();
    assert_eq!(peer.get(regs::SP_LOOP1), 0xFE70); // -40.0 °F = -400
}

#[tokio::test]
async fn a_set_point_the_register_cannot_hold_is_a_limit_and_nothing_is_sent() {
    let peer = f4_peer();
    let mut chamber = f4(&peer, WatlowF4Options::default());
    chamber.read().await.unwrap();
    peer.clear_log();
    let error = chamber.set_temperature(4000.0).await.unwrap_err();
    assert!(matches!(error, RigError::Limit { .. }), "{error:?}");
    assert!(peer.writes().is_empty());
    assert!(chamber.set_temperature(f64::NAN).await.is_err());
    assert!(peer.writes().is_empty());
}

#[tokio::test]
async fn controller_refusing_a_set_point_is_a_refusal() {
    let peer = f4_peer();
    peer.fail_at(regs::SP_LOOP1, PeerFault::Exception(3));
    let mut chamber = f4(&peer, WatlowF4Options::default());
    chamber.read().await.ok();
    let error = chamber.set_temperature(170.0).await.unwrap_err();
    let RigError::Refusal { reply, command, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(reply, "exception 03 (illegal data value)");
    assert!(command.contains("at 300"), "{command}");
}

#[tokio::test]
async fn profile_state_maps_to_mode() {
    let peer = f4_peer();
    let mut chamber = f4(&peer, WatlowF4Options::default());
    peer.set(regs::PROFILE_STATE, &[regs::PROFILE_RUNNING]);
    assert_eq!(chamber.read().await.unwrap().mode, ChamberMode::Program);
    peer.set(regs::PROFILE_STATE, &[regs::PROFILE_HOLDING]);
    assert_eq!(chamber.read().await.unwrap().mode, ChamberMode::Paused);
}

#[tokio::test]
async fn run_program_writes_number_step_and_start_in_order() {
    let peer = f4_peer();
    let mut chamber = f4(&peer, WatlowF4Options::default());
    chamber.run_program(7).await.unwrap();
    assert_eq!(
        peer.writes(),
        vec![
            (regs::PROFILE_NUMBER, vec![7]),
            (regs::PROFILE_STEP, vec![1]),
            (regs::PROFILE_ACTION, vec![regs::PROFILE_ACTION_START]),
        ]
    );
}

#[tokio::test]
async fn stop_needs_a_power_event_and_sends_nothing_without_one() {
    let peer = f4_peer();
    let mut chamber = f4(&peer, WatlowF4Options::default());
    let error = chamber.stop().await.unwrap_err();
    assert!(error.to_string().contains("power_event"), "{error}");
    assert!(peer.requests().is_empty());
}

#[tokio::test]
async fn stop_terminates_a_running_profile_then_switches_the_event_off() {
    let peer = f4_peer();
    peer.set(regs::PROFILE_STATE, &[regs::PROFILE_RUNNING]);
    let options = WatlowF4Options {
        power_event: Some(2),
    };
    let mut chamber = f4(&peer, options);
    chamber.stop().await.unwrap();
    assert_eq!(
        peer.writes(),
        vec![(regs::PROFILE_TERMINATE, vec![1]), (2010, vec![0])]
    );
    peer.set(regs::PROFILE_STATE, &[0]);
    assert_eq!(chamber.read().await.unwrap().mode, ChamberMode::Off);
    chamber.run_constant().await.unwrap();
    assert_eq!(peer.get(2010), 1);
}

#[tokio::test]
async fn nonsense_decimals_register_is_garbled_naming_the_bytes() {
    let peer = f4_peer();
    peer.set(regs::DECIMALS_INPUT1, &[9]);
    let mut chamber = f4(&peer, WatlowF4Options::default());
    let error = chamber.read().await.unwrap_err();
    let RigError::Garbled { bytes, problem, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(bytes, &[0x00, 0x09, 0x00, 0x00, 0x00, 0x00]);
    assert!(problem.contains("9 implied decimals"), "{problem}");
}

#[tokio::test]
async fn silent_controller_is_a_timeout_naming_the_register() {
    let peer = f4_peer();
    peer.fail_at(regs::PV_INPUT1, PeerFault::Silent);
    let mut chamber = f4(&peer, WatlowF4Options::default());
    let error = chamber.read().await.unwrap_err();
    assert!(matches!(error, RigError::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("at 100 (input 1 PV)"), "{error}");
}

#[tokio::test]
async fn a_controller_without_scale_registers_is_read_with_one_decimal_celsius() {
    let peer = RegisterPeer::new(1).strict();
    peer.set(regs::MODEL_ID, &[regs::MODEL_F4]);
    peer.set(regs::PV_INPUT1, &[215]);
    peer.set(regs::SP_LOOP1, &[230]);
    peer.set(regs::PROFILE_STATE, &[0]);
    let mut chamber = f4(&peer, WatlowF4Options::default());
    let reading = chamber.read().await.unwrap();
    assert_eq!((reading.temp_pv, reading.temp_sp), (21.5, 23.0));
    assert_eq!(reading.humidity_pv, None);
    assert_eq!(chamber.identify().await.unwrap().temp_max_c, None);
}

#[test]
fn blocking_chamber_over_a_real_pty_behind_the_station_limits() {
    use facebench::rig::chamber::{GuardedChamber, SafeLimits};
    use facebench::rig::Chamber;

    let peer = f4_peer();
    let mut pty = modbus_support::PtyPeer::new();
    let inner = Box::new(
        open_driver(&pty.target(1), None, |c| {
            WatlowF4::attach(c, WatlowF4Options::default())
        })
        .unwrap(),
    );
    pty.serve(&peer);
    let mut chamber = GuardedChamber::new(
        inner,
        SafeLimits {
            temp_min_c: -40.0,
            temp_max_c: 85.0,
            humidity_min: 10.0,
            humidity_max: 95.0,
        },
    );
    assert_eq!(chamber.read().unwrap().temp_pv, -22.1);
    chamber.set_temperature(85.0).unwrap();
    assert_eq!(peer.get(regs::SP_LOOP1), 850);
    let error = chamber.set_temperature(90.0).unwrap_err();
    assert!(matches!(error, RigError::Limit { .. }), "{error:?}");
    assert_eq!(peer.get(regs::SP_LOOP1), 850, "nothing sent past the limit");
}
