//! A fault-injecting decorator: [`FaultySource`] wraps any [`FrameSource`] and injects the faults
//! of a seeded [`FaultPlan`] — drops and bursts, jitter, stalls, frozen and duplicated frames,
//! corrupt MJPEG, error-flagged, empty, black and blown-out frames, timestamps running backwards,
//! exposure drift, rate halving in a dark scene, unplug and re-appearance under a new path, and
//! busy-on-open. A shared [`FaultLog`] records exactly what was injected, so tests can compare
//! what the analysis detected with the truth.
//!
//! Stalls and re-appearance wait on the decorator's [`Clock`]; on a
//! [`SimClock`](crate::clock::SimClock) they cost no real time.

mod pixels;
pub mod plan;
pub mod rng;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::Clock;

use super::error::CameraError;
use super::frame::Frame;
use super::source::{ExposureControls, FrameSource, OpenInfo, SourceCapabilities};
use pixels::UniformJpegCache;
pub use plan::{Disconnect, ExposureDrift, FaultPlan, Trigger};
use rng::SplitMix64;

/// What the decorator injected, counted exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultLog {
    /// Frames pulled from the wrapped source.
    pub pulled: u64,
    /// Frames delivered to the caller (duplicates included).
    pub delivered: u64,
    /// Frames dropped by `drop` and `burst` together.
    pub dropped: u64,
    /// Bursts started.
    pub bursts: u64,
    /// Stalls injected.
    pub stalls: u64,
    /// Frames given the previous payload.
    pub frozen: u64,
    /// Frames delivered twice.
    pub duplicated: u64,
    /// Payloads cut to half.
    pub truncated: u64,
    /// MJPEG EOI markers cleared.
    pub eoi_cleared: u64,
    /// Frames flagged as errors.
    pub error_flagged: u64,
    /// Frames emptied.
    pub emptied: u64,
    /// Frames made black.
    pub blacked: u64,
    /// Frames made white.
    pub blown: u64,
    /// Timestamps put before the previous frame's.
    pub ts_backwards: u64,
    /// Frames skipped by the halved frame rate (not drops: the sequence stays contiguous).
    pub halved: u64,
    /// Unplugs.
    pub disconnects: u64,
    /// Opens refused with EBUSY.
    pub busy_opens: u64,
    /// Opens refused because the node was gone.
    pub gone_opens: u64,
}

/// A handle to read the [`FaultLog`] after the decorator has been moved away.
#[derive(Debug, Clone, Default)]
pub struct FaultLogHandle(Arc<Mutex<FaultLog>>);

impl FaultLogHandle {
    /// The log as it stands.
    pub fn snapshot(&self) -> FaultLog {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, f: impl FnOnce(&mut FaultLog)) {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// The decorator. See the module documentation.
pub struct FaultySource<S> {
    inner: S,
    plan: FaultPlan,
    clock: Arc<dyn Clock>,
    rng: SplitMix64,
    log: FaultLogHandle,
    created_at: Duration,
    index: u64,
    delivered_since_create: u64,
    stall_until: Option<Duration>,
    stalled_at_index: Option<u64>,
    burst_left: u32,
    frozen_left: u32,
    last_payload: Option<(Arc<[u8]>, u32)>,
    last_ts_device: Option<Duration>,
    pending_duplicate: Option<Frame>,
    halve_skip_next: bool,
    seq_shift: u32,
    path: Option<String>,
    gone_since: Option<Duration>,
    disconnected_once: bool,
    opens: u64,
    busy_block: Vec<bool>,
    jpeg_cache: UniformJpegCache,
}

impl<S> std::fmt::Debug for FaultySource<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultySource")
            .field("plan", &self.plan)
            .field("log", &self.log.snapshot())
            .finish()
    }
}

impl<S: FrameSource> FaultySource<S> {
    /// Wraps `inner`, injecting `plan`, waiting on `clock`.
    pub fn new(inner: S, plan: FaultPlan, clock: Arc<dyn Clock>) -> FaultySource<S> {
        FaultySource {
            rng: SplitMix64::new(plan.seed),
            created_at: clock.elapsed(),
            inner,
            plan,
            clock,
            log: FaultLogHandle::default(),
            index: 0,
            delivered_since_create: 0,
            stall_until: None,
            stalled_at_index: None,
            burst_left: 0,
            frozen_left: 0,
            last_payload: None,
            last_ts_device: None,
            pending_duplicate: None,
            halve_skip_next: false,
            seq_shift: 0,
            path: None,
            gone_since: None,
            disconnected_once: false,
            opens: 0,
            busy_block: Vec::new(),
            jpeg_cache: UniformJpegCache::default(),
        }
    }

    /// The wrapped source.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// A handle on the log of injected faults.
    pub fn log(&self) -> FaultLogHandle {
        self.log.clone()
    }

    fn current_path(&self) -> String {
        self.path.clone().unwrap_or_default()
    }

