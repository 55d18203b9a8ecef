//! The device under test: the terminal itself, reached over its debug link.
//!
//! A [`Dut`] is a capability like a chamber or a camera rig: the runner asks it for a system
//! property, runs a shell command on it, asks whether a package is installed (and whether as a
//! system app), takes a screenshot, reboots it and waits for it to come back, and reads the
//! lines its logs (logcat, the kernel ring buffer) gained while another step ran.
//!
//! The trait is blocking, like the rig capability traits, and every call is bounded: an
//! implementation gives up after its link's timeout (or the timeout passed to
//! [`Dut::reboot_and_wait`]) and says so with [`DutError::Timeout`]; it never hangs a run.
//! Errors name the device and the command. The Android backend speaks the adb host protocol;
//! a Windows backend (SN in a file, the face service as a Windows service) can implement the
//! same trait later.

pub mod android;
pub mod monitor;
pub mod spec;

pub use spec::{DutBackend, DutRig, DutSpec};

use std::fmt;
use std::time::Duration;

/// What a shell command printed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShellOutput {
    /// Everything it wrote to standard output (and, over a link that does not separate them,
    /// standard error), lossily decoded as UTF-8.
    pub stdout: String,
    /// Its exit status, when the link reports it (adb's legacy shell does not).
    pub exit_code: Option<i32>,
}

/// An installed package as the device's package manager reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageInfo {
    /// Package name, e.g. `com.example.face`.
    pub name: String,
    /// Where its code lives (`/system/priv-app/Face/Face.apk`), when known.
    pub path: Option<String>,
    /// Installed as a system app (in the system image, survives a factory reset).
    pub system: bool,
    /// Its version name, when known.
    pub version: Option<String>,
}

/// A log the device keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogSource {
    /// The Android log (`logcat`): app crashes, ANRs.
    Logcat,
    /// The kernel ring buffer (`dmesg`): USB disconnects and new devices.
    Dmesg,
}

impl LogSource {
    /// Its name in plans and messages.
    pub fn name(self) -> &'static str {
        match self {
            LogSource::Logcat => "logcat",
            LogSource::Dmesg => "dmesg",
        }
    }
}

/// A point in one of the device's logs; [`Dut::log_since`] returns the lines written after it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogMark {
    /// The log.
    pub source: LogSource,
    /// Where the log stood, in the backend's terms (a device time stamp or a seconds-since-boot
    /// value); opaque to callers.
    pub at: String,
}

/// The device under test, whatever link reaches it.
pub trait Dut: Send + fmt::Debug {
    /// Which device over which link, for messages and the journal: `adb 127.0.0.1:5555 (SN)`.
    fn describe(&self) -> String;

    /// A system property (`getprop NAME`); empty when the property is not set, as on Android.
    fn property(&mut self, name: &str) -> Result<String, DutError>;

    /// Runs `command` in the device's shell and returns what it printed.
    fn shell(&mut self, command: &str) -> Result<ShellOutput, DutError>;

    /// The installed package `name`, or `None` when it is not installed.
    fn package(&mut self, name: &str) -> Result<Option<PackageInfo>, DutError>;

    /// A screenshot of the device's display, as PNG bytes.
    fn screenshot(&mut self) -> Result<Vec<u8>, DutError>;

    /// Reboots the device and returns once it answers again, or fails after `timeout`.
    fn reboot_and_wait(&mut self, timeout: Duration) -> Result<(), DutError>;

    /// Marks where `source` stands now, to read later what it gained with [`Dut::log_since`].
    fn log_mark(&mut self, source: LogSource) -> Result<LogMark, DutError>;

    /// The lines `mark`'s log gained since the mark was taken, oldest first.
    fn log_since(&mut self, mark: &LogMark) -> Result<Vec<String>, DutError>;
}

/// Why a call to the device failed. Every variant names the device (as [`Dut::describe`] gives
/// it) and, where there is one, the command.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DutError {
    /// The device did not answer within the link's timeout.
    #[error("{device}: no reply to `{command}` within {} ms", after.as_millis())]
    Timeout {
        /// The device.
        device: String,
        /// The command or service asked for.
        command: String,
        /// How long we waited (real time).
        after: Duration,
    },
    /// The link to the device (or to the adb server) could not be opened or was lost.
    #[error("{device}: link lost during `{command}`: {reason}")]
    Link {
        /// The device.
        device: String,
        /// The command or service asked for.
        command: String,
        /// What the operating system or the server said.
        reason: String,
    },
    /// The device or the adb server answered and refused (device offline, unauthorized, no
    /// such service).
    #[error("{device}: `{command}` refused: {reason}")]
    Refused {
        /// The device.
        device: String,
        /// The refused command.
        command: String,
        /// The reason, in the device's words.
        reason: String,
    },
    /// The device answered with something that cannot be understood.
    #[error("{device}: unexpected reply to `{command}`: {problem}")]
    Garbled {
        /// The device.
        device: String,
        /// The command.
        command: String,
        /// What is wrong with the reply.
        problem: String,
    },
    /// This kind of device (or its backend) cannot do this.
    #[error("{device}: not supported: {what}")]
    NotSupported {
        /// The device.
        device: String,
        /// The missing ability.
        what: String,
    },
}

impl DutError {
    /// True when the device answered (a refusal or an unexpected reply) rather than the link
    /// failing: a fact about the device, where a lost link is a harness fault.
    pub fn device_answered(&self) -> bool {
        matches!(self, DutError::Refused { .. } | DutError::Garbled { .. })
    }
}
