//! Station files: the shipped examples resolve, every mistake is reported with file:line:col,
//! and the registry opens a chamber from a station with its wire log.

use crate::rig_support;

use std::path::Path;

use facebench::rig::chamber::ChamberProtocol;
use facebench::rig::spec::DropProtocol;
use facebench::rig::transport::{Endpoint, Parity, StopBits};
use facebench::rig::wire_log::WireLog;
use facebench::rig::{open_chamber, open_thermal, ChamberMode, RigError};
use facebench::station::{load_station, parse_station, SafeState, StationErrors};
use rig_support::{serve, Seen};

fn rigs_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/rigs"))
}

fn errors(text: &str) -> Vec<String> {
    match parse_station(text, "rigs/t.toml", "t") {
        Ok(station) => panic!("expected errors, got {station:?}"),
        Err(StationErrors(found)) => found.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn every_shipped_station_file_resolves() {
    let mut count = 0;
    for entry in std::fs::read_dir(rigs_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let station = load_station(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(station.chamber.is_some(), "{}", path.display());
            count += 1;
        }
    }
    assert!(count >= 6, "sim + five examples, found {count}");
}

#[test]
fn espec_example_resolves_to_the_written_values() {
    let station = load_station(&rigs_dir().join("example-espec.toml")).unwrap();
    let chamber = station.chamber.unwrap();
    assert_eq!(chamber.spec.protocol, ChamberProtocol::Espec);
    match chamber.spec.connection.endpoint {
        Some(Endpoint::Serial { path, settings }) => {
            assert!(path.starts_with("/dev/serial/by-id/"));
            assert_eq!(settings.baud, 9600);
            assert_eq!(settings.parity, Parity::None);
            assert_eq!(settings.stop_bits, StopBits::One);
        }
        other => panic!("expected a serial port, got {other:?}"),
    }
    assert_eq!(chamber.spec.limits.temp_max_c, 85.0);
    assert_eq!(
        chamber.safe_state,
        SafeState::Setpoint {
            celsius: 23.0,
            then_stop: true
        }
    );
    assert!(chamber.spec.connection.wire_log);
    assert_eq!(station.drop.unwrap().protocol, DropProtocol::Manual);
    let sim = load_station(&rigs_dir().join("sim.toml"))
        .unwrap()
        .drop
        .unwrap();
    assert_eq!(
        (sim.height_min_mm, sim.height_max_mm),
        (Some(100.0), Some(1500.0))
    );
    let thermal = station.thermal.unwrap();
    assert_eq!(thermal.spec.channels.len(), 4);
    assert_eq!(thermal.spec.channels[0].location, "cover glass");
    assert_eq!(thermal.spec.thermocouple, 'K');
}

#[test]
fn sim_station_needs_no_ports() {
    let station = load_station(&rigs_dir().join("sim.toml")).unwrap();
    assert!(station.sim);
    let chamber = station.chamber.unwrap();
    assert_eq!(chamber.spec.connection.endpoint, None);
    let error = open_chamber(&chamber.spec, None).unwrap_err();
    assert!(matches!(error, RigError::NotSupported { .. }), "{error}");
}

#[test]
fn unknown_keys_point_at_line_and_column() {
    let found =
        errors("[chamber]\nprotocol = \"espec\"\nport = \"/dev/ttyUSB0\"\nbaudrate = 9600\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("rigs/t.toml:4:1"), "{}", found[0]);
    assert!(found[0].contains("baudrate"), "{}", found[0]);
}

#[test]
fn unknown_keys_are_reported_with_the_closest_key_in_every_section() {
    let text = "\
[chamber]
protocl = \"espec\"
port = \"/dev/ttyUSB0\"
safe_state = { setpiont_c = 23.0 }

[thermal]
protocol = \"scpi\"
port = \"/dev/ttyUSB1\"
channels = [{ chanel = 101, location = \"glass\" }]

[camera]
rbg = \"synthetic\"
";
    let found = errors(text);
    let expect = [
        "rigs/t.toml:2:1 chamber.protocl: unknown key `protocl` (did you mean `protocol`?)",
        "rigs/t.toml:4:16 chamber.safe_state.setpiont_c: unknown key `setpiont_c` (did you mean `setpoint_c`?)",
        "rigs/t.toml:9:15 thermal.channels[0].chanel: unknown key `chanel` (did you mean `channel`?)",
        "rigs/t.toml:12:1 camera.rbg: unknown key `rbg` (did you mean `rgb`?)",
    ];
    for want in expect {
        assert!(
            found.iter().any(|got| got.starts_with(want)),
            "{found:#?}\n  should hold a line starting with\n{want}"
        );
    }
}

#[test]
fn wrong_types_name_the_key_and_what_was_found() {
    let found = errors(
        "sim = \"yes\"\n[chamber]\nprotocol = \"espec\"\nbaud = \"9600\"\nstop_bits = 3\naddress = 300\nport = \"/dev/ttyUSB0\"\n",
    );
    assert_eq!(
        found,
        [
            "rigs/t.toml:1:7 sim: expected a boolean, found string",
            "rigs/t.toml:4:8 chamber.baud: expected an integer, found string",
            "rigs/t.toml:5:13 chamber.stop_bits: expected 1 or 2",
            "rigs/t.toml:6:11 chamber.address: expected a whole number from 0 to 255",
        ],
        "{found:#?}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = "\
[chamber]
protocol = \"espek\"
port = \"/dev/ttyUSB0\"
parity = \"mark\"
temp_min_c = 50.0
temp_max_c = 20.0

[thermal]
protocol = \"scpi\"
port = \"tcp:logger\"
channels = [{ channel = 101, location = \"glass\" }, { channel = 101, location = \"bezel\" }]
";
    let found = errors(text);
    let expect = [
        "rigs/t.toml:2:12 chamber.protocol: unknown protocol `espek`",
        "rigs/t.toml:4:10 chamber.parity: unknown parity `mark`",
        "rigs/t.toml:5:14 chamber.temp_min_c: limits [50, 20] are not an interval",
        "rigs/t.toml:10:8 thermal.port: `tcp:logger`: expected tcp:HOST:PORT",
        "rigs/t.toml:11:64 thermal.channels[1].channel: channel 101 is listed twice",
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for (got, want) in found.iter().zip(expect) {
        assert!(got.starts_with(want), "{got}\n  should start with\n{want}");
    }
}

#[test]
fn protocol_specific_keys_and_missing_parts() {
    let found = errors("[chamber]\nprotocol = \"espec\"\n");
    assert!(found[0].contains("chamber.port: missing"), "{found:?}");

    let found = errors("[chamber]\nprotocol = \"espec\"\nport = \"/dev/ttyS0\"\npower_event = 1\n");
    assert!(
        found[0].contains("only a watlow-f4 chamber takes `power_event`"),
        "{found:?}"
    );

    let found = errors("[chamber]\nprotocol = \"modbus-generic\"\nport = \"/dev/ttyS0\"\n");
    assert!(found[0].contains("needs [chamber.registers]"), "{found:?}");

    let found = errors(
        "[chamber]\nprotocol = \"espec\"\nport = \"/dev/ttyS0\"\ntemp_max_c = 60.0\nsafe_state = { setpoint_c = 70.0 }\n",
    );
    assert!(
        found[0].starts_with("rigs/t.toml:5:14 chamber.safe_state"),
        "{found:?}"
    );

    let found = errors("[drop]\nprotocol = \"manual\"\nport = \"/dev/ttyS1\"\ntemp_max_c = 1.0\n");
    assert_eq!(found.len(), 2, "{found:?}");

    let found = errors("[drop]\nprotocol = \"modbus\"\nport = \"/dev/ttyS1\"\nheight_min_mm = 800.0\nheight_max_mm = 500.0\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("rigs/t.toml:4:17 drop.height_min_mm: 800 mm is not below"),
        "{found:?}"
    );

    let found =
        errors("[chamber]\nprotocol = \"espec\"\nport = \"/dev/ttyS0\"\nheight_max_mm = 1.0\n");
    assert!(
        found[0].contains("chamber.height_max_mm: unknown key `height_max_mm`"),
        "{found:?}"
    );

    let found =
        errors("[thermal]\nprotocol = \"scpi\"\nport = \"/dev/ttyS2\"\nthermocouple = \"Q\"\n");
    assert!(
        found.iter().any(|f| f.contains("thermal.thermocouple")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("list at least one channel")),
        "{found:?}"
    );
}

#[test]
fn generic_register_map_is_checked() {
    let text = "\
[chamber]
protocol = \"modbus-generic\"
port = \"/dev/ttyUSB0\"
[chamber.registers]
temp_pv = { address = 100, scale = 0.0 }
temp_sp = { address = 300, table = \"input\" }
humidity_pv = { address = 104 }
run_stop = { address = 2000, run = 1, stop = 0 }
";
    let found = errors(text);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found.iter().any(|f| f.contains("registers.temp_pv.scale")));
    assert!(found.iter().any(|f| f.contains("registers.temp_sp.table")));
    assert!(found
        .iter()
        .any(|f| f.contains("humidity_pv and humidity_sp")));
}

#[test]
fn unreadable_file_names_the_file() {
    let error = load_station(Path::new("rigs/no-such-station.toml")).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("rigs/no-such-station.toml: cannot read"),
        "{error}"
    );
}

/// Serves one TCP connection in a thread with its own runtime.
fn tcp_peer(answer: fn(&[u8]) -> Option<Vec<u8>>) -> (u16, Seen) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Seen::default();
    let record = seen.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let (socket, _) = listener.accept().await.unwrap();
            serve(socket, record, answer).await;
        });
    });
    (port, seen)
}

#[test]
fn registry_opens_a_station_chamber_with_wire_log_and_limits() {
    let (port, seen) = tcp_peer(|line| match line {
        b"MON?\r\n" => Some(b"23.5,,STANDBY,0\r\n".to_vec()),
        b"TEMP?\r\n" => Some(b"23.5,23.0,100.0,-50.0\r\n".to_vec()),
        _ => None,
    });
    let text = format!(
        "[chamber]\nprotocol = \"espec\"\nport = \"tcp:127.0.0.1:{port}\"\ntimeout_ms = 500\nretries = 0\ntemp_max_c = 60.0\nwire_log = true\n"
    );
    let station = parse_station(&text, "inline", "inline").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut chamber =
        open_chamber(&station.chamber.as_ref().unwrap().spec, Some(dir.path())).unwrap();
    let reading = chamber.read().unwrap();
    assert_eq!(
        (reading.temp_pv, reading.mode),
        (23.5, ChamberMode::Standby)
    );
    assert!(matches!(
        chamber.set_temperature(61.0),
        Err(RigError::Limit { .. })
    ));
    let timeout = chamber.alarms().unwrap_err();
    assert!(
        matches!(&timeout, RigError::Timeout { port: p, command, .. } if p == &format!("tcp:127.0.0.1:{port}") && command == "ALARM?"),
        "{timeout}"
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        3,
        "MON?, TEMP?, ALARM?; nothing for the refused set point"
    );

    let log = std::fs::read_to_string(dir.path().join(WireLog::file_name("chamber"))).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines[0].ends_with(&format!(
            "tcp:127.0.0.1:{port} TX [4D 4F 4E 3F 0D 0A] \"MON?\\r\\n\""
        )),
        "{log}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" RX ") && l.contains("23.5,,STANDBY,0")),
        "{log}"
    );
    assert!(!log.contains("61.0"), "{log}");
}

#[test]
fn registry_opens_a_thermal_logger() {
    let (port, _seen) = tcp_peer(|line| match line {
        b"*IDN?\n" => Some(b"Keysight Technologies,DAQ970A,MY1,A.01\n".to_vec()),
        l if l.starts_with(b"CONF:TEMP TC,K,(@101,102)") => Some(b"1\n".to_vec()),
        b"SYST:ERR?\n" => Some(b"+0,\"No error\"\n".to_vec()),
        b"READ?\n" => Some(b"+2.512E+01,+9.9E+37\n".to_vec()),
        _ => None,
    });
    let text = format!(
        "[thermal]\nprotocol = \"scpi\"\nport = \"tcp:127.0.0.1:{port}\"\nchannels = [{{ channel = 101, location = \"cover glass\", material = \"glass\" }}, {{ channel = 102, location = \"vent\" }}]\n"
    );
    let station = parse_station(&text, "inline", "inline").unwrap();
    let mut logger = open_thermal(&station.thermal.as_ref().unwrap().spec, None).unwrap();
    assert_eq!(logger.identify().unwrap().model, "DAQ970A");
    assert_eq!(logger.channels().len(), 2);
    let readings = logger.read_all().unwrap();
    assert_eq!(readings[0].celsius, Some(25.12));
    assert_eq!(readings[1].celsius, None);
}

#[test]
fn mangled_station_files_never_panic() {
    let good = std::fs::read_to_string(rigs_dir().join("example-modbus-generic.toml")).unwrap();
    let bytes = good.as_bytes();
    let mut noise = rig_support::Noise(0x0bad_cafe);
    for _ in 0..3_000 {
        let mut text = bytes.to_vec();
        // Cut somewhere and splice in a few characters TOML cares about.
        let cut = noise.next() as usize % text.len();
        text.truncate(cut);
        text.extend(noise.bytes(b"[]{}=\",.\n0123456789-abc ", 12));
        text.extend_from_slice(&bytes[cut..]);
        let text = String::from_utf8_lossy(&text);
        if let Err(StationErrors(found)) = parse_station(&text, "fuzz.toml", "fuzz") {
            assert!(!found.is_empty());
        }
    }
}
