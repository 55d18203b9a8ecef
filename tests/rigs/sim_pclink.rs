//! The TEMI PC-link simulator on a real pty: the manual's frames and checksums.

use crate::sim_support;

use std::time::Duration;

use facebench::rig::chamber::ChamberProtocol;
use facebench::sim::{SimChamber, SimOptions};
use sim_support::{exchange, line, open_pty, pclink_frame, sim_clock};

#[tokio::test]
async fn manual_examples_round_trip_byte_for_byte() {
    let sim = SimChamber::spawn(ChamberProtocol::TemiPclink, SimOptions::pty(sim_clock())).unwrap();
    sim.with_model(|m| {
        m.temp_c = 22.0;
        m.rh_pct = 55.0;
    });
    let mut port = open_pty(&sim.path().unwrap());
    let wait = Duration::from_secs(2);

    let reply = exchange(&mut port, b"\x0201RRD,02,0001,0005B5\r\n", wait, line).await;
    assert_eq!(reply, b"\x0201RRD,OK,00DC,022618\r\n");

    let reply = exchange(&mut port, b"\x0201WSD,02,0102,01F4,0320C4\r\n", wait, line).await;
    assert_eq!(reply, b"\x0201WSD,OK15\r\n");
    let state = sim.state();
    assert_eq!((state.temp_sp_c, state.rh_sp_pct), (50.0, Some(80.0)));

    // Consecutive read of D0102..D0103 back.
    let request = pclink_frame("01RSD,02,0102");
    let reply = exchange(&mut port, &request, wait, line).await;
    assert_eq!(reply, pclink_frame("01RSD,OK,01F4,0320"));

    // STD registers a set, CLD reads it; the manual's STD checksum.
    let reply = exchange(
        &mut port,
        b"\x0201STD,04,0001,0002,0005,00069A\r\n",
        wait,
        line,
    )
    .await;
    assert_eq!(reply, pclink_frame("01STD,OK"));
    let reply = exchange(&mut port, &pclink_frame("01CLD"), wait, line).await;
    assert!(reply.starts_with(b"\x0201CLD,OK,00DC,"), "{reply:?}");

    // Random write, then run.
    let reply = exchange(&mut port, &pclink_frame("01WRD,01,0101,0001"), wait, line).await;
    assert_eq!(reply, b"\x0201WRD,OK14\r\n");
    assert_eq!(
        sim.state().mode,
        facebench::sim::physics::chamber::ChamberMode::Constant
    );
}

#[tokio::test]
async fn errors_answer_ng_codes_and_other_addresses_stay_silent() {
    let sim = SimChamber::spawn(ChamberProtocol::TemiPclink, SimOptions::pty(sim_clock())).unwrap();
    let mut port = open_pty(&sim.path().unwrap());
    let wait = Duration::from_secs(2);
    let frame = pclink_frame;
    let cases: [(&[u8], &str); 6] = [
        (b"\x0201RRD,02,0001,0005B6\r\n", "01RRD,NG,11"),
        (&frame("01XYZ,01,0001"), "01XYZ,NG,01"),
        (&frame("01RSD,01,0999"), "01RSD,NG,02"),
        (&frame("01WSD,01,0102,01G4"), "01WSD,NG,04"),
        (&frame("01RRD,03,0001,0002"), "01RRD,NG,08"),
        (&frame("01CLD"), "01CLD,NG,12"),
    ];
    for (request, expected) in cases {
        let reply = exchange(&mut port, request, wait, line).await;
        assert_eq!(
            reply,
            frame(expected),
            "request {:?}",
            String::from_utf8_lossy(request)
        );
    }
    let silent = exchange(
        &mut port,
        &frame("02RSD,01,0001"),
        Duration::from_millis(200),
        line,
    )
    .await;
    assert!(silent.is_empty());
    // Noise before the STX is skipped.
    let reply = exchange(
        &mut port,
        &[b"\xff\x00zz".as_slice(), &frame("01AMI")].concat(),
        wait,
        line,
    )
    .await;
    assert!(reply.starts_with(b"\x0201AMI,OK,"), "{reply:?}");
}
