//! Generic Modbus chamber: a station-declared register map, parsed from TOML as a station file
//! would carry it, driven against a scripted peer.

use crate::modbus_support;

use crate::modbus_peer::{PeerFault, PeerRequest, RegisterPeer};
use facebench::rig::chamber::modbus_generic::ModbusGeneric;
use facebench::rig::chamber::registers::RegisterMap;
use facebench::rig::chamber::AsyncChamber;
use facebench::rig::modbus::WordOrder;
use facebench::rig::{ChamberMode, RigError};
use modbus_support::{fast_policy, rtu_client};

const MAP: &str = r#"
temp_pv     = { address = 100, format = "i16", scale = 0.1 }
temp_sp     = { address = 300, format = "i16", scale = 0.1 }
humidity_pv = { address = 2980, format = "f32", word_order = "low-first", table = "input" }
humidity_sp = { address = 2942, format = "f32", word_order = "low-first" }
run_stop    = { address = 2000, run = 1, stop = 0 }
"#;

fn map() -> RegisterMap {
    let map: RegisterMap = toml::from_str(MAP).unwrap();
    assert!(map.problems().is_empty());
    map
}

fn peer() -> RegisterPeer {
    let peer = RegisterPeer::new(5).strict();
    peer.set(100, &[0xFF23]);
    peer.set(300, &[250]);
    peer.set(2980, &WordOrder::LowFirst.split(47.5f32.to_bits()));
    peer.set(2942, &WordOrder::LowFirst.split(50.0f32.to_bits()));
    peer.set(2000, &[0]);
    peer
}

fn chamber(peer: &RegisterPeer, map: RegisterMap) -> ModbusGeneric {
    ModbusGeneric::attach(rtu_client(peer, 5, fast_policy()), map)
}

#[tokio::test]
async fn reads_every_mapped_value_from_its_table() {
    let peer = peer();
    let mut chamber = chamber(&peer, map());
    let reading = chamber.read().await.unwrap();
    assert_eq!(reading.temp_pv, -22.1);
    assert_eq!(reading.temp_sp, 25.0);
    assert_eq!(reading.humidity_pv, Some(47.5));
    assert_eq!(reading.humidity_sp, Some(50.0));
    assert_eq!(reading.mode, ChamberMode::Standby);
    let requests = peer.requests();
    assert!(requests.contains(&PeerRequest::ReadInput(2980, 2)));
    assert!(requests.contains(&PeerRequest::ReadHolding(2942, 2)));
    assert!(requests.contains(&PeerRequest::ReadHolding(100, 1)));
}

#[tokio::test]
async fn writes_use_fc06_for_one_register_and_fc16_for_two() {
    let peer = peer();
    let mut chamber = chamber(&peer, map());
    chamber.set_temperature(-40.0).await.unwrap();
    chamber.set_humidity(Some(93.0)).await.unwrap();
    chamber.run_constant().await.unwrap();
    assert_eq!(
        peer.requests(),
        vec![
            PeerRequest::WriteSingle(300, 0xFE70),
            PeerRequest::WriteMultiple(2942, WordOrder::LowFirst.split(93.0f32.to_bits()).to_vec()),
            PeerRequest::WriteSingle(2000, 1),
        ]
    );
    assert_eq!(chamber.read().await.unwrap().mode, ChamberMode::Constant);
    chamber.stop().await.unwrap();
    assert_eq!(peer.get(2000), 0);
}

#[tokio::test]
async fn temperature_only_map_refuses_humidity_without_sending() {
    let mut map = map();
    map.humidity_pv = None;
    map.humidity_sp = None;
    let peer = peer();
    let mut chamber = chamber(&peer, map);
    assert!(!chamber.identify().await.unwrap().humidity);
    peer.clear_log();
    assert!(matches!(
        chamber.set_humidity(Some(50.0)).await,
        Err(RigError::NotSupported { .. })
    ));
    assert!(peer.requests().is_empty());
}

#[tokio::test]
async fn value_beyond_the_register_is_a_limit() {
    let peer = peer();
    let mut chamber = chamber(&peer, map());
    let error = chamber.set_temperature(3300.0).await.unwrap_err();
    let RigError::Limit { max, .. } = error else {
        panic!("{error:?}");
    };
    assert!((max - 3276.7).abs() < 1e-9);
    assert!(peer.writes().is_empty());
}

#[tokio::test]
async fn nan_humidity_and_exceptions_are_reported() {
    let peer = peer();
    peer.set(2980, &WordOrder::LowFirst.split(f32::NAN.to_bits()));
    let mut chamber = chamber(&peer, map());
    assert!(matches!(
        chamber.read().await,
        Err(RigError::Garbled { .. })
    ));
    peer.fail_at(2000, PeerFault::Exception(4));
    let error = chamber.run_constant().await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("exception 04 (server device failure)"),
        "{error}"
    );
}
