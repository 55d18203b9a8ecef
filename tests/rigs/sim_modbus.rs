//! The Modbus chamber simulators: RTU frames on a real pty (byte literals with their CRCs) and
//! round trips through tokio-modbus clients on pty and TCP.

use crate::sim_support;

use std::time::Duration;

use facebench::rig::chamber::registers::RegisterMap;
use facebench::rig::chamber::ChamberProtocol;
use facebench::sim::physics::chamber::{ChamberMode, ChamberModel, ChamberParams};
use facebench::sim::{SimChamber, SimOptions};
use sim_support::{exchange, has_len, open_pty, sim_clock, with_crc};
use tokio_modbus::client::{Reader, Writer};
use tokio_modbus::{ExceptionCode, Slave};

/// The simulator's reply to the RTU `request` (its CRC appended) once `len` bytes came,
/// waiting up to 2 s.
async fn rtu_reply(port: &mut tokio_serial::SerialStream, request: &[u8], len: usize) -> Vec<u8> {
    exchange(
        port,
        &with_crc(request),
        Duration::from_secs(2),
        has_len(len),
    )
    .await
}

#[tokio::test]
async fn temi_modbus_answers_the_manual_frames() {
    let sim = SimChamber::spawn(ChamberProtocol::TemiModbus, SimOptions::pty(sim_clock())).unwrap();
    sim.with_model(|m| {
        m.temp_c = 25.0;
        m.rh_pct = 100.0;
    });
    let mut port = open_pty(&sim.path().unwrap());
    let wait = Duration::from_secs(2);
    // Read D0001..D0002 is documented with PV 25.0 and SP 100.0: use the SP register for 100.0.
    sim.with_model(|m| {
        m.temp_sp_c = 100.0;
    });
    let read = [0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xC4, 0x0B];
    let answer = [0x01, 0x03, 0x04, 0x00, 0xFA, 0x03, 0xE8, 0xDA, 0xBC];
    let reply = exchange(&mut port, &read, wait, has_len(9)).await;
    assert_eq!(reply, answer);
    // Write D0100 = 2: echoed.
    let write = [0x01, 0x06, 0x00, 0x63, 0x00, 0x02, 0xF8, 0x15];
    let reply = exchange(&mut port, &write, wait, has_len(8)).await;
    assert_eq!(reply, write);
    // Illegal address: exception 02 with its CRC.
    let reply = rtu_reply(&mut port, &[0x01, 0x03, 0x03, 0xE7, 0x00, 0x01], 5).await;
    assert_eq!(reply, with_crc(&[0x01, 0x83, 0x02]));
    // Another slave id: silence.
    let reply = exchange(
        &mut port,
        &with_crc(&[0x02, 0x03, 0x00, 0x00, 0x00, 0x01]),
        Duration::from_millis(200),
        has_len(7),
    )
    .await;
    assert!(reply.is_empty());
    // A request with a broken CRC is dropped, and the next good one is still answered.
    let _ = exchange(
        &mut port,
        &[0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00],
        Duration::from_millis(200),
        has_len(9),
    )
    .await;
    let reply = exchange(&mut port, &read, wait, has_len(9)).await;
    assert_eq!(reply, answer);
}

#[tokio::test]
async fn watlow_f4_through_a_tokio_modbus_client_on_the_pty() {
    let sim = SimChamber::spawn(ChamberProtocol::WatlowF4, SimOptions::pty(sim_clock())).unwrap();
    let port = open_pty(&sim.path().unwrap());
    let mut ctx = tokio_modbus::client::rtu::attach_slave(port, Slave(1));
    assert_eq!(
        ctx.read_holding_registers(0, 1).await.unwrap().unwrap(),
        vec![5270]
    );
    assert_eq!(
        ctx.read_input_registers(100, 1).await.unwrap().unwrap(),
        vec![230]
    );
    ctx.write_single_register(300, (-221i16) as u16)
        .await
        .unwrap()
        .unwrap();
    ctx.write_single_register(2000, 1).await.unwrap().unwrap();
    let state = sim.state();
    assert_eq!(
        (state.temp_sp_c, state.mode),
        (-22.1, ChamberMode::Constant)
    );
    assert_eq!(
        ctx.read_holding_registers(300, 1).await.unwrap().unwrap(),
        vec![0xFF23]
    );
    let refused = ctx.write_single_register(300, 9000).await.unwrap();
    assert_eq!(refused, Err(ExceptionCode::IllegalDataValue));
    let refused = ctx.read_holding_registers(7777, 1).await.unwrap();
    assert_eq!(refused, Err(ExceptionCode::IllegalDataAddress));
}

