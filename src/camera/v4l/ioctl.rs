//! The V4L2 calls the backend needs, as safe functions over an open device node.
//!
//! Built on the `v4l` crate's kernel bindings (`v4l::v4l_sys`, generated from
//! `<linux/videodev2.h>`) and its `ioctl` wrapper, but not on its higher-level types: those panic
//! on unexpected driver data (unknown control types, colorspaces, non-UTF-8 names) and on errors
//! in `Drop`, which a harness that unplugs cameras on purpose cannot afford. Every function here
//! returns `io::Result` with the errno kept, so [`CameraError::from_io`] can classify it.
//!
//! [`CameraError::from_io`]: crate::camera::CameraError::from_io

use std::fs::{File, OpenOptions};
use std::io;
use std::mem;
use std::os::fd::AsRawFd;
use std::os::raw::{c_int, c_void};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use v4l::v4l2;
use v4l::v4l2::vidioc;
use v4l::v4l_sys as sys;

use super::map::{c_text, Fraction};

/// `V4L2_BUF_TYPE_VIDEO_CAPTURE`.
const BUF_TYPE_CAPTURE: u32 = 1;
/// `V4L2_MEMORY_MMAP`.
const MEMORY_MMAP: u32 = 1;
/// `V4L2_FIELD_ANY`.
const FIELD_ANY: u32 = 0;

/// An open V4L2 device node (non-blocking; closed on drop, errors on close ignored).
#[derive(Debug)]
pub struct Node {
    file: File,
}

/// Runs one ioctl, retrying when a signal interrupted it.
///
/// # Safety
/// `request` must be an ioctl whose argument type is `T`.
unsafe fn xioctl<T>(fd: c_int, request: vidioc::_IOC_TYPE, arg: &mut T) -> io::Result<()> {
    loop {
        match v4l2::ioctl(fd, request, arg as *mut T as *mut c_void) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// What `VIDIOC_QUERYCAP` says about a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCaps {
    /// Driver name (`uvcvideo`).
    pub driver: String,
    /// Device name.
    pub card: String,
    /// Bus location (`usb-0000:00:14.0-3`).
    pub bus_info: String,
    /// Capabilities of this node (`device_caps` when the driver gives them).
    pub caps: u32,
}

impl NodeCaps {
    /// Whether the node captures video with streaming I/O (metadata nodes do not).
    pub fn is_video_capture(&self) -> bool {
        self.caps & sys::V4L2_CAP_VIDEO_CAPTURE != 0 && self.caps & sys::V4L2_CAP_STREAMING != 0
    }
}

/// The pixel format of a node (`v4l2_pix_format`, the fields we use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixFormat {
    /// FourCC as the kernel's little-endian `u32`.
    pub fourcc: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes of a full image buffer.
    pub size_image: u32,
}

/// One `VIDIOC_QUERY_EXT_CTRL` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlInfo {
    /// Control id.
    pub id: u32,
    /// `V4L2_CTRL_TYPE_*`.
    pub kind: u32,
    /// Name as the driver gives it.
    pub name: String,
    /// Minimum.
    pub minimum: i64,
    /// Maximum.
    pub maximum: i64,
    /// Step.
    pub step: u64,
    /// Default.
    pub default: i64,
    /// `V4L2_CTRL_FLAG_*`.
    pub flags: u32,
}

/// A dequeued buffer's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dequeued {
    /// Buffer index.
    pub index: u32,
    /// Bytes the driver filled.
    pub bytes_used: u32,
    /// `V4L2_BUF_FLAG_*`.
    pub flags: u32,
    /// Driver sequence number.
    pub sequence: u32,
    /// Timestamp seconds.
    pub ts_sec: i64,
    /// Timestamp microseconds.
    pub ts_usec: i64,
}

/// What `poll` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ready {
    /// A buffer can be dequeued (or an error is pending; DQBUF tells which).
    Readable {
        /// `POLLERR`/`POLLHUP`/`POLLNVAL` was set.
        error: bool,
    },
    /// Nothing within the timeout.
    TimedOut,
}

