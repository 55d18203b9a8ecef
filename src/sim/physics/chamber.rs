//! A climate chamber: first-order thermal lag with heating and cooling rate limits, optional
//! overshoot, humidity that follows its set point only inside the humidity band and otherwise
//! keeps its absolute moisture (so relative humidity answers temperature changes), and the
//! operating modes off / standby / constant / program run.

use std::time::Duration;

use super::program::{Program, ProgramRun};
use super::{integrate, Model};

/// Fixed properties of a simulated chamber.
#[derive(Debug, Clone, PartialEq)]
pub struct ChamberParams {
    /// Fastest heating, kelvin per minute.
    pub heat_rate_k_per_min: f64,
    /// Fastest cooling, kelvin per minute (a positive number).
    pub cool_rate_k_per_min: f64,
    /// Time constant of the first-order approach to the set point, seconds.
    pub time_constant_s: f64,
    /// Peak overshoot past a new set point, kelvin (0 = none).
    pub overshoot_k: f64,
    /// Lowest and highest temperature set point the chamber accepts, °C.
    pub temp_range_c: (f64, f64),
    /// Whether the chamber has humidity control at all.
    pub has_humidity: bool,
    /// Temperatures inside which humidity control works, °C.
    pub humidity_band_c: (f64, f64),
    /// Fastest humidity change under control, %RH per minute.
    pub humidity_rate_pct_per_min: f64,
    /// Time constant of the humidity approach, seconds.
    pub humidity_time_constant_s: f64,
    /// Room temperature, °C (where the chamber drifts when off or in standby).
    pub ambient_c: f64,
    /// Room relative humidity, %.
    pub ambient_rh_pct: f64,
    /// Time constant of the drift toward the room when not controlling, seconds.
    pub drift_time_constant_s: f64,
    /// Amplitude of the control ripple the sensor shows around the true value, kelvin (a real
    /// controller holds its set point to a few tenths); 0 keeps readings exact.
    pub control_ripple_k: f64,
}

impl Default for ChamberParams {
    /// A temperature and humidity chamber like an ESPEC SH-641: +3 K/min heating, −1.7 K/min
    /// cooling, −40…+150 °C, humidity control between 10 and 95 °C.
    fn default() -> Self {
        ChamberParams {
            heat_rate_k_per_min: 3.0,
            cool_rate_k_per_min: 1.7,
            time_constant_s: 90.0,
            overshoot_k: 0.0,
            temp_range_c: (-40.0, 150.0),
            has_humidity: true,
            humidity_band_c: (10.0, 95.0),
            humidity_rate_pct_per_min: 6.0,
            humidity_time_constant_s: 60.0,
            ambient_c: 23.0,
            ambient_rh_pct: 45.0,
            drift_time_constant_s: 1800.0,
            control_ripple_k: 0.0,
        }
    }
}

/// What the chamber is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChamberMode {
    /// Powered off: no control, drifts toward the room.
    Off,
    /// Powered, not controlling.
    Standby,
    /// Holding the constant set points.
    Constant,
    /// Running a program.
    Run,
}

/// The state of a simulated chamber. Mutate it through its methods; read it through its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ChamberModel {
    /// Fixed properties.
    pub params: ChamberParams,
    /// Current mode.
    pub mode: ChamberMode,
    /// Measured temperature, °C.
    pub temp_c: f64,
    /// Measured relative humidity, %.
    pub rh_pct: f64,
    /// Constant-mode temperature set point, °C.
    pub temp_sp_c: f64,
    /// Upper and lower temperature alarm limits, °C.
    pub temp_limits_c: (f64, f64),
    /// Constant-mode humidity set point, %; `None` when humidity control is off.
    pub rh_sp_pct: Option<f64>,
    /// Upper and lower humidity alarm limits, %.
    pub rh_limits_pct: (f64, f64),
    /// The running program, if any.
    pub program: Option<ProgramRun>,
    /// Stored programs by number (1-based on the wire).
    pub programs: Vec<Program>,
    /// Active alarm codes.
    pub alarms: Vec<u16>,
    /// When set, the temperature sensor reads out of range (an open or shorted probe).
    pub sensor_fault: bool,
    /// Simulated time the state was last advanced to.
    pub now: Duration,
    overshoot: Overshoot,
}

/// The value a faulty temperature sensor reports, °C (far outside any chamber's range).
pub const SENSOR_FAULT_C: f64 = 999.9;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Overshoot {
    /// +1 heating toward the set point, −1 cooling, 0 none pending.
    direction: f64,
    /// Seconds since the temperature crossed the set point, if it has.
    since_cross_s: Option<f64>,
}

