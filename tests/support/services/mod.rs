//! Services and system programs that some tests need (PostgreSQL, Chromium and chromedriver,
//! adb).
//!
//! A test that needs one asks here: when it is there, the test runs; when it is not, the test
//! prints one line saying what it skipped and why and returns, unless
//! `FACEBENCH_REQUIRE_SERVICES=1` is set (CI sets it), in which case the absence fails the test.
//! So `cargo test` passes on a fresh machine, and CI cannot pass by skipping.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Set to `1` to make a missing service a failure instead of a skip.
pub const REQUIRE_ENV: &str = "FACEBENCH_REQUIRE_SERVICES";

/// True when missing services must fail tests.
pub fn required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| v.trim() == "1")
}

/// The value of the environment variable `var` naming a service for `test`, or `None` after
/// printing the skip line. Panics when the service is required (see [`REQUIRE_ENV`]).
pub fn available(var: &str, test: &str, what: &str) -> Option<String> {
    let value = std::env::var(var).ok().filter(|v| !v.trim().is_empty());
    or_skip(value, test, &format!("{var} ({what})"))
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

/// `found`, or — when it is `None` — a skip line for `test` naming what is `missing`, or a
/// panic when services are required (see [`REQUIRE_ENV`]).
pub fn or_skip<T>(found: Option<T>, test: &str, missing: &str) -> Option<T> {
    if found.is_none() {
        assert!(
            !required(),
            "{test}: {missing} is missing and {REQUIRE_ENV}=1"
        );
        println!("skipped {test}: {missing} is not available");
    }
    found
}
