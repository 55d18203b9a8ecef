//! SCPI thermal logger against a scripted 34970A-style peer over `tokio::io::duplex`.

use crate::rig_support;

use facebench::rig::link::Link;
use facebench::rig::thermal::scpi::ScpiLogger;
use facebench::rig::{ChannelInfo, RigError};
use rig_support::{fast_link, seen_text, serve, Seen};

fn channels() -> Vec<ChannelInfo> {
    [
        (101, "cover glass", "glass"),
        (102, "bezel", "plastic"),
        (110, "vent", "metal"),
    ]
    .into_iter()
    .map(|(channel, location, material)| ChannelInfo {
        channel,
        location: location.to_string(),
        material: material.to_string(),
    })
    .collect()
}

/// A logger whose third thermocouple is open; `READ?` goes silent after the second scan.
fn logger(reads: &mut u32, line: &[u8]) -> Option<Vec<u8>> {
    let reply: &[u8] = match line {
        b"*IDN?\n" => b"Keysight Technologies,34970A,MY44012345,13-2-2\n",
        b"CONF:TEMP TC,T,(@101,102,110);:ROUT:SCAN (@101,102,110);*OPC?\n" => b"1\n",
        b"SYST:ERR?\n" => b"+0,\"No error\"\n",
        b"READ?\n" => {
            *reads += 1;
            if *reads > 2 {
                return None;
            }
            b"+3.112E+01,+2.9875E+01,+9.90000000E+37\n"
        }
        _ => return None,
    };
    Some(reply.to_vec())
}

#[tokio::test]
async fn scans_configure_once_and_open_thermocouples_read_none() {
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    let mut reads = 0;
    tokio::spawn(serve(far, seen.clone(), move |line| {
        logger(&mut reads, line)
    }));
    let mut scpi = ScpiLogger::attach(
        Link::new(host, "tcp:10.1.1.2:5025", fast_link(0)),
        channels(),
        'T',
    );

    let id = scpi.identify().await.unwrap();
    assert_eq!(
        (id.manufacturer.as_str(), id.model.as_str()),
        ("Keysight Technologies", "34970A")
    );
    let first = scpi.read_all().await.unwrap();
    assert_eq!(
        first.iter().map(|r| r.channel).collect::<Vec<_>>(),
        vec![101, 102, 110]
    );
    assert_eq!(first[0].celsius, Some(31.12));
    assert_eq!(first[1].celsius, Some(29.875));
    assert_eq!(first[2].celsius, None, "open thermocouple");
    scpi.read_all().await.unwrap();

    let silent = scpi.read_all().await.unwrap_err();
    assert!(
        matches!(&silent, RigError::Timeout { port, command, .. } if port == "tcp:10.1.1.2:5025" && command == "READ?"),
        "{silent}"
    );
    // After a link fault the scan list is sent again before the next scan.
    let _ = scpi.read_all().await;
    assert_eq!(
        seen_text(&seen),
        vec![
            "*IDN?\n",
            "CONF:TEMP TC,T,(@101,102,110);:ROUT:SCAN (@101,102,110);*OPC?\n",
            "SYST:ERR?\n",
            "READ?\n",
            "READ?\n",
            "READ?\n",
            "CONF:TEMP TC,T,(@101,102,110);:ROUT:SCAN (@101,102,110);*OPC?\n",
            "SYST:ERR?\n",
            "READ?\n",
        ]
    );
}

#[tokio::test]
async fn an_error_in_the_queue_is_a_refusal() {
    let (host, far) = tokio::io::duplex(256);
    let seen = Seen::default();
    tokio::spawn(serve(far, seen.clone(), |line: &[u8]| match line {
        b"SYST:ERR?\n" => Some(b"-221,\"Settings conflict\"\n".to_vec()),
        l if l.starts_with(b"CONF:TEMP") => Some(b"1\n".to_vec()),
        _ => None,
    }));
    let mut scpi = ScpiLogger::attach(
        Link::new(host, "/dev/ttyUSB4", fast_link(0)),
        channels(),
        'K',
    );
    let error = scpi.read_all().await.unwrap_err();
    assert!(
        matches!(&error, RigError::Refusal { command, reply, .. } if command == "SYST:ERR?" && reply == "-221, Settings conflict"),
        "{error}"
    );
    assert_eq!(
        seen_text(&seen).len(),
        2,
        "no scan after a refused configuration"
    );
}
