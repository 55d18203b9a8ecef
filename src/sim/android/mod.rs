//! A simulated Android terminal speaking the device side of the adb protocol over TCP, for
//! `facebench sim android`, the simulated station, the demo and the DUT backend's tests.
//!
//! - the transport message is the host's own ([`crate::dut::android::message`]).
//! - [`device`]: properties, packages, logs on a clock, boot cycle, the shell commands it knows
//!   (`getprop`, `pm list packages`, `dumpsys package`, `screencap -p`, `logcat`, `dmesg`,
//!   `cat /proc/uptime`, `date`, `echo`, `reboot`).
//! - [`server`]: connections, streams, flow control, wire faults.
//!
//! Faults: a wrong serial number, the face app installed but not as a system app, a connection
//! dropped in the middle of a command, slow replies, periodic face-app crashes and camera USB
//! re-enumerations in the logs, and USB debugging authorization (`AUTH`) asked of every host.

pub mod device;
pub mod server;

use std::net::{SocketAddr, TcpListener};
use std::str::FromStr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::clock::Clock;
pub use device::{Device, DeviceConfig, SimPackage, FACE_APP};
use server::Shared;
pub use server::WireFaults;

/// One `--fault` of `facebench sim android`.
#[derive(Debug, Clone, PartialEq)]
pub enum AndroidFault {
    /// `wrong-sn=SN`: `ro.serialno` reads SN instead of the configured serial.
    WrongSn(String),
    /// `not-system-app`: the face app is installed under /data/app.
    NotSystemApp,
    /// `disconnect=TEXT`: a command containing TEXT gets half its output, then the link drops.
    Disconnect(String),
    /// `slow=DURATION`: every reply is held back this long.
    Slow(Duration),
    /// `crash-every=DURATION`: the face app crashes this often.
    CrashEvery(Duration),
    /// `usb-reenum-every=DURATION`: the camera re-enumerates on USB this often.
    UsbReenumEvery(Duration),
    /// `auth`: the device asks hosts to authenticate; the first key offered is allowed.
    Auth,
}

impl FromStr for AndroidFault {
    type Err = String;

    fn from_str(text: &str) -> Result<AndroidFault, String> {
        let (kind, value) = text.split_once('=').unwrap_or((text, ""));
        let duration = || {
            parse_duration(value).ok_or_else(|| {
                format!("{kind}: `{value}` is not a duration (like 500ms, 30s, 10m)")
            })
        };
        let text_value = || match value {
            "" => Err(format!("{kind} needs a value: {kind}=...")),
            v => Ok(v.to_string()),
        };
        match kind {
            "wrong-sn" => text_value().map(AndroidFault::WrongSn),
            "not-system-app" => Ok(AndroidFault::NotSystemApp),
            "disconnect" => text_value().map(AndroidFault::Disconnect),
            "slow" => duration().map(AndroidFault::Slow),
            "crash-every" => duration().map(AndroidFault::CrashEvery),
            "usb-reenum-every" => duration().map(AndroidFault::UsbReenumEvery),
            "auth" => Ok(AndroidFault::Auth),
            other => Err(format!(
                "unknown fault `{other}`; known: wrong-sn=SN, not-system-app, disconnect=TEXT, \
                 slow=DURATION, crash-every=DURATION, usb-reenum-every=DURATION, auth"
            )),
        }
    }
}

/// `500ms`, `30s`, `10m`, `2h`.
fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n * 60)),
        "h" => Some(Duration::from_secs(n * 3600)),
        _ => None,
    }
}

/// A simulated terminal to start.
#[derive(Debug, Clone)]
pub struct SimAndroid {
    /// The device.
    pub config: DeviceConfig,
    /// Its wire faults.
    pub wire: WireFaults,
}

impl SimAndroid {
    /// A healthy terminal with serial number `serial`.
    pub fn new(serial: &str) -> SimAndroid {
        SimAndroid {
            config: DeviceConfig::terminal(serial),
            wire: WireFaults::default(),
        }
    }

    /// Applies one fault.
    pub fn with_fault(mut self, fault: &AndroidFault) -> SimAndroid {
        match fault {
            AndroidFault::WrongSn(sn) => {
                self.config
                    .properties
                    .insert("ro.serialno".to_string(), sn.clone());
            }
            AndroidFault::NotSystemApp => self.config.face_app_not_system(),
            AndroidFault::Disconnect(text) => self.wire.disconnect_on = Some(text.clone()),
            AndroidFault::Slow(delay) => self.wire.slow = Some(*delay),
            AndroidFault::CrashEvery(every) => self.config.crash_every = Some(*every),
            AndroidFault::UsbReenumEvery(every) => self.config.usb_reenum_every = Some(*every),
            AndroidFault::Auth => self.wire.auth = true,
        }
        self
    }

    /// Starts serving on `listen` (port 0: any free port) with device time from `clock`.
    pub fn spawn(
        self,
        listen: SocketAddr,
        clock: Arc<dyn Clock>,
    ) -> std::io::Result<AndroidSimHandle> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(Device::new(self.config, clock), self.wire));
        let serving = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name(format!("sim-android-{addr}"))
            .spawn(move || server::serve(listener, serving))?;
        Ok(AndroidSimHandle {
            addr,
            shared,
            thread: Some(thread),
        })
    }
}

/// A running simulated terminal; dropping it stops it and drops its connections.
#[derive(Debug)]
pub struct AndroidSimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl AndroidSimHandle {
    /// Where it listens (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// True while it is rebooting.
    pub fn booting(&self) -> bool {
        self.shared.device().booting()
    }

    /// How many host keys its user has allowed (with the `auth` fault).
    pub fn allowed_keys(&self) -> usize {
        self.shared.allowed_key_count()
    }
}

impl Drop for AndroidSimHandle {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        server::wake(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.shared.drop_connections();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_and_bad_ones_say_what_is_known() {
        assert_eq!(
            "slow=250ms".parse::<AndroidFault>(),
            Ok(AndroidFault::Slow(Duration::from_millis(250)))
        );
        assert_eq!(
            "wrong-sn=X1".parse::<AndroidFault>(),
            Ok(AndroidFault::WrongSn("X1".into()))
        );
        let err = "crash-every=soon".parse::<AndroidFault>().unwrap_err();
        assert!(err.contains("not a duration"), "{err}");
        let err = "melt".parse::<AndroidFault>().unwrap_err();
        assert!(err.contains("unknown fault `melt`"), "{err}");
    }
}
