//! Tests that need a system program or service (Chromium and chromedriver, PostgreSQL, adb):
//! when it is absent they print one line saying what they skipped and why and pass, unless
//! `FACEBENCH_REQUIRE_SERVICES=1` (CI) makes the absence a failure.

use std::path::{Path, PathBuf};

/// True when CI demands every service (`FACEBENCH_REQUIRE_SERVICES=1`).
pub fn required() -> bool {
    std::env::var("FACEBENCH_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// The first of `candidates` (absolute paths, or names looked up on `PATH`) that exists.
pub fn find_program(candidates: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    candidates.iter().find_map(|name| {
        let direct = Path::new(name);
        if direct.is_absolute() {
            return direct.is_file().then(|| direct.to_path_buf());
        }
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// `found`, or — when it is `None` — a skip line for `test` naming what is `missing` (and how to
/// install it), or a panic when services are required.
pub fn or_skip<T>(found: Option<T>, test: &str, missing: &str) -> Option<T> {
    if found.is_none() {
        assert!(
            !required(),
            "{test}: {missing} is missing and FACEBENCH_REQUIRE_SERVICES=1"
        );
        println!("skipped {test}: {missing} is not installed");
    }
    found
}
