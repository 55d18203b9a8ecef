//! Camera errors, and their classification from operating-system errors.
//!
//! Backends turn every `io::Error` into a [`CameraError`] with [`CameraError::from_io`], so stress
//! loops can tell a stall from an unplugged camera from a device someone else holds.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// `ENOENT`: no such file (the device node is gone).
pub const ENOENT: i32 = 2;
/// `EIO`: input/output error.
pub const EIO: i32 = 5;
/// `ENXIO`: no such device or address.
pub const ENXIO: i32 = 6;
/// `EBUSY`: device or resource busy.
pub const EBUSY: i32 = 16;
/// `ENODEV`: no such device (unplugged while open).
pub const ENODEV: i32 = 19;
/// `ETIMEDOUT`: connection timed out.
pub const ETIMEDOUT: i32 = 110;

/// Everything that can go wrong between the harness and a camera.
#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    /// No frame arrived within the timeout: the stream stalled.
    #[error("no frame within {waited:?} (stall)")]
    Timeout {
        /// How long the caller waited.
        waited: Duration,
    },
    /// The device went away while open (`ENODEV`).
    #[error("camera {path} disconnected")]
    Disconnected {
        /// The device node that vanished.
        path: String,
    },
    /// The device node does not exist (`ENOENT`/`ENXIO` on open).
    #[error("camera {path} not found")]
    NotFound {
        /// The path that was tried.
        path: String,
    },
    /// Another process holds the device (`EBUSY` on open or stream-on).
    #[error("camera {path} is busy (held by another process?)")]
    Busy {
        /// The busy device node.
        path: String,
    },
    /// Any other operating-system error, with its errno kept in `source`.
    #[error("I/O error on camera {path}")]
    Io {
        /// The device node.
        path: String,
        /// The underlying error (`raw_os_error()` gives the errno).
        #[source]
        source: io::Error,
    },
    /// The device cannot deliver the requested format, or delivered something else.
    #[error("format problem: {detail}")]
    Format {
        /// What was asked and what came back.
        detail: String,
    },
    /// The backend or device lacks this ability.
    #[error("not supported: {what}")]
    NotSupported {
        /// The missing ability.
        what: String,
    },
    /// The call does not fit the source's state (e.g. `next_frame` before `start`).
    #[error("{call} called while {state}")]
    State {
        /// The call that was refused.
        call: &'static str,
        /// The state the source was in.
        state: &'static str,
    },
    /// A finite source (a replayed recording) has no more frames.
    #[error("end of stream: {path} has no more frames")]
    EndOfStream {
        /// The source that ran out.
        path: String,
    },
    /// A recording file is malformed or cut short.
    #[error("recording {path}: {detail} at byte offset {offset}", path = path.display())]
    Recording {
        /// The recording file.
        path: PathBuf,
        /// Byte offset where the problem starts.
        offset: u64,
        /// What is wrong.
        detail: String,
    },
    /// A backend-specific error that fits none of the above.
    #[error("camera driver error")]
    Driver(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl CameraError {
    /// Classifies an operating-system error met on the device at `path`:
    /// `ENODEV` → [`Disconnected`](CameraError::Disconnected), `EBUSY` → [`Busy`](CameraError::Busy),
    /// `ENOENT`/`ENXIO` → [`NotFound`](CameraError::NotFound), `ETIMEDOUT` or
    /// `ErrorKind::TimedOut` → [`Timeout`](CameraError::Timeout) (with `waited` as given),
    /// anything else (including `EIO`) → [`Io`](CameraError::Io) keeping the errno.
    pub fn from_io(path: &str, waited: Duration, source: io::Error) -> CameraError {
        match source.raw_os_error() {
            Some(ENODEV) => CameraError::Disconnected { path: path.into() },
            Some(EBUSY) => CameraError::Busy { path: path.into() },
            Some(ENOENT) | Some(ENXIO) => CameraError::NotFound { path: path.into() },
            Some(ETIMEDOUT) => CameraError::Timeout { waited },
            None if source.kind() == io::ErrorKind::TimedOut => CameraError::Timeout { waited },
            _ => CameraError::Io {
                path: path.into(),
                source,
            },
        }
    }

    /// The errno behind this error, where there is one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            CameraError::Io { source, .. } => source.raw_os_error(),
            CameraError::Disconnected { .. } => Some(ENODEV),
            CameraError::Busy { .. } => Some(EBUSY),
            CameraError::NotFound { .. } => Some(ENOENT),
            _ => None,
        }
    }

    /// Whether the device is gone (unplugged or its node vanished): reconnecting may help,
    /// retrying the same call will not.
    pub fn is_gone(&self) -> bool {
        matches!(
            self,
            CameraError::Disconnected { .. } | CameraError::NotFound { .. }
        )
    }

    /// A short stable name of the error kind, for counters and CSV columns.
    pub fn kind_name(&self) -> &'static str {
        match self {
            CameraError::Timeout { .. } => "timeout",
            CameraError::Disconnected { .. } => "disconnected",
            CameraError::NotFound { .. } => "not_found",
            CameraError::Busy { .. } => "busy",
            CameraError::Io { .. } => "io",
            CameraError::Format { .. } => "format",
            CameraError::NotSupported { .. } => "not_supported",
            CameraError::State { .. } => "state",
            CameraError::EndOfStream { .. } => "end_of_stream",
            CameraError::Recording { .. } => "recording",
            CameraError::Driver(_) => "driver",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(errno: i32) -> CameraError {
        CameraError::from_io(
            "/dev/video0",
            Duration::from_secs(1),
            io::Error::from_raw_os_error(errno),
        )
    }

    #[test]
    fn errno_classification() {
        assert!(
            matches!(classify(ENODEV), CameraError::Disconnected { ref path } if path == "/dev/video0")
        );
        assert!(matches!(classify(EBUSY), CameraError::Busy { .. }));
        assert!(matches!(classify(ENOENT), CameraError::NotFound { .. }));
        assert!(matches!(classify(ENXIO), CameraError::NotFound { .. }));
        assert!(
            matches!(classify(ETIMEDOUT), CameraError::Timeout { waited } if waited == Duration::from_secs(1))
        );
        let eio = classify(EIO);
        assert!(matches!(eio, CameraError::Io { .. }));
        assert_eq!(eio.errno(), Some(EIO));
        assert_eq!(classify(ENODEV).errno(), Some(ENODEV));
        assert!(classify(ENODEV).is_gone());
        assert!(!eio.is_gone());
    }

    #[test]
    fn timed_out_kind_without_errno_is_a_timeout() {
        let err = io::Error::new(io::ErrorKind::TimedOut, "poll timed out");
        let waited = Duration::from_millis(500);
        assert!(matches!(
            CameraError::from_io("/dev/video2", waited, err),
            CameraError::Timeout { waited: w } if w == waited
        ));
    }

    #[test]
    fn messages_name_the_device() {
        assert_eq!(
            classify(EBUSY).to_string(),
            "camera /dev/video0 is busy (held by another process?)"
        );
        assert!(classify(EIO).to_string().contains("/dev/video0"));
    }
}
