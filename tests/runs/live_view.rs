//! The live view over HTTP, without a browser: the run as JSON, server-sent events carrying
//! only new points as a series grows, the token off loopback, a port in use, and a run
//! directory left byte for byte as it was. [`AdvancingRun`] (also used by the browser test)
//! writes a run in steps through the project's own writers.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use facebench::catalog::Catalog;
use facebench::clock::{Clock, SimClock};
use facebench::journal::{JournalWriter, RunEvent};
use facebench::judge::Verdict;
use facebench::live::status::{StatusRecorder, STATUS_FILE};
use facebench::live::{LiveConfig, LiveError, LiveServer};
use facebench::plan::{load_plan, Plan};
use facebench::runner::rigs::series::SeriesWriter;
use facebench::runner::rigs::{camera, chamber};
use facebench::runner::{Operator, OperatorError, Prompt, QuietObserver, Reply, RunObserver};
use serde_json::Value;

use crate::common::{
    acme_unit, code, item_result, new_run, run, run_started, sim_clock, slow_run_args, text,
    DEMO_UNIT,
};

/// The plan the advancing run follows (its CLM-001 has a chamber profile and camera steps).
const PLAN: &str = "testplans/desktop-cashier.toml";
/// The item that advances.
pub const ITEM: &str = "CLM-001";
/// The item already finished when the run is first shown.
const DONE_ITEM: &str = "CLM-008";
/// How long a test waits for the server to notice a change.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// A two-unit run written step by step: CLM-008 finished with a thermal series, CLM-001 under
/// way with a chamber series (cooling to −10 °C) and one camera series per unit, and the
/// runner's status file saying which step runs.
pub struct AdvancingRun {
    /// The run directory.
    pub dir: PathBuf,
    /// The plan (its snapshot in the run).
    pub plan: Plan,
    clock: Arc<SimClock>,
    journal: JournalWriter,
    chamber: SeriesWriter,
    cameras: Vec<SeriesWriter>,
    status: Option<StatusRecorder>,
    /// Chamber rows written so far.
    pub rows: u32,
}

impl AdvancingRun {
    /// Starts the run in `root/run` with `rows` chamber rows.
    pub fn start(root: &Path, rows: u32) -> AdvancingRun {
        let loaded = load_plan(Path::new(PLAN), &Catalog::builtin()).unwrap();
        let clock = sim_clock();
        let (dir, mut journal) = new_run(root, &loaded.text, clock.clone());
        journal
            .record(run_started(
                PLAN,
                &loaded.sha256,
                &loaded.plan.standard,
                vec![acme_unit(1), acme_unit(2)],
            ))
            .unwrap();
        let series = dir.series_dir();
        // CLM-008: a finished temperature-rise item with its thermal series.
        journal
            .record(RunEvent::ItemStarted {
                item: DONE_ITEM.into(),
                attempt: 1,
            })
            .unwrap();
        let header = [
            "elapsed_s",
            "utc",
            "TC1 CPU",
            "TC2 camera",
            "TC3 case",
            "note",
        ];
        let mut thermal =
            SeriesWriter::create(&series.join(DONE_ITEM), "thermal", &header).unwrap();
        for minute in 0..=90u32 {
            let rise = 1.0 - (-f64::from(minute) / 20.0).exp();
            let cells = [
                format!("{}", minute * 60),
                String::new(),
                format!("{:.2}", 25.0 + 30.0 * rise),
                format!("{:.2}", 25.0 + 18.0 * rise),
                format!("{:.2}", 25.0 + 9.0 * rise),
                String::new(),
            ];
            thermal.row(cells).unwrap();
        }
        drop(thermal);
        for sample in [1, 2] {
            journal
                .record(item_result(DONE_ITEM, sample, Verdict::Pass))
                .unwrap();
        }
        journal
            .record(RunEvent::ItemStarted {
                item: ITEM.into(),
                attempt: 1,
            })
            .unwrap();
        let chamber =
            SeriesWriter::create(&series.join(ITEM), "chamber", &chamber::HEADER).unwrap();
        let cameras = [1, 2]
            .iter()
            .map(|n| {
                let folder = series.join(ITEM).join(format!("sample-{n}"));
                SeriesWriter::create(&folder, "camera-rgb", &camera::SERIES_HEADER).unwrap()
            })
            .collect();
        let status = StatusRecorder::start(dir.path(), clock.clone(), true);
        {
            let item = loaded.plan.item(ITEM).unwrap();
            let mut quiet = QuietObserver;
            let mut observer = status.observer(&mut quiet);
            observer.item_started(item);
            observer.step_started(item, &item.steps[0], Some(Duration::from_secs(4 * 3600)));
        }
        let mut run = AdvancingRun {
            dir: dir.path().to_path_buf(),
            plan: loaded.plan,
            clock,
            journal,
            chamber,
            cameras,
            status: Some(status),
            rows: 0,
        };
        run.advance(rows);
        run
    }

