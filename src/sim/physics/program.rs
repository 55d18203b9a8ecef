//! Chamber programs: a list of ramp and soak steps and what to do at the end.

use std::time::Duration;

use super::chamber::ChamberMode;

/// How a step moves the set point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// The set point moves linearly from the previous step's target to this one over the step.
    Ramp,
    /// The set point jumps to the target and holds for the step.
    Soak,
}

/// One program step.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramStep {
    /// Ramp or soak.
    pub kind: StepKind,
    /// Temperature target, °C.
    pub temp_c: f64,
    /// Humidity target, %; `None` = humidity control off during the step.
    pub rh_pct: Option<f64>,
    /// Step length.
    pub duration: Duration,
}

/// A chamber program.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Name shown by `PRGM SET?`.
    pub name: String,
    /// The steps, run in order.
    pub steps: Vec<ProgramStep>,
    /// Mode after the last step (`Constant` holds the last targets).
    pub end: ChamberMode,
}

impl Program {
    /// Total length of all steps.
    pub fn duration(&self) -> Duration {
        self.steps.iter().map(|s| s.duration).sum()
    }
}

/// A program being run: the step and how far into it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramRun {
    /// The program.
    pub program: Program,
    /// Index of the current step.
    pub step: usize,
    /// Seconds into the current step.
    pub step_elapsed_s: f64,
    start_temp_c: f64,
    start_rh_pct: Option<f64>,
}

impl ProgramRun {
    /// Starts `program` with the set points the chamber had before (where the first ramp starts).
    pub fn start(program: Program, temp_sp_c: f64, rh_sp_pct: Option<f64>) -> ProgramRun {
        ProgramRun {
            program,
            step: 0,
            step_elapsed_s: 0.0,
            start_temp_c: temp_sp_c,
            start_rh_pct: rh_sp_pct,
        }
    }

    fn current(&self) -> Option<&ProgramStep> {
        self.program.steps.get(self.step)
    }

    fn fraction(&self, step: &ProgramStep) -> f64 {
        let total = step.duration.as_secs_f64();
        if total <= 0.0 {
            1.0
        } else {
            (self.step_elapsed_s / total).clamp(0.0, 1.0)
        }
    }

    /// Temperature set point now, °C.
    pub fn temp_sp_c(&self) -> f64 {
        match self.current() {
            Some(s) if s.kind == StepKind::Ramp => {
                self.start_temp_c + (s.temp_c - self.start_temp_c) * self.fraction(s)
            }
            Some(s) => s.temp_c,
            None => self
                .program
                .steps
                .last()
                .map_or(self.start_temp_c, |s| s.temp_c),
        }
    }

    /// Humidity set point now, %, if humidity is controlled in this step.
    pub fn rh_sp_pct(&self) -> Option<f64> {
        let step = self.current().or(self.program.steps.last())?;
        let target = step.rh_pct?;
        match (step.kind, self.start_rh_pct) {
            (StepKind::Ramp, Some(from)) if self.current().is_some() => {
                Some(from + (target - from) * self.fraction(step))
            }
            _ => Some(target),
        }
    }

    /// Time left in the current step.
    pub fn step_remaining(&self) -> Duration {
        self.current().map_or(Duration::ZERO, |s| {
            Duration::from_secs_f64((s.duration.as_secs_f64() - self.step_elapsed_s).max(0.0))
        })
    }

    /// Moves `dt_s` seconds on; returns the end mode once the last step is over.
    pub fn advance(&mut self, mut dt_s: f64) -> Option<ChamberMode> {
        loop {
            let Some(step) = self.current() else {
                return Some(self.program.end);
            };
            let (temp_c, rh_pct) = (step.temp_c, step.rh_pct);
            let left = step.duration.as_secs_f64() - self.step_elapsed_s;
            if dt_s < left {
                self.step_elapsed_s += dt_s;
                return None;
            }
            dt_s -= left.max(0.0);
            self.start_temp_c = temp_c;
            self.start_rh_pct = rh_pct.or(self.start_rh_pct);
            self.step += 1;
            self.step_elapsed_s = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp_soak() -> Program {
        Program {
            name: "damp heat".into(),
            steps: vec![
                ProgramStep {
                    kind: StepKind::Ramp,
                    temp_c: 40.0,
                    rh_pct: Some(93.0),
                    duration: Duration::from_secs(600),
                },
                ProgramStep {
                    kind: StepKind::Soak,
                    temp_c: 40.0,
                    rh_pct: Some(93.0),
                    duration: Duration::from_secs(3600),
                },
            ],
            end: ChamberMode::Standby,
        }
    }

    #[test]
    fn ramp_moves_linearly_then_soak_holds_then_the_end_mode_follows() {
        let mut run = ProgramRun::start(ramp_soak(), 20.0, Some(50.0));
        assert_eq!(run.advance(300.0), None);
        assert!((run.temp_sp_c() - 30.0).abs() < 1e-9);
        assert_eq!(run.rh_sp_pct(), Some(71.5));
        assert_eq!(run.advance(600.0), None);
        assert_eq!(run.step, 1);
        assert_eq!(run.temp_sp_c(), 40.0);
        assert_eq!(run.step_remaining(), Duration::from_secs(3300));
        assert_eq!(run.advance(4000.0), Some(ChamberMode::Standby));
        assert_eq!(ramp_soak().duration(), Duration::from_secs(4200));
    }
}
