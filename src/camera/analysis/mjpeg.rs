//! MJPEG integrity without decoding: the frame must start with SOI (`FF D8`), its header
//! segments must chain correctly up to a start-of-scan (`FF DA`), and it must end with EOI
//! (`FF D9`), allowing zero padding after EOI as some cameras send. The entropy-coded scan is
//! not read by default, which keeps the check at a few hundred nanoseconds a frame; the deep
//! check also walks the scan and rejects markers that cannot appear inside it.

/// What is wrong with an MJPEG frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MjpegDefect {
    /// No bytes at all.
    Empty,
    /// The frame does not start with SOI.
    NoStartOfImage,
    /// A marker was expected at this offset but the byte is not `FF`.
    NotAMarker {
        /// Offset of the offending byte.
        offset: usize,
    },
    /// A segment's length field is below 2 or runs past the end.
    BadSegmentLength {
        /// Offset of the marker.
        offset: usize,
        /// The marker byte.
        marker: u8,
    },
    /// The headers end before a start-of-scan.
    NoStartOfScan,
    /// No frame header (SOFn) before the scan, so the picture has no size.
    NoFrameHeader,
    /// A marker that cannot appear in the scan data (deep check only).
    BadMarkerInScan {
        /// Offset of the `FF` byte.
        offset: usize,
        /// The marker byte.
        marker: u8,
    },
    /// The frame does not end with EOI: cut short or EOI cleared.
    NoEndOfImage,
}

impl MjpegDefect {
    /// A short stable name for counters and CSV columns.
    pub fn name(self) -> &'static str {
        match self {
            MjpegDefect::Empty => "empty",
            MjpegDefect::NoStartOfImage => "no_soi",
            MjpegDefect::NotAMarker { .. } => "not_a_marker",
            MjpegDefect::BadSegmentLength { .. } => "bad_segment_length",
            MjpegDefect::NoStartOfScan => "no_sos",
            MjpegDefect::NoFrameHeader => "no_sof",
            MjpegDefect::BadMarkerInScan { .. } => "bad_marker_in_scan",
            MjpegDefect::NoEndOfImage => "no_eoi",
        }
    }
}

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

/// What the headers of a sound MJPEG frame say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MjpegInfo {
    /// Picture width from the frame header.
    pub width: u16,
    /// Picture height from the frame header.
    pub height: u16,
}

/// Checks an MJPEG frame's structure (see the module documentation) and returns the picture
/// size from its frame header; `deep` also walks the entropy-coded scan.
pub fn check_mjpeg(data: &[u8], deep: bool) -> Result<MjpegInfo, MjpegDefect> {
    if data.is_empty() {
        return Err(MjpegDefect::Empty);
    }
    if !data.starts_with(&[0xFF, SOI]) {
        return Err(MjpegDefect::NoStartOfImage);
    }
    let (scan_start, info) = walk_headers(data)?;
    let end = data.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    if end < scan_start + 2 || data.get(end - 2..end) != Some(&[0xFF, EOI][..]) {
        return Err(MjpegDefect::NoEndOfImage);
    }
    if deep {
        check_scan(data.get(scan_start..end - 2).unwrap_or(&[]), scan_start)?;
    }
    Ok(info)
}

/// Walks the marker segments after SOI; returns the offset where the first scan's data begins
/// and the size from the frame header.
fn walk_headers(data: &[u8]) -> Result<(usize, MjpegInfo), MjpegDefect> {
    let mut pos = 2;
    let mut info = None;
    loop {
        match data.get(pos) {
            None => return Err(MjpegDefect::NoStartOfScan),
            Some(0xFF) => {}
            Some(_) => return Err(MjpegDefect::NotAMarker { offset: pos }),
        }
        let marker_at = pos;
        // Skip fill bytes.
        while data.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = data.get(pos + 1) else {
            return Err(MjpegDefect::NoStartOfScan);
        };
        pos += 2;
        match marker {
            // Standalone markers: TEM and RSTn carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            SOI | EOI => return Err(MjpegDefect::NoStartOfScan),
            _ => {}
        }
        let len = match (data.get(pos), data.get(pos + 1)) {
            (Some(&hi), Some(&lo)) => usize::from(u16::from_be_bytes([hi, lo])),
            _ => return Err(MjpegDefect::NoStartOfScan),
        };
        if len < 2 || pos + len > data.len() {
            return Err(MjpegDefect::BadSegmentLength {
                offset: marker_at,
                marker,
            });
        }
        // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let field = |at: usize| data.get(pos + at).copied().unwrap_or(0);
            info = Some(MjpegInfo {
                height: u16::from_be_bytes([field(3), field(4)]),
                width: u16::from_be_bytes([field(5), field(6)]),
            });
        }
        pos += len;
        if marker == SOS {
            return info.map(|i| (pos, i)).ok_or(MjpegDefect::NoFrameHeader);
        }
    }
}