    /// Whether this open is one of the `k` busy ones in its block of `n`.
    fn open_is_busy(&mut self) -> bool {
        let Some((k, n)) = self.plan.busy_on_open else {
            return false;
        };
        if n == 0 {
            return false;
        }
        let slot = usize::try_from(self.opens % u64::from(n)).unwrap_or(0);
        if slot == 0 {
            // A new block: choose k of n slots (partial Fisher–Yates).
            let mut order: Vec<usize> = (0..n as usize).collect();
            for i in 0..(k.min(n) as usize) {
                let j = i + self.rng.below((order.len() - i) as u64) as usize;
                order.swap(i, j);
            }
            self.busy_block = vec![false; n as usize];
            for &i in order.iter().take(k.min(n) as usize) {
                if let Some(b) = self.busy_block.get_mut(i) {
                    *b = true;
                }
            }
        }
        self.opens += 1;
        self.busy_block.get(slot).copied().unwrap_or(false)
    }

    fn auto_priority_allowed(&mut self) -> bool {
        match self.inner.controls() {
            Some(c) => c.auto_priority().unwrap_or(true),
            None => true,
        }
    }

    /// Waits out a pending stall; `Err(Timeout)` when it outlasts the caller's deadline.
    fn wait_stall(&mut self, deadline: Duration, timeout: Duration) -> Result<(), CameraError> {
        let Some(until) = self.stall_until else {
            return Ok(());
        };
        let now = self.clock.elapsed();
        if now < until {
            let left = deadline.saturating_sub(now);
            if until - now >= left {
                self.clock.sleep(left);
                return Err(CameraError::Timeout { waited: timeout });
            }
            self.clock.sleep(until - now);
        }
        self.stall_until = None;
        Ok(())
    }

    /// Pulls frames from the wrapped source until one survives the drop faults.
    fn pull(&mut self, deadline: Duration, timeout: Duration) -> Result<Frame, CameraError> {
        loop {
            self.wait_stall(deadline, timeout)?;
            let index = self.index;
            if self.stalled_at_index != Some(index) && self.plan.stall.fires(index, &mut self.rng) {
                self.stalled_at_index = Some(index);
                self.stall_until = Some(self.clock.elapsed() + self.plan.stall_for);
                self.log.update(|l| l.stalls += 1);
                continue;
            }
            let left = deadline.saturating_sub(self.clock.elapsed());
            let frame = self.inner.next_frame(left)?;
            self.index += 1;
            self.log.update(|l| l.pulled += 1);
            if self.burst_left > 0 {
                self.burst_left -= 1;
                self.log.update(|l| l.dropped += 1);
                continue;
            }
            if self.plan.burst.fires(index, &mut self.rng) {
                self.burst_left = self.plan.burst_len.saturating_sub(1);
                self.log.update(|l| {
                    l.bursts += 1;
                    l.dropped += 1;
                });
                continue;
            }
            if self.plan.drop.fires(index, &mut self.rng) {
                self.log.update(|l| l.dropped += 1);
                continue;
            }
            if self.is_dark(frame.ts_host) && self.auto_priority_allowed() {
                self.halve_skip_next = !self.halve_skip_next;
                if !self.halve_skip_next {
                    self.seq_shift = self.seq_shift.wrapping_add(1);
                    self.log.update(|l| l.halved += 1);
                    continue;
                }
            }
            return Ok(frame);
        }
    }

    fn is_dark(&self, at: Duration) -> bool {
        self.plan
            .dark_scene_from
            .is_some_and(|from| at.saturating_sub(self.created_at) >= from)
    }

