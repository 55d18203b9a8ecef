//! Camera frame sources, fault injection, analysis and stress loops (real backends behind their features).
//!
//! One test binary per area (each links the whole crate): add a module here rather than a new
//! file under `tests/`. Shared fixtures live in `tests/support/`.

#[path = "../support/checklist/mod.rs"]
mod checklist_support;

mod camera_backend_nokhwa;
mod camera_backend_select;
mod camera_backend_v4l;
mod camera_faults;
mod camera_garbage;
mod camera_loss;
mod camera_replay;
mod camera_station;
mod camera_stress;
