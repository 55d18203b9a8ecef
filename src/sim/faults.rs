//! Fault injection for the simulators, chosen by flags and deterministic for a given seed.
//!
//! A fault is written `KIND[=VALUE][@WHEN]`:
//!
//! | kind | value | wire behaviour |
//! |---|---|---|
//! | `no-reply` | – | the request is swallowed |
//! | `delay` | duration (`250ms`, `2s`) | the reply comes late |
//! | `garble` | – | one to three bytes of the reply are replaced (terminator kept) |
//! | `bad-checksum` | – | the SUM / CRC of the reply is wrong (garbles where there is none) |
//! | `refuse` | code or reason | ESPEC `NA:<reason>`, PC-link `NG<code>`, Modbus exception `<code>`, SCPI error |
//! | `unplug` | duration | the port disappears and a new one appears after the duration |
//! | `sensor` | channel (logger) | the sensor reads out of range / open while the fault is active |
//!
//! `WHEN` is `N` (only the N-th request, 1-based), `everyN` (every N-th), `P%` (each request with
//! probability P, from a seeded generator) or absent (every request).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// What goes wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Swallow the request.
    NoReply,
    /// Reply after a delay.
    Delay(Duration),
    /// Replace some reply bytes.
    Garble,
    /// Break the reply's checksum.
    BadChecksum,
    /// Refuse the command the protocol's way; the value is a code or reason if given.
    Refuse(Option<String>),
    /// Drop the port for a while, then bring up a new one.
    Unplug(Duration),
    /// Sensor reads out of range; for a logger the value picks the channel (e.g. `103`).
    Sensor(Option<u32>),
}

/// When a fault fires, counted per fault over the requests it could apply to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// Every request.
    Always,
    /// Only the N-th request (1-based).
    Nth(u64),
    /// Every N-th request.
    Every(u64),
    /// Each request with this probability (0..=1).
    Chance(f64),
}

/// One fault and when it fires.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// The fault.
    pub kind: FaultKind,
    /// When it fires.
    pub trigger: Trigger,
}

/// A bad `--fault` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad fault `{spec}`: {reason} (expected KIND[=VALUE][@N|@everyN|@P%], kinds: no-reply, delay=250ms, garble, bad-checksum, refuse[=CODE], unplug=2s, sensor[=CHANNEL])")]
pub struct FaultParseError {
    /// The text given.
    pub spec: String,
    /// What is wrong with it.
    pub reason: String,
}

fn parse_duration(text: &str) -> Option<Duration> {
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix("min") {
        (n, 60.0)
    } else {
        (text, 0.001)
    };
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && (0.0..1.0e7).contains(&value))
        .then(|| Duration::from_secs_f64(value * scale))
}

fn parse_trigger(text: &str) -> Option<Trigger> {
    if let Some(p) = text.strip_suffix('%') {
        let p: f64 = p.parse().ok()?;
        return (0.0..=100.0)
            .contains(&p)
            .then_some(Trigger::Chance(p / 100.0));
    }
    if let Some(n) = text.strip_prefix("every") {
        let n: u64 = n.parse().ok()?;
        return (n > 0).then_some(Trigger::Every(n));
    }
    let n: u64 = text.parse().ok()?;
    (n > 0).then_some(Trigger::Nth(n))
}

impl FromStr for FaultSpec {
    type Err = FaultParseError;

