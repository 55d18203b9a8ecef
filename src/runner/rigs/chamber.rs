//! Running a chamber profile: ramp, settle, dwell, cycles, shock; logging PV and SP to
//! `chamber.csv` and collecting the measurements the criteria judge.

use std::time::Duration;

use super::series::{cell, SeriesWriter};
use super::{Measurements, StepContext, StepError};
use crate::plan::rig_step::{
    ChamberProfile, ConstantProfile, CyclicProfile, ProfileKind, ShockMethod, ShockProfile,
};
use crate::rig::{Chamber, ChamberReading, RigError};

/// Failed reads in a row after which the link is taken as lost.
pub const MAX_CONSECUTIVE_GAPS: u32 = 5;

/// The series file header.
pub const HEADER: [&str; 8] = [
    "elapsed_s",
    "utc",
    "phase",
    "temp_sp",
    "temp_pv",
    "rh_sp",
    "rh_pv",
    "note",
];

/// Runs a profile to its end and returns its measurements.
pub fn run_profile(
    chamber: &mut dyn Chamber,
    profile: &ChamberProfile,
    ctx: StepContext<'_>,
) -> Result<Measurements, StepError> {
    if let ProfileKind::Shock(ShockProfile {
        method: ShockMethod::Na,
        ..
    }) = profile.kind
    {
        return Err(StepError::Unsupported(
            "test Na needs a two-zone thermal-shock chamber with a transfer basket; the station's \
             chamber is single-zone (run test Nb, or record this item by hand)"
                .to_string(),
        ));
    }
    let series = ctx.series("chamber", &HEADER)?;
    let mut run = ProfileRun {
        chamber,
        ctx,
        series,
        interval: Duration::from_secs_f64(profile.log_interval_s),
        tolerance: profile.tolerance_k,
        record_all: profile.record_all,
        start: ctx.clock.elapsed(),
        target: None,
        rh_target: None,
        failures: 0,
        samples: Samples::default(),
    };
    run.chamber.run_constant()?;
    match &profile.kind {
        ProfileKind::Constant(p) => run.constant(p)?,
        ProfileKind::Cyclic(p) => run.cyclic(p)?,
        ProfileKind::Shock(p) => run.shock(p)?,
    }
    run.series.sync()?;
    Ok(run.samples.into_measurements())
}

/// Measurements collected along the profile.
#[derive(Debug, Default)]
struct Samples {
    temp: Vec<f64>,
    dev: Vec<f64>,
    rh: Vec<f64>,
    rh_dev: Vec<f64>,
    in_tolerance: usize,
    judged: usize,
    gaps: usize,
    overshoot: Option<f64>,
    ramp_rates: Vec<f64>,
    transfers_s: Vec<f64>,
    cycles_done: Option<u32>,
}

impl Samples {
    fn into_measurements(self) -> Measurements {
        let mut m = Measurements::new();
        let mut put = |name: &str, values: Vec<f64>| {
            if !values.is_empty() {
                m.insert(name.to_string(), values);
            }
        };
        put("chamber_temp", self.temp);
        put("chamber_dev", self.dev);
        put("chamber_rh", self.rh);
        put("chamber_rh_dev", self.rh_dev);
        if self.judged > 0 {
            put(
                "time_in_tolerance",
                vec![self.in_tolerance as f64 / self.judged as f64],
            );
        }
        put("gaps", vec![self.gaps as f64]);
        put("overshoot", self.overshoot.into_iter().collect());
        put("ramp_rate", self.ramp_rates);
        put("transfer_time", self.transfers_s);
        put(
            "cycles_done",
            self.cycles_done.map(f64::from).into_iter().collect(),
        );
        m
    }
}

/// Whether a poll's reading counts towards the judged samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    /// Logged only.
    No,
    /// Logged and judged against the current target.
    Judge,
}

struct ProfileRun<'a, 'c> {
    chamber: &'a mut dyn Chamber,
    ctx: StepContext<'c>,
    series: SeriesWriter,
    interval: Duration,
    tolerance: f64,
    record_all: bool,
    start: Duration,
    target: Option<f64>,
    rh_target: Option<f64>,
    failures: u32,
    samples: Samples,
}

impl ProfileRun<'_, '_> {
    fn constant(&mut self, p: &ConstantProfile) -> Result<(), StepError> {
        let settle_timeout = hours(p.settle_timeout_h);
        let settle_for = Duration::from_secs_f64(p.settle_min * 60.0);
        let from = match p.start_c {
            Some(start) => {
                self.set_target(start)?;
                self.settle("start", settle_for, settle_timeout)?;
                start
            }
            None => self.read_pv()?,
        };
        self.set_humidity(p.rh_percent)?;
        let ramp = self.ramp("ramp", from, p.setpoint_c, p.ramp_k_per_min, settle_timeout)?;
        self.samples.ramp_rates.extend(ramp);
        self.settle("settle", settle_for, settle_timeout)?;
        if let Some(hours_for_rh) = p.humidity_ramp_h {
            self.hold(
                "humidity",
                hours(hours_for_rh),
                self.judge_unless_dwell_only(),
            )?;
        }
        self.hold("dwell", hours(p.dwell_h), Record::Judge)?;
        self.finish(p.return_c, settle_timeout)
    }

