//! Stop signals during a chamber dwell, on the real clock: `facebench run` on the simulated
//! station holds +25 °C for ten minutes with a poll a minute; SIGTERM, SIGHUP or SIGINT must end
//! the wait at once, put the chamber in its safe state (23 °C, then standby), journal
//! `run_stopped` and exit with 128 + the signal's number within a few seconds. A run whose
//! terminal has hung up before SIGHUP arrives must not fail on its last prints either.

use crate::common;

use std::fs::File;
use std::io::Read;
use std::os::fd::FromRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{facebench, state, DEMO_UNIT};

const HOLD_PLAN: &str = "tests/fixtures/plans/chamber-hold.toml";
const STATION: &str = "tests/fixtures/stations/sim-short-timeouts.toml";

/// How long a stopped run may take to exit: the wait ends within 100 ms and the safe state is a
/// handful of commands to a simulator.
const EXIT_WITHIN: Duration = Duration::from_secs(3);

/// Starts the ten-minute hold on the real clock with its output to `stdio`.
fn start_hold(run_dir: &Path, stdout: Stdio, stderr: Stdio) -> Child {
    let mut args = vec![
        "run",
        "--station",
        STATION,
        "--plan",
        HOLD_PLAN,
        "--run-dir",
        run_dir.to_str().unwrap(),
    ];
    args.extend(DEMO_UNIT);
    facebench()
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("facebench starts")
}

fn wire_log(run_dir: &Path) -> PathBuf {
    run_dir.join("wire-chamber.log")
}

/// Commands sent to the chamber, in order (`TX` lines of the wire log, text part).
fn sent(run_dir: &Path) -> Vec<String> {
    std::fs::read_to_string(wire_log(run_dir))
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains(" TX "))
        .filter_map(|line| line.split_once("] \"").map(|(_, text)| text.to_string()))
        .collect()
}

/// Waits until the profile has sent its +25 °C set point: it is then waiting for its next poll.
fn wait_for_dwell(run_dir: &Path, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sent(run_dir).iter().any(|c| c.starts_with("TEMP, S25.0")) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended before its dwell: {status}");
        }
        assert!(Instant::now() < deadline, "the chamber never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The step has moved on from its set-up commands into the minute-long wait.
    std::thread::sleep(Duration::from_millis(300));
}

fn send(signal: &str, child: &Child) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal}: {status}");
}

/// The exit code, which must come within [`EXIT_WITHIN`] of `since`.
fn exit_code_within(child: &mut Child, since: Instant) -> i32 {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let took = since.elapsed();
            assert!(took < EXIT_WITHIN, "exit took {took:?}");
            return status.code().expect("exited, not killed by the signal");
        }
        if since.elapsed() > EXIT_WITHIN {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("still running {EXIT_WITHIN:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The run was stopped, resumable, with the chamber sent to 23 °C and then to standby.
fn assert_stopped_safely(run_dir: &Path, commands_before: usize) {
    let journal = std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"type\":\"run_stopped\""), "{journal}");
    let state = state(run_dir);
    assert!(!state.finished);
    assert!(
        !state.results.contains_key("CLM-HOLD"),
        "a stopped dwell has no result"
    );

    let commands = sent(run_dir);
    let before = &commands[..commands_before];
    assert!(!before.iter().any(|c| c.starts_with("MODE, STANDBY")));
    let after = &commands[commands_before..];
    let safe_point = after
        .iter()
        .position(|c| c.starts_with("TEMP, S23.0"))
        .unwrap_or_else(|| panic!("no safe set point after the signal: {after:?}"));
    let standby = after
        .iter()
        .position(|c| c.starts_with("MODE, STANDBY"))
        .unwrap_or_else(|| panic!("no standby after the signal: {after:?}"));
    assert!(safe_point < standby, "{after:?}");
    assert_eq!(
        after.last(),
        after.get(standby),
        "standby is the last command"
    );
}

/// Runs the hold, sends `signal` in the dwell and checks the stop; returns the run's stderr.
fn stop_with(signal: &str, expected_code: i32) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let mut child = start_hold(&run_dir, Stdio::null(), Stdio::piped());
    wait_for_dwell(&run_dir, &mut child);
    let commands_before = sent(&run_dir).len();
    let signalled = Instant::now();
    send(signal, &child);
    let code = exit_code_within(&mut child, signalled);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(code, expected_code, "{stderr}");
    assert_stopped_safely(&run_dir, commands_before);
    let journal = std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap();
    let name = match signal {
        "INT" => "Ctrl-C".to_string(),
        other => format!("SIG{other}"),
    };
    assert!(
        journal.contains(&format!("stopped by {name} at CLM-HOLD")),
        "the journal names the signal: {journal}"
    );
    stderr
}

#[test]
fn sigterm_in_a_chamber_dwell_leaves_the_chamber_safe_and_exits_143() {
    let stderr = stop_with("TERM", 143);
    assert!(stderr.contains("SIGTERM: stopping now"), "{stderr}");
}

#[test]
fn sigint_in_a_chamber_dwell_leaves_the_chamber_safe_and_exits_130() {
    let stderr = stop_with("INT", 130);
    assert!(stderr.contains("Ctrl-C: stopping now"), "{stderr}");
}

