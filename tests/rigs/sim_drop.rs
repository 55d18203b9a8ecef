//! The drop-rig simulator through a tokio-modbus client on a real pty.

use crate::sim_support;

use std::time::Duration;

use facebench::sim::physics::drop_rig::DropState;
use facebench::sim::{SimDropRig, SimOptions};
use sim_support::{open_pty, sim_clock};
use tokio_modbus::client::{Reader, Writer};
use tokio_modbus::{ExceptionCode, Slave};

#[tokio::test]
async fn a_two_drop_sequence_runs_on_simulated_time_with_the_sequence_handshake() {
    let clock = sim_clock();
    let sim = SimDropRig::spawn(SimOptions::pty(clock.clone())).unwrap();
    let port = open_pty(&sim.path().unwrap());
    let mut ctx = tokio_modbus::client::rtu::attach_slave(port, Slave(1));

    assert_eq!(
        ctx.read_holding_registers(0, 4).await.unwrap().unwrap(),
        vec![0x0100, 0, 0, 0b1_1111]
    );
    ctx.write_multiple_registers(10, &[8000, 2, 0, 1, 10])
        .await
        .unwrap()
        .unwrap();
    ctx.write_single_register(21, 1).await.unwrap().unwrap();
    ctx.write_single_register(20, 1).await.unwrap().unwrap();
    // A retry with the same sequence number is accepted without restarting.
    ctx.write_single_register(20, 1).await.unwrap().unwrap();
    ctx.write_single_register(21, 2).await.unwrap().unwrap();
    assert_eq!(
        ctx.write_single_register(20, 1).await.unwrap(),
        Err(ExceptionCode::ServerDeviceBusy)
    );
    assert_eq!(
        ctx.write_single_register(10, 60000).await.unwrap(),
        Err(ExceptionCode::IllegalDataValue)
    );

    let cycle = sim.with_model(|m| m.cycle_time(800.0));
    clock.advance(cycle * 2);
    let regs = ctx.read_holding_registers(1, 1).await.unwrap().unwrap();
    assert_eq!(regs, vec![DropState::Done as u16]);
    assert_eq!(
        ctx.read_holding_registers(31, 1).await.unwrap().unwrap(),
        vec![2]
    );
    assert_eq!(
        ctx.read_holding_registers(22, 1).await.unwrap().unwrap(),
        vec![1]
    );
    assert_eq!(
        ctx.read_holding_registers(34, 1).await.unwrap().unwrap(),
        vec![404]
    );

    // Opening the door mid-sequence latches a door fault (code 2, state 7).
    ctx.write_single_register(21, 3).await.unwrap().unwrap();
    ctx.write_single_register(20, 7).await.unwrap().unwrap();
    clock.advance(Duration::from_secs(1));
    sim.with_model(|m| m.interlocks.door_closed = false);
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        ctx.read_holding_registers(1, 3).await.unwrap().unwrap(),
        vec![7, 2, 0b1_1110]
    );
}