impl Node {
    /// Opens `path` read-write and non-blocking.
    pub fn open(path: &Path) -> io::Result<Node> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(path)?;
        Ok(Node { file })
    }

    fn fd(&self) -> c_int {
        self.file.as_raw_fd()
    }

    /// `VIDIOC_QUERYCAP`.
    pub fn query_caps(&self) -> io::Result<NodeCaps> {
        // SAFETY: v4l2_capability is plain data; zero is a valid bit pattern.
        let mut raw: sys::v4l2_capability = unsafe { mem::zeroed() };
        // SAFETY: VIDIOC_QUERYCAP takes a v4l2_capability.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_QUERYCAP, &mut raw)? };
        let caps = if raw.capabilities & sys::V4L2_CAP_DEVICE_CAPS != 0 {
            raw.device_caps
        } else {
            raw.capabilities
        };
        Ok(NodeCaps {
            driver: c_text(&raw.driver),
            card: c_text(&raw.card),
            bus_info: c_text(&raw.bus_info),
            caps,
        })
    }

    /// `VIDIOC_G_FMT` for video capture.
    pub fn format(&self) -> io::Result<PixFormat> {
        // SAFETY: v4l2_format is plain data (a union of plain structs).
        let mut raw: sys::v4l2_format = unsafe { mem::zeroed() };
        raw.type_ = BUF_TYPE_CAPTURE;
        // SAFETY: VIDIOC_G_FMT takes a v4l2_format.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_G_FMT, &mut raw)? };
        // SAFETY: for a capture type the kernel fills the `pix` member.
        Ok(pix_of(unsafe { raw.fmt.pix }))
    }

    /// `VIDIOC_S_FMT` for video capture; returns what the driver chose.
    pub fn set_format(&self, fourcc: u32, width: u32, height: u32) -> io::Result<PixFormat> {
        // SAFETY: as in `format`.
        let mut raw: sys::v4l2_format = unsafe { mem::zeroed() };
        raw.type_ = BUF_TYPE_CAPTURE;
        // Writing plain fields of a union member is safe (and the union is zeroed).
        raw.fmt.pix.width = width;
        raw.fmt.pix.height = height;
        raw.fmt.pix.pixelformat = fourcc;
        raw.fmt.pix.field = FIELD_ANY;
        // SAFETY: VIDIOC_S_FMT takes a v4l2_format.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_S_FMT, &mut raw)? };
        // SAFETY: the kernel filled `pix`.
        Ok(pix_of(unsafe { raw.fmt.pix }))
    }

    /// `VIDIOC_G_PARM`: the time per frame, `None` when the driver has no frame-rate setting.
    pub fn time_per_frame(&self) -> io::Result<Option<Fraction>> {
        // SAFETY: v4l2_streamparm is plain data.
        let mut raw: sys::v4l2_streamparm = unsafe { mem::zeroed() };
        raw.type_ = BUF_TYPE_CAPTURE;
        // SAFETY: VIDIOC_G_PARM takes a v4l2_streamparm.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_G_PARM, &mut raw)? };
        // SAFETY: for a capture type the kernel fills `capture`.
        let capture = unsafe { raw.parm.capture };
        if capture.capability & sys::V4L2_CAP_TIMEPERFRAME == 0 {
            return Ok(None);
        }
        Ok(Some(Fraction {
            numerator: capture.timeperframe.numerator,
            denominator: capture.timeperframe.denominator,
        }))
    }

    /// `VIDIOC_S_PARM`: asks for `time_per_frame`; returns what the driver chose.
    pub fn set_time_per_frame(&self, time_per_frame: Fraction) -> io::Result<Fraction> {
        // SAFETY: as in `time_per_frame`.
        let mut raw: sys::v4l2_streamparm = unsafe { mem::zeroed() };
        raw.type_ = BUF_TYPE_CAPTURE;
        raw.parm.capture.timeperframe.numerator = time_per_frame.numerator;
        raw.parm.capture.timeperframe.denominator = time_per_frame.denominator;
        // SAFETY: VIDIOC_S_PARM takes a v4l2_streamparm.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_S_PARM, &mut raw)? };
        // SAFETY: the kernel filled `capture`.
        let chosen = unsafe { raw.parm.capture.timeperframe };
        Ok(Fraction {
            numerator: chosen.numerator,
            denominator: chosen.denominator,
        })
    }

    /// `VIDIOC_ENUM_FMT`: (FourCC, description) of every capture format.
    pub fn formats(&self) -> io::Result<Vec<(u32, String)>> {
        let mut out = Vec::new();
        for index in 0..MAX_ENUM {
            // SAFETY: v4l2_fmtdesc is plain data.
            let mut raw: sys::v4l2_fmtdesc = unsafe { mem::zeroed() };
            raw.index = index;
            raw.type_ = BUF_TYPE_CAPTURE;
            // SAFETY: VIDIOC_ENUM_FMT takes a v4l2_fmtdesc.
            match unsafe { xioctl(self.fd(), vidioc::VIDIOC_ENUM_FMT, &mut raw) } {
                Ok(()) => out.push((raw.pixelformat, c_text(&raw.description))),
                Err(e) if is_end_of_list(&e) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// `VIDIOC_ENUM_FRAMESIZES` for `fourcc`: discrete sizes, or the (min, max) corners of a
    /// stepwise/continuous range.
    pub fn frame_sizes(&self, fourcc: u32) -> io::Result<Vec<(u32, u32)>> {
        let mut out = Vec::new();
        for index in 0..MAX_ENUM {
            // SAFETY: v4l2_frmsizeenum is plain data.
            let mut raw: sys::v4l2_frmsizeenum = unsafe { mem::zeroed() };
            raw.index = index;
            raw.pixel_format = fourcc;
            // SAFETY: VIDIOC_ENUM_FRAMESIZES takes a v4l2_frmsizeenum.
            match unsafe { xioctl(self.fd(), vidioc::VIDIOC_ENUM_FRAMESIZES, &mut raw) } {
                Ok(()) => {}
                Err(e) if is_end_of_list(&e) => break,
                Err(e) => return Err(e),
            }
            if raw.type_ == sys::v4l2_frmsizetypes_V4L2_FRMSIZE_TYPE_DISCRETE {
                // SAFETY: the type says `discrete` is the filled member.
                let size = unsafe { raw.__bindgen_anon_1.discrete };
                out.push((size.width, size.height));
            } else {
                // SAFETY: stepwise and continuous both fill `stepwise`.
                let range = unsafe { raw.__bindgen_anon_1.stepwise };
                out.push((range.min_width, range.min_height));
                out.push((range.max_width, range.max_height));
                break;
            }
        }
        Ok(out)
    }

    /// `VIDIOC_ENUM_FRAMEINTERVALS`: discrete times per frame, or the (min, max) of a range.
    pub fn frame_intervals(
        &self,
        fourcc: u32,
        width: u32,
        height: u32,
    ) -> io::Result<Vec<Fraction>> {
        let mut out = Vec::new();
        for index in 0..MAX_ENUM {
            // SAFETY: v4l2_frmivalenum is plain data.
            let mut raw: sys::v4l2_frmivalenum = unsafe { mem::zeroed() };
            raw.index = index;
            raw.pixel_format = fourcc;
            raw.width = width;
            raw.height = height;
            // SAFETY: VIDIOC_ENUM_FRAMEINTERVALS takes a v4l2_frmivalenum.
            match unsafe { xioctl(self.fd(), vidioc::VIDIOC_ENUM_FRAMEINTERVALS, &mut raw) } {
                Ok(()) => {}
                Err(e) if is_end_of_list(&e) => break,
                Err(e) => return Err(e),
            }
            let fraction = |f: sys::v4l2_fract| Fraction {
                numerator: f.numerator,
                denominator: f.denominator,
            };
            if raw.type_ == sys::v4l2_frmivaltypes_V4L2_FRMIVAL_TYPE_DISCRETE {
                // SAFETY: the type says `discrete` is the filled member.
                out.push(fraction(unsafe { raw.__bindgen_anon_1.discrete }));
            } else {
                // SAFETY: stepwise and continuous both fill `stepwise`.
                let range = unsafe { raw.__bindgen_anon_1.stepwise };
                out.push(fraction(range.min));
                out.push(fraction(range.max));
                break;
            }
        }
        Ok(out)
    }

    /// `VIDIOC_QUERY_EXT_CTRL` over every control (`V4L2_CTRL_FLAG_NEXT_CTRL`).
    pub fn controls(&self) -> io::Result<Vec<ControlInfo>> {
        let mut out = Vec::new();
        let mut id = 0u32;
        for _ in 0..MAX_ENUM {
            match self.query_control(id | sys::V4L2_CTRL_FLAG_NEXT_CTRL) {
                Ok(info) => {
                    if info.id <= id {
                        break; // a driver that does not advance would loop forever
                    }
                    id = info.id;
                    out.push(info);
                }
                Err(e) if is_end_of_list(&e) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// `VIDIOC_QUERY_EXT_CTRL` for one control id.
    pub fn query_control(&self, id: u32) -> io::Result<ControlInfo> {
        // SAFETY: v4l2_query_ext_ctrl is plain data.
        let mut raw: sys::v4l2_query_ext_ctrl = unsafe { mem::zeroed() };
        raw.id = id;
        // SAFETY: VIDIOC_QUERY_EXT_CTRL takes a v4l2_query_ext_ctrl.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_QUERY_EXT_CTRL, &mut raw)? };
        let name: Vec<u8> = raw.name.iter().map(|c| *c as u8).collect();
        Ok(ControlInfo {
            id: raw.id,
            kind: raw.type_,
            name: c_text(&name),
            minimum: raw.minimum,
            maximum: raw.maximum,
            step: raw.step,
            default: raw.default_value,
            flags: raw.flags,
        })
    }

    /// `VIDIOC_G_CTRL` (32-bit controls: integers, booleans, menus).
    pub fn control(&self, id: u32) -> io::Result<i32> {
        let mut raw = sys::v4l2_control { id, value: 0 };
        // SAFETY: VIDIOC_G_CTRL takes a v4l2_control.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_G_CTRL, &mut raw)? };
        Ok(raw.value)
    }

    /// `VIDIOC_S_CTRL`.
    pub fn set_control(&self, id: u32, value: i32) -> io::Result<()> {
        let mut raw = sys::v4l2_control { id, value };
        // SAFETY: VIDIOC_S_CTRL takes a v4l2_control.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_S_CTRL, &mut raw) }
    }

    /// `VIDIOC_REQBUFS` with memory-mapped buffers; returns how many the driver allocated.
    pub fn request_buffers(&self, count: u32) -> io::Result<u32> {
        // SAFETY: v4l2_requestbuffers is plain data.
        let mut raw: sys::v4l2_requestbuffers = unsafe { mem::zeroed() };
        raw.count = count;
        raw.type_ = BUF_TYPE_CAPTURE;
        raw.memory = MEMORY_MMAP;
        // SAFETY: VIDIOC_REQBUFS takes a v4l2_requestbuffers.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_REQBUFS, &mut raw)? };
        Ok(raw.count)
    }

    /// `VIDIOC_QUERYBUF`: (mmap offset, length) of buffer `index`.
    pub fn query_buffer(&self, index: u32) -> io::Result<(u32, u32)> {
        let mut raw = buffer_desc(index);
        // SAFETY: VIDIOC_QUERYBUF takes a v4l2_buffer.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_QUERYBUF, &mut raw)? };
        // SAFETY: for MMAP memory the kernel fills `m.offset`.
        Ok((unsafe { raw.m.offset }, raw.length))
    }

    /// Maps buffer `index`: `length` bytes of the device at `offset`, read-only.
    // `off_t` is i64 here but i32 on 32-bit ARM boards without large-file support, where an
    // offset past 2 GiB cannot be mapped: the conversion is fallible on some targets only.
    #[allow(clippy::unnecessary_fallible_conversions)]
    pub fn map(&self, index: u32, offset: u32, length: u32) -> io::Result<Mapping> {
        let len = length as usize;
        let offset = libc::off_t::try_from(offset).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "buffer {index}: mmap offset {offset:#x} does not fit this platform's off_t"
                ),
            )
        })?;
        // SAFETY: a fresh shared read-only mapping of the device; the kernel checks the offset.
        let ptr = unsafe {
            v4l2::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                self.fd(),
                offset,
            )?
        };
        Ok(Mapping { index, ptr, len })
    }

    /// `VIDIOC_QBUF` of buffer `index`.
    pub fn queue(&self, index: u32) -> io::Result<()> {
        let mut raw = buffer_desc(index);
        // SAFETY: VIDIOC_QBUF takes a v4l2_buffer.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_QBUF, &mut raw) }
    }

    /// `VIDIOC_DQBUF` (non-blocking: `WouldBlock` when nothing is ready).
    // `timeval` fields are `c_long`: i64 here, i32 on 32-bit ARM boards.
    #[allow(clippy::useless_conversion)]
    pub fn dequeue(&self) -> io::Result<Dequeued> {
        let mut raw = buffer_desc(0);
        // SAFETY: VIDIOC_DQBUF takes a v4l2_buffer.
        unsafe { xioctl(self.fd(), vidioc::VIDIOC_DQBUF, &mut raw)? };
        Ok(Dequeued {
            index: raw.index,
            bytes_used: raw.bytesused,
            flags: raw.flags,
            sequence: raw.sequence,
            ts_sec: raw.timestamp.tv_sec.into(),
            ts_usec: raw.timestamp.tv_usec.into(),
        })
    }

    /// `VIDIOC_STREAMON` (`on`) or `VIDIOC_STREAMOFF`.
    pub fn stream(&self, on: bool) -> io::Result<()> {
        let mut kind: c_int = BUF_TYPE_CAPTURE as c_int;
        let request = if on {
            vidioc::VIDIOC_STREAMON
        } else {
            vidioc::VIDIOC_STREAMOFF
        };
        // SAFETY: STREAMON/STREAMOFF take an int buffer type.
        unsafe { xioctl(self.fd(), request, &mut kind) }
    }

    /// Waits until a buffer can be dequeued or `timeout` passes (`poll(2)`, restarted with the
    /// time left when a signal interrupts it).
    pub fn wait_readable(&self, timeout: Duration) -> io::Result<Ready> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut fds = [libc::pollfd {
                fd: self.fd(),
                events: libc::POLLIN,
                revents: 0,
            }];
            // SAFETY: one valid pollfd for the duration of the call.
            let ret = unsafe { libc::poll(fds.as_mut_ptr(), 1, poll_millis(left)) };
            match ret {
                0 => return Ok(Ready::TimedOut),
                n if n > 0 => {
                    let bad = libc::POLLERR | libc::POLLHUP | libc::POLLNVAL;
                    return Ok(Ready::Readable {
                        error: fds[0].revents & bad != 0,
                    });
                }
                _ => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
            }
        }
    }
}

