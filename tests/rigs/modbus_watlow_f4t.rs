//! Watlow F4T driver: floats in two registers (both word orders), modes, profiles, NaN from the
//! controller, and Modbus TCP framing against tokio-modbus's own TCP server.

use crate::modbus_support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::modbus_peer::{PeerFault, RegisterPeer};
use facebench::rig::chamber::watlow_f4t::{regs, WatlowF4T, WatlowF4TOptions};
use facebench::rig::chamber::AsyncChamber;
use facebench::rig::modbus::{ModbusClient, WordOrder};
use facebench::rig::{ChamberMode, RigError};
use modbus_support::{fast_policy, rtu_client};
use tokio_modbus::{ExceptionCode, Request, Response, SlaveRequest};

fn set_float(peer: &RegisterPeer, address: u16, value: f32, order: WordOrder) {
    peer.set(address, &order.split(value.to_bits()));
}

fn float_at(peer: &RegisterPeer, address: u16, order: WordOrder) -> f32 {
    f32::from_bits(order.join([peer.get(address), peer.get(address + 1)]))
}

fn f4t_peer(order: WordOrder, humidity: bool) -> RegisterPeer {
    let peer = RegisterPeer::new(1).strict();
    set_float(&peer, regs::LOOP1_PV, -22.5, order);
    set_float(&peer, regs::LOOP1_SP, 25.0, order);
    set_float(&peer, regs::LOOP1_RANGE_MAX, 180.0, order);
    peer.set(regs::LOOP1_CONTROL_MODE, &[regs::CONTROL_AUTO]);
    if humidity {
        set_float(&peer, regs::LOOP2_PV, 55.25, order);
        set_float(&peer, regs::LOOP2_SP, 60.0, order);
        peer.set(regs::LOOP2_CONTROL_MODE, &[regs::CONTROL_AUTO]);
    }
    for reg in [
        regs::PROFILE_NUMBER,
        regs::PROFILE_STEP,
        regs::PROFILE_START,
        regs::PROFILE_RESUME,
        regs::PROFILE_CONTROL,
        regs::PROFILE_STATUS,
    ] {
        peer.set(reg, &[0]);
    }
    peer
}

fn f4t(peer: &RegisterPeer, order: WordOrder) -> WatlowF4T {
    WatlowF4T::attach(
        rtu_client(peer, 1, fast_policy()),
        WatlowF4TOptions { word_order: order },
    )
}

#[tokio::test]
async fn reads_floats_low_word_first_by_default() {
    let peer = f4t_peer(WordOrder::LowFirst, true);
    let mut chamber = WatlowF4T::attach(
        rtu_client(&peer, 1, fast_policy()),
        WatlowF4TOptions::default(),
    );
    let reading = chamber.read().await.unwrap();
    assert_eq!(reading.temp_pv, -22.5);
    assert_eq!(reading.temp_sp, 25.0);
    assert_eq!(reading.humidity_pv, Some(55.25));
    assert_eq!(reading.humidity_sp, Some(60.0));
    assert_eq!(reading.mode, ChamberMode::Constant);
}

#[tokio::test]
async fn high_word_first_is_configurable_and_wrong_order_reads_differently() {
    let peer = f4t_peer(WordOrder::HighFirst, false);
    let mut right = f4t(&peer, WordOrder::HighFirst);
    assert_eq!(right.read().await.unwrap().temp_pv, -22.5);
    let mut wrong = f4t(&peer, WordOrder::LowFirst);
    let misread = wrong.read().await.map(|r| r.temp_pv);
    assert_ne!(misread.ok(), Some(-22.5));
}

#[tokio::test]
async fn set_points_are_written_as_two_register_floats() {
    let peer = f4t_peer(WordOrder::LowFirst, true);
    let mut chamber = f4t(&peer, WordOrder::LowFirst);
    chamber.set_temperature(-40.5).await.unwrap();
    chamber.set_humidity(Some(85.0)).await.unwrap();
    assert_eq!(float_at(&peer, regs::LOOP1_SP, WordOrder::LowFirst), -40.5);
    assert_eq!(float_at(&peer, regs::LOOP2_SP, WordOrder::LowFirst), 85.0);
    let writes = peer.writes();
    assert_eq!(
        writes[0],
        (
            2782,
            WordOrder::LowFirst.split((-40.5f32).to_bits()).to_vec()
        )
    );
    assert_eq!(
        writes.last().unwrap(),
        &(regs::LOOP2_CONTROL_MODE, vec![regs::CONTROL_AUTO])
    );
}

