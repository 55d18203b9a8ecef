//! `camera list`: every source this build can open, printed for an operator.

use super::spec::{ModeText, DEFAULT_SYNTHETIC};

/// Prints the synthetic source, then V4L2 nodes and nokhwa cameras (or why they are absent).
pub fn print_list() {
    println!(
        "synthetic:  synthetic camera, any mode (default {})",
        ModeText(DEFAULT_SYNTHETIC)
    );
    println!(
        "            e.g. --source synthetic:1920x1080@30/MJPG; add --sim-clock for fast runs"
    );
    print_v4l();
    print_nokhwa();
}

#[cfg(all(feature = "v4l", target_os = "linux"))]
fn print_v4l() {
    use crate::camera::select::usb::{usb_video_nodes, SYSFS_VIDEO4LINUX};
    use crate::camera::v4l::list_devices;
    let devices = list_devices();
    let usb = usb_video_nodes(std::path::Path::new(SYSFS_VIDEO4LINUX));
    if devices.is_empty() {
        println!("v4l:        no /dev/video* nodes");
    }
    for device in devices {
        println!(
            "v4l:{}  {} ({}, {})",
            device.path.display(),
            device.card,
            device.driver,
            device.bus_info
        );
        for link in &device.by_id {
            println!("    stable name: v4l:{}", link.display());
        }
        for node in usb.iter().filter(|n| n.node == device.path) {
            println!("    by USB id: v4l:usb:{}", node.id);
        }
        if let Some(error) = &device.error {
            println!("    error: {error}");
        }
        if !device.is_capture && device.error.is_none() {
            println!("    not a video-capture node (metadata?)");
        }
        for format in &device.formats {
            println!("    {} {}", format.format, format.description);
            for size in &format.sizes {
                let rates: Vec<String> = size.rates.iter().map(|r| r.to_string()).collect();
                println!(
                    "        {}x{}: {}",
                    size.width,
                    size.height,
                    rates.join(", ")
                );
            }
        }
        for control in &device.controls {
            let value = control
                .value
                .map_or_else(|| "—".to_string(), |v| v.to_string());
            let flags = if control.flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", control.flags.join(", "))
            };
            println!(
                "    control {:#010x} {} ({}): {value} (min {}, max {}, step {}, default {}){flags}",
                control.id,
                control.name,
                control.kind,
                control.minimum,
                control.maximum,
                control.step,
                control.default
            );
        }
    }
}

#[cfg(not(all(feature = "v4l", target_os = "linux")))]
fn print_v4l() {
    use crate::camera::select::usb::{usb_video_nodes, SYSFS_VIDEO4LINUX};
    println!("v4l:        not in this build (Linux: cargo build --features v4l)");
    for node in usb_video_nodes(std::path::Path::new(SYSFS_VIDEO4LINUX)) {
        println!("    USB camera {node}: v4l:usb:{}", node.id);
    }
}

#[cfg(feature = "nokhwa")]
fn print_nokhwa() {
    use crate::camera::nokhwa::{list_cameras, LIMITS};
    println!("{LIMITS}");
    match list_cameras() {
        Ok(cameras) if cameras.is_empty() => println!("nokhwa:     no cameras"),
        Ok(cameras) => {
            for camera in cameras {
                println!(
                    "nokhwa:{}  {} ({})",
                    camera.index, camera.name, camera.description
                );
                if let Some(error) = &camera.error {
                    println!("    error: {error}");
                }
                for format in &camera.formats {
                    println!("    {}", ModeText(*format));
                }
            }
        }
        Err(e) => println!("nokhwa:     query failed: {e}"),
    }
}

#[cfg(not(feature = "nokhwa"))]
fn print_nokhwa() {
    println!("nokhwa:     not in this build (cargo build --features nokhwa)");
}
