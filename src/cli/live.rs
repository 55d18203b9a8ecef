//! `facebench live RUN_DIR`: the live view of a run in progress (written by another process) or
//! finished; and the server `facebench run --live` starts beside its run.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::exit::CliError;
use super::paths::load_catalog;
use crate::journal::RunDir;
use crate::live::{LiveListener, LiveServer, DEFAULT_ADDR, POLL_INTERVAL};
use crate::plan::{parse_plan, Plan};

/// Arguments of `facebench live`.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// The run directory to show (it is only read).
    pub run_dir: PathBuf,
    /// Address to listen on; any address but loopback needs --token.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// Token every request must carry (`?token=T` in the address); required off loopback.
    #[arg(long, value_name = "T")]
    pub token: Option<String>,
}

/// Runs `facebench live`: serves until the process is stopped.
pub fn execute(args: LiveArgs) -> Result<ExitCode, CliError> {
    let dir = RunDir::open(&args.run_dir).map_err(CliError::input)?;
    let catalog = load_catalog()?;
    let text = dir.read_plan_snapshot().map_err(CliError::input)?;
    let origin = dir.plan_snapshot_path().display().to_string();
    let plan = parse_plan(&text, &origin, &catalog).map_err(CliError::input)?;
    let listener = bind(args.addr, args.token.as_deref())?;
    let server = serve(listener, dir.path(), &plan)?;
    eprintln!("press Ctrl-C to stop the live view");
    server.serve_until_killed();
    Ok(ExitCode::SUCCESS)
}

/// Takes the live view's address (before a run starts, so a port in use stops nothing).
pub fn bind(addr: SocketAddr, token: Option<&str>) -> Result<LiveListener, CliError> {
    LiveListener::bind(addr, token).map_err(CliError::input)
}

/// Serves the live view of `run_dir` and prints its address.
pub fn serve(listener: LiveListener, run_dir: &Path, plan: &Plan) -> Result<LiveServer, CliError> {
    let server = listener
        .serve(run_dir, plan, POLL_INTERVAL)
        .map_err(CliError::harness)?;
    eprintln!(
        "live view of {}: {} / 实时查看",
        run_dir.display(),
        server.url()
    );
    Ok(server)
}
