//! Ctrl-C: the first press asks the run to stop at the next poll of its rig step (results so far
//! are kept and the chamber is left in its safe state); a second press quits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Exit code of a run quit by a second Ctrl-C (128 + SIGINT).
const QUIT_AT_ONCE: i32 = 130;

/// Sets `stop` on the first Ctrl-C; exits on the second.
pub fn stop_on_ctrl_c(stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new()
        .name("ctrl-c".to_string())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    tracing::warn!("Ctrl-C handling is off: {error}");
                    return;
                }
            };
            runtime.block_on(async {
                while tokio::signal::ctrl_c().await.is_ok() {
                    if stop.swap(true, Ordering::SeqCst) {
                        eprintln!("\nquitting at once");
                        std::process::exit(QUIT_AT_ONCE);
                    }
                    eprintln!(
                        "\nstopping after the current poll; the chamber is left in its safe state \
                         (Ctrl-C again to quit at once)"
                    );
                }
            });
        });
    if let Err(error) = spawned {
        tracing::warn!("Ctrl-C handling is off: {error}");
    }
}
