//! Tests that need a system program or service (adb, PostgreSQL, Chromium) look for it here.
//! Absent, such a test prints one line saying what it skipped and why, and passes, unless
//! `FACEBENCH_REQUIRE_SERVICES=1` is set (CI sets it), when the absence is a failure.

use std::path::PathBuf;

/// True when CI demands every service be present.
pub fn required() -> bool {
    std::env::var("FACEBENCH_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// The path of `program` on `PATH`, or `None` after printing why `test` is skipped (a panic
/// when services are required).
pub fn program(program: &str, test: &str, install: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        let why = format!("{test}: `{program}` is not installed ({install})");
        assert!(!required(), "{why}, and FACEBENCH_REQUIRE_SERVICES=1");
        println!("skipped {why}");
    }
    found
}
