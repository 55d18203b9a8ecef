//! Runs a blocking adb call on a worker thread and waits for it at most a deadline.
//!
//! adb_client (the server link) reads without a timeout, and a call of several requests on the
//! direct link may outlast one read's timeout, so a device that stops answering would hold the
//! caller. The call and the connected device move to a thread; when the deadline passes first
//! the device stays with that thread (its socket is dropped with it once the read fails) and the
//! caller reconnects on its next call.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How a call with a deadline ended.
#[derive(Debug)]
pub enum Outcome<D, R> {
    /// It finished: the device back and the call's result.
    Done(D, R),
    /// The deadline passed; the device is abandoned to the worker.
    TimedOut,
    /// The worker panicked (a bug in the client library): the device is gone.
    Panicked,
}

/// Runs `call` on `device` in a worker thread, waiting at most `timeout`.
pub fn with_deadline<D, R, F>(device: D, timeout: Duration, call: F) -> Outcome<D, R>
where
    D: Send + 'static,
    R: Send + 'static,
    F: FnOnce(&mut D) -> R + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let spawned = thread::Builder::new()
        .name("adb-call".to_string())
        .spawn(move || {
            let mut device = device;
            let result = call(&mut device);
            let _ = tx.send((device, result));
        });
    if spawned.is_err() {
        return Outcome::Panicked;
    }
    match rx.recv_timeout(timeout) {
        Ok((device, result)) => Outcome::Done(device, result),
        Err(mpsc::RecvTimeoutError::Timeout) => Outcome::TimedOut,
        Err(mpsc::RecvTimeoutError::Disconnected) => Outcome::Panicked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_call_that_finishes_returns_its_device_and_result() {
        match with_deadline(41, Duration::from_secs(5), |d: &mut i32| *d + 1) {
            Outcome::Done(d, r) => assert_eq!((d, r), (41, 42)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_call_that_hangs_times_out_at_the_deadline() {
        let started = Instant::now();
        let outcome = with_deadline((), Duration::from_millis(50), |_| {
            thread::sleep(Duration::from_millis(400))
        });
        assert!(matches!(outcome, Outcome::TimedOut));
        assert!(started.elapsed() < Duration::from_millis(300));
    }
}
