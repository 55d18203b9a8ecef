//! TEMI Modbus driver: the manual's byte-exact frames, D-register offsets and the configurable
//! run/stop register.

use crate::modbus_support;

use crate::modbus_peer::{PeerFault, RegisterPeer};
use facebench::rig::chamber::registers::RunStopRegister;
use facebench::rig::chamber::temi_modbus::{d, regs, TemiModbus, TemiOptions};
use facebench::rig::chamber::AsyncChamber;
use facebench::rig::modbus::crc::rtu_frame;
use facebench::rig::{ChamberMode, RigError};
use modbus_support::{fast_policy, rtu_client};

fn temi_peer() -> RegisterPeer {
    let peer = RegisterPeer::new(1).strict();
    // D0001..D0006: PV 25.0, SP 100.0 (the manual's example), then humidity 55.0 / 60.0.
    peer.set(d(1), &[0x00FA, 0x03E8, 0, 0, 550, 600]);
    // D0101..D0103: operation, FIX temperature SP, FIX humidity SP.
    peer.set(d(101), &[4, 0, 0]);
    peer
}

fn temi(peer: &RegisterPeer, options: TemiOptions) -> TemiModbus {
    TemiModbus::attach(rtu_client(peer, 1, fast_policy()), options)
}

#[test]
fn d_registers_are_one_based() {
    assert_eq!(d(1), 0);
    assert_eq!(regs::OPERATION, 100);
    assert_eq!(regs::FIX_TEMP_SP, 101);
    assert_eq!(regs::HUMIDITY_SP, 5);
}

#[tokio::test]
async fn reading_sends_the_manual_frame_and_scales_tenths() {
    let peer = temi_peer();
    let mut chamber = temi(&peer, TemiOptions::default());
    let reading = chamber.read().await.unwrap();
    assert_eq!(
        peer.frames()[0],
        vec![0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xC4, 0x0B]
    );
    assert_eq!(reading.temp_pv, 25.0);
    assert_eq!(reading.temp_sp, 100.0);
    assert_eq!(reading.humidity_pv, Some(55.0));
    assert_eq!(reading.humidity_sp, Some(60.0));
    assert_eq!(reading.mode, ChamberMode::Standby);
}

#[tokio::test]
async fn negative_temperatures_and_fix_set_points() {
    let peer = temi_peer();
    peer.set(regs::TEMP_PV, &[0xFF23]);
    let mut chamber = temi(&peer, TemiOptions::default());
    assert_eq!(chamber.read().await.unwrap().temp_pv, -22.1);
    chamber.set_temperature(-40.0).await.unwrap();
    chamber.set_humidity(Some(85.5)).await.unwrap();
    assert_eq!(
        peer.writes(),
        vec![
            (regs::FIX_TEMP_SP, vec![0xFE70]),
            (regs::FIX_HUMIDITY_SP, vec![855])
        ]
    );
    assert_eq!(
        peer.frames().last().unwrap(),
        &rtu_frame(1, &[0x06, 0x00, 0x66, 0x03, 0x57])
    );
}

#[tokio::test]
async fn default_run_stop_is_d0101_one_and_four() {
    let peer = temi_peer();
    let mut chamber = temi(&peer, TemiOptions::default());
    chamber.run_constant().await.unwrap();
    assert_eq!(peer.get(regs::OPERATION), 1);
    assert_eq!(chamber.read().await.unwrap().mode, ChamberMode::Constant);
    chamber.stop().await.unwrap();
    assert_eq!(peer.get(regs::OPERATION), 4);
}

#[tokio::test]
async fn run_stop_register_is_overridable_per_model() {
    let peer = temi_peer();
    peer.set(d(104), &[0]);
    let options = TemiOptions {
        run_stop: Some(RunStopRegister {
            address: d(104),
            run: 2,
            stop: 0,
        }),
        humidity: false,
    };
    let mut chamber = temi(&peer, options);
    chamber.run_constant().await.unwrap();
    chamber.stop().await.unwrap();
    assert_eq!(peer.writes(), vec![(d(104), vec![2]), (d(104), vec![0])]);
    assert_eq!(peer.get(regs::OPERATION), 4, "D0101 untouched");
    let reading = chamber.read().await.unwrap();
    assert_eq!(reading.humidity_pv, None);
    assert!(matches!(
        chamber.set_humidity(Some(50.0)).await,
        Err(RigError::NotSupported { .. })
    ));
}

#[tokio::test]
async fn out_of_register_range_is_a_limit_and_a_refusal_is_named() {
    let peer = temi_peer();
    let mut chamber = temi(&peer, TemiOptions::default());
    assert!(matches!(
        chamber.set_temperature(5000.0).await,
        Err(RigError::Limit { .. })
    ));
    assert!(peer.writes().is_empty());
    peer.fail_at(regs::FIX_TEMP_SP, PeerFault::Exception(2));
    let error = chamber.set_temperature(20.0).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("exception 02 (illegal data address)"),
        "{error}"
    );
}

#[tokio::test]
async fn controller_never_answering_is_a_timeout() {
    let peer = temi_peer();
    peer.fail_at(regs::TEMP_PV, PeerFault::Silent);
    let mut chamber = temi(&peer, TemiOptions::default());
    let error = chamber.identify().await.unwrap_err();
    assert!(error.is_link_fault());
    assert!(
        error.to_string().contains("FC03 read 1 register(s) at 0"),
        "{error}"
    );
}
