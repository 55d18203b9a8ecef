//! `--fault` options: what the fault-injecting decorator adds to any source, and durations
//! such as `--duration 72h`.

use std::time::Duration;

use crate::camera::faults::{Disconnect, FaultPlan, Trigger};

use super::spec::SpecError;

/// How every fault is written. Triggers are `every:N` (every N-th frame), `p:0.001` (chance per
/// frame) or `at:5,90,700` (those frames).
pub const FAULT_HELP: &str = "drop=TRIGGER, burst=TRIGGER, burst-len=N, stall=TRIGGER, \
stall-for=DURATION, frozen=TRIGGER, frozen-len=N, duplicate=TRIGGER, truncate=TRIGGER, \
clear-eoi=TRIGGER, error-flag=TRIGGER, empty=TRIGGER, black=TRIGGER, blown=TRIGGER, \
ts-backwards=TRIGGER, jitter=DURATION, dark-from=DURATION, disconnect=FRAMES, busy=K/N, seed=N; \
TRIGGER is every:N, p:PROBABILITY or at:I,J,…";

fn error(input: &str, problem: impl Into<String>) -> SpecError {
    SpecError {
        input: input.to_string(),
        problem: problem.into(),
    }
}

/// Parses a duration: a number and a unit (`ms`, `s`, `m`, `h`, `d`), e.g. `72h`, `1.5h`,
/// `250ms`.
pub fn parse_duration(text: &str) -> Result<Duration, SpecError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().map_err(|_| {
        error(
            text,
            "expected a number and a unit: 250ms, 10s, 30m, 72h, 3d",
        )
    })?;
    let seconds_per_unit = match unit.trim() {
        "ms" => 0.001,
        "s" | "" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        other => {
            return Err(error(
                text,
                format!("unknown unit {other:?}: use ms, s, m, h or d"),
            ))
        }
    };
    Duration::try_from_secs_f64(value * seconds_per_unit)
        .map_err(|_| error(text, "not a representable duration"))
}

fn parse_trigger(text: &str) -> Result<Trigger, SpecError> {
    let (kind, value) = text
        .split_once(':')
        .ok_or_else(|| error(text, "expected every:N, p:PROBABILITY or at:I,J,…"))?;
    match kind {
        "every" => value
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|period| Trigger::every(period, period - 1))
            .ok_or_else(|| error(text, "every: needs a positive frame count")),
        "p" => value
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=1.0).contains(p))
            .map(Trigger::Chance)
            .ok_or_else(|| error(text, "p: needs a probability between 0 and 1")),
        "at" => value
            .split(',')
            .map(|i| i.trim().parse::<u64>())
            .collect::<Result<Vec<_>, _>>()
            .map(Trigger::At)
            .map_err(|_| error(text, "at: needs frame numbers separated by commas")),
        _ => Err(error(text, "expected every:N, p:PROBABILITY or at:I,J,…")),
    }
}

fn parse_count(text: &str, value: &str) -> Result<u32, SpecError> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| error(text, "needs a positive whole number"))
}

