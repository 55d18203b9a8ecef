//! One round trip through each real driver that exists, opened by the simulator's pty path
//! exactly as a station file names `/dev/ttyUSB0`.

use crate::sim_support;

use std::path::Path;

use facebench::rig::chamber::ChamberProtocol;
use facebench::rig::{open_chamber, open_thermal, ChamberMode};
use facebench::sim::physics::chamber::{ChamberModel, ChamberParams};
use facebench::sim::{Serve, SimChamber, SimHandle, SimOptions, SimThermalLogger};
use facebench::station::parse_station;
use sim_support::sim_clock;

fn chamber_station(protocol: &str, port: &Path, extra: &str) -> facebench::station::ChamberEntry {
    let text = format!(
        "[chamber]\nprotocol = \"{protocol}\"\nport = \"{}\"\nbaud = 9600\ntimeout_ms = 2000\n\
         temp_min_c = -40.0\ntemp_max_c = 150.0\n{extra}",
        port.display()
    );
    let station = parse_station(&text, "test station", "test").unwrap_or_else(|e| panic!("{e}"));
    station.chamber.expect("a chamber entry")
}

fn set_and_read_back(protocol: ChamberProtocol, name: &str, extra: &str) {
    let sim = SimChamber::spawn(protocol, SimOptions::pty(sim_clock())).unwrap();
    round_trip(&sim, name, extra);
}

/// Opens the simulator `sim` through the real driver of station protocol `name`, sets 40 °C,
/// starts constant mode and reads both back.
fn round_trip(sim: &SimHandle<ChamberModel>, name: &str, extra: &str) {
    let entry = chamber_station(name, &sim.path().unwrap(), extra);
    let mut chamber = open_chamber(&entry.spec, None).unwrap_or_else(|e| panic!("{name}: {e}"));
    let before = chamber.read().unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(before.temp_pv, 23.0, "{name}");
    chamber
        .set_temperature(40.0)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    chamber
        .run_constant()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let state = sim.state();
    assert_eq!(state.temp_sp_c, 40.0, "{name}");
    assert_eq!(
        state.mode,
        facebench::sim::physics::chamber::ChamberMode::Constant,
        "{name}"
    );
    let after = chamber.read().unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(after.temp_sp, 40.0, "{name}");
    // Some drivers cannot read the mode back (`Other`); those that do must see it.
    if !matches!(after.mode, ChamberMode::Other(_)) {
        assert_eq!(after.mode, ChamberMode::Constant, "{name}");
    }
}

#[test]
fn espec_driver_round_trip() {
    set_and_read_back(ChamberProtocol::Espec, "espec", "");
}

#[test]
fn temi_pclink_driver_round_trip() {
    set_and_read_back(ChamberProtocol::TemiPclink, "temi-pclink", "address = 1\n");
}

#[test]
fn watlow_f4_driver_round_trip() {
    set_and_read_back(
        ChamberProtocol::WatlowF4,
        "watlow-f4",
        "address = 1\npower_event = 1\n",
    );
}

#[test]
fn espec_driver_reconnects_through_the_link_after_a_replug() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("usb-ESPEC-if00");
    let mut opts = SimOptions::pty(sim_clock());
    opts.serve = Serve::Pty {
        link: Some(link.clone()),
    };
    let sim = SimChamber::spawn(ChamberProtocol::Espec, opts).unwrap();
    let entry = chamber_station("espec", &link, "retries = 2\n");
    let mut chamber = open_chamber(&entry.spec, None).unwrap();
    assert_eq!(chamber.read().unwrap().temp_pv, 23.0);
    sim.unplug().unwrap();
    assert!(chamber.read().is_err());
    sim.replug().unwrap();
    let reading = (0..5).find_map(|_| chamber.read().ok());
    assert_eq!(reading.map(|r| r.temp_pv), Some(23.0));
}

#[test]
fn scpi_thermal_driver_round_trip() {
    let sim = SimThermalLogger::spawn(2, SimOptions::tcp(sim_clock(), 0)).unwrap();
    let text = format!(
        "[thermal]\nprotocol = \"scpi\"\nport = \"tcp:{}\"\nthermocouple = \"K\"\n\
         channels = [{{ channel = 101, location = \"glass\", material = \"glass\" }}, \
         {{ channel = 102, location = \"back\", material = \"plastic\" }}]\n",
        sim.addr().unwrap()
    );
    let station = parse_station(&text, "test station", "test").unwrap_or_else(|e| panic!("{e}"));
    let mut logger = open_thermal(&station.thermal.unwrap().spec, None).unwrap();
    sim.with_model(|m| m.channels[1].open = true);
    let readings = logger.read_all().unwrap();
    assert_eq!(readings.len(), 2);
    assert_eq!(readings[0].celsius, Some(25.0));
    assert_eq!(readings[1].celsius, None);
}

#[test]
fn watlow_f4t_driver_round_trip() {
    set_and_read_back(ChamberProtocol::WatlowF4t, "watlow-f4t", "address = 1\n");
}

#[test]
fn temi_modbus_driver_round_trip() {
    set_and_read_back(ChamberProtocol::TemiModbus, "temi-modbus", "address = 1\n");
}

#[test]
fn modbus_generic_driver_round_trip() {
    let registers = "[chamber.registers]\n\
        temp_pv = { address = 100, format = \"i16\", scale = 0.1 }\n\
        temp_sp = { address = 300, format = \"i16\", scale = 0.1 }\n\
        humidity_pv = { address = 104, format = \"f32\", word_order = \"low-first\", table = \"input\" }\n\
        humidity_sp = { address = 319, format = \"f32\", word_order = \"low-first\" }\n\
        run_stop = { address = 2000, run = 1, stop = 0 }\n";
    let map: facebench::rig::chamber::registers::RegisterMap =
        toml::from_str(&registers.replace("[chamber.registers]\n", "")).unwrap();
    let model = ChamberModel::new(ChamberParams::default());
    let sim = SimChamber::spawn_generic(map, model, SimOptions::pty(sim_clock())).unwrap();
    round_trip(&sim, "modbus-generic", &format!("address = 1\n{registers}"));
}

#[test]
fn modbus_drop_driver_runs_a_sequence_on_simulated_time() {
    use facebench::rig::drop::modbus::{open, DropLimits};
    use facebench::rig::link::LinkPolicy;
    use facebench::rig::modbus::{ModbusFraming, ModbusTarget};
    use facebench::rig::transport::{Endpoint, SerialSettings};
    use facebench::rig::{DropSetup, DropState, Orientation};

    let clock = sim_clock();
    let sim = facebench::sim::SimDropRig::spawn(SimOptions::pty(clock.clone())).unwrap();
    let target = ModbusTarget {
        endpoint: Endpoint::Serial {
            path: sim.path().unwrap().display().to_string(),
            settings: SerialSettings::eight_n_one(9600),
        },
        slave: 1,
        framing: ModbusFraming::Rtu,
        policy: LinkPolicy::default(),
    };
    let mut rig = open(&target, DropLimits::default(), None).unwrap();
    rig.configure(&DropSetup {
        height_mm: 800.0,
        orientation: Orientation::Face,
        target_id: "3".to_string(),
        count: 2,
        interval_s: 1.0,
    })
    .unwrap();
    rig.start().unwrap();
    assert_eq!(sim.state().settings.target_id, 3);
    clock.advance(sim.with_model(|m| m.cycle_time(800.0)) * 2);
    let status = rig.status().unwrap();
    assert_eq!(status.state, DropState::Done);
    assert_eq!(status.drops_done, 2);
}
