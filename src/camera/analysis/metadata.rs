//! Per-frame metadata accounting: drops, stalls, error/empty/wrong-size frames, repeated
//! sequence numbers and timestamps running backwards. O(1) work and memory per frame.
//!
//! A device drop is a gap in the driver sequence (`seq - last - 1`, modulo 2³², so a wrap at
//! `u32::MAX` is no gap). A sequence that jumps *backwards* is taken as a restart, not a drop.
//! Where frames carry no sequence, an interval above `gap_factor` × nominal (device time, else
//! host time) counts `round(dt / nominal) - 1` drops. Harness drops (our own queue overflowing)
//! are reported by the consumer and kept apart. A stall is a run of consecutive timeouts, counted
//! once however many timeouts it spans.

use std::time::Duration;

use crate::camera::frame::Frame;

/// Settings of the metadata accounting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetadataConfig {
    /// Nominal frame interval.
    pub nominal_interval: Duration,
    /// Intervals above this multiple of nominal count as drops when there is no sequence.
    pub gap_factor: f64,
    /// The exact payload size of a raw format; frames of another non-zero size are counted.
    pub expected_size: Option<u32>,
}

/// What the accounting has counted so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetadataCounts {
    /// Frames received.
    pub frames: u64,
    /// Frames the device lost (sequence gaps, or long intervals where there is no sequence).
    pub device_drops: u64,
    /// Of which estimated from intervals (no sequence).
    pub drops_by_timing: u64,
    /// Frames our own bounded queue discarded (reported by the consumer).
    pub harness_drops: u64,
    /// Stalls: runs of consecutive timeouts.
    pub stalls: u64,
    /// Timeouts, all told.
    pub timeouts: u64,
    /// Frames whose sequence equals the previous one (delivered twice).
    pub seq_repeats: u64,
    /// Times the sequence jumped backwards (taken as a restart).
    pub seq_restarts: u64,
    /// Frames whose device timestamp is earlier than the previous one.
    pub ts_backwards: u64,
    /// Frames the driver flagged as erroneous.
    pub error_frames: u64,
    /// Frames with no bytes.
    pub empty_frames: u64,
    /// Non-empty raw frames whose size differs from the format's.
    pub wrong_size_frames: u64,
    /// Stream starts seen (each resets the sequence tracking).
    pub stream_starts: u64,
}

/// What one frame showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameFindings {
    /// Device drops just before this frame.
    pub drops_before: u64,
    /// The frame repeats the previous sequence number.
    pub seq_repeat: bool,
    /// The interval to the previous frame, where both have a timestamp of the same kind and
    /// time did not run backwards.
    pub interval: Option<Duration>,
}

/// The running accounting. See the module documentation.
#[derive(Debug, Clone)]
pub struct MetadataAccount {
    config: MetadataConfig,
    counts: MetadataCounts,
    last_seq: Option<u32>,
    last_ts: Option<Duration>,
    in_stall: bool,
    /// Harness drops not yet matched to a gap in the sequence.
    unmatched_harness: u64,
}

impl MetadataAccount {
    /// A fresh accounting.
    pub fn new(config: MetadataConfig) -> MetadataAccount {
        MetadataAccount {
            config,
            counts: MetadataCounts::default(),
            last_seq: None,
            last_ts: None,
            in_stall: false,
            unmatched_harness: 0,
        }
    }

    /// A stream (re)started: sequence and timestamps restart, nothing in between is a drop.
    pub fn on_stream_start(&mut self) {
        self.counts.stream_starts += 1;
        self.last_seq = None;
        self.last_ts = None;
        self.in_stall = false;
        self.unmatched_harness = 0;
    }

    /// `next_frame` timed out.
    pub fn on_timeout(&mut self) {
        self.counts.timeouts += 1;
        if !self.in_stall {
            self.counts.stalls += 1;
            self.in_stall = true;
        }
    }

    /// The consumer's queue discarded `frames` frames. Report it before the frame that follows
    /// them: those frames leave a gap in the sequence that is ours, not the device's.
    pub fn on_harness_drop(&mut self, frames: u64) {
        self.counts.harness_drops += frames;
        self.unmatched_harness += frames;
    }

    /// Accounts one frame.
    pub fn on_frame(&mut self, frame: &Frame) -> FrameFindings {
        let c = &mut self.counts;
        c.frames += 1;
        self.in_stall = false;
        if frame.flags.error {
            c.error_frames += 1;
        }
        if frame.bytes_used == 0 {
            c.empty_frames += 1;
        } else if let Some(expected) = self.config.expected_size {
            if frame.bytes_used != expected {
                c.wrong_size_frames += 1;
            }
        }
        let mut findings = FrameFindings::default();
        let ts = frame.ts_device.unwrap_or(frame.ts_host);
        if let Some(last) = self.last_ts {
            match ts.checked_sub(last) {
                Some(dt) => findings.interval = Some(dt),
                None => c.ts_backwards += 1,
            }
        }
        match (frame.seq, self.last_seq) {
            (Some(seq), Some(last)) => {
                let step = seq.wrapping_sub(last);
                if step == 0 {
                    c.seq_repeats += 1;
                    findings.seq_repeat = true;
                } else if step > u32::MAX / 2 {
                    c.seq_restarts += 1;
                } else {
                    findings.drops_before = u64::from(step - 1);
                }
            }
            (None, _) => {
                if let Some(dt) = findings.interval {
                    findings.drops_before = drops_from_interval(&self.config, dt);
                }
            }
            (Some(_), None) => {}
        }
        // Frames our own queue discarded account for the first part of the gap.
        let ours = findings.drops_before.min(self.unmatched_harness);
        self.unmatched_harness -= ours;
        findings.drops_before -= ours;
        c.device_drops += findings.drops_before;
        if frame.seq.is_none() {
            c.drops_by_timing += findings.drops_before;
        }
        self.last_seq = frame.seq;
        self.last_ts = Some(ts);
        findings
    }

