//! adb authentication: the host's RSA key, the signature of a device's token and the public key
//! in Android's own format, as the AOSP adb protocol notes and `android_pubkey` describe them.
//!
//! - A device that wants authentication sends `AUTH` type 1 with a 20-byte token. The host
//!   answers `AUTH` type 2 with an RSA PKCS#1 v1.5 signature of the token taken as a SHA-1
//!   digest (the token is signed as it is, never hashed again).
//! - When no key of the host is known to the device, it sends a token again; the host then
//!   offers its public key (`AUTH` type 3) and the device asks its user to allow it.
//! - The public key travels as base64 of a 524-byte little-endian structure: the modulus size in
//!   32-bit words (64), `-1 / n mod 2^32`, the modulus, `R^2 mod n` with `R = 2^2048`, and the
//!   exponent; then a space, a user name and a NUL.

use std::path::Path;

use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};

/// `AUTH` type: the device's token.
pub const TOKEN: u32 = 1;
/// `AUTH` type: the host's signature of the token.
pub const SIGNATURE: u32 = 2;
/// `AUTH` type: the host's public key.
pub const PUBLIC_KEY: u32 = 3;

/// Modulus size of adb keys, in bytes (2048 bits).
const MODULUS_BYTES: usize = 256;
/// Size of the encoded public key structure.
const ENCODED_LEN: usize = 4 + 4 + MODULUS_BYTES + MODULUS_BYTES + 4;
/// DER prefix of a SHA-1 DigestInfo (RFC 8017 §9.2): what PKCS#1 v1.5 puts before the digest.
const SHA1_DIGEST_INFO: [u8; 15] = [
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];

/// Reads a private key from a PEM file: PKCS#8 (what adb writes today) or PKCS#1 (older adb).
pub fn load_key(path: &Path) -> Result<RsaPrivateKey, String> {
    let pem = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    RsaPrivateKey::from_pkcs8_pem(&pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(&pem))
        .map_err(|e| format!("{}: not an RSA private key in PEM: {e}", path.display()))
}

/// The padding adb uses: PKCS#1 v1.5 with a SHA-1 DigestInfo around the 20-byte token.
fn scheme() -> Pkcs1v15Sign {
    Pkcs1v15Sign {
        hash_len: Some(20),
        prefix: SHA1_DIGEST_INFO.to_vec().into_boxed_slice(),
    }
}

/// The host's answer to a device's token; a token that is not 20 bytes is refused.
pub fn sign_token(key: &RsaPrivateKey, token: &[u8]) -> Result<Vec<u8>, String> {
    key.sign(scheme(), token)
        .map_err(|e| format!("cannot sign the device's {}-byte token: {e}", token.len()))
}

/// True when `signature` is `key`'s signature of `token` (the device's check).
pub fn signature_matches(key: &RsaPublicKey, token: &[u8], signature: &[u8]) -> bool {
    key.verify(scheme(), token, signature).is_ok()
}

/// The `AUTH` type 3 payload: the encoded public key, a space, `name` and a NUL.
pub fn public_key_payload(key: &RsaPublicKey, name: &str) -> Result<Vec<u8>, String> {
    let mut text = encode_public_key(key)?;
    text.push(' ');
    text.push_str(name);
    text.push('\0');
    Ok(text.into_bytes())
}

