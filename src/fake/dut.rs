//! A scripted device under test: a property table, installed packages, shell replies, log
//! lines stamped on the simulated clock, a reboot that takes scripted simulated time, and
//! faults (a device that stops answering, or drops the link, on a command).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::Clock;
use crate::dut::{Dut, DutError, LogMark, LogSource, PackageInfo, ShellOutput};

/// What the fake device does.
#[derive(Debug, Clone)]
pub struct DutScript {
    /// System properties (`ro.serialno` among them).
    pub properties: BTreeMap<String, String>,
    /// Installed packages.
    pub packages: Vec<PackageInfo>,
    /// Shell replies: the first entry whose command the shell command starts with answers;
    /// any other command prints nothing and exits 127.
    pub shell: Vec<(String, ShellOutput)>,
    /// Log lines, each at a time since the fake was made (simulated).
    pub logs: Vec<(LogSource, Duration, String)>,
    /// How long a reboot takes (simulated).
    pub boot_time: Duration,
    /// Faults, each on the calls whose command contains its text.
    pub faults: Vec<DutFault>,
}

impl DutScript {
    /// A healthy terminal with serial number `sn` and the system app `com.example.face`.
    pub fn healthy(sn: &str) -> DutScript {
        let properties = [
            ("ro.serialno", sn),
            ("ro.build.version.release", "11"),
            ("ro.product.model", "FB-1"),
        ];
        DutScript {
            properties: properties
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            packages: vec![PackageInfo {
                name: "com.example.face".to_string(),
                path: Some("/system/priv-app/Face/Face.apk".to_string()),
                system: true,
                version: Some("3.2.1".to_string()),
            }],
            shell: Vec::new(),
            logs: Vec::new(),
            boot_time: Duration::from_secs(40),
            faults: Vec::new(),
        }
    }
}

/// What goes wrong with the fake device.
#[derive(Debug, Clone, PartialEq)]
pub enum DutFault {
    /// Calls whose command contains this text time out.
    NoReply(String),
    /// Calls whose command contains this text lose the link.
    LinkLost(String),
}

/// The fake device.
#[derive(Debug)]
pub struct FakeDut {
    clock: Arc<dyn Clock>,
    script: DutScript,
    born: Duration,
    calls: Arc<Mutex<Vec<String>>>,
}

impl FakeDut {
    /// A device following `script` on `clock`.
    pub fn new(script: DutScript, clock: Arc<dyn Clock>) -> FakeDut {
        FakeDut {
            born: clock.elapsed(),
            clock,
            script,
            calls: Arc::default(),
        }
    }

    /// The commands the device received, in order (`getprop ro.serialno`, `screencap -p`,
    /// `reboot`, ...); shared with the test that made it.
    pub fn calls(&self) -> Arc<Mutex<Vec<String>>> {
        Arc::clone(&self.calls)
    }

    fn now(&self) -> Duration {
        self.clock.elapsed() - self.born
    }

