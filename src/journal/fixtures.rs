//! Sample events shared by the journal's unit tests.

use super::event::{ItemResult, MeasuredSeries, ResultSource, RunEvent, JOURNAL_FORMAT};
use crate::judge::{CriterionOutcome, Verdict};
use crate::unit::{Features, Unit};

pub(super) fn unit() -> Unit {
    Unit {
        vendor: "Acme".into(),
        model: "FP-1".into(),
        device_type: "face-pos".into(),
        usage: None,
        device_sn: "ACME0000000000000000001".into(),
        camera_sn: "CAM-1".into(),
        camera_model: None,
        features: Features {
            wifi: true,
            bluetooth: false,
            cellular_4g: true,
        },
        lab: "Lab 3".into(),
        operator: "li".into(),
    }
}

pub(super) fn run_started() -> RunEvent {
    RunEvent::RunStarted {
        format: JOURNAL_FORMAT,
        facebench_version: "0.1.0".into(),
        plan_path: "testplans/gb.toml".into(),
        plan_sha256: "aa".repeat(32),
        standard: "gb".into(),
        units: vec![unit()],
        station: "sim".into(),
        host: "bench-3".into(),
    }
}

pub(super) fn item_started(item: &str, attempt: u32) -> RunEvent {
    RunEvent::ItemStarted {
        item: item.into(),
        attempt,
    }
}

pub(super) fn result(item: &str, verdict: Verdict, source: ResultSource) -> ItemResult {
    ItemResult {
        item: item.into(),
        sample: 1,
        device_sn: unit().device_sn,
        verdict,
        source,
        operator: "li".into(),
        measurements: vec![MeasuredSeries {
            name: "temperature".into(),
            unit: "°C".into(),
            values: vec![-20.5, 0.1, 55.0],
        }],
        criteria: vec![CriterionOutcome {
            measurement: "temperature".into(),
            value: Some(55.0),
            verdict,
            marginal: false,
            requirement: "max ≤ 60 °C".into(),
            reason: None,
        }],
        operator_verdict: Some(verdict),
        reason: Some("first try".into()),
        note: "ok".into(),
        attachments: vec!["attachments/1.1/photo.jpg".into()],
    }
}

pub(super) fn item_result(item: &str, verdict: Verdict) -> RunEvent {
    RunEvent::ItemResult(result(item, verdict, ResultSource::Measured))
}

/// One event of every type, in a plausible order.
pub(super) fn every_event() -> Vec<RunEvent> {
    vec![
        run_started(),
        item_started("1.1", 1),
        item_result("1.1", Verdict::Pass),
        RunEvent::RunStopped {
            reason: "lunch".into(),
        },
        RunEvent::RunResumed {
            facebench_version: "0.1.1".into(),
            plan_sha256: "bb".repeat(32),
            plan_changed: true,
            truncated_bytes: 17,
        },
        RunEvent::RunFinished {
            verdict: Verdict::Pass,
        },
    ]
}
