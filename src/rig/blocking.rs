//! The blocking face of the async drivers.
//!
//! The runner is synchronous and runs concurrent steps on std threads, so the capability traits
//! are blocking. Drivers are written async over any stream; [`Blocking`] owns a driver together
//! with a current-thread tokio runtime and runs each call to completion on it. Each rig gets its
//! own runtime, so rigs on different threads never wait for each other.
//!
//! A [`Blocking`] must not be called from inside another tokio runtime (tokio forbids nesting
//! `block_on`); the runner's threads are plain std threads.

use std::future::Future;

use tokio::runtime::Runtime;

use super::RigError;

/// An async driver `D` with the runtime that drives it.
#[derive(Debug)]
pub struct Blocking<D> {
    runtime: Runtime,
    driver: D,
}

/// Builds the current-thread runtime a [`Blocking`] uses (timers and I/O enabled).
pub fn rig_runtime(port: &str) -> Result<Runtime, RigError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| RigError::Link {
            port: port.to_string(),
            source,
        })
}

impl<D> Blocking<D> {
    /// Builds a runtime and runs `open` on it to create the driver (opening a serial port needs
    /// the runtime's reactor). `port` names the rig in errors.
    pub fn open<F, Fut>(port: &str, open: F) -> Result<Blocking<D>, RigError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<D, RigError>>,
    {
        let runtime = rig_runtime(port)?;
        let driver = runtime.block_on(open())?;
        Ok(Blocking { runtime, driver })
    }

    /// Pairs a driver with the runtime its stream was opened on.
    pub fn with_runtime(runtime: Runtime, driver: D) -> Blocking<D> {
        Blocking { runtime, driver }
    }

    /// Runs one async driver call to completion.
    ///
    /// ```text
    /// fn read(&mut self) -> Result<ChamberReading, RigError> {
    ///     self.call(|driver| driver.read())
    /// }
    /// ```
    pub fn call<'a, F, R>(&'a mut self, f: impl FnOnce(&'a mut D) -> F) -> R
    where
        F: Future<Output = R> + 'a,
    {
        let Blocking { runtime, driver } = self;
        runtime.block_on(f(driver))
    }

    /// The driver, for read-only inspection.
    pub fn driver(&self) -> &D {
        &self.driver
    }
}
