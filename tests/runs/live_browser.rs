//! The live view in a real browser: Debian's chromium, headless, driven through chromedriver
//! with fantoccini. The page loads, the chamber curve gains points as the run advances, the
//! item's verdict appears when it finishes. Screenshots go to `$FACEBENCH_ARTIFACTS`
//! (`target/artifacts/` when unset): `live.png` with the item in progress, `live-finished.png`
//! after its verdict. Skipped when chromium or chromedriver is not installed
//! (`bash .ci/browser.sh` installs them), unless `FACEBENCH_REQUIRE_SERVICES=1`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use facebench::judge::Verdict;
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

use crate::live_view::{serve, AdvancingRun, DEADLINE};
use crate::services;

const TEST: &str = "the_page_follows_a_run_in_a_real_browser";

/// chromedriver, ended when the test ends however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn artifacts_dir() -> PathBuf {
    std::env::var_os("FACEBENCH_ARTIFACTS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/artifacts"),
        PathBuf::from,
    )
}

/// A headless session of `chromium` through the chromedriver on `port`, retried until the
/// driver listens.
async fn connect(port: u16, chromium: &Path, profile: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1500,1900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let started = Instant::now();
    loop {
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(capabilities.clone());
        match builder.connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(client) => return client,
            Err(error) if started.elapsed() < DEADLINE => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("chromedriver on port {port}: {error}"),
        }
    }
}

/// Evaluates `script` in the page until `done` accepts its value; the value.
async fn wait_for(
    client: &Client,
    what: &str,
    script: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let value = client.execute(script, vec![]).await.unwrap();
        if done(&value) {
            return value;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "{what}: still {value} after {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const STEP_TIMES: &str = "return document.getElementById('now-times').textContent;";
const CHAMBER_POINTS: &str = "var svg = document.querySelector('#chamber-chart svg'); \
     return svg ? Number(svg.getAttribute('data-points')) : 0;";
const ITEM_STATE: &str = "var cell = document.querySelector('tr[data-item=\"CLM-001\"] .state'); \
     return cell ? cell.textContent : '';";

/// Saves a screenshot of the page as `name` in the artifacts folder.
async fn save_screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let dir = artifacts_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), &png).unwrap();
    println!("screenshot: {}", dir.join(name).display());
}

#[test]
fn the_page_follows_a_run_in_a_real_browser() {
    let chromium = services::find_program(&["chromium", "chromium-browser"]);
    let Some(chromium) = services::or_skip(chromium, TEST, "chromium (Debian package chromium)")
    else {
        return;
    };
    let driver = services::find_program(&["chromedriver"]);
    let Some(driver) = services::or_skip(
        driver,
        TEST,
        "chromedriver (Debian package chromium-driver)",
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut run = AdvancingRun::start(tmp.path(), 20);
    let server = serve(&run);
    let page = SocketAddr::from(([127, 0, 0, 1], server.addr().port()));
    let port = free_port();
    let _driver = Driver(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tmp.path().join("chromium-profile");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = connect(port, &chromium, &profile).await;
        client.goto(&format!("http://{page}/")).await.unwrap();
        let title = client.title().await.unwrap();
        assert!(title.contains("Live view"), "{title}");
        // SP and PV, twenty rows each.
        wait_for(&client, "first chamber points", CHAMBER_POINTS, |v| v.as_f64() == Some(40.0)).await;
        let state = client.execute(ITEM_STATE, vec![]).await.unwrap();
        assert!(state.as_str().unwrap().contains("running"), "{state}");
        run.advance(25);
        wait_for(&client, "chamber points after the run advanced", CHAMBER_POINTS, |v| {
            v.as_f64() == Some(90.0)
        })
        .await;
        // The runner's status: the step under way with its times on the run's clock.
        wait_for(&client, "the step in progress", STEP_TIMES, |v| {
            v.as_str().is_some_and(|s| s.contains("剩余 remaining"))
        })
        .await;
        save_screenshot(&client, "live.png").await;
        run.finish_item(Verdict::Pass);
        wait_for(&client, "CLM-001's verdict", ITEM_STATE, |v| {
            v.as_str().is_some_and(|s| s.contains("通过 pass"))
        })
        .await;
        let shown = wait_for(
            &client,
            "the step gone from the status",
            "return document.getElementById('now-step').textContent;",
            |v| v.as_str() == Some(""),
        )
        .await;
        assert_eq!(shown, "");
        let units = client
            .execute(
                "return document.querySelectorAll('#cameras .chart:first-child .chart-key').length;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(units, 2, "one frame-rate line per unit");
        save_screenshot(&client, "live-finished.png").await;
        client.close().await.unwrap();
    });
}