    /// Writes `rows` more rows (one a minute of the run's clock) to the chamber series and
    /// the cameras', synced so a reader sees them.
    pub fn advance(&mut self, rows: u32) {
        for _ in 0..rows {
            let minute = f64::from(self.rows);
            let pv = -10.0 + 35.0 * (-minute / 25.0).exp() + 0.3 * (minute / 3.0).sin();
            let elapsed = format!("{}", self.rows * 60);
            self.chamber
                .row([
                    elapsed.clone(),
                    self.clock.now_utc().to_rfc3339(),
                    "ramp".into(),
                    "-10.000".into(),
                    format!("{pv:.3}"),
                    String::new(),
                    String::new(),
                    String::new(),
                ])
                .unwrap();
            for (i, camera) in self.cameras.iter_mut().enumerate() {
                let fps = 30.0 - 0.05 * minute * (i as f64 + 1.0) - (minute / 7.0).sin().abs();
                let drops = (self.rows + i as u32) % 9 / 8;
                let luma = 118.0 + 6.0 * (minute / 11.0).cos() - i as f64 * 8.0;
                let mut cells = vec![elapsed.clone(), format!("{fps:.2}"), drops.to_string()];
                cells.extend(["0", "0", "0"].map(String::from));
                cells.push(format!("{luma:.1}"));
                cells.extend(["20", "230", "0.0", "", ""].map(String::from));
                camera.row(cells).unwrap();
            }
            self.clock.advance(Duration::from_secs(60));
            self.rows += 1;
        }
        self.chamber.sync().unwrap();
        for camera in &mut self.cameras {
            camera.sync().unwrap();
        }
    }

    /// Records CLM-001's result on both units (the runner's status then ends).
    pub fn finish_item(&mut self, verdict: Verdict) {
        for sample in [1, 2] {
            self.journal
                .record(item_result(ITEM, sample, verdict))
                .unwrap();
        }
        self.status.take();
    }
}

/// Serves `dir` on a free loopback port, polling every 50 ms.
pub fn serve(run: &AdvancingRun) -> LiveServer {
    serve_on(run, "127.0.0.1:0".parse().unwrap(), None).unwrap()
}

fn serve_on(
    run: &AdvancingRun,
    addr: SocketAddr,
    token: Option<&str>,
) -> Result<LiveServer, LiveError> {
    let config = LiveConfig {
        run_dir: run.dir.clone(),
        addr,
        token: token.map(str::to_string),
        poll: Duration::from_millis(50),
    };
    LiveServer::start(&config, &run.plan)
}

/// A loopback address on the server's port (it may listen on 0.0.0.0).
fn local(server: &LiveServer) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], server.addr().port()))
}

/// One HTTP/1.1 request; the response's status code and headers+body as text.
fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let response = String::from_utf8_lossy(&bytes).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    (status, response)
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}

/// `GET /api/run` as JSON.
pub fn run_json(addr: SocketAddr) -> Value {
    let (status, response) = get(addr, "/api/run", &[]);
    assert_eq!(status, 200, "{response}");
    serde_json::from_str(body(&response)).unwrap()
}

