//! The PDF test report of a simulated run (`facebench report --pdf`): one run of two samples on
//! the simulated station (`--sim`) over the quick items of the coating sheet and a function item
//! with a camera series, so the report holds passes, not-tested items and charts; then the report,
//! read back with poppler's `pdftotext` / `pdftoppm` when installed. (The simulated unit's warm-up
//! is tested at the simulator: `sim::physics::logger`.)

use std::path::Path;
use std::process::Command;

use crate::common::{code, run, text};

const UNITS: [&str; 4] = [
    "--unit",
    "testplans/units/demo-unit.toml",
    "--unit",
    "testplans/units/demo-unit-2.toml",
];

/// Every (item id, merged result) of `run.json`, and its sheets' Chinese names.
fn items_and_sheets(json: &Path) -> (Vec<(String, String)>, Vec<String>) {
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let mut items = Vec::new();
    let mut sheets = Vec::new();
    for sheet in record["sheets"].as_array().unwrap() {
        sheets.push(sheet["name_zh"].as_str().unwrap().to_string());
        for item in sheet["items"].as_array().unwrap() {
            items.push((
                item["id"].as_str().unwrap().to_string(),
                item["result"].as_str().unwrap().to_string(),
            ));
        }
    }
    (items, sheets)
}

/// The page count from the PDF's page tree (`/Type /Pages … /Count n`), read without a PDF
/// library: krilla writes the page tree uncompressed.
fn page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let at = text.find("/Type /Pages").expect("a page tree");
    let tree = &text[at.saturating_sub(200)..(at + 400).min(text.len())];
    let count = tree
        .split("/Count ")
        .nth(1)
        .expect("/Count in the page tree");
    count
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("-v").output().is_ok()
}

#[test]
fn the_pdf_report_of_a_simulated_run_holds_every_item_and_its_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let mut args = vec![
        "run",
        "--sim",
        "--answers",
        "testplans/answers/demo-desktop-cashier.toml",
        "--run-dir",
        run_dir.to_str().unwrap(),
    ];
    for item in [
        "COT-001", "COT-002", "COT-003", "COT-004", "COT-005", "COT-006", "COT-008", "FUN-013",
    ] {
        args.extend(["--only", item]);
    }
    args.extend(UNITS);
    let output = run(&args);
    assert!(code(&output) <= 1, "{output:?}");

    let output = run(&["report", run_dir.to_str().unwrap(), "--pdf"]);
    let (stdout, stderr) = text(&output);
    assert!(code(&output) <= 1, "{stdout}\n{stderr}");
    let folder = run_dir.join("report/DemoTech-FP-200");
    let pdf_path = folder.join("report.pdf");
    assert!(stdout.contains(&pdf_path.display().to_string()), "{stdout}");
    let pdf = std::fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF-") && pdf.trim_ascii_end().ends_with(b"%%EOF"));
    let pages = page_count(&pdf);
    assert!(pages > 2, "cover, summary and a page per sheet: {pages}");
    assert!(
        pdf.len() < 2_500_000,
        "the font is subset: {} bytes",
        pdf.len()
    );

    if !tool("pdftotext") || !tool("pdftoppm") {
        eprintln!("pdftotext/pdftoppm not installed (apt-get install poppler-utils): PDF text and pages not checked");
        return;
    }
    let output = Command::new("pdftotext")
        .args(["-layout", pdf_path.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let body = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        body.matches('\u{c}').count(),
        pages,
        "pdftotext sees every page"
    );
    for needle in [
        "检测报告 Test Report",
        "DemoTech",
        "测试 Tested by",
        "审核 Reviewed by",
        "批准 Approved by",
        "汇总 Summary",
    ] {
        assert!(body.contains(needle), "{needle} missing");
    }
    assert!(body.contains(&format!("1 / {pages}")) && body.contains(&format!("{pages} / {pages}")));
    let (items, sheets) = items_and_sheets(&folder.join("run.json"));
    assert!(items.len() > 20, "{items:?}");
    for sheet in &sheets {
        assert!(body.contains(sheet.as_str()), "sheet {sheet} missing");
    }
    let verdicts: Vec<&str> = items.iter().map(|(_, v)| v.as_str()).collect();
    assert!(verdicts.contains(&"not tested") && verdicts.iter().any(|v| *v != "not tested"));
    for (id, verdict) in &items {
        let row = body
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("{id} has no row"));
        assert!(
            row.contains(verdict.as_str()),
            "{id} should show {verdict}: {row}"
        );
    }

    let out = tmp.path().join("pages");
    std::fs::create_dir(&out).unwrap();
    let rendered = Command::new("pdftoppm")
        .args(["-png", "-r", "20", pdf_path.to_str().unwrap()])
        .arg(out.join("page"))
        .output()
        .unwrap();
    assert!(rendered.status.success(), "{rendered:?}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), pages);
}