#[tokio::test]
async fn humidity_off_switches_loop_2_off_and_reads_back_as_none() {
    let peer = f4t_peer(WordOrder::LowFirst, true);
    let mut chamber = f4t(&peer, WordOrder::LowFirst);
    chamber.set_humidity(None).await.unwrap();
    assert_eq!(peer.get(regs::LOOP2_CONTROL_MODE), regs::CONTROL_OFF);
    let reading = chamber.read().await.unwrap();
    assert_eq!(reading.humidity_sp, None);
    assert_eq!(reading.humidity_pv, Some(55.25));
}

#[tokio::test]
async fn one_loop_controller_has_no_humidity() {
    let peer = f4t_peer(WordOrder::LowFirst, false);
    let mut chamber = f4t(&peer, WordOrder::LowFirst);
    let id = chamber.identify().await.unwrap();
    assert!(!id.humidity);
    assert_eq!(id.temp_max_c, Some(180.0));
    assert_eq!(chamber.read().await.unwrap().humidity_pv, None);
    peer.fail_at(regs::LOOP1_RANGE_MAX, PeerFault::Exception(2));
    assert_eq!(chamber.identify().await.unwrap().temp_max_c, None);
    assert!(matches!(
        chamber.set_humidity(Some(50.0)).await,
        Err(RigError::NotSupported { .. })
    ));
}

#[tokio::test]
async fn nan_from_the_controller_is_an_error_naming_the_words() {
    let peer = f4t_peer(WordOrder::LowFirst, false);
    set_float(&peer, regs::LOOP1_PV, f32::NAN, WordOrder::LowFirst);
    let mut chamber = f4t(&peer, WordOrder::LowFirst);
    let error = chamber.read().await.unwrap_err();
    let RigError::Garbled {
        bytes,
        problem,
        command,
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(bytes, &[0x00, 0x00, 0x7F, 0xC0]);
    assert!(problem.contains("non-finite"), "{problem}");
    assert!(command.contains("at 2820"), "{command}");
}

#[tokio::test]
async fn modes_and_profile_status() {
    let peer = f4t_peer(WordOrder::LowFirst, false);
    let mut chamber = f4t(&peer, WordOrder::LowFirst);
    peer.set(regs::LOOP1_CONTROL_MODE, &[regs::CONTROL_OFF]);
    assert_eq!(chamber.read().await.unwrap().mode, ChamberMode::Off);
    peer.set(regs::PROFILE_STATUS, &[regs::STATUS_RUNNING]);
    assert_eq!(chamber.read().await.unwrap().mode, ChamberMode::Program);
    peer.set(regs::PROFILE_STATUS, &[regs::STATUS_PAUSED]);
    assert_eq!(chamber.read().await.unwrap().mode, ChamberMode::Paused);
}

#[tokio::test]
async fn stop_terminates_the_profile_and_switches_loops_off() {
    let peer = f4t_peer(WordOrder::LowFirst, true);
    peer.set(regs::PROFILE_STATUS, &[regs::STATUS_RUNNING]);
    let mut chamber = f4t(&peer, WordOrder::LowFirst);
    chamber.stop().await.unwrap();
    assert_eq!(
        peer.writes(),
        vec![
            (regs::PROFILE_CONTROL, vec![regs::ACTION_TERMINATE]),
            (regs::LOOP1_CONTROL_MODE, vec![regs::CONTROL_OFF]),
            (regs::LOOP2_CONTROL_MODE, vec![regs::CONTROL_OFF]),
        ]
    );
    peer.clear_log();
    peer.set(regs::PROFILE_STATUS, &[0]);
    chamber.run_constant().await.unwrap();
    assert_eq!(
        peer.writes(),
        vec![(regs::LOOP1_CONTROL_MODE, vec![regs::CONTROL_AUTO])]
    );
}

#[tokio::test]
async fn run_program_selects_and_starts() {
    let peer = f4t_peer(WordOrder::LowFirst, false);
    let mut chamber = f4t(&peer, WordOrder::LowFirst);
    chamber.run_program(4).await.unwrap();
    assert_eq!(
        peer.writes(),
        vec![
            (regs::PROFILE_NUMBER, vec![4]),
            (regs::PROFILE_STEP, vec![1]),
            (regs::PROFILE_START, vec![regs::ACTION_START]),
        ]
    );
}

#[tokio::test]
async fn infinite_set_point_is_refused_before_sending() {
    let peer = f4t_peer(WordOrder::LowFirst, false);
    let mut chamber = f4t(&peer, WordOrder::LowFirst);
    assert!(matches!(
        chamber.set_temperature(f64::INFINITY).await,
        Err(RigError::Limit { .. })
    ));
    assert!(peer.writes().is_empty());
    peer.fail_at(regs::LOOP1_SP, PeerFault::Exception(3));
    let error = chamber.set_temperature(500.0).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("exception 03 (illegal data value)"),
        "{error}"
    );
}