    /// The counts so far.
    pub fn counts(&self) -> MetadataCounts {
        self.counts
    }
}

/// Frames lost in an interval `dt` when there is no sequence: `round(dt / nominal) - 1` when
/// `dt` exceeds `gap_factor` × nominal, else none.
fn drops_from_interval(config: &MetadataConfig, dt: Duration) -> u64 {
    let nominal = config.nominal_interval.as_secs_f64();
    if nominal <= 0.0 {
        return 0;
    }
    let ratio = dt.as_secs_f64() / nominal;
    if ratio > config.gap_factor {
        (ratio.round() as u64).saturating_sub(1)
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::frame::{FrameFlags, PixelFormat, StreamKind};
    use std::sync::Arc;

    const NOMINAL: Duration = Duration::from_micros(33_333);

    fn frame(seq: Option<u32>, ts_us: u64) -> Frame {
        Frame {
            seq,
            ts_device: Some(Duration::from_micros(ts_us)),
            ts_host: Duration::from_micros(ts_us),
            bytes_used: 100,
            flags: FrameFlags::default(),
            format: PixelFormat::Grey,
            width: 10,
            height: 10,
            stream: StreamKind::Ir,
            data: Arc::from(Vec::new()),
        }
    }

    fn account() -> MetadataAccount {
        MetadataAccount::new(MetadataConfig {
            nominal_interval: NOMINAL,
            gap_factor: 1.5,
            expected_size: Some(100),
        })
    }

    #[test]
    fn sequence_gaps_count_across_the_u32_wrap() {
        let mut a = account();
        let seqs = [u32::MAX - 2, u32::MAX - 1, 1, 2, 5];
        for (i, s) in seqs.into_iter().enumerate() {
            a.on_frame(&frame(Some(s), i as u64 * 33_333));
        }
        // MAX-1 → 1 skips MAX and 0; 2 → 5 skips 3 and 4.
        assert_eq!(a.counts().device_drops, 4);
        assert_eq!(a.counts().drops_by_timing, 0);
    }

    #[test]
    fn without_sequence_long_intervals_count_as_drops() {
        let mut a = account();
        for ts in [0, 33_333, 66_666, 166_666, 199_999, 249_998] {
            a.on_frame(&frame(None, ts));
        }
        // 100 ms = 3 intervals → 2 lost; 49.999 ms is not above 1.5 × 33.333 ms → none.
        assert_eq!(a.counts().device_drops, 2);
        assert_eq!(a.counts().drops_by_timing, 2);
    }

    #[test]
    fn repeats_restarts_backwards_time_and_bad_frames() {
        let mut a = account();
        a.on_frame(&frame(Some(10), 1_000_000));
        a.on_frame(&frame(Some(10), 1_000_000));
        a.on_frame(&frame(Some(3), 900_000));
        let mut bad = frame(Some(4), 1_100_000);
        bad.flags.error = true;
        bad.bytes_used = 0;
        a.on_frame(&bad);
        let mut short = frame(Some(5), 1_133_333);
        short.bytes_used = 60;
        a.on_frame(&short);
        let c = a.counts();
        assert_eq!(c.seq_repeats, 1);
        assert_eq!(c.seq_restarts, 1);
        assert_eq!(c.ts_backwards, 1);
        assert_eq!(c.error_frames, 1);
        assert_eq!(c.empty_frames, 1);
        assert_eq!(c.wrong_size_frames, 1);
        assert_eq!(c.device_drops, 0);
    }

    #[test]
    fn harness_drops_are_not_device_drops() {
        let mut a = account();
        a.on_frame(&frame(Some(0), 0));
        a.on_harness_drop(2);
        a.on_frame(&frame(Some(4), 133_332)); // 1, 2 ours; 3 the device's
        a.on_frame(&frame(Some(5), 166_665));
        let c = a.counts();
        assert_eq!((c.harness_drops, c.device_drops), (2, 1));
    }

    #[test]
    fn consecutive_timeouts_are_one_stall_and_restart_resets_sequence() {
        let mut a = account();
        a.on_frame(&frame(Some(0), 0));
        a.on_timeout();
        a.on_timeout();
        a.on_frame(&frame(Some(1), 33_333));
        a.on_timeout();
        a.on_stream_start();
        a.on_frame(&frame(Some(0), 5_000_000));
        a.on_harness_drop(3);
        let c = a.counts();
        assert_eq!((c.stalls, c.timeouts), (2, 3));
        assert_eq!(c.device_drops, 0);
        assert_eq!(c.seq_restarts, 0);
        assert_eq!(c.harness_drops, 3);
    }
}