/// Upper bound on enumeration loops, so a misbehaving driver cannot keep us forever.
const MAX_ENUM: u32 = 4096;

/// Enumerations end with `EINVAL` once the index passes the last entry.
fn is_end_of_list(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EINVAL)
}

/// Milliseconds for `poll`, rounded up so a sub-millisecond wait still waits, capped at
/// `i32::MAX`.
pub fn poll_millis(timeout: Duration) -> c_int {
    let millis = timeout.as_nanos().div_ceil(1_000_000);
    c_int::try_from(millis).unwrap_or(c_int::MAX)
}

fn pix_of(pix: sys::v4l2_pix_format) -> PixFormat {
    PixFormat {
        fourcc: pix.pixelformat,
        width: pix.width,
        height: pix.height,
        size_image: pix.sizeimage,
    }
}

fn buffer_desc(index: u32) -> sys::v4l2_buffer {
    // SAFETY: v4l2_buffer is plain data; zero is valid.
    let mut raw: sys::v4l2_buffer = unsafe { mem::zeroed() };
    raw.index = index;
    raw.type_ = BUF_TYPE_CAPTURE;
    raw.memory = MEMORY_MMAP;
    raw
}

/// A read-only memory mapping of one driver buffer; unmapped on drop (errors ignored: a failed
/// `munmap` of our own mapping cannot be repaired, and panicking here would abort a stress run).
///
/// The driver writes into the buffer (by DMA) whenever it is queued, so its bytes may only be read
/// between `VIDIOC_DQBUF` and the next `VIDIOC_QBUF` of the same index. [`Mapping::read_dequeued`]
/// is the only way to the bytes and enforces what it can of that contract: it needs the
/// [`Dequeued`] record of this very buffer, and the slice cannot outlive its closure. The caller
/// must not queue the buffer again from inside the closure (the source never does: it copies the
/// frame out first).
#[derive(Debug)]
pub struct Mapping {
    index: u32,
    ptr: *mut c_void,
    len: usize,
}

