//! `facebench init [DIR]`: editable copies of the built-in plans, catalog, answers, unit and
//! evidence examples and station examples, for a lab to customise.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::exit::CliError;
use super::paths::HOME_VAR;
use crate::assets::ASSETS;

/// Arguments of `facebench init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to write `testplans/` and `rigs/` into.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite files that already exist (a lab's edits to them are lost).
    #[arg(long)]
    pub force: bool,
}

/// Writes the copies; refuses, naming them, when any already exists and `--force` is not given.
pub fn execute(args: InitArgs) -> Result<ExitCode, CliError> {
    let existing: Vec<String> = ASSETS
        .iter()
        .map(|asset| args.dir.join(asset.path))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if !existing.is_empty() && !args.force {
        return Err(CliError::input(anyhow::anyhow!(
            "{} of the files already exist{}: {}; nothing written (--force overwrites them)",
            existing.len(),
            if existing.len() == 1 { "s" } else { "" },
            existing.join(", ")
        )));
    }
    for asset in ASSETS {
        let path = asset.write_under(&args.dir).map_err(|e| {
            CliError::harness(anyhow::anyhow!(
                "cannot write {}: {e}",
                args.dir.join(asset.path).display()
            ))
        })?;
        println!("wrote {}", path.display());
    }
    println!(
        "{} files written. facebench reads them when run in {} or with {HOME_VAR}={}; \
         check an edited plan with `facebench plan check FILE`.",
        ASSETS.len(),
        args.dir.display(),
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
