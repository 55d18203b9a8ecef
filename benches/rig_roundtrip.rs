//! One request/response transaction per rig protocol over a real pty, against the simulators:
//! the harness's time per transaction, printed beside the wire time the same bytes take on a
//! 9600-baud 8N1 line (10 bits a byte), the physical limit of the bus.
//!
//! `cargo bench --bench rig_roundtrip`

use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};

use facebench::clock::{Clock, SimClock};
use facebench::rig::drop::manual::OperatorChannel;
use facebench::rig::RigError;
use facebench::runner::rigs::RigSet;
use facebench::station::parse_station;
use facebench::station::{open_station, SimFaults, StationSims};

/// Bits a byte takes on an 8N1 line.
const BITS_PER_BYTE: f64 = 10.0;
/// The bus rate the comparison uses.
const BAUD: f64 = 9600.0;

#[derive(Debug)]
struct NoOperator;

impl OperatorChannel for NoOperator {
    fn instruct(&mut self, _text: &str) -> Result<bool, RigError> {
        Ok(false)
    }
}

/// A simulated station whose chamber speaks `protocol`, with the wire logged into `dir`.
fn station(protocol: &str, dir: &Path) -> (RigSet, StationSims) {
    let text = format!(
        "sim = true\n[chamber]\nprotocol = \"{protocol}\"\nwire_log = true\n\
         [drop]\nprotocol = \"modbus\"\nwire_log = true\n\
         [thermal]\nprotocol = \"scpi\"\nwire_log = true\n\
         channels = [{{ channel = 101, location = \"a\", material = \"glass\" }}, \
         {{ channel = 102, location = \"b\", material = \"air\" }}]\n"
    );
    let station = parse_station(&text, "bench.toml", "bench").expect("bench station");
    let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    open_station(
        &station,
        clock,
        Some(dir),
        Box::new(NoOperator),
        &SimFaults::default(),
        1,
    )
    .expect("simulated rigs open")
}

/// Bytes on the wire (both directions) recorded in a wire log so far.
fn wire_bytes(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            Some(
                line.split_once('[')?
                    .1
                    .split_once(']')?
                    .0
                    .split_whitespace()
                    .count(),
            )
        })
        .sum()
}

/// Runs `transaction` once to measure its wire bytes, prints the wire time, then benchmarks it.
fn bench_one(c: &mut Criterion, name: &str, log: &Path, mut transaction: impl FnMut()) {
    let before = wire_bytes(log);
    transaction();
    let bytes = wire_bytes(log) - before;
    let wire_ms = bytes as f64 * BITS_PER_BYTE / BAUD * 1000.0;
    eprintln!("{name}: {bytes} bytes a transaction, {wire_ms:.1} ms on a 9600-baud line");
    c.bench_function(name, |b| b.iter(&mut transaction));
}

fn roundtrips(c: &mut Criterion) {
    for protocol in [
        "espec",
        "temi-pclink",
        "watlow-f4",
        "watlow-f4t",
        "temi-modbus",
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (mut rigs, _sims) = station(protocol, dir.path());
        let chamber = rigs.chamber.as_mut().expect("chamber");
        bench_one(
            c,
            &format!("chamber read ({protocol})"),
            &dir.path().join("wire-chamber.log"),
            || {
                chamber.read().expect("chamber read");
            },
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut rigs, _sims) = station("espec", dir.path());
    let drop = rigs.drop.as_mut().expect("drop rig");
    bench_one(
        c,
        "drop status (modbus)",
        &dir.path().join("wire-drop.log"),
        || {
            drop.status().expect("drop status");
        },
    );
    let thermal = rigs.thermal.as_mut().expect("thermal logger");
    bench_one(
        c,
        "thermal read_all (scpi, 2 channels)",
        &dir.path().join("wire-thermal.log"),
        || {
            thermal.read_all().expect("thermal read");
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = roundtrips
}
criterion_main!(benches);