const OVERSHOOT_DECAY_S: f64 = 120.0;
const SUB_STEP: Duration = Duration::from_secs(1);

impl ChamberModel {
    /// A chamber in standby at room conditions.
    pub fn new(params: ChamberParams) -> ChamberModel {
        let rh = if params.has_humidity {
            params.ambient_rh_pct
        } else {
            0.0
        };
        ChamberModel {
            temp_c: params.ambient_c,
            rh_pct: rh,
            temp_sp_c: params.ambient_c,
            temp_limits_c: (params.temp_range_c.1 + 5.0, params.temp_range_c.0 - 5.0),
            rh_sp_pct: None,
            rh_limits_pct: (100.0, 0.0),
            mode: ChamberMode::Standby,
            program: None,
            programs: Vec::new(),
            alarms: Vec::new(),
            sensor_fault: false,
            now: Duration::ZERO,
            overshoot: Overshoot {
                direction: 0.0,
                since_cross_s: None,
            },
            params,
        }
    }

    /// A chamber as a controller is found when powered on by itself: holding its room-temperature
    /// set point in constant mode, so a client that writes a set point sees the PV move.
    pub fn powered(params: ChamberParams) -> ChamberModel {
        let mut model = ChamberModel::new(params);
        model.set_mode(ChamberMode::Constant);
        model
    }

    /// The temperature the sensor reports: the true value, or [`SENSOR_FAULT_C`] with a fault.
    pub fn temp_reading_c(&self) -> f64 {
        if self.sensor_fault {
            SENSOR_FAULT_C
        } else {
            self.temp_c + self.ripple_k()
        }
    }

    /// The control ripple at the current time: two incommensurate periods (7 and 2.3 min), so
    /// readings wander rather than repeat.
    fn ripple_k(&self) -> f64 {
        let t = self.now.as_secs_f64();
        let tau = std::f64::consts::TAU;
        self.params.control_ripple_k
            * (0.7 * (tau * t / 420.0).sin() + 0.3 * (tau * t / 138.0).sin())
    }

    /// Whether `celsius` is inside the chamber's set-point range.
    pub fn temp_in_range(&self, celsius: f64) -> bool {
        celsius.is_finite()
            && celsius >= self.params.temp_range_c.0
            && celsius <= self.params.temp_range_c.1
    }

    /// Sets the constant temperature set point; false when out of range.
    pub fn set_temp_sp(&mut self, celsius: f64) -> bool {
        if !self.temp_in_range(celsius) {
            return false;
        }
        self.temp_sp_c = celsius;
        self.arm_overshoot();
        true
    }

    /// Sets (or with `None` switches off) humidity control; false when out of range or when the
    /// chamber has no humidity.
    pub fn set_rh_sp(&mut self, percent: Option<f64>) -> bool {
        if !self.params.has_humidity {
            return false;
        }
        if let Some(p) = percent {
            if !(p.is_finite() && (0.0..=100.0).contains(&p)) {
                return false;
            }
        }
        self.rh_sp_pct = percent;
        true
    }

    /// Changes the mode. Leaving `Run` drops the running program.
    pub fn set_mode(&mut self, mode: ChamberMode) {
        if mode != ChamberMode::Run {
            self.program = None;
        }
        self.mode = mode;
        self.arm_overshoot();
    }

    /// Starts stored program `number` (1-based); false if there is no such program.
    pub fn run_program(&mut self, number: usize) -> bool {
        let Some(program) = number
            .checked_sub(1)
            .and_then(|i| self.programs.get(i))
            .cloned()
        else {
            return false;
        };
        self.start_program(program);
        true
    }

    /// Starts `program` at once (a remote program or one loaded by a test).
    pub fn start_program(&mut self, program: Program) {
        self.program = Some(ProgramRun::start(program, self.temp_sp_c, self.rh_sp_pct));
        self.mode = ChamberMode::Run;
        self.arm_overshoot();
    }

    /// The temperature set point the controller is following now.
    pub fn active_temp_sp_c(&self) -> f64 {
        match (&self.mode, &self.program) {
            (ChamberMode::Run, Some(run)) => run.temp_sp_c(),
            _ => self.temp_sp_c,
        }
    }

    /// The humidity set point the controller is following now, if humidity is controlled.
    pub fn active_rh_sp_pct(&self) -> Option<f64> {
        match (&self.mode, &self.program) {
            (ChamberMode::Run, Some(run)) => run.rh_sp_pct(),
            (ChamberMode::Constant, _) => self.rh_sp_pct,
            _ => None,
        }
    }