#[tokio::test]
async fn watlow_f4t_over_modbus_tcp_serves_low_word_first_floats() {
    let mut opts = SimOptions::tcp(sim_clock(), 0);
    opts.modbus_tcp = true;
    let sim = SimChamber::spawn(ChamberProtocol::WatlowF4t, opts).unwrap();
    let mut ctx = tokio_modbus::client::tcp::connect_slave(sim.addr().unwrap(), Slave(1))
        .await
        .unwrap();
    let pv = ctx.read_holding_registers(2820, 2).await.unwrap().unwrap();
    assert_eq!(
        f32::from_bits(u32::from(pv[1]) << 16 | u32::from(pv[0])),
        23.0
    );
    let bits = 85.5f32.to_bits();
    ctx.write_multiple_registers(2942, &[(bits & 0xFFFF) as u16, (bits >> 16) as u16])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sim.state().rh_sp_pct, Some(85.5));
}

#[tokio::test]
async fn generic_modbus_serves_the_station_map_over_rtu_on_tcp() {
    let map: RegisterMap = toml::from_str(
        r#"
        temp_pv = { address = 10, format = "i32", scale = 0.01, table = "input" }
        temp_sp = { address = 20, format = "f32", word_order = "low-first" }
        run_stop = { address = 30, run = 5, stop = 6 }
        "#,
    )
    .unwrap();
    let model = ChamberModel::new(ChamberParams::default());
    let sim = SimChamber::spawn_generic(map, model, SimOptions::tcp(sim_clock(), 0)).unwrap();
    let stream = tokio::net::TcpStream::connect(sim.addr().unwrap())
        .await
        .unwrap();
    let mut ctx = tokio_modbus::client::rtu::attach_slave(stream, Slave(1));
    assert_eq!(
        ctx.read_input_registers(10, 2).await.unwrap().unwrap(),
        vec![0, 2300]
    );
    assert_eq!(
        ctx.read_holding_registers(10, 2).await.unwrap(),
        Err(ExceptionCode::IllegalDataAddress)
    );
    let bits = 60.0f32.to_bits();
    ctx.write_multiple_registers(20, &[(bits & 0xFFFF) as u16, (bits >> 16) as u16])
        .await
        .unwrap()
        .unwrap();
    ctx.write_single_register(30, 5).await.unwrap().unwrap();
    let state = sim.state();
    assert_eq!((state.temp_sp_c, state.mode), (60.0, ChamberMode::Constant));
    assert_eq!(
        ctx.read_holding_registers(30, 1).await.unwrap().unwrap(),
        vec![5]
    );
}

#[tokio::test]
async fn rtu_functions_the_slave_lacks_get_exception_01_and_the_next_request_is_answered() {
    let sim = SimChamber::spawn(ChamberProtocol::WatlowF4, SimOptions::pty(sim_clock())).unwrap();
    let mut port = open_pty(&sim.path().unwrap());
    // Codes the slave does not implement, framed or not by the server's decoder: 0x01 read
    // coils, 0x08 diagnostics, 0x41 user-defined, 0x2B with an unknown MEI type.
    for pdu in [
        &[0x01, 0x00, 0x00, 0x00, 0x01][..],
        &[0x08, 0x00, 0x00, 0x12, 0x34],
        &[0x41, 0x01],
        &[0x2B, 0x0D, 0x00],
    ] {
        let mut request = vec![0x01];
        request.extend_from_slice(pdu);
        let reply = rtu_reply(&mut port, &request, 5).await;
        assert_eq!(reply, with_crc(&[0x01, pdu[0] | 0x80, 0x01]), "{pdu:02X?}");
    }
    // Another slave's unknown function and a broadcast one: silence.
    for slave in [2u8, 0] {
        let quiet = exchange(
            &mut port,
            &with_crc(&[slave, 0x41, 0x01]),
            Duration::from_millis(150),
            has_len(5),
        )
        .await;
        assert!(quiet.is_empty(), "slave {slave}: {quiet:02X?}");
    }
    // An unknown register: exception 02. A good read still works afterwards.
    let reply = rtu_reply(&mut port, &[0x01, 0x03, 0x1E, 0x61, 0x00, 0x01], 5).await;
    assert_eq!(reply, with_crc(&[0x01, 0x83, 0x02]));
    let reply = rtu_reply(&mut port, &[0x01, 0x03, 0x00, 0x00, 0x00, 0x01], 7).await;
    assert_eq!(reply, with_crc(&[0x01, 0x03, 0x02, 0x14, 0x96]));
}

#[tokio::test]
async fn modbus_tcp_answers_unit_ff_as_tcp_devices_do() {
    let mut opts = SimOptions::tcp(sim_clock(), 0);
    opts.modbus_tcp = true;
    let sim = SimChamber::spawn(ChamberProtocol::WatlowF4, opts).unwrap();
    let mut ctx = tokio_modbus::client::tcp::connect_slave(sim.addr().unwrap(), Slave(0xFF))
        .await
        .unwrap();
    assert_eq!(
        ctx.read_holding_registers(0, 1).await.unwrap().unwrap(),
        vec![5270]
    );
    let mut other = tokio_modbus::client::tcp::connect_slave(sim.addr().unwrap(), Slave(7))
        .await
        .unwrap();
    let silent = tokio::time::timeout(
        Duration::from_millis(200),
        other.read_holding_registers(0, 1),
    )
    .await;
    assert!(silent.is_err(), "unit 7 is another device: {silent:?}");
}
