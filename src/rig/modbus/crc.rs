//! CRC-16/MODBUS and RTU frame building, for byte-exact tests and simulators.
//!
//! The client frames its requests and checks replies with it ([`super::frame`]); tests and the
//! simulators use it to write golden frames, to break a CRC on purpose, and to answer requests.

/// CRC-16/MODBUS (reflected polynomial 0xA001, initial value 0xFFFF) of `bytes`.
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in bytes {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// An RTU frame: slave address, PDU, CRC low byte first.
pub fn rtu_frame(slave: u8, pdu: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(pdu.len() + 3);
    frame.push(slave);
    frame.extend_from_slice(pdu);
    let crc = crc16(&frame);
    frame.extend_from_slice(&crc.to_le_bytes());
    frame
}

/// True when `frame` (address, PDU, CRC) carries a correct CRC. Short input is simply invalid.
pub fn crc_ok(frame: &[u8]) -> bool {
    match frame.len().checked_sub(2) {
        Some(body_len) if body_len > 0 => {
            let (body, tail) = frame.split_at(body_len);
            tail == crc16(body).to_le_bytes()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temi_manual_frames() {
        assert_eq!(
            rtu_frame(1, &[0x03, 0x00, 0x00, 0x00, 0x02]),
            [0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xC4, 0x0B]
        );
        assert_eq!(
            rtu_frame(1, &[0x03, 0x04, 0x00, 0xFA, 0x03, 0xE8]),
            [0x01, 0x03, 0x04, 0x00, 0xFA, 0x03, 0xE8, 0xDA, 0xBC]
        );
        assert_eq!(
            rtu_frame(1, &[0x06, 0x00, 0x63, 0x00, 0x02]),
            [0x01, 0x06, 0x00, 0x63, 0x00, 0x02, 0xF8, 0x15]
        );
    }

    #[test]
    fn crc_check_rejects_flipped_bits_and_short_input() {
        let good = [0x01, 0x03, 0x04, 0x00, 0xFA, 0x03, 0xE8, 0xDA, 0xBC];
        assert!(crc_ok(&good));
        for i in 0..good.len() {
            let mut bad = good;
            bad[i] ^= 0x10;
            assert!(!crc_ok(&bad), "flip at {i}");
        }
        assert!(!crc_ok(&[]));
        assert!(!crc_ok(&[0xFF]));
        assert!(!crc_ok(&[0xFF, 0xFF]));
    }
}
