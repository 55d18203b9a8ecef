//! `facebench sn check | generate`: the public device serial-number rule on its own.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use super::exit::CliError;
use crate::sn::{check, generate, OsType};

/// Serial-number subcommands.
#[derive(Debug, Subcommand)]
pub enum SnCommand {
    /// Check a serial number: exit 0 valid, 2 invalid (every violated part is named).
    Check {
        /// The serial number.
        sn: String,
        /// Expected vendor code (characters 1-2).
        #[arg(long)]
        vendor_code: Option<String>,
        /// Expected model code (characters 4-5).
        #[arg(long)]
        model_code: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Generate a serial number with a fresh 8-character random part.
    Generate {
        /// Vendor code (2 characters, 0-9 A-Z).
        #[arg(long)]
        vendor_code: String,
        /// OS type: A (Android), W (Windows), L (Linux).
        #[arg(long)]
        os: OsType,
        /// Model code (2 characters).
        #[arg(long)]
        model_code: String,
        /// Vendor serial (10 characters).
        #[arg(long)]
        vendor_serial: String,
    },
}

/// Runs a serial-number subcommand.
pub fn execute(command: SnCommand) -> Result<ExitCode, CliError> {
    match command {
        SnCommand::Check {
            sn,
            vendor_code,
            model_code,
            json,
        } => {
            let parsed =
                check(&sn, vendor_code.as_deref(), model_code.as_deref()).map_err(|e| {
                    CliError::input(anyhow::anyhow!("{sn:?} is not a valid device SN:\n{e}"))
                })?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "sn": sn,
                        "valid": true,
                        "vendor_code": parsed.vendor_code,
                        "os": parsed.os.to_string(),
                        "model_code": parsed.model_code,
                        "vendor_serial": parsed.vendor_serial,
                        "random": parsed.random,
                    }))
                    .unwrap_or_default()
                );
            } else {
                println!(
                    "{sn}: valid (vendor {} · OS {} · model {} · vendor serial {} · random {})",
                    parsed.vendor_code,
                    parsed.os,
                    parsed.model_code,
                    parsed.vendor_serial,
                    parsed.random
                );
            }
        }
        SnCommand::Generate {
            vendor_code,
            os,
            model_code,
            vendor_serial,
        } => {
            let sn = generate(&vendor_code, os, &model_code, &vendor_serial).map_err(|e| {
                CliError::input(anyhow::anyhow!("cannot generate a serial number:\n{e}"))
            })?;
            println!("{sn}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
