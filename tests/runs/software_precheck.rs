//! The software pre-check through the CLI against a simulated Android terminal over adb: the
//! shipped plan and demo answers, `package --check`, and the workbook read back (file name,
//! verdicts with NA, screenshots embedded beside their items' rows).

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use calamine::{open_workbook, Data, Reader, Xlsx};
use facebench::clock::{Clock, SystemClock};
use facebench::report::{PRECHECK_HEADER_ROW, PRECHECK_SHEET, SCREENSHOT_COLUMN};
use facebench::sim::android::{AndroidFault, AndroidSimHandle, SimAndroid, SimPackage, FACE_APP};

use crate::common::{code, package, run, run_args, text, DEMO_UNIT};

const SN: &str = "FBAD120261100017KQ2M9XA";
const WORKBOOK: &str = "[2软件预检测结果]-[DemoTech][FP-200][SDK模式].xlsx";

/// The demo terminal: the unit's SN, the face app and IoT service as system apps, the whitelist.
fn terminal(faults: &[AndroidFault]) -> AndroidSimHandle {
    let mut sim = SimAndroid::new(SN);
    sim.config.packages.push(SimPackage {
        name: "com.facebench.iotservice".into(),
        path: "/system/priv-app/Iot/Iot.apk".into(),
        system: true,
        version: "1.0".into(),
    });
    sim.config.properties.insert(
        "persist.sys.silent_install.whitelist".into(),
        FACE_APP.into(),
    );
    let sim = faults.iter().fold(sim, |sim, f| sim.with_fault(f));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
    sim.spawn(SocketAddr::from(([127, 0, 0, 1], 0)), clock)
        .expect("simulated terminal starts")
}

/// Runs the pre-check plan with the demo answers against `sim` and packages it into `out`.
fn precheck(dir: &Path, sim: &AndroidSimHandle) -> std::path::PathBuf {
    let station = dir.join("station.toml");
    std::fs::write(
        &station,
        format!(
            "name = \"adb bench\"\n[dut]\nconnect = \"{}\"\ntimeout_ms = 3000\nface_app = \"{FACE_APP}\"\n",
            sim.addr()
        ),
    )
    .expect("station file");
    let run_dir = dir.join("run");
    let options = [
        "--plan",
        "testplans/software-precheck.toml",
        "--station",
        station.to_str().unwrap(),
        "--answers",
        "testplans/answers/demo-software-precheck.toml",
    ];
    let output = run(&run_args(&run_dir, &options, &DEMO_UNIT));
    let (stdout, stderr) = text(&output);
    assert!(code(&output) <= 1, "{stdout}\n{stderr}");
    let out = dir.join("submission");
    package(&run_dir, &out);
    out.join("DemoTech-FP-200")
}

/// Result column of each item row, by item id.
fn verdicts(workbook: &Path) -> Vec<(String, String)> {
    let mut book: Xlsx<_> = open_workbook(workbook).expect("workbook opens");
    let sheet = book
        .worksheet_range(PRECHECK_SHEET)
        .expect("pre-check sheet");
    (PRECHECK_HEADER_ROW + 1..)
        .map_while(|row| match sheet.get_value((row, 0)) {
            Some(Data::String(id)) if id.starts_with("SWP-") => {
                let verdict = sheet
                    .get_value((row, 4))
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                Some((id.clone(), verdict))
            }
            _ => None,
        })
        .collect()
}

/// The xlsx's media files and drawing XML.
fn drawing_of(workbook: &Path) -> (Vec<String>, String) {
    let file = std::fs::File::open(workbook).expect("workbook");
    let mut zip = zip::ZipArchive::new(file).expect("xlsx is a zip");
    let media: Vec<String> = zip
        .file_names()
        .filter(|n| n.starts_with("xl/media/") && n.ends_with(".png"))
        .map(str::to_string)
        .collect();
    let mut xml = String::new();
    zip.by_name("xl/drawings/drawing1.xml")
        .expect("a drawing")
        .read_to_string(&mut xml)
        .expect("drawing text");
    (media, xml)
}

#[test]
fn precheck_workbook_embeds_screenshots_beside_verdicts_and_passes_the_submission_check() {
    let dir = tempfile::tempdir().expect("dir");
    let sim = terminal(&[]);
    let folder = precheck(dir.path(), &sim);
    let workbook = folder.join(WORKBOOK);
    assert!(workbook.is_file(), "{}", workbook.display());

    let verdicts = verdicts(&workbook);
    assert_eq!(verdicts.len(), 12, "{verdicts:?}");
    for (id, verdict) in &verdicts {
        let expected = if id == "SWP-005" { "NA" } else { "pass" };
        assert_eq!(verdict, expected, "{id}");
    }

    let (media, xml) = drawing_of(&workbook);
    assert!(!media.is_empty(), "no embedded image");
    // Every item with a screenshot (the eight automated ones and the three hands-on ones with
    // a picture) has one picture anchored in the screenshot column of its own row.
    let anchors = xml.matches("<xdr:pic>").count();
    assert_eq!(anchors, 11, "{xml}");
    for (index, (id, _)) in verdicts.iter().enumerate() {
        let row = PRECHECK_HEADER_ROW as usize + 1 + index;
        let anchor = format!("<xdr:from><xdr:col>{SCREENSHOT_COLUMN}</xdr:col><xdr:colOff>");
        let at_row = format!("<xdr:row>{row}</xdr:row>");
        let has = xml.split("<xdr:twoCellAnchor").any(|a| {
            a.contains(&anchor)
                && a.split("</xdr:from>")
                    .next()
                    .is_some_and(|f| f.contains(&at_row))
        });
        assert_eq!(has, !matches!(id.as_str(), "SWP-005"), "{id} at row {row}");
    }

    // The other three vendor files, so the completeness check has nothing else to report.
    for (name, bytes) in [
        (
            "[1摄像头测试Checklist]-[DemoTech][FP-200].xlsx",
            &b"PK\x03\x04rest"[..],
        ),
        (
            "[3设备流程视频]-[DemoTech][FP-200][SDK模式].mp4",
            &b"\0\0\0\x18ftypmp42"[..],
        ),
        (
            "[4设备安装&操作手册]-[DemoTech][FP-200].pdf",
            &b"%PDF-1.7\n"[..],
        ),
    ] {
        std::fs::write(folder.join(name), bytes).expect("vendor file");
    }
    let checked = run(&[
        "package",
        dir.path().join("run").to_str().unwrap(),
        "--out",
        dir.path().join("submission").to_str().unwrap(),
        "--check",
    ]);
    let (stdout, stderr) = text(&checked);
    assert_eq!(code(&checked), 0, "{stdout}\n{stderr}");
    assert!(
        !stdout.contains("missing") && !stdout.contains("problem"),
        "{stdout}"
    );
}

#[test]
fn a_face_app_outside_the_system_image_is_no_pass_in_the_workbook() {
    let dir = tempfile::tempdir().expect("dir");
    let sim = terminal(&[AndroidFault::NotSystemApp]);
    let folder = precheck(dir.path(), &sim);
    let verdicts = verdicts(&folder.join(WORKBOOK));
    let of = |id: &str| {
        verdicts
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(of("SWP-006"), Some("no pass"));
    assert_eq!(of("SWP-007"), Some("pass"));
}
