//! `facebench live RUN_DIR`: the live view of a run in progress (written by another process) or
//! finished; and the server `facebench run --live` starts beside its run.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::exit::CliError;
use super::paths::load_catalog;
use crate::journal::RunDir;
use crate::live::{LiveConfig, LiveServer, DEFAULT_ADDR, POLL_INTERVAL};
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
    let server = start(dir.path(), args.addr, args.token, &plan)?;
    eprintln!("press Ctrl-C to stop the live view");
    server.serve_until_killed();
    Ok(ExitCode::SUCCESS)
}

/// Starts the live view of `run_dir` and prints its address.
pub fn start(
    run_dir: &Path,
    addr: SocketAddr,
    token: Option<String>,
    plan: &Plan,
) -> Result<LiveServer, CliError> {
    let config = LiveConfig {
        run_dir: run_dir.to_path_buf(),
        addr,
        token,
        poll: POLL_INTERVAL,
    };
    let server = LiveServer::start(&config, plan).map_err(CliError::input)?;
    eprintln!(
        "live view of {}: {} / 实时查看",
        run_dir.display(),
        server.url()
    );
    Ok(server)
}
