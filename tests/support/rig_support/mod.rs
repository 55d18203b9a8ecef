//! A tiny scripted instrument for the rig tests: reads request lines, answers from a closure,
//! records what it was sent.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// Every request line the peer received, terminator included.
pub type Seen = Arc<Mutex<Vec<Vec<u8>>>>;

/// Serves `io` until the host hangs up: each `\n`-terminated request goes to `answer`, whose
/// bytes (if any) are written back.
pub async fn serve<S, F>(io: S, seen: Seen, mut answer: F)
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnMut(&[u8]) -> Option<Vec<u8>>,
{
    let (read, mut write) = tokio::io::split(io);
    let mut read = BufReader::new(read);
    loop {
        let mut line = Vec::new();
        match read.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        seen.lock().unwrap().push(line.clone());
        if let Some(reply) = answer(&line) {
            if write.write_all(&reply).await.is_err() {
                return;
            }
        }
    }
}

/// The lines seen so far, as text.
pub fn seen_text(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect()
}

/// A small xorshift generator for property-style loops.
pub struct Noise(pub u32);

impl Noise {
    /// The next pseudo-random value.
    pub fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    /// `len` bytes drawn from `alphabet`.
    pub fn bytes(&mut self, alphabet: &[u8], max_len: u32) -> Vec<u8> {
        let len = self.next() % (max_len + 1);
        (0..len)
            .map(|_| alphabet[(self.next() as usize) % alphabet.len()])
            .collect()
    }
}
