//! One connected device over either link, with the two requests the backend makes of it (a
//! shell command, a reboot), and why a request failed before it is tied to a device name.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use adb_client::server_device::ADBServerDevice;
use adb_client::{ADBDeviceExt, RebootType, RustADBError};
use rsa::RsaPrivateKey;

use super::direct::{is_closed, is_silence, DirectError, DirectLink};
use super::AdbLink;

/// A connected device.
#[derive(Debug)]
pub enum Device {
    /// Through the adb server (adb_client's host protocol).
    Server(ADBServerDevice),
    /// Straight to adbd ([`DirectLink`]).
    Direct(DirectLink),
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The connection failed, closed or stayed silent (the reason).
    Link(String),
    /// The device or the server refused (its reason).
    Refused(String),
    /// The reply was not the protocol (what was wrong).
    Garbled(String),
}

impl Device {
    /// Connects over `link`; a direct link signs with `key` when the device asks, and every
    /// read and write of it is bounded by `timeout`.
    pub fn open(
        link: &AdbLink,
        key: Option<&Arc<RsaPrivateKey>>,
        timeout: Duration,
    ) -> Result<Device, Fault> {
        match link {
            AdbLink::Server { server, serial } => Ok(Device::Server(ADBServerDevice::new(
                serial.clone(),
                Some(*server),
            ))),
            AdbLink::Direct { addr, .. } => Ok(Device::Direct(DirectLink::connect(
                *addr,
                key.map(Arc::as_ref),
                timeout,
            )?)),
        }
    }

    /// Runs `command` and returns its output bytes and exit code (when the link gives one).
    pub fn shell(&mut self, command: &str) -> Result<(Vec<u8>, Option<i32>), Fault> {
        match self {
            Device::Server(device) => {
                let mut out = Vec::new();
                let code = device.shell_command(&command, Some(&mut out), None)?;
                Ok((out, code.map(i32::from)))
            }
            Device::Direct(link) => Ok((link.shell(command)?, None)),
        }
    }

    /// Asks the device to reboot.
    pub fn reboot(&mut self) -> Result<(), Fault> {
        match self {
            Device::Server(device) => Ok(device.reboot(RebootType::System)?),
            Device::Direct(link) => Ok(link.reboot()?),
        }
    }
}

impl From<RustADBError> for Fault {
    fn from(error: RustADBError) -> Fault {
        match error {
            RustADBError::IOError(e) => Fault::Link(io_reason(&e)),
            RustADBError::ADBRequestFailed(reason) | RustADBError::DeviceNotFound(reason) => {
                Fault::Refused(reason)
            }
            RustADBError::ADBDeviceNotPaired => Fault::Refused("the device is not paired".into()),
            other => Fault::Garbled(other.to_string()),
        }
    }
}

impl From<DirectError> for Fault {
    fn from(error: DirectError) -> Fault {
        match error {
            DirectError::Io(e) => Fault::Link(io_reason(&e)),
            DirectError::Refused(reason) => Fault::Refused(reason),
            DirectError::Protocol(problem) => Fault::Garbled(problem),
        }
    }
}

/// An I/O failure in a lab engineer's words.
fn io_reason(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::ConnectionRefused {
        "connection refused (is adbd or the adb server running?)".to_string()
    } else if is_closed(e) {
        "the device closed the connection".to_string()
    } else if is_silence(e) {
        "no reply within the link's timeout".to_string()
    } else {
        e.to_string()
    }
}
