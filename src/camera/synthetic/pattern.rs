//! Test patterns for the synthetic source: a luma plane per frame, packed into the stream's pixel
//! format, and MJPEG frames encoded once and cached.
//!
//! Every pattern carries a one-level temporal dither (+1 where `(x + y + frame) % 8 == 0`) so
//! any two frames less than eight apart differ, like a real sensor's noise; only a frozen
//! pipeline repeats a frame. The counter pattern also stamps the frame number, as 32 bits of 8×1 black/white
//! blocks, into the top-left of the picture.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::ExtendedColorType;

use crate::camera::error::CameraError;
use crate::camera::frame::PixelFormat;

/// What the synthetic camera sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pattern {
    /// A diagonal luma gradient, mid-grey on average.
    #[default]
    Gradient,
    /// A bright vertical bar moving 8 pixels per frame over a dark background.
    MovingBar,
    /// The gradient with the frame number stamped into the top-left corner.
    Counter,
}

/// Lowest luma a pattern uses (before dither), so dither never clips.
const LUMA_MIN: u8 = 16;
/// Highest luma a pattern uses (before dither).
const LUMA_MAX: u8 = 234;
/// Frames after which the dither repeats (equal to the synthetic source's variant count).
pub const DITHER_PERIOD: usize = 8;
/// Width in pixels of one stamped counter bit.
pub const COUNTER_BIT_WIDTH: usize = 8;

/// Renders the `width`×`height` luma plane of frame `index`.
pub fn render_luma(pattern: Pattern, width: usize, height: usize, index: u64) -> Vec<u8> {
    let mut plane = vec![0u8; width.saturating_mul(height)];
    let span = (width + height).max(1);
    let bar_x = (index as usize).wrapping_mul(8) % width.max(1);
    let bar_w = (width / 10).max(1);
    for (y, row) in plane.chunks_exact_mut(width.max(1)).enumerate() {
        for (x, px) in row.iter_mut().enumerate() {
            let base = match pattern {
                Pattern::Gradient | Pattern::Counter => {
                    let range = usize::from(LUMA_MAX - LUMA_MIN);
                    LUMA_MIN as usize + (x + y) * range / span
                }
                Pattern::MovingBar => {
                    let inside = x >= bar_x && x < bar_x + bar_w;
                    if inside {
                        LUMA_MAX as usize
                    } else {
                        48
                    }
                }
            };
            let dither = usize::from((x + y + index as usize).is_multiple_of(DITHER_PERIOD));
            *px = (base + dither).min(255) as u8;
        }
    }
    if pattern == Pattern::Counter {
        stamp_counter(&mut plane, width, height, index as u32);
    }
    plane
}

/// Writes `value` as 32 blocks of `COUNTER_BIT_WIDTH` pixels on the first rows (MSB first).
fn stamp_counter(plane: &mut [u8], width: usize, height: usize, value: u32) {
    let rows = height.min(4);
    for bit in 0..32usize {
        let level = if value >> (31 - bit) & 1 == 1 {
            LUMA_MAX
        } else {
            LUMA_MIN
        };
        let x0 = bit * COUNTER_BIT_WIDTH;
        if x0 >= width {
            break;
        }
        let x1 = (x0 + COUNTER_BIT_WIDTH).min(width);
        for y in 0..rows {
            if let Some(cells) = plane.get_mut(y * width + x0..y * width + x1) {
                cells.fill(level);
            }
        }
    }
}

/// Reads back the frame number stamped by [`Pattern::Counter`] from a luma plane; `None` when
/// the plane is too small to hold it.
pub fn read_counter(luma: &[u8], width: usize) -> Option<u32> {
    if width < 32 * COUNTER_BIT_WIDTH {
        return None;
    }
    let mut value = 0u32;
    for bit in 0..32usize {
        let sample = *luma.get(bit * COUNTER_BIT_WIDTH + COUNTER_BIT_WIDTH / 2)?;
        value = value << 1 | u32::from(sample > 128);
    }
    Some(value)
}

/// Packs a luma plane into a raw pixel format: YUYV and NV12 with neutral chroma, GREY as is,
/// Y16/Z16 as 16-bit little-endian (luma in the high byte), RGB24 as grey. `None` for formats
/// that are not raw (MJPEG, unknown FourCCs).
pub fn pack(luma: &[u8], format: PixelFormat) -> Option<Vec<u8>> {
    match format {
        PixelFormat::Grey => Some(luma.to_vec()),
        PixelFormat::Yuyv => Some(luma.iter().flat_map(|&y| [y, 128]).collect()),
        PixelFormat::Y16 | PixelFormat::Z16 => Some(luma.iter().flat_map(|&y| [0, y]).collect()),
        PixelFormat::Rgb24 => Some(luma.iter().flat_map(|&y| [y, y, y]).collect()),
        PixelFormat::Nv12 => {
            let mut out = luma.to_vec();
            out.resize(luma.len() + luma.len() / 2, 128);
            Some(out)
        }
        PixelFormat::Mjpeg | PixelFormat::Other(_) => None,
    }
}

/// Encodes a luma plane as a greyscale baseline JPEG (quality 85).
pub fn encode_jpeg(luma: &[u8], width: u32, height: u32) -> Result<Vec<u8>, CameraError> {
    let expected = (width as usize).checked_mul(height as usize);
    if width == 0 || height == 0 || expected != Some(luma.len()) {
        return Err(CameraError::Format {
            detail: format!(
                "cannot encode a {width}x{height} JPEG from {} luma bytes",
                luma.len()
            ),
        });
    }
    let mut out = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode(luma, width, height, ExtendedColorType::L8)
        .map_err(|e| CameraError::Format {
            detail: format!("JPEG encoding of a {width}x{height} frame failed: {e}"),
        })?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_round_trips_and_frames_differ() {
        let a = render_luma(Pattern::Counter, 320, 8, 123_456);
        let b = render_luma(Pattern::Counter, 320, 8, 123_457);
        assert_eq!(read_counter(&a, 320), Some(123_456));
        assert_eq!(read_counter(&b, 320), Some(123_457));
        assert_ne!(a, b);
        assert_eq!(read_counter(&a, 100), None);
    }

    #[test]
    fn packing_sizes_match_the_format() {
        let luma = render_luma(Pattern::Gradient, 16, 8, 0);
        for format in [
            PixelFormat::Grey,
            PixelFormat::Yuyv,
            PixelFormat::Nv12,
            PixelFormat::Y16,
            PixelFormat::Rgb24,
        ] {
            let packed = pack(&luma, format).unwrap();
            assert_eq!(Some(packed.len()), format.frame_size(16, 8), "{format}");
        }
        assert!(pack(&luma, PixelFormat::Mjpeg).is_none());
    }

    #[test]
    fn jpeg_has_markers_and_rejects_bad_sizes() {
        let luma = render_luma(Pattern::MovingBar, 64, 48, 3);
        let jpeg = encode_jpeg(&luma, 64, 48).unwrap();
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9]);
        assert!(encode_jpeg(&luma, 65, 48).is_err());
        assert!(encode_jpeg(&[], 0, 0).is_err());
    }
}
