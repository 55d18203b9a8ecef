//! Stop signals. Ctrl-C (SIGINT), SIGTERM and SIGHUP (an SSH session dropped, a terminal closed)
//! ask the run to stop: every wait ends within a fraction of a second, the rigs are put in their
//! safe state, `run_stopped` is journalled and the run exits with 128 + the signal's number. A
//! second signal quits at once.
//!
//! After SIGHUP the terminal is gone, so the standard streams that were on it are pointed at the
//! null device: the rest of the run may print without failing. A signal the process was started
//! with ignored (`nohup`, a background job of a script) stays ignored.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

/// A signal that stops a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGINT: Ctrl-C on the terminal.
    Interrupt,
    /// SIGTERM: `kill`, a service manager, a shutdown.
    Terminate,
    /// SIGHUP: the terminal or SSH session went away.
    HangUp,
}

impl StopSignal {
    const ALL: [StopSignal; 3] = [
        StopSignal::Interrupt,
        StopSignal::Terminate,
        StopSignal::HangUp,
    ];

    /// The signal's name as an operator knows it.
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "Ctrl-C",
            StopSignal::Terminate => "SIGTERM",
            StopSignal::HangUp => "SIGHUP",
        }
    }

    /// The exit code of a run the signal stopped: 128 + the signal's number, as a shell reports a
    /// process the signal ended.
    pub fn exit_code(self) -> u8 {
        match self {
            StopSignal::HangUp => 129,
            StopSignal::Interrupt => 130,
            StopSignal::Terminate => 143,
        }
    }
}

/// Which stop signal arrived first, if any.
#[derive(Debug, Clone, Default)]
pub struct SignalWatch(Arc<AtomicU8>);

impl SignalWatch {
    /// The first stop signal received.
    pub fn received(&self) -> Option<StopSignal> {
        let code = self.0.load(Ordering::SeqCst);
        StopSignal::ALL.into_iter().find(|s| s.exit_code() == code)
    }

    fn record(&self, signal: StopSignal) {
        // Only the first signal counts; a later one leaves it alone.
        let _ = self
            .0
            .compare_exchange(0, signal.exit_code(), Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// Sets `stop` on the first stop signal (after naming the signal in `cause`, which the journal's
/// `run_stopped` records) and exits on the second. The handlers are in place when this returns;
/// the returned watch tells which signal stopped the run.
pub fn stop_on_signals(stop: Arc<AtomicBool>, cause: Arc<OnceLock<String>>) -> SignalWatch {
    let watch = SignalWatch::default();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::warn!("stop signals are not handled: {error}");
            return watch;
        }
    };
    let listener = {
        let _context = runtime.enter();
        match Listener::install() {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!("stop signals are not handled: {error}");
                return watch;
            }
        }
    };
    let thread_watch = watch.clone();
    let spawned = std::thread::Builder::new()
        .name("stop-signals".to_string())
        .spawn(move || {
            runtime.block_on(async move {
                let mut listener = listener;
                while let Some(signal) = listener.next().await {
                    let _ = cause.set(signal.name().to_string());
                    on_signal(signal, &stop, &thread_watch);
                }
            });
        });
    if let Err(error) = spawned {
        tracing::warn!("stop signals are not handled: {error}");
    }
    watch
}

fn on_signal(signal: StopSignal, stop: &AtomicBool, watch: &SignalWatch) {
    if signal == StopSignal::HangUp {
        terminal::detach();
    }
    tracing::warn!("{} received", signal.name());
    if stop.swap(true, Ordering::SeqCst) {
        say("quitting at once; the rigs were not put in their safe state");
        std::process::exit(i32::from(signal.exit_code()));
    }
    watch.record(signal);
    say(&format!(
        "{}: stopping now; every rig is put in its safe state (again to quit at once)",
        signal.name()
    ));
}

/// Tells the operator, if the terminal is still there; a failed write is not an error here.
fn say(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "\n{text}");
}

#[cfg(unix)]
use unix::Listener;

#[cfg(unix)]
mod unix {
    use tokio::signal::unix::{signal, Signal, SignalKind};

    use super::StopSignal;

    /// The registered handlers; `None` for a signal the process inherited as ignored.
    pub struct Listener {
        interrupt: Option<Signal>,
        terminate: Option<Signal>,
        hang_up: Option<Signal>,
    }

