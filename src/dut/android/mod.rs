//! The Android backend: a [`Dut`] over the Android Debug Bridge, either via the adb server
//! (USB devices, or any device the server knows, chosen by serial; the `adb_client` crate's
//! host protocol) or straight to the device's adbd over TCP (`adb connect` style; [`direct`]).
//!
//! Every call runs on a worker thread with the link's timeout (see [`worker`]); a call that
//! times out abandons its connection and the next call reconnects. Errors name the device and
//! the command.

pub mod auth;
pub mod device;
pub mod direct;
pub mod key;
pub mod message;
pub mod parse;
#[cfg(test)]
mod tests;
pub mod worker;

use std::net::{SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rsa::RsaPrivateKey;

use super::{Dut, DutError, LogMark, LogSource, PackageInfo, ShellOutput};
use crate::clock::Clock;
use device::{Device, Fault};
use worker::{with_deadline, Outcome};

/// How the host reaches the device.
#[derive(Debug, Clone, PartialEq)]
pub enum AdbLink {
    /// Through the adb server (default 127.0.0.1:5037), the device chosen by its serial.
    Server {
        /// The server's address.
        server: SocketAddrV4,
        /// The device's serial as `adb devices` lists it (`ABC123`, or `host:port` for a
        /// network device the server is connected to).
        serial: String,
    },
    /// Straight to the device's adbd over TCP.
    Direct {
        /// The device's address.
        addr: SocketAddr,
        /// The adb private key to offer if the device asks for authentication (adb's own
        /// `~/.android/adbkey` when `None`); made on first use when missing.
        key: Option<PathBuf>,
    },
}

/// The adb server's default address.
pub const DEFAULT_SERVER: SocketAddrV4 = SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 5037);

/// How often [`Dut::reboot_and_wait`] looks for the device coming back.
const REBOOT_POLL: Duration = Duration::from_millis(200);

/// An Android device under test over adb.
pub struct AdbDut {
    link: AdbLink,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    device: Option<Device>,
    /// The key of a direct link, once read (made first when missing).
    key_ready: Option<Arc<RsaPrivateKey>>,
}

impl std::fmt::Debug for AdbDut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdbDut")
            .field("link", &self.link)
            .field("timeout", &self.timeout)
            .field("connected", &self.device.is_some())
            .finish()
    }
}

impl AdbDut {
    /// A device over `link`, every call bounded by `timeout`; reboot waits poll on `clock`.
    /// Nothing is connected until the first call.
    pub fn new(link: AdbLink, timeout: Duration, clock: Arc<dyn Clock>) -> AdbDut {
        AdbDut {
            link,
            timeout,
            clock,
            device: None,
            key_ready: None,
        }
    }

    /// Connects now (the first call would otherwise), to fail early on a wrong address.
    pub fn connect(&mut self) -> Result<(), DutError> {
        self.call("connect", |_| Ok(()))
    }

    /// A direct link's key, made first when missing and then read (outside any call's
    /// deadline: making a key takes a while, once). `None` for the server link, or when there
    /// is no home folder for adb's own key.
    fn key(&mut self, command: &str) -> Result<Option<Arc<RsaPrivateKey>>, DutError> {
        let AdbLink::Direct { key, .. } = &self.link else {
            return Ok(None);
        };
        if self.key_ready.is_none() {
            let Some(path) = key.clone().or_else(key::default_key_path) else {
                return Ok(None);
            };
            let loaded = key::ensure_key(&path)
                .map_err(|e| format!("{}: {e}", path.display()))
                .and_then(|()| auth::load_key(&path));
            let loaded = loaded.map_err(|reason| DutError::Link {
                device: self.describe(),
                command: command.to_string(),
                reason: format!("adb key {reason}"),
            })?;
            self.key_ready = Some(Arc::new(loaded));
        }
        Ok(self.key_ready.clone())
    }

    /// Runs `f` on the connected device (connecting first when needed) within the timeout.
    fn call<R, F>(&mut self, command: &str, f: F) -> Result<R, DutError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Device) -> Result<R, Fault> + Send + 'static,
    {
        let key = self.key(command)?;
        let link = self.link.clone();
        let timeout = self.timeout;
        let device = self.device.take();
        let outcome = with_deadline(device, timeout, move |slot: &mut Option<Device>| {
            let device = match slot {
                Some(device) => device,
                None => slot.insert(Device::open(&link, key.as_ref(), timeout)?),
            };
            f(device)
        });
        match outcome {
            Outcome::Done(device, Ok(value)) => {
                self.device = device;
                Ok(value)
            }
            // A failed call leaves the connection in an unknown state: reconnect next time.
            Outcome::Done(_, Err(fault)) => Err(self.error(command, fault)),
            Outcome::TimedOut => Err(DutError::Timeout {
                device: self.describe(),
                command: command.to_string(),
                after: self.timeout,
            }),
            Outcome::Panicked => Err(DutError::Link {
                device: self.describe(),
                command: command.to_string(),
                reason: "the adb client failed unexpectedly".to_string(),
            }),
        }
    }

    fn error(&self, command: &str, fault: Fault) -> DutError {
        let device = self.describe();
        let command = command.to_string();
        match fault {
            Fault::Link(reason) => DutError::Link {
                device,
                command,
                reason,
            },
            Fault::Refused(reason) => DutError::Refused {
                device,
                command,
                reason,
            },
            Fault::Garbled(problem) => DutError::Garbled {
                device,
                command,
                problem,
            },
        }
    }

    /// Runs `command` and returns its raw output bytes.
    fn shell_bytes(&mut self, command: &str) -> Result<(Vec<u8>, Option<i32>), DutError> {
        let text = command.to_string();
        self.call(command, move |device| device.shell(&text))
    }

    fn shell_text(&mut self, command: &str) -> Result<String, DutError> {
        self.shell(command).map(|o| o.stdout)
    }

    fn uptime(&mut self) -> Result<f64, DutError> {
        let text = self.shell_text("cat /proc/uptime")?;
        parse::uptime_secs(&text).ok_or_else(|| DutError::Garbled {
            device: self.describe(),
            command: "cat /proc/uptime".to_string(),
            problem: format!("not an uptime: {:?}", text.trim()),
        })
    }

    /// True once the device answers, has finished booting, and has been up for less time
    /// than has passed since the reboot was asked for (so it is not the old boot still
    /// going down).
    fn back_up(&mut self, since_reboot: Duration) -> bool {
        let booted = self
            .property("sys.boot_completed")
            .is_ok_and(|v| v.trim() == "1");
        booted
            && self
                .uptime()
                .is_ok_and(|up| up <= since_reboot.as_secs_f64() + 1.0)
    }
}

