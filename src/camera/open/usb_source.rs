//! A V4L2 source named by USB id: the node is looked up in sysfs on every open, so a camera
//! that re-enumerates under another `/dev/videoN` after a re-plug is found again.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::camera::select::usb::{find_usb_node, usb_video_nodes, UsbId, SYSFS_VIDEO4LINUX};
use crate::camera::v4l::{V4lConfig, V4lSource};
use crate::camera::{
    CameraError, ExposureControls, Frame, FrameSource, OpenInfo, SourceCapabilities, StreamConfig,
};
use crate::clock::Clock;

/// See the module documentation.
#[derive(Debug)]
pub struct UsbV4lSource {
    id: UsbId,
    inner: V4lSource,
    clock: Arc<dyn Clock>,
}

impl UsbV4lSource {
    /// A source for the camera `id`, with `config`'s mode and stream (its path is replaced by
    /// the node found on each open).
    pub fn new(id: UsbId, config: V4lConfig, clock: Arc<dyn Clock>) -> UsbV4lSource {
        UsbV4lSource {
            id,
            inner: V4lSource::new(config, Arc::clone(&clock)),
            clock,
        }
    }
}

impl FrameSource for UsbV4lSource {
    fn open(&mut self) -> Result<OpenInfo, CameraError> {
        let nodes = usb_video_nodes(Path::new(SYSFS_VIDEO4LINUX));
        let node = find_usb_node(&nodes, &self.id).map_err(|_| CameraError::NotFound {
            path: format!("usb:{}", self.id),
        })?;
        if node != self.inner.path() {
            let mut config = self.inner.config().clone();
            config.path = node;
            self.inner = V4lSource::new(config, Arc::clone(&self.clock));
        }
        self.inner.open()
    }

    fn start(&mut self) -> Result<(), CameraError> {
        self.inner.start()
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Frame, CameraError> {
        self.inner.next_frame(timeout)
    }

    fn stop(&mut self) -> Result<(), CameraError> {
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

    fn configure(&mut self, wanted: &StreamConfig) -> Result<StreamConfig, CameraError> {
        self.inner.configure(wanted)
    }
}
