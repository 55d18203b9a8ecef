//! A scripted climate chamber: the air temperature moves towards the set point at a fixed rate
//! on the simulated clock, and scripted windows of time bring faults (no reply, garbled
//! replies, an alarm) or a drift away from the set point.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::PORT;
use crate::clock::Clock;
use crate::rig::{Chamber, ChamberIdentity, ChamberMode, ChamberReading, RigError};

/// What the fake chamber does.
#[derive(Debug, Clone)]
pub struct ChamberScript {
    /// Air temperature at the start, °C.
    pub start_c: f64,
    /// How fast the air follows the set point, K/min.
    pub rate_k_per_min: f64,
    /// Whether the chamber controls humidity (humidity follows its set point at once).
    pub humidity: bool,
    /// Faults and drifts, each in its window of simulated time.
    pub faults: Vec<FaultWindow>,
}

impl ChamberScript {
    /// A healthy humidity chamber at 23 °C that moves 2 K a minute.
    pub fn healthy() -> ChamberScript {
        ChamberScript {
            start_c: 23.0,
            rate_k_per_min: 2.0,
            humidity: true,
            faults: Vec::new(),
        }
    }
}

/// A fault that holds from `from` until `until` (for good when `None`), in simulated time since
/// the fake was made.
#[derive(Debug, Clone)]
pub struct FaultWindow {
    /// When it begins.
    pub from: Duration,
    /// When it ends.
    pub until: Option<Duration>,
    /// What happens meanwhile.
    pub fault: ChamberFault,
}

/// What goes wrong with the chamber.
#[derive(Debug, Clone, PartialEq)]
pub enum ChamberFault {
    /// Every command times out.
    NoReply,
    /// Readings come back garbled; commands still work.
    Garbled,
    /// The controller reports this alarm (readings carry an alarm count).
    Alarm(String),
    /// The air settles this many kelvin off the set point (a failing heater or a door left
    /// open).
    Offset(f64),
    /// The fake panics when read: a facebench fault, as far as the runner can tell.
    Panic,
}

/// The commands a fake chamber received, in order (`set 40`, `rh 93`, `rh off`, `constant`,
/// `stop`); shared with the test that made it.
pub type CommandLog = Arc<Mutex<Vec<String>>>;

/// The fake chamber.
#[derive(Debug)]
pub struct FakeChamber {
    clock: Arc<dyn Clock>,
    script: ChamberScript,
    born: Duration,
    updated: Duration,
    air_c: f64,
    setpoint_c: f64,
    rh_setpoint: Option<f64>,
    mode: ChamberMode,
    commands: CommandLog,
}

impl FakeChamber {
    /// A chamber following `script` on `clock`, in standby at its start temperature.
    pub fn new(script: ChamberScript, clock: Arc<dyn Clock>) -> FakeChamber {
        let now = clock.elapsed();
        FakeChamber {
            air_c: script.start_c,
            setpoint_c: script.start_c,
            clock,
            script,
            born: now,
            updated: now,
            rh_setpoint: None,
            mode: ChamberMode::Standby,
            commands: CommandLog::default(),
        }
    }

    /// The log of commands received, to look at after the chamber went into a rig set.
    pub fn commands(&self) -> CommandLog {
        Arc::clone(&self.commands)
    }

    /// The fault active now, if any (the first listed wins).
    fn fault(&self) -> Option<&ChamberFault> {
        let t = self.clock.elapsed() - self.born;
        self.script
            .faults
            .iter()
            .find(|w| t >= w.from && w.until.is_none_or(|until| t < until))
            .map(|w| &w.fault)
    }

    /// Moves the air towards its target for the time passed since the last call.
    fn advance(&mut self) {
        let now = self.clock.elapsed();
        let minutes = (now - self.updated).as_secs_f64() / 60.0;
        self.updated = now;
        let offset = match self.fault() {
            Some(ChamberFault::Offset(k)) => *k,
            _ => 0.0,
        };
        let target = match self.mode {
            ChamberMode::Constant => self.setpoint_c + offset,
            _ => self.air_c,
        };
        let step = self.script.rate_k_per_min * minutes;
        self.air_c += (target - self.air_c).clamp(-step, step);
    }

    /// Logs `command` and fails it when the chamber does not answer now.
    fn command(&mut self, command: String) -> Result<(), RigError> {
        self.advance();
        if self.fault() == Some(&ChamberFault::NoReply) {
            return Err(no_reply(&command));
        }
        self.commands
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(command);
        Ok(())
    }
}

fn no_reply(command: &str) -> RigError {
    RigError::Timeout {
        port: PORT.to_string(),
        command: command.to_string(),
        after: Duration::from_millis(100),
    }
}