    fn from_str(spec: &str) -> Result<FaultSpec, FaultParseError> {
        let err = |reason: &str| FaultParseError {
            spec: spec.to_string(),
            reason: reason.to_string(),
        };
        let (head, trigger) = match spec.split_once('@') {
            Some((h, w)) => (h, parse_trigger(w.trim()).ok_or_else(|| err("bad @WHEN"))?),
            None => (spec, Trigger::Always),
        };
        let (name, value) = match head.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (head.trim(), None),
        };
        let need_duration = |v: Option<&str>| {
            v.and_then(parse_duration)
                .ok_or_else(|| err("needs a duration such as 250ms or 2s"))
        };
        let kind = match name {
            "no-reply" => FaultKind::NoReply,
            "delay" => FaultKind::Delay(need_duration(value)?),
            "garble" => FaultKind::Garble,
            "bad-checksum" | "bad-crc" => FaultKind::BadChecksum,
            "refuse" => FaultKind::Refuse(value.filter(|v| !v.is_empty()).map(str::to_string)),
            "unplug" => FaultKind::Unplug(need_duration(value.or(Some("1s")))?),
            "sensor" => FaultKind::Sensor(match value {
                Some(v) => Some(v.parse().map_err(|_| err("channel must be a number"))?),
                None => None,
            }),
            _ => return Err(err("unknown kind")),
        };
        Ok(FaultSpec { kind, trigger })
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FaultKind::NoReply => write!(f, "no-reply")?,
            FaultKind::Delay(d) => write!(f, "delay={}ms", d.as_millis())?,
            FaultKind::Garble => write!(f, "garble")?,
            FaultKind::BadChecksum => write!(f, "bad-checksum")?,
            FaultKind::Refuse(None) => write!(f, "refuse")?,
            FaultKind::Refuse(Some(v)) => write!(f, "refuse={v}")?,
            FaultKind::Unplug(d) => write!(f, "unplug={}ms", d.as_millis())?,
            FaultKind::Sensor(None) => write!(f, "sensor")?,
            FaultKind::Sensor(Some(c)) => write!(f, "sensor={c}")?,
        }
        match self.trigger {
            Trigger::Always => Ok(()),
            Trigger::Nth(n) => write!(f, "@{n}"),
            Trigger::Every(n) => write!(f, "@every{n}"),
            Trigger::Chance(p) => write!(f, "@{}%", p * 100.0),
        }
    }
}

/// The faults of one simulator and the seed of its random choices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    /// Seed of the generator behind `@P%` triggers and garbling.
    pub seed: u64,
    /// The faults.
    pub specs: Vec<FaultSpec>,
}

/// A fault on the wire, applied to one reply by the serving loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireFault {
    /// Do not send the reply.
    NoReply,
    /// Send it after this long.
    Delay(Duration),
    /// Replace bytes.
    Garble,
    /// Break the checksum.
    BadChecksum,
    /// Drop the port instead of replying, for this long.
    Unplug(Duration),
}

/// Decides, request by request, which faults fire. Deterministic for a given plan.
#[derive(Debug, Clone)]
pub struct FaultInjector {
    rules: Vec<(FaultSpec, u64)>,
    rng: SplitMix64,
}

impl FaultInjector {
    /// An injector for `plan`.
    pub fn new(plan: &FaultPlan) -> FaultInjector {
        FaultInjector {
            rules: plan.specs.iter().cloned().map(|s| (s, 0)).collect(),
            rng: SplitMix64(plan.seed),
        }
    }

    fn fire(&mut self, matches: impl Fn(&FaultKind) -> bool) -> Vec<FaultKind> {
        let mut fired = Vec::new();
        for (spec, count) in &mut self.rules {
            if !matches(&spec.kind) {
                continue;
            }
            *count += 1;
            let hit = match spec.trigger {
                Trigger::Always => true,
                Trigger::Nth(n) => *count == n,
                Trigger::Every(n) => *count % n == 0,
                Trigger::Chance(p) => self.rng.unit() < p,
            };
            if hit {
                fired.push(spec.kind.clone());
            }
        }
        fired
    }

    /// For a new request: `Some(code or reason)` when it must be refused.
    pub fn refusal(&mut self) -> Option<Option<String>> {
        self.fire(|k| matches!(k, FaultKind::Refuse(_)))
            .into_iter()
            .find_map(|k| match k {
                FaultKind::Refuse(v) => Some(v),
                _ => None,
            })
    }