    /// Applies the per-frame edits to a surviving frame pulled at `index`.
    fn edit(&mut self, frame: &mut Frame, index: u64) {
        let dark = self.is_dark(frame.ts_host);
        let plan = &self.plan;
        let rng = &mut self.rng;
        let mut log = FaultLog::default();
        frame.seq = frame.seq.map(|s| s.wrapping_sub(self.seq_shift));
        if !plan.jitter.is_zero() {
            if let Some(ts) = frame.ts_device {
                let noise = rng.gaussian() * plan.jitter.as_secs_f64();
                let nanos = ts.as_nanos() as f64 + noise * 1e9;
                frame.ts_device = Some(Duration::from_nanos(nanos.max(0.0) as u64));
            }
        }
        if plan.ts_backwards.fires(index, rng) {
            if let (Some(last), Some(_)) = (self.last_ts_device, frame.ts_device) {
                frame.ts_device = Some(last.saturating_sub(Duration::from_millis(1)));
                log.ts_backwards += 1;
            }
        }
        if plan.frozen.fires(index, rng) {
            self.frozen_left = plan.frozen_len;
        }
        if self.frozen_left > 0 {
            self.frozen_left -= 1;
            if let (Some((data, used)), true) = (&self.last_payload, frame.has_payload()) {
                frame.data = data.clone();
                frame.bytes_used = *used;
                log.frozen += 1;
            }
        }
        let age = frame.ts_host.saturating_sub(self.created_at);
        let mut scale = plan.exposure_drift.map_or(1.0, |d| d.scale_at(age));
        if dark {
            scale *= 0.25;
        }
        if scale < 1.0 {
            if let Some(data) = pixels::map_luma(frame, |y| (f64::from(y) * scale) as u8) {
                frame.data = data;
            }
        }
        if plan.black.fires(index, rng) && pixels::fill(frame, 0, &mut self.jpeg_cache) {
            log.blacked += 1;
        }
        if plan.blown.fires(index, rng) && pixels::fill(frame, 255, &mut self.jpeg_cache) {
            log.blown += 1;
        }
        if plan.truncate.fires(index, rng) && pixels::truncate_half(frame) {
            log.truncated += 1;
        }
        if plan.clear_eoi.fires(index, rng) && pixels::clear_eoi(frame) {
            log.eoi_cleared += 1;
        }
        if plan.error_flag.fires(index, rng) {
            frame.flags.error = true;
            log.error_flagged += 1;
        }
        if plan.empty.fires(index, rng) {
            frame.bytes_used = 0;
            frame.data = Arc::from(Vec::new());
            log.emptied += 1;
        }
        if plan.duplicate.fires(index, rng) {
            self.pending_duplicate = Some(frame.clone());
        }
        if frame.has_payload() {
            self.last_payload = Some((frame.data.clone(), frame.bytes_used));
        }
        if frame.ts_device.is_some() {
            self.last_ts_device = frame.ts_device;
        }
        self.log.update(|l| {
            l.ts_backwards += log.ts_backwards;
            l.frozen += log.frozen;
            l.blacked += log.blacked;
            l.blown += log.blown;
            l.truncated += log.truncated;
            l.eoi_cleared += log.eoi_cleared;
            l.error_flagged += log.error_flagged;
            l.emptied += log.emptied;
            l.delivered += 1;
        });
    }
}

impl<S: FrameSource> FrameSource for FaultySource<S> {
    fn open(&mut self) -> Result<OpenInfo, CameraError> {
        if let Some(gone) = self.gone_since {
            let reappear = self
                .plan
                .disconnect
                .as_ref()
                .map_or(Duration::ZERO, |d| d.reappear_after);
            if self.clock.elapsed().saturating_sub(gone) < reappear {
                self.log.update(|l| l.gone_opens += 1);
                return Err(CameraError::NotFound {
                    path: self.current_path(),
                });
            }
            self.gone_since = None;
            self.path = self.plan.disconnect.as_ref().map(|d| d.new_path.clone());
        }
        if self.open_is_busy() {
            self.log.update(|l| l.busy_opens += 1);
            return Err(CameraError::Busy {
                path: self.current_path(),
            });
        }
        let mut info = self.inner.open()?;
        match &self.path {
            Some(path) => info.path = path.clone(),
            None => self.path = Some(info.path.clone()),
        }
        Ok(info)
    }

    fn start(&mut self) -> Result<(), CameraError> {
        if self.gone_since.is_some() {
            return Err(CameraError::Disconnected {
                path: self.current_path(),
            });
        }
        self.inner.start()?;
        self.seq_shift = 0;
        self.halve_skip_next = false;
        self.pending_duplicate = None;
        self.last_ts_device = None;
        Ok(())
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        if self.gone_since.is_some() {
            return Err(CameraError::Disconnected {
                path: self.current_path(),
            });
        }
        if let Some(frame) = self.pending_duplicate.take() {
            self.log.update(|l| {
                l.duplicated += 1;
                l.delivered += 1;
            });
            return Ok(frame);
        }
        if let Some(d) = &self.plan.disconnect {
            if !self.disconnected_once && self.delivered_since_create >= d.after_frames {
                self.disconnected_once = true;
                self.gone_since = Some(self.clock.elapsed());
                self.log.update(|l| l.disconnects += 1);
                return Err(CameraError::Disconnected {
                    path: self.current_path(),
                });
            }
        }
        let deadline = self.clock.elapsed() + timeout;
        let mut frame = self.pull(deadline, timeout)?;
        // `pull` may have skipped frames; the edits key on the index of the frame delivered.
        self.edit(&mut frame, self.index.saturating_sub(1));
        self.delivered_since_create += 1;
        Ok(frame)
    }

    fn stop(&mut self) -> Result<(), CameraError> {
        if self.gone_since.is_some() {
            return Err(CameraError::Disconnected {
                path: self.current_path(),
            });
        }
        self.inner.stop()
    }

    fn close(&mut self) {
        self.inner.close();
    }

    fn controls(&mut self) -> Option<&mut dyn ExposureControls> {
        self.inner.controls()
    }

    fn capabilities(&self) -> SourceCapabilities {
        self.inner.capabilities()
    }

    fn configure(
        &mut self,
        wanted: &super::frame::StreamConfig,
    ) -> Result<super::frame::StreamConfig, CameraError> {
        self.inner.configure(wanted)
    }
}