impl Dut for AdbDut {
    fn describe(&self) -> String {
        match &self.link {
            AdbLink::Server { server, serial } if *server == DEFAULT_SERVER => {
                format!("adb {serial}")
            }
            AdbLink::Server { server, serial } => format!("adb {serial} via {server}"),
            AdbLink::Direct { addr, .. } => format!("adb {addr}"),
        }
    }

    fn property(&mut self, name: &str) -> Result<String, DutError> {
        let out = self.shell_text(&format!("getprop {name}"))?;
        Ok(out.trim_end_matches(['\r', '\n']).to_string())
    }

    fn shell(&mut self, command: &str) -> Result<ShellOutput, DutError> {
        let (bytes, exit_code) = self.shell_bytes(command)?;
        Ok(ShellOutput {
            stdout: String::from_utf8_lossy(&bytes).into_owned(),
            exit_code,
        })
    }

    fn package(&mut self, name: &str) -> Result<Option<PackageInfo>, DutError> {
        let listing = self.shell_text(&format!("pm list packages -f {name}"))?;
        let Some(path) = parse::package_path(&listing, name) else {
            return Ok(None);
        };
        let system_listing = self.shell_text(&format!("pm list packages -s {name}"))?;
        let dumpsys = self.shell_text(&format!("dumpsys package {name}"))?;
        Ok(Some(PackageInfo {
            name: name.to_string(),
            path: Some(path),
            system: parse::package_listed(&system_listing, name),
            version: parse::version_name(&dumpsys),
        }))
    }

    fn screenshot(&mut self) -> Result<Vec<u8>, DutError> {
        let (png, _) = self.shell_bytes("screencap -p")?;
        if png.starts_with(b"\x89PNG\r\n\x1a\n") {
            Ok(png)
        } else {
            Err(DutError::Garbled {
                device: self.describe(),
                command: "screencap -p".to_string(),
                problem: format!(
                    "not a PNG ({} bytes): {:?}",
                    png.len(),
                    String::from_utf8_lossy(&png[..png.len().min(80)])
                ),
            })
        }
    }

    fn reboot_and_wait(&mut self, timeout: Duration) -> Result<(), DutError> {
        let started = self.clock.elapsed();
        // adbd usually drops the link as it goes down, so an error here is expected; whether
        // the reboot happened is judged by the device coming back with a fresh uptime.
        let asked = self.call("reboot", Device::reboot);
        self.device = None;
        loop {
            let waited = self.clock.elapsed().saturating_sub(started);
            if self.back_up(waited) {
                return Ok(());
            }
            if waited >= timeout {
                let mut reason = format!("not back within {} s", timeout.as_secs());
                if let Err(e) = asked {
                    reason.push_str(&format!(" (the reboot request said: {e})"));
                }
                return Err(DutError::Timeout {
                    device: self.describe(),
                    command: format!("reboot ({reason})"),
                    after: timeout,
                });
            }
            self.device = None;
            self.clock.sleep(REBOOT_POLL);
        }
    }

    fn log_mark(&mut self, source: LogSource) -> Result<LogMark, DutError> {
        let at = match source {
            LogSource::Logcat => self.shell_text("date +%s")?.trim().to_string(),
            LogSource::Dmesg => self.uptime()?.to_string(),
        };
        if at.parse::<f64>().is_err() {
            return Err(DutError::Garbled {
                device: self.describe(),
                command: format!("{} mark", source.name()),
                problem: format!("not a time: {at:?}"),
            });
        }
        Ok(LogMark { source, at })
    }

    fn log_since(&mut self, mark: &LogMark) -> Result<Vec<String>, DutError> {
        match mark.source {
            LogSource::Logcat => {
                let text =
                    self.shell_text(&format!("logcat -d -v threadtime -T {}.000", mark.at))?;
                Ok(text
                    .lines()
                    .filter(|l| !l.starts_with("--------- beginning of"))
                    .map(str::to_string)
                    .collect())
            }
            LogSource::Dmesg => {
                let from: f64 = mark.at.parse().unwrap_or(0.0);
                let text = self.shell_text("dmesg")?;
                Ok(text
                    .lines()
                    .filter(|l| parse::dmesg_stamp(l).is_some_and(|t| t >= from))
                    .map(str::to_string)
                    .collect())
            }
        }
    }
}