fn item<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id} in {json}"))
}

fn series<'a>(json: &'a Value, key: &str) -> Option<&'a Value> {
    json["series"].as_array()?.iter().find(|s| s["key"] == key)
}

/// The server-sent events of `/events`, read from a chunked response.
struct Events {
    reader: BufReader<TcpStream>,
    pending: String,
}

impl Events {
    fn open(addr: SocketAddr) -> Events {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let request =
            format!("GET /events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        let mut head = String::new();
        while line != "\r\n" {
            line.clear();
            reader.read_line(&mut line).unwrap();
            head.push_str(&line);
        }
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase().contains("text/event-stream"),
            "{head}"
        );
        assert!(head.to_ascii_lowercase().contains("chunked"), "{head}");
        Events {
            reader,
            pending: String::new(),
        }
    }

    /// The next `update` event's data as JSON.
    fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.pending.find("\n\n") {
                let event: String = self.pending.drain(..end + 2).collect();
                let data: String = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
                    .collect();
                if event.lines().any(|l| l == "event: update") {
                    return serde_json::from_str(&data).unwrap();
                }
                continue;
            }
            let mut size = String::new();
            self.reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            self.reader.read_exact(&mut chunk).unwrap();
            chunk.truncate(size);
            self.pending.push_str(&String::from_utf8(chunk).unwrap());
        }
    }
}

/// Every file under `dir` with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                found.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