    /// For a new request: the sensor faults active while answering it (`None` = the main sensor,
    /// `Some(n)` = logger channel n).
    pub fn sensors(&mut self) -> Vec<Option<u32>> {
        self.fire(|k| matches!(k, FaultKind::Sensor(_)))
            .into_iter()
            .filter_map(|k| match k {
                FaultKind::Sensor(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    /// For a reply about to be sent: the wire faults to apply.
    pub fn wire(&mut self) -> Vec<WireFault> {
        self.fire(|k| !matches!(k, FaultKind::Refuse(_) | FaultKind::Sensor(_)))
            .into_iter()
            .filter_map(|k| match k {
                FaultKind::NoReply => Some(WireFault::NoReply),
                FaultKind::Delay(d) => Some(WireFault::Delay(d)),
                FaultKind::Garble => Some(WireFault::Garble),
                FaultKind::BadChecksum => Some(WireFault::BadChecksum),
                FaultKind::Unplug(d) => Some(WireFault::Unplug(d)),
                FaultKind::Refuse(_) | FaultKind::Sensor(_) => None,
            })
            .collect()
    }

    /// Replaces one to three bytes of `reply` before `keep_tail` trailing bytes (the terminator)
    /// with different printable bytes.
    pub fn garble(&mut self, reply: &mut [u8], keep_tail: usize) {
        let body = reply.len().saturating_sub(keep_tail);
        if body == 0 {
            return;
        }
        let original = reply.to_vec();
        let flips = 1 + self.rng.below(3);
        for _ in 0..flips {
            let at = self.rng.below(body as u64) as usize;
            if let Some(byte) = reply.get_mut(at) {
                let replacement = b'!' + self.rng.below(94) as u8;
                *byte = if replacement == *byte {
                    replacement ^ 0x01
                } else {
                    replacement
                };
            }
        }
        if reply == original.as_slice() {
            if let Some(first) = reply.first_mut() {
                *first ^= 0x01;
            }
        }
    }
}

/// A small, fast, seedable generator (SplitMix64); good enough for fault dice.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(specs: &[&str], seed: u64) -> FaultPlan {
        FaultPlan {
            seed,
            specs: specs.iter().map(|s| s.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn specs_parse_and_print_back() {
        for text in [
            "no-reply@3",
            "delay=250ms",
            "garble@every4",
            "bad-checksum@25%",
            "refuse=04",
            "unplug=2000ms@5",
            "sensor=103",
        ] {
            let spec: FaultSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        assert_eq!(
            "delay=2s".parse::<FaultSpec>().unwrap().kind,
            FaultKind::Delay(Duration::from_secs(2))
        );
        for bad in [
            "",
            "melt",
            "delay",
            "delay=soon",
            "garble@0",
            "garble@150%",
            "sensor=x",
        ] {
            let err = bad.parse::<FaultSpec>().unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn nth_and_every_fire_exactly_there() {
        let mut inj = FaultInjector::new(&plan(&["no-reply@2", "garble@every3"], 1));
        let fired: Vec<_> = (0..6).map(|_| inj.wire()).collect();
        assert_eq!(fired[0], vec![]);
        assert_eq!(fired[1], vec![WireFault::NoReply]);
        assert_eq!(fired[2], vec![WireFault::Garble]);
        assert_eq!(fired[5], vec![WireFault::Garble]);
        assert_eq!(fired[3], vec![]);
    }

    #[test]
    fn chance_is_deterministic_for_a_seed_and_roughly_right() {
        let run = |seed| {
            let mut inj = FaultInjector::new(&plan(&["no-reply@30%"], seed));
            (0..1000)
                .map(|_| !inj.wire().is_empty())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let hits = run(7).iter().filter(|h| **h).count();
        assert!((230..370).contains(&hits), "{hits}");
    }

    #[test]
    fn refusal_and_sensor_are_separate_from_wire_faults() {
        let mut inj = FaultInjector::new(&plan(&["refuse=06@1", "sensor=102", "delay=5ms"], 0));
        assert_eq!(inj.refusal(), Some(Some("06".into())));
        assert_eq!(inj.refusal(), None);
        assert_eq!(inj.sensors(), vec![Some(102)]);
        assert_eq!(inj.wire(), vec![WireFault::Delay(Duration::from_millis(5))]);
    }

    #[test]
    fn garble_changes_the_body_and_keeps_the_terminator() {
        let mut inj = FaultInjector::new(&FaultPlan::default());
        for _ in 0..200 {
            let mut reply = b"23.0,45,CONSTANT,0\r\n".to_vec();
            inj.garble(&mut reply, 2);
            assert_ne!(&reply[..], b"23.0,45,CONSTANT,0\r\n");
            assert!(reply.ends_with(b"\r\n"));
        }
        let mut empty = Vec::new();
        inj.garble(&mut empty, 2);
        assert!(empty.is_empty());
    }
}
