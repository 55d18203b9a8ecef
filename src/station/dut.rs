//! The station's `[dut]` section: the device under test and how to reach it.
//!
//! ```toml
//! [dut]
//! backend = "adb"                 # Android over adb (the only backend so far)
//! serial = "FB1234567890"         # through the adb server (USB), chosen by serial …
//! server = "127.0.0.1:5037"       # … at this address (the default)
//! # connect = "192.168.1.20:5555" # … or straight to the device's adbd over TCP
//! # key = "/home/lab/.android/adbkey"  # adb key offered over a direct link (default ~/.android/adbkey)
//! timeout_ms = 5000               # every call's timeout
//! face_app = "com.example.face"   # the face app: crashes counted beside climate steps
//! camera_usb = "1-1"              # the camera's USB port: only its disconnects count
//! ```
//!
//! In a `sim = true` station the device is a simulated terminal started with the station;
//! `serial` is then its serial number, and `connect` / `server` are not given.

use std::net::{SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::config::{Fields, Located, TableRef};
use crate::diagnostic::Sink;
use crate::dut::android::{AdbLink, DEFAULT_SERVER};
use crate::dut::{DutBackend, DutSpec};

/// The `[dut]` keys every reader of one shares (a test station, the factory line): how the
/// device is reached and how long each call may take.
const LINK_KEYS: &[&str] = &["serial", "connect", "server", "key", "timeout_ms"];

/// The keys only a test station's `[dut]` has.
const STATION_KEYS: &[&str] = &["backend", "face_app", "camera_usb"];

/// A DUT call's timeout when the station gives none.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How a `[dut]` reaches its device, as the shared keys say.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DutAccess {
    /// The adb link; `None` only in a simulated station, which starts its own terminal.
    pub link: Option<AdbLink>,
    /// `serial` as written (in a simulated station, the simulated terminal's serial number).
    pub serial: Option<String>,
    /// Every call's timeout.
    pub timeout: Duration,
}

/// Opens a `[dut]` table, reporting every key that is neither shared nor in `own`.
pub(crate) fn open_dut<'a, 'i>(
    sink: &mut Sink<'_>,
    table: TableRef<'a, 'i>,
    own: &[&str],
) -> Fields<'a, 'i> {
    let allowed: Vec<&str> = LINK_KEYS.iter().chain(own).copied().collect();
    table.open(sink, &allowed)
}

/// Reads the shared `[dut]` keys of an opened table, reporting every problem to `sink` with
/// its line and key; `None` when any was reported. `sim`: a simulated station, which takes
/// no address or key.
pub(crate) fn read_access(sink: &mut Sink<'_>, f: &Fields<'_, '_>, sim: bool) -> Option<DutAccess> {
    let before = sink.count();
    let serial = f.opt_string(sink, "serial");
    let connect = address::<SocketAddr>(sink, f, "connect", "HOST:PORT (an IP address and a port)");
    let server = address::<SocketAddrV4>(sink, f, "server", "an IPv4 HOST:PORT");
    let key = f
        .opt_string(sink, "key")
        .map(|k| PathBuf::from(k.into_inner()));
    let timeout = f
        .opt_whole::<u64>(sink, "timeout_ms")
        .map(Located::into_inner);
    if timeout == Some(0) {
        f.reject(sink, "timeout_ms", "must be above 0");
    }
    let link = if sim {
        for key in ["connect", "server", "key"] {
            f.reject(
                sink,
                key,
                &format!("a simulated station (sim = true) starts its own terminal: no `{key}`"),
            );
        }
        None
    } else {
        match (&serial, connect) {
            (Some(_), Some(_)) => {
                f.reject(
                    sink,
                    "connect",
                    "give `serial` (through the adb server) or `connect` (straight to the \
                     device), not both",
                );
                None
            }
            (Some(serial), None) => Some(AdbLink::Server {
                server: server.unwrap_or(DEFAULT_SERVER),
                serial: serial.get_ref().clone(),
            }),
            (None, Some(addr)) => {
                f.reject(
                    sink,
                    "server",
                    "`server` is for a device reached by `serial`",
                );
                Some(AdbLink::Direct { addr, key })
            }
            (None, None) => {
                f.report_missing(
                    sink,
                    "serial",
                    ": give the device's `serial` (through the adb server) or `connect` = \
                     \"HOST:PORT\" (straight to its adbd)",
                );
                None
            }
        }
    };
    (sink.count() == before).then(|| DutAccess {
        link,
        serial: serial.map(Located::into_inner),
        timeout: timeout.map_or(DEFAULT_TIMEOUT, Duration::from_millis),
    })
}

