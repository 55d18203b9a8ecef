//! Camera selectors: the one text syntax that names a camera everywhere — station files
//! (`[camera] rgb = "…"`), `facebench run` and `facebench camera --source`.
//!
//! Parsing is pure; finding the camera a selector names (is the node there, which node has this
//! USB id, which nokhwa camera has this name) is [`crate::camera::open::locate`], and the sysfs
//! look-up of USB ids is [`usb`].

pub mod usb;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::camera::{FrameRate, PixelFormat, StreamConfig, StreamKind};

pub use usb::UsbId;

/// A camera selector.
///
/// | text | source |
/// |---|---|
/// | `synthetic` | the synthetic camera (640x480 @ 30 fps YUYV on the command line; in a station, the stream's own format at the step's rate) |
/// | `synthetic:1920x1080@30/YUYV` | the synthetic camera in that mode |
/// | `v4l:/dev/video0` | a V4L2 node as it is configured |
/// | `v4l:/dev/v4l/by-id/usb-Acme-video-index0:1280x720@30/MJPG` | a V4L2 node by its stable name, set to that mode |
/// | `v4l:usb:046d:0825` or `v4l:usb:046d:0825:SERIAL` | the capture node of the USB camera with that vendor and product id (and serial), found through sysfs on every open |
/// | `nokhwa:0`, `nokhwa:HD Webcam` or `nokhwa:0:1280x720@30/MJPG` | a camera through nokhwa, by index or by name |
/// | `replay:run/camera.fbrec` | a recording made with `facebench camera record` (its mode is the recording's) |
///
/// A mode is `<width>x<height>@<rate>/<FourCC>`; the rate is whole frames per second (`30`) or a
/// fraction (`30000/1001`); FourCCs shorter than four characters are padded with spaces (`Y16`,
/// `Z16`); `GREY`/`Y16` streams count as infrared and `Z16` as depth.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    /// The synthetic camera, in this mode or the default one.
    Synthetic(Option<StreamConfig>),
    /// A V4L2 node, optionally set to a mode on open.
    V4l {
        /// Which node.
        device: V4lDevice,
        /// Mode to set; `None` keeps the device's.
        mode: Option<StreamConfig>,
    },
    /// A camera through nokhwa.
    Nokhwa {
        /// Which camera.
        camera: NokhwaCamera,
        /// Mode to ask for.
        mode: Option<StreamConfig>,
    },
    /// A recording.
    Replay(PathBuf),
}

/// How a V4L2 selector names its node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V4lDevice {
    /// A device path (by-id links are resolved on every open).
    Path(PathBuf),
    /// A USB camera by vendor and product id (and serial), looked up in sysfs on every open.
    Usb(UsbId),
}

/// How a nokhwa selector names its camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NokhwaCamera {
    /// The index the operating system enumerates it under.
    Index(u32),
    /// Its human-readable name, as `facebench camera list` prints it.
    Name(String),
}

impl SourceSpec {
    /// Whether the selector names real hardware (where simulated time makes no sense).
    pub fn is_hardware(&self) -> bool {
        matches!(self, SourceSpec::V4l { .. } | SourceSpec::Nokhwa { .. })
    }

    /// The mode the selector asks for, if it names one.
    pub fn mode(&self) -> Option<StreamConfig> {
        match self {
            SourceSpec::Synthetic(mode)
            | SourceSpec::V4l { mode, .. }
            | SourceSpec::Nokhwa { mode, .. } => *mode,
            SourceSpec::Replay(_) => None,
        }
    }
}

/// The synthetic camera's mode when none is given.
pub const DEFAULT_SYNTHETIC: StreamConfig = StreamConfig {
    format: PixelFormat::Yuyv,
    width: 640,
    height: 480,
    rate: FrameRate {
        frames: 30,
        per_seconds: 1,
    },
    stream: StreamKind::Rgb,
};

/// Why a selector or mode text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?}: {problem}")]
pub struct SpecError {
    /// The text as given.
    pub input: String,
    /// What is wrong with it.
    pub problem: String,
}