    fn cyclic(&mut self, p: &CyclicProfile) -> Result<(), StepError> {
        let settle_timeout = hours(8.0);
        if let Some(start) = p.start_c {
            self.set_target(start)?;
            self.settle("start", Duration::ZERO, settle_timeout)?;
        }
        self.set_target(p.low_c)?;
        self.set_humidity(p.rh_low_percent)?;
        self.settle("to low", Duration::ZERO, settle_timeout)?;
        let low_dwell = p.cycle_h - p.ramp_up_h - p.high_dwell_h - p.ramp_down_h;
        for cycle in 1..=p.cycles {
            let up_rate = (p.high_c - p.low_c) / (p.ramp_up_h * 60.0);
            let rate = self.ramp(
                &format!("cycle {cycle} up"),
                p.low_c,
                p.high_c,
                Some(up_rate),
                hours(p.ramp_up_h * 2.0),
            )?;
            self.samples.ramp_rates.extend(rate);
            self.set_humidity(p.rh_high_percent)?;
            self.hold(
                &format!("cycle {cycle} high"),
                hours(p.high_dwell_h),
                Record::Judge,
            )?;
            let down_rate = (p.high_c - p.low_c) / (p.ramp_down_h * 60.0);
            self.set_humidity(p.rh_low_percent)?;
            self.ramp(
                &format!("cycle {cycle} down"),
                p.high_c,
                p.low_c,
                Some(down_rate),
                hours(p.ramp_down_h * 2.0),
            )?;
            if low_dwell > 0.0 {
                self.hold(
                    &format!("cycle {cycle} low"),
                    hours(low_dwell),
                    Record::Judge,
                )?;
            }
            self.samples.cycles_done = Some(cycle);
        }
        self.finish(p.return_c, settle_timeout)
    }

    fn shock(&mut self, p: &ShockProfile) -> Result<(), StepError> {
        let settle_timeout = hours(4.0);
        if let Some(start) = p.start_c {
            self.set_target(start)?;
            self.settle("start", Duration::ZERO, settle_timeout)?;
        }
        let mut here = self.read_pv()?;
        for cycle in 1..=p.cycles {
            for (label, extreme) in [("low", p.low_c), ("high", p.high_c)] {
                let phase = format!("cycle {cycle} to {label}");
                let began = self.ctx.clock.elapsed();
                self.ramp(&phase, here, extreme, p.ramp_k_per_min, settle_timeout)?;
                self.settle(&phase, Duration::ZERO, settle_timeout)?;
                self.samples
                    .transfers_s
                    .push((self.ctx.clock.elapsed() - began).as_secs_f64());
                self.hold(
                    &format!("cycle {cycle} {label}"),
                    hours(p.dwell_h),
                    Record::Judge,
                )?;
                here = extreme;
            }
            self.samples.cycles_done = Some(cycle);
        }
        Ok(())
    }

    fn judge_unless_dwell_only(&self) -> Record {
        if self.record_all {
            Record::Judge
        } else {
            Record::No
        }
    }

    fn finish(&mut self, return_c: Option<f64>, timeout: Duration) -> Result<(), StepError> {
        self.set_humidity(None)?;
        if let Some(back) = return_c {
            self.set_target(back)?;
            self.settle("return", Duration::ZERO, timeout)?;
        }
        Ok(())
    }

    fn set_target(&mut self, celsius: f64) -> Result<(), StepError> {
        self.chamber.set_temperature(celsius)?;
        self.target = Some(celsius);
        Ok(())
    }

    fn set_humidity(&mut self, percent: Option<f64>) -> Result<(), StepError> {
        match self.chamber.set_humidity(percent) {
            Ok(()) => {}
            Err(RigError::NotSupported { .. }) if percent.is_none() => {}
            Err(error) => return Err(error.into()),
        }
        self.rh_target = percent;
        Ok(())
    }

    /// Moves the set point from `from` to `to` at `rate` K/min (or at once) and waits until the
    /// chamber follows; returns the achieved rate in K/min when the move was big enough to tell.
    fn ramp(
        &mut self,
        phase: &str,
        from: f64,
        to: f64,
        rate: Option<f64>,
        timeout: Duration,
    ) -> Result<Option<f64>, StepError> {
        let began = self.ctx.clock.elapsed();
        let first = self.poll(phase, Record::No)?.map(|r| r.temp_pv);
        match rate {
            Some(rate) => {
                let minutes = (to - from).abs() / rate;
                let steps = (minutes * 60.0 / self.interval.as_secs_f64())
                    .ceil()
                    .max(1.0) as u32;
                for step in 1..=steps {
                    let sp = from + (to - from) * f64::from(step) / f64::from(steps);
                    self.set_target(sp)?;
                    self.wait_and_poll(phase, Record::No)?;
                }
            }
            None => self.set_target(to)?,
        }
        self.set_target(to)?;
        let direction = (to - from).signum();
        let last = loop {
            let reading = self.wait_and_poll(phase, Record::No)?;
            if let Some(r) = &reading {
                let beyond = (r.temp_pv - to) * direction;
                self.samples.overshoot = Some(self.samples.overshoot.unwrap_or(0.0).max(beyond));
                if (r.temp_pv - to).abs() <= self.tolerance {
                    break r.temp_pv;
                }
            }
            if self.ctx.clock.elapsed() - began > timeout {
                return Err(StepError::NotReached(format!(
                    "{phase}: the chamber did not reach {to} °C within {:.1} h",
                    timeout.as_secs_f64() / 3600.0
                )));
            }
        };
        let minutes = (self.ctx.clock.elapsed() - began).as_secs_f64() / 60.0;
        Ok(match first {
            Some(a) if (last - a).abs() >= 2.0 * self.tolerance && minutes > 0.0 => {
                Some((last - a).abs() / minutes)
            }
            _ => None,
        })
    }

