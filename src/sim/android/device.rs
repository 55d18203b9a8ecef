//! The simulated terminal's state: its property table, installed packages, the logs it writes
//! as (simulated) time passes, its boot cycle, and the shell commands it answers.
//!
//! Time is read from a [`Clock`], so a demo on a simulated clock sees app crashes and USB
//! re-enumerations at simulated times. Logs are generated on demand from the configured
//! periods: a face-app crash (`FATAL EXCEPTION` with its `Process:` line) every
//! `crash_every`, and a camera USB re-enumeration (disconnect, then a new device) every
//! `usb_reenum_every`, counted from the last boot.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::Clock;

/// An installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPackage {
    /// Package name.
    pub name: String,
    /// Its APK path (`/system/priv-app/...` for a system app, `/data/app/...` otherwise).
    pub path: String,
    /// Part of the system image.
    pub system: bool,
    /// Version name.
    pub version: String,
}

/// What the simulated terminal is and does.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    /// System properties (`ro.serialno`, `ro.product.model`, ...).
    pub properties: BTreeMap<String, String>,
    /// Installed packages.
    pub packages: Vec<SimPackage>,
    /// The face app's package, named in its crash lines.
    pub face_app: String,
    /// How long a reboot takes.
    pub boot_time: Duration,
    /// The face app crashes this often (never when `None`).
    pub crash_every: Option<Duration>,
    /// The camera falls off the USB bus and comes back this often.
    pub usb_reenum_every: Option<Duration>,
}

/// The face app of the simulated terminal.
pub const FACE_APP: &str = "com.facebench.faceapp";

impl DeviceConfig {
    /// A healthy Android 11 face terminal with serial number `serial` and the face app as a
    /// system app.
    pub fn terminal(serial: &str) -> DeviceConfig {
        let properties = [
            ("ro.serialno", serial),
            ("ro.product.name", "fbterm"),
            ("ro.product.model", "FB-T1"),
            ("ro.product.device", "fbterm"),
            ("ro.product.manufacturer", "Facebench"),
            ("ro.build.version.release", "11"),
            ("ro.build.version.sdk", "30"),
            ("ro.build.display.id", "FBT1-11.0.3"),
            ("sys.boot_completed", "1"),
        ];
        DeviceConfig {
            properties: properties
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            packages: vec![
                SimPackage {
                    name: FACE_APP.to_string(),
                    path: "/system/priv-app/FaceApp/FaceApp.apk".to_string(),
                    system: true,
                    version: "3.2.1".to_string(),
                },
                SimPackage {
                    name: "com.android.settings".to_string(),
                    path: "/system/priv-app/Settings/Settings.apk".to_string(),
                    system: true,
                    version: "11".to_string(),
                },
                SimPackage {
                    name: "com.example.shop".to_string(),
                    path: "/data/app/com.example.shop-1/base.apk".to_string(),
                    system: false,
                    version: "1.0".to_string(),
                },
            ],
            face_app: FACE_APP.to_string(),
            boot_time: Duration::from_secs(2),
            crash_every: None,
            usb_reenum_every: None,
        }
    }

    /// Names the face app `package` (its installed package renamed with it).
    pub fn rename_face_app(&mut self, package: &str) {
        for installed in &mut self.packages {
            if installed.name == self.face_app {
                installed.name = package.to_string();
            }
        }
        self.face_app = package.to_string();
    }

    /// Reinstalls the face app under /data/app: installed, but not as a system app.
    pub fn face_app_not_system(&mut self) {
        if let Some(app) = self.packages.iter_mut().find(|p| p.name == self.face_app) {
            app.system = false;
            app.path = format!("/data/app/{}-1/base.apk", app.name);
        }
    }

    /// The `CNXN` banner: `device::ro.product.name=..;ro.product.model=..;ro.product.device=..;`.
    pub fn banner(&self) -> String {
        let prop = |k: &str| self.properties.get(k).map_or("", String::as_str);
        format!(
            "device::ro.product.name={};ro.product.model={};ro.product.device={};features=",
            prop("ro.product.name"),
            prop("ro.product.model"),
            prop("ro.product.device")
        )
    }
}

/// What a shell command produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellReply {
    /// All its output at once.
    Output(Vec<u8>),
    /// `logcat` without `-d`: the buffer, then new lines until the stream is closed.
    FollowLogcat,
    /// The device reboots after answering.
    Reboot,
}

