//! Temperature-rise logging on the scripted logger: until steady state, or until the maximum
//! duration when the unit never settles.

use std::time::Duration;

use super::{judged, measured, result, Bench};
use crate::fake::{Curve, FakeLogger};
use crate::judge::Verdict;
use crate::station::RigSet;

/// A rig set with a logger whose cover glass follows `glass` beside a 25 °C ambient.
fn logger(bench: &Bench, glass: Curve) -> RigSet {
    let channels = vec![("cover glass", glass), ("ambient", Curve::Constant(25.0))];
    RigSet {
        thermal: Some(Box::new(FakeLogger::new(channels, bench.clock()))),
        ..RigSet::none()
    }
}

#[test]
fn a_temperature_rise_item_logs_until_steady_state() {
    let bench = Bench::new();
    // +15 K with a 20 min time constant: within 1 K per 30 min after about 80 minutes.
    let glass = Curve::Rise {
        from_c: 25.0,
        rise_k: 15.0,
        tau: Duration::from_secs(20 * 60),
    };
    let state = bench.run("CLM-RISE", 1, logger(&bench, glass));
    let rise = result(&state, "CLM-RISE", 1);
    assert_eq!(rise.verdict, Verdict::Pass, "{rise:?}");
    let hours = measured(rise, "duration")[0];
    assert!((1.3..1.4).contains(&hours), "{hours}");
    let drift = measured(rise, "steady_drift")[0];
    assert!(drift <= 1.0 && drift > 0.9, "{drift}");
    // One row every 30 s, and the rise against ambient ends near the scripted 15 K.
    let glass = measured(rise, "temp_cover_glass");
    assert_eq!(glass.len() as f64, (hours * 120.0).round() + 1.0);
    let last_rise = *measured(rise, "rise_cover_glass").last().unwrap();
    assert!((14.0..15.0).contains(&last_rise), "{last_rise}");
    assert_eq!(measured(rise, "dropouts"), [0.0]);
    let series = bench.series("CLM-RISE/thermal.csv");
    assert!(series.starts_with("elapsed_s,utc,cover_glass,ambient,note\n"));
}

#[test]
fn a_unit_that_never_settles_is_logged_to_the_maximum_and_judged_on_its_drift() {
    let bench = Bench::new();
    let glass = Curve::Ramp {
        from_c: 25.0,
        k_per_h: 3.0,
    };
    let state = bench.run("CLM-RISE", 1, logger(&bench, glass));
    let rise = result(&state, "CLM-RISE", 1);
    assert_eq!(measured(rise, "duration"), [8.0]);
    let (drift, verdict) = judged(rise, "steady_drift");
    assert_eq!(verdict, Verdict::NoPass);
    assert!((drift.unwrap() - 1.5).abs() < 1e-6, "{drift:?}");
    assert_eq!(rise.verdict, Verdict::NoPass);
}
