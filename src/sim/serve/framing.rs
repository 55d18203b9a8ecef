//! Splitting requests off a receive buffer for the line-based protocols.

/// Longest request line kept; longer runs without a terminator are dropped as noise.
pub const MAX_LINE: usize = 512;

/// Takes the first line ended by LF or CR (either, or CR LF) off `buf`, without its terminator.
/// Empty lines are skipped. An over-long unterminated run is discarded.
pub fn take_line(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        let Some(end) = buf.iter().position(|b| *b == b'\n' || *b == b'\r') else {
            if buf.len() > MAX_LINE {
                buf.clear();
            }
            return None;
        };
        let line: Vec<u8> = buf.drain(..=end).take(end).collect();
        if buf.first() == Some(&b'\n') {
            buf.remove(0);
        }
        if !line.is_empty() {
            return Some(line);
        }
    }
}

/// Takes the first `STX … LF` frame off `buf` (without STX and the CR LF), dropping bytes before
/// the STX. A CR alone also ends a frame.
pub fn take_stx_frame(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    const STX: u8 = 0x02;
    loop {
        match buf.iter().position(|b| *b == STX) {
            Some(start) => {
                buf.drain(..start);
            }
            None => {
                buf.clear();
                return None;
            }
        }
        let body_end = buf
            .iter()
            .skip(1)
            .position(|b| *b == b'\n' || *b == b'\r' || *b == STX);
        let Some(rel) = body_end else {
            if buf.len() > MAX_LINE {
                buf.clear();
            }
            return None;
        };
        let end = rel + 1;
        if buf.get(end) == Some(&STX) {
            // A new frame began before this one ended: drop the broken one.
            buf.drain(..end);
            continue;
        }
        let frame: Vec<u8> = buf.drain(..=end).skip(1).take(end - 1).collect();
        if buf.first() == Some(&b'\n') {
            buf.remove(0);
        }
        return Some(frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_on_any_terminator_and_wait_for_half_lines() {
        let mut buf = b"TEMP?\r\nMON?\nMODE".to_vec();
        assert_eq!(take_line(&mut buf).as_deref(), Some(&b"TEMP?"[..]));
        assert_eq!(take_line(&mut buf).as_deref(), Some(&b"MON?"[..]));
        assert_eq!(take_line(&mut buf), None);
        buf.extend_from_slice(b"?\r\n");
        assert_eq!(take_line(&mut buf).as_deref(), Some(&b"MODE?"[..]));
        assert!(buf.is_empty());
        let mut junk = vec![b'x'; MAX_LINE + 1];
        assert_eq!(take_line(&mut junk), None);
        assert!(junk.is_empty());
    }

    #[test]
    fn stx_frames_skip_leading_noise_and_broken_frames() {
        let mut buf = b"zz\x0201RSD,01,0001\r\n\x0201AMI\x0201RRD,01,0001\r".to_vec();
        assert_eq!(
            take_stx_frame(&mut buf).as_deref(),
            Some(&b"01RSD,01,0001"[..])
        );
        assert_eq!(
            take_stx_frame(&mut buf).as_deref(),
            Some(&b"01RRD,01,0001"[..])
        );
        assert_eq!(take_stx_frame(&mut buf), None);
        let mut half = b"\x0201RS".to_vec();
        assert_eq!(take_stx_frame(&mut half), None);
        assert_eq!(half, b"\x0201RS");
    }
}
