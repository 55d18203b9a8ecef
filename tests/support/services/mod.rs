//! Tests that need a system program: [`program`] finds it, or says what is skipped and why.
//!
//! The README test command must pass on a machine without the program, so a test that needs
//! one returns early when it is absent, unless `FACEBENCH_REQUIRE_SERVICES=1` is set (CI sets
//! it), in which case its absence fails the test.
#![allow(dead_code)]

use std::path::PathBuf;

/// Environment variable that turns a missing program or service into a test failure.
pub const REQUIRE: &str = "FACEBENCH_REQUIRE_SERVICES";

/// The path of `name` on `PATH`; `None` (after printing one line naming `test` and what it
/// skips) when it is not there, a panic when [`REQUIRE`] is `1`.
pub fn program(name: &str, test: &str, skipped: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var(REQUIRE).as_deref() != Ok("1"),
            "{test}: `{name}` is not installed and {REQUIRE}=1"
        );
        println!("{test}: skipped {skipped}: `{name}` is not installed");
    }
    found
}
