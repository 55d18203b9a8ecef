//! The Android backend against the simulated terminal over real TCP (direct adbd link).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{AdbDut, AdbLink};
use crate::clock::{Clock, SimClock, SystemClock};
use crate::dut::{monitor, Dut, DutError, LogSource};
use crate::sim::android::{AndroidFault, AndroidSimHandle, SimAndroid, FACE_APP};

const TIMEOUT: Duration = Duration::from_millis(300);

fn start(faults: &[AndroidFault], clock: Arc<dyn Clock>) -> (AndroidSimHandle, AdbDut) {
    let sim = faults
        .iter()
        .fold(SimAndroid::new("FBT1A2B3C4D5"), |sim, f| sim.with_fault(f));
    let handle = sim
        .spawn("127.0.0.1:0".parse().unwrap(), Arc::clone(&clock))
        .unwrap();
    let dut = AdbDut::new(direct(handle.addr()), TIMEOUT, clock);
    (handle, dut)
}

fn direct(addr: SocketAddr) -> AdbLink {
    AdbLink::Direct {
        addr,
        key: Some(super::key::sim_key_path()),
    }
}

fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock::new())
}

#[test]
fn properties_shell_packages_and_screenshots_come_over_the_wire() {
    let (_sim, mut dut) = start(&[], system());
    assert_eq!(dut.property("ro.serialno").unwrap(), "FBT1A2B3C4D5");
    assert_eq!(dut.property("ro.build.version.release").unwrap(), "11");
    let out = dut.shell("echo hello adb").unwrap();
    assert_eq!(out.stdout, "hello adb\n");
    let app = dut
        .package(FACE_APP)
        .unwrap()
        .expect("the face app is installed");
    assert!(app.system, "{app:?}");
    assert_eq!(app.version.as_deref(), Some("3.2.1"));
    assert_eq!(dut.package("com.not.installed").unwrap(), None);
    let png = dut.screenshot().unwrap();
    let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
    assert_eq!((image.width(), image.height()), (320, 240));
}

#[test]
fn a_wrong_sn_and_an_app_that_is_not_a_system_app_are_reported_as_they_are() {
    let faults = [
        AndroidFault::WrongSn("WRONG0001".into()),
        AndroidFault::NotSystemApp,
    ];
    let (_sim, mut dut) = start(&faults, system());
    assert_eq!(dut.property("ro.serialno").unwrap(), "WRONG0001");
    let app = dut.package(FACE_APP).unwrap().expect("still installed");
    assert!(!app.system, "{app:?}");
    assert!(app.path.unwrap().starts_with("/data/app/"));
}

#[test]
fn a_link_dropped_mid_command_is_a_link_error_naming_device_and_command() {
    let (sim, mut dut) = start(&[AndroidFault::Disconnect("dumpsys".into())], system());
    let started = Instant::now();
    let err = dut.shell("dumpsys package x").unwrap_err();
    // A reset link is a link error at once, not a wait for the call's deadline.
    assert!(matches!(err, DutError::Link { .. }), "{err}");
    assert!(started.elapsed() < TIMEOUT, "{:?}", started.elapsed());
    let text = err.to_string();
    assert!(text.contains(&sim.addr().to_string()), "{text}");
    assert!(text.contains("dumpsys package x"), "{text}");
    // The next call reconnects.
    assert_eq!(dut.property("ro.serialno").unwrap(), "FBT1A2B3C4D5");
}

#[test]
fn slow_replies_time_out_at_the_links_timeout_not_later() {
    let (_sim, mut dut) = start(&[AndroidFault::Slow(Duration::from_secs(1))], system());
    let started = Instant::now();
    let err = dut.property("ro.serialno").unwrap_err();
    assert!(matches!(err, DutError::Timeout { .. }), "{err}");
    assert!(started.elapsed() < TIMEOUT + Duration::from_millis(500));
    assert!(err.to_string().contains("getprop ro.serialno"), "{err}");
}

#[test]
fn nothing_listening_is_a_link_error_at_once() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut dut = AdbDut::new(direct(addr), TIMEOUT, system());
    let err = dut.property("ro.serialno").unwrap_err();
    assert!(matches!(err, DutError::Link { .. }), "{err}");
    assert!(err.to_string().contains("connection refused"), "{err}");
}

#[test]
fn reboot_waits_until_the_device_is_back_with_a_new_boot() {
    let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    let (sim, mut dut) = start(&[], clock.clone());
    dut.property("ro.serialno").unwrap();
    let asked = clock.elapsed();
    dut.reboot_and_wait(Duration::from_secs(10)).unwrap();
    // The simulated terminal takes 2 s of its clock to boot.
    assert!(
        clock.elapsed() - asked >= Duration::from_secs(2),
        "{:?}",
        clock.elapsed() - asked
    );
    assert!(!sim.booting());
    assert_eq!(dut.property("ro.serialno").unwrap(), "FBT1A2B3C4D5");
}

#[test]
fn a_reboot_that_does_not_come_back_in_time_fails_after_its_timeout() {
    let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    let (_sim, mut dut) = start(&[], clock);
    let err = dut.reboot_and_wait(Duration::from_millis(600)).unwrap_err();
    assert!(matches!(err, DutError::Timeout { .. }), "{err}");
    assert!(err.to_string().contains("reboot"), "{err}");
}

#[test]
fn logs_read_since_a_mark_count_crashes_and_usb_reenumerations() {
    let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    let faults = [
        AndroidFault::CrashEvery(Duration::from_secs(60)),
        AndroidFault::UsbReenumEvery(Duration::from_secs(300)),
    ];
    let (_sim, mut dut) = start(&faults, clock.clone());
    clock.advance(Duration::from_secs(90)); // one crash before the mark
    let logcat = dut.log_mark(LogSource::Logcat).unwrap();
    let dmesg = dut.log_mark(LogSource::Dmesg).unwrap();
    clock.advance(Duration::from_secs(600));
    let lines = dut.log_since(&logcat).unwrap();
    assert_eq!(monitor::app_crashes(&lines, FACE_APP), 10, "{lines:#?}");
    let lines = dut.log_since(&dmesg).unwrap();
    assert_eq!(
        monitor::usb_reenumerations(&lines, Some("1-1")),
        2,
        "{lines:#?}"
    );
}

#[test]
fn a_device_asking_for_auth_allows_the_offered_key_once_and_then_takes_its_signature() {
    let (sim, mut first) = start(&[AndroidFault::Auth], system());
    assert_eq!(first.property("ro.serialno").unwrap(), "FBT1A2B3C4D5");
    assert_eq!(
        sim.allowed_keys(),
        1,
        "the unknown key was offered and allowed"
    );
    // A second host with the same key signs the token and is accepted on its signature.
    let mut second = AdbDut::new(direct(sim.addr()), TIMEOUT, system());
    assert_eq!(second.property("ro.serialno").unwrap(), "FBT1A2B3C4D5");
    assert_eq!(sim.allowed_keys(), 1, "no second key offer");
    // A host with another key is a new key for the device's user to allow.
    let dir = tempfile::tempdir().unwrap();
    let other = AdbLink::Direct {
        addr: sim.addr(),
        key: Some(dir.path().join("adbkey")),
    };
    let mut third = AdbDut::new(other, TIMEOUT, system());
    assert_eq!(third.property("ro.serialno").unwrap(), "FBT1A2B3C4D5");
    assert_eq!(sim.allowed_keys(), 2);
}
