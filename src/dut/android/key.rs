//! The adb key the host offers a device that asks for authentication over a direct TCP link.
//!
//! A device remembers the keys its user allowed, so a host must offer the same key each time:
//! the key is made once when missing, as adb itself does on its first run, and kept in the file
//! (PKCS#8 PEM, readable by the owner only); [`super::auth`] reads and uses it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::RsaPrivateKey;

/// adb's key size.
const KEY_BITS: usize = 2048;

/// adb's own key file: `$ANDROID_USER_HOME/adbkey` or `~/.android/adbkey`.
pub fn default_key_path() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("ANDROID_USER_HOME") {
        return Some(PathBuf::from(home).join("adbkey"));
    }
    std::env::home_dir().map(|home| home.join(".android").join("adbkey"))
}

/// The key a simulated station offers its simulated terminal (which never asks for one):
/// kept in the system's temporary folder, away from the user's own adb key.
pub fn sim_key_path() -> PathBuf {
    std::env::temp_dir().join("facebench-sim-adbkey.pem")
}

/// Makes sure `path` holds a key, generating and writing one (atomically, readable by the
/// owner only) when it does not exist.
pub fn ensure_key(path: &Path) -> io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder)?;
    }
    let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEY_BITS)
        .map_err(|e| io::Error::other(format!("cannot generate an adb key: {e}")))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| io::Error::other(format!("cannot encode the adb key: {e}")))?;
    let partial = path.with_extension(format!("partial-{}", std::process::id()));
    write_private(&partial, pem.as_bytes())?;
    // Another process may have made one meanwhile: either key is as good.
    fs::rename(&partial, path)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/adbkey");
        ensure_key(&path).unwrap();
        let first = fs::read_to_string(&path).unwrap();
        assert!(first.starts_with("-----BEGIN PRIVATE KEY-----"), "{first}");
        ensure_key(&path).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), first);
    }
}
