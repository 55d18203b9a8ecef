//! What V4L2 devices the machine has: nodes, their stable `/dev/v4l/by-id` names, formats, frame
//! sizes, frame rates and controls (what `v4l2-ctl --list-devices --list-formats-ext
//! --list-ctrls` shows), for `facebench camera list`. A node that cannot be opened or queried is
//! still listed, with the error.

use std::path::{Path, PathBuf};

use crate::camera::{FrameRate, PixelFormat};

use super::ioctl::Node;
use super::map::{
    control_flag_names, control_has_value, control_type_name, pixel_format, resolve_node,
};

/// Where udev puts the stable per-device links.
const BY_ID_DIR: &str = "/dev/v4l/by-id";

/// One device node.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceListing {
    /// `/dev/videoN`.
    pub path: PathBuf,
    /// Links in `/dev/v4l/by-id` pointing at this node (use these in station files).
    pub by_id: Vec<PathBuf>,
    /// Driver name.
    pub driver: String,
    /// Device name.
    pub card: String,
    /// Bus location.
    pub bus_info: String,
    /// Whether the node streams video (metadata nodes do not).
    pub is_capture: bool,
    /// Capture formats.
    pub formats: Vec<FormatListing>,
    /// Controls.
    pub controls: Vec<ControlListing>,
    /// Why the node could not be opened or fully queried.
    pub error: Option<String>,
}

/// One capture format.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatListing {
    /// Pixel format.
    pub format: PixelFormat,
    /// The driver's description.
    pub description: String,
    /// Frame sizes (for a stepwise range: its smallest and largest size).
    pub sizes: Vec<SizeListing>,
}

/// One frame size and its rates.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeListing {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Frame rates (all of them, NTSC and 7.5 fps included; for a range, its ends).
    pub rates: Vec<FrameRate>,
}

/// One control.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlListing {
    /// Control id (use ids, not names: names differ between kernels).
    pub id: u32,
    /// Name.
    pub name: String,
    /// Type name (`int`, `bool`, `menu` …).
    pub kind: &'static str,
    /// Minimum.
    pub minimum: i64,
    /// Maximum.
    pub maximum: i64,
    /// Step.
    pub step: u64,
    /// Default.
    pub default: i64,
    /// Current value, where it could be read.
    pub value: Option<i64>,
    /// Notable flags (`inactive`, `volatile`, `read-only` …).
    pub flags: Vec<&'static str>,
}

/// Lists every `/dev/video*` node, in number order.
pub fn list_devices() -> Vec<DeviceListing> {
    let by_id = by_id_links(Path::new(BY_ID_DIR));
    video_nodes(Path::new("/dev"))
        .into_iter()
        .map(|path| {
            let links = by_id
                .iter()
                .filter(|(_, target)| *target == path)
                .map(|(link, _)| link.clone())
                .collect();
            describe_node(&path, links)
        })
        .collect()
}

/// `videoN` entries of `dir`, sorted by N.
fn video_nodes(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut nodes: Vec<(u32, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let number = name.to_str()?.strip_prefix("video")?.parse::<u32>().ok()?;
            Some((number, entry.path()))
        })
        .collect();
    nodes.sort();
    nodes.into_iter().map(|(_, path)| path).collect()
}

/// (link, resolved node) for every link in `dir` that resolves.
fn by_id_links(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut links: Vec<(PathBuf, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let link = entry.path();
            let target = resolve_node(&link).ok()?;
            Some((link, target))
        })
        .collect();
    links.sort();
    links
}

/// Everything one node tells about itself.
pub fn describe_node(path: &Path, by_id: Vec<PathBuf>) -> DeviceListing {
    let mut listing = DeviceListing {
        path: path.to_path_buf(),
        by_id,
        driver: String::new(),
        card: String::new(),
        bus_info: String::new(),
        is_capture: false,
        formats: Vec::new(),
        controls: Vec::new(),
        error: None,
    };
    let node = match Node::open(path) {
        Ok(node) => node,
        Err(e) => {
            listing.error = Some(format!("open: {e}"));
            return listing;
        }
    };
    match node.query_caps() {
        Ok(caps) => {
            listing.is_capture = caps.is_video_capture();
            listing.driver = caps.driver;
            listing.card = caps.card;
            listing.bus_info = caps.bus_info;
        }
        Err(e) => {
            listing.error = Some(format!("VIDIOC_QUERYCAP: {e}"));
            return listing;
        }
    }
    if !listing.is_capture {
        return listing;
    }
    match formats_of(&node) {
        Ok(formats) => listing.formats = formats,
        Err(e) => listing.error = Some(e),
    }
    match node.controls() {
        Ok(controls) => {
            listing.controls = controls
                .into_iter()
                .map(|c| ControlListing {
                    value: control_has_value(c.kind)
                        .then(|| node.control(c.id).ok().map(i64::from))
                        .flatten(),
                    id: c.id,
                    name: c.name,
                    kind: control_type_name(c.kind),
                    minimum: c.minimum,
                    maximum: c.maximum,
                    step: c.step,
                    default: c.default,
                    flags: control_flag_names(c.flags),
                })
                .collect();
        }
        Err(e) => {
            listing
                .error
                .get_or_insert(format!("VIDIOC_QUERY_EXT_CTRL: {e}"));
        }
    }
    listing
}

fn formats_of(node: &Node) -> Result<Vec<FormatListing>, String> {
    let formats = node
        .formats()
        .map_err(|e| format!("VIDIOC_ENUM_FMT: {e}"))?;
    let mut out = Vec::new();
    for (code, description) in formats {
        let sizes = node
            .frame_sizes(code)
            .map_err(|e| format!("VIDIOC_ENUM_FRAMESIZES: {e}"))?;
        let sizes = sizes
            .into_iter()
            .map(|(width, height)| SizeListing {
                width,
                height,
                rates: node
                    .frame_intervals(code, width, height)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|f| f.frame_rate())
                    .collect(),
            })
            .collect();
        out.push(FormatListing {
            format: pixel_format(code),
            description,
            sizes,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_nodes_are_sorted_by_number_and_others_ignored() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["video10", "video2", "video0", "videoX", "media0", "video-1"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let names: Vec<String> = video_nodes(dir.path())
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
            .collect();
        assert_eq!(names, ["video0", "video2", "video10"]);
        assert!(video_nodes(Path::new("/nonexistent")).is_empty());
    }

    #[test]
    fn by_id_links_resolve_and_dangling_ones_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("video0"), b"").unwrap();
        let by_id = dir.path().join("by-id");
        std::fs::create_dir(&by_id).unwrap();
        std::os::unix::fs::symlink("../video0", by_id.join("usb-Acme_Cam-video-index0")).unwrap();
        std::os::unix::fs::symlink("../video9", by_id.join("usb-Gone-video-index0")).unwrap();
        let links = by_id_links(&by_id);
        assert_eq!(links.len(), 1);
        assert!(links[0].0.ends_with("usb-Acme_Cam-video-index0"));
        assert_eq!(
            links[0].1,
            dir.path().join("video0").canonicalize().unwrap()
        );
    }

    #[test]
    fn unusable_nodes_are_listed_with_their_error() {
        let missing = describe_node(Path::new("/nonexistent/video7"), Vec::new());
        assert!(missing.error.as_deref().unwrap_or("").starts_with("open:"));
        let not_v4l2 = describe_node(Path::new("/dev/null"), Vec::new());
        assert!(not_v4l2
            .error
            .as_deref()
            .unwrap_or("")
            .starts_with("VIDIOC_QUERYCAP"));
        assert!(!not_v4l2.is_capture && not_v4l2.formats.is_empty());
    }
}