/// A holding-register store (unknown addresses: exception 02) behind tokio-modbus's Modbus TCP server.
#[derive(Clone, Default)]
struct TcpStore(Arc<Mutex<HashMap<u16, u16>>>);

impl tokio_modbus::server::Service for TcpStore {
    type Request = SlaveRequest<'static>;
    type Response = Response;
    type Exception = ExceptionCode;
    type Future = std::future::Ready<Result<Response, ExceptionCode>>;

    fn call(&self, req: Self::Request) -> Self::Future {
        let mut regs = self.0.lock().unwrap();
        let result = match req.request {
            Request::ReadHoldingRegisters(address, count) => (0..count)
                .map(|i| regs.get(&(address + i)).copied())
                .collect::<Option<Vec<u16>>>()
                .map(Response::ReadHoldingRegisters)
                .ok_or(ExceptionCode::IllegalDataAddress),
            Request::WriteSingleRegister(address, value) => {
                regs.insert(address, value);
                Ok(Response::WriteSingleRegister(address, value))
            }
            Request::WriteMultipleRegisters(address, values) => {
                for (i, value) in values.iter().enumerate() {
                    regs.insert(address + i as u16, *value);
                }
                Ok(Response::WriteMultipleRegisters(
                    address,
                    values.len() as u16,
                ))
            }
            _ => Err(ExceptionCode::IllegalFunction),
        };
        std::future::ready(result)
    }
}

#[tokio::test]
async fn works_over_modbus_tcp_framing() {
    use tokio_modbus::server::tcp::{accept_tcp_connection, Server};
    let store = TcpStore::default();
    {
        let mut regs = store.0.lock().unwrap();
        let words = WordOrder::LowFirst.split(23.5f32.to_bits());
        regs.insert(regs::LOOP1_PV, words[0]);
        regs.insert(regs::LOOP1_PV + 1, words[1]);
        regs.insert(regs::LOOP1_CONTROL_MODE, regs::CONTROL_AUTO);
        regs.insert(regs::PROFILE_STATUS, 0);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = Server::new(listener);
    let service = store.clone();
    tokio::spawn(async move {
        let on_connected = move |stream, socket_addr| {
            let service = service.clone();
            async move { accept_tcp_connection(stream, socket_addr, move |_| Ok(Some(service.clone()))) }
        };
        server.serve(&on_connected, |_| {}).await
    });
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let client = ModbusClient::tcp(stream, format!("tcp:{address}"), 1, fast_policy());
    let mut chamber = WatlowF4T::attach(client, WatlowF4TOptions::default());
    chamber.set_temperature(30.0).await.unwrap();
    let reading = chamber.read().await.unwrap();
    assert_eq!(reading.temp_pv, 23.5);
    assert_eq!(reading.temp_sp, 30.0);
    assert_eq!(
        reading.humidity_pv, None,
        "loop 2 is refused with exception 02"
    );
}