/// Builds a fault plan from `--fault name=value` options (see [`FAULT_HELP`]).
pub fn parse_faults(options: &[String]) -> Result<FaultPlan, SpecError> {
    let mut plan = FaultPlan::none(1);
    plan.stall_for = Duration::from_secs(2);
    for option in options {
        let (name, value) = option
            .split_once('=')
            .ok_or_else(|| error(option, format!("expected name=value; one of {FAULT_HELP}")))?;
        let value = value.trim();
        match name.trim() {
            "drop" => plan.drop = parse_trigger(value)?,
            "burst" => plan.burst = parse_trigger(value)?,
            "burst-len" => plan.burst_len = parse_count(option, value)?,
            "stall" => plan.stall = parse_trigger(value)?,
            "stall-for" => plan.stall_for = parse_duration(value)?,
            "frozen" => plan.frozen = parse_trigger(value)?,
            "frozen-len" => plan.frozen_len = parse_count(option, value)?,
            "duplicate" => plan.duplicate = parse_trigger(value)?,
            "truncate" => plan.truncate = parse_trigger(value)?,
            "clear-eoi" => plan.clear_eoi = parse_trigger(value)?,
            "error-flag" => plan.error_flag = parse_trigger(value)?,
            "empty" => plan.empty = parse_trigger(value)?,
            "black" => plan.black = parse_trigger(value)?,
            "blown" => plan.blown = parse_trigger(value)?,
            "ts-backwards" => plan.ts_backwards = parse_trigger(value)?,
            "jitter" => plan.jitter = parse_duration(value)?,
            "dark-from" => plan.dark_scene_from = Some(parse_duration(value)?),
            "disconnect" => {
                plan.disconnect = Some(Disconnect {
                    after_frames: u64::from(parse_count(option, value)?),
                    reappear_after: Duration::from_secs(2),
                    new_path: "/dev/synthetic1".into(),
                })
            }
            "busy" => {
                let (k, n) = value
                    .split_once('/')
                    .ok_or_else(|| error(option, "busy needs K/N, e.g. busy=1/10"))?;
                let k = k
                    .parse::<u32>()
                    .map_err(|_| error(option, "busy: K is not a number"))?;
                let n = parse_count(option, n)?;
                if k > n {
                    return Err(error(option, "busy: K must not exceed N"));
                }
                plan.busy_on_open = Some((k, n));
            }
            "seed" => {
                plan.seed = value
                    .parse()
                    .map_err(|_| error(option, "seed needs a whole number"))?
            }
            _ => return Err(error(option, format!("unknown fault; one of {FAULT_HELP}"))),
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_build_the_plan() {
        let options: Vec<String> = [
            "drop=every:100",
            "burst=p:0.001",
            "burst-len=5",
            "truncate=at:3,9",
            "disconnect=900",
            "busy=1/10",
            "jitter=2ms",
            "seed=7",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let plan = parse_faults(&options).unwrap();
        assert_eq!(plan.drop, Trigger::every(100, 99));
        assert_eq!(plan.burst, Trigger::Chance(0.001));
        assert_eq!(plan.burst_len, 5);
        assert_eq!(plan.truncate, Trigger::At(vec![3, 9]));
        assert_eq!(plan.disconnect.as_ref().map(|d| d.after_frames), Some(900));
        assert_eq!(plan.busy_on_open, Some((1, 10)));
        assert_eq!(plan.jitter, Duration::from_millis(2));
        assert_eq!(plan.seed, 7);
        assert_eq!(parse_faults(&[]).unwrap().drop, Trigger::Never);
        let stall = ["stall=at:300".to_string(), "stall-for=5s".to_string()];
        assert_eq!(
            parse_faults(&stall).unwrap().stall_for,
            Duration::from_secs(5)
        );
        assert_eq!(parse_faults(&[]).unwrap().stall_for, Duration::from_secs(2));
    }

    #[test]
    fn bad_faults_and_durations_are_refused() {
        for bad in [
            "drop",
            "drop=sometimes",
            "drop=every:0",
            "drop=p:2",
            "truncate=at:x",
            "busy=11/10",
            "busy=3",
            "burst-len=0",
            "stall-for=5 fortnights",
            "nonsense=every:2",
        ] {
            assert!(parse_faults(&[bad.to_string()]).is_err(), "{bad}");
        }
        for bad in ["", "h", "-1h", "1e400h", "10 parsecs", "1..2s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert!(parse_duration("forever").is_err());
        assert_eq!(
            parse_duration("72h").unwrap(),
            Duration::from_secs(72 * 3600)
        );
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(
            parse_duration("3d").unwrap(),
            Duration::from_secs(3 * 86_400)
        );
    }

    #[test]
    fn random_fault_text_never_panics() {
        let alphabet: Vec<char> = "dropstalevery:p0123456789.,=/-hmsxyz".chars().collect();
        let mut seed = 0xDEAD_BEEF_u64;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (seed >> 59) as usize;
            let text: String = (0..len)
                .map(|i| alphabet[((seed >> (i * 3 % 60)) as usize) % alphabet.len()])
                .collect();
            let _ = parse_faults(std::slice::from_ref(&text));
            let _ = parse_duration(&text);
        }
    }
}
