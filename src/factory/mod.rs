//! `facebench factory`: the per-unit check of a production line.
//!
//! A station operator scans (or types) each unit's label SN; the line checks the SN rule and
//! the registered vendor and model codes, reads the device's SN over adb and compares it with
//! the label, reads the camera SN from the unit and checks it is there and not another unit's,
//! streams the face camera briefly against the station's limits, and shows a large `PASS` or
//! `BLOCKED` with every reason. Each unit's row is appended to the device list and synced to
//! disk before the next unit is accepted; the list is read at start, so a unit passing twice
//! is caught across restarts. It does not replace the network's own factory check (built into
//! the face app): it makes sure a unit is ready for it and keeps the lab's record.
//!
//! - [`line`]: the station file (`line.toml`).
//! - [`devices`]: the device list CSV.
//! - [`stream`]: the camera's short stream check.
//! - [`unit_check`]: one unit, every reason collected; a failing link or camera blocks that
//!   unit only.
//! - [`banner`]: what the operator sees.
//!
//! Memory stays flat over a day of units: per unit only the SN and camera SN of a unit that
//! passed are kept (for the duplicate checks).

pub mod banner;
pub mod devices;
pub mod line;
pub mod stream;
pub mod unit_check;

pub use banner::banner;
pub use devices::{DeviceList, DeviceListError, DeviceRecord, LineResult};
pub use line::{load_line, CameraSnSource, DutLink, Line, StreamLimits};
pub use stream::{check_stream, StreamFigures};
pub use unit_check::{Station, UnitOutcome};
