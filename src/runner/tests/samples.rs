//! Several samples in one run: shared rigs give every sample the same measurements, each
//! sample's camera judges that sample only.

use super::camera::chamber_and_cameras;
use super::{measured, result, Bench};
use crate::fake::{CameraScript, ChamberScript, FakeChamber};
use crate::judge::Verdict;
use crate::station::RigSet;

#[test]
fn a_shared_chamber_step_gives_one_outcome_per_sample() {
    let bench = Bench::new();
    let rigs = RigSet {
        chamber: Some(Box::new(FakeChamber::new(
            ChamberScript::healthy(),
            bench.clock(),
        ))),
        ..RigSet::none()
    };
    let state = bench.run("CLM-HOLD", 3, rigs);
    let results = &state.results["CLM-HOLD"];
    assert_eq!(results.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
    let first = measured(&results[&1], "chamber_temp");
    for (sample, r) in results {
        assert_eq!(r.verdict, Verdict::Pass, "sample {sample}");
        assert_eq!(r.device_sn, super::unit(*sample as usize).device_sn);
        assert_eq!(measured(r, "chamber_temp"), first, "the chamber ran once");
    }
}

#[test]
fn a_lost_camera_fails_its_own_sample_and_the_others_are_judged() {
    let bench = Bench::new();
    let lost = CameraScript {
        lost_after_frames: Some(3000),
        ..CameraScript::default()
    };
    let rigs = chamber_and_cameras(&bench, &[CameraScript::default(), lost]);
    let state = bench.run("CAM-COLD", 2, rigs);
    let healthy = result(&state, "CAM-COLD", 1);
    assert_eq!(healthy.verdict, Verdict::Pass, "{healthy:?}");
    assert!(!measured(healthy, "fps").is_empty());
    let lost = result(&state, "CAM-COLD", 2);
    assert_eq!(lost.verdict, Verdict::Error, "{lost:?}");
    assert!(lost
        .reason
        .as_deref()
        .unwrap()
        .contains("did not come back"));
    // The shared chamber's readings reach both samples.
    assert_eq!(
        measured(healthy, "chamber_temp"),
        measured(lost, "chamber_temp")
    );
}
