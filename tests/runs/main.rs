//! Whole runs through the CLI and the library: plans, journal, crash and resume, rigs, SN rule.
//!
//! One test binary per area (each links the whole crate): add a module here rather than a new
//! file under `tests/`. Shared fixtures live in `tests/support/`.

#[path = "../support/common/mod.rs"]
mod common;
#[path = "../support/services/mod.rs"]
mod services;

mod atomic_outputs;
mod camera_steps;
mod cli_commands;
mod cli_demo_workbook;
mod copied_binary;
mod exit_codes;
mod factory_line;
mod history_db;
mod journal_crash;
mod live_browser;
mod live_view;
#[cfg(unix)]
mod operator_pty;
mod plan_check;
mod plan_mutations;
mod readme_record;
mod replay_station_run;
mod resume_after_kill;
mod run_dir;
mod runner_rigs;
mod several_units;
mod shipped_plans;
mod signals;
mod sn_cli_free;
mod software_precheck;
mod worker_panic;
