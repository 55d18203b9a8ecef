//! Debian's own `adb` client against `facebench sim android`: an independent implementation of
//! the host side checks the simulator's device side (connect, open a shell, stream, close).

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
}

impl AdbServer {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("adb")
            .args(["-P", &self.port])
            .args(args)
            .env("ANDROID_ADB_SERVER_PORT", &self.port)
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

#[test]
fn adb_client_reads_the_simulators_sn() {
    let test = "adb_client_reads_the_simulators_sn";
    if services::program("adb", test, "bash .ci/adb.sh").is_none() {
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
    let adb = AdbServer {
        port: free_port().to_string(),
    };
    let connect = adb.run(&["connect", &device]);
    assert!(
        String::from_utf8_lossy(&connect.stdout).contains("connected to"),
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
}
