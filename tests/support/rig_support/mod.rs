//! A tiny scripted instrument for the rig tests: reads request lines, answers from a closure,
//! records what it was sent.

#![allow(dead_code)]

use std::future::Future;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use facebench::rig::link::LinkPolicy;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_serial::{SerialPort, SerialStream};

/// Runs `peer` on the master side of a new pty pair, on a runtime in a thread of its own, and
/// returns the slave's path for the driver under test to open. The slave stays open, so the
/// master never sees a hang-up between the host's opens.
pub fn spawn_pty_peer<F, Fut>(peer: F) -> String
where
    F: FnOnce(SerialStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let (paths, path) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let (master, slave) = SerialStream::pair().expect("pty pair");
            paths.send(slave.name().expect("slave path")).unwrap();
            let _slave = slave;
            peer(master).await;
        });
    });
    path.recv().unwrap()
}

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

/// The request timeout of [`fast_link`].
pub const FAST_TIMEOUT: Duration = Duration::from_millis(150);

/// A link policy for tests: [`FAST_TIMEOUT`] per attempt, `retries`, a 1 ms backoff.
pub fn fast_link(retries: u32) -> LinkPolicy {
    LinkPolicy {
        timeout: Some(FAST_TIMEOUT),
        retries,
        backoff: Duration::from_millis(1),
        ..LinkPolicy::default()
    }
}

/// A link policy for a peer that never answers anything: nothing can arrive late, so the
/// timeout can be as short as a scheduler tick without making the test depend on a race.
pub fn silent_link(retries: u32) -> LinkPolicy {
    LinkPolicy {
        timeout: Some(Duration::from_millis(20)),
        ..fast_link(retries)
    }
}
