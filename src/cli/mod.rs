//! The command line: one file per subcommand, thin glue over the library.
//!
//! Exit codes are in [`exit`]: 0 all pass, 1 some item no pass, 2 usage or input error,
//! 3 harness error.

pub mod camera;
mod demo;
mod demo_precheck;
pub mod exit;
mod factory;
mod history;
mod init;
mod interrupt;
mod live;
mod loaded_run;
mod logging;
mod paths;
mod plan;
mod progress;
mod record;
mod repair;
mod report;
mod run;
mod sim;
mod sn;
mod station_args;
mod summary;
mod unit_args;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use exit::CliError;

/// facebench: test-bench harness for face-payment terminals.
#[derive(Debug, Parser)]
#[command(name = "facebench", version, about, long_about = None)]
pub struct Cli {
    /// Also print logs to stderr (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Catalog and plans: list device types and standards, show a plan, check a plan file.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// The 23-character device serial-number rule.
    #[command(subcommand)]
    Sn(sn::SnCommand),
    /// Run a plan's items for a unit, or resume a run.
    Run(Box<run::RunArgs>),
    /// Enter or correct a manual result in a run afterwards (the history is kept).
    Record(record::RecordArgs),
    /// Repair a journal written by two processes at once: renumber its events in file order
    /// (a backup of the journal is kept).
    Repair(repair::RepairArgs),
    /// Rebuild the workbook, CSV and JSON of a run from its journal.
    Report(report::ReportArgs),
    /// Write the submission folder (workbook + one evidence zip per category).
    Package(report::PackageArgs),
    /// A full simulated lab run of the desktop cashier plan that writes real reports.
    Demo(demo::DemoArgs),
    /// The factory line: check each unit's label SN, device SN, camera SN and camera stream,
    /// and keep the device list.
    Factory(factory::FactoryArgs),
    /// The face camera: list cameras, record a replay file, run stress modes.
    #[command(subcommand)]
    Camera(camera::CameraCommand),
    /// Run an instrument simulator (chamber, drop rig, thermal logger) on a pty or TCP port.
    #[command(subcommand)]
    Sim(sim::SimCommand),
    /// Write editable copies of the built-in plans, catalog, examples and station files.
    Init(init::InitArgs),
    /// Serve the live view (a web page) of a run in progress or finished; it only reads the run.
    Live(live::LiveArgs),
    /// The results history: list indexed runs, one item's results across runs, rebuild an index.
    History(history::HistoryArgs),
}

impl Command {
    /// True for commands that only read and print (no rig, simulator or camera, and no files
    /// written: `report` and `package` must finish their files even when nobody reads their
    /// output): they may end quietly when their output pipe closes.
    fn only_prints(&self) -> bool {
        matches!(self, Command::Plan(_) | Command::Sn(_))
    }
}

/// Parses the command line, runs it and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.only_prints() {
        exit::end_quietly_on_closed_pipe();
    }
    logging::init_stderr(cli.verbose);
    let result = match cli.command {
        Command::Plan(cmd) => plan::execute(cmd),
        Command::Sn(cmd) => sn::execute(cmd),
        Command::Run(args) => run::execute(*args),
        Command::Record(args) => record::execute(args),
        Command::Repair(args) => repair::execute(args),
        Command::Report(args) => report::execute_report(args),
        Command::Package(args) => report::execute_package(args),
        Command::Demo(args) => demo::execute(args),
        Command::Sim(cmd) => sim::execute(cmd),
        Command::Factory(args) => factory::execute(args),
        Command::Camera(cmd) => camera::execute(cmd),
        Command::Init(args) => init::execute(args),
        Command::Live(args) => live::execute(args),
        Command::History(args) => history::execute(args),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            if let Some(help) = rig_help(&failure.error) {
                eprintln!("help: {help}");
            }
            ExitCode::from(failure.code)
        }
    }
}

/// The operator's hint ([`crate::rig::RigError::help`]) of the first rig error in `error`'s
/// chain, if any.
fn rig_help(error: &anyhow::Error) -> Option<&'static str> {
    use crate::rig::RigError;
    error.chain().find_map(|cause| {
        cause
            .downcast_ref::<RigError>()
            .or_else(|| cause.downcast_ref::<Box<RigError>>().map(|boxed| &**boxed))
            .and_then(RigError::help)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rig::RigError;

    #[test]
    fn a_rig_error_anywhere_in_the_chain_brings_its_help() {
        let missing = RigError::Link {
            port: "/dev/ttyUSB9".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let expected = missing.help();
        assert!(expected.is_some());
        let boxed = crate::station::OpenError::Rig {
            station: "lab".into(),
            rig: "chamber",
            source: Box::new(missing),
        };
        let error = anyhow::Error::new(boxed).context("opening the station");
        assert_eq!(rig_help(&error), expected);
        assert_eq!(rig_help(&anyhow::anyhow!("no rig here")), None);
    }
}
