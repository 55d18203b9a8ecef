//! Rig drivers, Modbus clients and instrument simulators on real ptys, TCP and in-memory pipes.
//!
//! One test binary per area (each links the whole crate): add a module here rather than a new
//! file under `tests/`. Shared fixtures live in `tests/support/`.

#[path = "../support/modbus_peer/mod.rs"]
mod modbus_peer;
#[path = "../support/modbus_support/mod.rs"]
mod modbus_support;
#[path = "../support/rig_support/mod.rs"]
mod rig_support;
#[path = "../support/services/mod.rs"]
mod services;
#[path = "../support/sim_support/mod.rs"]
mod sim_support;

mod driver_faults;
mod modbus_client;
mod modbus_drop;
mod modbus_generic;
mod modbus_temi;
mod modbus_watlow_f4;
mod modbus_watlow_f4t;
mod reply_parsers;
mod rig_espec;
mod rig_pclink;
mod rig_pty;
mod rig_station;
mod rig_thermal;
mod sim_android_adb;
mod sim_cli;
mod sim_drivers;
mod sim_drop;
mod sim_espec;
mod sim_espec_temp_only;
mod sim_faults;
mod sim_modbus;
mod sim_parsers;
mod sim_pclink;
mod sim_profile;
mod sim_thermal;
