//! ESPEC driver: byte-literal commands and replies, a scripted chamber over `tokio::io::duplex`,
//! timeouts, refusals, garbled replies, safe limits and the wire log through a station.

use crate::rig_support;

use facebench::rig::chamber::espec::commands::{
    Addressed, AlarmQuery, EspecMode, HumiQuery, ModeQuery, MonQuery, RomQuery, SetHumi, SetMode,
    SetTemp, TempQuery, TypeQuery,
};
use facebench::rig::chamber::espec::EspecChamber;
use facebench::rig::chamber::AsyncChamber;
use facebench::rig::chamber::{GuardedChamber, SafeLimits};
use facebench::rig::link::{Link, ReplyError, Request};
use facebench::rig::{rig_runtime, Blocking, Chamber, ChamberMode, RigError};
use rig_support::{fast_link, seen_text, serve, Noise, Seen};

fn plain<C>(command: &C) -> Addressed<'_, C> {
    Addressed {
        address: None,
        command,
    }
}

#[test]
fn commands_encode_byte_exact() {
    assert_eq!(
        plain(&SetTemp { celsius: 23.0 }).encode(),
        b"TEMP, S23.0\r\n"
    );
    assert_eq!(
        plain(&SetTemp { celsius: -40.0 }).encode(),
        b"TEMP, S-40.0\r\n"
    );
    assert_eq!(plain(&SetHumi(Some(85.0))).encode(), b"HUMI, S85.0\r\n");
    assert_eq!(plain(&SetHumi(None)).encode(), b"HUMI, SOFF\r\n");
    assert_eq!(
        plain(&SetMode(EspecMode::Constant)).encode(),
        b"MODE, CONSTANT\r\n"
    );
    assert_eq!(
        plain(&SetMode(EspecMode::Run(3))).encode(),
        b"MODE, RUN3\r\n"
    );
    assert_eq!(plain(&MonQuery).encode(), b"MON?\r\n");
    let addressed = Addressed {
        address: Some(1),
        command: &TempQuery,
    };
    assert_eq!(addressed.encode(), b"1,TEMP?\r\n");
    assert_eq!(addressed.label(), "1,TEMP?");
}

#[test]
fn replies_parse_tolerantly() {
    let temp = plain(&TempQuery)
        .parse(b"26.4,0.0,140.0,-50.0\r\n")
        .unwrap();
    assert_eq!(
        (temp.pv, temp.sp, temp.upper, temp.lower),
        (26.4, 0.0, 140.0, -50.0)
    );
    let spaced = plain(&TempQuery)
        .parse(b"23.0, 23.0, 28.0, 23.0\r\n")
        .unwrap();
    assert_eq!(spaced.sp, 23.0);
    let humi = plain(&HumiQuery).parse(b"25,85,100,0\r\n").unwrap();
    assert_eq!((humi.pv, humi.sp), (25.0, Some(85.0)));
    let humi_off = plain(&HumiQuery).parse(b"45.0,OFF,100,0\r\n").unwrap();
    assert_eq!(humi_off.sp, None);
    let temp_only = plain(&MonQuery).parse(b"23.5,,CONSTANT,0\r\n").unwrap();
    assert_eq!(
        (
            temp_only.temp,
            temp_only.humi,
            temp_only.mode,
            temp_only.alarms
        ),
        (23.5, None, ChamberMode::Constant, 0)
    );
    let humid = plain(&MonQuery).parse(b"26.4, 55, RUN, 2\r\n").unwrap();
    assert_eq!(
        (humid.humi, humid.mode, humid.alarms),
        (Some(55.0), ChamberMode::Program, 2)
    );
    assert_eq!(
        plain(&ModeQuery).parse(b"STANDBY\r\n"),
        Ok(ChamberMode::Standby)
    );
    let with_humidity = plain(&TypeQuery).parse(b"T,T,S2,160.0\r\n").unwrap();
    assert!(with_humidity.humidity);
    assert_eq!(
        (with_humidity.controller.as_str(), with_humidity.temp_max),
        ("S2", Some(160.0))
    );
    assert!(!plain(&TypeQuery).parse(b"T,S2,160.0\r\n").unwrap().humidity);
    assert_eq!(
        plain(&RomQuery).parse(b"P300 Ver 1.08\r\n").unwrap(),
        "P300 Ver 1.08"
    );
    assert_eq!(
        plain(&AlarmQuery).parse(b"2,4,17\r\n").unwrap(),
        vec!["alarm 4", "alarm 17"]
    );
    assert_eq!(
        plain(&AlarmQuery).parse(b"0\r\n").unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        plain(&SetTemp { celsius: 23.0 }).parse(b"OK: TEMP, S23.0\r\n"),
        Ok(())
    );
    assert_eq!(
        plain(&SetTemp { celsius: 25.0 }).parse(b"OK:TEMP,S25\r\n"),
        Ok(())
    );
}

