//! tracing set-up: logs go to the run directory's `facebench.log` once a run is open, and to
//! stderr with `-v`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The open run log, once a run directory is known.
static RUN_LOG: Mutex<Option<File>> = Mutex::new(None);

/// Writes to the run log, or nowhere before a run is open.
#[derive(Debug, Clone, Copy)]
struct RunLog;

impl Write for RunLog {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut guard = RUN_LOG.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = guard.as_mut() {
            file.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut guard = RUN_LOG.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_mut().map_or(Ok(()), |f| f.flush())
    }
}

impl<'a> MakeWriter<'a> for RunLog {
    type Writer = RunLog;

    fn make_writer(&'a self) -> Self::Writer {
        RunLog
    }
}

/// Installs the global subscriber: info and above to the run log, and to stderr at the level
/// `-v` asks for.
pub fn init_stderr(verbose: u8) {
    let stderr_level = match verbose {
        0 => None,
        1 => Some(LevelFilter::INFO),
        _ => Some(LevelFilter::DEBUG),
    };
    let file_layer = tracing_subscriber::fmt::layer()
        .with_writer(RunLog)
        .with_ansi(false)
        .with_filter(LevelFilter::INFO);
    let stderr_layer = stderr_level.map(|level| {
        tracing_subscriber::fmt::layer()
            .with_writer(io::stderr)
            .with_filter(level)
    });
    // A second init (tests calling main twice) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
}

/// Sends log lines to `path` (appending) from now on.
pub fn log_to(path: &Path) -> io::Result<()> {
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    *RUN_LOG.lock().unwrap_or_else(|e| e.into_inner()) = Some(file);
    Ok(())
}