/// The terminal at run time.
#[derive(Debug)]
pub struct Device {
    config: DeviceConfig,
    clock: Arc<dyn Clock>,
    /// Wall time at `clock.elapsed() == 0`.
    origin: DateTime<Utc>,
    /// When the current boot began (clock elapsed).
    booted_at: Duration,
}

impl Device {
    /// A device that has just booted.
    pub fn new(config: DeviceConfig, clock: Arc<dyn Clock>) -> Device {
        let elapsed = clock.elapsed();
        let origin = clock.now_utc() - chrono::Duration::from_std(elapsed).unwrap_or_default();
        Device {
            config,
            clock,
            origin,
            booted_at: elapsed,
        }
    }

    /// The device's configuration.
    pub fn config(&self) -> &DeviceConfig {
        &self.config
    }

    /// Starts a reboot now: the device is away for its boot time.
    pub fn reboot(&mut self) {
        self.booted_at = self.clock.elapsed() + self.config.boot_time;
    }

    /// True while the device is rebooting (it accepts no connection).
    pub fn booting(&self) -> bool {
        self.clock.elapsed() < self.booted_at
    }

    fn uptime(&self) -> Duration {
        self.clock.elapsed().saturating_sub(self.booted_at)
    }

    fn wall(&self, since_boot: Duration) -> DateTime<Utc> {
        self.origin + chrono::Duration::from_std(self.booted_at + since_boot).unwrap_or_default()
    }

    /// Times since boot of the periodic events up to now.
    fn events(&self, every: Option<Duration>) -> Vec<Duration> {
        let Some(every) = every.filter(|e| !e.is_zero()) else {
            return Vec::new();
        };
        let up = self.uptime();
        (1..)
            .map(|k| every * k)
            .take_while(|t| *t <= up)
            .take(100_000)
            .collect()
    }

    /// The logcat buffer since boot, threadtime format, each line with its wall time.
    pub fn logcat(&self) -> Vec<(DateTime<Utc>, String)> {
        let app = &self.config.face_app;
        let line = |at: Duration, pid: u32, level: char, tag: &str, text: &str| {
            let wall = self.wall(at);
            let text = format!(
                "{} {pid:5} {pid:5} {level} {tag}: {text}",
                wall.format("%m-%d %H:%M:%S%.3f")
            );
            (wall, text)
        };
        let mut lines = vec![line(
            Duration::ZERO,
            512,
            'I',
            "ActivityManager",
            &format!("Start proc 1200:{app}/u0a80 for activity"),
        )];
        for (k, at) in self.events(self.config.crash_every).into_iter().enumerate() {
            let pid = 1201 + k as u32;
            lines.push(line(
                at,
                pid,
                'E',
                "AndroidRuntime",
                "FATAL EXCEPTION: main",
            ));
            lines.push(line(
                at,
                pid,
                'E',
                "AndroidRuntime",
                &format!("Process: {app}, PID: {pid}"),
            ));
            lines.push(line(
                at,
                pid,
                'E',
                "AndroidRuntime",
                "java.lang.IllegalStateException: camera closed",
            ));
            lines.push(line(
                at,
                512,
                'I',
                "ActivityManager",
                &format!("Start proc {}:{app}/u0a80 for restart", pid + 1),
            ));
        }
        lines.sort_by_key(|(at, _)| *at);
        lines
    }

    /// The kernel ring buffer since boot, `[seconds.micros] text` lines.
    pub fn dmesg(&self) -> Vec<String> {
        let line = |at: Duration, text: &str| {
            format!("[{:5}.{:06}] {text}", at.as_secs(), at.subsec_micros())
        };
        let mut lines = vec![
            line(
                Duration::from_millis(1),
                "Booting Linux on physical CPU 0x0",
            ),
            line(
                Duration::from_millis(900),
                "usb 1-1: new high-speed USB device number 2 using xhci-hcd",
            ),
            line(
                Duration::from_millis(901),
                "usb 1-1: Product: Facebench FaceCam",
            ),
        ];
        for (k, at) in self
            .events(self.config.usb_reenum_every)
            .into_iter()
            .enumerate()
        {
            let number = 3 + k;
            lines.push(line(at, "usb 1-1: USB disconnect, device number 2"));
            lines.push(line(
                at + Duration::from_millis(400),
                &format!("usb 1-1: new high-speed USB device number {number} using xhci-hcd"),
            ));
        }
        lines
    }