/// The public key in Android's format, base64 (the first word of an `adbkey.pub` file).
pub fn encode_public_key(key: &RsaPublicKey) -> Result<String, String> {
    let modulus = key.n().to_bytes_le();
    if modulus.len() != MODULUS_BYTES {
        return Err(format!(
            "adb keys are 2048-bit RSA; this one has a {}-bit modulus",
            key.n().bits()
        ));
    }
    let exponent = key.e().to_bytes_le();
    if exponent.len() > 4 {
        return Err("the key's public exponent does not fit in 32 bits".to_string());
    }
    let exponent = word0(&exponent);
    let r_squared = (BigUint::from(1u8) << (2 * 8 * MODULUS_BYTES)) % key.n();
    let mut bytes = Vec::with_capacity(ENCODED_LEN);
    bytes.extend_from_slice(&((MODULUS_BYTES / 4) as u32).to_le_bytes());
    bytes.extend_from_slice(&minus_inverse_mod_2_32(word0(&modulus)).to_le_bytes());
    bytes.extend_from_slice(&modulus);
    bytes.extend_from_slice(&padded_le(&r_squared));
    bytes.extend_from_slice(&exponent.to_le_bytes());
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Reads an `AUTH` type 3 payload back into the key it offers (the device's side).
pub fn parse_public_key_payload(payload: &[u8]) -> Result<RsaPublicKey, String> {
    let text = String::from_utf8_lossy(payload);
    let encoded = text
        .trim_end_matches('\0')
        .split_whitespace()
        .next()
        .unwrap_or_default();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| format!("public key is not base64: {e}"))?;
    if bytes.len() != ENCODED_LEN {
        return Err(format!(
            "public key is {} bytes, expected {ENCODED_LEN}",
            bytes.len()
        ));
    }
    let word =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    if word(0) as usize != MODULUS_BYTES / 4 {
        return Err(format!(
            "public key modulus of {} words, expected 64",
            word(0)
        ));
    }
    let modulus = BigUint::from_bytes_le(&bytes[8..8 + MODULUS_BYTES]);
    if minus_inverse_mod_2_32(word(8)) != word(4) {
        return Err("public key's n0inv does not match its modulus".to_string());
    }
    let exponent = BigUint::from(word(ENCODED_LEN - 4));
    RsaPublicKey::new(modulus, exponent).map_err(|e| format!("public key rejected: {e}"))
}

/// The lowest 32-bit word of a little-endian number.
fn word0(le: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    for (to, from) in word.iter_mut().zip(le) {
        *to = *from;
    }
    u32::from_le_bytes(word)
}

/// `-1 / n mod 2^32` for odd `n` (Newton's iteration doubles the correct bits each step).
fn minus_inverse_mod_2_32(n: u32) -> u32 {
    let mut inverse = n;
    for _ in 0..5 {
        inverse = inverse.wrapping_mul(2u32.wrapping_sub(n.wrapping_mul(inverse)));
    }
    inverse.wrapping_neg()
}

/// A number as exactly [`MODULUS_BYTES`] little-endian bytes.
fn padded_le(value: &BigUint) -> Vec<u8> {
    let mut bytes = value.to_bytes_le();
    bytes.resize(MODULUS_BYTES, 0);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_key() -> RsaPrivateKey {
        let path = super::super::key::sim_key_path();
        super::super::key::ensure_key(&path).unwrap();
        load_key(&path).unwrap()
    }

    #[test]
    fn minus_inverse_times_n_is_minus_one() {
        for n in [1u32, 3, 0xffff_ffff, 0x8000_0001, 0x1234_5677] {
            assert_eq!(
                n.wrapping_mul(minus_inverse_mod_2_32(n)),
                u32::MAX,
                "{n:#x}"
            );
        }
    }

    #[test]
    fn a_signed_token_verifies_and_another_token_does_not() {
        let key = test_key();
        let token = [7u8; 20];
        let signature = sign_token(&key, &token).unwrap();
        assert_eq!(signature.len(), 256);
        let public = key.to_public_key();
        assert!(signature_matches(&public, &token, &signature));
        assert!(!signature_matches(&public, &[8u8; 20], &signature));
        assert!(sign_token(&key, &[1u8; 19]).is_err());
    }

    #[test]
    fn the_public_key_payload_reads_back_to_the_same_key() {
        let public = test_key().to_public_key();
        let payload = public_key_payload(&public, "lab@bench").unwrap();
        assert!(payload.ends_with(b" lab@bench\0"));
        assert_eq!(parse_public_key_payload(&payload).unwrap(), public);
        let mut broken = encode_public_key(&public).unwrap().into_bytes();
        broken.truncate(100);
        assert!(parse_public_key_payload(&broken).is_err());
    }
}
