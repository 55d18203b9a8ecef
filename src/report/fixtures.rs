//! Runs of several units shared by the report modules' unit tests.

use std::collections::BTreeMap;

use crate::journal::{HistoryEntry, ItemResult, ResultSource, RunState};
use crate::judge::Verdict;
use crate::unit::{Features, Unit};

/// The items every fixture run has a result for, on every sample.
pub(super) const ITEMS: [&str; 2] = ["CLM-001", "PER-001"];

/// A unit of `vendor` `model` whose SN ends in its sample number.
pub(super) fn unit(vendor: &str, model: &str, sample: u32) -> Unit {
    Unit {
        vendor: vendor.into(),
        model: model.into(),
        device_type: "desktop-single-screen".into(),
        usage: None,
        device_sn: format!("ACME00000000000000000{sample:02}"),
        camera_sn: format!("CAM-{sample}"),
        camera_model: None,
        features: Features::default(),
        lab: "Lab 3".into(),
        operator: "li".into(),
    }
}

/// A passing result of `item` on `sample`.
pub(super) fn result(item: &str, sample: u32, verdict: Verdict) -> ItemResult {
    ItemResult {
        item: item.into(),
        sample,
        device_sn: format!("ACME00000000000000000{sample:02}"),
        verdict,
        source: ResultSource::Measured,
        operator: "li".into(),
        measurements: Vec::new(),
        criteria: Vec::new(),
        operator_verdict: None,
        reason: None,
        note: String::new(),
        attachments: Vec::new(),
    }
}

/// A run of one unit per (vendor, model) pair, sample 1 first, every [`ITEMS`] passed on
/// every sample.
pub(super) fn state_with_units(units: &[(&str, &str)]) -> RunState {
    let units: Vec<Unit> = (1u32..)
        .zip(units)
        .map(|(n, (vendor, model))| unit(vendor, model, n))
        .collect();
    let samples = 1..=units.len() as u32;
    let results: BTreeMap<String, BTreeMap<u32, ItemResult>> = ITEMS
        .iter()
        .map(|item| {
            let by_sample = samples
                .clone()
                .map(|n| (n, result(item, n, Verdict::Pass)))
                .collect();
            (item.to_string(), by_sample)
        })
        .collect();
    let utc = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    let history = results
        .iter()
        .map(|(item, by_sample)| {
            let entries = by_sample
                .values()
                .map(|result| HistoryEntry {
                    recorded_utc: utc,
                    result: result.clone(),
                })
                .collect();
            (item.clone(), entries)
        })
        .collect();
    RunState {
        facebench_version: "0.1.0".into(),
        plan_path: "plan.toml".into(),
        plan_sha256: "aa".repeat(32),
        standard: "desktop-cashier".into(),
        units,
        station: "sim".into(),
        started_utc: utc,
        last_utc: utc,
        results,
        history,
        attempts: BTreeMap::new(),
        interrupted: None,
        sessions: 1,
        finished: true,
        last_seq: 0,
    }
}