/// The optional socket address under `key`; one that does not parse is reported as not `form`.
fn address<A: FromStr>(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    key: &str,
    form: &str,
) -> Option<A> {
    let text = f.opt_string(sink, key)?;
    let parsed = text.get_ref().parse::<A>();
    if parsed.is_err() {
        sink.report(
            &text.span(),
            &f.path_of(key),
            format!("`{}` is not {form}", text.get_ref()),
        );
    }
    parsed.ok()
}

/// Resolves a test station's `[dut]`, reporting every problem to `sink`.
pub(super) fn resolve_dut(
    sink: &mut Sink<'_>,
    table: TableRef<'_, '_>,
    sim: bool,
) -> Option<DutSpec> {
    let before = sink.count();
    let f = open_dut(sink, table, STATION_KEYS);
    f.opt_choice(sink, "backend", "DUT backend", &["adb"], |b| {
        (b == "adb").then_some(())
    });
    let access = read_access(sink, &f, sim);
    let face_app = f.opt_string(sink, "face_app").map(Located::into_inner);
    let camera_usb = f.opt_string(sink, "camera_usb").map(Located::into_inner);
    let access = access?;
    (sink.count() == before).then(|| DutSpec {
        backend: DutBackend::Adb {
            link: access.link,
            sim_serial: access.serial.filter(|_| sim),
        },
        timeout: access.timeout,
        face_app,
        camera_usb,
    })
}

#[cfg(test)]
mod tests {
    use crate::station::parse_station;

    fn errors(text: &str) -> String {
        parse_station(text, "st.toml", "st")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_serial_goes_through_the_default_adb_server() {
        let station = parse_station("[dut]\nserial = \"ABC\"\n", "st.toml", "st").unwrap();
        let dut = station.dut.unwrap();
        assert_eq!(
            format!("{:?}", dut.backend),
            "Adb { link: Some(Server { server: 127.0.0.1:5037, serial: \"ABC\" }), sim_serial: None }"
        );
        assert_eq!(dut.timeout.as_millis(), 5000);
    }

    #[test]
    fn problems_name_the_line_and_the_field() {
        let cases: [(&str, &[&str]); 6] = [
            (
                "[dut]\nserial = \"A\"\nconnect = \"10.0.0.5:5555\"\n",
                &["st.toml:3", "dut.connect"],
            ),
            (
                "[dut]\nconnect = \"nowhere\"\n",
                &["dut.connect", "not HOST:PORT"],
            ),
            (
                "[dut]\nserial = \"A\"\nserver = \"[::1]:5037\"\n",
                &["st.toml:3:10 dut.server: `[::1]:5037` is not an IPv4 HOST:PORT"],
            ),
            ("[dut]\ntimeout_ms = 5\n", &["dut.serial", "missing key"]),
            (
                "[dut]\nbackend = \"windows\"\nserial = \"A\"\n",
                &["dut.backend"],
            ),
            (
                "sim = true\n[dut]\nconnect = \"127.0.0.1:5555\"\n",
                &["simulated station"],
            ),
        ];
        for (station, expected) in cases {
            let text = errors(station);
            for part in expected {
                assert!(text.contains(part), "{station}: {part} in {text}");
            }
        }
    }
}