    impl Listener {
        /// Registers the handlers; needs a tokio runtime context.
        pub fn install() -> std::io::Result<Listener> {
            let register = |kind: SignalKind, number: libc::c_int| {
                if super::terminal::inherited_as_ignored(number) {
                    Ok(None)
                } else {
                    signal(kind).map(Some)
                }
            };
            Ok(Listener {
                interrupt: register(SignalKind::interrupt(), libc::SIGINT)?,
                terminate: register(SignalKind::terminate(), libc::SIGTERM)?,
                hang_up: register(SignalKind::hangup(), libc::SIGHUP)?,
            })
        }

        /// The next signal; `None` when none can arrive any more.
        pub async fn next(&mut self) -> Option<StopSignal> {
            tokio::select! {
                Some(()) = next_of(&mut self.interrupt) => Some(StopSignal::Interrupt),
                Some(()) = next_of(&mut self.terminate) => Some(StopSignal::Terminate),
                Some(()) = next_of(&mut self.hang_up) => Some(StopSignal::HangUp),
                else => None,
            }
        }
    }

    async fn next_of(signal: &mut Option<Signal>) -> Option<()> {
        match signal {
            Some(signal) => signal.recv().await,
            None => None,
        }
    }
}

#[cfg(not(unix))]
use other::Listener;

#[cfg(not(unix))]
mod other {
    use super::StopSignal;

    /// Ctrl-C only: the other signals do not exist here.
    pub struct Listener;

    impl Listener {
        /// Nothing to register ahead.
        pub fn install() -> std::io::Result<Listener> {
            Ok(Listener)
        }

        /// The next Ctrl-C; `None` when it cannot be listened for.
        pub async fn next(&mut self) -> Option<StopSignal> {
            tokio::signal::ctrl_c()
                .await
                .ok()
                .map(|()| StopSignal::Interrupt)
        }
    }
}

/// The process's standard streams and signal dispositions (unix).
#[cfg(unix)]
#[allow(unsafe_code)]
mod terminal {
    use std::os::fd::AsRawFd;

    /// Whether signal `number` was ignored when the process started (`nohup`, `cmd &` in a
    /// script): such a signal is left ignored.
    pub fn inherited_as_ignored(number: libc::c_int) -> bool {
        // SAFETY: a zeroed sigaction is a valid out-parameter, and a null new action only
        // queries the current disposition without changing it.
        unsafe {
            let mut current: libc::sigaction = std::mem::zeroed();
            libc::sigaction(number, std::ptr::null(), &mut current) == 0
                && current.sa_sigaction == libc::SIG_IGN
        }
    }

    /// Points each standard stream that is on a terminal at the null device, so that reading
    /// gives end of file and writing succeeds once the terminal has hung up.
    pub fn detach() {
        let Ok(null) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")
        else {
            return;
        };
        for fd in [libc::STDIN_FILENO, libc::STDOUT_FILENO, libc::STDERR_FILENO] {
            if on_terminal(fd) {
                // SAFETY: dup2 only replaces a descriptor table entry; `null` stays open for the
                // duration of the call and 0–2 are the process's own streams.
                unsafe {
                    libc::dup2(null.as_raw_fd(), fd);
                }
            }
        }
    }

    /// Whether `fd` is on a terminal, live or hung up (a hung-up one answers the terminal
    /// query with EIO rather than "not a terminal").
    fn on_terminal(fd: libc::c_int) -> bool {
        // SAFETY: isatty only queries the descriptor.
        let is_tty = unsafe { libc::isatty(fd) } == 1;
        is_tty || std::io::Error::last_os_error().raw_os_error() == Some(libc::EIO)
    }
}

#[cfg(not(unix))]
mod terminal {
    /// No hang-up signal outside unix.
    pub fn detach() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal_number() {
        assert_eq!(StopSignal::HangUp.exit_code(), 128 + 1);
        assert_eq!(StopSignal::Interrupt.exit_code(), 128 + 2);
        assert_eq!(StopSignal::Terminate.exit_code(), 128 + 15);
    }

    #[test]
    fn the_watch_keeps_the_first_signal() {
        let watch = SignalWatch::default();
        assert_eq!(watch.received(), None);
        watch.record(StopSignal::Terminate);
        watch.record(StopSignal::HangUp);
        assert_eq!(watch.received(), Some(StopSignal::Terminate));
    }
}
