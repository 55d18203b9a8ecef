//! Which camera source to use, as written on the command line (`--source`).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::camera::{FrameRate, PixelFormat, StreamConfig, StreamKind};

/// A `--source` selector.
///
/// | text | source |
/// |---|---|
/// | `synthetic` | the synthetic camera, 640x480 @ 30 fps YUYV |
/// | `synthetic:1920x1080@30/YUYV` | the synthetic camera in that mode |
/// | `v4l:/dev/video0` | a V4L2 node as it is configured |
/// | `v4l:/dev/v4l/by-id/usb-Acme-video-index0:1280x720@30/MJPG` | a V4L2 node, set to that mode |
/// | `nokhwa:0` or `nokhwa:0:1280x720@30/MJPG` | camera 0 through nokhwa |
/// | `replay:run/camera.fbrec` | a recording made with `facebench camera record` |
///
/// A mode is `<width>x<height>@<rate>/<FourCC>`; the rate is whole frames per second (`30`) or a
/// fraction (`30000/1001`); FourCCs shorter than four characters are padded with spaces (`Y16`,
/// `Z16`); `GREY`/`Y16` streams count as infrared and `Z16` as depth.
///
/// ```
/// use facebench::cli::camera::SourceSpec;
/// use facebench::camera::{PixelFormat, StreamKind};
///
/// let spec: SourceSpec = "synthetic:1920x1080@30/YUYV".parse().unwrap();
/// let SourceSpec::Synthetic(mode) = spec else { panic!() };
/// assert_eq!((mode.width, mode.height, mode.format), (1920, 1080, PixelFormat::Yuyv));
///
/// let ir: SourceSpec = "v4l:/dev/v4l/by-id/usb-Orbbec-video-index2:640x400@30/Y16".parse().unwrap();
/// let SourceSpec::V4l { path, mode: Some(mode) } = ir else { panic!() };
/// assert_eq!(path.to_str(), Some("/dev/v4l/by-id/usb-Orbbec-video-index2"));
/// assert_eq!(mode.stream, StreamKind::Ir);
///
/// assert!("webcam:0".parse::<SourceSpec>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    /// The synthetic camera in this mode.
    Synthetic(StreamConfig),
    /// A V4L2 node, optionally set to a mode on open.
    V4l {
        /// Device path (by-id links are resolved on every open).
        path: PathBuf,
        /// Mode to set; `None` keeps the device's.
        mode: Option<StreamConfig>,
    },
    /// A camera through nokhwa.
    Nokhwa {
        /// Camera index.
        index: u32,
        /// Mode to ask for.
        mode: Option<StreamConfig>,
    },
    /// A recording.
    Replay(PathBuf),
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

/// Why a `--source` or mode text was refused.
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
///
/// ```
/// use facebench::cli::camera::parse_mode;
/// use facebench::camera::{FrameRate, PixelFormat, StreamKind};
///
/// let mode = parse_mode("1280x720@30000/1001/MJPG").unwrap();
/// assert_eq!(mode.rate, FrameRate { frames: 30_000, per_seconds: 1001 });
/// assert_eq!(mode.format, PixelFormat::Mjpeg);
/// assert_eq!(parse_mode("640x480@30/Z16").unwrap().stream, StreamKind::Depth);
/// assert!(parse_mode("640x480").is_err());
/// ```
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
            "synthetic" if body.is_empty() => Ok(SourceSpec::Synthetic(DEFAULT_SYNTHETIC)),
            "synthetic" => Ok(SourceSpec::Synthetic(parse_mode(body)?)),
            "v4l" => {
                let (path, mode) = split_mode(body)?;
                if path.is_empty() {
                    return Err(spec_error(
                        text,
                        "v4l needs a device path, e.g. v4l:/dev/video0",
                    ));
                }
                Ok(SourceSpec::V4l {
                    path: PathBuf::from(path),
                    mode,
                })
            }
            "nokhwa" => {
                let (index, mode) = split_mode(body)?;
                let index = index
                    .parse::<u32>()
                    .map_err(|_| spec_error(text, "nokhwa needs a camera index, e.g. nokhwa:0"))?;
                Ok(SourceSpec::Nokhwa { index, mode })
            }
            "replay" if !body.is_empty() => Ok(SourceSpec::Replay(PathBuf::from(body))),
            "replay" => Err(spec_error(
                text,
                "replay needs a file, e.g. replay:camera.fbrec",
            )),
            _ => Err(spec_error(
                text,
                "expected synthetic[:mode], v4l:PATH[:mode], nokhwa:INDEX[:mode] or replay:FILE",
            )),
        }
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode =
            |m: &Option<StreamConfig>| m.map(|m| format!(":{}", ModeText(m))).unwrap_or_default();
        match self {
            SourceSpec::Synthetic(m) => write!(f, "synthetic:{}", ModeText(*m)),
            SourceSpec::V4l { path, mode: m } => write!(f, "v4l:{}{}", path.display(), mode(m)),
            SourceSpec::Nokhwa { index, mode: m } => write!(f, "nokhwa:{index}{}", mode(m)),
            SourceSpec::Replay(path) => write!(f, "replay:{}", path.display()),
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
            "nokhwa:0",
            "nokhwa:3:1280x720@60/MJPG",
            "replay:runs/a/camera.fbrec",
        ] {
            let spec: SourceSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        assert_eq!(
            "synthetic".parse::<SourceSpec>().unwrap(),
            SourceSpec::Synthetic(DEFAULT_SYNTHETIC)
        );
    }

    #[test]
    fn colons_in_paths_that_are_not_modes_stay_in_the_path() {
        let spec: SourceSpec = "v4l:/dev/v4l/by-path/pci-0000:00:14.0-usb-0:3:1.0-video-index0"
            .parse()
            .unwrap();
        let SourceSpec::V4l { path, mode } = spec else {
            panic!("not v4l");
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
            ("nokhwa:front", "camera index"),
            ("replay:", "needs a file"),
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
        let alphabet: Vec<char> = "synthetic:v4lnokhwareplay0123456789x@/:YUVJPGMZ -é"
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
