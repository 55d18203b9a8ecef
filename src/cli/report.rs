//! `facebench report` and `facebench package`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::exit::{self, CliError};
use super::loaded_run::LoadedRun;
use super::summary::report_run_with;
use crate::report::template::fill_reports;
use crate::report::{check_submission, is_precheck, package, package_precheck, Severity};
use crate::unit::Unit;

/// Arguments of `facebench report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run directory.
    pub run_dir: PathBuf,
    /// Also write each model's PDF test report, `report/<vendor>-<model>/report.pdf` (font:
    /// the shipped Noto Sans CJK SC subset, or the file named by `FACEBENCH_PDF_FONT`).
    #[arg(long)]
    pub pdf: bool,
}

/// Arguments of `facebench package`.
#[derive(Debug, Args)]
pub struct PackageArgs {
    /// The run directory.
    pub run_dir: PathBuf,
    /// The folder to write into: it gets one submission folder per model, `<vendor>-<model>`.
    #[arg(long)]
    pub out: PathBuf,
    /// Also check the vendor-supplied software pre-check files and the certificates needed.
    #[arg(long)]
    pub check: bool,
}

/// Runs `facebench report`.
pub fn execute_report(args: ReportArgs) -> Result<ExitCode, CliError> {
    let report = report_run_with(&args.run_dir, args.pdf)?;
    let run = LoadedRun::open(&args.run_dir)?;
    let filled = fill_reports(&run.dir.report_dir(), &run.plan, &run.standard, &run.state)
        .map_err(CliError::harness)?;
    for workbook in &filled {
        println!("network workbook: {workbook}");
    }
    Ok(exit::for_verdict(report.overall))
}

/// Runs `facebench package`. A software pre-check run packages into its pre-check workbook,
/// in the same `<vendor>-<model>` folder the hardware run's bundle uses.
pub fn execute_package(args: PackageArgs) -> Result<ExitCode, CliError> {
    let run = LoadedRun::open(&args.run_dir)?;
    let folders: Vec<(PathBuf, Unit)> = if is_precheck(&run.plan) {
        let bundles = package_precheck(run.dir.path(), &args.out, &run.plan, &run.state)
            .map_err(CliError::harness)?;
        for bundle in &bundles {
            println!("{bundle}");
        }
        bundles
            .into_iter()
            .map(|b| (b.folder, b.model.first_unit().clone()))
            .collect()
    } else {
        let bundles = package(
            run.dir.path(),
            &args.out,
            &run.plan,
            &run.standard,
            &run.state,
        )
        .map_err(CliError::harness)?;
        print_bundles(&bundles);
        bundles
            .into_iter()
            .map(|b| (b.folder, b.model.first_unit().clone()))
            .collect()
    };
    if args.check {
        let mut incomplete = Vec::new();
        for (folder, unit) in &folders {
            let findings = check_submission(folder, unit);
            for finding in &findings {
                println!("{}: {finding}", folder.display());
            }
            if findings.iter().any(|f| f.severity != Severity::Info) {
                incomplete.push(folder.display().to_string());
            }
        }
        if !incomplete.is_empty() {
            return Err(CliError::input(anyhow::anyhow!(
                "the submission folder(s) {} are incomplete (see above)",
                incomplete.join(", ")
            )));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints what each model's bundle holds.
pub fn print_bundles(bundles: &[crate::report::Bundle]) {
    for bundle in bundles {
        println!("{bundle}");
    }
}
