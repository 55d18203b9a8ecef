//! Counting what went wrong on the device while a step ran, from its logs: face-app crashes
//! (a `FATAL EXCEPTION` whose `Process:` line names the app, or an `ANR in` the app) and camera
//! USB re-enumerations (a `USB disconnect` kernel line, optionally only on the camera's port).

/// Crashes and ANRs of `package` in logcat lines.
pub fn app_crashes(logcat: &[String], package: &str) -> u64 {
    let mut count = 0;
    let mut fatal_pending = false;
    for line in logcat {
        let message = message(line);
        if message.starts_with("FATAL EXCEPTION") {
            fatal_pending = true;
        } else if let Some(process) = message.strip_prefix("Process: ") {
            if fatal_pending && process.split(',').next() == Some(package) {
                count += 1;
            }
            fatal_pending = false;
        } else if let Some(anr) = message.strip_prefix("ANR in ") {
            if anr.split_whitespace().next() == Some(package) {
                count += 1;
            }
        }
    }
    count
}

/// USB re-enumerations in kernel log lines: `USB disconnect` lines, only those of the USB port
/// `port` (`1-1`, as in `usb 1-1:`) when given.
pub fn usb_reenumerations(dmesg: &[String], port: Option<&str>) -> u64 {
    let count = dmesg
        .iter()
        .filter(|l| l.contains("USB disconnect"))
        .filter(|l| port.is_none_or(|p| l.contains(&format!("usb {p}:"))))
        .count();
    u64::try_from(count).unwrap_or(u64::MAX)
}

/// The message of a logcat line: after `TAG: ` in the threadtime and brief formats, or the
/// whole line.
fn message(line: &str) -> &str {
    let tagged = ["AndroidRuntime: ", "ActivityManager: "];
    tagged
        .iter()
        .find_map(|tag| line.find(tag).map(|i| &line[i + tag.len()..]))
        .unwrap_or(line)
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn only_the_named_apps_crashes_and_anrs_count() {
        let log = lines(
            "12-06 10:00:00.000  1201  1201 E AndroidRuntime: FATAL EXCEPTION: main\n\
             12-06 10:00:00.000  1201  1201 E AndroidRuntime: Process: com.face, PID: 1201\n\
             12-06 10:01:00.000  1300  1300 E AndroidRuntime: FATAL EXCEPTION: main\n\
             12-06 10:01:00.000  1300  1300 E AndroidRuntime: Process: com.other, PID: 1300\n\
             12-06 10:02:00.000   512   600 E ActivityManager: ANR in com.face (com.face/.Main)\n\
             12-06 10:03:00.000   512   600 I ActivityManager: Process: com.face, PID: 1400\n",
        );
        assert_eq!(app_crashes(&log, "com.face"), 2);
        assert_eq!(app_crashes(&log, "com.other"), 1);
        assert_eq!(app_crashes(&log, "com.fac"), 0);
    }

    #[test]
    fn usb_disconnects_count_on_the_cameras_port_when_named() {
        let log = lines(
            "[  10.0] usb 1-1: USB disconnect, device number 2\n\
             [  10.4] usb 1-1: new high-speed USB device number 3 using xhci-hcd\n\
             [  20.0] usb 2-1: USB disconnect, device number 4\n",
        );
        assert_eq!(usb_reenumerations(&log, None), 2);
        assert_eq!(usb_reenumerations(&log, Some("1-1")), 1);
    }
}
