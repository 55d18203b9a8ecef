//! Payload edits for injected faults: scaling or filling the luma of raw frames, cutting
//! payloads, clearing the MJPEG EOI marker, and uniform MJPEG frames for black / white.

use std::sync::Arc;

use crate::camera::frame::{Frame, PixelFormat};
use crate::camera::synthetic::pattern::encode_jpeg;

/// A copy of the frame's payload with every luma sample mapped through `f`; `None` for formats
/// without readable luma or frames without pixels.
pub fn map_luma(frame: &Frame, f: impl Fn(u8) -> u8) -> Option<Arc<[u8]>> {
    let layout = frame.format.luma_layout(frame.width, frame.height)?;
    if !frame.has_payload() {
        return None;
    }
    let mut bytes = frame.payload().to_vec();
    let samples = bytes
        .iter_mut()
        .skip(layout.offset)
        .step_by(layout.step)
        .take(layout.count);
    for y in samples {
        *y = f(*y);
    }
    Some(Arc::from(bytes))
}

/// A uniform MJPEG frame of the frame's size at luma `level`, cached by size and level.
#[derive(Debug, Default)]
pub struct UniformJpegCache {
    entries: Vec<(u32, u32, u8, Arc<[u8]>)>,
}

impl UniformJpegCache {
    /// The uniform JPEG for `width`×`height` at `level`; `None` if encoding fails.
    pub fn get(&mut self, width: u32, height: u32, level: u8) -> Option<Arc<[u8]>> {
        if let Some((.., jpeg)) = self
            .entries
            .iter()
            .find(|(w, h, l, _)| (*w, *h, *l) == (width, height, level))
        {
            return Some(jpeg.clone());
        }
        let pixels = (width as usize).checked_mul(height as usize)?;
        let jpeg: Arc<[u8]> = Arc::from(encode_jpeg(&vec![level; pixels], width, height).ok()?);
        self.entries.push((width, height, level, jpeg.clone()));
        Some(jpeg)
    }
}

/// Replaces the picture with a uniform one at `level` (raw formats: luma filled; MJPEG: a cached
/// uniform JPEG). Returns whether the frame was changed.
pub fn fill(frame: &mut Frame, level: u8, cache: &mut UniformJpegCache) -> bool {
    let data = if frame.format == PixelFormat::Mjpeg {
        if !frame.has_payload() {
            return false;
        }
        cache.get(frame.width, frame.height, level)
    } else {
        map_luma(frame, |_| level)
    };
    match data {
        Some(data) => {
            frame.bytes_used = u32::try_from(data.len()).unwrap_or(u32::MAX);
            frame.data = data;
            true
        }
        None => false,
    }
}

/// Cuts the payload (and `bytes_used`) to half. Returns whether the frame was changed.
pub fn truncate_half(frame: &mut Frame) -> bool {
    if !frame.has_payload() {
        return false;
    }
    let half = frame.payload().len() / 2;
    frame.data = Arc::from(frame.payload().get(..half).unwrap_or(&[]));
    frame.bytes_used = u32::try_from(half).unwrap_or(u32::MAX);
    true
}

/// Zeroes the last two payload bytes of an MJPEG frame (its EOI). Returns whether the frame
/// was changed.
pub fn clear_eoi(frame: &mut Frame) -> bool {
    if frame.format != PixelFormat::Mjpeg || frame.payload().len() < 2 {
        return false;
    }
    let mut bytes = frame.payload().to_vec();
    let n = bytes.len();
    if let Some(tail) = bytes.get_mut(n - 2..) {
        tail.fill(0);
    }
    frame.data = Arc::from(bytes);
    true
}
