//! The terminal operator flow driven through a real pseudo-terminal, expect-style: the
//! preparation prompt comes before the exposure, a wrong unit then a right one, a pencil grade,
//! a judgement that contradicts the value, a typo in an evidence path, a skip whose empty reason
//! is refused, and a stop whose resume hint keeps `--only`.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use crate::common::{facebench, state};
use facebench::judge::Verdict;

/// How long one expected text may take to appear (a deadline on a slow shared machine, not a
/// wait: every match returns as soon as the text is there).
const PATIENCE: Duration = Duration::from_secs(60);

/// facebench on the slave side of a pty; the test reads and writes the master side.
struct Terminal {
    child: Child,
    master: File,
    output: Receiver<Vec<u8>>,
    seen: String,
    /// Where the next `expect` starts looking in `seen`.
    from: usize,
}

impl Terminal {
    fn spawn(args: &[&str]) -> Terminal {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two new descriptors into the two integers; the null pointers
        // ask for no name, default termios and window size.
        let opened = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors were just opened by openpty and are owned by nobody else.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        no_echo(&slave);
        let slave = File::from(slave);
        let child = facebench()
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .unwrap();
        let (send, output) = channel();
        let mut reader = master.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // Ends with EIO once the child has closed the slave side.
            while let Ok(n @ 1..) = reader.read(&mut buffer) {
                if send.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Terminal {
            child,
            master,
            output,
            seen: String::new(),
            from: 0,
        }
    }

    /// Waits until `text` appears after the previous match; returns what came before it.
    fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(at) = self.seen[self.from..].find(text) {
                let before = self.seen[self.from..self.from + at].to_string();
                self.from += at + text.len();
                return before;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => panic!(
                    "`{text}` did not appear; the terminal shows after the last match:\n{}",
                    &self.seen[self.from..]
                ),
            }
        }
    }

    /// Types a line.
    fn send(&mut self, line: &str) {
        self.master
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
        self.master.flush().unwrap();
    }

    /// Waits for the child to exit and returns its exit code; `seen` then holds everything it
    /// printed.
    fn exit_code(&mut self) -> i32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(200)) {
                    self.seen.push_str(&String::from_utf8_lossy(&bytes));
                }
                return status.code().expect("exited normally");
            }
            assert!(
                Instant::now() < deadline,
                "facebench did not exit:\n{}",
                self.seen
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Turns the terminal's echo off, so the typed lines do not show up among the prompts.
fn no_echo(slave: &OwnedFd) {
    use std::os::fd::AsRawFd;
    // SAFETY: termios is plain data filled in by tcgetattr on a descriptor we own.
    unsafe {
        let mut termios: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(slave.as_raw_fd(), &mut termios), 0);
        termios.c_lflag &= !libc::ECHO;
        assert_eq!(
            libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &termios),
            0
        );
    }
}

fn answer_item_header(terminal: &mut Terminal, id: &str) {
    terminal.expect(id);
    terminal.expect("[Enter] answer  [s] skip  [q] stop: ");
}