#[test]
fn refusals_and_half_lines() {
    assert_eq!(
        plain(&SetTemp { celsius: 300.0 }).parse(b"NA:DATA OUT OF RANGE\r\n"),
        Err(ReplyError::Refused(
            "NA:DATA OUT OF RANGE (value outside the controller's range)".into()
        ))
    );
    for cut in [&b"26.4,0."[..], b"26.4", b"", b"\r\n", b"26.4,0.0,140.0"] {
        assert!(
            matches!(plain(&TempQuery).parse(cut), Err(ReplyError::Garbled(_))),
            "{cut:?}"
        );
    }
    assert!(matches!(
        plain(&MonQuery).parse(b"23.5,,CONST"),
        Err(ReplyError::Garbled(_))
    ));
    assert!(matches!(
        plain(&MonQuery).parse(b"23.5,,CONSTANT,-1\r\n"),
        Err(ReplyError::Garbled(_))
    ));
    assert!(matches!(
        plain(&AlarmQuery).parse(b"3,4\r\n"),
        Err(ReplyError::Garbled(_))
    ));
    assert!(matches!(
        plain(&SetMode(EspecMode::Off)).parse(b"23.0\r\n"),
        Err(ReplyError::Garbled(_))
    ));
}

#[test]
fn random_and_truncated_replies_never_panic() {
    let samples: [&[u8]; 6] = [
        b"26.4,0.0,140.0,-50.0\r\n",
        b"23.5,,CONSTANT,0\r\n",
        b"T,T,S2,160.0\r\n",
        b"2,4,17\r\n",
        b"NA:CONT NOT READY-1\r\n",
        b"OK: TEMP, S23.0\r\n",
    ];
    let check = |bytes: &[u8]| {
        let _ = plain(&TempQuery).parse(bytes);
        let _ = plain(&HumiQuery).parse(bytes);
        let _ = plain(&MonQuery).parse(bytes);
        let _ = plain(&ModeQuery).parse(bytes);
        let _ = plain(&TypeQuery).parse(bytes);
        let _ = plain(&RomQuery).parse(bytes);
        let _ = plain(&AlarmQuery).parse(bytes);
        let _ = plain(&SetTemp { celsius: 1.0 }).parse(bytes);
        let _ = plain(&SetHumi(None)).parse(bytes);
        let _ = plain(&SetMode(EspecMode::Standby)).parse(bytes);
    };
    for sample in samples {
        for cut in 0..=sample.len() {
            check(&sample[..cut]);
            check(&sample[cut..]);
        }
    }
    let mut noise = Noise(0x1234_5678);
    for _ in 0..20_000 {
        check(&noise.bytes(b"0123456789.,-+ ONAKSTCUR:\r\n\xff\x00", 40));
    }
}

/// An ESPEC controller's acceptance of a setting: `OK:` and the command echoed.
fn accepted(line: &[u8]) -> Option<Vec<u8>> {
    Some([b"OK:".as_slice(), line].concat())
}

/// A humidity chamber at 26.4 °C / 55 %, constant mode, accepting settings.
fn humidity_chamber(line: &[u8]) -> Option<Vec<u8>> {
    let reply: &[u8] = match line {
        b"MON?\r\n" => b"26.4,55.0,CONSTANT,0\r\n",
        b"TEMP?\r\n" => b"26.4,25.0,140.0,-50.0\r\n",
        b"HUMI?\r\n" => b"55.0,60.0,100.0,0.0\r\n",
        b"TYPE?\r\n" => b"T,T,S2,160.0\r\n",
        b"ROM?\r\n" => b"NA:CMD ERR\r\n",
        b"TEMP, S300.0\r\n" => b"NA:DATA OUT OF RANGE\r\n",
        b"MODE?\r\n" => b"2\xff3\r\n",
        l if l.starts_with(b"TEMP, S") || l.starts_with(b"HUMI, S") || l.starts_with(b"MODE, ") => {
            return accepted(l)
        }
        _ => return None,
    };
    Some(reply.to_vec())
}