/// Checks that every `FF` inside scan data is stuffing (`FF 00`), fill or a restart marker.
/// UVC MJPEG is baseline with a single scan, so any other marker there is corruption.
fn check_scan(scan: &[u8], base: usize) -> Result<(), MjpegDefect> {
    let mut i = 0;
    while let Some(rel) = scan
        .get(i..)
        .and_then(|s| s.iter().position(|&b| b == 0xFF))
    {
        let at = i + rel;
        i = match scan.get(at + 1) {
            None => return Ok(()),
            // Fill: the next FF starts the marker.
            Some(0xFF) => at + 1,
            Some(0x00) | Some(0xD0..=0xD7) => at + 2,
            Some(&marker) => {
                return Err(MjpegDefect::BadMarkerInScan {
                    offset: base + at,
                    marker,
                })
            }
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::synthetic::pattern::{encode_jpeg, render_luma, Pattern};

    fn jpeg() -> Vec<u8> {
        encode_jpeg(&render_luma(Pattern::MovingBar, 64, 32, 1), 64, 32).unwrap()
    }

    #[test]
    fn a_good_frame_passes_with_or_without_padding() {
        let mut j = jpeg();
        let size = MjpegInfo {
            width: 64,
            height: 32,
        };
        assert_eq!(check_mjpeg(&j, false), Ok(size));
        assert_eq!(check_mjpeg(&j, true), Ok(size));
        j.extend_from_slice(&[0; 64]);
        assert_eq!(check_mjpeg(&j, true), Ok(size));
    }

    #[test]
    fn truncation_and_cleared_eoi_are_caught() {
        let j = jpeg();
        // Cut in the scan data: the headers are whole but EOI is missing.
        assert_eq!(
            check_mjpeg(&j[..j.len() - 20], false),
            Err(MjpegDefect::NoEndOfImage)
        );
        // Cut in a header segment.
        assert!(matches!(
            check_mjpeg(&j[..j.len() / 8], false),
            Err(MjpegDefect::BadSegmentLength { .. })
        ));
        let mut cleared = j.clone();
        let n = cleared.len();
        cleared[n - 2..].fill(0);
        assert_eq!(check_mjpeg(&cleared, false), Err(MjpegDefect::NoEndOfImage));
        assert_eq!(
            check_mjpeg(&j[..10], false),
            Err(MjpegDefect::BadSegmentLength {
                offset: 2,
                marker: 0xE0
            })
        );
        assert_eq!(check_mjpeg(&[], false), Err(MjpegDefect::Empty));
        assert_eq!(
            check_mjpeg(&[0xFF, 0xD8], false),
            Err(MjpegDefect::NoStartOfScan)
        );
        assert_eq!(
            check_mjpeg(&[0xFF, 0xD8, 0xFF, 0xD9], false),
            Err(MjpegDefect::NoStartOfScan)
        );
        assert_eq!(
            check_mjpeg(b"YUYV", false),
            Err(MjpegDefect::NoStartOfImage)
        );
    }

    #[test]
    fn a_stray_marker_in_the_scan_fails_the_deep_check_only() {
        let mut j = jpeg();
        let n = j.len();
        j[n - 10] = 0xFF;
        j[n - 9] = 0xC4;
        assert!(check_mjpeg(&j, false).is_ok());
        assert!(matches!(
            check_mjpeg(&j, true),
            Err(MjpegDefect::BadMarkerInScan { marker: 0xC4, .. })
        ));
    }

    #[test]
    fn random_and_cut_input_never_panics() {
        let good = jpeg();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..3000usize {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut data: Vec<u8> = if round % 2 == 0 {
                good[..round % good.len()].to_vec()
            } else {
                (0..(state % 300) as usize)
                    .map(|i| (state.rotate_left(i as u32 % 64) & 0xFF) as u8)
                    .collect()
            };
            if round % 3 == 0 && data.len() > 4 {
                data[0] = 0xFF;
                data[1] = 0xD8;
                let k = (state as usize) % data.len();
                data[k] = 0xFF;
            }
            let _ = check_mjpeg(&data, true);
            let _ = check_mjpeg(&data, false);
        }
        assert!(check_mjpeg(&good, true).is_ok());
    }
}