    /// Whether humidity is being controlled right now (set point on and temperature in band).
    pub fn humidity_controlled(&self) -> bool {
        let (lo, hi) = self.params.humidity_band_c;
        self.params.has_humidity
            && self.active_rh_sp_pct().is_some()
            && self.temp_c >= lo
            && self.temp_c <= hi
    }

    fn arm_overshoot(&mut self) {
        let target = self.active_temp_sp_c();
        let controlling = matches!(self.mode, ChamberMode::Constant | ChamberMode::Run);
        self.overshoot = Overshoot {
            direction: if controlling && self.params.overshoot_k > 0.0 {
                (target - self.temp_c).signum()
            } else {
                0.0
            },
            since_cross_s: None,
        };
    }

    fn step(&mut self, dt_s: f64) {
        if let (ChamberMode::Run, Some(run)) = (self.mode, self.program.as_mut()) {
            if let Some(end) = run.advance(dt_s) {
                self.temp_sp_c = run.temp_sp_c();
                self.rh_sp_pct = run.rh_sp_pct().or(self.rh_sp_pct);
                self.program = None;
                self.mode = end;
            }
        }
        let controlling = matches!(self.mode, ChamberMode::Constant | ChamberMode::Run);
        let old_temp = self.temp_c;
        if controlling {
            let target = self.active_temp_sp_c() + self.overshoot_offset(dt_s);
            let wanted =
                (target - self.temp_c) * (1.0 - (-dt_s / self.params.time_constant_s).exp());
            let up = self.params.heat_rate_k_per_min * dt_s / 60.0;
            let down = self.params.cool_rate_k_per_min * dt_s / 60.0;
            self.temp_c += wanted.clamp(-down, up);
        } else {
            let k = 1.0 - (-dt_s / self.params.drift_time_constant_s).exp();
            self.temp_c += (self.params.ambient_c - self.temp_c) * k;
        }
        if self.params.has_humidity {
            self.step_humidity(old_temp, dt_s);
        }
    }

    fn overshoot_offset(&mut self, dt_s: f64) -> f64 {
        let dir = self.overshoot.direction;
        if dir == 0.0 {
            return 0.0;
        }
        let sp = self.active_temp_sp_c();
        let since = match self.overshoot.since_cross_s {
            None if (self.temp_c - sp) * dir >= 0.0 => 0.0,
            None => return dir * self.params.overshoot_k,
            Some(s) => s + dt_s,
        };
        self.overshoot.since_cross_s = Some(since);
        dir * self.params.overshoot_k * (-since / OVERSHOOT_DECAY_S).exp()
    }

    fn step_humidity(&mut self, old_temp: f64, dt_s: f64) {
        // Absolute moisture stays put while the temperature moves: RH follows the ratio of
        // saturation vapour pressures.
        let vapour = self.rh_pct / 100.0 * saturation_hpa(old_temp);
        self.rh_pct = (vapour / saturation_hpa(self.temp_c) * 100.0).clamp(0.0, 100.0);
        let target = if self.humidity_controlled() {
            self.active_rh_sp_pct()
        } else {
            None
        };
        match target {
            Some(sp) => {
                let tau = self.params.humidity_time_constant_s;
                let wanted = (sp - self.rh_pct) * (1.0 - (-dt_s / tau).exp());
                let limit = self.params.humidity_rate_pct_per_min * dt_s / 60.0;
                self.rh_pct += wanted.clamp(-limit, limit);
            }
            None => {
                // Uncontrolled: moisture slowly equalises with the room.
                let room =
                    self.params.ambient_rh_pct / 100.0 * saturation_hpa(self.params.ambient_c);
                let here = self.rh_pct / 100.0 * saturation_hpa(self.temp_c);
                let k = 1.0 - (-dt_s / self.params.drift_time_constant_s).exp();
                let vapour = here + (room - here) * k;
                self.rh_pct = (vapour / saturation_hpa(self.temp_c) * 100.0).clamp(0.0, 100.0);
            }
        }
    }
}

impl Model for ChamberModel {
    fn now(&self) -> Duration {
        self.now
    }

    fn advance_to(&mut self, t: Duration) {
        let from = self.now;
        integrate(from, t, SUB_STEP, |dt| self.step(dt));
        self.now = self.now.max(t);
    }
}

