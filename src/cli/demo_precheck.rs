//! The demo's software pre-check: the shipped pre-check plan run over adb against a simulated
//! Android terminal (the first demo unit's SN, its face app and IoT service as system apps, the
//! silent-install whitelist set), with the shipped operator answers for the hands-on items, and
//! packaged as `[2软件预检测结果]-[…][SDK模式].xlsx` into the demo's submission folder.
//!
//! The terminal listens on a loopback port; the demo writes the station file that reaches it
//! (`precheck-station.toml`, a real `[dut] connect = "127.0.0.1:PORT"`), so the run goes through
//! the same station, adb backend, runner and journal as a real bench.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use super::demo::DemoRun;
use super::exit::CliError;
use super::loaded_run::LoadedRun;
use super::paths::shipped;
use super::station_args::StationArgs;
use crate::catalog::Catalog;
use crate::clock::{Clock, SimClock};
use crate::dut::android::key::sim_key_path;
use crate::plan::load_plan;
use crate::report::{package_precheck, PrecheckBundle};
use crate::sim::android::{SimAndroid, SimPackage, FACE_APP};
use crate::unit::Unit;

/// The IoT service package of the simulated terminal (as named in the shipped plan).
const IOT_SERVICE: &str = "com.facebench.iotservice";

/// The whitelist property the shipped plan reads.
const WHITELIST_PROPERTY: &str = "persist.sys.silent_install.whitelist";

/// Runs the software pre-check of `unit` into `out/precheck-run` and writes its workbook into
/// `submission/<vendor>-<model>/`.
pub(super) fn run_precheck(
    out: &Path,
    submission: &Path,
    unit: &Unit,
    catalog: &Catalog,
) -> Result<Vec<PrecheckBundle>, CliError> {
    let clock: Arc<dyn Clock> = Arc::new(SimClock::starting_at(chrono::Utc::now()));
    let mut terminal = SimAndroid::new(&unit.device_sn);
    terminal.config.packages.push(SimPackage {
        name: IOT_SERVICE.to_string(),
        path: "/system/priv-app/IotService/IotService.apk".to_string(),
        system: true,
        version: "1.4.0".to_string(),
    });
    terminal
        .config
        .properties
        .insert(WHITELIST_PROPERTY.to_string(), FACE_APP.to_string());
    let sim = terminal
        .spawn(SocketAddr::from(([127, 0, 0, 1], 0)), Arc::clone(&clock))
        .map_err(CliError::harness)?;
    std::fs::create_dir_all(out).map_err(CliError::harness)?;
    let station_file = out.join("precheck-station.toml");
    std::fs::write(
        &station_file,
        format!(
            "# Written by facebench demo: the simulated Android terminal of the software pre-check.\n\
             name = \"simulated Android terminal\"\n\n[dut]\nconnect = \"{}\"\nkey = {:?}\n\
             timeout_ms = 5000\nface_app = \"{FACE_APP}\"\n",
            sim.addr(),
            sim_key_path().display().to_string()
        ),
    )
    .map_err(CliError::harness)?;
    let station = StationArgs {
        station: Some(station_file),
        sim: false,
    }
    .load(None)?;
    let plan_file = shipped("testplans/software-precheck.toml")?.path;
    let loaded = load_plan(&plan_file, catalog).map_err(CliError::input)?;
    let selection = super::run::check_selection(&loaded.plan, &[], &[])?;
    let run_dir = out.join("precheck-run");
    DemoRun {
        station,
        clock,
        plan_file: &plan_file,
        loaded,
        answers: "testplans/answers/demo-software-precheck.toml",
        units: vec![unit.clone()],
        run_dir: &run_dir,
        selection: &selection,
        log: false,
    }
    .run()?;
    drop(sim);
    let run = LoadedRun::open(&run_dir)?;
    package_precheck(run.dir.path(), submission, &run.plan, &run.state).map_err(CliError::harness)
}
