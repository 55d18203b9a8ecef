//! Debian's own `adb` against our adb code: its client checks the simulator's device side
//! (authentication with adb's own key, connect, open a shell, stream, close), and its key
//! generator checks how our direct link encodes the public key it offers a device.

use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::services;

/// A free loopback port.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The simulator process, stopped when dropped.
struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private adb server (its own port, so tests and a developer's adb do not clash), killed
/// when dropped.
struct AdbServer {
    port: String,
    /// Its `ANDROID_USER_HOME`, where it keeps its key.
    home: std::path::PathBuf,
}

impl AdbServer {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("adb")
            .args(["-P", &self.port])
            .args(args)
            .env("ANDROID_ADB_SERVER_PORT", &self.port)
            .env("ANDROID_USER_HOME", &self.home)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

impl Drop for AdbServer {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// True when Debian's adb is on PATH; otherwise skips `test` (or fails it under CI).
fn adb_found(test: &str) -> bool {
    services::or_skip(
        services::find_program(&["adb"]),
        test,
        "adb (bash .ci/adb.sh)",
    )
    .is_some()
}

#[test]
fn our_public_key_encoding_is_adbs_own() {
    if !adb_found("our_public_key_encoding_is_adbs_own") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("adbkey");
    let keygen = Command::new("adb")
        .arg("keygen")
        .arg(&key_path)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{}", text(&keygen));
    let theirs = std::fs::read_to_string(dir.path().join("adbkey.pub")).unwrap();
    let key = facebench::dut::android::auth::load_key(&key_path).unwrap();
    let ours = facebench::dut::android::auth::encode_public_key(&key.to_public_key()).unwrap();
    assert_eq!(Some(ours.as_str()), theirs.split_whitespace().next());
}

#[test]
fn adb_client_authenticates_and_reads_the_simulators_sn() {
    if !adb_found("adb_client_authenticates_and_reads_the_simulators_sn") {
        return;
    }
    let port = free_port();
    let device = format!("127.0.0.1:{port}");
    let sim = Command::new(env!("CARGO_BIN_EXE_facebench"))
        .args([
            "sim",
            "android",
            "--listen",
            &device,
            "--serial",
            "FBADB0000042",
            // The device asks for authentication: adb signs with its own key, then offers its
            // public key, which our side must read to let it in.
            "--fault",
            "auth",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _sim = Sim(sim);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&device).is_err() {
        assert!(
            Instant::now() < deadline,
            "the simulator never listened on {device}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // adb's own key, made fresh in a private home.
    let home = tempfile::tempdir().unwrap();
    let adb = AdbServer {
        port: free_port().to_string(),
        home: home.path().to_path_buf(),
    };
    // A new key: adb's signature is not known, it offers its public key, and reports that it
    // failed to authenticate while the device's user is asked (the simulated user allows it).
    let connect = adb.run(&["connect", &device]);
    assert!(
        String::from_utf8_lossy(&connect.stdout).contains("failed to authenticate"),
        "{}",
        text(&connect)
    );
    // The server finishes the handshake in the background: wait until it lists the device.
    loop {
        let devices = adb.run(&["devices"]);
        let listing = String::from_utf8_lossy(&devices.stdout).to_string();
        if listing.contains(&format!("{device}\tdevice")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never listed: {}",
            text(&devices)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let getprop = adb.run(&["-s", &device, "shell", "getprop", "ro.serialno"]);
    assert_eq!(
        String::from_utf8_lossy(&getprop.stdout).trim(),
        "FBADB0000042",
        "{}",
        text(&getprop)
    );
    let model = adb.run(&["-s", &device, "shell", "getprop", "ro.product.model"]);
    assert_eq!(
        String::from_utf8_lossy(&model.stdout).trim(),
        "FB-T1",
        "{}",
        text(&model)
    );
    // Connecting again, adb's signature of the device's token with the allowed key is checked
    // and accepted: connected at once, no second key offer.
    let disconnect = adb.run(&["disconnect", &device]);
    assert!(disconnect.status.success(), "{}", text(&disconnect));
    let again = adb.run(&["connect", &device]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("connected to"),
        "{}",
        text(&again)
    );
}