fn spec_error(input: &str, problem: impl Into<String>) -> SpecError {
    SpecError {
        input: input.to_string(),
        problem: problem.into(),
    }
}

/// Parses a mode `<width>x<height>@<rate>/<FourCC>`.
pub fn parse_mode(text: &str) -> Result<StreamConfig, SpecError> {
    let usage = "expected <width>x<height>@<rate>/<FourCC>, e.g. 1920x1080@30/YUYV";
    let (size, rest) = text
        .split_once('@')
        .ok_or_else(|| spec_error(text, usage))?;
    let (width, height) = size
        .split_once('x')
        .ok_or_else(|| spec_error(text, usage))?;
    let number = |part: &str, what: &str| -> Result<u32, SpecError> {
        part.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| spec_error(text, format!("{what} {part:?} is not a positive number")))
    };
    let width = number(width, "width")?;
    let height = number(height, "height")?;
    let (rate, fourcc) = rest
        .rsplit_once('/')
        .ok_or_else(|| spec_error(text, usage))?;
    let rate = match rate.split_once('/') {
        Some((frames, per)) => FrameRate {
            frames: number(frames, "rate")?,
            per_seconds: number(per, "rate divisor")?,
        },
        None => FrameRate::fps(number(rate, "rate")?),
    };
    let format = parse_fourcc(fourcc).ok_or_else(|| {
        spec_error(
            text,
            format!("{fourcc:?} is not a FourCC (1–4 ASCII letters or digits, e.g. YUYV, MJPG, GREY, Y16, Z16)"),
        )
    })?;
    Ok(StreamConfig {
        format,
        width,
        height,
        rate,
        stream: match format {
            PixelFormat::Z16 => StreamKind::Depth,
            PixelFormat::Grey | PixelFormat::Y16 => StreamKind::Ir,
            _ => StreamKind::Rgb,
        },
    })
}

/// A FourCC of 1–4 ASCII alphanumerics, upper-cased and padded with spaces.
fn parse_fourcc(text: &str) -> Option<PixelFormat> {
    let text = text.trim();
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let mut code = *b"    ";
    for (slot, byte) in code.iter_mut().zip(text.bytes()) {
        *slot = byte.to_ascii_uppercase();
    }
    Some(PixelFormat::from_fourcc(code))
}

/// Splits `body` into a path (or index) and an optional trailing `:<mode>`; a suffix that is
/// not a mode stays part of the path.
fn split_mode(body: &str) -> Result<(&str, Option<StreamConfig>), SpecError> {
    if let Some((head, tail)) = body.rsplit_once(':') {
        if tail.contains('@') && tail.contains('x') {
            return Ok((head, Some(parse_mode(tail)?)));
        }
    }
    Ok((body, None))
}

impl FromStr for SourceSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (kind, body) = text.split_once(':').unwrap_or((text, ""));
        match kind {
            "synthetic" if body.is_empty() => Ok(SourceSpec::Synthetic(None)),
            "synthetic" => Ok(SourceSpec::Synthetic(Some(parse_mode(body)?))),
            "v4l" => {
                let (device, mode) = split_mode(body)?;
                let device = match device.strip_prefix("usb:") {
                    Some(id) => V4lDevice::Usb(UsbId::parse(id).map_err(|p| spec_error(text, p))?),
                    None if device.is_empty() => {
                        return Err(spec_error(
                            text,
                            "v4l needs a device path or a USB id, e.g. v4l:/dev/video0, \
                             v4l:/dev/v4l/by-id/… or v4l:usb:046d:0825",
                        ))
                    }
                    None => V4lDevice::Path(PathBuf::from(device)),
                };
                Ok(SourceSpec::V4l { device, mode })
            }
            "nokhwa" => {
                let (camera, mode) = split_mode(body)?;
                let camera = match camera.trim() {
                    "" => {
                        return Err(spec_error(
                            text,
                            "nokhwa needs a camera index or name, e.g. nokhwa:0",
                        ))
                    }
                    name => match name.parse::<u32>() {
                        Ok(index) => NokhwaCamera::Index(index),
                        Err(_) => NokhwaCamera::Name(name.to_string()),
                    },
                };
                Ok(SourceSpec::Nokhwa { camera, mode })
            }
            "replay" => match split_mode(body)? {
                ("", _) => Err(spec_error(
                    text,
                    "replay needs a file, e.g. replay:camera.fbrec",
                )),
                (_, Some(_)) => Err(spec_error(
                    text,
                    "a recording plays in the mode it was recorded in: drop the `:<mode>`",
                )),
                (path, None) => Ok(SourceSpec::Replay(PathBuf::from(path))),
            },
            _ => Err(spec_error(
                text,
                "expected synthetic[:mode], v4l:PATH[:mode], v4l:usb:VID:PID[:SERIAL][:mode], \
                 nokhwa:INDEX|NAME[:mode] or replay:FILE",
            )),
        }
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode =
            |m: &Option<StreamConfig>| m.map(|m| format!(":{}", ModeText(m))).unwrap_or_default();
        match self {
            SourceSpec::Synthetic(m) => write!(f, "synthetic{}", mode(m)),
            SourceSpec::V4l { device, mode: m } => write!(f, "v4l:{device}{}", mode(m)),
            SourceSpec::Nokhwa { camera, mode: m } => write!(f, "nokhwa:{camera}{}", mode(m)),
            SourceSpec::Replay(path) => write!(f, "replay:{}", path.display()),
        }
    }
}

