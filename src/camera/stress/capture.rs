//! A capture thread: owns a started source, dequeues frames as fast as the camera delivers them
//! (so the driver's buffers are re-queued at once) and hands them to the analysis through a
//! bounded queue. When the queue is full the frame is discarded and counted as a *harness*
//! drop — our fault, kept apart from the device's drops: the next frame that gets through
//! carries the count, and [`FrameAnalyzer::on_harness_drop`](crate::camera::analysis::FrameAnalyzer::on_harness_drop)
//! called before its `on_frame` keeps those frames out of the device's sequence gaps.

use std::sync::mpsc::{sync_channel, Receiver, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::StopFlag;
use crate::camera::error::CameraError;
use crate::camera::frame::Frame;
use crate::camera::source::FrameSource;
use crate::clock::Clock;

/// What the capture thread passes on.
#[derive(Debug)]
pub enum CaptureEvent {
    /// A frame, and how many frames our queue discarded just before it.
    Frame {
        /// The frame.
        frame: Frame,
        /// Frames discarded since the previous event (harness drops).
        harness_drops_before: u64,
    },
    /// `next_frame` timed out at this clock time.
    Timeout {
        /// Clock time of the timeout.
        at: Duration,
    },
    /// The stream failed; the thread has ended and the source awaits `stop`.
    Error(CameraError),
}

/// The running capture thread. See the module documentation.
#[derive(Debug)]
pub struct CaptureThread {
    rx: Option<Receiver<CaptureEvent>>,
    stop: StopFlag,
    handle: Option<JoinHandle<Box<dyn FrameSource>>>,
}

impl CaptureThread {
    /// Starts capturing from `source` (already started) into a queue of `capacity` events.
    pub fn spawn(
        mut source: Box<dyn FrameSource>,
        clock: Arc<dyn Clock>,
        capacity: usize,
        frame_timeout: Duration,
    ) -> CaptureThread {
        let (tx, rx) = sync_channel(capacity.max(1));
        let stop = StopFlag::new();
        let stopping = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut discarded = 0;
            while !stopping.is_stopped() {
                let event = match source.next_frame(frame_timeout) {
                    Ok(frame) => {
                        let event = CaptureEvent::Frame {
                            frame,
                            harness_drops_before: discarded,
                        };
                        match tx.try_send(event) {
                            Ok(()) => discarded = 0,
                            Err(TrySendError::Full(_)) => discarded += 1,
                            Err(TrySendError::Disconnected(_)) => break,
                        }
                        continue;
                    }
                    Err(CameraError::Timeout { .. }) => CaptureEvent::Timeout {
                        at: clock.elapsed(),
                    },
                    Err(e) => {
                        let _ = tx.send(CaptureEvent::Error(e));
                        break;
                    }
                };
                // Timeouts are rare and matter: wait for room rather than lose one.
                if tx.send(event).is_err() {
                    break;
                }
            }
            source
        });
        CaptureThread {
            rx: Some(rx),
            stop,
            handle: Some(handle),
        }
    }

    /// The next event, waiting at most `wait` of real time; `None` if none came (or the thread
    /// has ended and the queue is drained).
    pub fn recv(&self, wait: Duration) -> Option<CaptureEvent> {
        self.rx.as_ref()?.recv_timeout(wait).ok()
    }

    /// Stops the thread and gives the source back (still started: stop and close it).
    /// `None` if the capture thread panicked.
    pub fn finish(mut self) -> Option<Box<dyn FrameSource>> {
        self.stop.stop();
        // Dropping the receiver wakes a thread blocked on a full queue.
        self.rx = None;
        self.handle.take()?.join().ok()
    }
}
