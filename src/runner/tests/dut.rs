//! Steps on the scripted device under test: SN, package, shell and screenshot judged and
//! attached, a reboot timed on the simulated clock, crash and re-enumeration counts beside a
//! climate step (and the operator not asked for them), and a station without a DUT.

use std::time::Duration;

use super::{judged, measured, result, unit, Bench};
use crate::dut::{DutRig, LogSource, PackageInfo, ShellOutput};
use crate::fake::{ChamberScript, DutFault, DutScript, FakeChamber, FakeDut};
use crate::judge::Verdict;
use crate::station::RigSet;

/// The label SN of sample 1, which a healthy fake DUT reports.
fn label_sn() -> String {
    unit(1).device_sn
}

fn script() -> DutScript {
    let mut script = DutScript::healthy(&label_sn());
    script
        .properties
        .insert("ro.build.version.sdk".into(), "30".into());
    script.shell.push((
        "getprop ro.build.version.sdk".into(),
        ShellOutput {
            stdout: "30\n".into(),
            exit_code: None,
        },
    ));
    script
}

fn rigs_with(bench: &Bench, script: DutScript) -> RigSet {
    let dut = FakeDut::new(script, bench.clock());
    let rig = DutRig {
        dut: Box::new(dut),
        face_app: Some("com.example.face".into()),
        camera_usb: Some("1-1".into()),
        label_sn: None,
    };
    RigSet {
        dut: Some(rig),
        ..RigSet::none()
    }
}

#[test]
fn software_checks_are_judged_and_the_screenshot_is_attached() {
    let bench = Bench::new();
    let state = bench.run("DUT-SW", 1, rigs_with(&bench, script()));
    let sw = result(&state, "DUT-SW", 1);
    assert_eq!(sw.verdict, Verdict::Pass, "{sw:?}");
    assert_eq!(judged(sw, "sn_match"), (Some(1.0), Verdict::Pass));
    assert_eq!(judged(sw, "value"), (Some(30.0), Verdict::Pass));
    assert_eq!(measured(sw, "screenshots"), [1.0]);
    assert_eq!(sw.attachments.len(), 1, "{sw:?}");
    let png = std::fs::read(bench.dir.path().join("run").join(&sw.attachments[0])).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let property = bench.series("DUT-SW/dut-property.csv");
    assert!(
        property.contains(&format!("ro.serialno,{}", label_sn())),
        "{property}"
    );
}

#[test]
fn a_wrong_sn_and_an_app_outside_the_system_image_do_not_pass() {
    let bench = Bench::new();
    let mut script = script();
    script
        .properties
        .insert("ro.serialno".into(), "0123456789ABCDEF".into());
    script.packages = vec![PackageInfo {
        name: "com.example.face".into(),
        path: Some("/data/app/com.example.face-1/base.apk".into()),
        system: false,
        version: None,
    }];
    let state = bench.run("DUT-SW", 1, rigs_with(&bench, script));
    let sw = result(&state, "DUT-SW", 1);
    assert_eq!(sw.verdict, Verdict::NoPass, "{sw:?}");
    assert_eq!(measured(sw, "sn_valid"), [0.0]);
    assert_eq!(judged(sw, "sn_match"), (Some(0.0), Verdict::NoPass));
    assert_eq!(judged(sw, "system_app"), (Some(0.0), Verdict::NoPass));
}

#[test]
fn a_device_that_stops_answering_is_an_error_naming_the_command() {
    let bench = Bench::new();
    let mut script = script();
    script.faults = vec![DutFault::NoReply("package".into())];
    let state = bench.run("DUT-SW", 1, rigs_with(&bench, script));
    let sw = result(&state, "DUT-SW", 1);
    assert_eq!(sw.verdict, Verdict::Error, "{sw:?}");
    let reason = sw.reason.as_deref().unwrap();
    assert!(
        reason.contains("no reply to `package com.example.face`"),
        "{reason}"
    );
}

#[test]
fn a_reboot_is_timed_on_the_runs_clock() {
    let bench = Bench::new();
    let state = bench.run("DUT-REBOOT", 1, rigs_with(&bench, script()));
    let reboot = result(&state, "DUT-REBOOT", 1);
    assert_eq!(reboot.verdict, Verdict::Pass, "{reboot:?}");
    assert_eq!(measured(reboot, "reboot_s"), [40.0]);
}

#[test]
fn crashes_and_reenumerations_during_a_climate_step_are_counted_not_asked() {
    let bench = Bench::new();
    let mut script = script();
    let minute = Duration::from_secs(60);
    script.logs = vec![
        (
            LogSource::Logcat,
            minute * 30,
            "E AndroidRuntime: FATAL EXCEPTION: main".into(),
        ),
        (
            LogSource::Logcat,
            minute * 30,
            "E AndroidRuntime: Process: com.example.face, PID: 4242".into(),
        ),
        (
            LogSource::Dmesg,
            minute * 50,
            "[3000.0] usb 1-1: USB disconnect, device number 3".into(),
        ),
        (
            LogSource::Dmesg,
            minute * 51,
            "[3060.0] usb 2-1: USB disconnect, device number 4".into(),
        ),
    ];
    let mut rigs = rigs_with(&bench, script);
    rigs.chamber = Some(Box::new(FakeChamber::new(
        ChamberScript::healthy(),
        bench.clock(),
    )));
    // NoPrompts panics if the operator is asked: both counts come from the device.
    let state = bench.run("CLM-WATCH", 1, rigs);
    let watch = result(&state, "CLM-WATCH", 1);
    assert_eq!(judged(watch, "app_restarts"), (Some(1.0), Verdict::NoPass));
    assert_eq!(judged(watch, "usb_reenum"), (Some(1.0), Verdict::NoPass));
    let logcat = bench.series("CLM-WATCH/dut-logcat.csv");
    assert!(logcat.contains("PID: 4242"), "{logcat}");
}

#[test]
fn a_station_without_a_dut_leaves_dut_items_not_tested() {
    let bench = Bench::new();
    let state = bench.run("DUT-SW", 1, RigSet::none());
    let sw = result(&state, "DUT-SW", 1);
    assert_eq!(sw.verdict, Verdict::NotTested, "{sw:?}");
    let reason = sw.reason.as_deref().unwrap();
    assert!(reason.contains("needs a dut rig"), "{reason}");
}
