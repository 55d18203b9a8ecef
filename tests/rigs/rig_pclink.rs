//! TEMI PC-link driver against a scripted controller over `tokio::io::duplex`: the manual's
//! frames byte for byte, NG codes as refusals, checksum errors as garbled replies.

use crate::rig_support;

use facebench::rig::chamber::temi_pclink::commands::{
    Addressed, Ami, ReadRandom, ReadSeq, WriteRandom, WriteSeq,
};
use facebench::rig::chamber::temi_pclink::frame::{decode, encode, Frame};
use facebench::rig::chamber::temi_pclink::{TemiChamber, TemiSetup};
use facebench::rig::chamber::AsyncChamber;
use facebench::rig::link::{Link, Request};
use facebench::rig::RigError;
use rig_support::{fast_link, seen_text, serve, silent_link, Noise, Seen};

fn setup(humidity: bool) -> TemiSetup {
    TemiSetup {
        address: 1,
        with_sum: true,
        humidity,
    }
}

fn framed<C>(command: &C) -> Addressed<'_, C> {
    Addressed {
        address: 1,
        with_sum: true,
        command,
    }
}

#[test]
fn commands_encode_as_in_the_manual() {
    let read = ReadRandom::new(&[1, 5]).unwrap();
    assert_eq!(framed(&read).encode(), b"\x0201RRD,02,0001,0005B5\r\n");
    let write = WriteSeq::new(102, &[0x01F4, 0x0320]).unwrap();
    assert_eq!(
        framed(&write).encode(),
        b"\x0201WSD,02,0102,01F4,0320C4\r\n"
    );
    assert_eq!(framed(&read).label(), "01RRD,02,0001,0005B5");
    let seq = ReadSeq::new(1, 2).unwrap();
    assert_eq!(
        Addressed {
            address: 12,
            with_sum: false,
            command: &seq
        }
        .encode(),
        b"\x0212RSD,02,0001\r\n"
    );
    let random = WriteRandom::new(&[(102, 0x00FA), (103, 0x0258)]).unwrap();
    assert_eq!(
        Addressed {
            address: 1,
            with_sum: false,
            command: &random
        }
        .encode(),
        b"\x0201WRD,02,0102,00FA,0103,0258\r\n"
    );
    assert!(ReadRandom::new(&[]).is_none());
    assert!(ReadRandom::new(&[0]).is_none());
    assert!(ReadRandom::new(&[1; 33]).is_none());
    assert!(ReadSeq::new(9999, 2).is_none());
}

#[test]
fn replies_parse_and_refuse() {
    let read = ReadRandom::new(&[1, 5]).unwrap();
    assert_eq!(
        framed(&read).parse(b"\x0201RRD,OK,00DC,022618\r\n"),
        Ok(vec![0x00DC, 0x0226])
    );
    let write = WriteSeq::new(102, &[0x01F4]).unwrap();
    let ok = encode(&Frame::new(1, "WSD", &["OK"]), true);
    assert_eq!(framed(&write).parse(&ok), Ok(()));
    let ng = encode(&Frame::new(1, "WSD", &["NG", "02"]), true);
    assert_eq!(
        framed(&write).parse(&ng),
        Err(facebench::rig::link::ReplyError::Refused(
            "NG02 (bad D-register number)".into()
        ))
    );
    let other_address = encode(&Frame::new(2, "RRD", &["OK", "00DC", "0226"]), true);
    assert!(framed(&read).parse(&other_address).is_err());
    let short = encode(&Frame::new(1, "RRD", &["OK", "00DC"]), true);
    assert!(framed(&read).parse(&short).is_err());
    let ami = encode(&Frame::new(1, "AMI", &["OK", "TEMI2500 V1.2"]), true);
    assert_eq!(framed(&Ami).parse(&ami).unwrap(), "TEMI2500 V1.2");
}

#[test]
fn random_and_truncated_replies_never_panic() {
    let read = ReadRandom::new(&[1, 2, 5, 6]).unwrap();
    let write = WriteSeq::new(102, &[1]).unwrap();
    let good = encode(
        &Frame::new(1, "RRD", &["OK", "00DC", "00C8", "0226", "0258"]),
        true,
    );
    let check = |bytes: &[u8]| {
        let _ = framed(&read).parse(bytes);
        let _ = framed(&write).parse(bytes);
        let _ = framed(&Ami).parse(bytes);
        let _ = decode(bytes, true);
    };
    for cut in 0..=good.len() {
        check(&good[..cut]);
        check(&good[cut..]);
    }
    let mut noise = Noise(0xdead_beef);
    for _ in 0..20_000 {
        let mut bytes = vec![0x02];
        bytes.extend(noise.bytes(b"0123456789ABCDEFRWSDOKNG,\r\n\xff", 40));
        check(&bytes);
    }
}