// SAFETY: the mapping is plain shared memory owned by this value alone; moving it to another
// thread is sound (the source runs on one thread at a time).
unsafe impl Send for Mapping {}

impl Mapping {
    /// Runs `read` over the whole mapped buffer, which `dequeued` says the driver has handed back
    /// to us; `None` (and `read` is not run) when `dequeued` names another buffer.
    pub fn read_dequeued<R>(
        &self,
        dequeued: &Dequeued,
        read: impl FnOnce(&[u8]) -> R,
    ) -> Option<R> {
        if dequeued.index != self.index {
            return None;
        }
        // SAFETY: `ptr` maps `self.len` readable bytes for as long as `self` lives, and the buffer
        // is dequeued, so the driver does not write it while the slice (scoped to `read`) exists.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) };
        Some(read(bytes))
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` came from a successful mmap and are unmapped once.
        if let Err(e) = unsafe { v4l2::munmap(self.ptr, self.len) } {
            tracing::warn!("munmap of a V4L2 buffer failed: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_timeouts_round_up_and_saturate() {
        assert_eq!(poll_millis(Duration::ZERO), 0);
        assert_eq!(poll_millis(Duration::from_micros(1)), 1);
        assert_eq!(poll_millis(Duration::from_millis(1500)), 1500);
        assert_eq!(poll_millis(Duration::from_secs(u64::MAX)), c_int::MAX);
    }

    #[test]
    fn opening_a_missing_node_keeps_the_errno() {
        let err = Node::open(Path::new("/nonexistent/video99")).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn ioctls_on_a_non_v4l2_file_fail_cleanly() {
        // /dev/null opens read-write but is no V4L2 device: every call errors (ENOTTY), none
        // panics, and poll does not hang.
        let node = Node::open(Path::new("/dev/null")).unwrap();
        assert!(node.query_caps().is_err());
        assert!(node.format().is_err());
        assert!(node.controls().is_err());
        assert!(node.dequeue().is_err());
        assert!(node.request_buffers(4).is_err());
        let ready = node.wait_readable(Duration::from_millis(10)).unwrap();
        assert!(matches!(ready, Ready::Readable { .. } | Ready::TimedOut));
    }
}
