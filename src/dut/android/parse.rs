//! Reading the text Android's tools print: package listings, `dumpsys package`,
//! `/proc/uptime`, and kernel log time stamps.

/// The APK path of `name` in `pm list packages -f` output (`package:PATH=NAME` lines; a path
/// may itself hold `=`), or `None` when it is not listed.
pub fn package_path(listing: &str, name: &str) -> Option<String> {
    listing.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("package:")?;
        let (path, listed) = rest.rsplit_once('=')?;
        (listed == name).then(|| path.to_string())
    })
}

/// True when `name` is listed in `pm list packages` output (with or without `-f`).
pub fn package_listed(listing: &str, name: &str) -> bool {
    listing.lines().any(|line| {
        let rest = line.trim().strip_prefix("package:").unwrap_or("");
        rest == name || rest.rsplit_once('=').is_some_and(|(_, n)| n == name)
    })
}

/// `versionName=` in `dumpsys package` output.
pub fn version_name(dumpsys: &str) -> Option<String> {
    dumpsys
        .lines()
        .find_map(|l| l.trim().strip_prefix("versionName="))
        .map(str::to_string)
}

/// The first number of `/proc/uptime`: seconds since boot.
pub fn uptime_secs(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// The time stamp of a kernel log line `[  123.456789] text`, in seconds since boot.
pub fn dmesg_stamp(line: &str) -> Option<f64> {
    let inner = line.trim_start().strip_prefix('[')?;
    let (stamp, _) = inner.split_once(']')?;
    stamp.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_listings_are_read_exactly() {
        let listing = "package:/system/priv-app/Face/Face.apk=com.face\n\
                       package:/data/app/x==/base.apk=com.face.helper\n";
        assert_eq!(
            package_path(listing, "com.face").as_deref(),
            Some("/system/priv-app/Face/Face.apk")
        );
        assert_eq!(
            package_path(listing, "com.face.helper").as_deref(),
            Some("/data/app/x==/base.apk")
        );
        assert_eq!(package_path(listing, "com.fac"), None);
        assert!(package_listed("package:com.face\n", "com.face"));
        assert!(!package_listed("package:com.face.helper\n", "com.face"));
    }

    #[test]
    fn versions_uptimes_and_stamps_parse() {
        assert_eq!(
            version_name("  Package [a]\n    versionName=3.2.1\n").as_deref(),
            Some("3.2.1")
        );
        assert_eq!(uptime_secs("123.45 200.00\n"), Some(123.45));
        assert_eq!(dmesg_stamp("[   12.500000] usb 1-1: x"), Some(12.5));
        assert_eq!(dmesg_stamp("no stamp"), None);
    }
}