#[test]
fn the_run_as_json_has_items_series_status_and_the_page() {
    let tmp = tempfile::tempdir().unwrap();
    let run = AdvancingRun::start(tmp.path(), 30);
    // The status file is written by the recorder's own thread: wait for the step.
    let started = Instant::now();
    while !std::fs::read_to_string(run.dir.join(STATUS_FILE))
        .is_ok_and(|t| t.contains("\"step\": {"))
    {
        assert!(started.elapsed() < DEADLINE, "no step in the status file");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Two notes in a wire log are two wire faults; transfers are not.
    std::fs::write(
        run.dir.join("wire-chamber.log"),
        "2026-11-28T12:40:01.1Z /dev/pts/3 TX [54 45 4D 50 3F 0D 0A] \"TEMP?\\r\\n\"\n\
         2026-11-28T12:40:02.1Z /dev/pts/3 -- TEMP?: discarded [FF]: not a reply\n\
         2026-11-28T12:40:03.1Z /dev/pts/3 -- port lost; reopening\n",
    )
    .unwrap();
    let server = serve(&run);
    let json = run_json(local(&server));
    assert_eq!(json["full"], true);
    assert_eq!(json["wire_faults"], 2);
    assert_eq!(json["run"]["state"], "running");
    assert_eq!(json["run"]["units"].as_array().unwrap().len(), 2);
    assert_eq!(item(&json, DONE_ITEM)["state"], "pass");
    assert_eq!(item(&json, DONE_ITEM)["verdicts"]["2"], "pass");
    assert_eq!(item(&json, ITEM)["state"], "running");
    assert_eq!(item(&json, "COT-001")["state"], "pending");
    assert!(item(&json, ITEM)["tolerance_k"].as_f64().unwrap() > 0.0);
    let chamber = series(&json, "CLM-001/chamber").unwrap();
    assert_eq!(chamber["kind"], "chamber");
    assert_eq!(chamber["points"].as_array().unwrap().len(), 30);
    assert_eq!(chamber["points"][29][0], 29.0 * 60.0);
    assert!(series(&json, "CLM-001/sample-2/camera-rgb").is_some());
    let thermal = series(&json, "CLM-008/thermal").unwrap();
    assert_eq!(thermal["columns"][0], "TC1 CPU");
    let step = &json["status"]["step"];
    assert_eq!(step["item"], ITEM);
    assert_eq!(step["planned_s"], 4.0 * 3600.0);
    assert_eq!(json["status"]["simulated_clock"], true);
    let (status, page) = get(local(&server), "/", &[]);
    assert_eq!(status, 200);
    assert!(
        page.contains("实时查看") && page.contains("Live view"),
        "{page}"
    );
    for asset in ["/app.js", "/chart.js", "/style.css"] {
        let (status, text) = get(local(&server), asset, &[]);
        assert_eq!(status, 200, "{asset}");
        assert!(body(&text).len() > 500, "{asset}: {text}");
    }
}

#[test]
fn events_send_only_the_new_points_as_the_series_grows() {
    let tmp = tempfile::tempdir().unwrap();
    let mut run = AdvancingRun::start(tmp.path(), 20);
    let server = serve(&run);
    let mut events = Events::open(local(&server));
    let first = events.next();
    assert_eq!(first["full"], true);
    let chamber = series(&first, "CLM-001/chamber").unwrap();
    assert_eq!(chamber["points"].as_array().unwrap().len(), 20);
    run.advance(5);
    // The rows may reach the disk in more than one poll: gather the updates.
    let mut xs: Vec<f64> = Vec::new();
    while xs.len() < 5 {
        let update = events.next();
        assert_eq!(update["full"], false, "{update}");
        if let Some(chamber) = series(&update, "CLM-001/chamber") {
            assert_eq!(chamber["reset"], false, "{chamber}");
            xs.extend(
                chamber["points"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p[0].as_f64().unwrap()),
            );
        }
    }
    assert_eq!(
        xs,
        [1200.0, 1260.0, 1320.0, 1380.0, 1440.0],
        "only the five new rows"
    );
    // A finished item's verdict comes as an item change.
    run.finish_item(Verdict::NoPass);
    let finished = loop {
        let update = events.next();
        if let Some(items) = update["items"].as_array() {
            if let Some(item) = items
                .iter()
                .find(|i| i["id"] == ITEM && i["state"] != "running")
            {
                break item.clone();
            }
        }
    };
    assert_eq!(finished["state"], "no pass");
    assert_eq!(finished["verdicts"]["1"], "no pass");
}

#[test]
fn off_loopback_every_request_needs_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let advancing = AdvancingRun::start(tmp.path(), 3);
    let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let refused = serve_on(&advancing, any, None).unwrap_err();
    assert!(
        matches!(refused, LiveError::TokenRequired { .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("token"), "{refused}");
    let server = serve_on(&advancing, any, Some("s3cret")).unwrap();
    let addr = local(&server);
    for path in ["/", "/api/run", "/events", "/app.js"] {
        assert_eq!(get(addr, path, &[]).0, 401, "{path} without the token");
    }
    assert_eq!(get(addr, "/api/run?token=wrong", &[]).0, 401);
    assert_eq!(get(addr, "/api/run?token=s3cret", &[]).0, 200);
    assert_eq!(get(addr, "/", &[("X-Facebench-Token", "s3cret")]).0, 200);
    assert_eq!(get(addr, "/", &[("Authorization", "Bearer s3cret")]).0, 200);
    assert!(server.url().ends_with("/?token=s3cret"), "{}", server.url());
    // The command says so before serving anything.
    let refused = run(&[
        "live",
        advancing.dir.to_str().unwrap(),
        "--addr",
        "0.0.0.0:0",
    ]);
    assert_eq!(code(&refused), 2, "{refused:?}");
    assert!(text(&refused).1.contains("--token"), "{refused:?}");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let run = AdvancingRun::start(tmp.path(), 1);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let error = serve_on(&run, taken.local_addr().unwrap(), None).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("cannot listen on 127.0.0.1:"), "{message}");
    assert!(message.contains("choose another port"), "{message}");
}

#[test]
fn serving_leaves_the_run_directory_byte_for_byte_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let mut run = AdvancingRun::start(tmp.path(), 10);
    run.finish_item(Verdict::Pass);
    std::fs::create_dir_all(run.dir.join("report/charts")).unwrap();
    std::fs::write(run.dir.join("report/charts/CLM-001.png"), b"\x89PNG fake").unwrap();
    let before = contents(&run.dir);
    let server = serve(&run);
    let addr = local(&server);
    let json = run_json(addr);
    assert_eq!(json["charts"][0], "report/charts/CLM-001.png");
    let (status, png) = get(addr, "/charts/report/charts/CLM-001.png", &[]);
    assert_eq!(status, 200);
    assert!(png.contains("PNG fake"));
    assert_eq!(
        get(addr, "/charts/journal.jsonl", &[]).0,
        404,
        "only listed charts"
    );
    assert_eq!(get(addr, "/charts/../journal.jsonl", &[]).0, 404);
    let mut events = Events::open(addr);
    assert_eq!(events.next()["full"], true);
    drop(events);
    drop(server);
    assert_eq!(contents(&run.dir), before);
}