    /// Answers one shell command (a single command, words split as a shell would).
    pub fn shell(&mut self, command: &str) -> ShellReply {
        let words = split_words(command);
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let text = |s: String| ShellReply::Output(s.into_bytes());
        match args.as_slice() {
            [] => text(String::new()),
            ["getprop"] => text(
                self.config
                    .properties
                    .iter()
                    .map(|(k, v)| format!("[{k}]: [{v}]\n"))
                    .collect(),
            ),
            ["getprop", name, ..] => text(format!(
                "{}\n",
                self.config.properties.get(*name).map_or("", String::as_str)
            )),
            ["pm", "list", "packages", rest @ ..] => text(self.list_packages(rest)),
            ["dumpsys", "package", name] => text(self.dumpsys_package(name)),
            ["screencap", "-p"] => ShellReply::Output(screenshot()),
            ["logcat", rest @ ..] => self.logcat_command(rest),
            ["dmesg"] => text(self.dmesg().iter().map(|l| format!("{l}\n")).collect()),
            ["cat", "/proc/uptime"] => {
                let up = self.uptime().as_secs_f64();
                text(format!("{up:.2} {:.2}\n", up * 1.5))
            }
            ["date", "+%s"] => text(format!("{}\n", self.clock.now_utc().timestamp())),
            ["date"] => text(format!(
                "{}\n",
                self.clock.now_utc().format("%a %b %e %H:%M:%S UTC %Y")
            )),
            ["echo", rest @ ..] => text(format!("{}\n", rest.join(" "))),
            ["reboot", ..] => ShellReply::Reboot,
            [program, ..] => text(format!(
                "/system/bin/sh: {program}: inaccessible or not found\n"
            )),
        }
    }

    fn list_packages(&self, args: &[&str]) -> String {
        let paths = args.contains(&"-f");
        let system_only = args.contains(&"-s");
        let third_party = args.contains(&"-3");
        let filter = args
            .iter()
            .find(|a| !a.starts_with('-'))
            .copied()
            .unwrap_or("");
        self.config
            .packages
            .iter()
            .filter(|p| p.name.contains(filter))
            .filter(|p| if p.system { !third_party } else { !system_only })
            .map(|p| match paths {
                true => format!("package:{}={}\n", p.path, p.name),
                false => format!("package:{}\n", p.name),
            })
            .collect()
    }

    fn dumpsys_package(&self, name: &str) -> String {
        match self.config.packages.iter().find(|p| p.name == name) {
            None => format!("Unable to find package: {name}\n"),
            Some(p) => {
                format!(
                "Packages:\n  Package [{}] (5e1c2f):\n    codePath={}\n    versionName={}\n    \
                 flags=[ {}HAS_CODE ALLOW_CLEAR_USER_DATA ]\n",
                p.name,
                p.path.rsplit_once('/').map_or(p.path.as_str(), |(dir, _)| dir),
                p.version,
                if p.system { "SYSTEM " } else { "" }
            )
            }
        }
    }

    fn logcat_command(&self, args: &[&str]) -> ShellReply {
        let dump = args.contains(&"-d");
        let since = args
            .iter()
            .position(|a| *a == "-T" || *a == "-t")
            .and_then(|i| args.get(i + 1))
            .map(|t| parse_logcat_time(t, self.clock.now_utc()));
        if !dump && since.is_none() {
            return ShellReply::FollowLogcat;
        }
        let since = match since {
            Some(Some(at)) => Some(at),
            Some(None) => return ShellReply::Output(b"logcat: invalid time format\n".to_vec()),
            None => None,
        };
        ShellReply::Output(
            self.logcat()
                .into_iter()
                .filter(|(at, _)| since.is_none_or(|s| *at >= s))
                .map(|(_, l)| format!("{l}\n"))
                .collect::<String>()
                .into_bytes(),
        )
    }
}

