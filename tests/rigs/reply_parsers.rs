//! Property tests over every reply parser a driver feeds instrument bytes to: random input never
//! panics, and whatever a valid encoder writes parses back to what was encoded.
//!
//! Parsers: the Modbus client's frame scanner (RTU and Modbus TCP) and the scripted peer's
//! request parser, the ESPEC replies, the TEMI PC-link frame and its commands, the SCPI scan
//! reading, and the drop rig's target ids, orientations and status codes.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::modbus_peer::{parse_request, Parsed, PeerRequest};
use facebench::rig::chamber::espec::commands::{
    Addressed as EspecAddressed, AlarmQuery, HumiQuery, MonQuery, TempQuery, TypeQuery,
};
use facebench::rig::chamber::temi_pclink::commands::{Addressed as PcLinkAddressed, ReadRandom};
use facebench::rig::chamber::temi_pclink::frame::{self as pclink, Frame};
use facebench::rig::drop::ista::parse_faces;
use facebench::rig::drop::modbus::{fault_text, state_from_code, target_id_register};
use facebench::rig::drop::{Interlocks, Orientation};
use facebench::rig::link::Request;
use facebench::rig::modbus::crc::rtu_frame;
use facebench::rig::modbus::frame::{
    classify_rtu_leftover, scan_mbap, scan_rtu, Answer, Call, FaultKind, Step,
};
use facebench::rig::thermal::scpi::ReadScan;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(256)
}

/// Any of the four requests the client makes.
fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        (any::<bool>(), any::<u16>(), 1u16..=125).prop_map(|(input, address, count)| {
            Call::Read {
                input,
                address,
                count,
            }
        }),
        (any::<u16>(), any::<u16>()).prop_map(|(address, value)| Call::WriteOne { address, value }),
        (any::<u16>(), vec(any::<u16>(), 1..=123))
            .prop_map(|(address, values)| Call::WriteMany { address, values }),
    ]
}

/// What a step claims about `buf` must fit inside it.
fn step_fits(step: &Step, buf: &[u8]) -> bool {
    match step {
        Step::Need => true,
        Step::Reply { len, .. } => *len <= buf.len(),
        Step::Skip { len, .. } => (1..=buf.len()).contains(len),
    }
}

/// The PDU of a correct reply to `call` (registers `words` for reads).
fn reply_pdu(call: &Call, words: &[u16]) -> Vec<u8> {
    match call {
        Call::Read { .. } => {
            let mut pdu = vec![call.function(), (words.len() * 2) as u8];
            for w in words {
                pdu.extend_from_slice(&w.to_be_bytes());
            }
            pdu
        }
        // FC06 echoes the request; FC16 echoes address and count, which the request starts with.
        Call::WriteOne { .. } => call.pdu(),
        Call::WriteMany { .. } => call.pdu()[..5].to_vec(),
    }
}