/// An operator that answers once the status file shows its prompt waiting.
#[derive(Debug)]
struct WatchedOperator(PathBuf);

impl Operator for WatchedOperator {
    fn answer(&mut self, _prompt: &Prompt<'_>) -> Result<Reply, OperatorError> {
        let started = Instant::now();
        loop {
            let shown = std::fs::read_to_string(self.0.join(STATUS_FILE)).unwrap_or_default();
            if shown.contains("\"prompt\": {") {
                let status: Value = serde_json::from_str(&shown).unwrap();
                assert_eq!(status["prompt"]["item"], "COT-001");
                assert_eq!(status["prompt"]["sample"], 2);
                assert!(status["prompt"]["lines"][0].as_str().unwrap().len() > 5);
                return Ok(Reply::NoAnswer);
            }
            assert!(started.elapsed() < DEADLINE, "no prompt in {shown}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn source_name(&self) -> String {
        "watched".into()
    }

    fn is_scripted(&self) -> bool {
        false
    }
}

#[test]
fn the_prompt_waiting_is_in_the_status_file_while_it_waits() {
    let tmp = tempfile::tempdir().unwrap();
    let run = AdvancingRun::start(tmp.path(), 1);
    // A folder of its own: the advancing run's recorder also writes the run folder's status
    // file, and would replace this recorder's prompt with its own step.
    let status_dir = tmp.path().join("status");
    std::fs::create_dir_all(&status_dir).unwrap();
    let recorder = StatusRecorder::start(&status_dir, sim_clock(), false);
    let item = run.plan.item("COT-001").unwrap();
    let unit = acme_unit(2);
    let prompt = Prompt {
        item,
        steps: item.steps.iter().collect(),
        attempt: 1,
        sample: 2,
        unit: &unit,
        samples: 2,
    };
    let mut watched = WatchedOperator(status_dir.clone());
    let reply = recorder.operator(&mut watched).answer(&prompt).unwrap();
    assert_eq!(reply, Reply::NoAnswer);
    drop(recorder);
    let after: Value =
        serde_json::from_str(&std::fs::read_to_string(status_dir.join(STATUS_FILE)).unwrap())
            .unwrap();
    assert_eq!(after["prompt"], Value::Null, "answered: no prompt waits");
    assert_eq!(after["ended"], true);
}

#[test]
fn run_live_serves_the_run_and_a_port_in_use_stops_it_before_it_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let args = |live: &str| slow_run_args(&run_dir, &["--sim-clock", "--live", live], &DEMO_UNIT);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = run(&args(&taken.local_addr().unwrap().to_string()));
    assert_eq!(code(&refused), 2, "{refused:?}");
    assert!(text(&refused).1.contains("cannot listen on"), "{refused:?}");
    assert!(
        !run_dir.exists(),
        "nothing is started when the live view cannot listen"
    );
    let served = run(&args("127.0.0.1:0"));
    assert!(text(&served).1.contains("live view of"), "{served:?}");
    assert!(text(&served).1.contains("http://127.0.0.1:"), "{served:?}");
    let status: Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join(STATUS_FILE)).unwrap()).unwrap();
    assert_eq!(status["ended"], true);
    assert_eq!(status["simulated_clock"], true);
    assert_eq!(status["step"], Value::Null);
}
