//! USB cameras by vendor and product id: `v4l:usb:VID:PID[:SERIAL]` is found through sysfs
//! (`/sys/class/video4linux/videoN/device/..` holds the USB device's `idVendor`, `idProduct`
//! and `serial`), so a lab names a camera model rather than a node number that changes with
//! every re-plug. Only capture nodes count: a UVC camera's metadata node (sysfs `index` 1) is
//! skipped. Pure sysfs reading: works in every build, with or without the V4L2 backend.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where the kernel lists V4L2 nodes.
pub const SYSFS_VIDEO4LINUX: &str = "/sys/class/video4linux";

/// A USB camera's identity: vendor id, product id and, where needed, serial number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbId {
    /// `idVendor`.
    pub vendor: u16,
    /// `idProduct`.
    pub product: u16,
    /// `serial` (needed when several cameras of one model are attached).
    pub serial: Option<String>,
}

impl UsbId {
    /// Parses `VID:PID[:SERIAL]` (ids in hexadecimal, up to four digits each).
    pub fn parse(text: &str) -> Result<UsbId, String> {
        let usage = "usb needs VID:PID[:SERIAL] in hexadecimal, e.g. v4l:usb:046d:0825";
        let mut parts = text.splitn(3, ':');
        let (Some(vendor), Some(product)) = (parts.next(), parts.next()) else {
            return Err(usage.to_string());
        };
        let hex = |part: &str, what: &str| {
            let part = part.trim();
            if part.is_empty() || part.len() > 4 {
                return Err(format!(
                    "{what} {part:?} is not a hexadecimal id of 1–4 digits"
                ));
            }
            u16::from_str_radix(part, 16)
                .map_err(|_| format!("{what} {part:?} is not a hexadecimal id of 1–4 digits"))
        };
        let serial = match parts.next().map(str::trim) {
            None => None,
            Some("") => return Err("the serial is empty: give it or leave out its `:`".into()),
            Some(serial) => Some(serial.to_string()),
        };
        Ok(UsbId {
            vendor: hex(vendor, "vendor id")?,
            product: hex(product, "product id")?,
            serial,
        })
    }
}

impl fmt::Display for UsbId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:04x}", self.vendor, self.product)?;
        match &self.serial {
            Some(serial) => write!(f, ":{serial}"),
            None => Ok(()),
        }
    }
}

/// One V4L2 capture node of a USB device, as sysfs describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbVideoNode {
    /// `/dev/videoN`.
    pub node: PathBuf,
    /// The device it belongs to.
    pub id: UsbId,
    /// The USB interface the node streams from (a camera module with RGB and IR has one each).
    pub interface: Option<u8>,
    /// The node's name (the driver's card name).
    pub name: String,
}

impl fmt::Display for UsbVideoNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.node.display(), self.id)?;
        if let Some(interface) = self.interface {
            write!(f, ", interface {interface}")?;
        }
        if !self.name.is_empty() {
            write!(f, ", \"{}\"", self.name)?;
        }
        f.write_str(")")
    }
}

/// Every capture node under `class_dir` (normally [`SYSFS_VIDEO4LINUX`]) that belongs to a USB
/// device, in node-number order. Nodes that are not USB, or whose attributes cannot be read,
/// are left out.
pub fn usb_video_nodes(class_dir: &Path) -> Vec<UsbVideoNode> {
    let Ok(entries) = std::fs::read_dir(class_dir) else {
        return Vec::new();
    };
    let mut nodes: Vec<(u32, UsbVideoNode)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_string();
            let number = name.strip_prefix("video")?.parse::<u32>().ok()?;
            let dir = entry.path();
            if attribute(&dir.join("index")).is_some_and(|index| index != "0") {
                return None;
            }
            let interface = std::fs::canonicalize(dir.join("device")).ok()?;
            let device = interface.parent()?;
            let id = UsbId {
                vendor: u16::from_str_radix(&attribute(&device.join("idVendor"))?, 16).ok()?,
                product: u16::from_str_radix(&attribute(&device.join("idProduct"))?, 16).ok()?,
                serial: attribute(&device.join("serial")).filter(|s| !s.is_empty()),
            };
            let node = UsbVideoNode {
                node: Path::new("/dev").join(&name),
                id,
                interface: attribute(&interface.join("bInterfaceNumber"))
                    .and_then(|n| u8::from_str_radix(&n, 16).ok()),
                name: attribute(&dir.join("name")).unwrap_or_default(),
            };
            Some((number, node))
        })
        .collect();
    nodes.sort_by_key(|(number, _)| *number);
    nodes.into_iter().map(|(_, node)| node).collect()
}

