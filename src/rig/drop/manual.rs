//! The manual drop rig: the operator drops by hand, following exact instructions.
//!
//! [`ManualDropRig`] turns each [`DropSetup`] into one sentence ("Drop on face 3 from 760 mm,
//! 1 time.") and hands it to an [`OperatorChannel`] the runner provides. The operator's answer
//! (done or not) is recorded and becomes the rig's status.

use std::fmt;

use super::ista::validate_target;
use super::{DropRig, DropSetup, DropState, DropStatus, Orientation};
use crate::rig::RigError;

/// How the rig reaches the operator; the runner implements it over its prompt machinery.
pub trait OperatorChannel: Send + fmt::Debug {
    /// Shows `text` and waits: `Ok(true)` when the operator confirms it is done, `Ok(false)`
    /// when they could not or would not do it.
    fn instruct(&mut self, text: &str) -> Result<bool, RigError>;
}

/// One instruction and the operator's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualAnswer {
    /// What the operator was told.
    pub instruction: String,
    /// Whether they confirmed it done.
    pub done: bool,
}

/// The sentence for a set-up: `Drop on edge 2-3 from 610 mm, 3 times, 5 s apart.`
pub fn instruction(setup: &DropSetup) -> String {
    let target = match setup.orientation {
        Orientation::Free => "in free fall".to_string(),
        orientation => format!("on {orientation} {}", setup.target_id.trim()),
    };
    let times = if setup.count == 1 {
        "1 time".to_string()
    } else {
        format!("{} times", setup.count)
    };
    let apart = if setup.count > 1 && setup.interval_s > 0.0 {
        format!(", {} s apart", setup.interval_s)
    } else {
        String::new()
    };
    format!("Drop {target} from {} mm, {times}{apart}.", setup.height_mm)
}

/// A drop rig that is the operator's hands.
#[derive(Debug)]
pub struct ManualDropRig {
    operator: Box<dyn OperatorChannel>,
    setup: Option<DropSetup>,
    status: DropStatus,
    answers: Vec<ManualAnswer>,
}

impl ManualDropRig {
    /// A manual rig that instructs through `operator`.
    pub fn new(operator: Box<dyn OperatorChannel>) -> ManualDropRig {
        ManualDropRig {
            operator,
            setup: None,
            status: DropStatus {
                state: DropState::Idle,
                drops_done: 0,
                actual_height_mm: None,
                fault: None,
                interlocks: None,
            },
            answers: Vec::new(),
        }
    }

    /// Every instruction given so far, with its answer.
    pub fn answers(&self) -> &[ManualAnswer] {
        &self.answers
    }
}

impl DropRig for ManualDropRig {
    fn configure(&mut self, setup: &DropSetup) -> Result<(), RigError> {
        validate_target(setup.orientation, &setup.target_id)
            .map_err(|what| RigError::NotSupported { what })?;
        if !(setup.height_mm > 0.0 && setup.height_mm.is_finite()) {
            return Err(RigError::Limit {
                what: "drop height mm".to_string(),
                value: setup.height_mm,
                min: 0.0,
                max: f64::MAX,
            });
        }
        if setup.count == 0 {
            return Err(RigError::not_supported("a drop sequence of 0 drops"));
        }
        self.setup = Some(setup.clone());
        self.status = DropStatus {
            state: DropState::Ready,
            drops_done: 0,
            actual_height_mm: None,
            fault: None,
            interlocks: None,
        };
        Ok(())
    }

    /// Instructs the operator and blocks until they answer.
    fn start(&mut self) -> Result<(), RigError> {
        let setup = self
            .setup
            .clone()
            .ok_or_else(|| RigError::not_supported("starting a drop rig that is not configured"))?;
        let text = instruction(&setup);
        self.status.state = DropState::WaitingOperator;
        let done = self.operator.instruct(&text)?;
        self.answers.push(ManualAnswer {
            instruction: text,
            done,
        });
        self.status = if done {
            DropStatus {
                state: DropState::Done,
                drops_done: setup.count,
                actual_height_mm: None,
                fault: None,
                interlocks: None,
            }
        } else {
            DropStatus {
                state: DropState::Fault,
                drops_done: 0,
                actual_height_mm: None,
                fault: Some("the operator did not confirm the drops".to_string()),
                interlocks: None,
            }
        };
        Ok(())
    }

    fn abort(&mut self) -> Result<(), RigError> {
        self.setup = None;
        self.status.state = DropState::Idle;
        Ok(())
    }

    fn status(&mut self) -> Result<DropStatus, RigError> {
        Ok(self.status.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Scripted(Vec<bool>, std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl OperatorChannel for Scripted {
        fn instruct(&mut self, text: &str) -> Result<bool, RigError> {
            self.1.lock().unwrap().push(text.to_string());
            Ok(self.0.pop().unwrap_or(false))
        }
    }

    fn setup(orientation: Orientation, id: &str, count: u32) -> DropSetup {
        DropSetup {
            height_mm: 760.0,
            orientation,
            target_id: id.to_string(),
            count,
            interval_s: 5.0,
        }
    }

    #[test]
    fn sentences() {
        assert_eq!(
            instruction(&setup(Orientation::Face, "3", 1)),
            "Drop on face 3 from 760 mm, 1 time."
        );
        assert_eq!(
            instruction(&setup(Orientation::Edge, "2-3", 3)),
            "Drop on edge 2-3 from 760 mm, 3 times, 5 s apart."
        );
        assert_eq!(
            instruction(&setup(Orientation::Free, "", 2)),
            "Drop in free fall from 760 mm, 2 times, 5 s apart."
        );
    }

    #[test]
    fn operator_answers_become_status_and_record() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut rig = ManualDropRig::new(Box::new(Scripted(vec![false, true], seen.clone())));
        assert!(rig.start().is_err(), "not configured");
        rig.configure(&setup(Orientation::Corner, "2-3-5", 1))
            .unwrap();
        rig.start().unwrap();
        let status = rig.status().unwrap();
        assert_eq!((status.state, status.drops_done), (DropState::Done, 1));
        rig.configure(&setup(Orientation::Face, "3", 2)).unwrap();
        rig.start().unwrap();
        assert_eq!(rig.status().unwrap().state, DropState::Fault);
        assert_eq!(rig.answers().len(), 2);
        assert!(rig.answers()[0].done && !rig.answers()[1].done);
        assert_eq!(
            seen.lock().unwrap()[0],
            "Drop on corner 2-3-5 from 760 mm, 1 time."
        );
        assert!(rig.configure(&setup(Orientation::Edge, "1-3", 1)).is_err());
    }
}