impl fmt::Display for V4lDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            V4lDevice::Path(path) => write!(f, "{}", path.display()),
            V4lDevice::Usb(id) => write!(f, "usb:{id}"),
        }
    }
}

impl fmt::Display for NokhwaCamera {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NokhwaCamera::Index(index) => write!(f, "{index}"),
            NokhwaCamera::Name(name) => f.write_str(name),
        }
    }
}

/// A mode written the way [`parse_mode`] reads it.
#[derive(Debug, Clone, Copy)]
pub struct ModeText(pub StreamConfig);

impl fmt::Display for ModeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(f, "{}x{}@{}", m.width, m.height, m.rate.frames)?;
        if m.rate.per_seconds != 1 {
            write!(f, "/{}", m.rate.per_seconds)?;
        }
        write!(f, "/{}", m.format.to_string().trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_and_prints_back() {
        for text in [
            "synthetic:640x480@30/YUYV",
            "synthetic:1280x800@15/GREY",
            "v4l:/dev/video0",
            "v4l:/dev/v4l/by-id/usb-Acme_Cam-video-index0:1920x1080@30/MJPG",
            "v4l:/dev/video4:640x480@30000/1001/Z16",
            "v4l:usb:046d:0825",
            "v4l:usb:2bc5:0510:AY3A1120033:640x400@30/Y16",
            "nokhwa:0",
            "nokhwa:3:1280x720@60/MJPG",
            "nokhwa:HD Webcam C525: HD Webcam C525",
            "nokhwa:Front camera:1280x720@30/MJPG",
            "replay:runs/a/camera.fbrec",
            "synthetic",
        ] {
            let spec: SourceSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        assert_eq!(
            "synthetic".parse::<SourceSpec>().unwrap(),
            SourceSpec::Synthetic(None)
        );
        assert_eq!(
            "nokhwa:Front camera:1280x720@30/MJPG"
                .parse::<SourceSpec>()
                .unwrap()
                .mode()
                .map(|m| m.width),
            Some(1280)
        );
        assert!("v4l:usb:46d:825"
            .parse::<SourceSpec>()
            .unwrap()
            .is_hardware());
        assert!(!"replay:x".parse::<SourceSpec>().unwrap().is_hardware());
    }

    #[test]
    fn selectors_parse_into_their_kind_device_and_mode() {
        let spec: SourceSpec = "synthetic:1920x1080@30/YUYV".parse().unwrap();
        let SourceSpec::Synthetic(Some(mode)) = spec else {
            panic!("{spec:?}")
        };
        assert_eq!(
            (mode.width, mode.height, mode.format),
            (1920, 1080, PixelFormat::Yuyv)
        );

        let ir: SourceSpec = "v4l:/dev/v4l/by-id/usb-Orbbec-video-index2:640x400@30/Y16"
            .parse()
            .unwrap();
        let SourceSpec::V4l {
            device: V4lDevice::Path(path),
            mode: Some(mode),
        } = ir
        else {
            panic!("{ir:?}")
        };
        assert_eq!(
            path.to_str(),
            Some("/dev/v4l/by-id/usb-Orbbec-video-index2")
        );
        assert_eq!(mode.stream, StreamKind::Ir);

        let usb: SourceSpec = "v4l:usb:2bc5:0510:AY3A1120033".parse().unwrap();
        let SourceSpec::V4l {
            device: V4lDevice::Usb(id),
            mode: None,
        } = usb
        else {
            panic!("{usb:?}")
        };
        assert_eq!(
            id,
            UsbId {
                vendor: 0x2bc5,
                product: 0x0510,
                serial: Some("AY3A1120033".into())
            }
        );

        let named: SourceSpec = "nokhwa:Integrated Camera: Integrated C".parse().unwrap();
        assert!(matches!(
            named,
            SourceSpec::Nokhwa {
                camera: NokhwaCamera::Name(_),
                mode: None
            }
        ));
        assert!("webcam:0".parse::<SourceSpec>().is_err());
    }

    #[test]
    fn modes_read_fractional_rates_and_their_stream_kind() {
        let mode = parse_mode("1280x720@30000/1001/MJPG").unwrap();
        assert_eq!(
            mode.rate,
            FrameRate {
                frames: 30_000,
                per_seconds: 1001
            }
        );
        assert_eq!(mode.format, PixelFormat::Mjpeg);
        assert_eq!(
            parse_mode("640x480@30/Z16").unwrap().stream,
            StreamKind::Depth
        );
        assert!(parse_mode("640x480").is_err());
    }

    #[test]
    fn colons_in_paths_that_are_not_modes_stay_in_the_path() {
        let spec: SourceSpec = "v4l:/dev/v4l/by-path/pci-0000:00:14.0-usb-0:3:1.0-video-index0"
            .parse()
            .unwrap();
        let SourceSpec::V4l {
            device: V4lDevice::Path(path),
            mode,
        } = spec
        else {
            panic!("not a v4l path");
        };
        assert_eq!(
            path.to_str(),
            Some("/dev/v4l/by-path/pci-0000:00:14.0-usb-0:3:1.0-video-index0")
        );
        assert_eq!(mode, None);
    }

    #[test]
    fn bad_selectors_say_what_is_wrong() {
        for (text, needle) in [
            ("", "expected synthetic"),
            ("camera", "expected synthetic"),
            ("v4l:", "device path"),
            ("v4l:usb:", "VID:PID"),
            ("v4l:usb:046d", "VID:PID"),
            ("v4l:usb:046g:0825", "not a hexadecimal"),
            ("v4l:usb:12345:0825", "not a hexadecimal"),
            ("v4l:usb:046d:0825:", "serial is empty"),
            ("nokhwa:", "index or name"),
            ("replay:", "needs a file"),
            ("replay:a.fbrec:640x480@30/YUYV", "drop the `:<mode>`"),
            ("synthetic:0x480@30/YUYV", "width \"0\""),
            ("synthetic:640x480@0/YUYV", "rate"),
            ("synthetic:640x480@30/TOOLONG", "not a FourCC"),
            ("synthetic:640x480@30/Y-16", "not a FourCC"),
            ("synthetic:640x480", "expected <width>"),
            ("v4l:/dev/video0:640x480@x/YUYV", "rate"),
        ] {
            let err = text.parse::<SourceSpec>().unwrap_err();
            assert!(err.to_string().contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn random_text_never_panics() {
        let alphabet: Vec<char> = "synthetic:v4lusbnokhwareplay0123456789abcdefx@/:YUVJPGMZ -é"
            .chars()
            .collect();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 40) as usize;
            let text: String = (0..len)
                .map(|i| alphabet[((seed >> (i % 50)) as usize + i * 7) % alphabet.len()])
                .collect();
            let _ = text.parse::<SourceSpec>();
            let _ = parse_mode(&text);
        }
    }
}