#[test]
fn sighup_in_a_chamber_dwell_leaves_the_chamber_safe_and_exits_129() {
    let stderr = stop_with("HUP", 129);
    assert!(stderr.contains("SIGHUP: stopping now"), "{stderr}");
}

/// A pseudo-terminal standing in for the operator's SSH session: the run writes to the slave
/// side while a thread reads the master, until [`Terminal::hang_up`] closes the master.
struct Terminal {
    slave: PathBuf,
    hang_up: Arc<AtomicBool>,
    reader: JoinHandle<()>,
}

impl Terminal {
    #[allow(unsafe_code)]
    fn open() -> Terminal {
        // SAFETY: plain libc pty calls on a descriptor this function owns; the name buffer is
        // large enough for any /dev/pts path and ptsname_r NUL-terminates it on success. The
        // master is close-on-exec: a child holding it would keep the terminal from hanging up.
        let (master, slave) = unsafe {
            let fd = libc::posix_openpt(
                libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK | libc::O_CLOEXEC,
            );
            assert!(fd >= 0, "posix_openpt: {}", std::io::Error::last_os_error());
            assert_eq!(libc::grantpt(fd), 0);
            assert_eq!(libc::unlockpt(fd), 0);
            let mut name = [0 as libc::c_char; 128];
            assert_eq!(libc::ptsname_r(fd, name.as_mut_ptr(), name.len()), 0);
            let slave = std::ffi::CStr::from_ptr(name.as_ptr())
                .to_str()
                .unwrap()
                .to_string();
            (File::from_raw_fd(fd), PathBuf::from(slave))
        };
        let hang_up = Arc::new(AtomicBool::new(false));
        let stop_reading = Arc::clone(&hang_up);
        let reader = std::thread::spawn(move || {
            let mut master = master;
            let mut chunk = [0u8; 4096];
            while !stop_reading.load(Ordering::SeqCst) {
                match master.read(&mut chunk) {
                    Ok(n) if n > 0 => {}
                    _ => std::thread::sleep(Duration::from_millis(20)),
                }
            }
            // Dropping the only master descriptor hangs the terminal up.
        });
        Terminal {
            slave,
            hang_up,
            reader,
        }
    }

    /// The slave side, opened without becoming anyone's controlling terminal.
    fn stdio(&self) -> Stdio {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(&self.slave)
            .map(Stdio::from)
            .unwrap()
    }

    /// Closes the master: from now on writes to the slave fail as on a dropped SSH session.
    fn hang_up(self) {
        self.hang_up.store(true, Ordering::SeqCst);
        self.reader.join().unwrap();
    }
}

#[test]
fn sighup_after_the_terminal_hung_up_still_stops_safely_and_exits_129() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let terminal = Terminal::open();
    let mut child = start_hold(&run_dir, terminal.stdio(), terminal.stdio());
    wait_for_dwell(&run_dir, &mut child);
    let commands_before = sent(&run_dir).len();
    terminal.hang_up();
    let signalled = Instant::now();
    send("HUP", &child);
    // A print to the dead terminal would have panicked (exit 101) after the safe state.
    assert_eq!(exit_code_within(&mut child, signalled), 129);
    assert_stopped_safely(&run_dir, commands_before);
}

#[test]
fn a_second_signal_quits_at_once_while_the_chamber_heads_for_its_safe_set_point() {
    let tmp = tempfile::tempdir().unwrap();
    // A safe set point far from the simulated chamber's ambient: after the first signal the run
    // waits (minutes, on the real clock) for the chamber to get there.
    let station = tmp.path().join("station.toml");
    let text = std::fs::read_to_string(STATION).unwrap();
    assert!(text.contains("setpoint_c = 23.0"));
    std::fs::write(
        &station,
        text.replace("setpoint_c = 23.0", "setpoint_c = 60.0"),
    )
    .unwrap();
    let run_dir = tmp.path().join("run");
    let mut args = vec![
        "run",
        "--station",
        station.to_str().unwrap(),
        "--plan",
        HOLD_PLAN,
        "--run-dir",
        run_dir.to_str().unwrap(),
    ];
    args.extend(DEMO_UNIT);
    let mut child = facebench()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_dwell(&run_dir, &mut child);
    send("TERM", &child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sent(&run_dir).iter().any(|c| c.starts_with("TEMP, S60.0")) {
        assert!(
            Instant::now() < deadline,
            "the safe set point was never sent"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "still heading for 60 °C"
    );
    let signalled = Instant::now();
    send("TERM", &child);
    assert_eq!(exit_code_within(&mut child, signalled), 143);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("quitting at once"), "{stderr}");
    // Quit before the safe state was reached: no stop recorded, the run can be resumed.
    let journal = std::fs::read_to_string(run_dir.join("journal.jsonl")).unwrap();
    assert!(!journal.contains("\"type\":\"run_stopped\""), "{journal}");
    assert!(!sent(&run_dir)
        .iter()
        .any(|c| c.starts_with("MODE, STANDBY")));
}