/// A sysfs attribute's text, trimmed.
fn attribute(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|text| text.trim().to_string())
}

/// Why a USB id does not name exactly one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsbLookup {
    /// No capture node has the id; `present` is what there is.
    NotFound {
        /// Every USB capture node present.
        present: Vec<UsbVideoNode>,
    },
    /// Several nodes have it.
    Ambiguous {
        /// The matching nodes.
        matches: Vec<UsbVideoNode>,
    },
}

impl fmt::Display for UsbLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |nodes: &[UsbVideoNode]| {
            nodes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        match self {
            UsbLookup::NotFound { present } if present.is_empty() => {
                f.write_str("no USB camera is attached (sysfs lists no USB video capture node)")
            }
            UsbLookup::NotFound { present } => {
                write!(f, "USB cameras present: {}", list(present))
            }
            UsbLookup::Ambiguous { matches } => {
                let hint = if matches.iter().all(|m| m.id.serial == matches[0].id.serial) {
                    "name the stream's node by its /dev/v4l/by-id path instead"
                } else {
                    "add the serial (v4l:usb:VID:PID:SERIAL) or use a /dev/v4l/by-id path"
                };
                write!(
                    f,
                    "{} capture nodes match: {}; {hint}",
                    matches.len(),
                    list(matches)
                )
            }
        }
    }
}