    /// Logs `command` and fails it when a fault covers it.
    fn call(&self, command: &str) -> Result<(), DutError> {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(command.to_string());
        for fault in &self.script.faults {
            match fault {
                DutFault::NoReply(text) if command.contains(text.as_str()) => {
                    return Err(DutError::Timeout {
                        device: self.describe(),
                        command: command.to_string(),
                        after: Duration::from_millis(100),
                    })
                }
                DutFault::LinkLost(text) if command.contains(text.as_str()) => {
                    return Err(DutError::Link {
                        device: self.describe(),
                        command: command.to_string(),
                        reason: "connection reset by peer".to_string(),
                    })
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Dut for FakeDut {
    fn describe(&self) -> String {
        "fake dut".to_string()
    }

    fn property(&mut self, name: &str) -> Result<String, DutError> {
        self.call(&format!("getprop {name}"))?;
        Ok(self
            .script
            .properties
            .get(name)
            .cloned()
            .unwrap_or_default())
    }

    fn shell(&mut self, command: &str) -> Result<ShellOutput, DutError> {
        self.call(command)?;
        Ok(self
            .script
            .shell
            .iter()
            .find(|(prefix, _)| command.starts_with(prefix.as_str()))
            .map(|(_, out)| out.clone())
            .unwrap_or(ShellOutput {
                stdout: String::new(),
                exit_code: Some(127),
            }))
    }

    fn package(&mut self, name: &str) -> Result<Option<PackageInfo>, DutError> {
        self.call(&format!("package {name}"))?;
        Ok(self
            .script
            .packages
            .iter()
            .find(|p| p.name == name)
            .cloned())
    }

    fn screenshot(&mut self) -> Result<Vec<u8>, DutError> {
        self.call("screencap -p")?;
        let image = image::RgbImage::from_pixel(8, 4, image::Rgb([20, 90, 160]));
        let mut png = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut png, image::ImageFormat::Png)
            .map_err(|e| DutError::Garbled {
                device: self.describe(),
                command: "screencap -p".to_string(),
                problem: e.to_string(),
            })?;
        Ok(png.into_inner())
    }

    fn reboot_and_wait(&mut self, timeout: Duration) -> Result<(), DutError> {
        self.call("reboot")?;
        if self.script.boot_time > timeout {
            self.clock.sleep(timeout);
            return Err(DutError::Timeout {
                device: self.describe(),
                command: "reboot".to_string(),
                after: timeout,
            });
        }
        self.clock.sleep(self.script.boot_time);
        Ok(())
    }

    fn log_mark(&mut self, source: LogSource) -> Result<LogMark, DutError> {
        self.call(&format!("{} mark", source.name()))?;
        Ok(LogMark {
            source,
            at: self.now().as_millis().to_string(),
        })
    }

    fn log_since(&mut self, mark: &LogMark) -> Result<Vec<String>, DutError> {
        self.call(&format!("{} since {}", mark.source.name(), mark.at))?;
        let from = mark
            .at
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|e| DutError::Garbled {
                device: self.describe(),
                command: format!("{} since", mark.source.name()),
                problem: format!("mark `{}`: {e}", mark.at),
            })?;
        let now = self.now();
        Ok(self
            .script
            .logs
            .iter()
            .filter(|(source, at, _)| *source == mark.source && *at >= from && *at < now)
            .map(|(_, _, line)| line.clone())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use crate::clock::{Clock, SimClock};
    use crate::dut::{Dut, DutError, LogSource};
    use crate::fake::{DutFault, DutScript, FakeDut};

    fn clock() -> Arc<SimClock> {
        Arc::new(SimClock::starting_at(chrono::Utc::now()))
    }

    #[test]
    fn log_since_returns_only_the_lines_written_after_the_mark() {
        let clock = clock();
        let mut script = DutScript::healthy("SN1");
        script.logs = vec![
            (LogSource::Logcat, Duration::from_secs(1), "before".into()),
            (LogSource::Logcat, Duration::from_secs(20), "during".into()),
            (LogSource::Dmesg, Duration::from_secs(20), "kernel".into()),
            (LogSource::Logcat, Duration::from_secs(90), "after".into()),
        ];
        let mut dut = FakeDut::new(script, clock.clone());
        clock.advance(Duration::from_secs(10));
        let mark = dut.log_mark(LogSource::Logcat).unwrap();
        clock.advance(Duration::from_secs(30));
        assert_eq!(dut.log_since(&mark).unwrap(), vec!["during".to_string()]);
    }

    #[test]
    fn a_fault_names_the_device_and_the_command() {
        let mut script = DutScript::healthy("SN1");
        script.faults = vec![
            DutFault::NoReply("getprop".into()),
            DutFault::LinkLost("logcat".into()),
        ];
        let mut dut = FakeDut::new(script, clock());
        let err = dut.property("ro.serialno").unwrap_err().to_string();
        assert_eq!(
            err,
            "fake dut: no reply to `getprop ro.serialno` within 100 ms"
        );
        let err = dut.log_mark(LogSource::Logcat).unwrap_err();
        assert!(matches!(err, DutError::Link { .. }), "{err}");
        assert!(dut.screenshot().unwrap().starts_with(b"\x89PNG"));
        let calls = dut.calls().lock().unwrap().clone();
        assert_eq!(
            calls,
            ["getprop ro.serialno", "logcat mark", "screencap -p"]
        );
    }

    #[test]
    fn a_reboot_longer_than_its_timeout_fails_after_the_timeout() {
        let clock = clock();
        let mut dut = FakeDut::new(DutScript::healthy("SN1"), clock.clone());
        let err = dut.reboot_and_wait(Duration::from_secs(5)).unwrap_err();
        assert!(matches!(err, DutError::Timeout { .. }), "{err}");
        assert_eq!(clock.elapsed(), Duration::from_secs(5));
        dut.reboot_and_wait(Duration::from_secs(60)).unwrap();
        assert_eq!(clock.elapsed(), Duration::from_secs(45));
    }
}