/// Saturation vapour pressure over water, hPa (Magnus formula).
pub fn saturation_hpa(celsius: f64) -> f64 {
    6.112 * (17.62 * celsius / (243.12 + celsius)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constant_at(sp: f64) -> ChamberModel {
        let mut m = ChamberModel::new(ChamberParams::default());
        assert!(m.set_temp_sp(sp));
        m.set_mode(ChamberMode::Constant);
        m
    }

    #[test]
    fn heating_is_limited_to_the_heat_rate_far_from_the_set_point() {
        let mut m = constant_at(120.0);
        m.advance_to(Duration::from_secs(600));
        // 10 minutes at +3 K/min from 23 °C.
        assert!((m.temp_c - 53.0).abs() < 0.01, "{}", m.temp_c);
    }

    #[test]
    fn cooling_is_limited_to_the_cool_rate() {
        let mut m = constant_at(-40.0);
        m.advance_to(Duration::from_secs(600));
        assert!((m.temp_c - (23.0 - 17.0)).abs() < 0.01, "{}", m.temp_c);
    }

    #[test]
    fn approach_near_the_set_point_is_first_order() {
        let mut m = constant_at(25.0);
        m.advance_to(Duration::from_secs(90));
        // One time constant: 63 % of a 2 K step (the rate limit does not bind).
        let expected = 23.0 + 2.0 * (1.0 - (-1.0f64).exp());
        assert!(
            (m.temp_c - expected).abs() < 0.02,
            "{} vs {expected}",
            m.temp_c
        );
        m.advance_to(Duration::from_secs(3600));
        assert!((m.temp_c - 25.0).abs() < 1e-3);
    }

    #[test]
    fn the_control_ripple_stays_within_its_amplitude() {
        let mut m = ChamberModel::new(ChamberParams {
            control_ripple_k: 0.3,
            ..ChamberParams::default()
        });
        m.set_temp_sp(40.0);
        m.set_mode(ChamberMode::Constant);
        m.advance_to(Duration::from_secs(3 * 3600));
        let readings: Vec<f64> = (0..600)
            .map(|i| {
                m.advance_to(Duration::from_secs(3 * 3600 + i * 10));
                m.temp_reading_c() - m.temp_c
            })
            .collect();
        assert!(readings.iter().all(|r| r.abs() <= 0.3 + 1e-9));
        assert!(
            readings.iter().any(|r| r.abs() > 0.1),
            "the ripple is visible"
        );
    }

    #[test]
    fn overshoot_passes_the_set_point_then_settles() {
        let mut m = ChamberModel::new(ChamberParams {
            overshoot_k: 2.0,
            ..ChamberParams::default()
        });
        m.set_temp_sp(60.0);
        m.set_mode(ChamberMode::Constant);
        let mut peak = f64::MIN;
        for s in 1..=3600 {
            m.advance_to(Duration::from_secs(s));
            peak = peak.max(m.temp_c);
        }
        assert!(peak > 60.5 && peak < 62.0, "peak {peak}");
        assert!((m.temp_c - 60.0).abs() < 0.05, "{}", m.temp_c);
    }

    #[test]
    fn humidity_follows_its_set_point_inside_the_band() {
        let mut m = constant_at(40.0);
        m.set_rh_sp(Some(93.0));
        m.advance_to(Duration::from_secs(3 * 3600));
        assert!((m.rh_pct - 93.0).abs() < 0.1, "{}", m.rh_pct);
    }

    #[test]
    fn humidity_is_not_controlled_below_the_band_and_rises_as_air_cools() {
        let mut m = constant_at(23.0);
        m.set_rh_sp(Some(90.0));
        m.advance_to(Duration::from_secs(1));
        let before = m.rh_pct;
        assert!(m.set_temp_sp(5.0));
        m.advance_to(Duration::from_secs(600));
        assert!(!m.humidity_controlled());
        // Cooling the same moisture raises relative humidity.
        assert!(m.rh_pct > before + 10.0, "{before} -> {}", m.rh_pct);
    }

    #[test]
    fn humidity_off_drifts_and_heating_lowers_relative_humidity() {
        let mut m = constant_at(80.0);
        m.advance_to(Duration::from_secs(1200));
        assert!(m.rh_sp_pct.is_none());
        assert!(m.rh_pct < 10.0, "{}", m.rh_pct);
    }

    #[test]
    fn sensor_fault_reads_out_of_range_and_setpoints_are_range_checked() {
        let mut m = constant_at(30.0);
        m.sensor_fault = true;
        assert_eq!(m.temp_reading_c(), SENSOR_FAULT_C);
        assert!(!m.set_temp_sp(500.0));
        assert!(!m.set_temp_sp(f64::NAN));
        assert!(!m.set_rh_sp(Some(101.0)));
    }

    #[test]
    fn off_drifts_toward_the_room() {
        let mut m = constant_at(80.0);
        m.advance_to(Duration::from_secs(3600));
        let hot = m.temp_c;
        m.set_mode(ChamberMode::Off);
        m.advance_to(Duration::from_secs(3600 + 4 * 3600));
        assert!(m.temp_c < hot - 30.0 && m.temp_c > 23.0, "{}", m.temp_c);
    }
}