/// The one capture node in `nodes` that `id` names (the serial compared exactly when given).
pub fn find_usb_node(nodes: &[UsbVideoNode], id: &UsbId) -> Result<PathBuf, UsbLookup> {
    let matches: Vec<UsbVideoNode> = nodes
        .iter()
        .filter(|n| n.id.vendor == id.vendor && n.id.product == id.product)
        .filter(|n| id.serial.is_none() || n.id.serial == id.serial)
        .cloned()
        .collect();
    match matches.as_slice() {
        [] => Err(UsbLookup::NotFound {
            present: nodes.to_vec(),
        }),
        [one] => Ok(one.node.clone()),
        _ => Err(UsbLookup::Ambiguous { matches }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake sysfs: `class/videoN` → `device` link to `devices/<usb>/<usb>:1.<iface>`.
    struct FakeSysfs {
        root: tempfile::TempDir,
    }

    impl FakeSysfs {
        fn new() -> FakeSysfs {
            let root = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(root.path().join("class")).unwrap();
            FakeSysfs { root }
        }

        fn class(&self) -> PathBuf {
            self.root.path().join("class")
        }

        fn add(&self, node: u32, usb: &str, id: (&str, &str, Option<&str>), iface: u8, index: u8) {
            let device = self.root.path().join("devices").join(usb);
            let interface = device.join(format!("{usb}:1.{iface}"));
            std::fs::create_dir_all(&interface).unwrap();
            std::fs::write(device.join("idVendor"), format!("{}\n", id.0)).unwrap();
            std::fs::write(device.join("idProduct"), format!("{}\n", id.1)).unwrap();
            if let Some(serial) = id.2 {
                std::fs::write(device.join("serial"), format!("{serial}\n")).unwrap();
            }
            std::fs::write(interface.join("bInterfaceNumber"), format!("{iface:02x}\n")).unwrap();
            let dir = self.class().join(format!("video{node}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("index"), format!("{index}\n")).unwrap();
            std::fs::write(dir.join("name"), "Acme Cam\n").unwrap();
            std::os::unix::fs::symlink(&interface, dir.join("device")).unwrap();
        }
    }

    fn id(text: &str) -> UsbId {
        UsbId::parse(text).unwrap()
    }

    #[test]
    fn ids_are_hexadecimal() {
        let plain = id("046d:0825");
        assert_eq!(
            (plain.vendor, plain.product, plain.serial),
            (0x046d, 0x0825, None)
        );
        let error = UsbId::parse("logitech:0825").unwrap_err();
        assert!(error.contains("not a hexadecimal"), "{error}");
    }

    #[test]
    fn capture_nodes_carry_their_usb_identity_and_metadata_nodes_are_skipped() {
        let sysfs = FakeSysfs::new();
        sysfs.add(0, "1-3", ("046d", "0825", Some("A1")), 0, 0);
        sysfs.add(1, "1-3", ("046d", "0825", Some("A1")), 0, 1);
        sysfs.add(10, "1-4", ("2bc5", "0510", None), 2, 0);
        // A platform node without a USB parent is not listed.
        std::fs::create_dir_all(sysfs.class().join("video5")).unwrap();
        let nodes = usb_video_nodes(&sysfs.class());
        let paths: Vec<_> = nodes.iter().map(|n| n.node.display().to_string()).collect();
        assert_eq!(paths, ["/dev/video0", "/dev/video10"]);
        assert_eq!(nodes[0].id, id("046d:0825:A1"));
        assert_eq!(nodes[1].interface, Some(2));
        assert_eq!(nodes[1].name, "Acme Cam");
        assert!(usb_video_nodes(Path::new("/nonexistent/class")).is_empty());
    }

    #[test]
    fn an_id_names_one_node_or_says_what_is_there() {
        let sysfs = FakeSysfs::new();
        sysfs.add(0, "1-3", ("046d", "0825", Some("A1")), 0, 0);
        sysfs.add(2, "1-4", ("046d", "0825", Some("B2")), 0, 0);
        sysfs.add(4, "1-5", ("2bc5", "0510", None), 0, 0);
        let nodes = usb_video_nodes(&sysfs.class());
        assert_eq!(
            find_usb_node(&nodes, &id("046d:0825:B2")).unwrap(),
            Path::new("/dev/video2")
        );
        assert_eq!(
            find_usb_node(&nodes, &id("2bc5:510")).unwrap(),
            Path::new("/dev/video4")
        );
        let several = find_usb_node(&nodes, &id("046d:0825")).unwrap_err();
        let text = several.to_string();
        assert!(text.starts_with("2 capture nodes match"), "{text}");
        assert!(text.contains("/dev/video0 (046d:0825:A1"), "{text}");
        assert!(text.contains("add the serial"), "{text}");
        let missing = find_usb_node(&nodes, &id("046d:0825:C3")).unwrap_err();
        let text = missing.to_string();
        assert!(text.contains("USB cameras present"), "{text}");
        assert!(text.contains("2bc5:0510"), "{text}");
        let none = find_usb_node(&[], &id("046d:0825")).unwrap_err();
        assert!(none.to_string().contains("no USB camera is attached"));
    }

    #[test]
    fn one_module_with_two_capture_interfaces_needs_by_id_paths() {
        let sysfs = FakeSysfs::new();
        sysfs.add(0, "1-3", ("2bc5", "0510", Some("S")), 0, 0);
        sysfs.add(2, "1-3", ("2bc5", "0510", Some("S")), 2, 0);
        let nodes = usb_video_nodes(&sysfs.class());
        let text = find_usb_node(&nodes, &id("2bc5:0510:S"))
            .unwrap_err()
            .to_string();
        assert!(text.contains("interface 2"), "{text}");
        assert!(text.contains("/dev/v4l/by-id"), "{text}");
    }
}