/// A TEMI controller at 22.0 °C / 55.0 %, set points 25.0 / 60.0.
fn controller(line: &[u8]) -> Option<Vec<u8>> {
    let Ok(request) = decode(line, true) else {
        return Some(encode(&Frame::new(1, "", &["NG", "11"]), true));
    };
    let reply = match (request.command.as_str(), request.fields.as_slice()) {
        ("RRD", [_, ..]) => {
            let mut fields = vec!["OK".to_string()];
            for register in request.fields.iter().skip(1) {
                fields.push(
                    match register.as_str() {
                        "0001" => "00DC",
                        "0002" => "00FA",
                        "0005" => "0226",
                        "0006" => "0258",
                        _ => "0000",
                    }
                    .to_string(),
                );
            }
            Frame {
                address: 1,
                command: "RRD".into(),
                fields,
            }
        }
        ("WSD", [_, start, ..]) if start == "0102" || start == "0103" || start == "0101" => {
            Frame::new(1, "WSD", &["OK"])
        }
        ("WSD", _) => Frame::new(1, "WSD", &["NG", "02"]),
        ("AMI", _) => return Some(b"\x0201AMI,OK,TEMI2500\r\n".to_vec()),
        _ => return None,
    };
    Some(encode(&reply, true))
}

#[tokio::test]
async fn driver_reads_and_writes_through_a_scripted_controller() {
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    tokio::spawn(serve(far, seen.clone(), controller));
    let mut chamber =
        TemiChamber::attach(Link::new(host, "/dev/ttyUSB3", fast_link(1)), setup(true));

    let reading = chamber.read().await.unwrap();
    assert_eq!(
        (
            reading.temp_pv,
            reading.temp_sp,
            reading.humidity_pv,
            reading.humidity_sp
        ),
        (22.0, 25.0, Some(55.0), Some(60.0))
    );
    chamber.set_temperature(-22.1).await.unwrap();
    chamber.set_humidity(Some(80.0)).await.unwrap();
    assert!(matches!(
        chamber.set_humidity(None).await,
        Err(RigError::NotSupported { .. })
    ));

    let refused = chamber.write_word(4000, 1).await.unwrap_err();
    assert!(
        matches!(&refused, RigError::Refusal { port, command, reply }
            if port == "/dev/ttyUSB3" && command == "01WSD,01,4000,0001B9" && reply.contains("NG02")),
        "{refused}"
    );
    // The AMI reply lacks its checksum: garbled, retried once, then reported with the bytes.
    let garbled = chamber.identify().await.unwrap_err();
    assert!(
        matches!(&garbled, RigError::Garbled { bytes, .. } if bytes.starts_with(b"\x0201AMI,OK")),
        "{garbled}"
    );
    assert!(matches!(
        chamber.set_temperature(5000.0).await,
        Err(RigError::Limit { .. })
    ));

    let lines = seen_text(&seen);
    assert_eq!(lines[0], "\u{2}01RRD,04,0001,0002,0005,000697\r\n");
    assert_eq!(lines[1], "\u{2}01WSD,01,0102,FF23E8\r\n");
    assert_eq!(lines[2], "\u{2}01WSD,01,0103,0320BD\r\n");
    assert_eq!(
        lines.len(),
        6,
        "RRD, 2 × WSD, refused WSD, AMI twice: {lines:?}"
    );
}

#[tokio::test]
async fn silent_controller_times_out_naming_the_frame() {
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    tokio::spawn(serve(far, seen.clone(), |_| None));
    let mut chamber = TemiChamber::attach(
        Link::new(host, "tcp:10.0.0.9:4001", silent_link(1)),
        setup(false),
    );
    let error = chamber.read().await.unwrap_err();
    assert!(
        matches!(&error, RigError::Timeout { port, command, .. } if port == "tcp:10.0.0.9:4001" && command == "01RRD,02,0001,0002B2"),
        "{error}"
    );
    assert_eq!(seen_text(&seen).len(), 2, "one retry");
}