impl Chamber for FakeChamber {
    fn identify(&mut self) -> Result<ChamberIdentity, RigError> {
        Ok(ChamberIdentity {
            protocol: "fake".to_string(),
            model: "scripted".to_string(),
            firmware: None,
            humidity: self.script.humidity,
            temp_max_c: None,
        })
    }

    fn read(&mut self) -> Result<ChamberReading, RigError> {
        self.advance();
        let alarm = match self.fault() {
            Some(ChamberFault::NoReply) => return Err(no_reply("read")),
            Some(ChamberFault::Garbled) => {
                return Err(RigError::Garbled {
                    port: PORT.to_string(),
                    command: "read".to_string(),
                    bytes: b"2?.\xff".to_vec(),
                    problem: "not a number".to_string(),
                })
            }
            Some(ChamberFault::Panic) => panic!("the scripted chamber panics on read"),
            Some(ChamberFault::Alarm(_)) => 1,
            Some(ChamberFault::Offset(_)) | None => 0,
        };
        let humidity = self.script.humidity && self.rh_setpoint.is_some();
        Ok(ChamberReading {
            temp_pv: self.air_c,
            temp_sp: self.setpoint_c,
            humidity_pv: humidity.then_some(self.rh_setpoint).flatten(),
            humidity_sp: self.rh_setpoint,
            mode: self.mode.clone(),
            alarm_count: alarm,
        })
    }

    fn set_temperature(&mut self, celsius: f64) -> Result<(), RigError> {
        self.command(format!("set {celsius}"))?;
        self.setpoint_c = celsius;
        Ok(())
    }

    fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), RigError> {
        if !self.script.humidity {
            return Err(RigError::not_supported("humidity control"));
        }
        let word = percent.map_or_else(|| "off".to_string(), |p| p.to_string());
        self.command(format!("rh {word}"))?;
        self.rh_setpoint = percent;
        Ok(())
    }

    fn run_constant(&mut self) -> Result<(), RigError> {
        self.command("constant".to_string())?;
        self.mode = ChamberMode::Constant;
        Ok(())
    }

    fn stop(&mut self) -> Result<(), RigError> {
        self.command("stop".to_string())?;
        self.mode = ChamberMode::Standby;
        Ok(())
    }

    fn alarms(&mut self) -> Result<Vec<String>, RigError> {
        Ok(match self.fault() {
            Some(ChamberFault::Alarm(text)) => vec![text.clone()],
            _ => Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;

    fn chamber(script: ChamberScript) -> (FakeChamber, Arc<SimClock>) {
        let clock = Arc::new(SimClock::starting_at(chrono::Utc::now()));
        (FakeChamber::new(script, clock.clone()), clock)
    }

    #[test]
    fn the_air_follows_the_set_point_at_the_scripted_rate() {
        let (mut c, clock) = chamber(ChamberScript::healthy());
        c.set_temperature(43.0).unwrap();
        c.run_constant().unwrap();
        clock.advance(Duration::from_secs(5 * 60));
        assert!((c.read().unwrap().temp_pv - 33.0).abs() < 1e-9);
        clock.advance(Duration::from_secs(60 * 60));
        assert!((c.read().unwrap().temp_pv - 43.0).abs() < 1e-9);
        c.stop().unwrap();
        clock.advance(Duration::from_secs(60 * 60));
        assert!(
            (c.read().unwrap().temp_pv - 43.0).abs() < 1e-9,
            "standby holds"
        );
        let log = c.commands();
        assert_eq!(*log.lock().unwrap(), ["set 43", "constant", "stop"]);
    }

    #[test]
    fn scripted_faults_hold_in_their_window() {
        let script = ChamberScript {
            faults: vec![
                FaultWindow {
                    from: Duration::from_secs(60),
                    until: Some(Duration::from_secs(120)),
                    fault: ChamberFault::NoReply,
                },
                FaultWindow {
                    from: Duration::from_secs(120),
                    until: None,
                    fault: ChamberFault::Alarm("heater overload".into()),
                },
            ],
            ..ChamberScript::healthy()
        };
        let (mut c, clock) = chamber(script);
        assert_eq!(c.read().unwrap().alarm_count, 0);
        clock.advance(Duration::from_secs(90));
        assert!(matches!(c.read(), Err(RigError::Timeout { .. })));
        assert!(c.set_temperature(30.0).is_err());
        clock.advance(Duration::from_secs(60));
        assert_eq!(c.read().unwrap().alarm_count, 1);
        assert_eq!(c.alarms().unwrap(), ["heater overload"]);
    }
}
