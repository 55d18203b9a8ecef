//! Property-style loops: the simulators' request parsers and register maps never panic on
//! random or truncated input.

use crate::sim_support;

use sim_support::pclink_frame as frame;

use std::sync::Arc;

use facebench::sim::espec::request::parse_request;
use facebench::sim::espec::EspecResponder;
use facebench::sim::modbus::drop_rig::DropRigMap;
use facebench::sim::modbus::temi::TemiModbus;
use facebench::sim::modbus::watlow_f4::WatlowF4;
use facebench::sim::modbus::watlow_f4t::WatlowF4t;
use facebench::sim::modbus::RegisterDevice;
use facebench::sim::pclink::PcLinkResponder;
use facebench::sim::physics::chamber::{ChamberModel, ChamberParams};
use facebench::sim::physics::drop_rig::{DropParams, DropRigModel};
use facebench::sim::physics::logger::LoggerModel;
use facebench::sim::scpi::{parse_command, ScpiResponder};
use facebench::sim::serve::framing::{take_line, take_stx_frame};
use facebench::sim::serve::{RequestFaults, Responder};
use facebench::sim::shared::Shared;
use facebench::sim::FaultSpec;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "TEMP",
    "HUMI",
    "MODE",
    "MON?",
    "TEMP?",
    ",",
    " ",
    "S",
    "H",
    "L",
    "OFF",
    "-",
    "1",
    "23.5",
    "RUN",
    "9",
    "PRGM",
    "RUN PRGM",
    "TIME",
    ":",
    "GOTEMP",
    "\u{2}",
    "01",
    "RSD",
    "WRD",
    "WSD",
    "RRD",
    "STD",
    "CLD",
    "0001",
    "FFFF",
    "MEAS:TEMP?",
    "TC",
    "K",
    "(@",
    ")",
    "101",
    "@",
    "*IDN?",
    "ROUT:SCAN",
    "\r",
    "\n",
    "e9",
    "NaN",
    "99999999999999999999",
    "\u{ff}",
];

fn random_input(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(12) {
        if rng.below(3) == 0 {
            out.push(rng.next() as u8);
        } else {
            out.extend_from_slice(PIECES[rng.below(PIECES.len())].as_bytes());
        }
    }
    out
}

fn clock() -> Arc<dyn facebench::clock::Clock> {
    sim_support::sim_clock()
}

#[test]
fn line_responders_survive_random_and_truncated_requests() {
    let chamber = Arc::new(Shared::new(
        ChamberModel::new(ChamberParams::default()),
        clock(),
    ));
    let logger = Arc::new(Shared::new(LoggerModel::new(4, 25.0), clock()));
    let mut responders: Vec<Box<dyn Responder>> = vec![
        Box::new(EspecResponder::new(Arc::clone(&chamber), 1)),
        Box::new(PcLinkResponder::new(Arc::clone(&chamber), 1)),
        Box::new(ScpiResponder::new(logger)),
    ];
    let valid: Vec<Vec<u8>> = vec![
        b"TEMP, S23.0 H80 L-40".to_vec(),
        b"RUN PRGM, TEMP25.0 TIME1:30 GOTEMP40.0".to_vec(),
        frame("01WRD,02,0102,01F4,0103,0320"),
        b"MEAS:TEMP? TC,K,(@101:104)".to_vec(),
    ];
    let mut rng = Rng(0x5EED);
    let faults = RequestFaults::default();
    for round in 0..20_000 {
        let input = if round % 4 == 0 {
            let v = &valid[rng.below(valid.len())];
            v[..rng.below(v.len() + 1)].to_vec()
        } else {
            random_input(&mut rng)
        };
        let _ = parse_request(&input);
        let _ = parse_command(&input);
        for r in responders.iter_mut() {
            let mut buf = input.clone();
            while let Some(req) = r.take_request(&mut buf) {
                let _ = r.respond(&req, &faults);
            }
            let _ = r.respond(&input, &faults);
        }
        let mut buf = input.clone();
        while take_line(&mut buf).is_some() {}
        let mut buf = input.clone();
        while take_stx_frame(&mut buf).is_some() {}
        if let Ok(text) = std::str::from_utf8(&input) {
            let _ = text.parse::<FaultSpec>();
        }
    }
}

#[test]
fn register_maps_survive_random_addresses_and_values() {
    let mut rng = Rng(0xC0FFEE);
    let mut chamber = ChamberModel::new(ChamberParams::default());
    let mut drop_rig = DropRigModel::new(DropParams::default());
    let mut f4 = WatlowF4::new(1);
    let mut f4t = WatlowF4t::new();
    let mut temi = TemiModbus::new();
    let mut drop_map = DropRigMap::new();
    for _ in 0..50_000 {
        let address = match rng.below(3) {
            0 => rng.next() as u16,
            1 => [0u16, 20, 100, 300, 2000, 2782, 2942, 4002, 16562, 16566][rng.below(10)],
            _ => rng.below(40) as u16,
        };
        let values: Vec<u16> = (0..rng.below(4)).map(|_| rng.next() as u16).collect();
        let input = rng.below(2) == 0;
        let _ = f4.read(&mut chamber, address, input);
        let _ = f4.write(&mut chamber, address, &values);
        let _ = f4t.read(&mut chamber, address, input);
        let _ = f4t.write(&mut chamber, address, &values);
        let _ = temi.read(&mut chamber, address, input);
        let _ = temi.write(&mut chamber, address, &values);
        let _ = drop_map.read(&mut drop_rig, address, input);
        let _ = drop_map.write(&mut drop_rig, address, &values);
    }
    assert!(chamber.temp_sp_c.is_finite());
}