fn words_for(call: &Call, seed: u16) -> Vec<u16> {
    match call {
        Call::Read { count, .. } => (0..*count).map(|i| seed.wrapping_mul(i + 1)).collect(),
        _ => Vec::new(),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn modbus_scanners_never_panic_on_random_bytes(
        bytes in vec(any::<u8>(), 0..300),
        slave in any::<u8>(),
        transaction in any::<u16>(),
        call in call(),
    ) {
        let step = scan_rtu(&bytes, slave, &call);
        prop_assert!(step_fits(&step, &bytes), "{step:?}");
        let _ = classify_rtu_leftover(&bytes, slave, &call);
        let step = scan_mbap(&bytes, transaction, slave, &call);
        prop_assert!(step_fits(&step, &bytes), "{step:?}");
        let _ = parse_request(&bytes);
    }

    #[test]
    fn a_valid_rtu_reply_round_trips_and_its_prefixes_are_incomplete(
        slave in 1u8..=247,
        call in call(),
        seed in any::<u16>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let words = words_for(&call, seed);
        let frame = rtu_frame(slave, &reply_pdu(&call, &words));
        let expected = match call {
            Call::Read { .. } => Answer::Words(words),
            _ => Answer::Written,
        };
        prop_assert_eq!(
            scan_rtu(&frame, slave, &call),
            Step::Reply { answer: expected, len: frame.len() }
        );
        let short = &frame[..cut.index(frame.len())];
        if !short.is_empty() {
            prop_assert_eq!(scan_rtu(short, slave, &call), Step::Need);
            let truncated = matches!(
                classify_rtu_leftover(short, slave, &call),
                FaultKind::Truncated { .. }
            );
            prop_assert!(truncated);
        }
    }

    #[test]
    fn a_corrupted_rtu_reply_is_never_used(
        slave in 1u8..=247,
        call in call(),
        seed in any::<u16>(),
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let words = words_for(&call, seed);
        let mut frame = rtu_frame(slave, &reply_pdu(&call, &words));
        let at = at.index(frame.len());
        frame[at] ^= 1 << bit;
        // CRC-16 catches every single-bit error: the frame is waited on or discarded.
        let step = scan_rtu(&frame, slave, &call);
        prop_assert!(!matches!(step, Step::Reply { .. }), "{step:?}");
    }

    #[test]
    fn a_valid_mbap_reply_round_trips_and_another_transaction_is_stale(
        unit in any::<u8>(),
        transaction in any::<u16>(),
        call in call(),
        seed in any::<u16>(),
    ) {
        let words = words_for(&call, seed);
        let pdu = reply_pdu(&call, &words);
        let mut frame = transaction.to_be_bytes().to_vec();
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(&((pdu.len() + 1) as u16).to_be_bytes());
        frame.push(unit);
        frame.extend_from_slice(&pdu);
        let expected = match call {
            Call::Read { .. } => Answer::Words(words),
            _ => Answer::Written,
        };
        prop_assert_eq!(
            scan_mbap(&frame, transaction, unit, &call),
            Step::Reply { answer: expected, len: frame.len() }
        );
        let other = transaction.wrapping_add(1);
        let stale = matches!(
            scan_mbap(&frame, other, unit, &call),
            Step::Skip { fault: FaultKind::Stale { .. }, .. }
        );
        prop_assert!(stale);
    }

    #[test]
    fn client_requests_parse_back_in_the_independent_peer(slave in any::<u8>(), call in call()) {
        let frame = call.rtu_frame(slave);
        let expected = match &call {
            Call::Read { input: false, address, count } => PeerRequest::ReadHolding(*address, *count),
            Call::Read { input: true, address, count } => PeerRequest::ReadInput(*address, *count),
            Call::WriteOne { address, value } => PeerRequest::WriteSingle(*address, *value),
            Call::WriteMany { address, values } => {
                PeerRequest::WriteMultiple(*address, values.clone())
            }
        };
        prop_assert_eq!(parse_request(&frame), Parsed::Frame(slave, expected, frame.len()));
    }

    #[test]
    fn espec_reply_parsers_never_panic(bytes in vec(any::<u8>(), 0..80), address in any::<Option<u8>>()) {
        let _ = EspecAddressed { address, command: &MonQuery }.parse(&bytes);
        let _ = EspecAddressed { address, command: &TempQuery }.parse(&bytes);
        let _ = EspecAddressed { address, command: &HumiQuery }.parse(&bytes);
        let _ = EspecAddressed { address, command: &TypeQuery }.parse(&bytes);
        let _ = EspecAddressed { address, command: &AlarmQuery }.parse(&bytes);
    }

    #[test]
    fn espec_monitor_and_temperature_replies_round_trip(
        temp in -999i32..=1999,
        humi in proptest::option::of(0i32..=1000),
        alarms in 0u32..=99,
        sp in -999i32..=1999,
    ) {
        let temp = f64::from(temp) / 10.0;
        let humi = humi.map(|h| f64::from(h) / 10.0);
        let sp = f64::from(sp) / 10.0;
        let humi_text = humi.map(|h| format!("{h:.1}")).unwrap_or_default();
        let line = format!("{temp:.1},{humi_text},CONSTANT,{alarms}\r\n");
        let mon = EspecAddressed { address: None, command: &MonQuery }
            .parse(line.as_bytes())
            .unwrap();
        prop_assert_eq!(mon.temp, temp);
        prop_assert_eq!(mon.humi, humi);
        prop_assert_eq!(mon.alarms, alarms);
        let line = format!("{temp:.1},{sp:.1},200.0,-100.0\r\n");
        let reply = EspecAddressed { address: None, command: &TempQuery }
            .parse(line.as_bytes())
            .unwrap();
        prop_assert_eq!((reply.pv, reply.sp), (temp, sp));
    }

    #[test]
    fn pclink_parsers_never_panic(bytes in vec(any::<u8>(), 0..80), with_sum in any::<bool>()) {
        let _ = pclink::decode(&bytes, with_sum);
        let _ = pclink::frame_len(&bytes);
        let read = ReadRandom::new(&[1, 2, 3]).unwrap();
        let _ = PcLinkAddressed { address: 1, with_sum, command: &read }.parse(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = pclink::parse_word(text);
            let _ = pclink::decode_word(text);
        }
    }

    #[test]
    fn pclink_frames_round_trip(
        address in 1u8..=99,
        command in "[A-Z]{3}",
        fields in vec("[ -+\\--~]{0,6}", 0..5),
        with_sum in any::<bool>(),
    ) {
        prop_assume!(!command.starts_with("NG"));
        let frame = Frame { address, command, fields };
        let bytes = pclink::encode(&frame, with_sum);
        prop_assert_eq!(pclink::frame_len(&bytes), Some(bytes.len()));
        prop_assert_eq!(pclink::decode(&bytes, with_sum), Ok(frame));
    }

    #[test]
    fn pclink_words_round_trip(raw in any::<u16>()) {
        prop_assert_eq!(pclink::parse_word(&pclink::word_text(raw)), Some(raw));
    }

    #[test]
    fn scpi_scan_parser_never_panics(bytes in vec(any::<u8>(), 0..80), channels in vec(101u16..=120, 0..6)) {
        let _ = ReadScan { channels }.parse(&bytes);
    }

    #[test]
    fn scpi_scan_readings_round_trip(values in vec(-200_000i32..=1_300_000, 1..8)) {
        let channels: Vec<u16> = (101..).take(values.len()).collect();
        let celsius: Vec<f64> = values.iter().map(|v| f64::from(*v) / 1000.0).collect();
        let line = celsius
            .iter()
            .map(|c| format!("{c:+.8E}"))
            .collect::<Vec<_>>()
            .join(",")
            + "\n";
        let readings = ReadScan { channels: channels.clone() }.parse(line.as_bytes()).unwrap();
        prop_assert_eq!(readings.len(), channels.len());
        for ((reading, channel), value) in readings.iter().zip(&channels).zip(&celsius) {
            prop_assert_eq!(reading.channel, *channel);
            prop_assert_eq!(reading.celsius, Some(*value));
        }
    }

    #[test]
    fn drop_rig_parsers_never_panic(chars in vec(any::<char>(), 0..12), code in any::<u16>()) {
        let text: String = chars.into_iter().collect();
        let _ = parse_faces(&text);
        let _ = Orientation::parse(&text);
        for orientation in Orientation::ALL {
            let _ = target_id_register(orientation, &text);
        }
        let _ = state_from_code(code);
        prop_assert!(!fault_text(code).is_empty());
        prop_assert_eq!(Interlocks::from_bits(code).bits(), code & 0x1F);
    }

    #[test]
    fn drop_rig_ids_round_trip(a in 1u8..=6, b in 1u8..=6, c in 1u8..=6) {
        for faces in [vec![a], vec![a, b], vec![a, b, c]] {
            let id = faces.iter().map(u8::to_string).collect::<Vec<_>>().join("-");
            prop_assert_eq!(parse_faces(&id), Ok(faces));
        }
    }
}

#[test]
fn orientations_round_trip_through_their_keys() {
    for orientation in Orientation::ALL {
        assert_eq!(Orientation::parse(orientation.key()), Some(orientation));
    }
}