#[test]
fn an_operator_at_a_terminal_is_forgiven_small_mistakes_and_can_stop_and_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let evidence = tmp.path().join("pencil.txt");
    std::fs::write(&evidence, "2H leaves no scratch").unwrap();
    let run_arg = run_dir.to_str().unwrap();
    let mut terminal = Terminal::spawn(&[
        "run",
        "--unit",
        "testplans/units/demo-unit.toml",
        "--run-dir",
        run_arg,
        "--sim-clock",
        "--only",
        "fun-007",
        "cot-002",
        "Clm-009",
        "cot-001",
    ]);

    // CLM-009: the solution is prepared and measured before the 24 h exposure, not after it.
    let before = terminal.expect("CLM-009");
    assert!(!before.contains("after_pay_ok"), "{before}");
    let header = terminal.expect("[Enter] answer  [s] skip  [q] stop: ");
    assert!(header.contains("before the exposure"), "{header}");
    terminal.send("");
    let question = terminal.expect("salt_concentration in g/L");
    assert!(question.contains("Prepare the solution"), "{question}");
    terminal.expect(": ");
    terminal.send("50");
    terminal.expect("= 50 g/L");
    terminal.expect("solution_ph in pH");
    terminal.send("6.8");
    // The exposure shows on the terminal as it runs; after it, the final check of the item.
    terminal.expect("CLM-009 Exposure: 24 h in the salt-spray cabinet");
    answer_item_header(&mut terminal, "CLM-009");
    terminal.send("");
    let question = terminal.expect("after_pay_ok in count");
    assert!(!question.contains("salt_concentration in"), "{question}");
    terminal.expect(": ");
    terminal.send("3");
    terminal.expect("judgement");
    terminal.send("p");
    terminal.expect("note: ");
    terminal.send("");
    terminal.expect("evidence files");
    terminal.send("");
    terminal.expect("[Enter] record");
    terminal.send("");

    // COT-001: a pencil grade, a contradicting judgement, a typo in the evidence path.
    answer_item_header(&mut terminal, "COT-001");
    terminal.send("");
    let question = terminal.expect("(2H, H, F, HB, B or a number of H");
    assert!(
        question.contains("pencil_hardness in grade, limit"),
        "{question}"
    );
    terminal.send("HB");
    terminal.expect("= -1 grade (from HB)");
    terminal.expect("judgement");
    terminal.send("p");
    let note = terminal.expect("[k] keep this judgement  [r] re-enter: ");
    assert!(
        note.contains("you judged pass, but pencil_hardness = -1 does not meet"),
        "{note}"
    );
    terminal.send("r");
    terminal.expect("pencil_hardness in grade");
    terminal.send("2H");
    terminal.expect("= 2 grade (from 2H)");
    terminal.expect("judgement");
    terminal.send("p");
    terminal.expect("note: ");
    terminal.send("fresh panel");
    terminal.expect("evidence files");
    let typo = tmp.path().join("pencli.txt");
    terminal.send(typo.to_str().unwrap());
    terminal.expect("no file");
    terminal.expect("evidence files");
    terminal.send(evidence.to_str().unwrap());
    terminal.expect("[Enter] record");
    terminal.send("");

    // COT-002: skipped; an empty reason is refused.
    answer_item_header(&mut terminal, "COT-002");
    terminal.send("s");
    terminal.expect("reason for skipping: ");
    terminal.send("");
    terminal.expect("needs a reason");
    terminal.expect("reason for skipping: ");
    terminal.send("no cross-cut panel");

    // FUN-007: stop; the hint keeps the selection.
    answer_item_header(&mut terminal, "FUN-007");
    terminal.send("q");
    assert_eq!(terminal.exit_code(), 0, "nothing failed before the stop");
    let expected = format!(
        "run stopped; continue with: facebench run --resume {run_arg} --only FUN-007 COT-002 \
         CLM-009 COT-001 --sim-clock"
    );
    assert!(terminal.seen.contains(&expected), "{}", terminal.seen);

    let stopped = state(&run_dir);
    assert_eq!(stopped.results["CLM-009"][&1].verdict, Verdict::Pass);
    let cot001 = &stopped.results["COT-001"][&1];
    assert_eq!(cot001.verdict, Verdict::Pass);
    assert_eq!(cot001.measurements[0].values, [2.0]);
    assert_eq!(
        std::fs::read(run_dir.join(&cot001.attachments[0])).unwrap(),
        std::fs::read(&evidence).unwrap()
    );
    let cot002 = &stopped.results["COT-002"][&1];
    assert_eq!(cot002.verdict, Verdict::NotTested);
    assert_eq!(
        cot002.reason.as_deref(),
        Some("skipped by operator: no cross-cut panel")
    );
    assert!(!stopped.results.contains_key("FUN-007"));

    // Resume with the printed command: only FUN-007 is left; a wrong unit, then a right one.
    let command = expected.split(": facebench ").nth(1).unwrap();
    let words: Vec<&str> = command.split(' ').collect();
    let mut terminal = Terminal::spawn(&words);
    answer_item_header(&mut terminal, "FUN-007");
    terminal.send("");
    terminal.expect("dead_pixels in count");
    terminal.send("0");
    terminal.expect("touch_points in count");
    terminal.send("10");
    terminal.expect("= 10 count");
    let question = terminal.expect("(numbers, or with a unit like `10.1 in`");
    assert!(question.contains("screen_diag in cm, limit"), "{question}");
    terminal.send("10.1 kg");
    terminal.expect("kg cannot be converted to cm");
    terminal.expect("screen_diag in cm");
    terminal.send("10.1 in");
    terminal.expect("= 25.654 cm (from 10.1 in)");
    terminal.expect("judgement");
    terminal.send("p");
    terminal.expect("note: ");
    terminal.send("");
    terminal.expect("evidence files");
    terminal.send("");
    terminal.expect("[Enter] record");
    terminal.send("");
    terminal.expect("run finished");
    assert_eq!(terminal.exit_code(), 0);

    let finished = state(&run_dir);
    let fun007 = &finished.results["FUN-007"][&1];
    assert_eq!(fun007.verdict, Verdict::Pass);
    let diagonal = fun007
        .measurements
        .iter()
        .find(|m| m.name == "screen_diag")
        .unwrap();
    assert!((diagonal.values[0] - 25.654).abs() < 1e-9, "{diagonal:?}");
    let ran: Vec<&str> = finished.results.keys().map(String::as_str).collect();
    assert_eq!(ran, ["CLM-009", "COT-001", "COT-002", "FUN-007"]);
    assert!(Path::new(&run_dir).join("journal.jsonl").is_file());
}