#[tokio::test]
async fn driver_reads_identifies_and_sets_over_duplex() {
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    tokio::spawn(serve(far, seen.clone(), humidity_chamber));
    let mut chamber = EspecChamber::attach(Link::new(host, "dup0", fast_link(0)), None);

    let reading = chamber.read().await.unwrap();
    assert_eq!(reading.temp_pv, 26.4);
    assert_eq!(reading.temp_sp, 25.0);
    assert_eq!(reading.humidity_pv, Some(55.0));
    assert_eq!(reading.humidity_sp, Some(60.0));
    assert_eq!(reading.mode, ChamberMode::Constant);

    let identity = chamber.identify().await.unwrap();
    assert!(identity.humidity);
    assert_eq!(identity.model, "S2");
    assert_eq!(
        identity.firmware, None,
        "ROM? refused: identity without firmware"
    );

    chamber.set_temperature(-10.0).await.unwrap();
    chamber.set_humidity(None).await.unwrap();
    chamber.set_mode(EspecMode::Constant).await.unwrap();
    assert_eq!(
        seen_text(&seen),
        vec![
            "MON?\r\n",
            "TEMP?\r\n",
            "HUMI?\r\n",
            "TYPE?\r\n",
            "ROM?\r\n",
            "TEMP, S-10.0\r\n",
            "HUMI, SOFF\r\n",
            "MODE, CONSTANT\r\n"
        ]
    );
}

#[tokio::test]
async fn temperature_only_chamber_is_not_asked_for_humidity() {
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    tokio::spawn(serve(far, seen.clone(), |line: &[u8]| match line {
        b"1,MON?\r\n" => Some(b"-39.8,,CONSTANT,0\r\n".to_vec()),
        b"1,TEMP?\r\n" => Some(b"-39.8,-40.0,100.0,-70.0\r\n".to_vec()),
        _ => None,
    }));
    let mut chamber = EspecChamber::attach(Link::new(host, "rs485", fast_link(0)), Some(1));
    let reading = chamber.read().await.unwrap();
    assert_eq!(
        (reading.temp_pv, reading.humidity_pv, reading.humidity_sp),
        (-39.8, None, None)
    );
    assert_eq!(seen_text(&seen), vec!["1,MON?\r\n", "1,TEMP?\r\n"]);
}

#[tokio::test]
async fn refusal_timeout_and_garbled_are_told_apart() {
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    tokio::spawn(serve(far, seen.clone(), humidity_chamber));
    let mut chamber = EspecChamber::attach(Link::new(host, "/dev/ttyUSB7", fast_link(1)), None);

    let refusal = chamber.set_temperature(300.0).await.unwrap_err();
    match &refusal {
        RigError::Refusal {
            port,
            command,
            reply,
        } => {
            assert_eq!(port, "/dev/ttyUSB7");
            assert_eq!(command, "TEMP, S300.0");
            assert!(reply.contains("DATA OUT OF RANGE"), "{reply}");
        }
        other => panic!("expected a refusal, got {other}"),
    }
    assert!(!refusal.is_link_fault());

    let garbled = chamber.send(&ModeQuery).await.unwrap_err();
    match &garbled {
        RigError::Garbled { command, bytes, .. } => {
            assert_eq!(command, "MODE?");
            assert_eq!(bytes, b"2\xff3\r\n");
            assert!(
                garbled.to_string().contains("[32 FF 33 0D 0A]"),
                "{garbled}"
            );
        }
        other => panic!("expected garbled, got {other}"),
    }

    let timeout = chamber.send(&SetMode(EspecMode::Off)).await;
    // `MODE, OFF` is answered; an unknown command is not.
    assert!(timeout.is_ok());
    let silent = chamber.alarms().await.unwrap_err();
    assert!(
        matches!(&silent, RigError::Timeout { port, command, .. } if port == "/dev/ttyUSB7" && command == "ALARM?"),
        "{silent}"
    );
    let lines = seen_text(&seen);
    assert_eq!(
        lines.iter().filter(|l| *l == "TEMP, S300.0\r\n").count(),
        1,
        "refusals are not retried"
    );
    assert_eq!(
        lines.iter().filter(|l| *l == "MODE?\r\n").count(),
        2,
        "garbled queries are retried once"
    );
    assert_eq!(
        lines.iter().filter(|l| *l == "ALARM?\r\n").count(),
        2,
        "timeouts are retried once"
    );
}