/// Parses logcat's `-T` time: `sssss.mmm` (epoch seconds) or `MM-DD hh:mm:ss.mmm` (this year).
fn parse_logcat_time(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Ok(secs) = text.parse::<f64>() {
        let millis = (secs * 1000.0).round() as i64;
        return DateTime::from_timestamp_millis(millis);
    }
    let with_year = format!("{}-{text}", now.format("%Y"));
    chrono::NaiveDateTime::parse_from_str(&with_year, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// Splits a command line into words: whitespace separates, single and double quotes group.
pub fn split_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The simulated display: a 320×240 PNG (a dark screen with a lit face frame).
pub fn screenshot() -> Vec<u8> {
    let image = image::RgbImage::from_fn(320, 240, |x, y| {
        let frame = (100..220).contains(&x) && (60..180).contains(&y);
        let edge = frame && !((104..216).contains(&x) && (64..176).contains(&y));
        if edge {
            image::Rgb([40, 200, 120])
        } else {
            image::Rgb([16, 24, (y / 2) as u8])
        }
    });
    let mut png = std::io::Cursor::new(Vec::new());
    // Encoding an in-memory RGB image as PNG cannot fail.
    let _ = image.write_to(&mut png, image::ImageFormat::Png);
    png.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;

    fn device(config: DeviceConfig) -> (Device, Arc<SimClock>) {
        let clock = Arc::new(SimClock::starting_at(Utc::now()));
        (Device::new(config, clock.clone()), clock)
    }

    fn out(reply: ShellReply) -> String {
        match reply {
            ShellReply::Output(bytes) => String::from_utf8(bytes).unwrap(),
            other => panic!("expected output, got {other:?}"),
        }
    }

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(
            split_words("logcat -d -T '12-06 10:00:00.000'  x"),
            ["logcat", "-d", "-T", "12-06 10:00:00.000", "x"]
        );
    }

    #[test]
    fn getprop_and_package_queries_answer_from_the_tables() {
        let mut config = DeviceConfig::terminal("SN123");
        config.face_app_not_system();
        let (mut dev, _) = device(config);
        assert_eq!(out(dev.shell("getprop ro.serialno")), "SN123\n");
        assert_eq!(out(dev.shell("getprop no.such")), "\n");
        assert_eq!(
            out(dev.shell(&format!("pm list packages -f {FACE_APP}"))),
            format!("package:/data/app/{FACE_APP}-1/base.apk={FACE_APP}\n")
        );
        assert_eq!(
            out(dev.shell(&format!("pm list packages -s {FACE_APP}"))),
            ""
        );
        assert!(out(dev.shell("frobnicate")).contains("frobnicate: inaccessible or not found"));
        let ShellReply::Output(png) = dev.shell("screencap -p") else {
            panic!("screencap gave no output");
        };
        assert_eq!(image::guess_format(&png).unwrap(), image::ImageFormat::Png);
    }

    #[test]
    fn crashes_and_usb_reenumerations_appear_as_time_passes() {
        let mut config = DeviceConfig::terminal("SN1");
        config.crash_every = Some(Duration::from_secs(60));
        config.usb_reenum_every = Some(Duration::from_secs(100));
        let (dev, clock) = device(config);
        clock.advance(Duration::from_secs(250));
        let crashes = dev
            .logcat()
            .iter()
            .filter(|(_, l)| l.contains("FATAL EXCEPTION"))
            .count();
        assert_eq!(crashes, 4);
        let reenum = dev
            .dmesg()
            .iter()
            .filter(|l| l.contains("USB disconnect"))
            .count();
        assert_eq!(reenum, 2);
    }

    #[test]
    fn logcat_since_a_time_returns_only_later_lines() {
        let mut config = DeviceConfig::terminal("SN1");
        config.crash_every = Some(Duration::from_secs(60));
        let (mut dev, clock) = device(config);
        clock.advance(Duration::from_secs(90));
        let mark = clock.now_utc().timestamp();
        clock.advance(Duration::from_secs(60));
        let text = out(dev.shell(&format!("logcat -d -T {mark}.000")));
        assert_eq!(text.matches("FATAL EXCEPTION").count(), 1, "{text}");
    }

    #[test]
    fn a_reboot_takes_the_boot_time_and_restarts_the_logs() {
        let mut config = DeviceConfig::terminal("SN1");
        config.usb_reenum_every = Some(Duration::from_secs(10));
        let (mut dev, clock) = device(config);
        clock.advance(Duration::from_secs(25));
        assert_eq!(dev.shell("reboot"), ShellReply::Reboot);
        dev.reboot();
        assert!(dev.booting());
        clock.advance(Duration::from_secs(3));
        assert!(!dev.booting());
        assert!(!dev.dmesg().iter().any(|l| l.contains("USB disconnect")));
    }
}
