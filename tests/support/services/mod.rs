//! Services and system programs that some tests need (PostgreSQL, a browser, adb).
//!
//! A test that needs one calls [`available`] with what it needs: when it is there, the test
//! runs; when it is not, the test prints one line saying what it skipped and why and returns,
//! unless `FACEBENCH_REQUIRE_SERVICES=1` is set (CI sets it), in which case the absence fails
//! the test. So `cargo test` passes on a fresh machine, and CI cannot pass by skipping.
#![allow(dead_code)]

/// Set to `1` to make a missing service a failure instead of a skip.
pub const REQUIRE_ENV: &str = "FACEBENCH_REQUIRE_SERVICES";

/// True when missing services must fail tests.
pub fn required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| v.trim() == "1")
}

/// The value of the environment variable `var` naming a service for `test`, or `None` after
/// printing the skip line. Panics when the service is required (see [`REQUIRE_ENV`]).
pub fn available(var: &str, test: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => Some(value),
        _ => {
            assert!(
                !required(),
                "{test}: {REQUIRE_ENV}=1 but {var} is not set ({what})"
            );
            println!("skipped {test}: {var} is not set ({what})");
            None
        }
    }
}