    /// Waits until the temperature stays within tolerance of the target for `hold_for`.
    fn settle(
        &mut self,
        phase: &str,
        hold_for: Duration,
        timeout: Duration,
    ) -> Result<(), StepError> {
        let began = self.ctx.clock.elapsed();
        let mut within_since: Option<Duration> = None;
        let mut first = true;
        loop {
            let now = self.ctx.clock.elapsed();
            if let Some(since) = within_since {
                if now - since >= hold_for {
                    return Ok(());
                }
            }
            if now - began > timeout {
                return Err(StepError::NotReached(format!(
                    "{phase}: the chamber did not settle within ±{} K of {} °C in {:.1} h",
                    self.tolerance,
                    self.target.unwrap_or(f64::NAN),
                    timeout.as_secs_f64() / 3600.0
                )));
            }
            let reading = if first {
                first = false;
                self.poll(phase, Record::No)?
            } else {
                self.wait_and_poll(phase, Record::No)?
            };
            let within = reading.is_some_and(|r| {
                self.target
                    .is_some_and(|t| (r.temp_pv - t).abs() <= self.tolerance)
            });
            within_since = match (within, within_since) {
                (true, None) => Some(self.ctx.clock.elapsed()),
                (true, since) => since,
                (false, _) => None,
            };
            if within && hold_for.is_zero() {
                return Ok(());
            }
        }
    }

    /// Logs for `duration`, judging the readings when asked.
    fn hold(&mut self, phase: &str, duration: Duration, record: Record) -> Result<(), StepError> {
        let until = self.ctx.clock.elapsed() + duration;
        while self.ctx.clock.elapsed() < until {
            self.wait_and_poll(phase, record)?;
        }
        Ok(())
    }

    fn read_pv(&mut self) -> Result<f64, StepError> {
        Ok(self.chamber.read()?.temp_pv)
    }

    fn wait_and_poll(
        &mut self,
        phase: &str,
        record: Record,
    ) -> Result<Option<ChamberReading>, StepError> {
        self.ctx.sleep(self.interval)?;
        self.poll(phase, record)
    }

    /// Reads the chamber once and logs a row; a failed read is logged as a gap with its cause.
    fn poll(&mut self, phase: &str, record: Record) -> Result<Option<ChamberReading>, StepError> {
        self.ctx.check_stop()?;
        let elapsed = (self.ctx.clock.elapsed() - self.start).as_secs_f64();
        let utc = self.ctx.clock.now_utc().to_rfc3339();
        match self.chamber.read() {
            Ok(reading) => {
                self.failures = 0;
                self.series.row([
                    format!("{elapsed:.0}"),
                    utc,
                    phase.to_string(),
                    cell(Some(reading.temp_sp)),
                    cell(Some(reading.temp_pv)),
                    cell(reading.humidity_sp),
                    cell(reading.humidity_pv),
                    String::new(),
                ])?;
                if record == Record::Judge {
                    self.judge(&reading);
                }
                Ok(Some(reading))
            }
            Err(error) => {
                self.failures += 1;
                self.samples.gaps += 1;
                tracing::warn!(item = self.ctx.item, "chamber read failed: {error}");
                self.series.row([
                    format!("{elapsed:.0}"),
                    utc,
                    phase.to_string(),
                    cell(self.target),
                    String::new(),
                    cell(self.rh_target),
                    String::new(),
                    format!("gap: {error}"),
                ])?;
                if self.failures >= MAX_CONSECUTIVE_GAPS {
                    return Err(error.into());
                }
                Ok(None)
            }
        }
    }

    fn judge(&mut self, reading: &ChamberReading) {
        let Some(target) = self.target else { return };
        let s = &mut self.samples;
        let dev = (reading.temp_pv - target).abs();
        s.temp.push(reading.temp_pv);
        s.dev.push(dev);
        s.judged += 1;
        if dev <= self.tolerance {
            s.in_tolerance += 1;
        }
        if let (Some(rh_target), Some(rh)) = (self.rh_target, reading.humidity_pv) {
            s.rh.push(rh);
            s.rh_dev.push((rh - rh_target).abs());
        }
    }
}

fn hours(h: f64) -> Duration {
    Duration::from_secs_f64(h * 3600.0)
}
