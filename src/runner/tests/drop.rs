//! Drop sequences on the scripted drop rig: every drop counted with its measured height, and a
//! rig fault that ends the sequence.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{judged, measured, result, Bench};
use crate::fake::{DropScript, FakeDropRig};
use crate::judge::Verdict;
use crate::station::RigSet;

#[test]
fn a_drop_item_counts_every_drop_and_its_height() {
    let bench = Bench::new();
    let rig = FakeDropRig::new(DropScript::default(), bench.clock());
    let released = rig.released();
    let rigs = RigSet {
        drop: Some(Box::new(rig)),
        ..RigSet::none()
    };
    let state = bench.run("MEC-DROP", 1, rigs);
    let drop = result(&state, "MEC-DROP", 1);
    assert_eq!(drop.verdict, Verdict::Pass, "{drop:?}");
    assert_eq!(released.load(Ordering::SeqCst), 3);
    assert_eq!(measured(drop, "drops_done"), [3.0]);
    assert_eq!(measured(drop, "drop_height"), [762.0; 3]);
    assert_eq!(judged(drop, "drop_height"), (Some(762.0), Verdict::Pass));
    let series = bench.series("MEC-DROP/drop.csv");
    let rows: Vec<&str> = series.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{series}");
    assert!(
        rows[0].contains(",corner 2-3-5,760.000,762.000,Done,"),
        "{}",
        rows[0]
    );
}

#[test]
fn a_rig_fault_ends_the_sequence_as_an_error_naming_the_drop() {
    let bench = Bench::new();
    let script = DropScript {
        fault_on: Some((2, "release latch jammed".to_string())),
        ..DropScript::default()
    };
    let rig = FakeDropRig::new(script, bench.clock());
    let released = rig.released();
    let rigs = RigSet {
        drop: Some(Box::new(rig)),
        ..RigSet::none()
    };
    let state = bench.run("MEC-DROP", 1, rigs);
    let drop = result(&state, "MEC-DROP", 1);
    assert_eq!(drop.verdict, Verdict::Error, "{drop:?}");
    let reason = drop.reason.as_deref().unwrap();
    assert!(
        reason.contains("drop 2 (edge 2-3) stopped: release latch jammed"),
        "{reason}"
    );
    assert_eq!(released.load(Ordering::SeqCst), 1);
    let series = bench.series("MEC-DROP/drop.csv");
    assert!(series
        .lines()
        .last()
        .unwrap()
        .ends_with(",Fault,release latch jammed"));
}

#[test]
fn a_drop_that_never_completes_gives_up_after_the_drop_timeout() {
    let bench = Bench::new();
    let script = DropScript {
        positioning: Duration::from_secs(3600),
        drop_time: Duration::from_secs(7200),
        ..DropScript::default()
    };
    let rigs = RigSet {
        drop: Some(Box::new(FakeDropRig::new(script, bench.clock()))),
        ..RigSet::none()
    };
    let state = bench.run("MEC-DROP", 1, rigs);
    let drop = result(&state, "MEC-DROP", 1);
    assert_eq!(drop.verdict, Verdict::Error);
    assert!(drop
        .reason
        .as_deref()
        .unwrap()
        .contains("did not complete within 300 s"));
}
