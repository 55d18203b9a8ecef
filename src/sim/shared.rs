//! A model shared between the protocol server and the test's handle, advanced to the clock's
//! time before every look.

use std::sync::{Arc, Mutex};

use crate::clock::Clock;
use crate::sim::physics::Model;

/// A model behind a lock, with the clock that drives it.
#[derive(Debug)]
pub struct Shared<M> {
    model: Mutex<M>,
    clock: Arc<dyn Clock>,
}

impl<M: Model> Shared<M> {
    /// Shares `model`, driven by `clock`.
    pub fn new(model: M, clock: Arc<dyn Clock>) -> Shared<M> {
        Shared {
            model: Mutex::new(model),
            clock,
        }
    }

    /// Advances the model to the clock's time and runs `f` on it.
    pub fn with<R>(&self, f: impl FnOnce(&mut M) -> R) -> R {
        let mut model = self.model.lock().unwrap_or_else(|e| e.into_inner());
        model.advance_to(self.clock.elapsed());
        f(&mut model)
    }

    /// The clock driving the model.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}
