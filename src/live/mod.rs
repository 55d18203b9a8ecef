//! The live view: a web page that follows a run while it runs (or after), served from the
//! binary by `facebench run --live` and `facebench live RUN_DIR`.
//!
//! The server only reads the run directory: the journal and the series files, followed from a
//! byte offset ([`tail`]), the wire logs (their notes count as wire faults) and the runner's
//! status file ([`status`]), which the running process writes for what the journal does not
//! hold (the step under way and its time, the prompt waiting). Each poll's changes go to the
//! pages as server-sent events; long series are downsampled ([`series`]). The page, its chart
//! code and style are embedded; it needs nothing from the network.
//!
//! It listens on loopback unless told otherwise; any other address needs a token, which every
//! request must then carry ([`access`]).

pub mod access;
pub mod model;
pub mod series;
mod server;
pub mod status;
pub mod tail;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::plan::Plan;

/// Where `--live` listens when no address is given.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8700";
/// How often the run directory is looked at.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Why the live view could not start.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// A non-loopback address without a token.
    #[error(
        "the live view would listen on {addr}, which is not loopback: give a token (--token T \
         with `facebench live`, --live-token T with `facebench run`) that every page must carry \
         as ?token=T, or listen on 127.0.0.1"
    )]
    TokenRequired {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// A token of only blanks.
    #[error("the live view's token is empty")]
    EmptyToken,
    /// The address could not be listened on.
    #[error("the live view cannot listen on {addr}: {source}{hint}", hint = bind_hint(source))]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The server's runtime could not start.
    #[error("the live view's runtime could not start: {0}")]
    Runtime(std::io::Error),
}

fn bind_hint(error: &std::io::Error) -> &'static str {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => {
            " (another program, perhaps another live view, has that port; choose another port)"
        }
        _ => "",
    }
}

/// What to serve and where.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// The run directory.
    pub run_dir: PathBuf,
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Token every request must carry (required off loopback).
    pub token: Option<String>,
    /// How often the run directory is looked at ([`POLL_INTERVAL`]).
    pub poll: Duration,
}

/// A live view serving from its own thread; dropping it stops the server.
#[derive(Debug)]
pub struct LiveServer {
    addr: SocketAddr,
    token: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// A live view's address taken: its token checked and its port listened on, so a port in use
/// fails before the run starts; [`LiveListener::serve`] starts serving.
#[derive(Debug)]
pub struct LiveListener {
    listener: std::net::TcpListener,
    addr: SocketAddr,
    token: Option<String>,
}

impl LiveListener {
    /// Checks the address and token and listens on `addr`.
    pub fn bind(addr: SocketAddr, token: Option<&str>) -> Result<LiveListener, LiveError> {
        let token = access::required_token(addr, token)?;
        let bind = |source| LiveError::Bind { addr, source };
        let listener = std::net::TcpListener::bind(addr).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        Ok(LiveListener {
            listener,
            addr,
            token,
        })
    }

    /// Serves the run of `run_dir`, whose plan (snapshot) is `plan`, from a new thread, looking
    /// at the run directory every `poll`.
    pub fn serve(
        self,
        run_dir: &Path,
        plan: &Plan,
        poll: Duration,
    ) -> Result<LiveServer, LiveError> {
        let LiveListener {
            listener,
            addr,
            token,
        } = self;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(LiveError::Runtime)?;
        let shared = server::Shared::new(model::RunView::new(run_dir, plan));
        let app = server::routes(std::sync::Arc::clone(&shared)).layer(
            axum::middleware::from_fn_with_state(token.clone(), access::check_token),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => listener,
                    Err(error) => {
                        tracing::error!("live view: {error}");
                        return;
                    }
                };
                tokio::spawn(server::poll_forever(shared, poll));
                tokio::select! {
                    served = axum::serve(listener, app) => {
                        if let Err(error) = served {
                            tracing::error!("live view: {error}");
                        }
                    }
                    _ = stopped => {}
                }
            });
        });
        Ok(LiveServer {
            addr,
            token,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl LiveServer {
    /// [`LiveListener::bind`] then [`LiveListener::serve`] with `config`.
    pub fn start(config: &LiveConfig, plan: &Plan) -> Result<LiveServer, LiveError> {
        LiveListener::bind(config.addr, config.token.as_deref())?.serve(
            &config.run_dir,
            plan,
            config.poll,
        )
    }

    /// The address it listens on (the port chosen, when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's address, with the token when there is one.
    pub fn url(&self) -> String {
        let host = match self.addr.ip() {
            ip if ip.is_unspecified() => format!("<this machine's address>:{}", self.addr.port()),
            _ => self.addr.to_string(),
        };
        match &self.token {
            Some(token) => format!("http://{host}/?token={token}"),
            None => format!("http://{host}/"),
        }
    }

    /// Serves until the process ends.
    pub fn serve_until_killed(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
