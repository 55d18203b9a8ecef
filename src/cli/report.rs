//! `facebench report` and `facebench package`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::exit::{self, CliError};
use super::loaded_run::LoadedRun;
use super::summary::report_run;
use crate::report::{check_submission, package, Severity};

/// Arguments of `facebench report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run directory.
    pub run_dir: PathBuf,
}

/// Arguments of `facebench package`.
#[derive(Debug, Args)]
pub struct PackageArgs {
    /// The run directory.
    pub run_dir: PathBuf,
    /// The submission folder to write into.
    #[arg(long)]
    pub out: PathBuf,
    /// Also check the vendor-supplied software pre-check files and the certificates needed.
    #[arg(long)]
    pub check: bool,
}

/// Runs `facebench report`.
pub fn execute_report(args: ReportArgs) -> Result<ExitCode, CliError> {
    let report = report_run(&args.run_dir)?;
    Ok(exit::for_verdict(report.overall))
}

/// Runs `facebench package`.
pub fn execute_package(args: PackageArgs) -> Result<ExitCode, CliError> {
    let run = LoadedRun::open(&args.run_dir)?;
    let bundle = package(
        run.dir.path(),
        &args.out,
        &run.plan,
        &run.standard,
        &run.state,
    )
    .map_err(CliError::harness)?;
    print_bundle(&bundle);
    if args.check {
        let findings = check_submission(&args.out, run.state.first_unit());
        for finding in &findings {
            println!("{finding}");
        }
        if findings.iter().any(|f| f.severity != Severity::Info) {
            return Err(CliError::input(anyhow::anyhow!(
                "the submission folder {} is incomplete (see above)",
                args.out.display()
            )));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints what a bundle holds.
pub fn print_bundle(bundle: &crate::report::Bundle) {
    println!("{bundle}");
}