#[test]
fn setpoint_outside_safe_limits_never_reaches_the_wire() {
    let runtime = rig_runtime("dup").unwrap();
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    runtime.spawn(serve(far, seen.clone(), humidity_chamber));
    let driver = EspecChamber::attach(Link::new(host, "dup", fast_link(0)), None);
    let limits = SafeLimits {
        temp_min_c: -40.0,
        temp_max_c: 85.0,
        humidity_min: 10.0,
        humidity_max: 95.0,
    };
    let mut chamber =
        GuardedChamber::new(Box::new(Blocking::with_runtime(runtime, driver)), limits);

    let error = chamber.set_temperature(90.0).unwrap_err();
    assert!(
        matches!(error, RigError::Limit { value, min, max, .. } if value == 90.0 && min == -40.0 && max == 85.0),
        "{error}"
    );
    assert!(matches!(
        chamber.set_humidity(Some(98.0)),
        Err(RigError::Limit { .. })
    ));
    assert!(matches!(
        chamber.set_temperature(f64::NAN),
        Err(RigError::Limit { .. })
    ));
    chamber.set_temperature(85.0).unwrap();
    chamber.run_constant().unwrap();
    assert_eq!(chamber.read().unwrap().humidity_pv, Some(55.0));
    assert_eq!(
        seen_text(&seen),
        vec![
            "TEMP, S85.0\r\n",
            "MODE, CONSTANT\r\n",
            "MON?\r\n",
            "TEMP?\r\n",
            "HUMI?\r\n"
        ]
    );
}

/// A temperature-only controller: `HUMI` commands are refused with `NA:CONT NOT READY-1`.
fn temperature_only_chamber(line: &[u8]) -> Option<Vec<u8>> {
    let reply: &[u8] = match line {
        b"MON?\r\n" => b"23.5,,CONSTANT,0\r\n",
        b"TEMP?\r\n" => b"23.5,23.0,160.0,-50.0\r\n",
        b"TYPE?\r\n" => b"T,S2,160.0\r\n",
        b"ROM?\r\n" => b"NA:CMD ERR\r\n",
        l if l.starts_with(b"HUMI") => b"NA:CONT NOT READY-1\r\n",
        l if l.starts_with(b"TEMP, S") || l.starts_with(b"MODE, ") => return accepted(l),
        _ => return None,
    };
    Some(reply.to_vec())
}

#[tokio::test]
async fn a_temperature_only_reply_is_learnt_and_humi_is_not_sent_again() {
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    tokio::spawn(serve(far, seen.clone(), temperature_only_chamber));
    let mut chamber = EspecChamber::attach(Link::new(host, "/dev/ttyUSB3", fast_link(1)), None);
    assert!(chamber.has_humidity());

    let off = chamber.set_humidity(None).await.unwrap_err();
    match &off {
        RigError::NotSupported { what } => {
            assert!(what.contains("temperature-only"), "{what}");
            assert!(what.contains("/dev/ttyUSB3"), "{what}");
            assert!(what.contains("CONT NOT READY-1"), "{what}");
        }
        other => panic!("expected not supported, got {other}"),
    }
    assert!(!chamber.has_humidity());
    // Known now: nothing more goes on the wire for humidity.
    assert!(matches!(
        chamber.set_humidity(None).await,
        Err(RigError::NotSupported { .. })
    ));
    let wanted = chamber.set_humidity(Some(85.0)).await.unwrap_err();
    assert!(wanted.to_string().contains("temperature-only"), "{wanted}");
    chamber.set_temperature(40.0).await.unwrap();
    chamber.set_mode(EspecMode::Standby).await.unwrap();
    assert_eq!(
        seen_text(&seen),
        vec!["HUMI, SOFF\r\n", "TEMP, S40.0\r\n", "MODE, STANDBY\r\n"],
        "the refusal is not retried and HUMI is sent once"
    );
}

#[tokio::test]
async fn a_station_saying_humidity_false_sends_no_humi_at_all() {
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    tokio::spawn(serve(far, seen.clone(), temperature_only_chamber));
    let mut chamber =
        EspecChamber::attach(Link::new(host, "dup", fast_link(0)), None).with_humidity(false);
    assert!(matches!(
        chamber.set_humidity(None).await,
        Err(RigError::NotSupported { .. })
    ));
    let reading = chamber.read().await.unwrap();
    assert_eq!((reading.humidity_pv, reading.humidity_sp), (None, None));
    assert_eq!(seen_text(&seen), vec!["MON?\r\n", "TEMP?\r\n"]);
}

#[tokio::test]
async fn type_without_a_wet_bulb_marks_the_chamber_temperature_only() {
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    tokio::spawn(serve(far, seen.clone(), temperature_only_chamber));
    let mut chamber = EspecChamber::attach(Link::new(host, "dup", fast_link(0)), None);
    let identity = chamber.identify().await.unwrap();
    assert!(!identity.humidity);
    assert!(matches!(
        chamber.set_humidity(None).await,
        Err(RigError::NotSupported { .. })
    ));
    assert_eq!(seen_text(&seen), vec!["TYPE?\r\n", "ROM?\r\n"]);
}
