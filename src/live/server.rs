//! The HTTP side: the page and its scripts from the binary, the run as JSON, and server-sent
//! events carrying each poll's changes.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::Stream;
use tokio::sync::broadcast;

use super::model::{find_charts, RunView};

const INDEX: &str = include_str!("page/index.html");
const APP_JS: &str = include_str!("page/app.js");
const CHART_JS: &str = include_str!("page/chart.js");
const STYLE: &str = include_str!("page/style.css");

/// Polls kept for a slow page before it is sent a whole snapshot instead.
const BACKLOG: usize = 64;

/// What the handlers share.
#[derive(Debug)]
pub struct Shared {
    view: Mutex<RunView>,
    updates: broadcast::Sender<Arc<str>>,
}

impl Shared {
    /// Shares `view`, polled once so the first page sees what is on disk.
    pub fn new(mut view: RunView) -> Arc<Shared> {
        view.poll();
        Arc::new(Shared {
            view: Mutex::new(view),
            updates: broadcast::channel(BACKLOG).0,
        })
    }

    fn view(&self) -> std::sync::MutexGuard<'_, RunView> {
        self.view.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn snapshot_json(&self) -> String {
        serde_json::to_string(&self.view().snapshot()).unwrap_or_default()
    }
}

/// Polls the run directory every `every` and sends each non-empty change to the pages.
pub async fn poll_forever(shared: Arc<Shared>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Sent while the view is locked, so a page connecting now gets either the snapshot
        // with this change or the change itself, never neither.
        let mut view = shared.view();
        let update = view.poll();
        if !update.is_empty() {
            if let Ok(json) = serde_json::to_string(&update) {
                let _ = shared.updates.send(json.into());
            }
        }
    }
}

/// The routes (the token check is layered on by the caller).
pub fn routes(shared: Arc<Shared>) -> Router {
    let asset = |body: &'static str, mime: &'static str| {
        get(move || async move { ([(header::CONTENT_TYPE, mime)], body) })
    };
    Router::new()
        .route("/", get(|| async { Html(INDEX) }))
        .route("/app.js", asset(APP_JS, "text/javascript; charset=utf-8"))
        .route(
            "/chart.js",
            asset(CHART_JS, "text/javascript; charset=utf-8"),
        )
        .route("/style.css", asset(STYLE, "text/css; charset=utf-8"))
        .route("/api/run", get(snapshot))
        .route("/events", get(events))
        .route("/charts/{*path}", get(chart))
        .with_state(shared)
}

async fn snapshot(State(shared): State<Arc<Shared>>) -> Json<super::model::Update> {
    Json(shared.view().snapshot())
}

/// A snapshot first, then every poll's changes (a fresh snapshot after falling behind).
async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (first, updates) = {
        let view = shared.view();
        let first = serde_json::to_string(&view.snapshot()).unwrap_or_default();
        (first, shared.updates.subscribe())
    };
    let stream = futures_util::stream::unfold(
        (Some(first), updates, shared),
        |(first, mut updates, shared)| async move {
            let data = match first {
                Some(first) => first,
                None => match updates.recv().await {
                    Ok(update) => update.to_string(),
                    Err(broadcast::error::RecvError::Lagged(_)) => shared.snapshot_json(),
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            };
            let event = Event::default().event("update").data(data);
            Some((Ok(event), (None, updates, shared)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// A PNG of the run directory, if it is one of the charts listed.
async fn chart(State(shared): State<Arc<Shared>>, UrlPath(path): UrlPath<String>) -> Response {
    let dir = shared.view().dir().to_path_buf();
    if !find_charts(&dir).contains(&path) {
        return (StatusCode::NOT_FOUND, "no such chart\n").into_response();
    }
    match std::fs::read(dir.join(&path)) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "image/png")], bytes).into_response(),
        Err(error) => (StatusCode::NOT_FOUND, format!("{path}: {error}\n")).into_response(),
    }
}
